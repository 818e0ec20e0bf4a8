//! The bounds of two kinds of notice (issue #23): "X replied to your
//! post" (one per thread per person per `REPLY_NOTICE_GAP_MS`) and "you
//! missed N posts" after a member's server came back.

use super::queue::{DeliveryState, DELIVERED, HELD, PENDING};
use super::schema::{deliveries, late_notices, outgoing_activities, posts, reply_notices};
use super::{Db, DbResult};
use diesel::prelude::*;

/// A member gets at most one reply notice per thread in this time.
pub const REPLY_NOTICE_GAP_MS: i64 = 10 * 60 * 1000;

impl Db {
    /// True (and the notice is recorded as sent at `now`) if `actor_uri`
    /// got no reply notice for the thread `context_id` in the last
    /// `REPLY_NOTICE_GAP_MS`. Call it in the transaction that sends it.
    pub fn claim_reply_notice(
        &self,
        group_id: i64,
        actor_uri: &str,
        context_id: &str,
        now: i64,
    ) -> DbResult<bool> {
        let mut conn = self.conn()?;
        let last: Option<i64> = reply_notices::table
            .filter(reply_notices::group_id.eq(group_id))
            .filter(reply_notices::actor_uri.eq(actor_uri))
            .filter(reply_notices::context_id.eq(context_id))
            .select(reply_notices::sent_at)
            .first(&mut *conn)
            .optional()?;
        match last {
            Some(at) if now - at < REPLY_NOTICE_GAP_MS => Ok(false),
            Some(_) => {
                diesel::update(
                    reply_notices::table
                        .filter(reply_notices::group_id.eq(group_id))
                        .filter(reply_notices::actor_uri.eq(actor_uri))
                        .filter(reply_notices::context_id.eq(context_id)),
                )
                .set(reply_notices::sent_at.eq(now))
                .execute(&mut *conn)?;
                Ok(true)
            }
            None => {
                diesel::insert_into(reply_notices::table)
                    .values((
                        reply_notices::group_id.eq(group_id),
                        reply_notices::actor_uri.eq(actor_uri),
                        reply_notices::context_id.eq(context_id),
                        reply_notices::sent_at.eq(now),
                    ))
                    .execute(&mut *conn)?;
                Ok(true)
            }
        }
    }

    /// When `actor_uri` last got a late-posts notice in the group.
    pub fn late_notice_at(&self, group_id: i64, actor_uri: &str) -> DbResult<Option<i64>> {
        let mut conn = self.conn()?;
        Ok(late_notices::table
            .filter(late_notices::group_id.eq(group_id))
            .filter(late_notices::actor_uri.eq(actor_uri))
            .select(late_notices::sent_at)
            .first(&mut *conn)
            .optional()?)
    }

    /// Records a late-posts notice to `actor_uri` sent at `now`.
    pub fn set_late_notice(&self, group_id: i64, actor_uri: &str, now: i64) -> DbResult<()> {
        let mut conn = self.conn()?;
        let changed = diesel::update(
            late_notices::table
                .filter(late_notices::group_id.eq(group_id))
                .filter(late_notices::actor_uri.eq(actor_uri)),
        )
        .set(late_notices::sent_at.eq(now))
        .execute(&mut *conn)?;
        if changed == 0 {
            diesel::insert_into(late_notices::table)
                .values((
                    late_notices::group_id.eq(group_id),
                    late_notices::actor_uri.eq(actor_uri),
                    late_notices::sent_at.eq(now),
                ))
                .execute(&mut *conn)?;
        }
        Ok(())
    }

    /// The note ids of the group's live copies published after `since`
    /// whose Create to `host` went (or is going) out more than `late_ms`
    /// after publication: what that server's members missed, oldest first.
    pub fn late_posts_to(
        &self,
        group_id: i64,
        host: &str,
        since: i64,
        late_ms: i64,
        now: i64,
    ) -> DbResult<Vec<String>> {
        let mut conn = self.conn()?;
        let rows = posts::table
            .inner_join(
                outgoing_activities::table.on(outgoing_activities::activity_id
                    .eq(posts::create_id)
                    .and(outgoing_activities::group_id.eq(posts::group_id))),
            )
            .inner_join(deliveries::table.on(deliveries::activity_id.eq(outgoing_activities::id)))
            .filter(posts::group_id.eq(group_id))
            .filter(posts::deleted_at.is_null())
            .filter(posts::published_at.gt(since))
            .filter(posts::published_at.le(now - late_ms))
            .filter(deliveries::host.eq(host))
            .select((
                posts::note_id,
                posts::published_at,
                deliveries::state,
                deliveries::updated_at,
            ))
            .order(posts::published_at.asc())
            .load::<(String, i64, DeliveryState, i64)>(&mut *conn)?;
        let mut out: Vec<String> = Vec::new();
        for (note, published, state, updated) in rows {
            // Still to go, or gone out late: a delivery in time is not missed.
            let late = state == PENDING
                || state == HELD
                || (state == DELIVERED && updated - published > late_ms);
            if late && !out.contains(&note) {
                out.push(note);
            }
        }
        Ok(out)
    }
}
