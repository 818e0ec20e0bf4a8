//! Signature header parsing (draft-cavage and RFC 9421) on arbitrary
//! header values: never a panic, and never "verified" without a key.
#![no_main]

use demesh::signatures::{check, rfc9421, RequestParts};
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Lines of the input become header values, in this order.
    let mut lines = text.split('\n');
    let mut headers = BTreeMap::new();
    for name in ["signature", "signature-input", "date", "digest", "content-digest", "host"] {
        if let Some(v) = lines.next() {
            if !v.is_empty() {
                headers.insert(name.to_string(), v.to_string());
            }
        }
    }
    let body = lines.next().unwrap_or_default().as_bytes();
    for method in ["POST", "GET"] {
        let parts = RequestParts {
            method,
            scheme: "https",
            path_and_query: "/inbox",
            headers: &headers,
            body: (method == "POST").then_some(body),
        };
        if let Ok(pending) = check(&parts) {
            // A garbage key never verifies anything.
            assert!(pending.verify("not a key").is_err());
        }
    }
    if let (Some(i), Some(s)) = (headers.get("signature-input"), headers.get("signature")) {
        let _ = rfc9421::select(i, s);
        let _ = rfc9421::parse_input(i);
    }
    if let Some(d) = headers.get("content-digest") {
        let _ = rfc9421::check_content_digest(d, body);
    }
});
