//! draft-cavage HTTP signatures, written for the bench alone: the fake
//! servers verify demesh's deliveries and sign their own requests with
//! this, not with demesh's code, so a bug shared by demesh's signer and
//! verifier cannot pass as a fast, clean result. Only what the fediverse
//! uses: RSA-SHA256 over `(request-target) host date digest`, with a
//! `SHA-256=` Digest of the body.

use openssl::base64::{decode_block, encode_block};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private, Public};
use openssl::sign::{Signer, Verifier};
use std::collections::HashMap;
use std::time::{Duration, SystemTime};

const SKEW: Duration = Duration::from_secs(3600);

/// The `Digest` header value of a body.
pub fn digest(body: &[u8]) -> String {
    format!("SHA-256={}", encode_block(&openssl::sha::sha256(body)))
}

/// The parameters of a `Signature` header: `k="v"` pairs separated by
/// commas (a comma inside quotes belongs to the value).
pub fn parse_params(header: &str) -> Result<HashMap<String, String>, String> {
    let mut out = HashMap::new();
    let mut rest = header.trim();
    while !rest.is_empty() {
        let (name, after) = rest.split_once('=').ok_or("parameter without =")?;
        let after = after.strip_prefix('"').ok_or("unquoted value")?;
        let end = after.find('"').ok_or("unterminated value")?;
        out.insert(name.trim().to_ascii_lowercase(), after[..end].to_string());
        rest = after[end + 1..].trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
    Ok(out)
}

/// Rebuilds the signing string from the listed header names, looking
/// header values up with `header` (lowercase name → value).
fn signing_string(names: &str, method: &str, path_and_query: &str, header: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut lines = Vec::new();
    for name in names.split_whitespace() {
        let name = name.to_ascii_lowercase();
        let value = match name.as_str() {
            "(request-target)" => format!("{} {path_and_query}", method.to_ascii_lowercase()),
            n if n.starts_with('(') => return Err(format!("unsupported pseudo-header {n}")),
            n => header(n).ok_or_else(|| format!("signed header {n} is missing"))?,
        };
        lines.push(format!("{name}: {value}"));
    }
    Ok(lines.join("\n"))
}

/// A request as the fake server saw it.
pub struct Incoming<'a> {
    pub method: &'a str,
    pub path_and_query: &'a str,
    /// Lowercase header name → value.
    pub headers: &'a HashMap<String, String>,
    pub body: &'a [u8],
}

/// Checks a signed POST: coverage, date, digest, then RSA-SHA256 with
/// the key that `key_for` gives for the key id. Ok: the key id.
pub fn verify(req: &Incoming<'_>, key_for: impl Fn(&str) -> Option<PKey<Public>>) -> Result<String, String> {
    let header = |n: &str| req.headers.get(n).cloned();
    let params = parse_params(&header("signature").ok_or("no Signature header")?)?;
    let key_id = params.get("keyid").ok_or("no keyId")?;
    match params.get("algorithm").map(String::as_str) {
        None | Some("rsa-sha256") | Some("hs2019") => {}
        Some(other) => return Err(format!("algorithm {other}")),
    }
    let names = params.get("headers").map_or("date", String::as_str).to_ascii_lowercase();
    for needed in ["(request-target)", "host", "date", "digest"] {
        if !names.split_whitespace().any(|n| n == needed) {
            return Err(format!("{needed} is not signed"));
        }
    }
    let date = httpdate::parse_http_date(&header("date").ok_or("no Date")?).map_err(|_| "bad Date")?;
    let now = SystemTime::now();
    if date > now + SKEW || date + SKEW < now {
        return Err("Date too far from now".into());
    }
    if header("digest").as_deref() != Some(digest(req.body).as_str()) {
        return Err("Digest does not match the body".into());
    }
    let text = signing_string(&names, req.method, req.path_and_query, &header)?;
    let signature = decode_block(params.get("signature").ok_or("no signature")?).map_err(|_| "signature is not base64")?;
    let key = key_for(key_id).ok_or_else(|| format!("unknown key {key_id}"))?;
    let mut v = Verifier::new(MessageDigest::sha256(), &key).map_err(|e| e.to_string())?;
    v.update(text.as_bytes()).map_err(|e| e.to_string())?;
    match v.verify(&signature) {
        Ok(true) => Ok(key_id.clone()),
        _ => Err("signature does not verify".into()),
    }
}

/// Headers (Host, Date, Digest, Signature) for a signed POST of `body`.
pub fn sign_post(host: &str, path: &str, body: &[u8], key_id: &str, key: &PKey<Private>) -> anyhow::Result<Vec<(String, String)>> {
    let headers = vec![
        ("host".to_string(), host.to_string()),
        ("date".to_string(), httpdate::fmt_http_date(SystemTime::now())),
        ("digest".to_string(), digest(body)),
    ];
    let names = "(request-target) host date digest";
    let lookup = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let text = signing_string(names, "POST", path, &lookup).map_err(anyhow::Error::msg)?;
    let mut signer = Signer::new(MessageDigest::sha256(), key)?;
    signer.update(text.as_bytes())?;
    let signature = encode_block(&signer.sign_to_vec()?);
    let mut out = headers;
    out.push(("signature".into(), format!("keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"{names}\",signature=\"{signature}\"")));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::rsa::Rsa;

    fn key() -> PKey<Private> {
        PKey::from_rsa(Rsa::generate(2048).expect("rsa")).expect("pkey")
    }

    fn public(k: &PKey<Private>) -> PKey<Public> {
        PKey::public_key_from_pem(&k.public_key_to_pem().expect("pem")).expect("public")
    }

    fn check(headers: &[(String, String)], path: &str, body: &[u8], k: &PKey<Public>) -> Result<String, String> {
        let map: HashMap<String, String> = headers.iter().cloned().collect();
        verify(&Incoming { method: "POST", path_and_query: path, headers: &map, body }, |_| Some(k.clone()))
    }

    /// Known good: a request signed by demesh's own signer (a separate
    /// implementation) verifies here, and one signed here verifies with
    /// demesh's verifier; then every tampering is refused.
    #[test]
    fn both_implementations_agree_and_tampering_is_refused() {
        let k = key();
        let url = url::Url::parse("http://127.0.0.1:8080/users/a/inbox").expect("url");
        let body = br#"{"type":"Create","id":"x"}"#;
        let theirs = demesh::signatures::sign_request("POST", &url, Some(body), "http://g#main-key", &k).expect("sign");
        assert_eq!(check(&theirs, "/users/a/inbox", body, &public(&k)), Ok("http://g#main-key".into()));

        let ours = sign_post("127.0.0.1:8080", "/users/a/inbox", body, "http://m#main-key", &k).expect("sign");
        let map: std::collections::BTreeMap<String, String> = ours.iter().cloned().collect();
        let parts = demesh::signatures::RequestParts { method: "POST", scheme: "http", path_and_query: "/users/a/inbox", headers: &map, body: Some(body) };
        let pending = demesh::signatures::check(&parts).expect("demesh parses ours");
        assert!(pending.verify_key(&public(&k)).is_ok(), "demesh verifies ours");
        assert!(check(&ours, "/users/a/inbox", body, &public(&k)).is_ok());

        assert!(check(&ours, "/users/a/inbox", b"{\"type\":\"Create\",\"id\":\"y\"}", &public(&k)).unwrap_err().contains("Digest"));
        assert!(check(&ours, "/users/b/inbox", body, &public(&k)).unwrap_err().contains("verify"));
        assert!(check(&ours, "/users/a/inbox", body, &public(&key())).unwrap_err().contains("verify"));
        let mut other_host = ours.clone();
        other_host[0].1 = "127.0.0.1:8081".into();
        assert!(check(&other_host, "/users/a/inbox", body, &public(&k)).is_err());
        let mut flipped = ours.clone();
        let sig = flipped[3].1.clone();
        let at = sig.find("signature=\"").expect("sig") + 11;
        let c = if &sig[at..at + 1] == "A" { "B" } else { "A" };
        flipped[3].1 = format!("{}{c}{}", &sig[..at], &sig[at + 1..]);
        assert!(check(&flipped, "/users/a/inbox", body, &public(&k)).is_err());
        let mut old = ours.clone();
        old[1].1 = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(7200));
        assert!(check(&old, "/users/a/inbox", body, &public(&k)).unwrap_err().contains("Date"));
        let no_digest: Vec<_> = ours.iter().filter(|(k, _)| k != "digest").cloned().collect();
        assert!(check(&no_digest, "/users/a/inbox", body, &public(&k)).is_err());
    }

    #[test]
    fn parameters_parse_with_commas_inside_quotes() {
        let p = parse_params(r#"keyId="a,b",algorithm="rsa-sha256", headers="date",signature="x=""#).expect("parse");
        assert_eq!(p["keyid"], "a,b");
        assert_eq!(p["headers"], "date");
        assert_eq!(p["signature"], "x=");
        assert!(parse_params("keyId=unquoted").is_err());
    }
}
