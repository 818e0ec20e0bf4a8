//! The fake fediverse: one process, one port per server. Every inbox
//! verifies the group's signature (a refusal is counted, never accepted)
//! and records when each marked post arrived at which server.

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use demesh::signatures::{check, RequestParts};
use openssl::pkey::{PKey, Public};
use std::collections::{BTreeMap, HashMap};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Bodies carry `bench-marker-N-` in their content; N names the post.
pub const MARKER: &[u8] = b"bench-marker-";

#[derive(Default)]
pub struct Fake {
    /// Post number → (server port, arrival time) for every verified delivery.
    pub arrivals: Mutex<HashMap<u64, Vec<(u16, Instant)>>>,
    pub bad_signatures: Mutex<usize>,
    /// Group public keys (parsed: decoding PEM costs more than verifying)
    /// by actor URL, so one fake serves several groups.
    pub group_keys: Mutex<HashMap<String, PKey<Public>>>,
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
        *self.bad_signatures.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Starts `servers` listeners; returns their ports.
pub fn start(fake: Arc<Fake>, servers: usize) -> anyhow::Result<Vec<u16>> {
    let data = web::Data::new(fake);
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/inbox", web::post().to(inbox))
            .route("/users/{name}/inbox", web::post().to(inbox))
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

async fn inbox(req: HttpRequest, body: web::Bytes, fake: web::Data<Arc<Fake>>) -> HttpResponse {
    let arrived = Instant::now();
    let headers: BTreeMap<String, String> = req
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let parts = RequestParts { method: "POST", scheme: "http", path_and_query: req.path(), headers: &headers, body: Some(&body) };
    let ok = check(&parts).is_ok_and(|p| {
        let owner = p.key_id.split('#').next().unwrap_or_default().to_string();
        let key = fake.group_keys.lock().unwrap_or_else(|p| p.into_inner()).get(&owner).cloned();
        key.is_some_and(|k| p.verify_key(&k).is_ok())
    });
    if !ok {
        *fake.bad_signatures.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        return HttpResponse::Unauthorized().finish();
    }
    if let Some(n) = marker(&body) {
        let port = req.app_config().local_addr().port();
        fake.arrivals.lock().unwrap_or_else(|p| p.into_inner()).entry(n).or_default().push((port, arrived));
    }
    HttpResponse::Accepted().finish()
}
