//! Server-wide blocks of domains and accounts.
//!
//! A domain block covers the domain's subdomains and every port of its
//! hosts, as Mastodon and GoToSocial admins expect: `example.com` stops
//! `a.example.com` and `example.com:8443`, `127.0.0.1` stops
//! `127.0.0.1:59165`. Account (`user@host`) and actor-URL blocks match
//! exactly.

use super::schema::blocks;
use super::{now_ms, per_backend, Db, DbResult};
use diesel::prelude::*;

/// One server-wide block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// A domain (`spam.example`, maybe with a port), `user@host` or an
    /// actor URL.
    pub pattern: String,
    pub reason: String,
    pub created_at: i64,
}

impl Block {
    /// True for a domain block (neither an account nor a URL).
    pub fn is_domain(&self) -> bool {
        is_host(&self.pattern)
    }
}

fn is_host(name: &str) -> bool {
    !name.contains('@') && !name.contains("://")
}

/// Every domain block that would cover `authority` (`host` or
/// `host:port`, any case): the authority itself, the host without its
/// port, and each parent domain of a name (`a.b.example` →
/// `b.example`, `example`). An IP address has no parents.
pub fn covering_domains(authority: &str) -> Vec<String> {
    let authority = authority.trim().trim_end_matches('.').to_ascii_lowercase();
    let host = match authority.rsplit_once(':') {
        // `[::1]:8080` and `host:8080`; a bare IPv6 address has no port.
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) && !h.ends_with(':') => {
            if h.starts_with('[') || !h.contains(':') {
                h.to_string()
            } else {
                authority.clone()
            }
        }
        _ => authority.clone(),
    };
    let mut names = vec![authority.clone()];
    if host != authority {
        names.push(host.clone());
    }
    let is_ip =
        host.starts_with('[') || host.contains(':') || host.parse::<std::net::Ipv4Addr>().is_ok();
    if !is_ip {
        let mut rest = host.as_str();
        while let Some((_, parent)) = rest.split_once('.') {
            if parent.is_empty() {
                break;
            }
            names.push(parent.to_string());
            rest = parent;
        }
    }
    names
}

/// True if the block `pattern` covers the server `authority`.
pub fn domain_covers(pattern: &str, authority: &str) -> bool {
    is_host(pattern)
        && covering_domains(authority)
            .iter()
            .any(|n| n.eq_ignore_ascii_case(pattern))
}

impl Db {
    /// Adds a block; false if it was already there (its reason is kept).
    pub fn add_block(&self, pattern: &str, reason: &str) -> DbResult<bool> {
        let mut conn = self.conn()?;
        let row = (
            blocks::pattern.eq(pattern),
            blocks::reason.eq(reason),
            blocks::created_at.eq(now_ms()),
        );
        let n = per_backend!(&mut *conn, |c| diesel::insert_into(blocks::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c))?;
        Ok(n > 0)
    }

    pub fn remove_block(&self, pattern: &str) -> DbResult<bool> {
        let mut conn = self.conn()?;
        let n = diesel::delete(blocks::table.filter(blocks::pattern.eq(pattern)))
            .execute(&mut *conn)?;
        Ok(n > 0)
    }

    pub fn list_blocks(&self) -> DbResult<Vec<Block>> {
        let mut conn = self.conn()?;
        let rows: Vec<(String, String, i64)> = blocks::table
            .order(blocks::pattern.asc())
            .select((blocks::pattern, blocks::reason, blocks::created_at))
            .load(&mut *conn)?;
        Ok(rows
            .into_iter()
            .map(|(pattern, reason, created_at)| Block {
                pattern,
                reason,
                created_at,
            })
            .collect())
    }

    /// True if any of the given names (a server's domain or `host:port`,
    /// `user@host`, an actor URL) is blocked. A server's name is also
    /// checked against the blocks of its parent domains and of its host
    /// on any port.
    pub fn is_blocked(&self, names: &[String]) -> DbResult<bool> {
        let mut wanted = Vec::with_capacity(names.len() * 3);
        for name in names {
            if is_host(name) {
                wanted.extend(covering_domains(name));
            } else {
                // Accounts are stored lowercased; an actor URL as given.
                wanted.push(name.to_ascii_lowercase());
                wanted.push(name.clone());
            }
        }
        let mut conn = self.conn()?;
        let n: i64 = blocks::table
            .filter(blocks::pattern.eq_any(wanted))
            .count()
            .get_result(&mut *conn)?;
        Ok(n > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_domain_covers_its_subdomains_and_ports() {
        assert_eq!(
            covering_domains("A.Social.Example:8443"),
            [
                "a.social.example:8443",
                "a.social.example",
                "social.example",
                "example"
            ]
        );
        assert_eq!(
            covering_domains("127.0.0.1:59165"),
            ["127.0.0.1:59165", "127.0.0.1"]
        );
        assert_eq!(covering_domains("[::1]:8080"), ["[::1]:8080", "[::1]"]);
        assert_eq!(covering_domains("::1"), ["::1"]);
        assert!(domain_covers("example.com", "a.example.com"));
        assert!(domain_covers("example.com", "example.com:8443"));
        assert!(domain_covers("127.0.0.1", "127.0.0.1:59165"));
        assert!(domain_covers("example.com:8443", "example.com:8443"));
        assert!(!domain_covers("example.com:8443", "example.com:443"));
        assert!(!domain_covers("example.com", "badexample.com"));
        assert!(!domain_covers("0.0.1", "127.0.0.1"));
        assert!(!domain_covers("bob@example.com", "example.com"));
    }
}
