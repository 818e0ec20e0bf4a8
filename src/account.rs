//! How admins name accounts and servers on the command line:
//! `@user@host`, `user@host` (the host may carry a port), an actor URL,
//! `*@domain` for a whole server, or a bare domain (blocks only).

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Account {
    /// `user@host`, lowercased.
    Acct {
        user: String,
        host: String,
    },
    Url(String),
    /// `*@domain`: everyone on that server.
    Domain(String),
}

impl Account {
    pub fn parse(raw: &str) -> Result<Account, String> {
        let raw = raw.trim();
        if raw.starts_with("https://") || raw.starts_with("http://") {
            return url::Url::parse(raw)
                .map(|_| Account::Url(raw.to_string()))
                .map_err(|_| format!("{raw:?} is not a valid URL"));
        }
        let acct = raw.strip_prefix('@').unwrap_or(raw);
        let Some((user, host)) = acct.split_once('@') else {
            return Err(format!(
                "{raw:?} is not an account: use @user@host, user@host, an actor URL or *@domain"
            ));
        };
        let valid_host = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
        if user.is_empty() || !valid_host || user.contains(['/', ' ']) {
            return Err(format!("{raw:?} is not a valid account"));
        }
        let host = host.to_ascii_lowercase();
        if user == "*" {
            return Ok(Account::Domain(host));
        }
        Ok(Account::Acct {
            user: user.to_ascii_lowercase(),
            host,
        })
    }

    /// The stored form, as matched against an actor's names.
    pub fn pattern(&self) -> String {
        match self {
            Account::Acct { user, host } => format!("{user}@{host}"),
            Account::Url(u) => u.clone(),
            Account::Domain(d) => format!("*@{d}"),
        }
    }
}

/// A block target: an account as above, or a bare domain.
pub fn block_pattern(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if !raw.contains('@') && !raw.contains("://") {
        let ok = !raw.is_empty()
            && raw
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:".contains(c));
        return if ok {
            Ok(raw.to_ascii_lowercase())
        } else {
            Err(format!("{raw:?} is not a domain or an account"))
        };
    }
    Ok(match Account::parse(raw)? {
        Account::Domain(d) => d,
        other => other.pattern(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_form_parses() {
        let alice = Account::Acct {
            user: "alice".into(),
            host: "social.example".into(),
        };
        assert_eq!(Account::parse("@alice@social.example"), Ok(alice.clone()));
        assert_eq!(Account::parse("Alice@Social.Example"), Ok(alice));
        assert_eq!(
            Account::parse("bob@127.0.0.1:8443").map(|a| a.pattern()),
            Ok("bob@127.0.0.1:8443".into())
        );
        assert_eq!(
            Account::parse("*@trusted.example"),
            Ok(Account::Domain("trusted.example".into()))
        );
        assert_eq!(
            Account::parse("https://x.example/users/a").map(|a| a.pattern()),
            Ok("https://x.example/users/a".into())
        );
        for bad in ["alice", "@", "a@", "@b", "a b@c", "x@bad host"] {
            assert!(Account::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn blocks_take_domains_too() {
        assert_eq!(block_pattern("Spam.Example"), Ok("spam.example".into()));
        assert_eq!(block_pattern("*@spam.example"), Ok("spam.example".into()));
        assert_eq!(
            block_pattern("@troll@x.example"),
            Ok("troll@x.example".into())
        );
        assert!(block_pattern("not a domain").is_err());
    }
}
