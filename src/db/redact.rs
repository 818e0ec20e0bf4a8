//! Database URLs with their password hidden, for anything printed or
//! logged. Passwords are often pasted unencoded (`/`, `+`, `=`, `@` in
//! them), which makes the URL unparseable; the redaction must not rely on
//! parsing.

/// Shown instead of a password.
pub const REDACTED: &str = "REDACTED";

/// `raw` with the password replaced, in any form: the userinfo of a
/// `scheme://user:password@host` URL (split at the last `@`, since an
/// unencoded password may contain `/`, `?`, `#` or `@`), a
/// `password=` parameter (URL query or libpq key/value form), or both.
pub fn redact_database_url(raw: &str) -> String {
    let mut out = raw.to_string();
    if let Some((start, end)) = password_span(raw) {
        out = format!("{}{REDACTED}{}", &raw[..start], &raw[end..]);
    }
    redact_password_parameters(&out)
}

/// The password of a `scheme://user:password@…` URL, as written (not
/// decoded). None without a scheme, userinfo or password.
pub fn raw_password(raw: &str) -> Option<&str> {
    password_span(raw).map(|(s, e)| &raw[s..e])
}

/// Byte range of the password in `scheme://user:password@rest`.
fn password_span(raw: &str) -> Option<(usize, usize)> {
    let after_scheme = raw.find("://")? + 3;
    let rest = &raw[after_scheme..];
    // The host and database name never contain '@'; the password may.
    let at = rest.rfind('@')?;
    let colon = rest[..at].find(':')?;
    let (start, end) = (after_scheme + colon + 1, after_scheme + at);
    (start < end).then_some((start, end))
}

/// `password=VALUE` (case-insensitive key) with VALUE redacted, up to the
/// next `&` or whitespace; a quoted key/value value up to its closing quote.
fn redact_password_parameters(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while let Some(found) = lower[pos..].find("password") {
        let key_start = pos + found;
        let mut i = key_start + "password".len();
        let bytes = text.as_bytes();
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
        let boundary = key_start == 0 || !bytes[key_start - 1].is_ascii_alphanumeric();
        if !boundary || i >= bytes.len() || bytes[i] != b'=' {
            out.push_str(&text[pos..key_start + "password".len()]);
            pos = key_start + "password".len();
            continue;
        }
        i += 1;
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
        out.push_str(&text[pos..i]);
        let end = if bytes.get(i) == Some(&b'\'') {
            text[i + 1..]
                .find('\'')
                .map_or(text.len(), |e| i + 1 + e + 1)
        } else {
            text[i..]
                .find(|c: char| c == '&' || c.is_whitespace())
                .map_or(text.len(), |e| i + e)
        };
        out.push_str(REDACTED);
        pos = end;
    }
    out.push_str(&text[pos..]);
    out
}

/// A driver's message about `raw` with every recognisable piece of the
/// password taken out: libpq quotes the part of an unencoded password it
/// mistook for a port or a host.
pub fn scrub_password(message: &str, raw: &str) -> String {
    let Some(password) = raw_password(raw) else {
        return message.to_string();
    };
    let mut out = message.replace(password, REDACTED);
    for piece in password.split(['/', '?', '#', '@', ':']) {
        if piece.len() >= 3 {
            out = out.replace(piece, REDACTED);
        }
    }
    out
}

/// Whether the password of `raw` has characters a URL reserves, which
/// must be percent-encoded (`/` as `%2F`, `@` as `%40`…).
pub fn password_needs_encoding(raw: &str) -> bool {
    raw_password(raw).is_some_and(|p| p.contains(['/', '?', '#', '@', ':', '[', ']', ' ']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_parsed_or_not() {
        for (raw, shown) in [
            (
                "postgres://demesh:s3cret@db.example/demesh",
                "postgres://demesh:REDACTED@db.example/demesh",
            ),
            (
                "postgres://demesh:Xy7/abc+Q==@db/demesh",
                "postgres://demesh:REDACTED@db/demesh",
            ),
            (
                "postgresql://u:p@ss#w?rd@db:5433/x?sslmode=require",
                "postgresql://u:REDACTED@db:5433/x?sslmode=require",
            ),
            (
                "postgres://u@db/x?password=hunter2&sslmode=require",
                "postgres://u@db/x?password=REDACTED&sslmode=require",
            ),
            (
                "host=db user=u password='a b' dbname=x",
                "host=db user=u password=REDACTED dbname=x",
            ),
            ("postgres://demesh@db/demesh", "postgres://demesh@db/demesh"),
            ("sqlite://demesh.db", "sqlite://demesh.db"),
            (
                "sqlite:///var/lib/my@file.db",
                "sqlite:///var/lib/my@file.db",
            ),
        ] {
            assert_eq!(redact_database_url(raw), shown, "{raw}");
        }
    }

    #[test]
    fn driver_messages_lose_the_pieces_of_the_password() {
        let raw = "postgres://demesh:Xy7/abc+Q==@db/demesh";
        let msg = "invalid integer value \"Xy7\" for connection option \"port\"";
        assert!(!scrub_password(msg, raw).contains("Xy7"));
        assert!(password_needs_encoding(raw));
        assert!(!password_needs_encoding("postgres://u:plain@db/x"));
        assert!(!password_needs_encoding("postgres://u@db/x"));
    }
}
