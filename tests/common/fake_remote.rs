//! A fake remote fediverse server on port 0. Its accounts sign what they
//! send with their own RSA keys, and its inboxes verify every signature
//! demesh sends with code independent of demesh's: the signing string is
//! rebuilt here and the key is fetched from demesh over HTTP.
#![allow(dead_code, clippy::unwrap_used)]

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::sign::{Signer, Verifier};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One POST the fake received.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub activity: Value,
    pub key_id: String,
    /// Signature, digest and date all checked out.
    pub verified: bool,
    /// The FEP-8fcf `Collection-Synchronization` header, if sent.
    pub collection_sync: Option<String>,
}

#[derive(Default)]
struct Inner {
    keys: HashMap<String, PKey<Private>>,
    received: Vec<Received>,
    /// Status to answer on a path instead of 202 (for failure tests).
    answers: HashMap<String, Vec<u16>>,
    shared_inbox: bool,
    /// GETs of actor documents served.
    gets: usize,
    /// How long each inbox POST takes to answer.
    delay_ms: u64,
    also_known_as: HashMap<String, String>,
    moved_to: HashMap<String, String>,
    /// Actor documents fetched to verify signatures, by key id: kept, as
    /// real servers keep them (a deleted group's Delete is checked with
    /// the key fetched while it existed).
    key_docs: HashMap<String, Value>,
}

#[derive(Clone)]
pub struct FakeRemote {
    pub base: String,
    inner: Arc<Mutex<Inner>>,
    http: reqwest::Client,
}

impl FakeRemote {
    /// A server whose accounts advertise a shared inbox (as Mastodon does).
    pub fn start() -> FakeRemote {
        FakeRemote::start_with(true)
    }

    pub fn start_with(shared_inbox: bool) -> FakeRemote {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let inner = Arc::new(Mutex::new(Inner {
            shared_inbox,
            ..Inner::default()
        }));
        let data = web::Data::new((base.clone(), inner.clone()));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/users/{name}", web::get().to(actor))
                .route("/.well-known/nodeinfo", web::get().to(nodeinfo_links))
                .route("/nodeinfo/2.1", web::get().to(nodeinfo))
                .route("/users/{name}/inbox", web::post().to(inbox))
                .route("/inbox", web::post().to(inbox))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        actix_web::rt::spawn(server);
        FakeRemote {
            base,
            inner,
            http: reqwest::Client::new(),
        }
    }

    /// `host:port`, the domain of this server's handles.
    pub fn domain(&self) -> String {
        self.base.trim_start_matches("http://").to_string()
    }

    /// Creates an account and returns its actor id.
    pub fn account(&self, name: &str) -> String {
        let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        self.inner
            .lock()
            .unwrap()
            .keys
            .insert(name.to_string(), key);
        self.actor_id(name)
    }

    pub fn actor_id(&self, name: &str) -> String {
        format!("{}/users/{name}", self.base)
    }

    /// Gives an account a new key (the old one stops verifying).
    pub fn rotate_key(&self, name: &str) {
        let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        self.inner
            .lock()
            .unwrap()
            .keys
            .insert(name.to_string(), key);
    }

    pub fn set_also_known_as(&self, name: &str, old: &str) {
        self.inner
            .lock()
            .unwrap()
            .also_known_as
            .insert(name.to_string(), old.to_string());
    }

    /// Marks `name` as moved to the account `new` (Mastodon's `movedTo`).
    pub fn set_moved_to(&self, name: &str, new: &str) {
        self.inner
            .lock()
            .unwrap()
            .moved_to
            .insert(name.to_string(), new.to_string());
    }

    /// Answers the next POSTs to `path` with these statuses, then 202.
    pub fn answer(&self, path: &str, statuses: &[u16]) {
        self.inner
            .lock()
            .unwrap()
            .answers
            .insert(path.to_string(), statuses.iter().rev().copied().collect());
    }

    /// Makes every inbox answer take `ms` (a slow server).
    pub fn set_delay(&self, ms: u64) {
        self.inner.lock().unwrap().delay_ms = ms;
    }

    /// How many actor documents this server has served.
    pub fn actor_gets(&self) -> usize {
        self.inner.lock().unwrap().gets
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.lock().unwrap().received.clone()
    }

    /// Activities of `kind` received so far.
    pub fn of_kind(&self, kind: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.activity["type"] == kind)
            .collect()
    }

    /// Waits (up to 10 s) for a received activity of `kind`.
    pub async fn wait_for(&self, kind: &str) -> Received {
        let start = Instant::now();
        loop {
            if let Some(r) = self.of_kind(kind).into_iter().next() {
                return r;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "no {kind} arrived; got {:?}",
                self.received()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A Follow from `name` of `object`, Mastodon's shape.
    pub fn follow(&self, name: &str, object: &str, n: u32) -> Value {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}#follows/{n}", self.actor_id(name)),
            "type": "Follow",
            "actor": self.actor_id(name),
            "object": object,
        })
    }

    /// Signs and POSTs `activity` as `name`; returns the status.
    pub async fn post(&self, name: &str, url: &str, activity: &Value) -> u16 {
        let body = activity.to_string();
        let headers = self.signed_headers(name, url, body.as_bytes(), None);
        self.send(url, body, headers).await
    }

    pub async fn send(&self, url: &str, body: String, headers: Vec<(String, String)>) -> u16 {
        let mut req = self
            .http
            .post(url)
            .header("content-type", "application/activity+json")
            .body(body);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        req.send().await.unwrap().status().as_u16()
    }

    /// Signs an arbitrary signing string with `name`'s key (base64).
    pub fn sign_string(&self, name: &str, signing: &str) -> String {
        let inner = self.inner.lock().unwrap();
        let mut signer = Signer::new(MessageDigest::sha256(), &inner.keys[name]).unwrap();
        signer.update(signing.as_bytes()).unwrap();
        B64.encode(signer.sign_to_vec().unwrap())
    }

    /// A GET signed by `name`, as Mastodon fetches a thread parent.
    pub async fn signed_get(&self, name: &str, url: &str) -> (u16, Value) {
        let parsed = url::Url::parse(url).unwrap();
        let host = format!("{}:{}", parsed.host_str().unwrap(), parsed.port().unwrap());
        let date = httpdate::fmt_http_date(std::time::SystemTime::now());
        let signing = format!(
            "(request-target): get {}\nhost: {host}\ndate: {date}",
            parsed.path()
        );
        let sig = {
            let inner = self.inner.lock().unwrap();
            let mut signer = Signer::new(MessageDigest::sha256(), &inner.keys[name]).unwrap();
            signer.update(signing.as_bytes()).unwrap();
            B64.encode(signer.sign_to_vec().unwrap())
        };
        let res = self
            .http
            .get(url)
            .header("accept", "application/activity+json")
            .header("date", date)
            .header(
                "signature",
                format!(
                    "keyId=\"{}#main-key\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date\",signature=\"{sig}\"",
                    self.actor_id(name)
                ),
            )
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// A fixture from tests/fixtures with its placeholders filled in for
    /// `name` posting to `group` (a demesh group actor id).
    pub fn fixture(
        &self,
        file: &str,
        name: &str,
        group: &str,
        n: &str,
        in_reply_to: &str,
    ) -> Value {
        let path = format!("{}/tests/fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap();
        let group_host = group
            .split("://")
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap();
        let group_name = group.rsplit('/').next().unwrap();
        let actor = self.actor_id(name);
        let text = text
            .replace("{{ACTOR_FOLLOWERS}}", &format!("{actor}/followers"))
            .replace("{{ACTOR_HANDLE}}", &format!("{name}@{}", self.domain()))
            .replace("{{ACTOR}}", &actor)
            .replace("{{GROUP_FOLLOWERS}}", &format!("{group}/followers"))
            .replace("{{GROUP_HANDLE}}", &format!("{group_name}@{group_host}"))
            .replace("{{GROUP}}", group)
            .replace("{{BASE}}", &self.base)
            .replace("{{IN_REPLY_TO}}", in_reply_to)
            .replace("{{N}}", n);
        let mut v: Value = serde_json::from_str(&text).unwrap();
        v.as_object_mut().unwrap().remove("_source");
        v
    }

    /// Draft-cavage headers as Mastodon signs them; `date` overrides Date.
    pub fn signed_headers(
        &self,
        name: &str,
        url: &str,
        body: &[u8],
        date: Option<String>,
    ) -> Vec<(String, String)> {
        let url = url::Url::parse(url).unwrap();
        let host = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
        let date = date.unwrap_or_else(|| httpdate::fmt_http_date(std::time::SystemTime::now()));
        let digest = format!("SHA-256={}", B64.encode(Sha256::digest(body)));
        let signing = format!(
            "(request-target): post {}\nhost: {host}\ndate: {date}\ndigest: {digest}",
            url.path()
        );
        let inner = self.inner.lock().unwrap();
        let mut signer = Signer::new(MessageDigest::sha256(), &inner.keys[name]).unwrap();
        signer.update(signing.as_bytes()).unwrap();
        let sig = B64.encode(signer.sign_to_vec().unwrap());
        vec![
            ("date".into(), date),
            ("digest".into(), digest),
            (
                "signature".into(),
                format!(
                    "keyId=\"{}#main-key\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date digest\",signature=\"{sig}\"",
                    self.actor_id(name)
                ),
            ),
        ]
    }
}

async fn actor(
    path: web::Path<String>,
    data: web::Data<(String, Arc<Mutex<Inner>>)>,
) -> HttpResponse {
    let (base, mut inner) = (&data.0, data.1.lock().unwrap());
    inner.gets += 1;
    let name = path.into_inner();
    let Some(key) = inner.keys.get(&name) else {
        return HttpResponse::Gone().finish();
    };
    let id = format!("{base}/users/{name}");
    let pem = String::from_utf8(key.public_key_to_pem().unwrap()).unwrap();
    let mut doc = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id, "type": "Person", "preferredUsername": name,
        "inbox": format!("{id}/inbox"),
        "followers": format!("{id}/followers"),
        "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": pem},
    });
    if inner.shared_inbox {
        doc["endpoints"] = json!({"sharedInbox": format!("{base}/inbox")});
    }
    if let Some(new) = inner.moved_to.get(&name) {
        doc["movedTo"] = json!(new);
    }
    if let Some(old) = inner.also_known_as.get(&name) {
        doc["alsoKnownAs"] = json!([old]);
    }
    HttpResponse::Ok()
        .content_type("application/activity+json")
        .body(doc.to_string())
}

async fn nodeinfo_links(data: web::Data<(String, Arc<Mutex<Inner>>)>) -> HttpResponse {
    HttpResponse::Ok().json(json!({"links": [{
        "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
        "href": format!("{}/nodeinfo/2.1", data.0),
    }]}))
}

async fn nodeinfo() -> HttpResponse {
    HttpResponse::Ok()
        .json(json!({"version": "2.1", "software": {"name": "fakeverse", "version": "1.0"}}))
}

async fn inbox(
    req: HttpRequest,
    body: web::Bytes,
    data: web::Data<(String, Arc<Mutex<Inner>>)>,
) -> HttpResponse {
    let delay = data.1.lock().unwrap().delay_ms;
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let (key_id, verified) = verify(&req, &body, &data.1).await;
    let activity: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let path = req.path().to_string();
    let collection_sync = req
        .headers()
        .get("collection-synchronization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut inner = data.1.lock().unwrap();
    inner.received.push(Received {
        path: path.clone(),
        activity,
        key_id,
        verified,
        collection_sync,
    });
    let status = inner
        .answers
        .get_mut(&path)
        .and_then(Vec::pop)
        .unwrap_or(202);
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).finish()
}

/// Rebuilds the draft-cavage signing string and checks it against the key
/// published in the signer's actor document.
async fn verify(req: &HttpRequest, body: &[u8], inner: &Mutex<Inner>) -> (String, bool) {
    let header = |n: &str| {
        req.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let sig = header("signature");
    let field = |name: &str| {
        sig.split(',')
            .find_map(|p| p.trim().strip_prefix(&format!("{name}=\"")))
            .map(|v| v.trim_end_matches('"').to_string())
            .unwrap_or_default()
    };
    let key_id = field("keyId");
    let signed: Vec<String> = field("headers").split(' ').map(str::to_string).collect();
    let digest_ok = header("digest") == format!("SHA-256={}", B64.encode(Sha256::digest(body)));
    let date_ok = httpdate::parse_http_date(&header("date"))
        .map(|d| d.elapsed().unwrap_or_default() < Duration::from_secs(300))
        .unwrap_or(false);
    let covers = ["(request-target)", "host", "date", "digest"]
        .iter()
        .all(|h| signed.iter().any(|s| s == h));
    let lines: Vec<String> = signed
        .iter()
        .map(|h| match h.as_str() {
            "(request-target)" => format!("(request-target): post {}", req.path()),
            other => format!("{other}: {}", header(other)),
        })
        .collect();
    let cached = inner.lock().unwrap().key_docs.get(&key_id).cloned();
    let doc: Value = match cached {
        Some(doc) => doc,
        None => {
            let doc = match reqwest::Client::new()
                .get(key_id.split('#').next().unwrap_or_default())
                .header("accept", "application/activity+json")
                .send()
                .await
            {
                Ok(r) => r.json().await.unwrap_or(Value::Null),
                Err(_) => Value::Null,
            };
            if doc["publicKey"]["publicKeyPem"].is_string() {
                inner
                    .lock()
                    .unwrap()
                    .key_docs
                    .insert(key_id.clone(), doc.clone());
            }
            doc
        }
    };
    let pem = doc["publicKey"]["publicKeyPem"]
        .as_str()
        .unwrap_or_default();
    let owner_ok = doc["publicKey"]["id"] == key_id.as_str();
    let sig_ok = PKey::public_key_from_pem(pem.as_bytes())
        .ok()
        .and_then(|k| {
            let mut v = Verifier::new(MessageDigest::sha256(), &k).ok()?;
            v.update(lines.join("\n").as_bytes()).ok()?;
            v.verify(&B64.decode(field("signature")).ok()?).ok()
        })
        .unwrap_or(false);
    (key_id, digest_ok && date_ok && covers && owner_ok && sig_ok)
}
