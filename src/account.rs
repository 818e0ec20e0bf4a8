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
        // `*.example.com` as some lists write it: a domain block covers
        // its subdomains anyway.
        let raw = raw.strip_prefix("*.").unwrap_or(raw).trim_end_matches('.');
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

/// Who to write to about this server (`DEMESH_CONTACT`): an email
/// address or a fediverse account, shown to visitors on the pages and in
/// NodeInfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contact {
    Email(String),
    /// `@user@host`.
    Account(String),
}

impl Contact {
    pub fn parse(raw: &str) -> Result<Contact, String> {
        let raw = raw.trim();
        let bad = || {
            format!("DEMESH_CONTACT {raw:?} is not an email address or a fediverse account (@admin@host)")
        };
        if raw.starts_with('@') {
            return match Account::parse(raw) {
                Ok(Account::Acct { user, host }) if host.contains('.') || host.contains(':') => {
                    Ok(Contact::Account(format!("@{user}@{host}")))
                }
                _ => Err(bad()),
            };
        }
        let Some((local, domain)) = raw.split_once('@') else {
            return Err(bad());
        };
        let local_ok = !local.is_empty()
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-".contains(c));
        if local_ok && domain_ok {
            Ok(Contact::Email(raw.to_string()))
        } else {
            Err(bad())
        }
    }

    /// As the operator wrote it: `admin@example.org` or `@admin@host`.
    pub fn as_str(&self) -> &str {
        match self {
            Contact::Email(s) | Contact::Account(s) => s,
        }
    }
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
        assert_eq!(block_pattern("*.spam.example"), Ok("spam.example".into()));
        assert_eq!(block_pattern("127.0.0.1:8443"), Ok("127.0.0.1:8443".into()));
        assert_eq!(
            block_pattern("@troll@x.example"),
            Ok("troll@x.example".into())
        );
        assert!(block_pattern("not a domain").is_err());
    }

    #[test]
    fn contacts_are_an_email_or_an_account() {
        assert_eq!(
            Contact::parse(" admin@example.org "),
            Ok(Contact::Email("admin@example.org".into()))
        );
        assert_eq!(
            Contact::parse("@Admin@Social.Example"),
            Ok(Contact::Account("@admin@social.example".into()))
        );
        for bad in [
            "admin",
            "@admin",
            "a b@example.org",
            "admin@localhost",
            "<x>@y.z",
            "@a@b c",
            "",
        ] {
            let err = Contact::parse(bad).expect_err(bad);
            assert!(err.contains("DEMESH_CONTACT"), "{err}");
        }
    }
}
