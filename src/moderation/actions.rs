//! What the moderation commands do, shared by the CLI and the commands
//! moderators send by direct message: the same checks, the same effects
//! (`membership`, `conversation`), the same words for the result. Each
//! takes the `Db` of the caller's transaction.

use crate::account::Account;
use crate::db::{memberships, Db, DbError, Group, MembershipView};
use crate::membership::{self, Ending};
use crate::urls::Urls;
use anyhow::{anyhow, bail};

/// The actor an ACCOUNT names, among those demesh has heard from.
pub fn resolve(db: &Db, raw: &str) -> anyhow::Result<String> {
    match Account::parse(raw).map_err(|e| anyhow!(e))? {
        Account::Url(u) => Ok(u),
        Account::Acct { user, host } => db
            .remote_actor_by_acct(&user, &host)?
            .map(|a| a.uri)
            .ok_or_else(|| anyhow!("no account {user}@{host} has contacted this server")),
        Account::Domain(_) => bail!("{raw:?} names a whole server; give one account"),
    }
}

/// How a result names an account: as given, or `@user@host` for an actor
/// URL demesh knows (a mention read from a direct message).
fn shown(db: &Db, account: &str, actor_uri: &str) -> anyhow::Result<String> {
    if !account.starts_with("http") {
        return Ok(account.to_string());
    }
    Ok(db
        .remote_actor(actor_uri)?
        .map_or_else(|| account.to_string(), |a| format!("@{}", a.acct())))
}

/// True if the error is the database failing (a passing failure: retry),
/// not a refusal the person asking can act on.
pub fn is_passing(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<DbError>()
            .is_some_and(|d| !matches!(d, DbError::NotFound | DbError::Conflict(_)))
    })
}

/// Approves a request (or re-sends a member's Accept); a new member gets
/// the group's welcome (issue #13).
pub fn approve(db: &Db, urls: &Urls, group: &Group, account: &str) -> anyhow::Result<String> {
    let actor = resolve(db, account)?;
    crate::rules::approve(db, urls, group, &actor)?;
    Ok(format!(
        "approved {account} in {}: Accept queued",
        group.name
    ))
}

/// Refuses a pending request.
pub fn reject(db: &Db, urls: &Urls, group: &Group, account: &str) -> anyhow::Result<String> {
    let actor = resolve(db, account)?;
    let account = shown(db, account, &actor)?;
    match db.membership(group.id, &actor)? {
        Some(m) if m.state == memberships::PENDING => {}
        Some(_) => bail!(
            "{account} is a member of {}; use `member remove` (from your app: remove ACCOUNT)",
            group.name
        ),
        None => bail!("{account} has no pending request to {}", group.name),
    }
    membership::end(db, urls, group, &actor, Ending::Refuse)?;
    Ok(format!(
        "rejected {account} from {}: Reject queued",
        group.name
    ))
}

/// Ends a membership (no ban).
pub fn remove(db: &Db, urls: &Urls, group: &Group, account: &str) -> anyhow::Result<String> {
    let actor = resolve(db, account)?;
    let account = shown(db, account, &actor)?;
    match db.membership(group.id, &actor)? {
        Some(m) if m.state == memberships::APPROVED => {}
        _ => bail!("{account} is not a member of {}", group.name),
    }
    membership::end(db, urls, group, &actor, Ending::Remove)?;
    Ok(format!(
        "removed {account} from {}: Reject{{Follow}}, Block and Undo{{Block}} queued",
        group.name
    ))
}

/// Removes a group post, named by number, group note URL or the member's
/// original URL: Delete to all members.
pub fn delete_post(db: &Db, urls: &Urls, group: &Group, post: &str) -> anyhow::Result<String> {
    let found = db
        .find_post(group.id, post.trim_start_matches('#'))?
        .ok_or_else(|| anyhow!("no post {post:?} in {}", group.name))?;
    if !crate::conversation::remove_post(db, urls, group, &found)? {
        bail!("post #{} was already removed", found.id);
    }
    Ok(format!(
        "removed post #{} from {}: Delete queued",
        found.id, group.name
    ))
}

/// "@user@host" of a membership row, else its actor URL.
pub fn who(v: &MembershipView) -> String {
    v.actor.as_ref().map_or_else(
        || v.membership.actor_uri.clone(),
        |a| format!("@{}", a.acct()),
    )
}

/// The pending requests, as a moderator reads them.
pub fn requests_text(db: &Db, group: &Group) -> anyhow::Result<String> {
    let views = db.list_memberships(Some(group.id), memberships::PENDING)?;
    if views.is_empty() {
        return Ok(format!("No pending requests to {}.", group.name));
    }
    let mut text = format!("Pending requests to {} ({}):", group.name, views.len());
    for v in &views {
        let software = v
            .actor
            .as_ref()
            .and_then(|a| a.software.clone())
            .unwrap_or_else(|| "unknown software".into());
        text.push_str(&format!(
            "\n{} ({software}) {}",
            who(v),
            v.membership.actor_uri
        ));
    }
    text.push_str("\n\nAnswer with: approve ACCOUNT, or reject ACCOUNT");
    Ok(text)
}

/// The member count and list, moderators marked.
pub fn members_text(db: &Db, group: &Group) -> anyhow::Result<String> {
    let views = db.list_memberships(Some(group.id), memberships::APPROVED)?;
    let mut text = format!("{} has {} member(s):", group.name, views.len());
    for v in &views {
        let role = match v.membership.role() {
            crate::db::MemberRole::Moderator => " (moderator)",
            crate::db::MemberRole::Member => "",
        };
        text.push_str(&format!("\n{}{role}", who(v)));
    }
    Ok(text)
}

/// What moderators may write to the group.
pub fn help_text(group: &Group) -> String {
    format!(
        "Commands for {}: write to the group alone (\"mentioned people only\"), the command \
         after the mention:\n\
         requests: the pending requests\n\
         approve ACCOUNT: let them join\n\
         reject ACCOUNT: refuse a request\n\
         remove ACCOUNT: end a membership\n\
         members: who is in the group\n\
         delete URL: remove a group post (its URL, or the original's)\n\
         help: this list\n\
         ACCOUNT is @user@host or a profile URL.",
        group.name
    )
}
