//! HTTP signatures (draft-cavage), both directions.
//!
//! Outgoing requests are signed the way Mastodon, GoToSocial and Lemmy
//! verify today: draft-cavage over `(request-target) host date` plus
//! `digest` on POST, RSA-SHA256. This is the one place that choice lives.
//!
//! Incoming signatures are checked in two steps: [`check_request`] parses
//! the header and validates everything that needs no key (dates, digest,
//! which headers are signed); [`PendingSignature::verify`] then checks the
//! RSA signature once the caller has the key for `key_id`.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use http_signature_normalization::Config as SigConfig;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::sign::{Signer, Verifier};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

/// How far a `Date` may lie in the past or the future (Mastodon allows
/// about the same skew).
pub const MAX_SKEW: Duration = Duration::from_secs(3600);

/// `SHA-256=<base64>` of a body, the `Digest` header value.
pub fn digest_header(body: &[u8]) -> String {
    format!("SHA-256={}", B64.encode(Sha256::digest(body)))
}

/// Headers to add to an outgoing request (Host, Date, Digest, Signature).
pub fn sign_request(
    method: &str,
    url: &url::Url,
    body: Option<&[u8]>,
    key_id: &str,
    key: &PKey<Private>,
) -> anyhow::Result<Vec<(String, String)>> {
    let host = match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    };
    let date = httpdate::fmt_http_date(SystemTime::now());
    let mut headers = BTreeMap::new();
    headers.insert("host".to_string(), host);
    headers.insert("date".to_string(), date);
    if let Some(body) = body {
        headers.insert("digest".to_string(), digest_header(body));
    }
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let config = SigConfig::new().mastodon_compat();
    let signed = config
        .begin_sign(&method.to_lowercase(), &path, headers.clone())?
        .sign(key_id.to_string(), |signing_string| {
            let mut signer = Signer::new(MessageDigest::sha256(), key)?;
            signer.update(signing_string.as_bytes())?;
            Ok::<_, anyhow::Error>(B64.encode(signer.sign_to_vec()?))
        })?;
    let mut out: Vec<(String, String)> = headers.into_iter().collect();
    out.push(("signature".to_string(), signed.signature_header()));
    Ok(out)
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SignatureError {
    #[error("no Signature header")]
    Missing,
    #[error("malformed signature: {0}")]
    Malformed(String),
    #[error("signature does not cover {0}")]
    Uncovered(&'static str),
    #[error("Date is more than an hour away from now")]
    Skewed,
    #[error("Digest does not match the body")]
    DigestMismatch,
    #[error("signature does not verify with the key of {0}")]
    Invalid(String),
}

/// A parsed, date-checked signature awaiting its key.
#[derive(Debug)]
pub struct PendingSignature {
    pub key_id: String,
    signature: String,
    signing_string: String,
}

/// Validates what can be validated without the key. `headers` are the
/// request headers (any case); `body` is checked against `Digest` when
/// there is one, and a POST must have one.
pub fn check_request(
    method: &str,
    path_and_query: &str,
    headers: &BTreeMap<String, String>,
    body: Option<&[u8]>,
) -> Result<PendingSignature, SignatureError> {
    let headers: BTreeMap<String, String> = headers
        .iter()
        .map(|(k, v)| (k.to_lowercase(), v.clone()))
        .collect();
    if !headers.contains_key("signature") && !headers.contains_key("authorization") {
        return Err(SignatureError::Missing);
    }
    if let Some(date) = headers.get("date") {
        let date = httpdate::parse_http_date(date)
            .map_err(|_| SignatureError::Malformed("unparsable Date".into()))?;
        if date > SystemTime::now() + MAX_SKEW {
            return Err(SignatureError::Skewed);
        }
    }
    let config = SigConfig::new().set_expiration(MAX_SKEW);
    let unverified = config
        .begin_verify(&method.to_lowercase(), path_and_query, headers.clone())
        .map_err(|e| match e.to_string() {
            s if s.contains("expired") || s.contains("Expired") => SignatureError::Skewed,
            s => SignatureError::Malformed(s),
        })?;
    let signing_string = unverified.signing_string().to_string();
    let covers = |name: &str| {
        signing_string
            .lines()
            .any(|l| l.starts_with(&format!("{name}: ")))
    };
    if !covers("(request-target)") {
        return Err(SignatureError::Uncovered("(request-target)"));
    }
    if !covers("date") && !covers("(created)") {
        return Err(SignatureError::Uncovered("date"));
    }
    if let Some(body) = body {
        if !covers("digest") {
            return Err(SignatureError::Uncovered("digest"));
        }
        let sent = headers
            .get("digest")
            .map(String::as_str)
            .unwrap_or_default();
        let ours = digest_header(body);
        let ours = ours.trim_start_matches("SHA-256=");
        let matches = sent.split(',').map(str::trim).any(|d| {
            d.split_once('=')
                .is_some_and(|(alg, value)| alg.eq_ignore_ascii_case("sha-256") && value == ours)
        });
        if !matches {
            return Err(SignatureError::DigestMismatch);
        }
    }
    Ok(PendingSignature {
        key_id: unverified.key_id().to_string(),
        signature: unverified.signature().to_string(),
        signing_string,
    })
}

impl PendingSignature {
    /// Checks the RSA-SHA256 signature against a PEM public key.
    pub fn verify(&self, public_key_pem: &str) -> Result<(), SignatureError> {
        let invalid = || SignatureError::Invalid(self.key_id.clone());
        let key = PKey::public_key_from_pem(public_key_pem.as_bytes()).map_err(|_| invalid())?;
        let sig = B64.decode(self.signature.trim()).map_err(|_| invalid())?;
        let mut verifier = Verifier::new(MessageDigest::sha256(), &key).map_err(|_| invalid())?;
        verifier
            .update(self.signing_string.as_bytes())
            .map_err(|_| invalid())?;
        match verifier.verify(&sig) {
            Ok(true) => Ok(()),
            _ => Err(invalid()),
        }
    }
}

#[cfg(test)]
#[path = "signatures_tests.rs"]
mod tests;
