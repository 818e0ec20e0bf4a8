//! The group's direct message to one account.

use crate::db::{Db, Group, NewDirect, Outgoing, RemoteActor};
use crate::documents::{escape_html, post_context, rfc3339};
use crate::federation::fanout::target_of;
use crate::urls::new_activity_id;
use crate::urls::Urls;
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

/// Builds and queues a direct message from the group to `to` (see
/// `build`), recorded in `direct_messages`. Call it on the transaction's
/// `Db` so the message goes out only with the effect it reports. Returns
/// the note id.
pub fn send(
    db: &Db,
    urls: &Urls,
    group: &Group,
    to: &RemoteActor,
    text: &str,
) -> anyhow::Result<String> {
    send_reply(db, urls, group, to, text, None)
}

/// `send`, as an answer to the recipient's message `in_reply_to` (see
/// `build_reply`).
pub fn send_reply(
    db: &Db,
    urls: &Urls,
    group: &Group,
    to: &RemoteActor,
    text: &str,
    in_reply_to: Option<&str>,
) -> anyhow::Result<String> {
    let built = build_reply(urls, group, to, text, in_reply_to);
    record(db, group, to, text, &built)?;
    Ok(built.note_id)
}

/// Records and queues a built direct message (see `send`).
pub fn record(
    db: &Db,
    group: &Group,
    to: &RemoteActor,
    text: &str,
    built: &Built,
) -> crate::db::DbResult<()> {
    db.send_direct(
        NewDirect {
            group_id: group.id,
            recipient_uri: &to.uri,
            note_id: &built.note_id,
            content: text,
            create: &built.create,
        },
        &target_of(to),
    )
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

/// The Note inside a built direct message (for tests and serving).
pub fn note_of(create: &Outgoing) -> Option<Value> {
    serde_json::from_str::<Value>(&create.body)
        .ok()
        .and_then(|v| v.get("object").cloned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, FileConfig, Overrides};

    fn fixtures() -> (Urls, Group, RemoteActor) {
        let over = Overrides {
            base_url: Some("https://relay.example".into()),
            ..Overrides::default()
        };
        let urls = Urls::new(&Config::resolve(&over, FileConfig::default()).expect("config"));
        let group = Group::example();
        let to = RemoteActor {
            id: 1,
            uri: "https://m.example/users/mod".into(),
            key_id: String::new(),
            public_key_pem: String::new(),
            inbox: "https://m.example/users/mod/inbox".into(),
            shared_inbox: None,
            username: "mod".into(),
            domain: "m.example".into(),
            also_known_as: "[]".into(),
            fetched_at: 0,
            followers: Some("https://m.example/users/mod/followers".into()),
            software: None,
        };
        (urls, group, to)
    }

    #[test]
    fn addressed_to_one_account_with_its_mention() {
        let (urls, group, to) = fixtures();
        let built = build(
            &urls,
            &group,
            &to,
            "New request <b>\n\nsee https://x.example/a?b=1&c (https://y.example/p):",
        );
        let create: Value = serde_json::from_str(&built.create.body).expect("json");
        let note = note_of(&built.create).expect("note");
        assert_eq!(create["to"], json!([to.uri]));
        assert_eq!(note["to"], json!([to.uri]));
        assert_eq!(note["cc"], json!([]));
        assert_eq!(create["actor"], "https://relay.example/groups/club");
        assert_eq!(note["attributedTo"], "https://relay.example/groups/club");
        assert_eq!(note["id"], built.note_id);
        assert!(built
            .note_id
            .starts_with("https://relay.example/groups/club/messages/"));
        assert_eq!(
            note["tag"],
            json!([{"type": "Mention", "href": to.uri, "name": "@mod@m.example"}])
        );
        let body = create.to_string();
        assert!(
            !body.contains("Public") && !body.contains("followers"),
            "{body}"
        );
        let html = note["content"].as_str().expect("content");
        assert!(html.starts_with("<p><span class=\"h-card\"><a href=\"https://m.example/users/mod\" class=\"u-url mention\">@<span>mod</span></a></span> New request &lt;b&gt;</p>"), "{html}");
        assert!(
            html.contains("<p>see <a href=\"https://x.example/a?b=1&amp;c\">"),
            "{html}"
        );
        assert!(
            html.contains("(<a href=\"https://y.example/p\">https://y.example/p</a>):</p>"),
            "{html}"
        );
        assert!(
            note.get("inReplyTo").is_none(),
            "first contact answers nothing"
        );
    }

    #[test]
    fn an_answer_replies_to_the_message_it_answers() {
        let (urls, group, to) = fixtures();
        let asked = "https://m.example/users/mod/statuses/1";
        let built = build_reply(&urls, &group, &to, "Done.", Some(asked));
        let note = note_of(&built.create).expect("note");
        assert_eq!(note["inReplyTo"], asked);
        assert_eq!(note["tag"][0]["href"], to.uri, "still its one Mention");
    }

    #[test]
    fn ids_are_fresh() {
        let (urls, group, to) = fixtures();
        assert_ne!(
            build(&urls, &group, &to, "a").note_id,
            build(&urls, &group, &to, "a").note_id
        );
    }
}
