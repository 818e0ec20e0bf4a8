//! The group's answers to one account (Accept, Reject, Block, Undo{Block}),
//! stored with the membership change that implies them, in one
//! transaction, and delivered one after the other.

use super::memberships::{Membership, APPROVED};
use super::schema::{deliveries, group_blocks, memberships, outgoing_activities};
use super::{now_ms, per_backend, queue, Db, DbError, DbResult, Target};
use diesel::prelude::*;

/// An activity the group sends: its id and its JSON body.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: String,
    pub body: String,
}

/// A Block the group sent an account and has not undone.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = group_blocks)]
pub struct GroupBlock {
    pub group_id: i64,
    pub actor_uri: String,
    pub block_id: String,
    pub block_json: String,
}

/// What a removal sends, in order, and whether its Block stands.
pub struct Removal {
    pub activities: Vec<Outgoing>,
    /// The Block to remember as lasting (`block add`); `None` for a
    /// removal that undoes its Block (no ban).
    pub lasting_block: Option<Outgoing>,
}

impl Db {
    /// Queues `activities` to one account's server in order: each goes out
    /// only once the one before it has ended (answered, or given up on),
    /// and the first once the answers to that account still queued from
    /// before have. One transaction.
    pub fn enqueue_in_order(
        &self,
        group_id: i64,
        actor_uri: &str,
        target: &Target,
        activities: &[Outgoing],
    ) -> DbResult<()> {
        self.transaction(|tx| {
            let mut before = tx.last_queued_answer(group_id, actor_uri)?;
            for a in activities {
                tx.enqueue(group_id, &a.id, &a.body, std::slice::from_ref(target))?;
                let mut conn = tx.conn()?;
                let row: Option<(i64, queue::DeliveryState)> = deliveries::table
                    .inner_join(outgoing_activities::table)
                    .filter(outgoing_activities::activity_id.eq(&a.id))
                    .filter(deliveries::inbox.eq(&target.inbox))
                    .select((deliveries::id, deliveries::state))
                    .first(&mut *conn)
                    .optional()?;
                let Some((id, state)) = row else { continue };
                diesel::update(deliveries::table.filter(deliveries::id.eq(id)))
                    .set((
                        deliveries::chain.eq(actor_uri),
                        deliveries::after_delivery.eq(before),
                    ))
                    .execute(&mut *conn)?;
                // A parked server's row is failed already: nothing waits on it.
                if state == queue::PENDING {
                    before = Some(id);
                }
            }
            Ok(())
        })
    }

    /// The last answer to `actor_uri` from the group still to be sent.
    fn last_queued_answer(&self, group_id: i64, actor_uri: &str) -> DbResult<Option<i64>> {
        let mut conn = self.conn()?;
        Ok(deliveries::table
            .inner_join(outgoing_activities::table)
            .filter(outgoing_activities::group_id.eq(group_id))
            .filter(deliveries::chain.eq(actor_uri))
            .filter(deliveries::state.eq(queue::PENDING))
            .order(deliveries::id.desc())
            .select(deliveries::id)
            .first(&mut *conn)
            .optional()?)
    }

    /// The Block the group keeps on `actor_uri`, if any.
    pub fn group_block(&self, group_id: i64, actor_uri: &str) -> DbResult<Option<GroupBlock>> {
        let mut conn = self.conn()?;
        Ok(group_blocks::table
            .filter(group_blocks::group_id.eq(group_id))
            .filter(group_blocks::actor_uri.eq(actor_uri))
            .select(GroupBlock::as_select())
            .first(&mut *conn)
            .optional()?)
    }

    /// Every Block the groups keep, for `block remove` to pick from.
    pub fn group_blocks(&self) -> DbResult<Vec<GroupBlock>> {
        let mut conn = self.conn()?;
        Ok(group_blocks::table
            .order(group_blocks::id.asc())
            .select(GroupBlock::as_select())
            .load(&mut *conn)?)
    }

    /// Approval: the request (or membership) becomes a membership, and what
    /// `build` makes of it (Undo{Block} of the group's standing Block, if
    /// any, then Accept) is queued in order; the Block is forgotten. One
    /// transaction. `NotFound` if the account never asked to join.
    pub fn approve_member<E, F>(
        &self,
        group_id: i64,
        actor_uri: &str,
        target: &Target,
        build: F,
    ) -> Result<(), E>
    where
        E: From<DbError>,
        F: FnOnce(&Membership, Option<&GroupBlock>) -> Result<Vec<Outgoing>, E>,
    {
        self.transaction(|tx| {
            let m = tx
                .membership(group_id, actor_uri)?
                .ok_or(DbError::NotFound)?;
            let block = tx.group_block(group_id, actor_uri)?;
            let activities = build(&m, block.as_ref())?;
            tx.set_membership_state(group_id, actor_uri, APPROVED)?;
            tx.forget_group_block(group_id, actor_uri)?;
            tx.enqueue_in_order(group_id, actor_uri, target, &activities)?;
            Ok(())
        })
    }

    /// Removal (or refusal of a request): the row ends and what `build`
    /// makes of it is queued in order (Reject, then Block, then Undo{Block}
    /// for a removal that is no ban); a lasting Block is remembered. One
    /// transaction. False if the account was neither member nor requester.
    pub fn remove_member<E, F>(
        &self,
        group_id: i64,
        actor_uri: &str,
        target: &Target,
        build: F,
    ) -> Result<bool, E>
    where
        E: From<DbError>,
        F: FnOnce(&Membership) -> Result<Removal, E>,
    {
        self.transaction(|tx| {
            let Some(m) = tx.membership(group_id, actor_uri)? else {
                return Ok(false);
            };
            let removal = build(&m)?;
            tx.delete_membership(group_id, actor_uri)?;
            tx.enqueue_in_order(group_id, actor_uri, target, &removal.activities)?;
            if let Some(block) = removal.lasting_block {
                tx.keep_group_block(group_id, actor_uri, &block)?;
            }
            Ok(true)
        })
    }

    /// Lifts a standing Block: Undo{Block} queued after the account's
    /// earlier answers, the Block forgotten. One transaction.
    pub fn lift_group_block(
        &self,
        block: &GroupBlock,
        target: &Target,
        undo: &Outgoing,
    ) -> DbResult<()> {
        self.transaction(|tx| {
            tx.forget_group_block(block.group_id, &block.actor_uri)?;
            tx.enqueue_in_order(
                block.group_id,
                &block.actor_uri,
                target,
                std::slice::from_ref(undo),
            )
        })
    }

    fn keep_group_block(&self, group_id: i64, actor_uri: &str, block: &Outgoing) -> DbResult<()> {
        let mut conn = self.conn()?;
        let row = (
            group_blocks::group_id.eq(group_id),
            group_blocks::actor_uri.eq(actor_uri),
            group_blocks::block_id.eq(&block.id),
            group_blocks::block_json.eq(&block.body),
            group_blocks::created_at.eq(now_ms()),
        );
        let update = (
            group_blocks::block_id.eq(&block.id),
            group_blocks::block_json.eq(&block.body),
        );
        per_backend!(&mut *conn, |c| diesel::insert_into(group_blocks::table)
            .values(row)
            .on_conflict((group_blocks::group_id, group_blocks::actor_uri))
            .do_update()
            .set(update)
            .execute(c))?;
        Ok(())
    }

    fn forget_group_block(&self, group_id: i64, actor_uri: &str) -> DbResult<()> {
        let mut conn = self.conn()?;
        diesel::delete(
            group_blocks::table
                .filter(group_blocks::group_id.eq(group_id))
                .filter(group_blocks::actor_uri.eq(actor_uri)),
        )
        .execute(&mut *conn)?;
        Ok(())
    }

    /// The groups `actor_uri` is a member of or asking to join.
    pub fn memberships_of(&self, actor_uri: &str) -> DbResult<Vec<Membership>> {
        let mut conn = self.conn()?;
        Ok(memberships::table
            .filter(memberships::actor_uri.eq(actor_uri))
            .select(Membership::as_select())
            .load(&mut *conn)?)
    }
}

/// Releases the deliveries that waited for `ended` (deliveries that were
/// answered or given up on): they are due now. Part of recording results.
pub(super) fn release_waiting(conn: &mut super::DbConn, ended: &[i64], now: i64) -> DbResult<()> {
    if ended.is_empty() {
        return Ok(());
    }
    diesel::update(deliveries::table.filter(deliveries::after_delivery.eq_any(ended)))
        .set((
            deliveries::after_delivery.eq(None::<i64>),
            deliveries::next_attempt_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
