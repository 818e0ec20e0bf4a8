//! The group's direct message to one account, as a document: built here
//! so that both `direct` (which records and sends it) and `conversation`
//! (the leak guard's note, sent with the post it is about) build it alike.

use super::{escape_html, post_context, rfc3339};
use crate::db::{Group, Outgoing, RemoteActor};
use crate::urls::{new_activity_id, Urls};
use serde_json::{json, Value};

/// A direct message, built: its note id and the Create that carries it.
#[derive(Debug, Clone)]
pub struct Built {
    pub note_id: String,
    pub create: Outgoing,
}

/// Builds the group's direct message to `to`: the Note is addressed to
/// that account alone (no cc, no Public, no followers), tags it with a
/// `Mention` and starts with its @-mention, so Mastodon files it as a
/// private mention and notifies. `text` is plain text: paragraphs split by
/// blank lines, URLs made links.
pub fn build(urls: &Urls, group: &Group, to: &RemoteActor, text: &str) -> Built {
    build_reply(urls, group, to, text, None)
}

/// `build`, answering the recipient's own message `in_reply_to`: Mastodon
/// shows a private mention from an account the recipient does not follow
/// (a requester, a stranger) only under "Filtered notifications", unless
/// it replies to one of theirs (issue #23).
pub fn build_reply(
    urls: &Urls,
    group: &Group,
    to: &RemoteActor,
    text: &str,
    in_reply_to: Option<&str>,
) -> Built {
    let create_id = new_activity_id(urls, &group.name);
    let note_id = create_id.replace("/activities/", "/messages/");
    let actor = urls.group(&group.name);
    let published = rfc3339(crate::db::now_ms());
    let mut note = json!({
        "id": note_id,
        "type": "Note",
        "attributedTo": actor,
        "to": [to.uri],
        "cc": [],
        "published": published,
        "tag": [{"type": "Mention", "href": to.uri, "name": format!("@{}", to.acct())}],
        "content": content_html(to, text),
    });
    if let Some(parent) = in_reply_to {
        note["inReplyTo"] = Value::String(parent.to_string());
    }
    let create = json!({
        "@context": post_context(),
        "id": create_id,
        "type": "Create",
        "actor": actor,
        "to": [to.uri],
        "cc": [],
        "published": published,
        "object": note,
    });
    Built {
        note_id,
        create: Outgoing {
            id: create_id,
            body: create.to_string(),
        },
    }
}

/// The mention of `to` first, then the text as HTML paragraphs.
fn content_html(to: &RemoteActor, text: &str) -> String {
    let mention = format!(
        "<span class=\"h-card\"><a href=\"{}\" class=\"u-url mention\">@<span>{}</span></a></span>",
        escape_html(&to.uri),
        escape_html(&to.username)
    );
    let mut paragraphs: Vec<String> = text
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| p.lines().map(linkify).collect::<Vec<_>>().join("<br>"))
        .collect();
    match paragraphs.first_mut() {
        Some(first) => *first = format!("{mention} {first}"),
        None => paragraphs.push(mention),
    }
    paragraphs.iter().map(|p| format!("<p>{p}</p>")).collect()
}

/// One line of plain text as HTML, with http(s) URLs as links (Mastodon
/// does not link bare URLs in remote posts).
fn linkify(line: &str) -> String {
    line.split(' ')
        .map(|word| {
            // Punctuation around a URL ("(URL):") is not part of it.
            let inner = word.trim_start_matches(['(', '"', '\'']);
            let link = inner.trim_end_matches(['.', ',', ':', ';', ')', '!', '?', '"', '\'']);
            let (before, after) = (&word[..word.len() - inner.len()], &inner[link.len()..]);
            if (link.starts_with("https://") || link.starts_with("http://"))
                && url::Url::parse(link).is_ok()
            {
                let (before, link, after) =
                    (escape_html(before), escape_html(link), escape_html(after));
                format!("{before}<a href=\"{link}\">{link}</a>{after}")
            } else {
                escape_html(word)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
