//! Reports about a group's posts or members (issue #12).

use super::schema::{groups, reports};
use super::{now_ms, per_backend, Db, DbResult};
use diesel::prelude::*;

/// A stored report, with its group's name.
#[derive(Debug, Clone, Queryable)]
pub struct Report {
    pub id: i64,
    pub group: String,
    pub activity_id: String,
    pub reporter_uri: String,
    pub comment: String,
    /// JSON array of {"note", "original", "author"}.
    pub posts_json: String,
    /// JSON array of actor URLs.
    pub accounts_json: String,
    pub created_at: i64,
    pub resolved_at: Option<i64>,
}

pub struct NewReport<'a> {
    pub group_id: i64,
    pub activity_id: &'a str,
    pub reporter_uri: &'a str,
    pub comment: &'a str,
    pub posts_json: &'a str,
    pub accounts_json: &'a str,
}

impl Db {
    /// Stores a report; `None` if this Flag was stored for the group
    /// already. Returns the new report's id.
    pub fn insert_report(&self, r: NewReport<'_>) -> DbResult<Option<i64>> {
        let mut conn = self.conn()?;
        let row = (
            reports::group_id.eq(r.group_id),
            reports::activity_id.eq(r.activity_id),
            reports::reporter_uri.eq(r.reporter_uri),
            reports::comment.eq(r.comment),
            reports::posts_json.eq(r.posts_json),
            reports::accounts_json.eq(r.accounts_json),
            reports::created_at.eq(now_ms()),
        );
        let n = per_backend!(&mut *conn, |c| diesel::insert_into(reports::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c))?;
        if n == 0 {
            return Ok(None);
        }
        Ok(Some(
            reports::table
                .filter(reports::group_id.eq(r.group_id))
                .filter(reports::activity_id.eq(r.activity_id))
                .select(reports::id)
                .first(&mut *conn)?,
        ))
    }

    /// Reports, oldest first; of one group if given.
    pub fn list_reports(&self, group_id: Option<i64>) -> DbResult<Vec<Report>> {
        let mut conn = self.conn()?;
        let mut query = reports::table.inner_join(groups::table).into_boxed();
        if let Some(id) = group_id {
            query = query.filter(reports::group_id.eq(id));
        }
        Ok(query
            .order(reports::id.asc())
            .select((
                reports::id,
                groups::name,
                reports::activity_id,
                reports::reporter_uri,
                reports::comment,
                reports::posts_json,
                reports::accounts_json,
                reports::created_at,
                reports::resolved_at,
            ))
            .load::<Report>(&mut *conn)?)
    }

    /// Marks a report resolved. `Ok(None)` if there is no such report,
    /// `Ok(Some(false))` if it was resolved already; with its group id.
    pub fn resolve_report(&self, id: i64) -> DbResult<Option<(i64, bool)>> {
        self.transaction(|tx| {
            let mut conn = tx.conn()?;
            let row: Option<(i64, Option<i64>)> = reports::table
                .filter(reports::id.eq(id))
                .select((reports::group_id, reports::resolved_at))
                .first(&mut *conn)
                .optional()?;
            let Some((group_id, resolved)) = row else {
                return Ok(None);
            };
            if resolved.is_some() {
                return Ok(Some((group_id, false)));
            }
            diesel::update(reports::table.filter(reports::id.eq(id)))
                .set(reports::resolved_at.eq(now_ms()))
                .execute(&mut *conn)?;
            Ok(Some((group_id, true)))
        })
    }
}
