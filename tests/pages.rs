//! The HTML pages as a visitor and a link preview see them: one style,
//! a description and Open Graph tags on every page, the group's
//! ActivityPub alternate, a footer for visitors with the operator's
//! contact (`DEMESH_CONTACT`, also in NodeInfo), and still no member and
//! no post on any page.
#![allow(clippy::unwrap_used)]

mod common;

use common::club::{alice_posts, club_configured};
use common::{Backend, TestDb, TestServer};
use demesh::account::Contact;
use serde_json::Value;
use std::net::TcpListener;
use std::process::Command;

async fn page(url: &str) -> (String, String) {
    let res = common::http()
        .get(url)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200, "{url}");
    let csp = res
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    (res.text().await.unwrap(), csp)
}

/// The `content` of `<meta property|name="key" content="…">`.
fn meta<'a>(html: &'a str, key: &str) -> &'a str {
    let at = html
        .find(&format!("=\"{key}\" content=\""))
        .unwrap_or_else(|| panic!("no {key} in {html}"));
    let rest = &html[at + key.len() + 13..];
    &rest[..rest.find('"').unwrap()]
}

async fn nodeinfo(s: &TestServer) -> Value {
    let res = common::http()
        .get(s.url("/nodeinfo/2.1"))
        .send()
        .await
        .unwrap();
    res.json().await.unwrap()
}

async fn every_page_previews_and_leaks_nothing(backend: Backend) {
    let c = club_configured(backend, |config| {
        config.contact = Some(Contact::Email("admin@relay.example".into()));
    })
    .await;
    c.s.cli(&["group", "set", "club", "display-name", "Book club"])
        .ok();
    c.s.cli(&[
        "group",
        "set",
        "club",
        "summary",
        "We read <b>slowly</b>.\n\nOne book a month.",
    ])
    .ok();
    let (_, note) = alice_posts(&c, "secret-words").await;
    let invite = c.s.cli(&["invite", "create", "club", "--json"]).json();
    let invite_url = invite["link"].as_str().unwrap().to_string();
    let handle = format!("@club@{}", c.s.domain());

    let (front, csp) = page(&c.s.url("/")).await;
    assert_eq!(csp, "default-src 'none'; style-src 'unsafe-inline'");
    let (group, _) = page(&c.group).await;
    let (invited, _) = page(&invite_url).await;
    for html in [&front, &group, &invited] {
        assert!(
            html.contains("<style>body{font-family:sans-serif"),
            "{html}"
        );
        assert!(!meta(html, "description").is_empty());
        assert_eq!(meta(html, "og:type"), "website");
        assert!(!meta(html, "og:title").is_empty());
        assert_eq!(meta(html, "og:description"), meta(html, "description"));
        // For visitors: whom to ask, no operator's setting.
        assert!(
            html.contains("<a href=\"mailto:admin@relay.example\">admin@relay.example</a>"),
            "{html}"
        );
        assert!(!html.contains("DEMESH_"), "{html}");
        for secret in ["alice", "bob", "carol", "secret-words", note.as_str()] {
            assert!(!html.contains(secret), "{secret} shown: {html}");
        }
    }
    assert_eq!(meta(&front, "og:url"), c.s.url("/"));
    assert!(!front.contains("club"), "the front page names no group");
    assert!(!front.contains("rel=\"alternate\""));

    assert_eq!(meta(&group, "og:title"), format!("Book club ({handle})"));
    assert_eq!(
        meta(&group, "og:description"),
        "We read &lt;b&gt;slowly&lt;/b&gt;. One book a month."
    );
    assert_eq!(meta(&group, "og:url"), c.group);
    assert!(group.contains(&format!(
        "<link rel=\"alternate\" type=\"application/activity+json\" href=\"{}\">",
        c.group
    )));
    assert_eq!(meta(&invited, "og:url"), invite_url);
    assert_eq!(meta(&invited, "robots"), "noindex");
    assert!(invited.contains(&format!("href=\"{}\"", c.group)));

    let info = nodeinfo(&c.s).await;
    assert_eq!(info["metadata"]["contact"], "admin@relay.example");
    assert_eq!(
        info["metadata"]["maintainer"]["email"],
        "admin@relay.example"
    );
    c.s.stop().await;
}

async fn an_account_contact_and_none(backend: Backend) {
    let db = TestDb::new(backend);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let s = TestServer::start_configured(&db, listener, |config| {
        config.contact = Some(Contact::parse("@Admin@Social.Example").unwrap());
    })
    .await;
    s.cli(&["group", "create", "club"]).ok();
    let (html, _) = page(&s.url("/groups/club")).await;
    assert!(
        html.contains("<code>@admin@social.example</code>"),
        "{html}"
    );
    // No summary: the description still says what the group is.
    assert!(meta(&html, "description").contains("private fediverse group"));
    let info = nodeinfo(&s).await;
    assert_eq!(info["metadata"]["contact"], "@admin@social.example");
    assert!(info["metadata"].get("maintainer").is_none());
    s.stop().await;

    let db = TestDb::new(backend);
    let s = TestServer::start(&db).await;
    let (html, _) = page(&s.url("/")).await;
    assert!(!html.contains("Questions about this server"), "{html}");
    assert!(html.contains("ask them for it"), "{html}");
    assert!(nodeinfo(&s).await["metadata"].get("contact").is_none());
    s.stop().await;
}

/// `DEMESH_CONTACT` is checked at start-up and shown by `demesh config`.
#[test]
fn the_contact_setting_is_validated_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let run = |contact: &str| {
        Command::new(env!("CARGO_BIN_EXE_demesh"))
            .args(["config", "--json"])
            .current_dir(dir.path())
            .env_remove("DEMESH_CONFIG")
            .env("DEMESH_CONTACT", contact)
            .output()
            .unwrap()
    };
    let out = run("admin@relay.example");
    assert!(out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = report["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "contact")
        .unwrap()
        .clone();
    assert_eq!(row["value"], "admin@relay.example");
    assert_eq!(row["source"], "environment (DEMESH_CONTACT)");

    let out = run("the admin");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: ") && err.contains("DEMESH_CONTACT"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

backend_tests!(
    every_page_previews_and_leaks_nothing,
    an_account_contact_and_none
);
