//! demesh benchmark: the real `demesh` binary against a fake fediverse of
//! many servers on loopback (one process, one port per server, each
//! verifying signatures). In one run it measures:
//!
//! - joins: one account on every server follows the group (a real,
//!   signed Follow; the servers are pre-approved), until all are members;
//!   demesh's idle RSS after them;
//! - fan-out: one member post to a group of MEMBERS members on SERVERS
//!   servers, until every server has the signed Create; compared with the
//!   raw RSA-2048 signing rate of this machine (one signature per server
//!   is the floor); idle and peak RSS of demesh; demesh's CPU time per
//!   delivery next to one RSA-2048 signature timed in this process;
//! - latency: member posts through a 100-member group on 25 servers at a
//!   steady rate, from the POST to each server's inbox (p50/p99);
//! - inbox: signed Creates accepted (stored before the 202) per second.
//!
//! Usage: demesh-bench DEMESH_BINARY DATABASE_URL [MEMBERS] [SERVERS]
//! Prints one `fanout|…`, one `memory|…` and one `inbox|…` table row.

mod cavage;
mod demesh;
mod fake;
mod fanout;
mod floor;
mod inbox;
mod join;

use std::sync::Arc;
use std::time::Duration;

const FANOUT_RUNS: usize = 10;
/// How long demesh is left alone before its idle RSS is read: a moment,
/// and long enough for its idle connections to be closed (kept 30 s,
/// swept every 30 s) and the allocator trimmed (every 10 s).
const SETTLE: Duration = Duration::from_secs(5);
const LONG_IDLE: Duration = Duration::from_secs(75);
const SMALL_GROUP: usize = 100;
const SMALL_GROUP_SERVERS: usize = 25;
const LATENCY_POSTS: usize = 200;
const LATENCY_RATE: f64 = 10.0;
const INBOX_CREATES: usize = 10_000;
const INBOX_CONCURRENCY: usize = 64;

/// RSA-2048 signatures per second on one core, as `openssl speed` reports.
fn openssl_sign_rate() -> anyhow::Result<f64> {
    let out = std::process::Command::new("openssl").args(["speed", "-seconds", "3", "rsa2048"]).output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("rsa 2048 bits")).ok_or_else(|| anyhow::anyhow!("no openssl speed line"))?;
    Ok(line.split_whitespace().nth(5).and_then(|v| v.parse().ok()).unwrap_or(0.0))
}

/// Milliseconds per RSA-2048 signature (PKCS#1 v1.5, SHA-256) over a
/// signing string of a delivery's size, made here the way demesh makes
/// them (OpenSSL, a new signer per request): the fastest of five rounds,
/// in CPU time of this thread (as demesh's cost is its CPU time, so that
/// other processes on the machine change neither).
fn sign_cost_ms() -> anyhow::Result<f64> {
    use openssl::{hash::MessageDigest, sign::Signer};
    let key = openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(2048)?)?;
    let text = format!("(request-target): post /inbox\nhost: 127.0.0.1:40000\ndate: {}\ndigest: SHA-256={}", httpdate::fmt_http_date(std::time::SystemTime::now()), "A".repeat(44));
    let mut rounds = Vec::new();
    for _ in 0..5 {
        let t0 = thread_cpu_seconds();
        for _ in 0..400 {
            let mut signer = Signer::new(MessageDigest::sha256(), &key)?;
            signer.update(text.as_bytes())?;
            std::hint::black_box(signer.sign_to_vec()?);
        }
        rounds.push((thread_cpu_seconds() - t0) * 1000.0 / 400.0);
    }
    // The fastest round: the cost of a signature itself, with the least
    // of whatever else the machine was doing (which only adds).
    rounds.sort_by(f64::total_cmp);
    Ok(rounds[0])
}

fn thread_cpu_seconds() -> f64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime only writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--floor-client") {
        let rest = args[2..].to_vec();
        // Its own runtime, on a thread of its own (this one runs actix's).
        return std::thread::spawn(move || floor::client(&rest)).join().map_err(|_| anyhow::anyhow!("floor client panicked"))?;
    }
    let (bin, db_url) = (args.get(1).cloned().unwrap_or_default(), args.get(2).cloned().unwrap_or_default());
    let members: usize = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let servers: usize = args.get(4).and_then(|v| v.parse().ok()).unwrap_or(1_000).max(SMALL_GROUP_SERVERS);
    let sign_rate = openssl_sign_rate()?;

    let fake = Arc::new(fake::Fake::default());
    let ports = fake::start(fake.clone(), servers)?;
    let keys_made = std::time::Instant::now();
    fake::generate_keys(&fake, &ports)?;
    eprintln!("setup: {servers} server keys in {:.1} s", keys_made.elapsed().as_secs_f64());
    let d = demesh::Demesh::new(&bin, &db_url)?;
    let key = openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(2048)?)?;
    let member_public = String::from_utf8(key.public_key_to_pem()?)?;
    for group in ["club", "hundred"] {
        let public = openssl::pkey::PKey::public_key_from_pem(d.create_group(group)?.as_bytes())?;
        fake.group_keys.lock().unwrap_or_else(|p| p.into_inner()).insert(format!("{}#main-key", d.group_url(group)), public);
    }
    let setup = std::time::Instant::now();
    let club = d.add_members("club", "u", members, &ports, &member_public)?;
    let hundred = d.add_members("hundred", "h", SMALL_GROUP, &ports[..SMALL_GROUP_SERVERS], &member_public)?;
    eprintln!("setup: {members} + {SMALL_GROUP} members in {:.1} s", setup.elapsed().as_secs_f64());

    let child = d.serve("all").await?;
    let pid = demesh::demesh_pid(child.id().unwrap_or(0), &bin);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_rss = demesh::rss_kb(pid);
    eprintln!("fresh: {}", demesh::describe(pid));

    let joined = join::join(&d, &fake, pid, "club", &ports).await?;
    let quick = std::env::var_os("BENCH_QUICK").is_some();
    let (settle, long_idle) = if quick { (Duration::from_secs(1), Duration::from_secs(2)) } else { (SETTLE, LONG_IDLE) };
    tokio::time::sleep(settle).await;
    let after_joins = demesh::rss_kb(pid);
    eprintln!("5 s after the joins: {}", demesh::describe(pid));
    tokio::time::sleep(long_idle - settle).await;
    let long_after_joins = demesh::rss_kb(pid);
    eprintln!("75 s after the joins: {}", demesh::describe(pid));
    // BENCH_PERF=FILE: `perf record` of demesh during the fan-outs only.
    let perf = match std::env::var("BENCH_PERF") {
        Ok(out) => {
            let p = tokio::process::Command::new("perf").args(["record", "-F", "1999", "--call-graph=dwarf,16384", "-o", &out, "-p", &pid.to_string()]).spawn()?;
            tokio::time::sleep(Duration::from_secs(1)).await;
            Some(p)
        }
        Err(_) => None,
    };
    let f = fanout::fan_out(&d, &fake, pid, &club[0], servers, &key, FANOUT_RUNS).await?;
    if let Some(mut p) = perf {
        let _ = std::process::Command::new("kill").args(["-INT", &p.id().unwrap_or(0).to_string()]).status();
        let _ = p.wait().await;
    }
    tokio::time::sleep(settle).await;
    let after_fanouts = demesh::rss_kb(pid);
    eprintln!("5 s after the fan-outs: {}", demesh::describe(pid));
    tokio::time::sleep(long_idle - settle).await;
    let long_after_fanouts = demesh::rss_kb(pid);
    eprintln!("75 s after the fan-outs: {}", demesh::describe(pid));
    let sign_ms = sign_cost_ms()?;
    let floor_ms = floor::measure(&fake, &ports, FANOUT_RUNS, floor::Mode::Client)?;
    let raw_ms = floor::measure(&fake, &ports, FANOUT_RUNS, floor::Mode::Raw)?;
    let cpu_ms = f.cpu_seconds * 1000.0 / f.deliveries.max(1) as f64;
    let mb = |kb: u64| kb as f64 / 1024.0;
    println!(
        "memory| {} | {members} + {servers} joined | {servers} | {:.1} s | {:.1} MB | {:.1} / {:.1} MB | {:.1} MB | {:.1} / {:.1} MB | {FANOUT_RUNS} × {servers}: {} | {cpu_ms:.3} ms | {sign_ms:.3} ms | {:.2} | {floor_ms:.3} ms ({:.2}) | {raw_ms:.3} ms ({:.2}) | {} |",
        d.db.backend().name(), joined.wall, mb(idle_rss), mb(after_joins), mb(long_after_joins), mb(joined.peak_rss_kb.max(f.peak_rss_kb)),
        mb(after_fanouts), mb(long_after_fanouts), f.deliveries, cpu_ms / sign_ms, floor_ms / sign_ms, raw_ms / sign_ms, fake.bad_signatures()
    );
    let (cold, warm) = (servers as f64 / f.cold, servers as f64 / f.warm);
    println!(
        "fanout| {} | {members} | {servers} | {:.2} s | {cold:.0} | {:.2} | {:.2} s | {warm:.0} | {:.2} | {sign_rate:.0} | {:.1} MB | {:.1} MB | {} |",
        d.db.backend().name(), f.cold, cold / sign_rate, f.warm, warm / sign_rate,
        idle_rss as f64 / 1024.0, f.peak_rss_kb as f64 / 1024.0, fake.bad_signatures()
    );

    // BENCH_SKIP_INBOX=1: joins and fan-outs only (for profiling runs).
    if std::env::var_os("BENCH_SKIP_INBOX").is_some() {
        stop(child, pid).await;
        return Ok(());
    }
    let l = inbox::latency(&d, &fake, &hundred, SMALL_GROUP_SERVERS, &key, 1, LATENCY_POSTS, LATENCY_RATE).await?;
    let t = inbox::throughput(&d, &hundred, &key, 2_000_000, INBOX_CREATES, INBOX_CONCURRENCY).await?;
    println!(
        "inbox| {} | {} | {} | {:.0} | {}/{} | {SMALL_GROUP} on {} | {} at {}/s | {:.0} ms | {:.0} ms | {:.0} ms | {} |",
        d.db.backend().name(), t.activities, t.concurrency, t.per_second, t.stored, t.activities,
        l.servers, l.posts, l.per_second, l.p50_ms, l.p99_ms, l.p99_all_ms, fake.bad_signatures()
    );
    stop(child, pid).await;
    Ok(())
}

/// Stops demesh; under BENCH_WRAP with SIGTERM, so that the profiler
/// around it writes its data.
async fn stop(mut child: tokio::process::Child, pid: u32) {
    if std::env::var_os("BENCH_WRAP").is_some() {
        let _ = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status();
        let _ = tokio::time::timeout(Duration::from_secs(300), child.wait()).await;
    }
    let _ = child.kill().await;
}
