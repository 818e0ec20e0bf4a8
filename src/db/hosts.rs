//! Servers given up on. When a delivery's retry schedule ends in failure
//! (about two days of failures), its server is parked: later deliveries
//! to it are recorded as failed at once, instead of each running its own
//! two-day schedule against a server that is gone. It is unparked as soon
//! as it shows signs of life: a signed activity from it, or a delivery it
//! accepts.

use super::schema::unavailable_hosts;
use super::{now_ms, per_backend, Db, DbConn, DbResult};
use diesel::prelude::*;
use std::collections::HashMap;

impl Db {
    /// Unparks `host`; true if it was parked.
    pub fn unpark_host(&self, host: &str) -> DbResult<bool> {
        let mut conn = self.conn()?;
        Ok(unpark_all(&mut conn, &[host.to_string()])? > 0)
    }

    /// Parked servers and since when, for `demesh queue`.
    pub fn parked_hosts(&self) -> DbResult<HashMap<String, i64>> {
        let mut conn = self.conn()?;
        parked_among(&mut conn, None)
    }
}

/// Which of `hosts` (all, for `None`) are parked, and since when.
pub(super) fn parked_among(
    conn: &mut DbConn,
    hosts: Option<&[String]>,
) -> DbResult<HashMap<String, i64>> {
    let mut query = unavailable_hosts::table
        .select((unavailable_hosts::host, unavailable_hosts::since))
        .into_boxed();
    if let Some(hosts) = hosts {
        query = query.filter(unavailable_hosts::host.eq_any(hosts.to_vec()));
    }
    Ok(query.load::<(String, i64)>(conn)?.into_iter().collect())
}

/// Parks `host` (kept as it was if already parked).
pub(super) fn park(conn: &mut DbConn, host: &str, error: &str) -> DbResult<()> {
    let row = (
        unavailable_hosts::host.eq(host),
        unavailable_hosts::since.eq(now_ms()),
        unavailable_hosts::last_error.eq(error),
    );
    per_backend!(conn, |c| diesel::insert_into(unavailable_hosts::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

/// Unparks every host in `hosts`; how many were parked.
pub(super) fn unpark_all(conn: &mut DbConn, hosts: &[String]) -> DbResult<usize> {
    Ok(
        diesel::delete(unavailable_hosts::table.filter(unavailable_hosts::host.eq_any(hosts)))
            .execute(conn)?,
    )
}
