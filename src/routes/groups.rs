//! The group actor, its HTML page, and its collections.

use super::negotiate::{activity_json, html, wants_html};
use crate::context::Context;
use crate::db::Group;
use crate::documents::{counted_collection, escape_html, group_actor, text_to_html};
use crate::error::Error;
use actix_web::{web, HttpRequest, HttpResponse};

async fn find_group(state: &Context, name: String) -> Result<Group, Error> {
    // A missing group is DbError::NotFound, answered 404.
    Ok(state.db.call(move |db| db.group_by_name(&name)).await?)
}

/// Public on purpose: remote servers must fetch it, unsigned, to follow.
pub async fn actor(
    req: HttpRequest,
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
    if wants_html(&req) {
        return Ok(html(group_page(&state, &group)));
    }
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
        .json(serde_json::json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": state.urls.group(&name),
            "type": "Tombstone",
            "formerType": "Group",
            "deleted": crate::documents::rfc3339(group.deleted_at.unwrap_or_default()),
        })))
}

/// The page an invite link opens: how to join with the code. It shows
/// only what the group's public page shows, plus the code itself; a code
/// that no longer works (unknown, revoked, used up, expired) is a 404, as
/// if it never existed.
pub async fn invite(
    state: web::Data<Context>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let (name, code) = path.into_inner();
    let group = find_group(&state, name).await?;
    let gid = group.id;
    let lookup = code.clone();
    let invite = state
        .db
        .call(move |db| db.invite(gid, &lookup))
        .await?
        .filter(|i| {
            !i.revoked
                && i.uses_left.is_none_or(|n| n > 0)
                && i.expires_at.is_none_or(|e| e > crate::db::now_ms())
        })
        .ok_or(Error::NotFound)?;
    Ok(html(invite_page(&state, &group, &invite.code)))
}

fn invite_page(state: &Context, group: &Group, code: &str) -> String {
    let handle = escape_html(&format!("@{}@{}", group.name, state.config.acct_domain()));
    let title = escape_html(&group.display_name);
    let summary = text_to_html(&group.summary);
    let code = escape_html(code);
    let footer = crate::documents::source_footer(state.config.source_url.as_ref());
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <meta name=\"robots\" content=\"noindex\">\
         <title>Invitation to {title} ({handle})</title>\
         <style>body{{font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em}}\
         code{{background:#eee;padding:0 .2em}}</style></head><body>\
         <h1>You are invited to {title}</h1><p><code>{handle}</code> is a private group.</p>\
         {summary}<h2>How to join with this invitation</h2><ol>\
         <li>In your fediverse app (Mastodon, GoToSocial, Pleroma, Misskey, Friendica…), \
         search for <code>{handle}</code> and press <em>Follow</em>.</li>\
         <li>Send the group a post with the visibility <em>Mentioned people only</em> \
         (a private mention) that says <code>{handle} {code}</code>. Your request is \
         approved at once and the group answers you.</li>\
         <li>Then post to the group by mentioning <code>{handle}</code>, again as \
         <em>Mentioned people only</em>: the group shares each post with its members, \
         and only with them.</li></ol>\
         <p>Keep the code to yourself: anyone who has it can join.</p>{footer}</body></html>"
    )
}

fn group_page(state: &Context, group: &Group) -> String {
    let handle = escape_html(&format!("@{}@{}", group.name, state.config.acct_domain()));
    let title = escape_html(&group.display_name);
    let summary = text_to_html(&group.summary);
    let rules = if group.rules.is_empty() {
        String::new()
    } else {
        format!("<h2>Rules</h2>{}", text_to_html(&group.rules))
    };
    let footer = crate::documents::source_footer(state.config.source_url.as_ref());
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title} ({handle})</title>\
         <style>body{{font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em}}\
         code{{background:#eee;padding:0 .2em}}</style></head><body>\
         <h1>{title}</h1><p><code>{handle}</code> is a private group.</p>{summary}\
         <h2>How to join</h2><ol>\
         <li>In your fediverse app (Mastodon, GoToSocial, Pleroma, Misskey, Friendica…), \
         search for <code>{handle}</code>.</li>\
         <li>Press <em>Follow</em>. Your request waits until a group admin approves it.</li>\
         <li>Once approved, post to the group by mentioning <code>{handle}</code> with the \
         visibility <em>Mentioned people only</em>, so only members see it. The group \
         shares each post with its members, and only with them.</li></ol>\
         {rules}<p>Posts and the member list are never shown here.</p>{footer}</body></html>"
    )
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
