//! WebFinger (RFC 7033) and host-meta (RFC 6415): how `@club@host` becomes
//! the group's actor URL.

use crate::config::Config;
use crate::context::Context;
use crate::error::Error;
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
    // A username is letters, digits, _ . - (found by fuzzing: a URL-ish
    // string before the last @ is not a user).
    let valid_user = |u: &str| {
        !u.is_empty()
            && u.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
    };
    if !valid_user(user) || domain.is_empty() {
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
    state: web::Data<Context>,
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
            let group = state.db.call(move |db| db.group_by_name(&name)).await?;
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

pub async fn host_meta(state: web::Data<Context>) -> HttpResponse {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{FileConfig, Overrides};

    fn parse(raw: &str) -> Result<Resource, Error> {
        let over = Overrides {
            base_url: Some("https://relay.example:8443".into()),
            ..Overrides::default()
        };
        let config = Config::resolve(&over, FileConfig::default()).expect("config");
        parse_resource(&config, &Urls::new(&config), raw)
    }

    #[test]
    fn handles_and_urls_parse() {
        for ok in [
            "acct:club@relay.example:8443",
            "@club@relay.example",
            "Club@RELAY.example",
        ] {
            assert_eq!(parse(ok).expect(ok), Resource::Group("club".into()), "{ok}");
        }
        assert_eq!(
            parse("https://relay.example:8443/groups/club").expect("url"),
            Resource::Group("club".into())
        );
        assert_eq!(
            parse("acct:club@other.example").expect("other"),
            Resource::Elsewhere
        );
    }

    #[test]
    fn malformed_users_are_bad_requests() {
        // The first one is the input the webfinger fuzz target found.
        for bad in [
            "ahttps://cct:club@relay.example:8443",
            "a/b@relay.example",
            "a b@relay.example",
            "@relay.example",
        ] {
            assert!(matches!(parse(bad), Err(Error::BadRequest(_))), "{bad}");
        }
    }
}
