//! HTTP signatures, both directions: draft-cavage out and in, RFC 9421 in.
//!
//! Outgoing requests are signed the way Mastodon, GoToSocial and Lemmy
//! verify today: draft-cavage over `(request-target) host date` plus
//! `digest` on POST, RSA-SHA256. This is the one place that choice lives.
//!
//! Incoming signatures are checked in two steps: [`check_request`] parses
//! the header and validates everything that needs no key (dates, digest,
//! which headers are signed); [`PendingSignature::verify`] then checks the
//! RSA signature once the caller has the key for `key_id`.

mod key_cache;
pub mod rfc9421;

pub use key_cache::KeyCache;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use http_signature_normalization::Config as SigConfig;
use openssl::hash::MessageDigest;
use openssl::pkey::{Id, PKey, Private, Public};
use openssl::rsa::Padding;
use openssl::sign::{RsaPssSaltlen, Signer, Verifier};
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
///
/// The signing string is written out here rather than by a generic
/// signing library: its shape is fixed (see the module comment), and each
/// delivery signs one; the general builder's map and copies of every
/// header showed as 3 % of a delivery's CPU (bench/README.md). The tests
/// check it against that library's output.
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
    let digest = body.map(digest_header);
    let text = signing_string(method, url, &host, &date, digest.as_deref());
    let mut signer = Signer::new(MessageDigest::sha256(), key)?;
    let signature = B64.encode(signer.sign_oneshot_to_vec(text.as_bytes())?);
    let covered = if digest.is_some() {
        "(request-target) date digest host"
    } else {
        "(request-target) date host"
    };
    let mut out = Vec::with_capacity(4);
    out.push(("date".to_string(), date));
    if let Some(digest) = digest {
        out.push(("digest".to_string(), digest));
    }
    out.push(("host".to_string(), host));
    out.push((
        "signature".to_string(),
        format!(
            "keyId=\"{key_id}\",algorithm=\"hs2019\",headers=\"{covered}\",signature=\"{signature}\""
        ),
    ));
    Ok(out)
}

/// The draft-cavage signing string over `(request-target) date [digest]
/// host`, in that order (the order the `headers` parameter names).
fn signing_string(
    method: &str,
    url: &url::Url,
    host: &str,
    date: &str,
    digest: Option<&str>,
) -> String {
    let mut text = String::with_capacity(160);
    text.push_str("(request-target): ");
    text.push_str(&method.to_ascii_lowercase());
    text.push(' ');
    text.push_str(url.path());
    if let Some(q) = url.query() {
        text.push('?');
        text.push_str(q);
    }
    text.push_str("\ndate: ");
    text.push_str(date);
    if let Some(digest) = digest {
        text.push_str("\ndigest: ");
        text.push_str(digest);
    }
    text.push_str("\nhost: ");
    text.push_str(host);
    text
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

/// Which signature standard a request used.
#[derive(Debug, Clone, PartialEq)]
pub enum Scheme {
    Cavage,
    /// RFC 9421, with its `alg` parameter if the signer gave one.
    Rfc9421(Option<String>),
}

/// A parsed, date-checked signature awaiting its key.
#[derive(Debug)]
pub struct PendingSignature {
    pub key_id: String,
    pub scheme: Scheme,
    signature: Vec<u8>,
    signing_string: String,
}

/// The parts of a request a signature may cover.
pub struct RequestParts<'a> {
    pub method: &'a str,
    /// `http` or `https`: the scheme the signer used (our public URL's).
    pub scheme: &'a str,
    pub path_and_query: &'a str,
    pub headers: &'a BTreeMap<String, String>,
    /// The body of a POST (its digest must match and be signed).
    pub body: Option<&'a [u8]>,
}

/// Validates what can be validated without the key: which headers are
/// signed, dates, and the body digest. RFC 9421 when `Signature-Input` is
/// present, else draft-cavage.
pub fn check(req: &RequestParts<'_>) -> Result<PendingSignature, SignatureError> {
    let headers: BTreeMap<String, String> = req
        .headers
        .iter()
        .map(|(k, v)| (k.to_lowercase(), v.clone()))
        .collect();
    if let (Some(input), Some(sig)) = (headers.get("signature-input"), headers.get("signature")) {
        return check_rfc9421(req, &headers, input, sig);
    }
    check_request(req.method, req.path_and_query, &headers, req.body)
}

fn check_rfc9421(
    req: &RequestParts<'_>,
    headers: &BTreeMap<String, String>,
    input: &str,
    signature: &str,
) -> Result<PendingSignature, SignatureError> {
    let (input, bytes) = rfc9421::select(input, signature)?;
    let covers = |c: &str| input.components.iter().any(|x| x == c);
    if !covers("@method") {
        return Err(SignatureError::Uncovered("@method"));
    }
    if !covers("@target-uri") && !covers("@request-target") && !covers("@path") {
        return Err(SignatureError::Uncovered("@target-uri"));
    }
    rfc9421::check_times(&input.params)?;
    if let Some(body) = req.body {
        if covers("content-digest") {
            let given = headers
                .get("content-digest")
                .map(String::as_str)
                .unwrap_or_default();
            rfc9421::check_content_digest(given, body)?;
        } else if covers("digest") {
            let given = headers
                .get("digest")
                .map(String::as_str)
                .unwrap_or_default();
            if given.trim_start_matches("SHA-256=")
                != digest_header(body).trim_start_matches("SHA-256=")
            {
                return Err(SignatureError::DigestMismatch);
            }
        } else {
            return Err(SignatureError::Uncovered("content-digest"));
        }
    }
    let key_id = input
        .params
        .get("keyid")
        .cloned()
        .ok_or(SignatureError::Uncovered("keyid"))?;
    let parts = rfc9421::Request {
        method: req.method,
        scheme: req.scheme,
        path_and_query: req.path_and_query,
        headers,
    };
    Ok(PendingSignature {
        key_id,
        scheme: Scheme::Rfc9421(input.params.get("alg").cloned()),
        signing_string: rfc9421::signature_base(&parts, &input)?,
        signature: bytes,
    })
}

/// Draft-cavage only: validates what can be validated without the key.
/// `headers` are the request headers (any case); `body` is checked against
/// `Digest`, and a POST must have one.
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
    let signature = B64
        .decode(unverified.signature().trim())
        .map_err(|_| SignatureError::Malformed("signature is not base64".into()))?;
    Ok(PendingSignature {
        key_id: unverified.key_id().to_string(),
        scheme: Scheme::Cavage,
        signature,
        signing_string,
    })
}

impl PendingSignature {
    /// Checks the signature against a PEM public key: RSASSA-PKCS1-v1_5
    /// with SHA-256 (cavage, `rsa-v1_5-sha256`), RSASSA-PSS with SHA-512
    /// (`rsa-pss-sha512`), or Ed25519, as the algorithm and key say.
    pub fn verify(&self, public_key_pem: &str) -> Result<(), SignatureError> {
        let key = PKey::public_key_from_pem(public_key_pem.as_bytes())
            .map_err(|_| SignatureError::Invalid(self.key_id.clone()))?;
        self.verify_key(&key)
    }

    /// As `verify`, with a key already parsed (see `KeyCache`).
    pub fn verify_key(&self, key: &PKey<Public>) -> Result<(), SignatureError> {
        let invalid = || SignatureError::Invalid(self.key_id.clone());
        let data = self.signing_string.as_bytes();
        let alg = match &self.scheme {
            Scheme::Cavage => None,
            Scheme::Rfc9421(alg) => alg.as_deref(),
        };
        let ok = match (key.id(), alg) {
            (Id::ED25519, None | Some("ed25519")) => Verifier::new_without_digest(key)
                .and_then(|mut v| v.verify_oneshot(&self.signature, data)),
            (Id::RSA, None | Some("rsa-v1_5-sha256")) => {
                Verifier::new(MessageDigest::sha256(), key).and_then(|mut v| {
                    v.update(data)?;
                    v.verify(&self.signature)
                })
            }
            (Id::RSA, Some("rsa-pss-sha512")) => Verifier::new(MessageDigest::sha512(), key)
                .and_then(|mut v| {
                    v.set_rsa_padding(Padding::PKCS1_PSS)?;
                    v.set_rsa_pss_saltlen(RsaPssSaltlen::custom(64))?;
                    v.update(data)?;
                    v.verify(&self.signature)
                }),
            _ => return Err(invalid()),
        };
        match ok {
            Ok(true) => Ok(()),
            _ => Err(invalid()),
        }
    }
}

#[cfg(test)]
mod tests;
