//! The fake fediverse: one process, one port per server. Every inbox
//! verifies the group's signature with the bench's own verifier
//! (`cavage`; a refusal is counted, never accepted) and records when each
//! marked post arrived at which server. Each server has its own RSA key
//! and serves what a join needs: its accounts' actor documents (with that
//! key) and NodeInfo.

use crate::cavage;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use openssl::pkey::{PKey, Private, Public};
use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Bodies carry `bench-marker-N-` in their content; N names the post.
pub const MARKER: &[u8] = b"bench-marker-";

/// One fake server's key pair.
pub struct ServerKey {
    pub private: PKey<Private>,
    pub public_pem: String,
}

#[derive(Default)]
pub struct Fake {
    /// Post number → (server port, arrival time) for every verified delivery.
    pub arrivals: Mutex<HashMap<u64, Vec<(u16, Instant)>>>,
    pub bad_signatures: AtomicUsize,
    /// Verified `Accept`s received (answers to the join phase's Follows).
    pub accepts: AtomicUsize,
    /// NodeInfo 2.1 documents served.
    pub nodeinfo_served: AtomicUsize,
    /// Actor documents served.
    pub actors_served: AtomicUsize,
    /// Group public keys (parsed: decoding PEM costs more than verifying)
    /// by key id, so one fake serves several groups.
    pub group_keys: Mutex<HashMap<String, PKey<Public>>>,
    /// Each server's own key, by port (written once, before any request).
    pub server_keys: Mutex<HashMap<u16, Arc<ServerKey>>>,
}

impl Fake {
    pub fn servers_with(&self, post: u64) -> usize {
        let arrivals = self.arrivals.lock().unwrap_or_else(|p| p.into_inner());
        arrivals.get(&post).map_or(0, |v| {
            let mut ports: Vec<u16> = v.iter().map(|(p, _)| *p).collect();
            ports.sort_unstable();
            ports.dedup();
            ports.len()
        })
    }

    pub fn bad_signatures(&self) -> usize {
        self.bad_signatures.load(Ordering::Relaxed)
    }

    pub fn server_key(&self, port: u16) -> Option<Arc<ServerKey>> {
        self.server_keys.lock().unwrap_or_else(|p| p.into_inner()).get(&port).cloned()
    }
}

/// RSA-2048 key pairs for `ports`, made on every core (1,000 keys take
/// a minute and a half on two), or read from the PEM file that
/// BENCH_KEY_CACHE names (written there when it has too few).
pub fn generate_keys(fake: &Fake, ports: &[u16]) -> anyhow::Result<()> {
    let cache = std::env::var("BENCH_KEY_CACHE").ok();
    let cached: Vec<PKey<Private>> = cache
        .as_ref()
        .and_then(|path| std::fs::read_to_string(path).ok())
        .map(|text| {
            text.split_inclusive("-----END PRIVATE KEY-----\n")
                .filter_map(|pem| PKey::private_key_from_pem(pem.as_bytes()).ok())
                .collect()
        })
        .unwrap_or_default();
    if cached.len() >= ports.len() {
        let mut keys = fake.server_keys.lock().unwrap_or_else(|p| p.into_inner());
        for (&p, private) in ports.iter().zip(cached) {
            let public_pem = String::from_utf8(private.public_key_to_pem()?)?;
            keys.insert(p, Arc::new(ServerKey { private, public_pem }));
        }
        return Ok(());
    }
    make_keys(fake, ports)?;
    if let Some(path) = cache {
        let keys = fake.server_keys.lock().unwrap_or_else(|p| p.into_inner());
        let mut text = String::new();
        for p in ports {
            if let Some(k) = keys.get(p) {
                text.push_str(std::str::from_utf8(&k.private.private_key_to_pem_pkcs8()?)?);
            }
        }
        std::fs::write(path, text)?;
    }
    Ok(())
}

fn make_keys(fake: &Fake, ports: &[u16]) -> anyhow::Result<()> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let made: Vec<(u16, ServerKey)> = std::thread::scope(|s| {
        let handles: Vec<_> = ports
            .chunks(ports.len().div_ceil(threads).max(1))
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|&p| {
                            let private = PKey::from_rsa(openssl::rsa::Rsa::generate(2048)?)?;
                            let public_pem = String::from_utf8(private.public_key_to_pem()?)?;
                            Ok((p, ServerKey { private, public_pem }))
                        })
                        .collect::<anyhow::Result<Vec<_>>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("key thread panicked")))).collect::<anyhow::Result<Vec<_>>>()
    })?
    .into_iter()
    .flatten()
    .collect();
    let mut keys = fake.server_keys.lock().unwrap_or_else(|p| p.into_inner());
    for (p, k) in made {
        keys.insert(p, Arc::new(k));
    }
    Ok(())
}

/// Starts `servers` listeners; returns their ports.
pub fn start(fake: Arc<Fake>, servers: usize) -> anyhow::Result<Vec<u16>> {
    let data = web::Data::new(fake);
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/inbox", web::post().to(inbox))
            .route("/users/{name}/inbox", web::post().to(inbox))
            .route("/users/{name}", web::get().to(actor))
            .route("/.well-known/nodeinfo", web::get().to(nodeinfo_links))
            .route("/nodeinfo/2.1", web::get().to(nodeinfo))
    })
    .workers(1)
    .backlog(4096);
    let mut ports = Vec::new();
    for _ in 0..servers {
        let l = TcpListener::bind("127.0.0.1:0")?;
        ports.push(l.local_addr()?.port());
        server = server.listen(l)?;
    }
    actix_web::rt::spawn(server.run());
    Ok(ports)
}

fn marker(body: &[u8]) -> Option<u64> {
    let at = body.windows(MARKER.len()).position(|w| w == MARKER)? + MARKER.len();
    let digits: Vec<u8> = body[at..].iter().take_while(|b| b.is_ascii_digit()).copied().collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

fn origin(req: &HttpRequest) -> String {
    format!("http://127.0.0.1:{}", req.app_config().local_addr().port())
}

async fn inbox(req: HttpRequest, body: web::Bytes, fake: web::Data<Arc<Fake>>) -> HttpResponse {
    let arrived = Instant::now();
    let headers: HashMap<String, String> = req
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_ascii_lowercase(), v.to_str().ok()?.to_string())))
        .collect();
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let incoming = cavage::Incoming { method: "POST", path_and_query: path, headers: &headers, body: &body };
    let verified = cavage::verify(&incoming, |key_id| fake.group_keys.lock().unwrap_or_else(|p| p.into_inner()).get(key_id).cloned());
    if let Err(why) = verified {
        if fake.bad_signatures.fetch_add(1, Ordering::Relaxed) < 5 {
            eprintln!("fake server refused a delivery: {why}");
        }
        return HttpResponse::Unauthorized().finish();
    }
    let port = req.app_config().local_addr().port();
    if let Some(n) = marker(&body) {
        fake.arrivals.lock().unwrap_or_else(|p| p.into_inner()).entry(n).or_default().push((port, arrived));
    } else if serde_json::from_slice::<serde_json::Value>(&body).is_ok_and(|v| v["type"] == "Accept") {
        fake.accepts.fetch_add(1, Ordering::Relaxed);
    }
    HttpResponse::Accepted().finish()
}

fn activity_json(doc: serde_json::Value) -> HttpResponse {
    HttpResponse::Ok().content_type("application/activity+json").body(doc.to_string())
}

/// A Mastodon-shaped actor document, keyed with its server's key.
async fn actor(req: HttpRequest, path: web::Path<String>, fake: web::Data<Arc<Fake>>) -> HttpResponse {
    let Some(key) = fake.server_key(req.app_config().local_addr().port()) else {
        return HttpResponse::NotFound().finish();
    };
    fake.actors_served.fetch_add(1, Ordering::Relaxed);
    let (o, name) = (origin(&req), path.into_inner());
    let id = format!("{o}/users/{name}");
    activity_json(serde_json::json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id, "type": "Person", "preferredUsername": name,
        "inbox": format!("{id}/inbox"), "outbox": format!("{id}/outbox"),
        "followers": format!("{id}/followers"),
        "endpoints": {"sharedInbox": format!("{o}/inbox")},
        "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": key.public_pem},
    }))
}

async fn nodeinfo_links(req: HttpRequest) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": format!("{}/nodeinfo/2.1", origin(&req))}]
    }))
}

async fn nodeinfo(fake: web::Data<Arc<Fake>>) -> HttpResponse {
    fake.nodeinfo_served.fetch_add(1, Ordering::Relaxed);
    HttpResponse::Ok().json(serde_json::json!({
        "version": "2.1",
        "software": {"name": "benchfake", "version": "1.0"},
        "protocols": ["activitypub"], "services": {"inbound": [], "outbound": []},
        "openRegistrations": false, "usage": {"users": {}}, "metadata": {}
    }))
}
