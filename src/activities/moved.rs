//! Account moves (DESIGN §5). When a member moves to a new account
//! (Mastodon's account migration), the new account's Follow is approved
//! at once and the old membership ends. Both sides must agree: the new
//! account lists the old one in `alsoKnownAs`, and the old account,
//! fetched fresh from its own server, names the new one in `movedTo`.
//! Anyone can write any alias on their own account, so the first alone
//! proves nothing; the second can only be set by the old account's owner.

use crate::context::Context;
use crate::db::{memberships, RemoteActor};
use crate::federation::actor::{actor_for_key, id_of};

/// The member account `actor` moved from, if it is one of `group_id`'s
/// members and confirms the move. Runs in the inbox worker (a blocking
/// thread), so it may wait for the fetches.
pub fn moved_from(
    state: &Context,
    group_id: i64,
    actor: &RemoteActor,
) -> anyhow::Result<Option<String>> {
    let runtime = tokio::runtime::Handle::current();
    let mut candidates = member_aliases(state, group_id, actor)?;
    if candidates.is_empty() && crate::db::now_ms() - actor.fetched_at > 60_000 {
        // The cached document may predate the alias (set just before the
        // move): read it again once.
        let fresh = runtime.block_on(actor_for_key(
            &state.db,
            &state.client,
            &state.instance_signer,
            &actor.key_id,
            true,
        ));
        if let Ok(fresh) = fresh {
            candidates = member_aliases(state, group_id, &fresh)?;
        }
    }
    for old in candidates {
        let doc = runtime.block_on(state.client.get_json(&old, &state.instance_signer));
        match doc {
            Ok(doc) if doc.get("movedTo").and_then(id_of) == Some(actor.uri.as_str()) => {
                return Ok(Some(old));
            }
            Ok(_) => tracing::info!(new = %actor.uri, %old, "alias without movedTo: not a move"),
            Err(e) => tracing::info!(new = %actor.uri, %old, error = %e, "cannot confirm a move"),
        }
    }
    Ok(None)
}

/// The accounts in `actor`'s `alsoKnownAs` that are members of the group.
fn member_aliases(
    state: &Context,
    group_id: i64,
    actor: &RemoteActor,
) -> anyhow::Result<Vec<String>> {
    let aliases: Vec<String> = serde_json::from_str(&actor.also_known_as).unwrap_or_default();
    let mut members = Vec::new();
    for alias in aliases.into_iter().filter(|a| *a != actor.uri) {
        let is_member = state
            .db
            .membership(group_id, &alias)?
            .is_some_and(|m| m.state == memberships::APPROVED);
        if is_member {
            members.push(alias);
        }
    }
    Ok(members)
}
