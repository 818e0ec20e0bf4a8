//! Activity parsing and dispatch: everything demesh does with an incoming
//! activity before it touches the database, on arbitrary bytes.
#![no_main]

use demesh::config::{Config, FileConfig, Overrides};
use demesh::conversation::audience::{addressed_groups, visible_outside};
use demesh::conversation::note::{group_note, sanitize, Placement};
use demesh::db::{Group, LeakGuard, RemoteActor};
use demesh::urls::Urls;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(activity) = serde_json::from_slice::<Value>(data) else { return };
    let over = Overrides { base_url: Some("https://relay.example".into()), ..Overrides::default() };
    let Ok(config) = Config::resolve(&over, FileConfig::default()) else { return };
    let urls = Urls::new(&config);
    let _ = demesh::routes::limits::check_shape(&activity);
    let actor = activity.get("actor").and_then(Value::as_str).unwrap_or("https://a.example/u");
    let _ = demesh::activities::verify_only(&activity, actor);
    let object = activity.get("object").cloned().unwrap_or(Value::Null);
    let _ = addressed_groups(&urls, &activity, &object);
    let _ = visible_outside(&activity, &object, actor, None);
    if let Value::Object(map) = &object {
        let group = Group {
            id: 1, name: "club".into(), display_name: "Club".into(), summary: String::new(),
            private_key_pem: String::new(), public_key_pem: String::new(), created_at: 0,
            leak_guard: LeakGuard::Warn, deleted_at: None, icon_url: None,
            rules: String::new(), question: String::new(), welcome: true,
            posting: "members".into(), replies: "members".into(),
        };
        let author = RemoteActor {
            id: 1, uri: actor.into(), key_id: String::new(), public_key_pem: String::new(),
            inbox: String::new(), shared_inbox: None, username: "u".into(), domain: "a.example".into(),
            also_known_as: "[]".into(), fetched_at: 0, followers: None, software: None,
        };
        let at = Placement {
            note_id: "https://relay.example/groups/club/posts/1",
            in_reply_to: None,
            context: "https://relay.example/groups/club/posts/1/context",
            published: "2026-01-01T00:00:00Z",
            updated: None,
        };
        let note = group_note(&urls, &group, &author, map, &at);
        // The group's copy never carries script or Public, whatever came in.
        let text = note.to_string();
        assert!(!text.contains("<script"), "script survived: {text}");
        assert!(!text.contains("activitystreams#Public"), "Public leaked: {text}");
    }
    if let Some(html) = object.get("content").and_then(Value::as_str) {
        let clean = sanitize(html);
        assert!(!clean.to_ascii_lowercase().contains("<script"));
    }
});
