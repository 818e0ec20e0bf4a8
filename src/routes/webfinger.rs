//! WebFinger (RFC 7033) and host-meta (RFC 6415): how `@club@host` becomes
//! the group's actor URL.

use crate::config::Config;
use crate::db::DbError;
use crate::error::Error;
use crate::server::AppState;
use crate::urls::Urls;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
pub struct Query {
    resource: Option<String>,
}

/// What a `resource` parameter asks for.
#[derive(Debug, PartialEq)]
pub enum Resource {
    Group(String),
    Instance,
    Elsewhere,
}

/// Accepts `acct:name@domain`, `name@domain`, `@name@domain` and our actor
/// URLs. The domain may be the bare host or host:port, compared without case.
pub fn parse_resource(config: &Config, urls: &Urls, raw: &str) -> Result<Resource, Error> {
    let raw = raw.trim();
    if raw.starts_with("http://") || raw.starts_with("https://") {
        if raw == urls.instance_actor() {
            return Ok(Resource::Instance);
        }
        return Ok(match urls.group_name_of(raw) {
            Some(name) => Resource::Group(name),
            None => Resource::Elsewhere,
        });
    }
    let acct = raw.strip_prefix("acct:").unwrap_or(raw);
    let acct = acct.strip_prefix('@').unwrap_or(acct);
    let (user, domain) = acct
        .rsplit_once('@')
        .ok_or_else(|| Error::BadRequest("resource must look like acct:name@domain".into()))?;
    if user.is_empty() || domain.is_empty() || user.contains('@') {
        return Err(Error::BadRequest(
            "resource must look like acct:name@domain".into(),
        ));
    }
    let ours = config.acct_domain();
    let host = config.base_url.host_str().unwrap_or_default();
    if !domain.eq_ignore_ascii_case(&ours) && !domain.eq_ignore_ascii_case(host) {
        return Ok(Resource::Elsewhere);
    }
    if user.eq_ignore_ascii_case(&ours) || user.eq_ignore_ascii_case(host) {
        return Ok(Resource::Instance);
    }
    Ok(Resource::Group(user.to_ascii_lowercase()))
}

pub async fn webfinger(
    state: web::Data<AppState>,
    query: web::Query<Query>,
) -> Result<HttpResponse, Error> {
    let raw = query
        .resource
        .as_deref()
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| Error::BadRequest("missing resource parameter".into()))?;
    let domain = state.config.acct_domain();
    let (subject, href) = match parse_resource(&state.config, &state.urls, raw)? {
        Resource::Elsewhere => return Err(Error::NotFound),
        Resource::Instance => (
            format!("acct:{domain}@{domain}"),
            state.urls.instance_actor(),
        ),
        Resource::Group(name) => {
            let group = state
                .db
                .call(move |db| db.group_by_name(&name))
                .await
                .map_err(|e| match e {
                    DbError::NotFound => Error::NotFound,
                    other => other.into(),
                })?;
            (
                format!("acct:{}@{domain}", group.name),
                state.urls.group(&group.name),
            )
        }
    };
    let jrd = json!({
        "subject": subject,
        "aliases": [href],
        "links": [
            { "rel": "self", "type": "application/activity+json", "href": href },
            { "rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": href },
        ]
    });
    Ok(HttpResponse::Ok()
        .content_type("application/jrd+json; charset=utf-8")
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .body(jrd.to_string()))
}

pub async fn host_meta(state: web::Data<AppState>) -> HttpResponse {
    let template = format!(
        "{}/.well-known/webfinger?resource={{uri}}",
        state.urls.base()
    );
    HttpResponse::Ok()
        .content_type("application/xrd+xml; charset=utf-8")
        .body(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  \
             <Link rel=\"lrdd\" template=\"{}\"/>\n</XRD>\n",
            crate::documents::escape_html(&template)
        ))
}
