//! The route table. One file per endpoint family.

mod browser;
pub mod connections;
mod followers_sync;
pub mod forwarded;
mod groups;
pub mod health;
pub mod inbox;
mod instance;
pub mod limits;
mod negotiate;
mod nodeinfo;
mod objects;
pub mod webfinger;

use actix_web::dev::HttpServiceFactory;
use actix_web::{guard, web, Handler, HttpRequest, Responder};
use std::collections::BTreeMap;

/// The request's headers as text, for signature checks (headers that are
/// not valid text cannot be part of a valid signature and are left out).
pub(crate) fn header_map(req: &HttpRequest) -> BTreeMap<String, String> {
    req.headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect()
}

/// A GET route whose browsers (`Accept: text/html`) get `page` and
/// everyone else `json` (issue #23: every group address answers people
/// with a page).
fn negotiated<P, PA, J, JA>(path: &str, page: P, json: J) -> impl HttpServiceFactory
where
    P: Handler<PA>,
    PA: actix_web::FromRequest + 'static,
    P::Output: Responder + 'static,
    J: Handler<JA>,
    JA: actix_web::FromRequest + 'static,
    J::Output: Responder + 'static,
{
    web::resource(path)
        .route(
            web::get()
                .guard(guard::fn_guard(|ctx| {
                    negotiate::accepts_html(ctx.head().headers())
                }))
                .to(page),
        )
        .route(web::get().to(json))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(instance::index))
        .route("/healthz", web::get().to(health::healthz))
        .route("/metrics", web::get().to(health::metrics))
        .route("/actor", web::get().to(instance::actor))
        .route("/actor/outbox", web::get().to(instance::outbox))
        .route(
            "/.well-known/webfinger",
            web::get().to(webfinger::webfinger),
        )
        .route(
            "/.well-known/host-meta",
            web::get().to(webfinger::host_meta),
        )
        .route("/.well-known/nodeinfo", web::get().to(nodeinfo::discovery))
        .route("/nodeinfo/2.1", web::get().to(nodeinfo::nodeinfo))
        .route("/inbox", web::post().to(inbox::shared_inbox))
        .route("/groups/{name}/inbox", web::post().to(inbox::group_inbox))
        .route(
            "/groups/{name}/invite/{code}",
            web::get().to(groups::invite),
        )
        .service(negotiated("/groups/{name}", browser::group, groups::actor))
        .service(negotiated(
            "/groups/{name}/posts/{id}",
            browser::private_item,
            objects::post,
        ))
        .service(negotiated(
            "/groups/{name}/activities/{id}",
            browser::private_item,
            objects::activity,
        ))
        .service(negotiated(
            "/groups/{name}/messages/{id}",
            browser::private_item,
            objects::message,
        ))
        .service(negotiated(
            "/groups/{name}/outbox",
            browser::group,
            groups::outbox,
        ))
        .service(negotiated(
            "/groups/{name}/followers",
            browser::group,
            groups::followers,
        ))
        .service(negotiated(
            "/groups/{name}/followers_synchronization",
            browser::group,
            followers_sync::partial_followers,
        ))
        .service(negotiated(
            "/groups/{name}/following",
            browser::group,
            groups::following,
        ));
}
