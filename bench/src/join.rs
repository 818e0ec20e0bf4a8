//! The join phase: one account on every fake server follows the group,
//! with a real Follow signed by its server's own key (bench code, not
//! demesh's signer). The servers are pre-approved first (`*@DOMAIN`, what
//! `demesh member allow GROUP '*@DOMAIN'` writes), so demesh accepts each
//! follow by itself: it fetches the actor and its key, records the
//! member, sends an `Accept`, and asks the server's NodeInfo what software
//! it runs. Done when every account is a member, every server has its
//! verified `Accept` and has served its NodeInfo.

use crate::cavage;
use crate::demesh::{send, Demesh, PeakRss, SignedPost};
use crate::fake::Fake;
use futures_util::StreamExt;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Follows in flight at once.
const CONCURRENCY: usize = 32;

pub struct Joined {
    pub wall: f64,
    pub peak_rss_kb: u64,
}

pub async fn join(d: &Demesh, fake: &Fake, pid: u32, group: &str, ports: &[u16]) -> anyhow::Result<Joined> {
    let g = d.db.group_by_name(group)?;
    let before = d.db.count_members(g.id)?;
    let group_url = d.group_url(group);
    let path = format!("/groups/{group}/inbox");
    let host = d.base.trim_start_matches("http://").to_string();
    let mut follows = Vec::with_capacity(ports.len());
    for &p in ports {
        d.db.add_allow(g.id, &format!("*@127.0.0.1:{p}"))?;
        let key = fake.server_key(p).ok_or_else(|| anyhow::anyhow!("no key for server {p}"))?;
        let actor = format!("http://127.0.0.1:{p}/users/joiner{p}");
        let body = serde_json::json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{actor}/follows/1"), "type": "Follow", "actor": actor, "object": group_url,
        })
        .to_string();
        let headers = cavage::sign_post(&host, &path, body.as_bytes(), &format!("{actor}#main-key"), &key.private)?
            .into_iter()
            .filter(|(k, _)| k != "host")
            .collect();
        follows.push(SignedPost { body, path: path.clone(), headers });
    }
    let http = reqwest::Client::builder().pool_max_idle_per_host(CONCURRENCY).build()?;
    let peak = PeakRss::start(pid);
    let t0 = Instant::now();
    let statuses: Vec<anyhow::Result<u16>> = futures_util::stream::iter(follows)
        .map(|post| {
            let (http, base) = (http.clone(), d.base.clone());
            async move { send(&http, &base, post).await }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let refused: Vec<_> = statuses.iter().filter(|s| !matches!(s, Ok(202))).collect();
    anyhow::ensure!(refused.is_empty(), "{} Follows were not accepted, e.g. {:?}", refused.len(), refused[0]);
    let want = ports.len();
    let target = before + want as i64;
    loop {
        let members = d.db.count_members(g.id)?;
        let (accepts, nodeinfo) = (fake.accepts.load(Ordering::Relaxed), fake.nodeinfo_served.load(Ordering::Relaxed));
        if members >= target && accepts >= want && nodeinfo >= want {
            break;
        }
        anyhow::ensure!(
            t0.elapsed() < Duration::from_secs(600),
            "joins incomplete after 600 s: {} of {want} members, {accepts} Accepts, {nodeinfo} NodeInfo fetches",
            members - before
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let wall = t0.elapsed().as_secs_f64();
    eprintln!("joins: {want} in {wall:.1} s ({} actor documents served)", fake.actors_served.load(Ordering::Relaxed));
    Ok(Joined { wall, peak_rss_kb: peak.stop() })
}
