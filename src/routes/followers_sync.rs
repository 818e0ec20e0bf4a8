//! GET /groups/NAME/followers_synchronization: the partial followers
//! collection of FEP-8fcf (see `federation::sync`). A member server fetches
//! it, signed, when the digest we sent differs from its own count of the
//! group's followers there; it lists only that server's own accounts
//! among the members, so no server learns who is a member elsewhere.

use super::inbox::signed_get_signer;
use super::negotiate::activity_json;
use crate::context::Context;
use crate::db::Group;
use crate::error::Error;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

/// The group's members on the server of a signed GET's signer; `None`
/// for an unsigned or unverifiable request.
pub(super) async fn members_on_signers_server(
    req: &HttpRequest,
    state: &Context,
    group: &Group,
) -> Result<Option<Vec<String>>, Error> {
    let signer = match signed_get_signer(req, state).await {
        Ok(signer) => signer,
        Err(Error::Unauthorized(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let (gid, domain) = (group.id, signer.domain);
    Ok(Some(
        state
            .db
            .call(move |db| db.member_uris_on(gid, &domain))
            .await?,
    ))
}

pub async fn partial_followers(
    req: HttpRequest,
    state: web::Data<Context>,
    path: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let name = path.into_inner();
    let group = state.db.call(move |db| db.group_by_name(&name)).await?;
    let members = members_on_signers_server(&req, &state, &group)
        .await?
        .ok_or_else(|| Error::Unauthorized("a signed request is needed".into()))?;
    let id = format!(
        "{}/followers_synchronization",
        state.urls.group(&group.name)
    );
    Ok(activity_json(&json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id,
        "type": "OrderedCollection",
        "totalItems": members.len(),
        "orderedItems": members,
    })))
}
