//! Request notices (issue #12): each new pending request makes the group
//! write to every moderator, each alone, who asks and how to answer.

use crate::db::{Db, Group, RemoteActor};
use crate::direct;
use crate::urls::Urls;

/// Sends every moderator of the group a notice of `requester`'s request.
/// Call it in the transaction that records the request. Returns how many
/// moderators were told.
pub fn new_request(
    db: &Db,
    urls: &Urls,
    group: &Group,
    requester: &RemoteActor,
) -> anyhow::Result<usize> {
    let moderators = db.moderators(group.id)?;
    let mut told = 0;
    for m in moderators {
        // A moderator demesh has no inbox for cannot be written to.
        let Some(moderator) = m.actor else { continue };
        direct::send(db, urls, group, &moderator, &request_text(group, requester))?;
        told += 1;
    }
    Ok(told)
}

fn request_text(group: &Group, requester: &RemoteActor) -> String {
    let acct = format!("@{}", requester.acct());
    let software = requester.software.as_deref().unwrap_or("unknown software");
    format!(
        "New request to join {}: {acct}\n\
         Profile: {}\n\
         Server: {} ({software})\n\n\
         Answer by writing to the group: approve {acct}, or reject {acct}. \
         requests lists all pending requests.",
        group.name, requester.uri, requester.domain
    )
}
