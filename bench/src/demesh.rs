//! Driving the real `demesh` binary: groups made with its CLI, members
//! written straight to its database (setup is not what is measured),
//! `demesh serve` as a child process, signed posts from members.

use demesh::db::{memberships::APPROVED, Db, RemoteActor};
use openssl::pkey::{PKey, Private};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub struct Demesh {
    pub bin: String,
    pub db_url: String,
    pub base: String,
    pub port: u16,
    pub db: Db,
}

/// One member: the actor URL on a fake server, signing with the shared key.
#[derive(Clone)]
pub struct Member {
    pub uri: String,
}

impl Demesh {
    pub fn new(bin: &str, db_url: &str) -> anyhow::Result<Demesh> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        Ok(Demesh {
            bin: bin.to_string(),
            db_url: db_url.to_string(),
            base: format!("http://127.0.0.1:{port}"),
            port,
            db: Db::connect(db_url)?,
        })
    }

    pub fn group_url(&self, name: &str) -> String {
        format!("{}/groups/{name}", self.base)
    }

    /// Creates the group with the CLI; returns its public key.
    pub fn create_group(&self, name: &str) -> anyhow::Result<String> {
        let out = std::process::Command::new(&self.bin)
            .args(["group", "create", name])
            .env("DATABASE_URL", &self.db_url)
            .env("DEMESH_BASE_URL", &self.base)
            .output()?;
        anyhow::ensure!(out.status.success(), "group create: {}", String::from_utf8_lossy(&out.stderr));
        Ok(self.db.group_by_name(name)?.public_key_pem)
    }

    /// `count` approved members named `{prefix}{i}`, spread round-robin
    /// over `ports`, all with `public_pem` as their key.
    pub fn add_members(&self, group: &str, prefix: &str, count: usize, ports: &[u16], public_pem: &str) -> anyhow::Result<Vec<Member>> {
        let group = self.db.group_by_name(group)?;
        let mut members = Vec::with_capacity(count);
        for i in 0..count {
            let p = ports[i % ports.len()];
            let uri = format!("http://127.0.0.1:{p}/users/{prefix}{i}");
            self.db.upsert_remote_actor(RemoteActor {
                id: 0, uri: uri.clone(), key_id: format!("{uri}#main-key"), public_key_pem: public_pem.to_string(),
                inbox: format!("{uri}/inbox"), shared_inbox: Some(format!("http://127.0.0.1:{p}/inbox")),
                username: format!("{prefix}{i}"), domain: format!("127.0.0.1:{p}"), also_known_as: "[]".into(),
                fetched_at: demesh::db::now_ms(), followers: Some(format!("{uri}/followers")), software: None,
            })?;
            self.db.record_follow(group.id, &uri, &format!("{uri}#follow"), "{}", APPROVED)?;
            members.push(Member { uri });
        }
        Ok(members)
    }

    /// Starts `demesh serve` with the inbox rate limits off (the bench
    /// sends far more per account than a person would).
    pub async fn serve(&self, role: &str) -> anyhow::Result<tokio::process::Child> {
        // BENCH_WRAP (e.g. "heaptrack" or "perf record -o x --") runs
        // demesh under a profiler; `demesh_pid` then finds demesh itself.
        let wrap = std::env::var("BENCH_WRAP").unwrap_or_default();
        let mut argv: Vec<String> = wrap.split_whitespace().map(str::to_string).collect();
        argv.push(self.bin.clone());
        let child = tokio::process::Command::new(&argv[0])
            .args(&argv[1..])
            .args(["serve", "--role", role])
            .env("DATABASE_URL", &self.db_url)
            .env("DEMESH_BASE_URL", &self.base)
            .env("DEMESH_LISTEN", format!("127.0.0.1:{}", self.port))
            .env("DEMESH_ALLOW_PRIVATE_NETWORKS", "true")
            .env("DEMESH_SERVER_RATE_LIMIT", "0")
            .env("DEMESH_ACCOUNT_RATE_LIMIT", "0")
            .env("RUST_LOG", "warn")
            .kill_on_drop(true)
            .spawn()?;
        let http = reqwest::Client::new();
        while http.get(format!("{}/healthz", self.base)).send().await.is_err() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(child)
    }
}

/// A member's Create addressed to the group, ready to send: body and
/// signed headers. Signing happens here, before any clock starts.
pub struct SignedPost {
    pub body: String,
    /// Where on demesh it goes (signed as the request target).
    pub path: String,
    pub headers: Vec<(String, String)>,
}

pub fn signed_post(d: &Demesh, group: &str, author: &Member, n: u64, key: &PKey<Private>) -> anyhow::Result<SignedPost> {
    let a = &author.uri;
    let g = d.group_url(group);
    let body = serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{a}/statuses/{n}/activity"), "type": "Create", "actor": a,
        "to": [g, format!("{g}/followers")],
        "object": {"id": format!("{a}/statuses/{n}"), "type": "Note", "attributedTo": a,
                   "to": [g, format!("{g}/followers")],
                   "content": format!("<p>bench-marker-{n}-</p>")}
    })
    .to_string();
    let host = d.base.trim_start_matches("http://");
    let headers = crate::cavage::sign_post(host, "/inbox", body.as_bytes(), &format!("{a}#main-key"), key)?
        .into_iter()
        .filter(|(k, _)| k != "host")
        .collect();
    Ok(SignedPost { body, path: "/inbox".into(), headers })
}

pub async fn send(http: &reqwest::Client, base: &str, post: SignedPost) -> anyhow::Result<u16> {
    let mut req = http.post(format!("{base}{}", post.path)).header("content-type", "application/activity+json").body(post.body);
    for (k, v) in post.headers {
        req = req.header(k, v);
    }
    Ok(req.send().await?.status().as_u16())
}

/// utime + stime of a process, in seconds.
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are fields 14 and 15 of proc(5); field 3 is index 0 here.
    (ticks(11) + ticks(12)) as f64 / clock_ticks()
}

fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// The demesh process: `pid` itself, or (under BENCH_WRAP) the
/// descendant of it that runs `bin`.
pub fn demesh_pid(pid: u32, bin: &str) -> u32 {
    let want = std::fs::canonicalize(bin).ok();
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        if std::fs::read_link(format!("/proc/{p}/exe")).ok() == want {
            return p;
        }
        let children = std::fs::read_to_string(format!("/proc/{p}/task/{p}/children")).unwrap_or_default();
        todo.extend(children.split_whitespace().filter_map(|c| c.parse::<u32>().ok()));
    }
    pid
}

/// What makes up the RSS (anonymous memory, mapped files) and how many
/// file descriptors demesh holds (mostly connections), for stderr.
pub fn describe(pid: u32) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| status.lines().find(|l| l.starts_with(name)).map_or(String::new(), |l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "));
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count());
    format!("RSS {} (anonymous {}, files {}), {} threads, {fds} file descriptors", field("VmRSS:"), field("RssAnon:"), field("RssFile:"), field("Threads:"))
}

pub fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

/// Samples a process's RSS every 10 ms until stopped; keeps the peak.
pub struct PeakRss {
    peak: Arc<AtomicU64>,
    running: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl PeakRss {
    pub fn start(pid: u32) -> PeakRss {
        let (peak, running) = (Arc::new(AtomicU64::new(rss_kb(pid))), Arc::new(AtomicBool::new(true)));
        let (p, r) = (peak.clone(), running.clone());
        let thread = std::thread::spawn(move || {
            while r.load(Ordering::Relaxed) {
                p.fetch_max(rss_kb(pid), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        PeakRss { peak, running, thread: Some(thread) }
    }

    /// Stops sampling; the peak in kB.
    pub fn stop(mut self) -> u64 {
        self.running.store(false, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.peak.load(Ordering::Relaxed)
    }
}
