//! The steps of `demesh demo`: a group and three member servers walk the
//! loop a real group goes through, and each step checks what the member
//! servers received (signed by the group, verified by them).

use super::member_server::MemberServer;
use super::Steps;
use crate::context::Context;
use crate::db::{memberships, Group};
use crate::{conversation, membership};
use anyhow::{anyhow, bail, ensure};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

pub struct Cast<'a> {
    pub state: &'a Context,
    pub group: &'a Group,
    /// alice, bob and carol, each on a server of their own.
    pub members: &'a [MemberServer; 3],
}

/// Follow → pending request → approval → post → delivery → reply → edit
/// → post removal → member removal.
pub async fn walk(steps: &mut Steps, cast: &Cast<'_>) -> anyhow::Result<()> {
    let [alice, bob, carol] = cast.members;
    let state = cast.state;
    let group_id = state.urls.group(&cast.group.name);
    let followers = state.urls.group_followers(&cast.group.name);
    let inbox = state.urls.group_inbox(&cast.group.name);

    steps
        .run("follow", async {
            for m in cast.members {
                m.send(&inbox, &follow(m, &group_id)).await?;
                println!(
                    "      {} asked to join (signed Follow answered 202)",
                    m.handle()
                );
            }
            Ok(())
        })
        .await?;

    steps
        .run("pending request", async {
            let gid = cast.group.id;
            let pending = poll("three pending requests", || {
                let rows = state.db.list_memberships(Some(gid), memberships::PENDING)?;
                Ok((rows.len() == 3).then_some(rows))
            })
            .await?;
            for row in pending {
                let who = row.actor.as_ref().map_or_else(
                    || row.membership.actor_uri.clone(),
                    |a| format!("@{}", a.acct()),
                );
                println!("      waiting for approval (demesh request list): {who}");
            }
            Ok(())
        })
        .await?;

    steps
        .run("approval", async {
            for m in cast.members {
                // As `demesh request approve` does: with the welcome.
                crate::rules::approve(&state.db, &state.urls, cast.group, &m.actor_id())?;
            }
            state.wake_delivery.notify_one();
            for m in cast.members {
                let follow_id = follow(m, &group_id)["id"].clone();
                m.wait_for("Accept of its Follow", |a| {
                    a["type"] == "Accept"
                        && a["actor"] == group_id
                        && a["object"]["id"] == follow_id
                })
                .await?;
                println!(
                    "      {}'s server verified the group's signed Accept",
                    m.name
                );
                m.wait_for("the welcome direct message", |a| {
                    a["type"] == "Create"
                        && a["object"]["content"]
                            .as_str()
                            .is_some_and(|c| c.contains("You are now a member"))
                })
                .await?;
                println!("      and the group's welcome, as a direct message");
            }
            Ok(())
        })
        .await?;

    let original = format!("{}/users/alice/statuses/1", alice.base);
    steps
        .run("a \"mentioned people only\" post", async {
            let post = create(alice, &original, &group_id, "Who has read chapter 3?", None);
            alice.send(&state.urls.shared_inbox(), &post).await?;
            println!(
                "      alice posted to @{} only (direct visibility)",
                cast.group.name
            );
            Ok(())
        })
        .await?;

    let note_id = steps
        .run("delivery to the other members", async {
            let mut note_id = None;
            for m in [bob, carol] {
                let got = m
                    .wait_for("the group's copy of alice's post", |a| {
                        a["type"] == "Create"
                            && a["object"]["content"]
                                .as_str()
                                .is_some_and(|c| c.contains("chapter 3"))
                    })
                    .await?;
                check_group_post(&got, &group_id, &followers)?;
                println!(
                    "      {}'s server got the group's Create{{Note}}, to the group's followers only",
                    m.name
                );
                note_id = got["object"]["id"].as_str().map(str::to_string);
            }
            note_id.ok_or_else(|| anyhow!("the group's post has no id"))
        })
        .await?;

    steps
        .run("a reply", async {
            let reply_id = format!("{}/users/bob/statuses/1", bob.base);
            let reply = create(
                bob,
                &reply_id,
                &group_id,
                "I have, no spoilers!",
                Some(&note_id),
            );
            bob.send(&state.urls.shared_inbox(), &reply).await?;
            for m in [alice, carol] {
                let got = m
                    .wait_for("bob's reply, threaded under the group's post", |a| {
                        a["type"] == "Create" && a["object"]["inReplyTo"] == note_id.as_str()
                    })
                    .await?;
                check_group_post(&got, &group_id, &followers)?;
                println!("      {}'s server got bob's reply in the thread", m.name);
            }
            Ok(())
        })
        .await?;

    steps
        .run("an edit", async {
            let mut edited = create(alice, &original, &group_id, "Who has read chapter 4?", None);
            edited["type"] = json!("Update");
            edited["id"] = json!(format!("{original}#updates/1"));
            edited["object"]["updated"] = json!(crate::documents::rfc3339(crate::db::now_ms()));
            alice.send(&state.urls.shared_inbox(), &edited).await?;
            for m in [bob, carol] {
                m.wait_for("the edit of alice's post", |a| {
                    a["type"] == "Update"
                        && a["object"]["id"] == note_id.as_str()
                        && a["object"]["content"]
                            .as_str()
                            .is_some_and(|c| c.contains("chapter 4"))
                })
                .await?;
                println!("      {}'s server got the group's Update{{Note}}", m.name);
            }
            Ok(())
        })
        .await?;

    steps
        .run("a removal (moderator deletes the post)", async {
            let post = state
                .db
                .posts_of_original(&original)?
                .into_iter()
                .next()
                .ok_or_else(|| anyhow!("the group holds no copy of alice's post"))?;
            ensure!(
                conversation::remove_post(&state.db, &state.urls, cast.group, &post)?,
                "the post was already removed"
            );
            state.wake_delivery.notify_one();
            for m in [bob, carol] {
                m.wait_for("the Delete of the removed post", |a| {
                    a["type"] == "Delete"
                        && (a["object"]["id"] == note_id.as_str()
                            || a["object"] == note_id.as_str())
                })
                .await?;
                println!("      {}'s server got the group's Delete", m.name);
            }
            Ok(())
        })
        .await?;

    steps
        .run("a removal (admin removes carol)", async {
            membership::end(
                &state.db,
                &state.urls,
                cast.group,
                &carol.actor_id(),
                membership::Ending::Remove,
            )?;
            state.wake_delivery.notify_one();
            // Reject ends the follow on Mastodon; the Block ends it on
            // servers that ignore a Reject of an accepted follow
            // (GoToSocial); the Undo{Block} follows it, as a removal is no ban.
            for (what, kind) in [
                ("the Reject of its Follow", "Reject"),
                ("the group's Block", "Block"),
                ("the Undo of the Block", "Undo"),
            ] {
                carol
                    .wait_for(what, |a| a["type"] == kind && a["actor"] == group_id)
                    .await?;
            }
            let left = state
                .db
                .list_memberships(Some(cast.group.id), memberships::APPROVED)?;
            ensure!(left.len() == 2, "{} members left, not 2", left.len());
            println!("      carol's server got Reject{{Follow}}, Block, then Undo{{Block}}; alice and bob remain");
            Ok(())
        })
        .await?;
    Ok(())
}

fn follow(m: &MemberServer, group: &str) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#follows/1", m.actor_id()),
        "type": "Follow",
        "actor": m.actor_id(),
        "object": group,
    })
}

/// A post addressed to the group alone, as Mastodon sends a
/// "Mentioned people only" post that mentions it.
fn create(m: &MemberServer, id: &str, group: &str, text: &str, reply_to: Option<&str>) -> Value {
    let handle = group.rsplit('/').next().unwrap_or_default();
    let now = crate::documents::rfc3339(crate::db::now_ms());
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{id}/activity"),
        "type": "Create",
        "actor": m.actor_id(),
        "published": now,
        "to": [group],
        "cc": [],
        "object": {
            "id": id,
            "type": "Note",
            "attributedTo": m.actor_id(),
            "inReplyTo": reply_to,
            "published": now,
            "to": [group],
            "cc": [],
            "content": format!("<p><span class=\"h-card\"><a href=\"{group}\" class=\"u-url mention\">@{handle}</a></span> {text}</p>"),
            "tag": [{ "type": "Mention", "href": group, "name": format!("@{handle}") }],
        },
    })
}

/// What a member server must see in a group post: signed by the group
/// (checked on arrival), authored by it, for its followers and nobody else.
fn check_group_post(activity: &Value, group: &str, followers: &str) -> anyhow::Result<()> {
    let note = &activity["object"];
    if activity["actor"] != group || note["attributedTo"] != group {
        bail!("the post is not the group's own: {activity}");
    }
    if note["to"] != json!([followers]) {
        bail!(
            "the post is addressed to {}, not the group's followers",
            note["to"]
        );
    }
    if activity.to_string().contains(PUBLIC) {
        bail!("the post is public");
    }
    Ok(())
}

/// Polls the database until `check` finds what it waits for.
async fn poll<T>(
    what: &str,
    mut check: impl FnMut() -> anyhow::Result<Option<T>>,
) -> anyhow::Result<T> {
    let start = Instant::now();
    loop {
        if let Some(found) = check()? {
            return Ok(found);
        }
        if start.elapsed() > Duration::from_secs(20) {
            bail!("no {what} after 20 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
