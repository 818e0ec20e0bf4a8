//! Direct messages from a group to one account (issue #12): stored with
//! the Create that carries them, in one transaction.

use super::schema::direct_messages;
use super::{now_ms, Db, DbResult, Outgoing, Target};
use diesel::prelude::*;

/// A direct message the group sent.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = direct_messages)]
pub struct DirectMessage {
    pub id: i64,
    pub group_id: i64,
    pub recipient_uri: String,
    pub note_id: String,
    pub create_id: String,
    pub content: String,
    pub created_at: i64,
}

/// What to store and send: the note's id, its plain text, its Create.
pub struct NewDirect<'a> {
    pub group_id: i64,
    pub recipient_uri: &'a str,
    pub note_id: &'a str,
    pub content: &'a str,
    pub create: &'a Outgoing,
}

impl Db {
    /// Records a direct message and queues its Create to the recipient's
    /// server, after what the group queued for them before (an Accept
    /// goes before a welcome). One transaction; inside a caller's
    /// transaction it joins that one.
    pub fn send_direct(&self, dm: NewDirect<'_>, target: &Target) -> DbResult<()> {
        self.transaction(|tx| {
            let mut conn = tx.conn()?;
            diesel::insert_into(direct_messages::table)
                .values((
                    direct_messages::group_id.eq(dm.group_id),
                    direct_messages::recipient_uri.eq(dm.recipient_uri),
                    direct_messages::note_id.eq(dm.note_id),
                    direct_messages::create_id.eq(&dm.create.id),
                    direct_messages::content.eq(dm.content),
                    direct_messages::created_at.eq(now_ms()),
                ))
                .execute(&mut *conn)?;
            drop(conn);
            tx.enqueue_in_order(
                dm.group_id,
                dm.recipient_uri,
                target,
                std::slice::from_ref(dm.create),
            )
        })
    }

    /// The direct messages a group sent `recipient_uri`, oldest first.
    pub fn direct_messages_to(
        &self,
        group_id: i64,
        recipient_uri: &str,
    ) -> DbResult<Vec<DirectMessage>> {
        let mut conn = self.conn()?;
        Ok(direct_messages::table
            .filter(direct_messages::group_id.eq(group_id))
            .filter(direct_messages::recipient_uri.eq(recipient_uri))
            .order(direct_messages::id.asc())
            .select(DirectMessage::as_select())
            .load(&mut *conn)?)
    }

    /// One direct message by its note id (to serve it to its recipient).
    pub fn direct_message(&self, note_id: &str) -> DbResult<Option<DirectMessage>> {
        let mut conn = self.conn()?;
        Ok(direct_messages::table
            .filter(direct_messages::note_id.eq(note_id))
            .select(DirectMessage::as_select())
            .first(&mut *conn)
            .optional()?)
    }
}
