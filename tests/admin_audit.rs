//! Every change of state from the CLI is in the audit log (issue #26),
//! failures too, and `audit --since/--limit` narrow it.
#![allow(clippy::unwrap_used)]

mod common;

use common::{demesh_cli, Backend, TestDb};

const BASE: &str = "https://relay.example";

async fn admin_changes_are_audited(backend: Backend) {
    let db = TestDb::new(backend);
    let cli = |args: &[&str]| demesh_cli(&db.url, BASE, args);
    cli(&["migrate"]).ok();
    cli(&["group", "create", "club"]).ok();
    cli(&["group", "create", "club"]).failed();
    cli(&["group", "set", "club", "summary", "We read."]).ok();
    cli(&["group", "set", "club", "colour", "red"]).failed();
    let code = cli(&["invite", "create", "club", "--uses", "3", "--json"]).json()["code"]
        .as_str()
        .unwrap()
        .to_string();
    cli(&["invite", "revoke", "club", "--", &code]).ok();
    cli(&["member", "allow", "club", "alice@a.example"]).ok();
    cli(&["member", "disallow", "club", "alice@a.example"]).ok();
    cli(&["member", "disallow", "club", "alice@a.example"]).failed();
    cli(&["group", "create", "team"]).ok();
    cli(&["group", "delete", "team", "--yes"]).ok();

    let log = cli(&["audit", "--json"]).json();
    let rows: Vec<(String, String, String)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["actor"], "cli");
            (
                r["group"].as_str().unwrap_or("-").to_string(),
                r["command"].as_str().unwrap().to_string(),
                r["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let rows: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|(g, c, o)| (g.as_str(), c.as_str(), o.as_str()))
        .collect();
    let revoke = format!("invite revoke club {code}");
    assert_eq!(
        rows,
        [
            ("club", "group create club", "ok"),
            ("-", "group create club", "failed"),
            ("club", "group set club summary We read.", "ok"),
            ("club", "group set club colour red", "failed"),
            ("club", "invite create club --uses 3", "ok"),
            ("club", revoke.as_str(), "ok"),
            ("club", "member allow club alice@a.example", "ok"),
            ("club", "member disallow club alice@a.example", "ok"),
            ("club", "member disallow club alice@a.example", "failed"),
            ("team", "group create team", "ok"),
            // The deleted group's entries keep its name.
            ("team", "group delete team", "ok"),
        ]
    );
    let created = &log[4]["result"];
    assert!(
        !created.as_str().unwrap().contains(&code),
        "the log does not hold a usable code: {created}"
    );

    let last = cli(&["audit", "--limit", "2", "--json"]).json();
    let commands: Vec<_> = last
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["command"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(commands, ["group create team", "group delete team"]);
    assert_eq!(
        cli(&["audit", "--since", "1h", "--json"]).json(),
        log,
        "all within the hour"
    );
    let future = cli(&["audit", "--since", "2999-01-01T00:00:00Z", "--json"]).json();
    assert_eq!(future.as_array().unwrap().len(), 0);
    let text = cli(&["audit", "--since", "30m", "--group", "club", "--limit", "1"])
        .ok()
        .to_string();
    assert!(
        text.contains("member disallow club") && !text.contains("team"),
        "{text}"
    );
    let err = cli(&["audit", "--since", "yesterday"]).failed().to_string();
    assert!(err.contains("--since"), "{err}");
}

backend_tests!(admin_changes_are_audited);
