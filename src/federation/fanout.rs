//! Who receives a group's activity: one delivery per member server, to
//! its shared inbox when it has one (with the FEP-8fcf digest of the
//! members behind it), else to each member's personal inbox.

use super::sync::digest;
use crate::db::{Db, DbResult, MemberInbox, Outgoing, RemoteActor, Target};
use std::collections::{BTreeSet, HashMap};

/// The targets for an activity to every member of the group.
pub fn member_targets(db: &Db, group_id: i64) -> DbResult<Vec<Target>> {
    Ok(targets(db.member_inboxes(group_id)?))
}

/// Queues `activity` to every member server of the group, in one
/// transaction with the caller's; with no members, stores nothing.
/// Returns how many servers.
pub fn to_member_servers(db: &Db, group_id: i64, activity: &Outgoing) -> DbResult<usize> {
    db.transaction(|tx| {
        let targets = member_targets(tx, group_id)?;
        if targets.is_empty() {
            return Ok(0);
        }
        tx.enqueue(group_id, &activity.id, &activity.body, &targets)
    })
}

/// One target per shared inbox, else one per personal inbox; in
/// first-seen order.
pub fn targets(members: Vec<MemberInbox>) -> Vec<Target> {
    let mut shared_members: HashMap<String, Vec<String>> = HashMap::new();
    let mut seen = BTreeSet::new();
    let mut targets = Vec::new();
    for m in members {
        let target = match m.shared_inbox {
            Some(s) => {
                shared_members.entry(s.clone()).or_default().push(m.uri);
                Target {
                    inbox: s,
                    recipient: None,
                    sync_digest: None,
                }
            }
            None => Target {
                inbox: m.inbox,
                recipient: Some(m.uri),
                sync_digest: None,
            },
        };
        if seen.insert(target.inbox.clone()) {
            targets.push(target);
        }
    }
    for t in &mut targets {
        if let Some(members) = shared_members.get(&t.inbox) {
            t.sync_digest = Some(digest(members.iter().map(String::as_str)));
        }
    }
    targets
}

/// Where the group's activities to one account go (answers, blocks,
/// direct messages): its shared inbox when it has one (the server then
/// routes by addressing), else its own inbox.
pub fn target_of(actor: &RemoteActor) -> Target {
    Target {
        sync_digest: None,
        inbox: actor.delivery_inbox().to_string(),
        recipient: actor.shared_inbox.is_none().then(|| actor.uri.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(uri: &str, inbox: &str, shared: Option<&str>) -> MemberInbox {
        MemberInbox {
            uri: uri.into(),
            inbox: inbox.into(),
            shared_inbox: shared.map(Into::into),
        }
    }

    #[test]
    fn one_target_per_shared_inbox_with_its_members_digest() {
        let got = targets(vec![
            member(
                "https://a.example/u/1",
                "https://a.example/u/1/inbox",
                Some("https://a.example/inbox"),
            ),
            member("https://b.example/u/2", "https://b.example/u/2/inbox", None),
            member(
                "https://a.example/u/3",
                "https://a.example/u/3/inbox",
                Some("https://a.example/inbox"),
            ),
        ]);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].inbox, "https://a.example/inbox");
        assert_eq!(got[0].recipient, None);
        assert_eq!(
            got[0].sync_digest.as_deref(),
            Some(digest(["https://a.example/u/1", "https://a.example/u/3"]).as_str())
        );
        assert_eq!(got[1].recipient.as_deref(), Some("https://b.example/u/2"));
        assert_eq!(got[1].sync_digest, None);
    }
}
