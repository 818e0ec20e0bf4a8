//! Fan-out benchmark. Starts the real `demesh` binary, a fake fediverse of
//! SERVERS servers (one process, one port each, every inbox verifying the
//! group's signature), gives one group MEMBERS members spread over those
//! servers, and measures one member post until every server has the
//! group's signed Create. Reports wall time, deliveries/s, the ratio to the
//! raw RSA-2048 signing rate of this machine (signing one request per
//! server is the floor), and demesh's idle and peak RSS.
//!
//! Usage: demesh-bench DEMESH_BINARY DATABASE_URL [MEMBERS] [SERVERS]

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use demesh::db::{memberships::APPROVED, Db, RemoteActor};
use demesh::signatures::{check, sign_request, RequestParts};
use std::collections::{BTreeMap, HashSet};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Default)]
struct Fake {
    /// Ports (servers) that received the marked Create, with a verified signature.
    got: Mutex<HashSet<u16>>,
    bad_signatures: Mutex<usize>,
    group_key: Mutex<Option<String>>,
}

async fn inbox(req: HttpRequest, body: web::Bytes, fake: web::Data<Arc<Fake>>) -> HttpResponse {
    let headers: BTreeMap<String, String> = req
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let parts = RequestParts { method: "POST", scheme: "http", path_and_query: req.path(), headers: &headers, body: Some(&body) };
    let key = fake.group_key.lock().map(|k| k.clone()).unwrap_or_default().unwrap_or_default();
    let ok = check(&parts).map(|p| p.verify(&key).is_ok()).unwrap_or(false);
    if !ok {
        *fake.bad_signatures.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        return HttpResponse::Unauthorized().finish();
    }
    if body.windows(12).any(|w| w == b"bench-marker") {
        let port = req.app_config().local_addr().port();
        fake.got.lock().unwrap_or_else(|p| p.into_inner()).insert(port);
    }
    HttpResponse::Accepted().finish()
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

/// RSA-2048 signatures per second on one core, as `openssl speed` reports.
fn openssl_sign_rate() -> anyhow::Result<f64> {
    let out = std::process::Command::new("openssl").args(["speed", "-seconds", "3", "rsa2048"]).output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("rsa 2048 bits")).ok_or_else(|| anyhow::anyhow!("no openssl speed line"))?;
    Ok(line.split_whitespace().nth(5).and_then(|v| v.parse().ok()).unwrap_or(0.0))
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (bin, db_url) = (args.get(1).cloned().unwrap_or_default(), args.get(2).cloned().unwrap_or_default());
    let members: usize = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let servers: usize = args.get(4).and_then(|v| v.parse().ok()).unwrap_or(1_000);
    let sign_rate = openssl_sign_rate()?;

    // The fake fediverse: one process, one port per server.
    let fake = Arc::new(Fake::default());
    let mut ports = Vec::new();
    let data = web::Data::new(fake.clone());
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/inbox", web::post().to(inbox))
            .route("/users/{name}/inbox", web::post().to(inbox))
    })
    .workers(1)
    .backlog(4096);
    for _ in 0..servers {
        let l = TcpListener::bind("127.0.0.1:0")?;
        ports.push(l.local_addr()?.port());
        server = server.listen(l)?;
    }
    actix_web::rt::spawn(server.run());

    // demesh itself.
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let base = format!("http://127.0.0.1:{port}");
    let db = Db::connect(&db_url)?;
    let run = |args: &[&str]| {
        std::process::Command::new(&bin).args(args).env("DATABASE_URL", &db_url).env("DEMESH_BASE_URL", &base).output()
    };
    run(&["group", "create", "club"])?;
    let group = db.group_by_name("club")?;
    *fake.group_key.lock().unwrap_or_else(|p| p.into_inner()) = Some(group.public_key_pem.clone());
    let (member_private, member_public) = demesh::keys::generate_rsa_pem()?;
    let setup = Instant::now();
    for i in 0..members {
        let p = ports[i % servers];
        let uri = format!("http://127.0.0.1:{p}/users/u{i}");
        db.upsert_remote_actor(RemoteActor {
            id: 0, uri: uri.clone(), key_id: format!("{uri}#main-key"), public_key_pem: member_public.clone(),
            inbox: format!("{uri}/inbox"), shared_inbox: Some(format!("http://127.0.0.1:{p}/inbox")),
            username: format!("u{i}"), domain: format!("127.0.0.1:{p}"), also_known_as: "[]".into(),
            fetched_at: 0, followers: Some(format!("{uri}/followers")), software: None,
        })?;
        db.record_follow(group.id, &uri, &format!("{uri}#follow"), "{}", APPROVED)?;
    }
    eprintln!("setup: {members} members on {servers} servers in {:.1} s", setup.elapsed().as_secs_f64());

    let mut child = tokio::process::Command::new(&bin)
        .arg("serve")
        .env("DATABASE_URL", &db_url).env("DEMESH_BASE_URL", &base)
        .env("DEMESH_LISTEN", format!("127.0.0.1:{port}")).env("DEMESH_ALLOW_PRIVATE_NETWORKS", "true")
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()?;
    let pid = child.id().unwrap_or(0);
    let http = reqwest::Client::new();
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_rss = rss_kb(pid);

    // One member post, signed as member u0.
    let author = format!("http://127.0.0.1:{}/users/u0", ports[0]);
    let create = serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{author}/statuses/1/activity"), "type": "Create", "actor": author,
        "to": [group_actor(&base), format!("{}/followers", group_actor(&base))],
        "object": {"id": format!("{author}/statuses/1"), "type": "Note", "attributedTo": author,
                   "to": [group_actor(&base), format!("{}/followers", group_actor(&base))],
                   "content": "<p>bench-marker</p>"}
    }).to_string();
    let url = reqwest::Url::parse(&format!("{base}/inbox"))?;
    let key = demesh::keys::private_key(&member_private)?;
    let headers = sign_request("POST", &url, Some(create.as_bytes()), &format!("{author}#main-key"), &key)?;
    let mut req = http.post(url).header("content-type", "application/activity+json").body(create);
    for (k, v) in headers.into_iter().filter(|(k, _)| k != "host") {
        req = req.header(k, v);
    }
    let peak = Arc::new(Mutex::new(idle_rss));
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        std::thread::spawn(move || {
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                let now = rss_kb(pid);
                let mut p = peak.lock().unwrap_or_else(|p| p.into_inner());
                *p = (*p).max(now);
                drop(p);
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };
    let t0 = Instant::now();
    let status = req.send().await?.status().as_u16();
    anyhow::ensure!(status == 202, "the post was answered {status}");
    while fake.got.lock().unwrap_or_else(|p| p.into_inner()).len() < servers {
        anyhow::ensure!(t0.elapsed() < Duration::from_secs(300), "fan-out incomplete after 300 s");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let wall = t0.elapsed().as_secs_f64();
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let _ = sampler.join();
    let peak_rss = *peak.lock().unwrap_or_else(|p| p.into_inner());
    let bad = *fake.bad_signatures.lock().unwrap_or_else(|p| p.into_inner());
    let rate = servers as f64 / wall;
    println!(
        "| {} | {members} | {servers} | {wall:.2} s | {rate:.0} | {sign_rate:.0} | {:.2} | {:.1} MB | {:.1} MB | {bad} |",
        db.backend().name(), rate / sign_rate, idle_rss as f64 / 1024.0, peak_rss as f64 / 1024.0
    );
    let _ = child.kill().await;
    Ok(())
}

fn group_actor(base: &str) -> String {
    format!("{base}/groups/club")
}
