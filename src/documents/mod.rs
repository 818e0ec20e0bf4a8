//! The ActivityPub documents that describe our actors.

use crate::db::Group;
use crate::urls::Urls;
use activitystreams::{context, security};
use serde_json::{json, Value};

pub mod direct_message;
mod pages;
pub use pages::{group_page, instance_page, invite_page, notice_page, Site};

/// The JSON-LD context of actor documents: ActivityStreams, the security
/// vocabulary (publicKey) and the extension terms Mastodon reads.
fn actor_context() -> Value {
    json!([
        context().as_str(),
        security().as_str(),
        {
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "toot": "http://joinmastodon.org/ns#",
            "discoverable": "toot:discoverable",
            "indexable": "toot:indexable",
            "gts": "https://gotosocial.org/ns#",
            "interactionPolicy": {"@id": "gts:interactionPolicy", "@type": "@id"},
            "canFeature": {"@id": "gts:canFeature", "@type": "@id"},
            "automaticApproval": {"@id": "gts:automaticApproval", "@type": "@id"},
            "manualApproval": {"@id": "gts:manualApproval", "@type": "@id"}
        }
    ])
}

pub fn group_actor(urls: &Urls, group: &Group) -> Value {
    let id = urls.group(&group.name);
    let mut doc = json!({
        "@context": actor_context(),
        "id": id,
        "type": "Group",
        "preferredUsername": group.name,
        "name": group.display_name,
        "summary": text_to_html(&group.summary),
        "url": id,
        "inbox": urls.group_inbox(&group.name),
        "outbox": urls.group_outbox(&group.name),
        "followers": urls.group_followers(&group.name),
        "following": urls.group_following(&group.name),
        "endpoints": { "sharedInbox": urls.shared_inbox() },
        "publicKey": {
            "id": urls.group_key_id(&group.name),
            "owner": id,
            "publicKeyPem": group.public_key_pem,
        },
        // Every follow is a request the admin approves; the group is not
        // to be listed in directories or search.
        "manuallyApprovesFollowers": true,
        "discoverable": false,
        "indexable": false,
        // FEP-7aa9 (Mastodon 4.6 collections): nobody but the group may
        // feature it; feature requests are answered with Reject.
        "interactionPolicy": {
            "canFeature": {
                "automaticApproval": [id],
                "manualApproval": [],
            },
        },
        "published": rfc3339(group.created_at),
    });
    if let (Some(url), Value::Object(doc)) = (&group.icon_url, &mut doc) {
        doc.insert("icon".into(), image(url));
    }
    doc
}

/// An `Image` for `icon`, with the media type its extension tells
/// (Mastodon also looks at the file itself when it fetches it).
fn image(url: &str) -> Value {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let media_type = [
        (".png", "image/png"),
        (".jpg", "image/jpeg"),
        (".jpeg", "image/jpeg"),
        (".gif", "image/gif"),
        (".webp", "image/webp"),
        (".avif", "image/avif"),
    ]
    .iter()
    .find(|(ext, _)| path.ends_with(ext))
    .map(|(_, t)| *t);
    match media_type {
        Some(t) => json!({"type": "Image", "url": url, "mediaType": t}),
        None => json!({"type": "Image", "url": url}),
    }
}

/// The instance actor (FEP-2677): signs our outgoing GETs.
pub fn instance_actor(urls: &Urls, domain: &str, public_key_pem: &str) -> Value {
    let id = urls.instance_actor();
    json!({
        "@context": actor_context(),
        "id": id,
        "type": "Application",
        "preferredUsername": domain,
        "name": "demesh",
        "summary": "The server actor of this demesh instance. It signs requests; it does not post.",
        "url": urls.base(),
        "inbox": urls.shared_inbox(),
        "outbox": format!("{id}/outbox"),
        "endpoints": { "sharedInbox": urls.shared_inbox() },
        "publicKey": {
            "id": urls.instance_key_id(),
            "owner": id,
            "publicKeyPem": public_key_pem,
        },
        "manuallyApprovesFollowers": true,
        "discoverable": false,
        "indexable": false,
    })
}

/// An OrderedCollection that shows only its size: items of a private group
/// are never listed to strangers.
pub fn counted_collection(id: &str, total: i64) -> Value {
    json!({
        "@context": context().as_str(),
        "id": id,
        "type": "OrderedCollection",
        "totalItems": total,
    })
}

pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Admin-written plain text as HTML paragraphs (the `summary` is HTML).
pub fn text_to_html(text: &str) -> String {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", escape_html(p).replace('\n', "<br>")))
        .collect()
}

/// The JSON-LD context of the group's posts: ActivityStreams plus the
/// terms Mastodon defines for what we carry, so JSON-LD readers (Fedify)
/// keep them.
pub fn post_context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        {
            "ostatus": "http://ostatus.org#",
            "conversation": "ostatus:conversation",
            "sensitive": "as:sensitive",
            "Hashtag": "as:Hashtag",
            "toot": "http://joinmastodon.org/ns#",
            "Emoji": "toot:Emoji",
            "blurhash": "toot:blurhash",
            "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
            "gts": "https://gotosocial.org/ns#",
            "interactionPolicy": {"@id": "gts:interactionPolicy", "@type": "@id"},
            "canQuote": {"@id": "gts:canQuote", "@type": "@id"},
            "automaticApproval": {"@id": "gts:automaticApproval", "@type": "@id"},
            "manualApproval": {"@id": "gts:manualApproval", "@type": "@id"}
        }
    ])
}

/// What a deleted group's address answers (410): a server that fetches
/// it (to refresh it, or to check a Delete) drops the group.
pub fn group_tombstone(urls: &Urls, name: &str, deleted_at: i64) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": urls.group(name),
        "type": "Tombstone",
        "formerType": "Group",
        "deleted": rfc3339(deleted_at),
    })
}

/// What a removed post's address answers (410).
pub fn post_tombstone(note_id: &str) -> Value {
    json!({"id": note_id, "type": "Tombstone"})
}

/// A stored group note as served: its fields under the posts' context.
pub fn post_document(note: Value) -> Value {
    let mut doc = json!({"@context": post_context()});
    if let (Value::Object(d), Value::Object(n)) = (&mut doc, note) {
        d.extend(n);
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_are_escaped_paragraphs() {
        assert_eq!(
            text_to_html("Hi <b>&\n you\n\nsecond"),
            "<p>Hi &lt;b&gt;&amp;<br> you</p><p>second</p>"
        );
        assert_eq!(text_to_html(""), "");
    }

    #[test]
    fn timestamps_are_utc_seconds() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000_123), "2023-11-14T22:13:20Z");
    }
}
