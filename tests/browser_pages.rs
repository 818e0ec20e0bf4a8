//! Issue #23: to a browser (`Accept: text/html`) every group address
//! answers a page for people, with the right status; HEAD answers
//! wherever GET does.
#![allow(clippy::unwrap_used)]

mod common;

use common::club::{alice_posts, arrived, club};
use common::dm::text;
use common::Backend;

async fn browsers_get_pages_and_head_works(backend: Backend) {
    let c = club(backend).await;
    let html = "text/html,application/xhtml+xml";
    c.s.cli(&[
        "group",
        "set",
        "club",
        "question",
        "Which book did you last read?",
    ])
    .ok();
    let (_, copy) = alice_posts(&c, "1").await;
    let got = arrived(&c.b, "Create", &copy).await;
    let said = text(&got.activity["object"]);
    let create = got.activity["id"].as_str().unwrap().to_string();

    // A copy's address, as Mastodon's "Open original page" opens it.
    let (status, ctype, body) = common::request(&copy, reqwest::Method::GET, html).await;
    assert_eq!(status, 404);
    assert!(ctype.starts_with("text/html"), "{ctype}");
    assert!(
        body.contains("private group") && body.contains(&format!("href=\"{}\"", c.group)),
        "{body}"
    );
    assert!(
        !body.contains("alice") && !body.contains(said.trim_start_matches("@")),
        "{body}"
    );
    let (status, ctype, body) = common::request(&create, reqwest::Method::GET, html).await;
    assert_eq!(
        (status, ctype.starts_with("text/html")),
        (404, true),
        "{body}"
    );
    // Servers still get JSON.
    let (status, ctype, _) =
        common::request(&copy, reqwest::Method::GET, "application/activity+json").await;
    assert_eq!((status, ctype.starts_with("application/json")), (404, true));

    // The group's page and its collections' show how to join, and the question.
    for path in ["", "/followers", "/outbox", "/following"] {
        let (status, ctype, body) =
            common::request(&format!("{}{path}", c.group), reqwest::Method::GET, html).await;
        assert_eq!(
            (status, ctype.starts_with("text/html")),
            (200, true),
            "{path}"
        );
        assert!(
            body.contains("Which book did you last read?"),
            "{path}: {body}"
        );
    }
    let (status, ctype, _) =
        common::request(&c.group, reqwest::Method::GET, "application/activity+json").await;
    assert_eq!(
        (status, ctype.starts_with("application/activity+json")),
        (200, true)
    );

    // Unknown and deleted groups.
    let (status, ctype, body) =
        common::request(&c.s.url("/groups/nobody"), reqwest::Method::GET, html).await;
    assert_eq!((status, ctype.starts_with("text/html")), (404, true));
    assert!(body.contains("No such group"), "{body}");
    let (status, _, _) = common::request(
        &c.s.url("/groups/nobody/posts/1"),
        reqwest::Method::GET,
        html,
    )
    .await;
    assert_eq!(status, 404);
    c.s.cli(&["group", "create", "gone"]).ok();
    c.s.cli(&["group", "delete", "gone", "--yes"]).ok();
    let (status, ctype, body) =
        common::request(&c.s.url("/groups/gone"), reqwest::Method::GET, html).await;
    assert_eq!((status, ctype.starts_with("text/html")), (410, true));
    assert!(body.contains("deleted"), "{body}");
    let (status, _, _) = common::request(
        &c.s.url("/groups/gone"),
        reqwest::Method::GET,
        "application/activity+json",
    )
    .await;
    assert_eq!(status, 410, "servers still get the Tombstone");

    // Invitations: working, unknown, revoked, used up.
    let inv =
        c.s.cli(&["invite", "create", "club", "--json", "--uses", "1"])
            .json();
    let link = inv["link"].as_str().unwrap().to_string();
    let (status, _, body) = common::request(&link, reqwest::Method::GET, html).await;
    assert_eq!(status, 200);
    assert!(body.contains("Which book did you last read?"), "{body}");
    let (status, ctype, body) = common::request(
        &format!("{}/invite/AAAAAAAAAAAAAAAAAAAAAA", c.group),
        reqwest::Method::GET,
        "*/*",
    )
    .await;
    assert_eq!((status, ctype.starts_with("text/html")), (404, true));
    assert!(body.contains("No such invitation"), "{body}");
    c.s.cli(&["invite", "revoke", "club", inv["code"].as_str().unwrap()])
        .ok();
    let (status, ctype, body) = common::request(&link, reqwest::Method::GET, html).await;
    assert_eq!((status, ctype.starts_with("text/html")), (410, true));
    assert!(
        body.contains("no longer works") && body.contains(&format!("href=\"{}\"", c.group)),
        "{body}"
    );
    let (status, _, _) = common::request(
        &c.s.url("/groups/nobody/invite/x"),
        reqwest::Method::GET,
        html,
    )
    .await;
    assert_eq!(status, 404);

    // HEAD wherever GET works, with no body.
    for (url, accept, want) in [
        (copy.as_str(), html, 404),
        (c.group.as_str(), html, 200),
        (c.group.as_str(), "application/activity+json", 200),
        (link.as_str(), html, 410),
    ] {
        let (status, _, body) = common::request(url, reqwest::Method::HEAD, accept).await;
        assert_eq!((status, body.as_str()), (want, ""), "HEAD {url} ({accept})");
    }
    for path in ["/", "/healthz", "/.well-known/nodeinfo"] {
        let (status, _, _) = common::request(&c.s.url(path), reqwest::Method::HEAD, "*/*").await;
        assert_eq!(status, 200, "HEAD {path}");
    }
}

backend_tests!(browsers_get_pages_and_head_works);
