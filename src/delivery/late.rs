//! Late deliveries (issue #23). Mastodon puts a post into home feeds and
//! notifies its mentions only within 6 hours of its `published`
//! (`Status::REAL_TIME_WINDOW`, create.rb `within_realtime_window?`); a
//! post that reaches a server after that is stored but shown nowhere.
//! Retries and a parked server's held deliveries can take longer. So a
//! Create queued more than `LATE_MS` ago goes out re-dated as now, and
//! once such a delivery is taken, each member on that server gets one
//! direct message listing what they missed (the group copies' links).

use crate::db::{Db, DbError, Group};
use crate::direct;
use crate::urls::Urls;
use serde_json::Value;

/// Older than this at delivery (an hour short of Mastodon's 6): re-dated.
pub const LATE_MS: i64 = 5 * 3600 * 1000;
/// Links listed in one notice; the rest are counted.
const MAX_LINKS: usize = 20;

/// The body to send for a Create queued at `queued_at`, if it is late:
/// `published` of the activity and of its object set to `now`. `None`
/// when it goes out as it is (not late, not a Create, not JSON).
pub fn redate(body: &str, queued_at: i64, now: i64) -> Option<String> {
    if now - queued_at <= LATE_MS {
        return None;
    }
    let mut activity: Value = serde_json::from_str(body).ok()?;
    if activity.get("type").and_then(Value::as_str) != Some("Create") {
        return None;
    }
    let stamp = chrono::DateTime::from_timestamp_millis(now)?
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    activity["published"] = Value::String(stamp.clone());
    if let Some(object) = activity.get_mut("object").and_then(Value::as_object_mut) {
        object.insert("published".into(), Value::String(stamp));
    }
    Some(activity.to_string())
}

/// Tells each member of `group_name` on `host` (host[:port]) which of
/// the group's posts reached them late, once: posts listed in an earlier
/// notice are not listed again. Each notice and its record are one
/// transaction. Returns how many members were told.
pub fn tell_members(
    db: &Db,
    urls: &Urls,
    group_name: &str,
    host: &str,
    now: i64,
) -> anyhow::Result<usize> {
    let group = match db.group_by_name(group_name) {
        Ok(g) => g,
        Err(DbError::NotFound) => return Ok(0),
        Err(e) => return Err(e.into()),
    };
    let mut told = 0;
    for uri in db.member_uris_on(group.id, host)? {
        let sent = db.transaction(|tx| {
            let joined = tx.membership(group.id, &uri)?.map_or(0, |m| m.created_at);
            let since = tx.late_notice_at(group.id, &uri)?.unwrap_or(0).max(joined);
            let missed = tx.late_posts_to(group.id, host, since, LATE_MS, now)?;
            let Some(actor) = tx.remote_actor(&uri)?.filter(|_| !missed.is_empty()) else {
                return Ok::<_, anyhow::Error>(false);
            };
            direct::send(
                tx,
                urls,
                &group,
                &actor,
                &notice_text(urls, &group, &missed),
            )?;
            tx.set_late_notice(group.id, &uri, now)?;
            Ok(true)
        })?;
        told += usize::from(sent);
    }
    Ok(told)
}

fn notice_text(urls: &Urls, group: &Group, missed: &[String]) -> String {
    let n = missed.len();
    let posts = if n == 1 { "post" } else { "posts" };
    let mut text = format!(
        "Your server could not be reached for a while, so {n} {posts} of {} reached you \
         late and may be missing from your home timeline:\n\n",
        urls.group_handle(&group.name)
    );
    let links: Vec<&str> = missed.iter().take(MAX_LINKS).map(String::as_str).collect();
    text.push_str(&links.join("\n"));
    if n > MAX_LINKS {
        text.push_str(&format!("\n… and {} more.", n - MAX_LINKS));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_a_late_create_is_redated() {
        let body = json!({"type": "Create", "published": "2026-01-01T00:00:00Z",
                          "object": {"type": "Note", "published": "2026-01-01T00:00:00Z"}})
        .to_string();
        let now = 1_800_000_000_000;
        assert_eq!(redate(&body, now - LATE_MS, now), None, "on time");
        let late: Value =
            serde_json::from_str(&redate(&body, now - LATE_MS - 1, now).expect("late"))
                .expect("json");
        assert_eq!(late["published"], "2027-01-15T08:00:00.000Z");
        assert_eq!(late["object"]["published"], late["published"]);
        let update = json!({"type": "Update", "object": {}}).to_string();
        assert_eq!(redate(&update, 0, now), None, "an edit keeps its dates");
        assert_eq!(redate("not json", 0, now), None);
    }
}
