use super::*;
use crate::config::{Config, FileConfig, Overrides};

fn urls() -> Urls {
    let over = Overrides {
        base_url: Some("https://relay.example".into()),
        ..Overrides::default()
    };
    Urls::new(&Config::resolve(&over, FileConfig::default()).expect("config"))
}

fn group() -> Group {
    Group::example()
}

fn author() -> RemoteActor {
    RemoteActor {
        id: 1,
        uri: "https://social.example/users/alice".into(),
        key_id: String::new(),
        public_key_pem: String::new(),
        inbox: String::new(),
        shared_inbox: None,
        username: "alice".into(),
        domain: "social.example".into(),
        also_known_as: "[]".into(),
        fetched_at: 0,
        followers: None,
        software: None,
    }
}

fn build(original: Value) -> Value {
    let Value::Object(map) = original else {
        panic!("object")
    };
    let at = Placement {
        note_id: "https://relay.example/groups/club/posts/1",
        in_reply_to: None,
        context: "https://relay.example/groups/club/posts/1/context",
        published: "2026-01-01T00:00:00Z",
        updated: None,
    };
    group_note(&urls(), &group(), &author(), &map, &at)
}

#[test]
fn hostile_html_is_defused() {
    let dirty = r#"<p onclick="x()">hi <script>alert(1)</script><style>p{}</style>
        <a href="javascript:alert(1)">js</a> <a href="https://ok.example" target="_blank">ok</a>
        <img src="https://t.example/pixel.png"><iframe src="https://e.example"></iframe>
        <span class="h-card evil">@x</span><svg><a href="https://x">s</a></svg></p>"#;
    let clean = sanitize(dirty);
    for bad in [
        "script",
        "alert",
        "style",
        "onclick",
        "javascript",
        "<img",
        "iframe",
        "evil",
        "svg",
        "target",
    ] {
        assert!(!clean.contains(bad), "{bad} survived: {clean}");
    }
    assert!(
        clean.contains(r#"<a href="https://ok.example" rel="nofollow noopener noreferrer">ok</a>"#),
        "{clean}"
    );
    assert!(
        clean.contains(r#"<span class="h-card">@x</span>"#),
        "{clean}"
    );
}

#[test]
fn the_note_is_the_groups_own_and_private() {
    let note = build(json!({
        "id": "https://social.example/statuses/1", "type": "Note",
        "attributedTo": "https://social.example/users/alice",
        "content": "<p>hello</p>", "contentMap": {"fr": "<p>bonjour</p>"},
        "summary": "<b>cw</b>", "sensitive": true,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "tag": [
            {"type": "Mention", "href": "https://relay.example/groups/club", "name": "@club"},
            {"type": "Hashtag", "href": "https://social.example/tags/a", "name": "#a"},
            {"type": "Emoji", "id": "https://social.example/e/1", "name": ":cat:",
             "icon": {"type": "Image", "mediaType": "image/png", "url": "https://social.example/cat.png"}}
        ],
        "attachment": {"type": "Document", "mediaType": "image/jpeg", "url": "https://social.example/a.jpg",
                       "name": "alt text", "blurhash": "UABC", "focalPoint": [0.1, -0.2]}
    }));
    assert_eq!(note["attributedTo"], "https://relay.example/groups/club");
    assert_eq!(
        note["to"],
        json!(["https://relay.example/groups/club/followers"])
    );
    assert!(!note.to_string().contains("#Public"), "no Public anywhere");
    assert!(note["content"].as_str().expect("content").starts_with(
        "<p><a href=\"https://social.example/users/alice\">@alice@social.example</a>:</p><p>hello</p>"
    ));
    assert!(note["contentMap"]["fr"]
        .as_str()
        .expect("fr")
        .ends_with("<p>bonjour</p>"));
    assert_eq!(note["summary"], "cw");
    assert_eq!(note["sensitive"], true);
    let tags = note["tag"].as_array().expect("tags");
    assert_eq!(tags.len(), 2, "mentions dropped: {tags:?}");
    assert!(tags.iter().all(|t| t["type"] != "Mention"));
    let a = &note["attachment"][0];
    assert_eq!(
        (a["name"].as_str(), a["blurhash"].as_str()),
        (Some("alt text"), Some("UABC"))
    );
    assert_eq!(a["focalPoint"], json!([0.1, -0.2]));
    assert!(note.get("inReplyTo").is_none());
}

#[test]
fn bad_attachments_and_tags_are_dropped() {
    let note = build(json!({
        "content": "x",
        "attachment": [{"type": "Document", "url": "javascript:alert(1)"}, {"type": "Document"}, 42],
        "tag": [{"type": "Emoji", "name": ":x:"}, "string", {"type": "Hashtag"}]
    }));
    assert!(note.get("attachment").is_none(), "{note}");
    assert!(note.get("tag").is_none(), "{note}");
}

#[test]
fn replies_mention_nobody_and_only_the_group_may_quote() {
    // A member's reply that mentions the parent's author (Mastodon's reply
    // box adds it): the copy credits the replier, keeps no Mention.
    let Value::Object(map) = json!({
        "content": "<p>@bob agreed</p>",
        "tag": [{"type": "Mention", "href": "https://b.example/users/bob", "name": "@bob@b.example"}],
    }) else {
        panic!("object")
    };
    let at = Placement {
        note_id: "https://relay.example/groups/club/posts/2",
        in_reply_to: Some("https://relay.example/groups/club/posts/1"),
        context: "https://relay.example/groups/club/posts/1/context",
        published: "2026-01-01T00:00:00Z",
        updated: None,
    };
    let note = group_note(&urls(), &group(), &author(), &map, &at);
    assert!(note.get("tag").is_none(), "{note}");
    let content = note["content"].as_str().expect("content");
    assert!(!content.contains("u-url mention"), "{content}");
    assert!(
        content.starts_with(
            "<p><a href=\"https://social.example/users/alice\">@alice@social.example</a>:</p>"
        ),
        "{content}"
    );
    assert_eq!(
        note["inReplyTo"],
        "https://relay.example/groups/club/posts/1"
    );
    assert_eq!(
        note["interactionPolicy"]["canQuote"]["automaticApproval"],
        json!(["https://relay.example/groups/club"])
    );
    assert!(build(json!({"content": "x"})).get("tag").is_none());
}
