//! GET of a group's posts, activities and direct messages: private. A post,
//! and an activity to the group's followers, goes only to a signed request
//! from a member, or from a server hosting a member (Mastodon fetches
//! thread parents with its instance actor). An activity addressed to
//! accounts alone (a direct message, an Accept, a Block) goes only to
//! those accounts and their servers: the group's message to one member is
//! not for the others. Anyone else gets 404, as if it did not exist.

use super::inbox::signed_get_signer;
use super::negotiate::activity_json;
use crate::context::Context;
use crate::db::{Group, Post};
use crate::error::Error;
use crate::federation::actor::addressees;
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
    let group = state.db.call(move |db| db.group_by_name(&name)).await?;
    let id = format!("{}/activities/{key}", state.urls.group(&group.name));
    Ok(activity_json(
        &readable_outgoing(&req, &state, &group, id).await?,
    ))
}

/// A direct message of the group (`direct::outgoing`), for its recipient.
pub async fn message(
    req: HttpRequest,
    state: web::Data<Context>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let (name, key) = path.into_inner();
    let group = state.db.call(move |db| db.group_by_name(&name)).await?;
    let note_id = format!("{}/messages/{key}", state.urls.group(&group.name));
    let dm = state
        .db
        .call(move |db| db.direct_message(&note_id))
        .await?
        .filter(|dm| dm.group_id == group.id)
        .ok_or(Error::NotFound)?;
    let create = readable_outgoing(&req, &state, &group, dm.create_id).await?;
    Ok(activity_json(&crate::documents::post_document(
        create["object"].clone(),
    )))
}

/// The group's activity `id`, if the request may read it (else 404).
async fn readable_outgoing(
    req: &HttpRequest,
    state: &Context,
    group: &Group,
    id: String,
) -> Result<Value, Error> {
    let gid = group.id;
    let body = state
        .db
        .call(move |db| db.outgoing_activity(gid, &id))
        .await?
        .ok_or(Error::NotFound)?;
    let doc = serde_json::from_str(&body).map_err(|e| Error::Internal(e.to_string()))?;
    if !may_read_addressed(req, state, group, &doc).await? {
        return Err(Error::NotFound);
    }
    Ok(doc)
}

/// Whether the signed request may read `doc`, one of the group's
/// activities: see the module comment.
async fn may_read_addressed(
    req: &HttpRequest,
    state: &Context,
    group: &Group,
    doc: &Value,
) -> Result<bool, Error> {
    let audience = addressees(doc);
    if audience.contains(&state.urls.group_followers(&group.name).as_str()) {
        return may_read(req, state, group).await;
    }
    let Ok(signer) = signed_get_signer(req, state).await else {
        return Ok(false);
    };
    Ok(addressed_to(&audience, &signer.uri, &signer.domain))
}

/// Whether an account (`uri`), or its server (`domain`: an instance
/// actor fetching for its users), is among the addressees.
fn addressed_to(audience: &[&str], uri: &str, domain: &str) -> bool {
    audience
        .iter()
        .any(|a| *a == uri || crate::federation::actor::authority(a).is_some_and(|d| d == domain))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_addressees_and_their_servers_read_an_activity_to_accounts() {
        let dm = json!({"to": ["https://a.example/users/al"], "cc": []});
        let to = addressees(&dm);
        assert!(addressed_to(&to, "https://a.example/users/al", "a.example"));
        assert!(
            addressed_to(&to, "https://a.example/actor", "a.example"),
            "its server's instance actor"
        );
        assert!(!addressed_to(
            &to,
            "https://b.example/users/bo",
            "b.example"
        ));
        assert!(
            !addressed_to(&to, "https://a.example.evil/u", "a.example.evil"),
            "a lookalike host is another server"
        );
        let one = json!({"to": "https://a.example/users/al", "cc": "https://c.example/x"});
        assert_eq!(
            addressees(&one),
            vec!["https://a.example/users/al", "https://c.example/x"]
        );
    }
}
