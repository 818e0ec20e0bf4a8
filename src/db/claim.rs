//! Claim tokens of the inbox and delivery queues. A worker claims rows
//! with one conditional update that writes its token, then reads back the
//! rows holding it: so two workers claiming at the same moment each learn
//! exactly which rows they won, and a renewal or release proves the claim
//! is still its own. The token is 128 random bits, so no two claims ever
//! share one (a token derived from the clock could, within a millisecond).

use super::{DbError, DbResult};

/// A fresh claim token: 128 random bits, as 32 hex digits.
pub(crate) fn claim_token() -> DbResult<String> {
    let mut bytes = [0u8; 16];
    openssl::rand::rand_bytes(&mut bytes)
        .map_err(|e| DbError::Task(format!("no randomness for a claim token: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_128_random_bits() {
        let tokens: std::collections::HashSet<String> =
            (0..1000).map(|_| claim_token().expect("token")).collect();
        assert_eq!(tokens.len(), 1000, "no two alike");
        for t in &tokens {
            assert_eq!(t.len(), 32, "{t}");
            assert!(t.bytes().all(|b| b.is_ascii_hexdigit()), "{t}");
        }
    }
}
