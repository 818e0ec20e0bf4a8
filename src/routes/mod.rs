//! The route table. One file per endpoint family.

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

use actix_web::{web, HttpRequest};
use std::collections::BTreeMap;

/// The request's headers as text, for signature checks (headers that are
/// not valid text cannot be part of a valid signature and are left out).
pub(crate) fn header_map(req: &HttpRequest) -> BTreeMap<String, String> {
    req.headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect()
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
        .route("/groups/{name}", web::get().to(groups::actor))
        .route("/groups/{name}/posts/{id}", web::get().to(objects::post))
        .route(
            "/groups/{name}/activities/{id}",
            web::get().to(objects::activity),
        )
        .route(
            "/groups/{name}/messages/{id}",
            web::get().to(objects::message),
        )
        .route("/groups/{name}/outbox", web::get().to(groups::outbox))
        .route(
            "/groups/{name}/invite/{code}",
            web::get().to(groups::invite),
        )
        .route("/groups/{name}/followers", web::get().to(groups::followers))
        .route(
            "/groups/{name}/followers_synchronization",
            web::get().to(followers_sync::partial_followers),
        )
        .route("/groups/{name}/following", web::get().to(groups::following));
}
