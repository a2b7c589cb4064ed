//! Who the client is: every request gets a [`ClientAddr`] extension, which the
//! lab's shares, the rate limits and the access log read.
//!
//! The client is the socket's peer, unless the peer is a trusted proxy
//! (`LAB_TRUSTED_PROXIES`). Then the proxy's forwarding header names it:
//! `Forwarded: for=…` (RFC 7239) or `X-Forwarded-For`, read from the right
//! (the entry the nearest proxy appended) past further trusted proxies, so a
//! client cannot choose its address by sending the header itself: whatever it
//! sends stands left of what its proxy appends. Anything that cannot be read
//! falls back to the peer, as does a request carrying both headers that name
//! different clients (a proxy that sets one usually passes the other through
//! untouched, so the client may have written it). Headers from a peer that is
//! not trusted are ignored.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use app::request::client::ClientAddr;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{HeaderMap, FORWARDED};
use axum::middleware::Next;
use axum::response::Response;

use super::trusted_proxies::TrustedProxies;

/// Hops read at most from the right of a forwarding header; a longer chain of
/// trusted proxies is taken as unreadable (no deployment has one).
const MAX_HOPS: usize = 16;

const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// Inserts the request's [`ClientAddr`] (requests that did not come through a
/// socket, as in unit tests, get none).
pub async fn resolve_client(
    State(trusted): State<Arc<TrustedProxies>>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>() {
        let client = client_of(peer.ip(), request.headers(), &trusted);
        request.extensions_mut().insert(ClientAddr(client));
    }
    next.run(request).await
}

/// The client of a request from `peer` with these headers.
pub fn client_of(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let peer = peer.to_canonical();
    if !trusted.contains(peer) {
        return peer;
    }
    let forwarded = headers
        .contains_key(FORWARDED)
        .then(|| walk(forwarded_hops(headers), trusted));
    let x_forwarded_for = headers
        .contains_key(X_FORWARDED_FOR)
        .then(|| walk(x_forwarded_for_hops(headers), trusted));
    let named = match (forwarded, x_forwarded_for) {
        (Some(a), Some(b)) if a == b => a,
        (Some(_), Some(_)) => None,
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => None,
    };
    named.unwrap_or(peer)
}

/// The first hop from the right that is not a trusted proxy; the leftmost hop
/// when all are; `None` when a hop on the way cannot be read or the chain is
/// empty or too long.
fn walk(hops: impl Iterator<Item = Option<IpAddr>>, trusted: &TrustedProxies) -> Option<IpAddr> {
    let mut leftmost = None;
    for (read, hop) in hops.enumerate() {
        if read >= MAX_HOPS {
            return None;
        }
        let hop = hop?.to_canonical();
        if !trusted.contains(hop) {
            return Some(hop);
        }
        leftmost = Some(hop);
    }
    leftmost
}

/// The `for=` nodes of every `Forwarded` element, right to left. `None` for
/// an element without a readable IP address.
fn forwarded_hops(headers: &HeaderMap) -> impl Iterator<Item = Option<IpAddr>> + '_ {
    right_to_left(headers, FORWARDED.as_str()).map(|element| element.and_then(forwarded_for))
}

/// The comma-separated entries of every `name` header, right to left (later
/// header lines first); `None` for a line that is not text.
fn right_to_left<'h>(
    headers: &'h HeaderMap,
    name: &'static str,
) -> impl Iterator<Item = Option<&'h str>> + 'h {
    headers.get_all(name).iter().rev().flat_map(|value| {
        let text = value.to_str().ok();
        let entries = text.into_iter().flat_map(|t| t.rsplit(',').map(Some));
        entries.chain(text.is_none().then_some(None))
    })
}

/// The address in an element's `for=` pair (`for=192.0.2.60`,
/// `for="192.0.2.60:4711"`, `for="[2001:db8::1]:4711"`; names are
/// case-insensitive). `unknown` and obfuscated names are not addresses.
fn forwarded_for(element: &str) -> Option<IpAddr> {
    let mut found = None;
    for pair in element.split(';') {
        let (name, value) = pair.trim().split_once('=')?;
        if name.trim().eq_ignore_ascii_case("for") {
            if found.is_some() {
                return None; // two `for`s in one element: not from a proxy
            }
            found = Some(value.trim());
        }
    }
    let value = found?;
    let node = match value.strip_prefix('"') {
        Some(rest) => rest
            .strip_suffix('"')
            .filter(|n| !n.contains(['"', '\\']))?,
        None => value,
    };
    node_address(node, false)
}

/// `X-Forwarded-For` hops, right to left.
fn x_forwarded_for_hops(headers: &HeaderMap) -> impl Iterator<Item = Option<IpAddr>> + '_ {
    right_to_left(headers, X_FORWARDED_FOR)
        .map(|hop| hop.and_then(|h| node_address(h.trim(), true)))
}

/// An address, maybe with a port: `192.0.2.60`, `192.0.2.60:4711`,
/// `[2001:db8::1]`, `[2001:db8::1]:4711`, and, where `bare_v6` (the
/// `X-Forwarded-For` habit), `2001:db8::1`.
fn node_address(node: &str, bare_v6: bool) -> Option<IpAddr> {
    if let Some(rest) = node.strip_prefix('[') {
        let (v6, after) = rest.split_once(']')?;
        if !(after.is_empty() || is_port(after.strip_prefix(':')?)) {
            return None;
        }
        return v6.parse::<std::net::Ipv6Addr>().ok().map(IpAddr::V6);
    }
    if let Ok(v4) = node.parse::<std::net::Ipv4Addr>() {
        return Some(IpAddr::V4(v4));
    }
    if let Some((v4, port)) = node.split_once(':') {
        if let (Ok(v4), true) = (v4.parse::<std::net::Ipv4Addr>(), is_port(port)) {
            return Some(IpAddr::V4(v4));
        }
    }
    if bare_v6 {
        return node.parse::<std::net::Ipv6Addr>().ok().map(IpAddr::V6);
    }
    None
}

fn is_port(s: &str) -> bool {
    !s.is_empty() && s.len() <= 5 && s.parse::<u16>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    /// The client seen from `peer` with `10.0.0.0/8` trusted.
    fn client(peer: &str, pairs: &[(&'static str, &str)]) -> IpAddr {
        let trusted: TrustedProxies = "10.0.0.0/8".parse().unwrap();
        client_of(ip(peer), &headers(pairs), &trusted)
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_sends() {
        for pairs in [
            &[("x-forwarded-for", "192.0.2.1")][..],
            &[("forwarded", "for=192.0.2.1")],
            &[
                ("forwarded", "for=10.0.0.5"),
                ("x-forwarded-for", "10.0.0.5"),
            ],
        ] {
            assert_eq!(client("203.0.113.9", pairs), ip("203.0.113.9"), "{pairs:?}");
        }
        let nobody = TrustedProxies::default();
        let h = headers(&[("x-forwarded-for", "192.0.2.1")]);
        assert_eq!(client_of(ip("127.0.0.1"), &h, &nobody), ip("127.0.0.1"));
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client() {
        let cases: &[(&[(&'static str, &str)], &str)] = &[
            (&[("x-forwarded-for", "192.0.2.1")], "192.0.2.1"),
            (&[("x-forwarded-for", "192.0.2.1, 10.1.1.1")], "192.0.2.1"),
            (&[("x-forwarded-for", "192.0.2.1:5555")], "192.0.2.1"),
            (&[("x-forwarded-for", "2001:db8::7")], "2001:db8::7"),
            (&[("x-forwarded-for", "[2001:db8::7]:80")], "2001:db8::7"),
            (
                &[
                    ("x-forwarded-for", "198.51.100.1"),
                    ("x-forwarded-for", "192.0.2.1"),
                ],
                "192.0.2.1",
            ),
            (
                &[("forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43")],
                "192.0.2.60",
            ),
            (
                &[("forwarded", "For=\"[2001:db8:cafe::17]:4711\"")],
                "2001:db8:cafe::17",
            ),
            (
                &[("forwarded", "for=\"[2001:db8:cafe::17]\"")],
                "2001:db8:cafe::17",
            ),
            (&[("forwarded", "for=\"192.0.2.43:47011\"")], "192.0.2.43"),
            (
                &[("forwarded", "for=192.0.2.43, for=198.51.100.17")],
                "198.51.100.17",
            ),
            (
                &[("forwarded", "for=192.0.2.43, for=10.9.9.9")],
                "192.0.2.43",
            ),
            // Everyone on the way is trusted: the farthest hop.
            (&[("x-forwarded-for", "10.2.2.2, 10.1.1.1")], "10.2.2.2"),
            // Both headers, naming the same client (a proxy that sets both).
            (
                &[
                    ("forwarded", "for=192.0.2.1"),
                    ("x-forwarded-for", "192.0.2.1"),
                ],
                "192.0.2.1",
            ),
            // IPv4-mapped IPv6 is IPv4.
            (&[("x-forwarded-for", "::ffff:192.0.2.1")], "192.0.2.1"),
        ];
        for (pairs, want) in cases {
            assert_eq!(client("10.0.0.1", pairs), ip(want), "{pairs:?}");
        }
    }

    #[test]
    fn spoofed_hops_left_of_the_proxys_entry_change_nothing() {
        // The client sent "X-Forwarded-For: 1.2.3.4, 10.0.0.9" (posing as
        // coming through another trusted proxy); its proxy appended the real
        // address.
        let h = [("x-forwarded-for", "1.2.3.4, 10.0.0.9, 198.51.100.7")];
        assert_eq!(client("10.0.0.1", &h), ip("198.51.100.7"));
        let h = [("forwarded", "for=1.2.3.4, for=198.51.100.7")];
        assert_eq!(client("10.0.0.1", &h), ip("198.51.100.7"));
        // A proxy that appends X-Forwarded-For but passes the client's own
        // Forwarded through: the two disagree, and the peer is all we know.
        let h = [
            ("forwarded", "for=1.2.3.4"),
            ("x-forwarded-for", "198.51.100.7"),
        ];
        assert_eq!(client("10.0.0.1", &h), ip("10.0.0.1"));
    }

    #[test]
    fn anything_unreadable_falls_back_to_the_peer() {
        for value in [
            "",
            "unknown",
            "lab.example",
            "192.0.2.1:99999",
            "192.0.2.1:",
            "[2001:db8::1",
            "[2001:db8::1]x",
            "192.0.2.1 192.0.2.2",
            "10.1.1.1, , ",
        ] {
            assert_eq!(
                client("10.0.0.1", &[("x-forwarded-for", value)]),
                ip("10.0.0.1"),
                "X-Forwarded-For: {value:?}"
            );
        }
        for value in [
            "for=unknown",
            "for=_hidden",
            "for=2001:db8::1",
            "for=\"192.0.2.1",
            "for=\"192.0.2.1\\\"\"",
            "proto=https",
            "for=192.0.2.1;for=192.0.2.2",
            "for=192.0.2.1;junk",
            "for=192.0.2.1, for=unknown",
        ] {
            assert_eq!(
                client("10.0.0.1", &[("forwarded", value)]),
                ip("10.0.0.1"),
                "Forwarded: {value:?}"
            );
        }
        let too_long = vec!["10.1.1.1"; MAX_HOPS + 1].join(",");
        let h = [("x-forwarded-for", too_long.as_str())];
        assert_eq!(client("10.0.0.1", &h), ip("10.0.0.1"));
    }

    #[test]
    fn a_header_that_is_not_text_falls_back_to_the_peer() {
        let mut h = HeaderMap::new();
        h.insert(
            X_FORWARDED_FOR,
            axum::http::HeaderValue::from_bytes(b"192.0.2.1\xff").unwrap(),
        );
        let trusted: TrustedProxies = "10.0.0.0/8".parse().unwrap();
        assert_eq!(client_of(ip("10.0.0.1"), &h, &trusted), ip("10.0.0.1"));
    }
}
