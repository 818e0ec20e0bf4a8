//! Invite codes (issue #13): what a code looks like and how long one
//! lasts. Joining with one is `rules::join_with_code`: the use of a code
//! and the approval it makes (with its Accept and welcome) are one
//! transaction, so a code is never spent on an approval that did not
//! happen, nor the other way round.

use crate::db::InviteUse;
use anyhow::{anyhow, bail};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// Random bytes in a code: 128 bits, far beyond guessing.
const CODE_BYTES: usize = 16;
/// Length of a code's text (unpadded URL-safe base64 of `CODE_BYTES`).
pub const CODE_LEN: usize = 22;

/// A fresh code: URL-safe, unguessable (openssl's CSPRNG), and never
/// starting with `-`, which a command line would read as a flag (one draw
/// in 64 does; drawing again keeps the others equally likely).
pub fn new_code() -> anyhow::Result<String> {
    loop {
        let mut bytes = [0u8; CODE_BYTES];
        openssl::rand::rand_bytes(&mut bytes)?;
        let code = URL_SAFE_NO_PAD.encode(bytes);
        if !code.starts_with('-') {
            return Ok(code);
        }
    }
}

/// True if `word` has the shape of a code demesh makes. Codes are only
/// looked up in the database when they have this shape.
pub fn is_code_shaped(word: &str) -> bool {
    word.len() == CODE_LEN
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The code-shaped words of a text (punctuation around them dropped).
pub fn code_words(text: &str) -> Vec<&str> {
    text.split(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                ',' | '.' | ';' | ':' | '!' | '?' | '"' | '\'' | '(' | ')' | '<' | '>' | '/'
            )
    })
    .filter(|w| is_code_shaped(w))
    .collect()
}

/// A duration like `30m`, `12h`, `7d` or `2w`, in milliseconds.
pub fn parse_duration(text: &str) -> anyhow::Result<i64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| anyhow!("duration {text:?} needs a unit: m, h, d or w (e.g. 7d)"))?;
    let (number, unit) = text.split_at(split);
    let n: i64 = number
        .parse()
        .map_err(|_| anyhow!("duration {text:?} must start with a number (e.g. 7d)"))?;
    let unit_ms: i64 = match unit {
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        _ => bail!("unknown unit {unit:?} in {text:?}: use m, h, d or w (e.g. 7d)"),
    };
    if n == 0 {
        bail!("duration {text:?} must be more than zero");
    }
    n.checked_mul(unit_ms)
        .filter(|ms| *ms <= 100 * 365 * 86_400_000)
        .ok_or_else(|| anyhow!("duration {text:?} is too long"))
}

/// What a requester is told when a code did not work.
pub fn refusal(used: InviteUse) -> &'static str {
    match used {
        InviteUse::Used => "",
        InviteUse::Unknown => "This invite code is not one of this group's codes.",
        InviteUse::UsedUp => "This invite code has been used as many times as it allowed.",
        InviteUse::Expired => "This invite code has expired.",
        InviteUse::Revoked => "This invite code was withdrawn.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_url_safe_and_distinct() {
        let a = new_code().expect("code");
        let b = new_code().expect("code");
        assert_ne!(a, b);
        assert!(is_code_shaped(&a), "{a}");
        assert_eq!(
            url::form_urlencoded::byte_serialize(a.as_bytes()).collect::<String>(),
            a
        );
    }

    #[test]
    fn codes_never_start_with_a_dash() {
        // One raw draw in 64 starts with '-': 5,000 codes would show ~78.
        let dashed = (0..5_000)
            .map(|_| new_code().expect("code"))
            .filter(|c| c.starts_with('-'))
            .count();
        assert_eq!(dashed, 0);
    }

    #[test]
    fn code_words_are_found_in_text() {
        let code = "AbCdEfGhIjKlMnOpQrSt-_";
        assert_eq!(code_words(&format!("my code: {code}.")), vec![code]);
        assert!(code_words("hello there, nothing here").is_empty());
        assert!(!is_code_shaped("AbCdEfGhIjKlMnOpQrSt-"));
        assert!(!is_code_shaped("AbCdEfGhIjKlMnOpQrSt-é"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30m").expect("30m"), 1_800_000);
        assert_eq!(parse_duration("7d").expect("7d"), 604_800_000);
        assert_eq!(parse_duration("2w").expect("2w"), 1_209_600_000);
        for bad in ["", "7", "d", "0d", "7y", "-1d", "99999999999999w"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
