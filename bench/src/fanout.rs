//! One member post to a very large group, until every server has it.

use crate::demesh::{send, signed_post, Demesh, Member, PeakRss};
use crate::fake::Fake;
use openssl::pkey::{PKey, Private};
use std::time::{Duration, Instant};

pub struct FanOut {
    pub wall: f64,
    pub peak_rss_kb: u64,
}

pub async fn fan_out(d: &Demesh, fake: &Fake, pid: u32, author: &Member, servers: usize, key: &PKey<Private>) -> anyhow::Result<FanOut> {
    let post = signed_post(d, "club", author, 0, key)?;
    let http = reqwest::Client::new();
    let peak = PeakRss::start(pid);
    let t0 = Instant::now();
    let status = send(&http, &d.base, post).await?;
    anyhow::ensure!(status == 202, "the post was answered {status}");
    while fake.servers_with(0) < servers {
        anyhow::ensure!(t0.elapsed() < Duration::from_secs(300), "fan-out incomplete after 300 s");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let wall = t0.elapsed().as_secs_f64();
    Ok(FanOut { wall, peak_rss_kb: peak.stop() })
}
