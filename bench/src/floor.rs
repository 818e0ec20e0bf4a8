//! The floor: what a signed delivery costs with nothing of demesh around
//! it. A separate process (this binary, `--floor-client`) sends signed
//! POSTs to the same fake servers with the same HTTP client library and
//! settings as demesh (reqwest, connections kept, 128 in flight, a
//! two-thread tokio runtime), one new OpenSSL signer per request as demesh
//! does, but no database, no queue, no bookkeeping. Its CPU time per
//! delivery, over the warm rounds, is the least any delivery path built
//! on these libraries can cost on this machine: demesh's own figure is
//! read against it.
//!
//! A second mode, `raw`, writes each request as one buffer on its own
//! kept TCP connection and reads the status line and headers back, with
//! no HTTP library at all: what the signature and the kernel's work for a
//! request and its answer cost together (on loopback the sender's CPU
//! time includes the receiving side's TCP processing).

use crate::cavage;
use crate::demesh::{cpu_seconds, send, SignedPost};
use openssl::pkey::PKey;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

const IN_FLIGHT: usize = 128;
/// Bytes of the body sent: about a group's Create of a short post.
const BODY_BYTES: usize = 1_800;
pub const KEY_ID: &str = "http://floor.invalid/actor#main-key";

/// Runs the floor client as a child process and returns its CPU time per
/// delivery (ms) over all its rounds, the first (cold: new connections)
/// included, as demesh's figure includes its first fan-out.
pub fn measure(fake: &crate::fake::Fake, ports: &[u16], rounds: usize, mode: Mode) -> anyhow::Result<f64> {
    let key = PKey::from_rsa(openssl::rsa::Rsa::generate(2048)?)?;
    let public = PKey::public_key_from_pem(&key.public_key_to_pem()?)?;
    fake.group_keys.lock().unwrap_or_else(|p| p.into_inner()).insert(KEY_ID.to_string(), public);
    let dir = std::env::temp_dir().join(format!("demesh-floor-{}", std::process::id()));
    std::fs::write(&dir, key.private_key_to_pem_pkcs8()?)?;
    let csv: Vec<String> = ports.iter().map(u16::to_string).collect();
    let out = std::process::Command::new(std::env::current_exe()?)
        .args(["--floor-client", &dir.to_string_lossy(), &rounds.to_string(), &csv.join(","), mode.name()])
        .output();
    let _ = std::fs::remove_file(&dir);
    let out = out?;
    anyhow::ensure!(out.status.success(), "floor client: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim().parse().map_err(|_| anyhow::anyhow!("floor client printed {text:?}"))
}

#[derive(Clone, Copy, PartialEq)]
pub enum Mode {
    /// reqwest, as demesh sends.
    Client,
    /// One write and one read per request on a raw TCP connection.
    Raw,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Client => "client",
            Mode::Raw => "raw",
        }
    }
}

/// The child: `--floor-client KEY_FILE ROUNDS PORTS client|raw`. Prints
/// ms per delivery.
pub fn client(args: &[String]) -> anyhow::Result<()> {
    let (key_file, rounds, ports, mode) = match args {
        [k, r, p, m, ..] => (
            k,
            r.parse::<usize>()?,
            p.split(',').map(str::parse).collect::<Result<Vec<u16>, _>>()?,
            if m == "raw" { Mode::Raw } else { Mode::Client },
        ),
        _ => anyhow::bail!("usage: --floor-client KEY_FILE ROUNDS PORTS client|raw"),
    };
    anyhow::ensure!(rounds >= 1 && !ports.is_empty(), "nothing to send");
    let key = Arc::new(PKey::private_key_from_pem(&std::fs::read(key_file)?)?);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let ms = runtime.block_on(async move {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(8)
            .pool_idle_timeout(Duration::from_secs(30))
            .build()?;
        let raw: Arc<Mutex<HashMap<u16, TcpStream>>> = Arc::default();
        let body = Arc::new(format!("{{\"type\":\"Create\",\"content\":\"{}\"}}", "x".repeat(BODY_BYTES - 30)));
        // Read the way demesh's own figure is (/proc/PID/stat).
        let start = cpu_seconds(std::process::id());
        for _ in 0..rounds {
            let slots = Arc::new(Semaphore::new(IN_FLIGHT));
            let mut tasks = Vec::with_capacity(ports.len());
            for &port in &ports {
                let permit = slots.clone().acquire_owned().await?;
                let (http, key, body, raw) = (http.clone(), key.clone(), body.clone(), raw.clone());
                tasks.push(tokio::spawn(async move {
                    let host = format!("127.0.0.1:{port}");
                    let headers = cavage::sign_post(&host, "/inbox", body.as_bytes(), KEY_ID, &key)?;
                    if mode == Mode::Raw {
                        let kept = raw.lock().unwrap_or_else(|p| p.into_inner()).remove(&port);
                        let mut conn = match kept {
                            Some(c) => c,
                            None => TcpStream::connect(&host).await?,
                        };
                        let status = raw_post(&mut conn, &headers, &body).await?;
                        raw.lock().unwrap_or_else(|p| p.into_inner()).insert(port, conn);
                        drop(permit);
                        anyhow::ensure!(status == 202, "fake server answered {status}");
                        return Ok(());
                    }
                    // reqwest sets Host itself.
                    let headers = headers.into_iter().filter(|(k, _)| k != "host").collect();
                    let post = SignedPost { body: body.to_string(), path: "/inbox".into(), headers };
                    let status = send(&http, &format!("http://{host}"), post).await?;
                    drop(permit);
                    anyhow::ensure!((200..300).contains(&status), "fake server answered {status}");
                    Ok::<_, anyhow::Error>(())
                }));
            }
            for t in tasks {
                t.await??;
            }
        }
        let cpu = cpu_seconds(std::process::id()) - start;
        Ok::<_, anyhow::Error>(cpu * 1000.0 / (rounds * ports.len()) as f64)
    })?;
    println!("{ms:.4}");
    Ok(())
}

/// Sends one request as a single write and reads its answer's head (the
/// fake servers answer 202 with an empty body). Returns the status.
async fn raw_post(conn: &mut TcpStream, headers: &[(String, String)], body: &str) -> anyhow::Result<u16> {
    use std::fmt::Write as _;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut req = String::with_capacity(body.len() + 1024);
    req.push_str("POST /inbox HTTP/1.1\r\n");
    for (k, v) in headers {
        let _ = write!(req, "{k}: {v}\r\n");
    }
    let _ = write!(req, "content-type: application/activity+json\r\ncontent-length: {}\r\n\r\n{body}", body.len());
    conn.write_all(req.as_bytes()).await?;
    let mut buf = [0u8; 1024];
    let mut got = 0;
    while !buf[..got].windows(4).any(|w| w == b"\r\n\r\n") {
        anyhow::ensure!(got < buf.len(), "answer head too long");
        let n = conn.read(&mut buf[got..]).await?;
        anyhow::ensure!(n > 0, "connection closed");
        got += n;
    }
    let head = std::str::from_utf8(&buf[..got])?;
    anyhow::ensure!(head.to_ascii_lowercase().contains("content-length: 0"), "an answer with a body: {head}");
    Ok(head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0))
}
