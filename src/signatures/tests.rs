use super::*;
use crate::keys::{generate_rsa_pem, private_key};

fn signed(method: &str, url: &str, body: Option<&[u8]>) -> (BTreeMap<String, String>, String) {
    let (private, public) = generate_rsa_pem().expect("keys");
    let key = private_key(&private).expect("key");
    let url = url::Url::parse(url).expect("url");
    let headers = sign_request(method, &url, body, "https://a.example/u#key", &key).expect("sign");
    (headers.into_iter().collect(), public)
}

#[test]
fn a_signed_post_verifies_with_its_key_only() {
    let body = br#"{"type":"Follow"}"#;
    let (headers, public) = signed("POST", "https://relay.example/inbox", Some(body));
    assert!(headers["signature"].contains("keyId=\"https://a.example/u#key\""));
    assert!(headers["signature"].contains("headers=\"(request-target) date digest host\""));
    let pending = check_request("POST", "/inbox", &headers, Some(body)).expect("check");
    assert_eq!(pending.key_id, "https://a.example/u#key");
    pending.verify(&public).expect("verify");
    let (_, other) = generate_rsa_pem().expect("keys");
    assert!(matches!(
        pending.verify(&other),
        Err(SignatureError::Invalid(_))
    ));
}

#[test]
fn a_changed_body_or_path_is_refused() {
    let body = br#"{"type":"Follow"}"#;
    let (headers, public) = signed("POST", "https://relay.example/inbox", Some(body));
    assert_eq!(
        check_request("POST", "/inbox", &headers, Some(b"{}")).err(),
        Some(SignatureError::DigestMismatch)
    );
    let other_path = check_request("POST", "/groups/x/inbox", &headers, Some(body)).expect("parse");
    assert!(other_path.verify(&public).is_err());
}

#[test]
fn missing_uncovered_and_skewed_signatures_are_refused() {
    let body = b"{}";
    let (mut headers, _) = signed("POST", "https://relay.example/inbox", Some(body));
    let mut unsigned = headers.clone();
    unsigned.remove("signature");
    assert_eq!(
        check_request("POST", "/inbox", &unsigned, Some(body)).err(),
        Some(SignatureError::Missing)
    );
    let future = SystemTime::now() + Duration::from_secs(2 * 3600);
    headers.insert("date".into(), httpdate::fmt_http_date(future));
    assert_eq!(
        check_request("POST", "/inbox", &headers, Some(body)).err(),
        Some(SignatureError::Skewed)
    );
    let past = SystemTime::now() - Duration::from_secs(2 * 3600);
    headers.insert("date".into(), httpdate::fmt_http_date(past));
    assert_eq!(
        check_request("POST", "/inbox", &headers, Some(body)).err(),
        Some(SignatureError::Skewed)
    );
    // A GET signature (no digest) cannot authorise a POST body.
    let (get_headers, _) = signed("GET", "https://relay.example/inbox", None);
    assert_eq!(
        check_request("POST", "/inbox", &get_headers, Some(body)).err(),
        Some(SignatureError::Uncovered("digest"))
    );
}

#[test]
fn a_date_within_the_hour_is_accepted() {
    let body = b"{}";
    let (headers, public) = signed("POST", "https://relay.example/inbox", Some(body));
    let pending = check_request("POST", "/inbox", &headers, Some(body)).expect("fresh");
    pending.verify(&public).expect("verify");
}

#[test]
fn digest_header_is_base64_sha256() {
    assert_eq!(
        digest_header(b""),
        "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    );
}

/// The hand-written outgoing signing string and header (see
/// `sign_request`) are exactly what the general draft-cavage library
/// builds for the same request, GET and POST, with a port and a query.
#[test]
fn outgoing_signatures_match_the_general_library() {
    let (private, public) = generate_rsa_pem().expect("keys");
    let key = private_key(&private).expect("key");
    for (method, raw, body) in [
        (
            "POST",
            "https://relay.example:8443/inbox?x=1",
            Some(&b"{}"[..]),
        ),
        ("GET", "https://relay.example/users/a", None),
    ] {
        let url = url::Url::parse(raw).expect("url");
        let ours: BTreeMap<String, String> = sign_request(method, &url, body, "k#1", &key)
            .expect("sign")
            .into_iter()
            .collect();
        let mut covered = ours.clone();
        let signature_header = covered.remove("signature").expect("signature");
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        let mut text = String::new();
        let library = SigConfig::new()
            .mastodon_compat()
            .begin_sign(&method.to_lowercase(), &path, covered)
            .expect("begin")
            .sign("k#1".to_string(), |s| {
                text = s.to_string();
                let sig = signature_header.split("signature=\"").nth(1).expect("sig");
                Ok::<_, anyhow::Error>(sig.trim_end_matches('"').to_string())
            })
            .expect("library");
        assert_eq!(
            text,
            signing_string(
                method,
                &url,
                &ours["host"],
                &ours["date"],
                ours.get("digest").map(String::as_str)
            )
        );
        assert_eq!(library.signature_header(), signature_header);
        let pending = check_request(method, &path, &ours, body).expect("check");
        pending.verify(&public).expect("verifies");
    }
}
