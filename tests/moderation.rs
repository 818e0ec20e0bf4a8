//! Issue #12: moderators. Roles set by the CLI, shown by `member list`.
#![allow(clippy::unwrap_used)]

mod common;

use common::club::club;
use common::Backend;

async fn promote_and_demote_members_only(backend: Backend) {
    let c = club(backend).await;
    let alice = format!("alice@{}", c.a.domain());
    let roles = |c: &common::club::Club| {
        c.s.cli(&["member", "list", "club", "--json"])
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["account"].as_str().unwrap().to_string(),
                    r["role"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert!(
        roles(&c).iter().all(|(_, r)| r == "member"),
        "{:?}",
        roles(&c)
    );
    let out =
        c.s.cli(&["member", "promote", "club", &alice])
            .ok()
            .to_string();
    assert!(out.contains("now a moderator"), "{out}");
    let out =
        c.s.cli(&["member", "promote", "club", &alice])
            .ok()
            .to_string();
    assert!(out.contains("already a moderator"), "{out}");
    for (account, role) in roles(&c) {
        let want = if account == format!("@{alice}") {
            "moderator"
        } else {
            "member"
        };
        assert_eq!(role, want, "{account}");
    }
    let text = c.s.cli(&["member", "list", "club"]).ok().to_string();
    assert!(
        text.lines()
            .any(|l| l.contains(&alice) && l.contains("moderator")),
        "{text}"
    );
    let id = c.a.actor_id("alice");
    let mods = c.s.db.call(|db| db.group_by_name("club")).await.unwrap();
    let mods = c.s.db.call(move |db| db.moderators(mods.id)).await.unwrap();
    assert_eq!(mods.len(), 1);
    assert_eq!(mods[0].membership.actor_uri, id);

    c.s.cli(&["member", "demote", "club", &format!("@{alice}")])
        .ok();
    assert!(roles(&c).iter().all(|(_, r)| r == "member"));

    // Only approved members have a role: not a request, not a stranger.
    c.a.account("dave");
    let follow = c.a.follow("dave", &c.group, 1);
    assert_eq!(c.a.post("dave", &c.s.url("/inbox"), &follow).await, 202);
    let dave = format!("dave@{}", c.a.domain());
    common::wait::eventually("dave's request", || async {
        let out = c.s.cli(&["request", "list", "--json"]).json();
        (out.as_array().unwrap().len() == 1).then_some(())
    })
    .await;
    let err =
        c.s.cli(&["member", "promote", "club", &dave])
            .failed()
            .to_string();
    assert!(err.contains("not a member of club"), "{err}");
    let err =
        c.s.cli(&["member", "demote", "club", "nobody@nowhere.example"])
            .failed()
            .to_string();
    assert!(err.contains("no account nobody@nowhere.example"), "{err}");
    let err =
        c.s.cli(&["member", "promote", "nogroup", &alice])
            .failed()
            .to_string();
    assert!(err.contains("nogroup"), "{err}");
    // The request list shows no role.
    let out = c.s.cli(&["request", "list", "--json"]).json();
    assert!(out[0].get("role").is_none(), "{out}");

    // Each command is in the audit log, failures too; blocks are
    // server-wide, so only the unfiltered log has them.
    c.s.cli(&["block", "add", "spam.example"]).ok();
    let log = c.s.cli(&["audit", "--group", "club", "--json"]).json();
    let rows: Vec<(String, String, String)> = log
        .as_array()
        .unwrap()
        .iter()
        // The club's setup (`group create`, `group set`, `member allow`).
        .filter(|r| {
            let command = r["command"].as_str().unwrap();
            !command.starts_with("member allow") && !command.starts_with("group ")
        })
        .map(|r| {
            assert_eq!(r["actor"], "cli");
            (
                r["command"].as_str().unwrap().to_string(),
                r["outcome"].as_str().unwrap().to_string(),
                r["result"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let commands: Vec<_> = rows.iter().map(|r| (r.0.as_str(), r.1.as_str())).collect();
    assert_eq!(
        commands,
        [
            (format!("member promote club {alice}").as_str(), "ok"),
            (format!("member promote club {alice}").as_str(), "ok"),
            (format!("member demote club @{alice}").as_str(), "ok"),
            (format!("member promote club {dave}").as_str(), "failed"),
            ("member demote club nobody@nowhere.example", "failed"),
        ]
    );
    assert!(rows[3].2.contains("not a member"), "{rows:?}");
    assert_eq!(
        log.as_array()
            .unwrap()
            .iter()
            .filter(|r| r["command"]
                .as_str()
                .unwrap()
                .starts_with("member allow club"))
            .count(),
        3,
        "the setup's pre-approvals are recorded"
    );
    let all = c.s.cli(&["audit", "--json"]).json();
    let last = all.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["command"], "block add spam.example");
    assert_eq!(last["group"], serde_json::Value::Null);
    let text = c.s.cli(&["audit"]).ok().to_string();
    assert!(text.contains("block add spam.example"), "{text}");
    let err =
        c.s.cli(&["audit", "--group", "nogroup"])
            .failed()
            .to_string();
    assert!(err.contains("nogroup"), "{err}");
}

backend_tests!(promote_and_demote_members_only);
