//! Parsed public keys, by their PEM text. With OpenSSL 3, decoding a PEM
//! public key costs about 20 times as much as checking an RSA signature
//! with it (≈220 µs against ≈12 µs here), so the inbox keeps keys parsed.
//! Keyed by the PEM itself: a rotated key is simply another entry.

use openssl::pkey::{PKey, Public};
use std::collections::HashMap;
use std::sync::Mutex;

/// Most keys kept; past this the cache starts over (a crude bound, but
/// a group server talks to far fewer accounts than this at a time). A
/// parsed RSA-2048 key with its PEM takes about 450 bytes (heaptrack:
/// 451 KB for 1,001), so the cache stays under about 2.3 MB.
pub const MAX_KEYS: usize = 5_000;

#[derive(Default)]
pub struct KeyCache {
    keys: Mutex<HashMap<String, PKey<Public>>>,
}

impl KeyCache {
    /// The parsed key, or `None` when the PEM is not a public key.
    pub fn get(&self, pem: &str) -> Option<PKey<Public>> {
        if let Some(key) = self.lock().get(pem) {
            return Some(key.clone());
        }
        // Parsed outside the lock: other requests need not wait for it.
        let key = PKey::public_key_from_pem(pem.as_bytes()).ok()?;
        let mut keys = self.lock();
        if keys.len() >= MAX_KEYS {
            keys.clear();
        }
        keys.insert(pem.to_string(), key.clone());
        Some(key)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, PKey<Public>>> {
        self.keys.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_parsed_once_and_garbage_is_refused() {
        let (_, public) = crate::keys::generate_rsa_pem().expect("key");
        let cache = KeyCache::default();
        let a = cache.get(&public).expect("parses");
        let b = cache.get(&public).expect("cached");
        assert!(a.public_eq(&b));
        assert_eq!(cache.lock().len(), 1);
        assert!(cache.get("-----BEGIN PUBLIC KEY-----\nnope\n").is_none());
        assert_eq!(cache.lock().len(), 1, "nothing cached for a bad key");
    }
}
