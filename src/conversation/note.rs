//! Building the group's own Note from a member's post (DESIGN §6): new id
//! on our host, the group as author, addressed to the group's followers
//! only, the member credited in the text, sanitized HTML, and the fields
//! apps show (content warning, sensitive, language, attachments, hashtags,
//! custom emoji). Pure: no I/O, unit-tested.

use crate::db::{Group, RemoteActor};
use crate::documents::escape_html;
use crate::urls::Urls;
use serde_json::{json, Map, Value};
use std::collections::HashSet;

/// More attachments than any app shows (Mastodon shows 4).
const MAX_ATTACHMENTS: usize = 16;
const MAX_TAGS: usize = 64;

/// Where the Note sits in its thread.
pub struct Placement<'a> {
    pub note_id: &'a str,
    pub in_reply_to: Option<&'a str>,
    pub context: &'a str,
    pub published: &'a str,
    pub updated: Option<&'a str>,
}

/// A JSON value as a list: ActivityStreams allows a bare value where a
/// list has one item (GoToSocial sends `tag` and `attachment` that way).
pub fn as_list(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::Array(a)) => a.clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other.clone()],
    }
}

/// Member HTML cut down to what fediverse apps render: no scripts, styles,
/// images, forms or event handlers; links only to http(s) and mailto.
pub fn sanitize(html: &str) -> String {
    ammonia::Builder::new()
        .tags(HashSet::from([
            "p",
            "br",
            "a",
            "span",
            "strong",
            "b",
            "em",
            "i",
            "u",
            "s",
            "del",
            "code",
            "pre",
            "blockquote",
            "ul",
            "ol",
            "li",
        ]))
        .tag_attributes(Default::default())
        .generic_attributes(HashSet::new())
        .add_tag_attributes("a", ["href"])
        .allowed_classes(
            [
                ("a", HashSet::from(["mention", "hashtag", "u-url"])),
                ("span", HashSet::from(["h-card", "invisible", "ellipsis"])),
            ]
            .into(),
        )
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("nofollow noopener noreferrer"))
        .clean(html)
        .to_string()
}

/// Plain text from an HTML or text field (content warnings are text).
pub fn plain(text: &str) -> String {
    ammonia::Builder::empty().clean(text).to_string()
}

/// The member credited, never mentioned: a copy carries no `Mention`
/// (issue #23). Mastodon's reply box pre-fills every account a post
/// mentions, so each later reply would also go straight to that account,
/// member or not, and a mention gives lasting read access to the copy.
fn credit(author: &RemoteActor) -> String {
    format!(
        "<p><a href=\"{}\">@{}</a>:</p>",
        escape_html(&author.uri),
        escape_html(&author.acct())
    )
}

fn body(original: &Map<String, Value>, html: &str) -> String {
    let title = original
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
        .map(|n| format!("<p><strong>{}</strong></p>", escape_html(&plain(n))))
        .unwrap_or_default();
    format!("{title}{}", sanitize(html))
}

fn http_url(v: &Value) -> Option<String> {
    let raw = match v {
        Value::String(s) => s.clone(),
        Value::Object(o) => o.get("href").and_then(Value::as_str)?.to_string(),
        Value::Array(a) => return a.iter().find_map(http_url),
        _ => return None,
    };
    (raw.starts_with("https://") || raw.starts_with("http://")).then_some(raw)
}

fn attachment(a: &Value) -> Option<Value> {
    let url = http_url(a.get("url")?)?;
    let mut out = json!({
        "type": a.get("type").and_then(Value::as_str).unwrap_or("Document"),
        "url": url,
    });
    for key in ["mediaType", "name", "blurhash"] {
        if let Some(s) = a.get(key).and_then(Value::as_str) {
            out[key] = Value::String(plain(s));
        }
    }
    for key in ["width", "height"] {
        if let Some(n) = a.get(key).and_then(Value::as_u64) {
            out[key] = n.into();
        }
    }
    if let Some(Value::Array(f)) = a.get("focalPoint") {
        if f.len() == 2 && f.iter().all(Value::is_number) {
            out["focalPoint"] = Value::Array(f.clone());
        }
    }
    Some(out)
}

/// Hashtags and custom emoji only: a Mention would notify (and, on
/// Mastodon, give access to) whoever it names, member or not.
fn tag(t: &Value) -> Option<Value> {
    let name = t.get("name").and_then(Value::as_str)?;
    match t.get("type").and_then(Value::as_str)? {
        "Hashtag" => Some(json!({
            "type": "Hashtag",
            "name": plain(name),
            "href": t.get("href").and_then(http_url),
        })),
        "Emoji" => {
            let icon = t.get("icon")?;
            Some(json!({
                "id": t.get("id").and_then(Value::as_str),
                "type": "Emoji",
                "name": plain(name),
                "updated": t.get("updated").and_then(Value::as_str),
                "icon": {
                    "type": "Image",
                    "mediaType": icon.get("mediaType").and_then(Value::as_str),
                    "url": icon.get("url").and_then(http_url)?,
                },
            }))
        }
        _ => None,
    }
}

/// The group's Note for a member's `original` object.
pub fn group_note(
    urls: &Urls,
    group: &Group,
    author: &RemoteActor,
    original: &Map<String, Value>,
    at: &Placement<'_>,
) -> Value {
    let followers = urls.group_followers(&group.name);
    let html = original
        .get("content")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut note = json!({
        "id": at.note_id,
        "type": "Note",
        "attributedTo": urls.group(&group.name),
        "to": [followers],
        "cc": [],
        "published": at.published,
        "url": at.note_id,
        "context": at.context,
        "conversation": at.context,
        "content": format!("{}{}", credit(author), body(original, html)),
        "sensitive": original.get("sensitive").and_then(Value::as_bool).unwrap_or(false),
        // Mastodon 4.5 quotes: only the group itself may quote its posts,
        // so no member's app offers to quote a group post outside it.
        "interactionPolicy": {
            "canQuote": {
                "automaticApproval": [urls.group(&group.name)],
                "manualApproval": [],
            },
        },
    });
    if let Some(Value::Object(map)) = original.get("contentMap") {
        let localized: Map<String, Value> = map
            .iter()
            .filter_map(|(lang, v)| Some((lang.clone(), v.as_str()?)))
            .map(|(lang, v)| {
                (
                    lang,
                    Value::String(format!("{}{}", credit(author), body(original, v))),
                )
            })
            .collect();
        if !localized.is_empty() {
            note["contentMap"] = Value::Object(localized);
        }
    }
    if let Some(cw) = original.get("summary").and_then(Value::as_str) {
        if !cw.trim().is_empty() {
            note["summary"] = Value::String(plain(cw));
        }
    }
    if let Some(parent) = at.in_reply_to {
        note["inReplyTo"] = Value::String(parent.to_string());
    }
    if let Some(updated) = at.updated {
        note["updated"] = Value::String(updated.to_string());
    }
    let attachments: Vec<Value> = as_list(original.get("attachment"))
        .iter()
        .filter_map(attachment)
        .take(MAX_ATTACHMENTS)
        .collect();
    if !attachments.is_empty() {
        note["attachment"] = Value::Array(attachments);
    }
    let tags: Vec<Value> = as_list(original.get("tag"))
        .iter()
        .filter_map(tag)
        .take(MAX_TAGS)
        .collect();
    if !tags.is_empty() {
        note["tag"] = Value::Array(tags);
    }
    note
}

#[cfg(test)]
#[path = "note_tests.rs"]
mod tests;
