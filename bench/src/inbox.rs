//! The inbox under load: latency of member posts through a 100-member
//! group at a steady rate, then how many signed Creates per second the
//! inbox accepts (each stored before its 202).

use crate::demesh::{send, signed_post, Demesh, Member};
use crate::fake::Fake;
use futures_util::StreamExt;
use openssl::pkey::{PKey, Private};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Latency {
    pub posts: usize,
    pub per_second: f64,
    pub servers: usize,
    /// Per delivery: from the member's POST to one server's inbox.
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Per post: until the last server had it.
    pub p99_all_ms: f64,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Posts `posts` times (numbered from `first`) at `per_second`, open
/// loop, from members in turn; waits until every post reached all
/// `servers` servers.
pub async fn latency(d: &Demesh, fake: &Fake, members: &[Member], servers: usize, key: &PKey<Private>, first: u64, posts: usize, per_second: f64) -> anyhow::Result<Latency> {
    let http = reqwest::Client::new();
    let signed: Vec<_> = (0..posts)
        .map(|i| signed_post(d, "hundred", &members[i % members.len()], first + i as u64, key))
        .collect::<anyhow::Result<_>>()?;
    let gap = Duration::from_secs_f64(1.0 / per_second);
    let start = Instant::now();
    let mut sent = Vec::with_capacity(posts);
    let mut tasks = Vec::with_capacity(posts);
    for (i, post) in signed.into_iter().enumerate() {
        tokio::time::sleep_until((start + gap * i as u32).into()).await;
        sent.push(Instant::now());
        let (http, base) = (http.clone(), d.base.clone());
        tasks.push(tokio::spawn(async move { send(&http, &base, post).await }));
    }
    for t in tasks {
        let status = t.await??;
        anyhow::ensure!(status == 202, "a post was answered {status}");
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    for i in 0..posts {
        while fake.servers_with(first + i as u64) < servers {
            anyhow::ensure!(Instant::now() < deadline, "post {i} did not reach every server");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    let arrivals = fake.arrivals.lock().unwrap_or_else(|p| p.into_inner());
    let (mut each, mut all) = (Vec::new(), Vec::new());
    for (i, at) in sent.iter().enumerate() {
        let got = arrivals.get(&(first + i as u64)).map(Vec::as_slice).unwrap_or_default();
        let ms: Vec<f64> = got.iter().map(|(_, t)| t.duration_since(*at).as_secs_f64() * 1000.0).collect();
        all.push(ms.iter().copied().fold(0.0, f64::max));
        each.extend(ms);
    }
    each.sort_by(f64::total_cmp);
    all.sort_by(f64::total_cmp);
    Ok(Latency {
        posts,
        per_second,
        servers,
        p50_ms: percentile(&each, 50.0),
        p99_ms: percentile(&each, 99.0),
        p99_all_ms: percentile(&all, 99.0),
    })
}

pub struct Throughput {
    pub activities: usize,
    pub concurrency: usize,
    pub per_second: f64,
    pub stored: usize,
}

/// Sends `count` signed Creates (numbered from `first`), `concurrency` at
/// a time, and counts the 202s per second of wall time. Signing happens
/// before the clock starts, on every core.
pub async fn throughput(d: &Demesh, members: &[Member], key: &PKey<Private>, first: u64, count: usize, concurrency: usize) -> anyhow::Result<Throughput> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunks: Vec<Vec<u64>> = (0..threads).map(|t| (0..count as u64).filter(|i| i % threads as u64 == t as u64).collect()).collect();
    let signed: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| s.spawn(|| chunk.iter().map(|&i| signed_post(d, "hundred", &members[i as usize % members.len()], first + i, key)).collect::<anyhow::Result<Vec<_>>>()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("signing thread panicked")))).collect::<anyhow::Result<Vec<_>>>()
    })?
    .into_iter()
    .flatten()
    .collect();
    let ids: Vec<String> = (0..count as u64).map(|i| format!("{}/statuses/{}/activity", members[i as usize % members.len()].uri, first + i)).collect();
    let http = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build()?;
    let base = d.base.clone();
    let t0 = Instant::now();
    let statuses: Vec<anyhow::Result<u16>> = futures_util::stream::iter(signed)
        .map(|post| {
            let (http, base) = (http.clone(), base.clone());
            async move { send(&http, &base, post).await }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let wall = t0.elapsed().as_secs_f64();
    let accepted = statuses.iter().filter(|s| matches!(s, Ok(202))).count();
    anyhow::ensure!(accepted == count, "{} of {count} Creates were not accepted: {:?}", count - accepted, statuses.iter().find(|s| !matches!(s, Ok(202))));
    // Every 202 must be a stored row: check each one after the clock.
    let db = Arc::new(d.db.clone());
    let stored = tokio::task::spawn_blocking(move || ids.iter().filter(|id| matches!(db.incoming_by_activity_id(id), Ok(Some(_)))).count()).await?;
    Ok(Throughput { activities: count, concurrency, per_second: count as f64 / wall, stored })
}
