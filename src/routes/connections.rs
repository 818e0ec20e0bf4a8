//! A cap on the connections one client address holds open (issue #24).
//! Headers have 5 s and a body 10 s more (`inbox::BODY_WITHIN`), but a
//! client opening connections faster than they time out could still hold
//! every file descriptor of the process; past [`PER_ADDRESS`] open
//! connections, a client's next one is answered 503 and closed at once.
//! Counted when a connection is accepted and when it closes. A trusted
//! proxy (`DEMESH_TRUSTED_PROXIES`) carries everyone's connections and is
//! not capped: the proxy must limit its own clients.

use crate::config::IpNet;
use actix_web::dev::Extensions;
use std::any::Any;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex};

/// Connections one client address may hold open at once. A fediverse
/// server opens a few per peer (Mastodon's Sidekiq: one per busy thread);
/// 256 is far above that and far below the open-file limit
/// (`systemd/demesh.service`: 65,536).
pub const PER_ADDRESS: usize = 256;

/// What an over-cap connection is told before it is closed.
const REFUSAL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 10\r\n\
Content-Length: 0\r\nConnection: close\r\n\r\n";

/// Open connections per client address, shared by the HTTP workers.
#[derive(Clone)]
pub struct ConnectionCap {
    per_address: usize,
    exempt: Arc<Vec<IpNet>>,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// Held in a connection's extensions: dropped when the connection closes.
struct Counted {
    cap: ConnectionCap,
    client: IpAddr,
}

impl Drop for Counted {
    fn drop(&mut self) {
        let mut open = self.cap.lock();
        if let Some(n) = open.get_mut(&self.client) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.client);
            }
        }
    }
}

impl ConnectionCap {
    pub fn new(per_address: usize, exempt: Vec<IpNet>) -> ConnectionCap {
        ConnectionCap {
            per_address,
            exempt: Arc::new(exempt),
            open: Arc::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a new connection (`HttpServer::on_connect`), or refuses it.
    pub fn on_connect(&self, io: &dyn Any, extensions: &mut Extensions) {
        let Some(stream) = io.downcast_ref::<actix_web::rt::net::TcpStream>() else {
            return;
        };
        let Ok(peer) = stream.peer_addr() else {
            return;
        };
        let peer = peer.ip().to_canonical();
        if self.exempt.iter().any(|net| net.contains(&peer)) {
            return;
        }
        let client = client_key(peer);
        let admitted = {
            let mut open = self.lock();
            let n = open.entry(client).or_default();
            if *n < self.per_address {
                *n += 1;
                true
            } else {
                false
            }
        };
        if admitted {
            extensions.insert(Counted {
                cap: self.clone(),
                client,
            });
        } else {
            tracing::warn!(%client, cap = self.per_address, "too many connections from one address; refused");
            refuse(stream);
        }
    }
}

/// The address a cap applies to: an IPv4 address, or an IPv6 /64 (one
/// host is usually given a whole /64).
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
    }
}

/// Answers 503 and shuts the socket both ways: the server then reads end
/// of stream and drops the connection, freeing its descriptor at once.
fn refuse(stream: &actix_web::rt::net::TcpStream) {
    use std::os::fd::AsRawFd;
    let fd = stream.as_raw_fd();
    // SAFETY: `fd` is the open socket `stream` owns for this whole call;
    // send reads REFUSAL's bytes only, and shutdown leaves the descriptor
    // open (its owner closes it). A fresh socket's send buffer takes these
    // few bytes; if not, the client only misses the 503.
    unsafe {
        libc::send(
            fd,
            REFUSAL.as_ptr().cast(),
            REFUSAL.len(),
            libc::MSG_DONTWAIT,
        );
        libc::shutdown(fd, libc::SHUT_RDWR);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_client_is_its_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().expect("ip");
        let other: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(other));
        let v4: IpAddr = "192.0.2.7".parse().expect("ip");
        assert_eq!(client_key(v4), v4);
    }
}
