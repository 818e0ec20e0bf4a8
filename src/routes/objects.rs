//! GET of a group's posts and activities: private. Only a signed request
//! from a member, or from a server hosting a member (Mastodon fetches
//! thread parents with its instance actor), gets the object; anyone else
//! gets 404, as if it did not exist.

use super::inbox::signed_get_signer;
use super::negotiate::activity_json;
use crate::context::Context;
use crate::db::{Group, Post};
use crate::error::Error;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;

/// Whether the request is signed by someone allowed to read `group`'s posts.
async fn may_read(req: &HttpRequest, state: &Context, group: &Group) -> Result<bool, Error> {
    let Ok(signer) = signed_get_signer(req, state).await else {
        return Ok(false);
    };
    let (gid, uri, domain) = (group.id, signer.uri.clone(), signer.domain.clone());
    Ok(state
        .db
        .call(move |db| Ok(db.is_member(gid, &uri)? || db.group_has_member_on(gid, &domain)?))
        .await?)
}

async fn group_and_reader(
    req: &HttpRequest,
    state: &Context,
    name: String,
) -> Result<Group, Error> {
    let group = state.db.call(move |db| db.group_by_name(&name)).await?;
    if !may_read(req, state, &group).await? {
        return Err(Error::NotFound);
    }
    Ok(group)
}

pub async fn post(
    req: HttpRequest,
    state: web::Data<Context>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let (name, key) = path.into_inner();
    let group = group_and_reader(&req, &state, name).await?;
    let note_id = format!("{}/posts/{key}", state.urls.group(&group.name));
    let post = find(&state, note_id, group.id).await?;
    if post.deleted_at.is_some() {
        return Ok(HttpResponse::Gone().json(crate::documents::post_tombstone(&post.note_id)));
    }
    let note: Value =
        serde_json::from_str(&post.note_json).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(activity_json(&crate::documents::post_document(note)))
}

async fn find(state: &Context, note_id: String, group_id: i64) -> Result<Post, Error> {
    state
        .db
        .call(move |db| db.post_by_note(&note_id))
        .await?
        .filter(|p| p.group_id == group_id)
        .ok_or(Error::NotFound)
}

pub async fn activity(
    req: HttpRequest,
    state: web::Data<Context>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let (name, key) = path.into_inner();
    let group = group_and_reader(&req, &state, name).await?;
    let id = format!("{}/activities/{key}", state.urls.group(&group.name));
    let gid = group.id;
    let body = state
        .db
        .call(move |db| db.outgoing_activity(gid, &id))
        .await?
        .ok_or(Error::NotFound)?;
    let doc: Value = serde_json::from_str(&body).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(activity_json(&doc))
}
