//! The group actor, its HTML page, and its collections.

use super::negotiate::{activity_json, html, html_with};
use crate::context::Context;
use crate::db::Group;
use crate::documents::{
    counted_collection, group_actor, group_tombstone, invite_page, notice_page, Site,
};
use crate::error::Error;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

async fn find_group(state: &Context, name: String) -> Result<Group, Error> {
    // A missing group is DbError::NotFound, answered 404.
    Ok(state.db.call(move |db| db.group_by_name(&name)).await?)
}

/// Public on purpose: remote servers must fetch it, unsigned, to follow.
/// (A browser gets `browser::group` instead.)
pub async fn actor(
    state: web::Data<Context>,
    path: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let name = path.into_inner();
    let lookup = name.clone();
    let group = match find_group(&state, name).await {
        Err(Error::NotFound | Error::Db(crate::db::DbError::NotFound)) => {
            return gone(&state, lookup).await
        }
        other => other?,
    };
    Ok(activity_json(&group_actor(&state.urls, &group)))
}

/// A deleted group answers 410 with a Tombstone: a server that fetches it
/// (to refresh it, or to check a Delete) drops the group.
async fn gone(state: &Context, name: String) -> Result<HttpResponse, Error> {
    let lookup = name.clone();
    let Some(group) = state.db.call(move |db| db.deleted_group(&lookup)).await? else {
        return Err(Error::NotFound);
    };
    Ok(HttpResponse::Gone()
        .content_type("application/activity+json")
        .json(group_tombstone(
            &state.urls,
            &name,
            group.deleted_at.unwrap_or_default(),
        )))
}

/// The page an invite link opens: how to join with the code. It shows
/// only what the group's public page shows, plus the code itself. Always
/// a page for people: an unknown code (or group) is a 404 page; a code
/// that worked once and no longer does (revoked, used up, expired) is a
/// 410 page that still links the group, whose moderators may let the
/// person in.
pub async fn invite(
    state: web::Data<Context>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let (name, code) = path.into_inner();
    let group = match super::browser::group_or_page(&state, name).await? {
        Ok(g) => g,
        Err(page) => return Ok(page),
    };
    let gid = group.id;
    let lookup = code.clone();
    let site = Site::of(&state.config);
    let invite = match state.db.call(move |db| db.invite(gid, &lookup)).await? {
        None => {
            return Ok(html_with(
                StatusCode::NOT_FOUND,
                notice_page(
                    "No such invitation",
                    "This invitation link is not known here. Check that it was copied whole.",
                    None,
                    &site,
                ),
            ))
        }
        Some(i) if i.refusal_at(crate::db::now_ms()).is_some() => {
            let url = state.urls.group(&group.name);
            return Ok(html_with(
                StatusCode::GONE,
                notice_page(
                    "This invitation no longer works",
                    "It was withdrawn, used up or has expired. You can still ask to join the \
                     group: a moderator decides.",
                    Some((&url, "About the group and how to join")),
                    &site,
                ),
            ));
        }
        Some(i) => i,
    };
    Ok(html(invite_page(
        &group,
        &invite.code,
        &Site::of(&state.config),
    )))
}

/// Counts only: what a private group carries is not listed to strangers.
pub async fn outbox(
    state: web::Data<Context>,
    path: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let group = find_group(&state, path.into_inner()).await?;
    let id = group.id;
    let posts = state.db.call(move |db| db.count_posts(id)).await?;
    Ok(activity_json(&counted_collection(
        &state.urls.group_outbox(&group.name),
        posts,
    )))
}

/// The size to anyone (DESIGN §5); to a signed request from a server
/// that hosts members, also the items, limited to that server's own
/// accounts: no server learns who is a member elsewhere.
pub async fn followers(
    req: HttpRequest,
    state: web::Data<Context>,
    path: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let group = find_group(&state, path.into_inner()).await?;
    let id = group.id;
    let members = state.db.call(move |db| db.count_members(id)).await?;
    let mut doc = counted_collection(&state.urls.group_followers(&group.name), members);
    // A blocked server gets the size anyone gets, and no names.
    let own = match super::followers_sync::members_on_signers_server(&req, &state, &group).await {
        Err(Error::Forbidden) => None,
        own => own?,
    };
    if let Some(own) = own.filter(|own| !own.is_empty()) {
        doc["orderedItems"] = serde_json::json!(own);
    }
    Ok(activity_json(&doc))
}

/// A group follows no one.
pub async fn following(
    state: web::Data<Context>,
    path: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let group = find_group(&state, path.into_inner()).await?;
    Ok(activity_json(&counted_collection(
        &state.urls.group_following(&group.name),
        0,
    )))
}
