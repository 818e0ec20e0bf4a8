//! RSA key pairs for actors (groups and the instance actor).

use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;

/// Generates an RSA-2048 key pair as (private PKCS#8 PEM, public SPKI PEM),
/// the formats Mastodon and every other peer read in `publicKeyPem`.
pub fn generate_rsa_pem() -> anyhow::Result<(String, String)> {
    let rsa = Rsa::generate(2048)?;
    let key = PKey::from_rsa(rsa)?;
    let private = String::from_utf8(key.private_key_to_pem_pkcs8()?)?;
    let public = String::from_utf8(key.public_key_to_pem()?)?;
    Ok((private, public))
}

pub fn private_key(pem: &str) -> anyhow::Result<PKey<Private>> {
    Ok(PKey::private_key_from_pem(pem.as_bytes())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_rsa_2048_and_match() {
        let (private, public) = generate_rsa_pem().expect("generate");
        assert!(private.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert!(public.starts_with("-----BEGIN PUBLIC KEY-----"));
        let key = private_key(&private).expect("parse");
        assert_eq!(key.bits(), 2048);
        let public_der = PKey::public_key_from_pem(public.as_bytes()).expect("public");
        assert!(key.public_eq(&public_der));
    }
}
