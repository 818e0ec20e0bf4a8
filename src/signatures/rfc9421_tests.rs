use super::*;
use crate::signatures::{check, RequestParts, Scheme, SignatureError};
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::{Padding, Rsa};
use openssl::sign::{RsaPssSaltlen, Signer};

const BODY: &[u8] = br#"{"type":"Follow"}"#;

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64
}

/// Signs a POST to http://relay.example/inbox the way an RFC 9421 peer
/// does, with the signature base written out by hand here.
fn signed(alg: &str, created: i64, body_for_digest: &[u8]) -> (BTreeMap<String, String>, String) {
    let rsa = Rsa::generate(2048).expect("rsa");
    let key = PKey::from_rsa(rsa).expect("key");
    let public = String::from_utf8(key.public_key_to_pem().expect("pem")).expect("utf8");
    let digest = format!("sha-256=:{}:", B64.encode(Sha256::digest(body_for_digest)));
    let params = format!(
        "(\"@method\" \"@target-uri\" \"@authority\" \"content-digest\");created={created};keyid=\"https://a.example/u#key\";alg=\"{alg}\""
    );
    let base = format!(
        "\"@method\": POST\n\"@target-uri\": http://relay.example/inbox\n\"@authority\": relay.example\n\"content-digest\": {digest}\n\"@signature-params\": {params}"
    );
    let mut signer = match alg {
        "rsa-pss-sha512" => {
            let mut s = Signer::new(MessageDigest::sha512(), &key).expect("signer");
            s.set_rsa_padding(Padding::PKCS1_PSS).expect("pss");
            s.set_rsa_pss_saltlen(RsaPssSaltlen::custom(64))
                .expect("salt");
            s
        }
        _ => Signer::new(MessageDigest::sha256(), &key).expect("signer"),
    };
    signer.update(base.as_bytes()).expect("update");
    let sig = B64.encode(signer.sign_to_vec().expect("sign"));
    let headers = BTreeMap::from([
        ("host".to_string(), "relay.example".to_string()),
        ("content-digest".to_string(), digest),
        ("signature-input".to_string(), format!("sig1={params}")),
        ("signature".to_string(), format!("sig1=:{sig}:")),
    ]);
    (headers, public)
}

fn parts<'a>(headers: &'a BTreeMap<String, String>, body: &'a [u8]) -> RequestParts<'a> {
    RequestParts {
        method: "POST",
        scheme: "http",
        path_and_query: "/inbox",
        headers,
        body: Some(body),
    }
}

#[test]
fn pkcs1_and_pss_signatures_verify() {
    for alg in ["rsa-v1_5-sha256", "rsa-pss-sha512"] {
        let (headers, public) = signed(alg, now(), BODY);
        let pending = check(&parts(&headers, BODY)).expect(alg);
        assert_eq!(pending.key_id, "https://a.example/u#key");
        assert_eq!(pending.scheme, Scheme::Rfc9421(Some(alg.to_string())));
        pending.verify(&public).expect(alg);
        let (_, other) = signed(alg, now(), BODY);
        assert!(pending.verify(&other).is_err(), "{alg} with another key");
    }
}

#[test]
fn tampering_and_stale_signatures_are_refused() {
    let (headers, public) = signed("rsa-v1_5-sha256", now(), BODY);
    assert_eq!(
        check(&parts(&headers, b"{}")).err(),
        Some(SignatureError::DigestMismatch)
    );
    let mut other_path = parts(&headers, BODY);
    other_path.path_and_query = "/groups/x/inbox";
    assert!(check(&other_path).expect("parses").verify(&public).is_err());
    let (old, _) = signed("rsa-v1_5-sha256", now() - 7200, BODY);
    assert_eq!(
        check(&parts(&old, BODY)).err(),
        Some(SignatureError::Skewed)
    );
    let (lying, _) = signed("rsa-v1_5-sha256", now(), b"other body");
    assert_eq!(
        check(&parts(&lying, BODY)).err(),
        Some(SignatureError::DigestMismatch)
    );
}

#[test]
fn structured_fields_parse() {
    let input = parse_input(r#"("@method" "@target-uri" "content-digest");created=1;keyid="https://x/a#k";alg="ed25519""#)
        .expect("parse");
    assert_eq!(
        input.components,
        ["@method", "@target-uri", "content-digest"]
    );
    assert_eq!(input.params["keyid"], "https://x/a#k");
    assert_eq!(input.params["created"], "1");
    let (input, bytes) = select(
        r#"a=("@method");keyid="k", b=("@path");keyid="j""#,
        "b=:AQID:",
    )
    .expect("select");
    assert_eq!(
        (input.components[0].as_str(), bytes),
        ("@path", vec![1, 2, 3])
    );
    assert!(parse_input(r#"("@method";req)"#).is_err());
    assert!(check_content_digest("sha-256=:bad:", b"x").is_err());
    assert!(
        check_content_digest("md5=:xyz:", b"x").is_err(),
        "no usable digest"
    );
}

#[test]
fn ed25519_signatures_verify() {
    let key = PKey::generate_ed25519().expect("ed25519");
    let public = String::from_utf8(key.public_key_to_pem().expect("pem")).expect("utf8");
    let digest = format!("sha-256=:{}:", B64.encode(Sha256::digest(BODY)));
    let params = format!(
        "(\"@method\" \"@target-uri\" \"content-digest\");created={};keyid=\"https://a.example/u#ed\";alg=\"ed25519\"",
        now()
    );
    let base = format!(
        "\"@method\": POST\n\"@target-uri\": http://relay.example/inbox\n\"content-digest\": {digest}\n\"@signature-params\": {params}"
    );
    let mut signer = Signer::new_without_digest(&key).expect("signer");
    let sig = B64.encode(signer.sign_oneshot_to_vec(base.as_bytes()).expect("sign"));
    let headers = BTreeMap::from([
        ("host".to_string(), "relay.example".to_string()),
        ("content-digest".to_string(), digest),
        ("signature-input".to_string(), format!("sig1={params}")),
        ("signature".to_string(), format!("sig1=:{sig}:")),
    ]);
    let pending = check(&parts(&headers, BODY)).expect("check");
    pending.verify(&public).expect("ed25519 verifies");
    let (_, rsa_public) = signed("rsa-v1_5-sha256", now(), BODY);
    assert!(
        pending.verify(&rsa_public).is_err(),
        "an RSA key cannot verify an ed25519 signature"
    );
}
