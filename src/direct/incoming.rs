//! Reading a direct message to the group: is it one, and its text.

use crate::conversation::audience::{addresses, visible_outside};
use crate::conversation::note::as_list;
use crate::db::RemoteActor;
use serde_json::{Map, Value};

/// A `Mention` tag of the message: the name as written and the actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub name: String,
    pub href: String,
}

/// True if the post is written to the group and to nobody outside it: the
/// group actor is addressed, and neither Public nor the author's own
/// followers are. Mastodon adds the group's followers collection to a
/// "mentioned people only" post that mentions a group (see
/// research/mastodon-rules.md §4.1), so that one does not disqualify it:
/// members' ordinary posts are such messages too, which is why only
/// command-shaped texts are taken as commands.
pub fn is_direct(
    group_actor: &str,
    activity: &Value,
    object: &Value,
    author: &RemoteActor,
) -> bool {
    addresses(activity, object, group_actor)
        && !visible_outside(activity, object, &author.uri, author.followers.as_deref())
}

/// The `Mention` tags of a post.
pub fn mentions(object: &Map<String, Value>) -> Vec<Mention> {
    as_list(object.get("tag"))
        .iter()
        .filter(|t| t.get("type").and_then(Value::as_str) == Some("Mention"))
        .filter_map(|t| {
            Some(Mention {
                name: t
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                href: t.get("href").and_then(Value::as_str)?.to_string(),
            })
        })
        .collect()
}

/// The post's text as plain text, without the mentions it starts with
/// (Mastodon and GoToSocial put `@group` first): what a command is read
/// from. Lines are kept; runs of spaces are one.
pub fn command_text(object: &Map<String, Value>) -> String {
    let html = object
        .get("content")
        .and_then(Value::as_str)
        .or_else(|| {
            object
                .get("contentMap")
                .and_then(Value::as_object)
                .and_then(|m| m.values().find_map(Value::as_str))
        })
        .unwrap_or_default();
    strip_leading_mentions(&html_to_text(html))
}

fn strip_leading_mentions(text: &str) -> String {
    let mut rest = text.trim_start();
    while let Some(after) = rest.strip_prefix('@') {
        let end = after.find(char::is_whitespace).unwrap_or(after.len());
        rest = after[end..].trim_start();
    }
    rest.trim_end().to_string()
}

/// HTML as plain text: tags dropped (a paragraph or line break is a new
/// line), entities decoded. Link texts stay whole: Mastodon splits a long
/// URL into invisible and ellipsis spans, whose texts together are the URL.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..start]));
        let Some(len) = rest[start..].find('>') else {
            // An unclosed '<' is text.
            out.push_str(&decode_entities(&rest[start..]));
            rest = "";
            break;
        };
        let tag = rest[start + 1..start + len].trim().to_ascii_lowercase();
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or_default();
        if name == "br" || (tag.starts_with('/') && name == "p") {
            out.push('\n');
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(&decode_entities(rest));
    out.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        let decoded = tail.find(';').filter(|&end| end <= 10).and_then(|end| {
            let c = match &tail[1..end] {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                e if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                    .ok()
                    .and_then(char::from_u32),
                e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            };
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text_of(content: &str) -> String {
        let o = json!({"content": content});
        command_text(o.as_object().expect("object"))
    }

    #[test]
    fn mastodon_shaped_commands() {
        // Mastodon 4.x content of "@club approve @bob@b.example".
        let html = "<p><span class=\"h-card\" translate=\"no\"><a href=\"https://relay.example/groups/club\" class=\"u-url mention\">@<span>club</span></a></span> approve <span class=\"h-card\" translate=\"no\"><a href=\"https://b.example/users/bob\" class=\"u-url mention\">@<span>bob</span></a></span></p>";
        assert_eq!(text_of(html), "approve @bob");
        let link = "<p><span class=\"h-card\"><a href=\"https://relay.example/groups/club\" class=\"u-url mention\">@<span>club</span></a></span> delete <a href=\"https://relay.example/groups/club/posts/0123456789abcdef\" target=\"_blank\" rel=\"nofollow noopener\" translate=\"no\"><span class=\"invisible\">https://</span><span class=\"ellipsis\">relay.example/groups/club/post</span><span class=\"invisible\">s/0123456789abcdef</span></a></p>";
        assert_eq!(
            text_of(link),
            "delete https://relay.example/groups/club/posts/0123456789abcdef"
        );
        assert_eq!(
            text_of("<p>@club@relay.example @other  requests </p>"),
            "requests"
        );
        assert_eq!(
            text_of("<p>@club hello</p><p>second &amp; <b>last</b></p>"),
            "hello\nsecond & last"
        );
        assert_eq!(text_of("<p>@club</p>"), "");
        assert_eq!(
            text_of("a &lt;b&gt; &#39;c&#x27; &bogus; & < x"),
            "a <b> 'c' &bogus; & < x"
        );
    }

    #[test]
    fn content_map_is_read_when_content_is_missing() {
        let o = json!({"contentMap": {"en": "<p>@club help</p>"}});
        assert_eq!(command_text(o.as_object().expect("object")), "help");
    }
}
