//! A simulated member server for `demesh demo`: one fediverse account on
//! its own loopback port. It publishes the account's actor document and
//! key, signs what the account sends with demesh's own signing code, and
//! verifies every delivery the way a real server does: the signature must
//! check against the key published in the signer's actor document, and
//! that actor must be the activity's `actor`. Unsigned or badly signed
//! deliveries are answered 401 and reported.

use crate::keys;
use crate::signatures::{self, RequestParts};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use anyhow::{anyhow, bail, Context};
use openssl::pkey::{PKey, Private};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a step waits for a delivery before it fails.
const WAIT: Duration = Duration::from_secs(20);

#[derive(Default)]
struct Inbox {
    /// Activities whose signature verified, in arrival order.
    accepted: Vec<Value>,
    /// Why deliveries were refused.
    refused: Vec<String>,
    /// Public keys fetched from signers' actor documents, by key id.
    keys: HashMap<String, String>,
}

struct Shared {
    actor: Value,
    inbox: Mutex<Inbox>,
    http: reqwest::Client,
}

pub struct MemberServer {
    pub name: String,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    key: PKey<Private>,
    shared: Arc<Shared>,
    handle: actix_web::dev::ServerHandle,
}

impl MemberServer {
    /// Starts a server on a free loopback port for the account `name`.
    pub fn start(name: &str) -> anyhow::Result<MemberServer> {
        let listener = TcpListener::bind("127.0.0.1:0").context("binding a loopback port")?;
        let base = format!("http://{}", listener.local_addr()?);
        let (private_pem, public_pem) = keys::generate_rsa_pem()?;
        let id = format!("{base}/users/{name}");
        let actor = json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": id,
            "type": "Person",
            "preferredUsername": name,
            "name": name,
            "inbox": format!("{id}/inbox"),
            "outbox": format!("{id}/outbox"),
            "followers": format!("{id}/followers"),
            "endpoints": { "sharedInbox": format!("{base}/inbox") },
            "publicKey": { "id": format!("{id}#main-key"), "owner": id, "publicKeyPem": public_pem },
        });
        let shared = Arc::new(Shared {
            actor,
            inbox: Mutex::default(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()?,
        });
        let data = web::Data::from(shared.clone());
        let user_path = format!("/users/{name}");
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route(&user_path, web::get().to(actor_document))
                .route(&format!("{user_path}/inbox"), web::post().to(inbox))
                .route("/inbox", web::post().to(inbox))
                .route("/.well-known/nodeinfo", web::get().to(nodeinfo_links))
                .route("/nodeinfo/2.1", web::get().to(nodeinfo))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)?
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Ok(MemberServer {
            name: name.to_string(),
            base,
            key: keys::private_key(&private_pem)?,
            shared,
            handle,
        })
    }

    pub fn actor_id(&self) -> String {
        format!("{}/users/{}", self.base, self.name)
    }

    /// `name@127.0.0.1:PORT`, as `demesh request list` shows the account.
    pub fn handle(&self) -> String {
        format!("{}@{}", self.name, self.base.trim_start_matches("http://"))
    }

    /// Signs `activity` as this account and POSTs it; fails unless the
    /// answer is 2xx.
    pub async fn send(&self, url: &str, activity: &Value) -> anyhow::Result<u16> {
        let parsed = url::Url::parse(url)?;
        let body = activity.to_string().into_bytes();
        let key_id = format!("{}#main-key", self.actor_id());
        let headers = signatures::sign_request("POST", &parsed, Some(&body), &key_id, &self.key)?;
        let mut req = self
            .shared
            .http
            .post(url)
            .header("content-type", "application/activity+json")
            .body(body);
        for (name, value) in headers {
            // reqwest sets Host itself, to the value that was signed.
            if name != "host" {
                req = req.header(name, value);
            }
        }
        let status = req
            .send()
            .await
            .with_context(|| format!("POST {url}"))?
            .status();
        if !status.is_success() {
            bail!("POST {url} was answered {status}");
        }
        Ok(status.as_u16())
    }

    /// Waits for a verified activity that `matches`, and returns it.
    pub async fn wait_for(
        &self,
        what: &str,
        matches: impl Fn(&Value) -> bool,
    ) -> anyhow::Result<Value> {
        let start = Instant::now();
        loop {
            {
                let inbox = self.shared.inbox.lock().map_err(|_| anyhow!("poisoned"))?;
                if let Some(found) = inbox.accepted.iter().find(|a| matches(a)) {
                    return Ok(found.clone());
                }
                if start.elapsed() > WAIT {
                    let refused = match inbox.refused.last() {
                        Some(why) => format!("; it refused a delivery: {why}"),
                        None => String::new(),
                    };
                    bail!(
                        "{}'s server received no {what} within {} s ({} verified deliveries){refused}",
                        self.name,
                        WAIT.as_secs(),
                        inbox.accepted.len()
                    );
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }
}

async fn actor_document(shared: web::Data<Shared>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/activity+json")
        .body(shared.actor.to_string())
}

async fn nodeinfo_links(req: HttpRequest) -> HttpResponse {
    let info = req.connection_info();
    HttpResponse::Ok().json(json!({"links": [{
        "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
        "href": format!("{}://{}/nodeinfo/2.1", info.scheme(), info.host()),
    }]}))
}

async fn nodeinfo() -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "version": "2.1",
        "software": {"name": "demo-member", "version": env!("CARGO_PKG_VERSION")},
        "protocols": ["activitypub"],
    }))
}

async fn inbox(req: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    match verify(&req, &body, &shared).await {
        Ok(activity) => {
            if let Ok(mut inbox) = shared.inbox.lock() {
                inbox.accepted.push(activity);
            }
            HttpResponse::Accepted().finish()
        }
        Err(why) => {
            tracing::warn!(error = %why, "demo member server refused a delivery");
            if let Ok(mut inbox) = shared.inbox.lock() {
                inbox.refused.push(format!("{why:#}"));
            }
            HttpResponse::Unauthorized().body(why.to_string())
        }
    }
}

/// What a receiving server checks before it trusts a delivery.
async fn verify(req: &HttpRequest, body: &[u8], shared: &Shared) -> anyhow::Result<Value> {
    let headers: BTreeMap<String, String> = req
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map_or(req.path(), |p| p.as_str());
    let pending = signatures::check(&RequestParts {
        method: "POST",
        scheme: "http",
        path_and_query,
        headers: &headers,
        body: Some(body),
    })
    .context("signature")?;
    let activity: Value = serde_json::from_slice(body).context("body is not JSON")?;
    let owner = pending.key_id.split('#').next().unwrap_or_default();
    if activity["actor"].as_str() != Some(owner) {
        bail!(
            "key {} does not belong to the activity's actor",
            pending.key_id
        );
    }
    let cached = shared
        .inbox
        .lock()
        .map_err(|_| anyhow!("poisoned"))?
        .keys
        .get(&pending.key_id)
        .cloned();
    let pem = match cached {
        Some(pem) => pem,
        None => {
            let pem = fetch_key(&shared.http, &pending.key_id).await?;
            if let Ok(mut inbox) = shared.inbox.lock() {
                inbox.keys.insert(pending.key_id.clone(), pem.clone());
            }
            pem
        }
    };
    pending.verify(&pem)?;
    Ok(activity)
}

/// The public key a signer publishes in its actor document.
async fn fetch_key(http: &reqwest::Client, key_id: &str) -> anyhow::Result<String> {
    let actor = key_id.split('#').next().unwrap_or_default();
    let doc: Value = http
        .get(actor)
        .header("accept", "application/activity+json")
        .send()
        .await
        .with_context(|| format!("fetching {actor}"))?
        .json()
        .await
        .with_context(|| format!("{actor} is not JSON"))?;
    if doc["publicKey"]["id"].as_str() != Some(key_id) {
        bail!("{actor} does not publish the key {key_id}");
    }
    doc["publicKey"]["publicKeyPem"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("{actor} has no publicKeyPem"))
}
