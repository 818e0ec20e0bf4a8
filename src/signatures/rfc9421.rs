//! RFC 9421 HTTP Message Signatures (incoming only): `Signature-Input`,
//! `Signature` and RFC 9530 `Content-Digest`. Fedify signs this way first;
//! Mastodon 4.5 verifies it. We sign outgoing requests with draft-cavage
//! (see the module above), which every peer still verifies.

use super::{SignatureError, MAX_SKEW};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use sha2::{Digest, Sha256, Sha512};
use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

fn malformed(why: &str) -> SignatureError {
    SignatureError::Malformed(why.to_string())
}

/// Splits a structured-field dictionary at top-level commas (outside
/// quoted strings and inner lists) into (key, raw value) pairs.
fn dictionary(s: &str) -> Result<Vec<(String, String)>, SignatureError> {
    let (mut out, mut cur) = (Vec::new(), String::new());
    let (mut quoted, mut escaped, mut depth) = (false, false, 0u32);
    for c in s.chars().chain(std::iter::once(',')) {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth = depth.saturating_sub(1),
            ',' if !quoted && depth == 0 => {
                let member = std::mem::take(&mut cur);
                let member = member.trim();
                if !member.is_empty() {
                    let (k, v) = member
                        .split_once('=')
                        .ok_or_else(|| malformed("dictionary member without ="))?;
                    out.push((k.trim().to_string(), v.trim().to_string()));
                }
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if quoted {
        return Err(malformed("unterminated string"));
    }
    Ok(out)
}

/// Splits on `sep` outside quoted strings.
fn split_outside_quotes(s: &str, sep: char) -> Vec<String> {
    let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    for c in s.chars() {
        if c == '"' {
            quoted = !quoted;
        }
        if c == sep && !quoted {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    out.push(cur);
    out
}

fn unquote(v: &str) -> String {
    v.trim()
        .trim_matches('"')
        .replace("\\\"", "\"")
        .replace("\\\\", "\\")
}

/// One signature's covered components and parameters.
#[derive(Debug)]
pub struct SignatureInput {
    pub components: Vec<String>,
    pub params: BTreeMap<String, String>,
    /// The serialized value exactly as received: the `@signature-params` line.
    pub raw: String,
}

pub fn parse_input(raw: &str) -> Result<SignatureInput, SignatureError> {
    let rest = raw
        .strip_prefix('(')
        .ok_or_else(|| malformed("signature input is not an inner list"))?;
    let close = rest
        .find(')')
        .ok_or_else(|| malformed("unclosed inner list"))?;
    let (list, params) = (&rest[..close], &rest[close + 1..]);
    let mut components = Vec::new();
    for item in split_outside_quotes(list, ' ')
        .into_iter()
        .filter(|i| !i.is_empty())
    {
        if !item.starts_with('"') || !item.ends_with('"') || item.len() < 2 {
            return Err(malformed("component parameters are not supported"));
        }
        components.push(unquote(&item).to_ascii_lowercase());
    }
    let mut map = BTreeMap::new();
    for p in split_outside_quotes(params, ';').into_iter().skip(1) {
        let (k, v) = p.split_once('=').unwrap_or((p.as_str(), "?1"));
        map.insert(k.trim().to_string(), unquote(v));
    }
    Ok(SignatureInput {
        components,
        params: map,
        raw: raw.to_string(),
    })
}

/// The request as the signer saw it.
pub struct Request<'a> {
    pub method: &'a str,
    pub scheme: &'a str,
    pub path_and_query: &'a str,
    pub headers: &'a BTreeMap<String, String>,
}

fn component(req: &Request<'_>, name: &str) -> Result<String, SignatureError> {
    let (path, query) = req
        .path_and_query
        .split_once('?')
        .map_or((req.path_and_query, None), |(p, q)| (p, Some(q)));
    let host = || {
        req.headers
            .get("host")
            .map(|h| h.to_ascii_lowercase())
            .ok_or_else(|| malformed("no Host header"))
    };
    Ok(match name {
        "@method" => req.method.to_ascii_uppercase(),
        "@target-uri" => format!("{}://{}{}", req.scheme, host()?, req.path_and_query),
        "@authority" => host()?,
        "@scheme" => req.scheme.to_string(),
        "@request-target" => req.path_and_query.to_string(),
        "@path" => path.to_string(),
        "@query" => format!("?{}", query.unwrap_or_default()),
        other if other.starts_with('@') => {
            return Err(malformed(&format!("unsupported component {other}")))
        }
        header => req
            .headers
            .get(header)
            .map(|v| v.trim().to_string())
            .ok_or_else(|| malformed(&format!("signed header {header} is missing")))?,
    })
}

/// The signature base (RFC 9421 §2.5) for `input` over `req`.
pub fn signature_base(req: &Request<'_>, input: &SignatureInput) -> Result<String, SignatureError> {
    let mut lines = Vec::with_capacity(input.components.len() + 1);
    for c in &input.components {
        lines.push(format!("\"{c}\": {}", component(req, c)?));
    }
    lines.push(format!("\"@signature-params\": {}", input.raw));
    Ok(lines.join("\n"))
}

/// Checks `Content-Digest` (RFC 9530): every sha-256/sha-512 given must
/// match, and at least one must be given.
pub fn check_content_digest(header: &str, body: &[u8]) -> Result<(), SignatureError> {
    let mut checked = false;
    for (alg, value) in dictionary(header)? {
        let given = value.trim().trim_matches(':');
        let ours = match alg.to_ascii_lowercase().as_str() {
            "sha-256" => B64.encode(Sha256::digest(body)),
            "sha-512" => B64.encode(Sha512::digest(body)),
            _ => continue,
        };
        if given != ours {
            return Err(SignatureError::DigestMismatch);
        }
        checked = true;
    }
    if checked {
        Ok(())
    } else {
        Err(SignatureError::DigestMismatch)
    }
}

/// Validates the times of a signature: `created` within the allowed skew,
/// `expires` (if any) not passed.
pub fn check_times(params: &BTreeMap<String, String>) -> Result<(), SignatureError> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let skew = MAX_SKEW.as_secs() as i64;
    let created: i64 = params
        .get("created")
        .ok_or(SignatureError::Uncovered("created"))?
        .parse()
        .map_err(|_| malformed("created is not an integer"))?;
    if (created - now).abs() > skew {
        return Err(SignatureError::Skewed);
    }
    if let Some(expires) = params.get("expires") {
        let expires: i64 = expires
            .parse()
            .map_err(|_| malformed("expires is not an integer"))?;
        if expires < now {
            return Err(SignatureError::Skewed);
        }
    }
    Ok(())
}

/// The first signature named in both `Signature-Input` and `Signature`:
/// (input, signature bytes).
pub fn select(
    signature_input: &str,
    signature: &str,
) -> Result<(SignatureInput, Vec<u8>), SignatureError> {
    let sigs: BTreeMap<String, String> = dictionary(signature)?.into_iter().collect();
    for (label, raw) in dictionary(signature_input)? {
        if let Some(value) = sigs.get(&label) {
            let bytes = B64
                .decode(value.trim().trim_matches(':'))
                .map_err(|_| malformed("signature is not base64"))?;
            return Ok((parse_input(&raw)?, bytes));
        }
    }
    Err(malformed("no Signature matches Signature-Input"))
}

#[cfg(test)]
#[path = "rfc9421_tests.rs"]
mod tests;
