//! Who sent the request, as far as the lab's shares and the rate limits need to
//! know (server only).
//!
//! The edge resolves each request's client address once (the peer, or, behind
//! a trusted proxy, the address the proxy reports) and hands it on as a
//! [`ClientAddr`] extension. Shares and limits are kept per [`ClientKey`]: an
//! IPv4 address, or an IPv6 /64, since one subscriber usually holds a whole
//! /64 and could otherwise take a fresh address for every request.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use leptos::prelude::use_context;

/// The client's address as the edge resolved it (trusted proxies applied).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// What shares and limits are counted per: an IPv4 address, or the /64 an
/// IPv6 address belongs to (IPv4-mapped IPv6 addresses count as IPv4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientKey(IpAddr);

impl ClientKey {
    pub fn of(address: IpAddr) -> Self {
        match address {
            IpAddr::V4(v4) => ClientKey(IpAddr::V4(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ClientKey(IpAddr::V4(v4)),
                None => {
                    let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                    ClientKey(IpAddr::V6(Ipv6Addr::from(prefix)))
                }
            },
        }
    }

    /// The address (IPv4) or the network (IPv6, its host part zeroed).
    pub fn ip(self) -> IpAddr {
        self.0
    }
}

impl std::fmt::Display for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            IpAddr::V4(v4) => write!(f, "{v4}"),
            IpAddr::V6(v6) => write!(f, "{v6}/64"),
        }
    }
}

/// The client address of the current request: what the edge resolved, else
/// the connection's peer (a server function called outside the edge, as in
/// unit tests), else the unspecified address.
pub fn client_address() -> IpAddr {
    use_context::<Parts>()
        .map(|p| address_of(&p.extensions))
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// The client address a request's extensions carry (plain axum handlers).
pub fn address_of(extensions: &axum::http::Extensions) -> IpAddr {
    extensions
        .get::<ClientAddr>()
        .map(|c| c.0)
        .or_else(|| {
            extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip())
        })
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// The key the current request's client is counted under.
pub fn client_key() -> ClientKey {
    ClientKey::of(client_address())
}

/// The owner of the current request's work: the learner when the request
/// carries one, and always the client it came from.
pub fn owner(learner: Option<i64>) -> Owner {
    Owner::new(learner, client_key())
}

/// Who a job belongs to: the learner (cookie) when there is one, and always
/// the client it came from. Shares of the lab count both: one learner holds
/// at most so many jobs, and so does one client (an address, an IPv6 /64),
/// so a client that drops its cookie gains nothing. The right to cancel is
/// the learner's, or, for cookieless calls, the client's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Owner {
    learner: Option<i64>,
    client: ClientKey,
}

impl Owner {
    pub fn new(learner: Option<i64>, client: ClientKey) -> Self {
        Owner { learner, client }
    }

    /// The learner a saved run belongs to.
    pub fn learner(self) -> Option<i64> {
        self.learner
    }

    pub fn client(self) -> ClientKey {
        self.client
    }

    /// Whether `other` may act on this owner's job (cancel it): the same
    /// learner, or, when neither has one, the same client.
    pub fn same_as(self, other: Owner) -> bool {
        match (self.learner, other.learner) {
            (Some(a), Some(b)) => a == b,
            (None, None) => self.client == other.client,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> ClientKey {
        ClientKey::of(s.parse().unwrap())
    }

    #[test]
    fn ipv6_addresses_of_one_slash_64_share_a_key() {
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff:1:2:3"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("2001:db8:1:2::1").to_string(), "2001:db8:1:2::/64");
    }

    #[test]
    fn ipv4_keeps_the_whole_address_and_mapped_ipv6_is_ipv4() {
        assert_ne!(key("10.0.0.1"), key("10.0.0.2"));
        assert_eq!(key("::ffff:10.0.0.1"), key("10.0.0.1"));
        assert_eq!(key("10.0.0.1").to_string(), "10.0.0.1");
    }
}
