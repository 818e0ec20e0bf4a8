//! Which of two edits is the newer (issue #24), and the `updated` the
//! group stamps on its copy so that member servers agree.
//!
//! An edit's order mark is the `updated` of the edited object, in ms, as
//! its author's server wrote it; without one (or with one more than
//! [`FUTURE_SLACK_MS`] after the edit reached us, which no honest clock
//! writes), the time it reached us. Senders retry an edit after a 429 or a
//! 5xx, and our inbox retries reorder processing, so a mark, not the order
//! of processing, decides: an edit older than the last one applied is
//! dropped (`Db::advance_edit_mark`).

use serde_json::{Map, Value};

/// How far ahead of its arrival an edit's `updated` may be (the same
/// bound as a signature's `Date`).
pub const FUTURE_SLACK_MS: i64 = 3_600_000;

/// The order mark of an edit of `object` that reached us at `arrived_ms`.
pub fn edit_mark(object: &Map<String, Value>, arrived_ms: i64) -> i64 {
    object
        .get("updated")
        .and_then(Value::as_str)
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp_millis())
        .filter(|&ms| ms <= arrived_ms.saturating_add(FUTURE_SLACK_MS))
        .unwrap_or(arrived_ms)
}

/// The `updated` of the group's copy after an edit with `mark`: the mark
/// itself (the author's own time), unless that is not after what the
/// copy already shows (its last `updated`, else its `published`; clocks
/// differ between servers): then one millisecond after it. Member
/// servers ignore an `Update` that is not newer than the last one
/// (Mastodon's `already_updated_more_recently?`), so the stamps of the
/// edits applied, in order, must rise.
pub fn stamp_after(copy: &Value, mark: i64) -> String {
    let shown = ["updated", "published"]
        .iter()
        .filter_map(|k| copy.get(*k).and_then(Value::as_str))
        .filter_map(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp_millis())
        .next();
    let ms = match shown {
        Some(shown) if shown >= mark => shown + 1,
        _ => mark,
    };
    rfc3339_ms(ms)
}

/// RFC 3339 with milliseconds: two edits within a second must differ.
pub fn rfc3339_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn the_authors_updated_orders_edits_and_arrival_stands_in_for_it() {
        // 2027-01-15T08:00:00Z
        let arrived = 1_800_000_000_000;
        let mark = |v: Value| edit_mark(&object(v), arrived);
        assert_eq!(
            mark(json!({"updated": "2027-01-15T07:59:00.250Z"})),
            arrived - 59_750
        );
        assert_eq!(mark(json!({})), arrived, "no updated: arrival");
        assert_eq!(mark(json!({"updated": "yesterday"})), arrived);
        assert_eq!(
            mark(json!({"updated": "2027-01-15T10:00:00Z"})),
            arrived,
            "two hours ahead: not believed"
        );
    }

    #[test]
    fn the_copys_stamps_rise() {
        let copy = json!({"published": "2027-01-15T08:00:00Z"});
        assert_eq!(
            stamp_after(&copy, 1_800_000_060_000),
            "2027-01-15T08:01:00.000Z",
            "the author's time"
        );
        assert_eq!(
            stamp_after(&copy, 1_799_999_000_000),
            "2027-01-15T08:00:00.001Z",
            "an author's clock behind ours: just after what is shown"
        );
        let edited = json!({"published": "2027-01-15T08:00:00Z",
                            "updated": "2027-01-15T08:05:00.000Z"});
        assert_eq!(
            stamp_after(&edited, 1_800_000_300_000),
            "2027-01-15T08:05:00.001Z",
            "an equal mark (a poll's counts) still goes out as newer"
        );
    }
}
