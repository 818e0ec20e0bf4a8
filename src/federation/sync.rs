//! Followers synchronisation (FEP-8fcf), so that member servers drop
//! followers of a group who are no longer members. Each post delivered to
//! a server's shared inbox carries a `Collection-Synchronization` header
//! with a digest of the group's members on that server. Mastodon compares
//! it with the group's followers it has; on a mismatch it fetches `url`
//! (our partial followers collection, its own accounts only) and
//! unfollows whoever is missing from it. This repairs a removal whose
//! `Reject{Follow}` was lost, which would otherwise keep an ex-member
//! reading through the server's shared inbox.

use sha2::{Digest, Sha256};

/// XOR of the SHA-256 of each id, in hex: independent of order, as the
/// FEP and Mastodon's `followers_hash` compute it.
pub fn digest<'a>(ids: impl IntoIterator<Item = &'a str>) -> String {
    let mut acc = [0u8; 32];
    for id in ids {
        for (a, b) in acc.iter_mut().zip(Sha256::digest(id.as_bytes())) {
            *a ^= b;
        }
    }
    hex(&acc)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The header value for a delivery of `group`'s (actor URL) post.
pub fn header(group: &str, digest: &str) -> String {
    format!(
        "collectionId=\"{group}/followers\", url=\"{group}/followers_synchronization\", digest=\"{digest}\""
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_is_the_xor_of_sha256_in_any_order() {
        let (a, b) = ("https://a.example/users/x", "https://a.example/users/y");
        assert_eq!(digest([a]), hex(&Sha256::digest(a.as_bytes())));
        assert_eq!(digest([a, b]), digest([b, a]));
        assert_eq!(digest([a, a]), "0".repeat(64), "x XOR x is zero");
        assert_eq!(digest([]), "0".repeat(64));
        assert_ne!(digest([a, b]), digest([a]));
    }

    #[test]
    fn header_names_the_followers_collection_and_its_partial_form() {
        assert_eq!(
            header("https://relay.example/groups/club", "ab"),
            "collectionId=\"https://relay.example/groups/club/followers\", \
             url=\"https://relay.example/groups/club/followers_synchronization\", digest=\"ab\""
        );
    }
}
