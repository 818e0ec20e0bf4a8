//! What a group may be called. The name is the `preferredUsername` and the
//! last path segment of the actor id, so it must be a valid fediverse
//! username and URL-safe, and never change its meaning with case.

const MAX_LEN: usize = 30;

/// Names that would confuse people or collide with what a server is
/// expected to answer for (admin mailboxes, well-known roles).
const RESERVED: &[&str] = &[
    "abuse",
    "actor",
    "admin",
    "administrator",
    "all",
    "api",
    "demesh",
    "everyone",
    "followers",
    "following",
    "group",
    "groups",
    "help",
    "inbox",
    "info",
    "instance",
    "me",
    "mod",
    "moderator",
    "nodeinfo",
    "noreply",
    "null",
    "outbox",
    "postmaster",
    "public",
    "relay",
    "root",
    "security",
    "self",
    "staff",
    "support",
    "system",
    "undefined",
    "webfinger",
    "webmaster",
    "www",
];

pub fn validate(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("group name is empty".into());
    }
    if name.chars().any(char::is_whitespace) {
        return Err(format!(
            "group name {name:?} contains spaces; use _ or - instead"
        ));
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(format!(
            "group name {name:?} has uppercase letters; names are lowercase so @{0} and @{name} \
             cannot be two groups (try {0:?})",
            name.to_ascii_lowercase()
        ));
    }
    if name.chars().count() > MAX_LEN {
        return Err(format!(
            "group name {name:?} is longer than {MAX_LEN} characters"
        ));
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-.".contains(c);
    if !name.chars().all(allowed) {
        return Err(format!(
            "group name {name:?} may only use a-z, 0-9, _ and (inside the name) - or ."
        ));
    }
    if name.starts_with(['-', '.']) || name.ends_with(['-', '.']) {
        return Err(format!(
            "group name {name:?} must not start or end with - or ."
        ));
    }
    if RESERVED.contains(&name) {
        return Err(format!("group name {name:?} is reserved; pick another"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::validate;

    #[test]
    fn ordinary_names_pass() {
        for ok in ["club", "book-club", "team_42", "a", "x.y"] {
            assert!(validate(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn bad_names_say_why() {
        let cases = [
            ("", "empty"),
            ("   ", "empty"),
            ("book club", "spaces"),
            ("Club", "uppercase"),
            ("admin", "reserved"),
            ("café", "may only use"),
            ("-club", "must not start"),
            ("a/b", "may only use"),
            ("abcdefghijklmnopqrstuvwxyz12345", "longer than"),
        ];
        for (name, why) in cases {
            let err = validate(name).expect_err(name);
            assert!(err.contains(why), "{name:?}: {err}");
        }
    }
}
