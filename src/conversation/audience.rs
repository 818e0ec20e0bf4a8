//! Who a post is addressed to: which of our groups, and whether anyone
//! outside the group could see it.

use super::note::as_list;
use crate::federation::actor::addressees;
use crate::urls::Urls;
use serde_json::Value;
use std::collections::BTreeSet;

const PUBLIC: [&str; 3] = [
    "https://www.w3.org/ns/activitystreams#Public",
    "as:Public",
    "Public",
];

/// Every id in to/cc/bto/bcc/audience of the activity and its object.
fn recipients(activity: &Value, object: &Value) -> Vec<String> {
    [activity, object]
        .into_iter()
        .flat_map(addressees)
        .map(str::to_string)
        .collect()
}

/// True if `id` is among the post's recipients (to/cc/bto/bcc/audience
/// of the activity or its object).
pub fn addresses(activity: &Value, object: &Value, id: &str) -> bool {
    recipients(activity, object).iter().any(|r| r == id)
}

/// Names of our groups the post is meant for: a group actor or group
/// followers collection in the addressing, or a Mention of a group.
pub fn addressed_groups(urls: &Urls, activity: &Value, object: &Value) -> BTreeSet<String> {
    let mentions = as_list(object.get("tag"))
        .into_iter()
        .filter(|t| t.get("type").and_then(Value::as_str) == Some("Mention"))
        .filter_map(|t| t.get("href").and_then(Value::as_str).map(str::to_string));
    recipients(activity, object)
        .into_iter()
        .chain(mentions)
        .filter_map(|id| {
            let actor = id.strip_suffix("/followers").unwrap_or(&id);
            urls.group_name_of(actor)
        })
        .collect()
}

/// True if the post reached people outside the group: it is public or
/// unlisted, or addressed to the author's own followers.
pub fn visible_outside(
    activity: &Value,
    object: &Value,
    author: &str,
    author_followers: Option<&str>,
) -> bool {
    let fallback = format!("{author}/followers");
    let followers = author_followers.unwrap_or(&fallback);
    recipients(activity, object)
        .iter()
        .any(|r| PUBLIC.contains(&r.as_str()) || r == followers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, FileConfig, Overrides};
    use serde_json::json;

    fn urls() -> Urls {
        let over = Overrides {
            base_url: Some("https://relay.example".into()),
            ..Overrides::default()
        };
        Urls::new(&Config::resolve(&over, FileConfig::default()).expect("config"))
    }

    #[test]
    fn groups_are_found_in_addressing_and_mentions() {
        let g = "https://relay.example/groups/club";
        let a = json!({"to": format!("{g}/followers")});
        assert_eq!(
            addressed_groups(&urls(), &a, &json!({}))
                .into_iter()
                .collect::<Vec<_>>(),
            ["club"]
        );
        let o = json!({"tag": {"type": "Mention", "href": "https://relay.example/groups/team"}});
        assert_eq!(
            addressed_groups(&urls(), &json!({}), &o)
                .into_iter()
                .collect::<Vec<_>>(),
            ["team"]
        );
        let other =
            json!({"to": ["https://elsewhere.example/groups/club", "https://relay.example/actor"]});
        assert!(addressed_groups(&urls(), &other, &json!({})).is_empty());
    }

    #[test]
    fn public_and_follower_posts_are_visible_outside() {
        let me = "https://s.example/users/a";
        let direct = json!({"to": ["https://relay.example/groups/club"], "cc": []});
        assert!(!visible_outside(&direct, &direct, me, None));
        for leaky in [
            json!({"to": "https://www.w3.org/ns/activitystreams#Public"}),
            json!({"cc": ["as:Public"]}),
            json!({"to": ["https://s.example/users/a/followers"]}),
        ] {
            assert!(visible_outside(&leaky, &json!({}), me, None), "{leaky}");
        }
        let custom = json!({"to": ["https://s.example/fans/a"]});
        assert!(visible_outside(
            &custom,
            &json!({}),
            me,
            Some("https://s.example/fans/a")
        ));
    }
}
