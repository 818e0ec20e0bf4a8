//! demesh benchmark: the real `demesh` binary against a fake fediverse of
//! many servers on loopback (one process, one port per server, each
//! verifying signatures). In one run it measures:
//!
//! - fan-out: one member post to a group of MEMBERS members on SERVERS
//!   servers, until every server has the signed Create; compared with the
//!   raw RSA-2048 signing rate of this machine (one signature per server
//!   is the floor); idle and peak RSS of demesh;
//! - latency: member posts through a 100-member group on 25 servers at a
//!   steady rate, from the POST to each server's inbox (p50/p99);
//! - inbox: signed Creates accepted (stored before the 202) per second.
//!
//! Usage: demesh-bench DEMESH_BINARY DATABASE_URL [MEMBERS] [SERVERS]
//! Prints one `fanout|…` and one `inbox|…` table row.

mod demesh;
mod fake;
mod fanout;
mod inbox;

use std::sync::Arc;
use std::time::Duration;

const FANOUT_RUNS: usize = 5;
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

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (bin, db_url) = (args.get(1).cloned().unwrap_or_default(), args.get(2).cloned().unwrap_or_default());
    let members: usize = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let servers: usize = args.get(4).and_then(|v| v.parse().ok()).unwrap_or(1_000).max(SMALL_GROUP_SERVERS);
    let sign_rate = openssl_sign_rate()?;

    let fake = Arc::new(fake::Fake::default());
    let ports = fake::start(fake.clone(), servers)?;
    let d = demesh::Demesh::new(&bin, &db_url)?;
    let (member_private, member_public) = ::demesh::keys::generate_rsa_pem()?;
    let key = ::demesh::keys::private_key(&member_private)?;
    for group in ["club", "hundred"] {
        let public = openssl::pkey::PKey::public_key_from_pem(d.create_group(group)?.as_bytes())?;
        fake.group_keys.lock().unwrap_or_else(|p| p.into_inner()).insert(d.group_url(group), public);
    }
    let setup = std::time::Instant::now();
    let club = d.add_members("club", "u", members, &ports, &member_public)?;
    let hundred = d.add_members("hundred", "h", SMALL_GROUP, &ports[..SMALL_GROUP_SERVERS], &member_public)?;
    eprintln!("setup: {members} + {SMALL_GROUP} members in {:.1} s", setup.elapsed().as_secs_f64());

    let mut child = d.serve("all").await?;
    let pid = child.id().unwrap_or(0);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_rss = demesh::rss_kb(pid);

    let f = fanout::fan_out(&d, &fake, pid, &club[0], servers, &key, FANOUT_RUNS).await?;
    let (cold, warm) = (servers as f64 / f.cold, servers as f64 / f.warm);
    println!(
        "fanout| {} | {members} | {servers} | {:.2} s | {cold:.0} | {:.2} | {:.2} s | {warm:.0} | {:.2} | {sign_rate:.0} | {:.1} MB | {:.1} MB | {} |",
        d.db.backend().name(), f.cold, cold / sign_rate, f.warm, warm / sign_rate,
        idle_rss as f64 / 1024.0, f.peak_rss_kb as f64 / 1024.0, fake.bad_signatures()
    );

    let l = inbox::latency(&d, &fake, &hundred, SMALL_GROUP_SERVERS, &key, 1, LATENCY_POSTS, LATENCY_RATE).await?;
    let t = inbox::throughput(&d, &hundred, &key, 2_000_000, INBOX_CREATES, INBOX_CONCURRENCY).await?;
    println!(
        "inbox| {} | {} | {} | {:.0} | {}/{} | {SMALL_GROUP} on {} | {} at {}/s | {:.0} ms | {:.0} ms | {:.0} ms | {} |",
        d.db.backend().name(), t.activities, t.concurrency, t.per_second, t.stored, t.activities,
        l.servers, l.posts, l.per_second, l.p50_ms, l.p99_ms, l.p99_all_ms, fake.bad_signatures()
    );
    let _ = child.kill().await;
    Ok(())
}
