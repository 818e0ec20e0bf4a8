//! The group's direct message to one account.

use crate::db::{Db, Group, NewDirect, Outgoing, RemoteActor};
pub use crate::documents::direct_message::{build, build_reply, Built};
use crate::federation::fanout::target_of;
use crate::urls::Urls;
use serde_json::Value;

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
    use serde_json::json;

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
