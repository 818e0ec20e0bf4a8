//! The client's address behind reverse proxies, for the access log.
//! `X-Forwarded-For` is believed only as far as the proxies that wrote it
//! are trusted (`DEMESH_TRUSTED_PROXIES`): anyone else can put anything in
//! it.

use crate::config::IpNet;
use std::net::{IpAddr, SocketAddr};

/// The peer address, or, when the peer is a trusted proxy, the address it
/// forwarded for: the rightmost `X-Forwarded-For` entry that is not itself
/// a trusted proxy (entries further left were written by the client).
pub fn client_address(peer: Option<IpAddr>, forwarded_for: &[&str], trusted: &[IpNet]) -> String {
    let Some(peer) = peer else {
        return "-".into();
    };
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer.to_string();
    }
    let mut client = peer;
    // Several headers count as one comma-separated list, in order.
    let entries = forwarded_for
        .iter()
        .flat_map(|h| h.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for entry in entries.into_iter().rev() {
        let Some(ip) = parse_entry(entry) else {
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client.to_string()
}

/// The client address of a request (see `client_address`).
pub fn client_of(req: &actix_web::HttpRequest, trusted: &[IpNet]) -> String {
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    client_address(req.peer_addr().map(|a| a.ip()), &forwarded, trusted)
}

/// `203.0.113.7`, `2001:db8::1`, and the forms with a port some proxies write.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().expect("net")).collect()
    }

    fn ip(s: &str) -> Option<IpAddr> {
        s.parse().ok()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let out = client_address(ip("198.51.100.9"), &["203.0.113.7"], &[]);
        assert_eq!(out, "198.51.100.9");
        let out = client_address(ip("198.51.100.9"), &["203.0.113.7"], &nets(&["10.0.0.0/8"]));
        assert_eq!(out, "198.51.100.9");
    }

    #[test]
    fn a_trusted_proxy_names_the_client() {
        let trusted = nets(&["10.0.0.0/8", "::1/128"]);
        let out = client_address(ip("10.0.0.2"), &["203.0.113.7"], &trusted);
        assert_eq!(out, "203.0.113.7");
        let out = client_address(ip("::1"), &["[2001:db8::1]:4711"], &trusted);
        assert_eq!(out, "2001:db8::1");
    }

    #[test]
    fn a_forged_entry_left_of_the_real_client_is_ignored() {
        let trusted = nets(&["10.0.0.0/8"]);
        // The client wrote "1.2.3.4"; the outer proxy appended the real
        // address; an inner proxy appended the outer one.
        let out = client_address(
            ip("10.0.0.2"),
            &["1.2.3.4, 203.0.113.7", "10.0.0.1"],
            &trusted,
        );
        assert_eq!(out, "203.0.113.7");
        let out = client_address(ip("10.0.0.2"), &["garbage"], &trusted);
        assert_eq!(out, "10.0.0.2");
        let out = client_address(ip("10.0.0.2"), &[], &trusted);
        assert_eq!(out, "10.0.0.2");
    }
}
