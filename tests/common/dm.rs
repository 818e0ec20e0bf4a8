//! Direct messages to and from the group (issue #12): a member's command
//! as Mastodon sends it, and the group's answers as they arrive.
#![allow(dead_code, clippy::unwrap_used)]

use super::club::Club;
use super::fake_remote::FakeRemote;
use super::wait::eventually;
use serde_json::{json, Value};

/// A "mentioned people only" post of `name` to the group whose text after
/// the group's mention is `text` (plain; `@user@host` words become
/// Mastodon mention markup with their Mention tag, `mentions` gives their
/// actor URLs in order). Mastodon's shape: `mastodon_direct.json`.
pub fn command(
    server: &FakeRemote,
    name: &str,
    group: &str,
    n: &str,
    text: &str,
    mentions: &[&str],
) -> Value {
    let mut v = server.fixture("mastodon_direct.json", name, group, n, "");
    let group_name = group.rsplit('/').next().unwrap();
    let mut tags = vec![v["object"]["tag"][0].clone()];
    let mut html = format!(
        "<span class=\"h-card\" translate=\"no\"><a href=\"{group}\" class=\"u-url mention\">@<span>{group_name}</span></a></span>"
    );
    let mut hrefs = mentions.iter();
    for word in text.split(' ') {
        html.push(' ');
        let user = word.strip_prefix('@').and_then(|w| w.split('@').next());
        match (user, word.matches('@').count() == 2) {
            (Some(user), true) => {
                let href = hrefs.next().unwrap();
                tags.push(json!({"type": "Mention", "href": href, "name": word}));
                html.push_str(&format!(
                    "<span class=\"h-card\" translate=\"no\"><a href=\"{href}\" class=\"u-url mention\">@<span>{user}</span></a></span>"
                ));
            }
            _ => html.push_str(word),
        }
    }
    let o = v["object"].as_object_mut().unwrap();
    o.insert("content".into(), json!(format!("<p>{html}</p>")));
    for k in ["contentMap", "attachment", "summary"] {
        o.remove(k);
    }
    o.insert("sensitive".into(), json!(false));
    o.insert("tag".into(), json!(tags));
    v
}

/// Sends `text` as `name`'s command to the club; returns the activity id.
pub async fn send(
    c: &Club,
    server: &FakeRemote,
    name: &str,
    n: &str,
    text: &str,
    mentions: &[&str],
) -> String {
    let v = command(server, name, &c.group, n, text, mentions);
    assert_eq!(server.post(name, &c.s.url("/inbox"), &v).await, 202);
    v["id"].as_str().unwrap().to_string()
}

/// The group's direct notes to `actor` that reached `server`.
pub fn dms_to(server: &FakeRemote, actor: &str) -> Vec<Value> {
    server
        .of_kind("Create")
        .into_iter()
        .filter(|r| r.activity["object"]["to"] == json!([actor]))
        .map(|r| {
            assert!(r.verified, "signed by the group: {r:?}");
            r.activity["object"].clone()
        })
        .collect()
}

/// The plain text of a note's content, tags dropped.
pub fn text(note: &Value) -> String {
    let html = note["content"].as_str().unwrap_or_default();
    let mut out = String::new();
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

/// Waits for a direct note to `actor` at `server` whose text contains
/// `needle`; returns it.
pub async fn dm_containing(server: &FakeRemote, actor: &str, needle: &str) -> Value {
    eventually(
        &format!("a direct message to {actor} saying {needle:?}"),
        || async {
            dms_to(server, actor)
                .into_iter()
                .find(|n| text(n).contains(needle))
        },
    )
    .await
}
