//! The instance actor and the front page.

use super::negotiate::{activity_json, html, wants_html};
use crate::context::Context;
use crate::documents::{instance_actor, instance_page, Site};
use crate::error::Error;
use actix_web::{web, HttpRequest, HttpResponse};

pub async fn actor(state: web::Data<Context>) -> HttpResponse {
    activity_json(&instance_actor(
        &state.urls,
        &state.config.acct_domain(),
        &state.instance_public_pem,
    ))
}

/// The instance actor posts nothing.
pub async fn outbox(state: web::Data<Context>) -> HttpResponse {
    let id = format!("{}/outbox", state.urls.instance_actor());
    activity_json(&crate::documents::counted_collection(&id, 0))
}

/// A short page for people who open the server's address in a browser.
/// It names no group: groups are private and found only by their address.
pub async fn index(req: HttpRequest, state: web::Data<Context>) -> Result<HttpResponse, Error> {
    if !wants_html(&req) {
        return Ok(activity_json(&instance_actor(
            &state.urls,
            &state.config.acct_domain(),
            &state.instance_public_pem,
        )));
    }
    Ok(html(instance_page(&Site::of(&state.config))))
}
