//! Signing keys as GoToSocial publishes them, through the real inbox: its
//! `keyId` is `…/users/NAME/main-key`, which answers a stub actor (`id` =
//! the actor, no `inbox`, the key under `publicKey`), and the full actor
//! lists the key (`internal/typeutils/internaltoas.go`,
//! `AccountToASMinimal`). The other shapes are unit-tested in
//! `src/federation/key_owner_tests.rs`.
#![allow(clippy::unwrap_used)]

mod common;

use actix_web::{web, App, HttpResponse, HttpServer};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use common::{Backend, TestDb, TestServer};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::sign::Signer;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::Arc;

/// A GoToSocial-shaped server: each account's key at its own URL as a
/// stub, and the full actor at the account's id. `claims` makes an
/// account's stub name another account as the key's owner (a forgery).
struct Gts {
    base: String,
    keys: Arc<HashMap<String, PKey<Private>>>,
}

impl Gts {
    fn start(names: &[&str], claims: &[(&str, &str)]) -> Gts {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let keys: HashMap<String, PKey<Private>> = names
            .iter()
            .map(|n| {
                (
                    n.to_string(),
                    PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap(),
                )
            })
            .collect();
        let keys = Arc::new(keys);
        let claims: HashMap<String, String> = claims
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let data = web::Data::new((base.clone(), keys.clone(), claims));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/users/{name}", web::get().to(actor))
                .route("/users/{name}/main-key", web::get().to(stub))
                .route(
                    "/users/{name}/inbox",
                    web::post().to(HttpResponse::Accepted),
                )
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        actix_web::rt::spawn(server);
        Gts { base, keys }
    }

    fn id(&self, name: &str) -> String {
        format!("{}/users/{name}", self.base)
    }

    /// POSTs `activity` to `url`, signed as GoToSocial signs (draft-cavage,
    /// `keyId` = the key URL, no fragment) with `signer`'s key.
    async fn post(&self, signer: &str, url: &str, activity: &Value) -> u16 {
        let body = activity.to_string();
        let target = url::Url::parse(url).unwrap();
        let host = format!("{}:{}", target.host_str().unwrap(), target.port().unwrap());
        let date = httpdate::fmt_http_date(std::time::SystemTime::now());
        let digest = format!("SHA-256={}", B64.encode(Sha256::digest(body.as_bytes())));
        let signing = format!(
            "(request-target): post {}\nhost: {host}\ndate: {date}\ndigest: {digest}",
            target.path()
        );
        let mut s = Signer::new(MessageDigest::sha256(), &self.keys[signer]).unwrap();
        s.update(signing.as_bytes()).unwrap();
        let sig = B64.encode(s.sign_to_vec().unwrap());
        let header = format!(
            "keyId=\"{}/main-key\",algorithm=\"hs2019\",headers=\"(request-target) host date digest\",signature=\"{sig}\"",
            self.id(signer)
        );
        reqwest::Client::new()
            .post(url)
            .header("content-type", "application/activity+json")
            .header("date", date)
            .header("digest", digest)
            .header("signature", header)
            .body(body)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

type Data = web::Data<(
    String,
    Arc<HashMap<String, PKey<Private>>>,
    HashMap<String, String>,
)>;

fn pem(key: &PKey<Private>) -> String {
    String::from_utf8(key.public_key_to_pem().unwrap()).unwrap()
}

async fn actor(path: web::Path<String>, data: Data) -> HttpResponse {
    let (base, keys, _) = data.get_ref();
    let name = path.into_inner();
    let Some(key) = keys.get(&name) else {
        return HttpResponse::NotFound().finish();
    };
    let id = format!("{base}/users/{name}");
    HttpResponse::Ok().content_type("application/activity+json").body(
        json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": id, "type": "Person", "preferredUsername": name,
            "inbox": format!("{id}/inbox"),
            "publicKey": {"id": format!("{id}/main-key"), "owner": id, "publicKeyPem": pem(key)},
        })
        .to_string(),
    )
}

async fn stub(path: web::Path<String>, data: Data) -> HttpResponse {
    let (base, keys, claims) = data.get_ref();
    let name = path.into_inner();
    let Some(key) = keys.get(&name) else {
        return HttpResponse::NotFound().finish();
    };
    let owner = format!("{base}/users/{}", claims.get(&name).unwrap_or(&name));
    HttpResponse::Ok().content_type("application/activity+json").body(
        json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": owner, "type": "Person", "preferredUsername": name,
            "publicKey": {"id": format!("{base}/users/{name}/main-key"), "owner": owner, "publicKeyPem": pem(key)},
        })
        .to_string(),
    )
}

fn follow(gts: &Gts, name: &str, group: &str, n: u32) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/users/{name}/follow/{n}", gts.base),
        "type": "Follow",
        "actor": gts.id(name),
        "object": group,
    })
}

async fn a_gotosocial_account_can_ask_to_join(backend: Backend) {
    let db = TestDb::new(backend);
    let s = TestServer::start(&db).await;
    s.cli(&["group", "create", "club"]).ok();
    let gts = Gts::start(&["gina"], &[]);
    let status = gts
        .post(
            "gina",
            &s.url("/inbox"),
            &follow(&gts, "gina", &s.url("/groups/club"), 1),
        )
        .await;
    assert_eq!(status, 202, "the stub's key, listed by the actor, verifies");
    // Processing follows the 202: wait for the request to be listed.
    let mut requests = Value::Null;
    for _ in 0..100 {
        requests = s.cli(&["request", "list", "--json"]).json();
        if requests[0]["actor"] == gts.id("gina") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(requests[0]["actor"], gts.id("gina"), "{requests}");
    s.stop().await;
}

/// A stub naming another account as its key's owner: that account's own
/// document does not list the key, so nothing signed with it counts.
async fn a_stub_cannot_lend_its_key_to_another_account(backend: Backend) {
    let db = TestDb::new(backend);
    let s = TestServer::start(&db).await;
    s.cli(&["group", "create", "club"]).ok();
    let gts = Gts::start(&["gina", "mallory"], &[("mallory", "gina")]);
    let forged = follow(&gts, "gina", &s.url("/groups/club"), 2);
    assert_eq!(gts.post("mallory", &s.url("/inbox"), &forged).await, 401);
    let requests = s.cli(&["request", "list", "--json"]).json();
    assert!(requests.as_array().unwrap().is_empty(), "{requests}");
    s.stop().await;
}

backend_tests!(
    a_gotosocial_account_can_ask_to_join,
    a_stub_cannot_lend_its_key_to_another_account,
);
