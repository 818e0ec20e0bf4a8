//! One member post to a very large group, until every server has it.

use crate::demesh::{cpu_seconds, send, signed_post, Demesh, Member, PeakRss};
use crate::fake::Fake;
use openssl::pkey::{PKey, Private};
use std::time::{Duration, Instant};

pub struct FanOut {
    /// The first post's wall time, in seconds: new connections to every
    /// server.
    pub cold: f64,
    /// The median of the later posts: connections kept from the first
    /// (as for a group that posts more than once every 90 s).
    pub warm: f64,
    pub peak_rss_kb: u64,
    /// demesh's CPU time (user + system) over all the posts, in seconds,
    /// and the verified deliveries it made in that time.
    pub cpu_seconds: f64,
    pub deliveries: usize,
}

/// `runs` posts one after another, each once the previous one reached
/// every server.
pub async fn fan_out(d: &Demesh, fake: &Fake, pid: u32, author: &Member, servers: usize, key: &PKey<Private>, runs: usize) -> anyhow::Result<FanOut> {
    let http = reqwest::Client::new();
    let peak = PeakRss::start(pid);
    let mut walls = Vec::with_capacity(runs);
    let cpu_before = cpu_seconds(pid);
    for run in 0..runs as u64 {
        let marker = FIRST_MARKER + run;
        let post = signed_post(d, "club", author, marker, key)?;
        let t0 = Instant::now();
        let status = send(&http, &d.base, post).await?;
        anyhow::ensure!(status == 202, "the post was answered {status}");
        while fake.servers_with(marker) < servers {
            anyhow::ensure!(t0.elapsed() < Duration::from_secs(300), "fan-out incomplete after 300 s");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        walls.push(t0.elapsed().as_secs_f64());
        let first = fake.arrivals.lock().unwrap_or_else(|p| p.into_inner()).get(&marker).and_then(|v| v.iter().map(|(_, t)| *t).min());
        eprintln!("fan-out {run}: first delivery after {:.0} ms, all after {:.0} ms", first.map_or(f64::NAN, |f| f.duration_since(t0).as_secs_f64() * 1000.0), walls[walls.len() - 1] * 1000.0);
    }
    // The results are written just after the last arrival: count them in.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let cpu = cpu_seconds(pid) - cpu_before;
    let deliveries = (0..runs as u64).map(|r| fake.servers_with(FIRST_MARKER + r)).sum();
    let cold = walls.remove(0);
    walls.sort_by(f64::total_cmp);
    let warm = walls.get(walls.len() / 2).copied().unwrap_or(cold);
    Ok(FanOut { cold, warm, peak_rss_kb: peak.stop(), cpu_seconds: cpu, deliveries })
}

/// Fan-out posts are numbered from here (the other phases use lower numbers).
const FIRST_MARKER: u64 = 900_000;
