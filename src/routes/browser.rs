//! What a browser (`Accept: text/html`) gets at a group's addresses
//! (issue #23): always a page for people, never a JSON error. Mastodon's
//! "Open original page" opens a group copy's `url`; a monitor or a person
//! may open any other. Pages name no member and show no post.

use super::negotiate::{html, html_with};
use crate::context::Context;
use crate::db::Group;
use crate::documents::{group_page, notice_page, Site};
use crate::error::Error;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

/// The group, or the page that says why there is none: 404 for a name
/// never used, 410 for a deleted group.
pub async fn group_or_page(
    state: &Context,
    name: String,
) -> Result<Result<Group, HttpResponse>, Error> {
    let lookup = name.clone();
    let found = state
        .db
        .call(move |db| match db.group_by_name(&lookup) {
            Ok(g) => Ok(Some(Ok(g))),
            Err(crate::db::DbError::NotFound) => Ok(db.deleted_group(&lookup)?.map(Err)),
            Err(e) => Err(e),
        })
        .await?;
    let site = Site::of(&state.config);
    Ok(match found {
        Some(Ok(group)) => Ok(group),
        Some(Err(_deleted)) => Err(html_with(
            StatusCode::GONE,
            notice_page(
                "This group was deleted",
                "The group that was here has been deleted by its administrators. Its posts are gone.",
                None,
                &site,
            ),
        )),
        None => Err(html_with(
            StatusCode::NOT_FOUND,
            notice_page(
                "No such group",
                "There is no group at this address. Check the address you were given.",
                None,
                &site,
            ),
        )),
    })
}

/// The group's page, at the group's address and its collections'.
pub async fn group(
    state: web::Data<Context>,
    path: web::Path<String>,
) -> Result<HttpResponse, Error> {
    Ok(match group_or_page(&state, path.into_inner()).await? {
        Ok(g) => html(group_page(&g, &Site::of(&state.config))),
        Err(page) => page,
    })
}

/// A post's, an activity's or a direct message's address: only that it
/// is in a private group, and a link to the group's page. Whether the
/// item exists is not looked up, and the status is 404 whatever it is:
/// the same as a JSON request without a member's signature gets, so
/// neither answer tells that a post exists. 404 also keeps search engines
/// and link-preview fetchers from keeping the address.
pub async fn private_item(
    state: web::Data<Context>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let (name, _item) = path.into_inner();
    Ok(match group_or_page(&state, name).await? {
        Ok(g) => {
            let group_url = state.urls.group(&g.name);
            html_with(
                StatusCode::NOT_FOUND,
                notice_page(
                    &format!("A post in {}", g.display_name),
                    &format!(
                        "This is in the private group {}. Only its members can read it, in \
                         their own fediverse app: posts are never shown on the web.",
                        state.urls.group_handle(&g.name)
                    ),
                    Some((&group_url, "About the group and how to join")),
                    &Site::of(&state.config),
                ),
            )
        }
        Err(page) => page,
    })
}
