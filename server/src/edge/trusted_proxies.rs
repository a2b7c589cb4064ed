//! The proxies whose forwarding headers are believed (`LAB_TRUSTED_PROXIES`):
//! a comma-separated list of addresses and networks (`10.0.0.1`,
//! `10.0.0.0/8`, `::1`, `fd00::/8`). Empty by default: then every client is
//! its socket's peer and forwarding headers change nothing.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// One address or network (`addr/prefix`), compared on canonical addresses:
/// `::ffff:10.0.0.1` is `10.0.0.1`, as a dual-stack listener reports IPv4 peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Net {
    addr: IpAddr,
    prefix: u8,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum NetError {
    #[error("{0:?} is not an IP address or network (e.g. 10.0.0.1, 10.0.0.0/8, fd00::/8)")]
    Address(String),
    #[error("{0:?}: the prefix length must be at most {1}")]
    Prefix(String, u8),
}

impl Net {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                masked(u128::from(u32::from(net)), self.prefix, 32)
                    == masked(u128::from(u32::from(ip)), self.prefix, 32)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                masked(u128::from(net), self.prefix, 128)
                    == masked(u128::from(ip), self.prefix, 128)
            }
            _ => false,
        }
    }
}

/// `value` with all but its top `prefix` bits (of `width`) cleared.
fn masked(value: u128, prefix: u8, width: u8) -> u128 {
    let host_bits = u32::from(width - prefix.min(width));
    if host_bits >= 128 {
        0
    } else {
        value >> host_bits
    }
}

impl FromStr for Net {
    type Err = NetError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || NetError::Address(s.to_string());
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s, None),
        };
        let addr = addr.parse::<IpAddr>().map_err(|_| bad())?.to_canonical();
        let width = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => width,
            Some(p) => p.parse::<u8>().map_err(|_| bad())?,
        };
        if prefix > width {
            return Err(NetError::Prefix(s.to_string(), width));
        }
        Ok(Net { addr, prefix })
    }
}

impl fmt::Display for Net {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// The trusted proxies; the empty list trusts nobody.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Net>);

impl TrustedProxies {
    pub fn new(nets: Vec<Net>) -> Self {
        TrustedProxies(nets)
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromStr for TrustedProxies {
    type Err = NetError;

    /// Comma-separated; blanks around entries and empty entries are ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(Net::from_str)
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }
}

impl fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nets: Vec<String> = self.0.iter().map(Net::to_string).collect();
        f.write_str(&nets.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn addresses_and_networks_of_both_families() {
        let t: TrustedProxies = " 10.0.0.0/8, 192.0.2.7 ,fd00::/8,,::1".parse().unwrap();
        assert!(t.contains(ip("10.200.3.4")));
        assert!(!t.contains(ip("11.0.0.1")));
        assert!(t.contains(ip("192.0.2.7")));
        assert!(!t.contains(ip("192.0.2.8")));
        assert!(t.contains(ip("fd12:3456::1")));
        assert!(!t.contains(ip("fe80::1")));
        assert!(t.contains(ip("::1")));
        assert!(!t.contains(ip("::2")));
        // A dual-stack socket reports IPv4 peers as mapped IPv6.
        assert!(t.contains(ip("::ffff:10.1.2.3")));
    }

    #[test]
    fn edge_prefixes() {
        let all: TrustedProxies = "0.0.0.0/0,::/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.9")) && all.contains(ip("2001:db8::1")));
        let none = TrustedProxies::default();
        assert!(none.is_empty() && !none.contains(ip("127.0.0.1")));
        assert_eq!("".parse::<TrustedProxies>().unwrap(), none);
        let v4_only: TrustedProxies = "127.0.0.1".parse().unwrap();
        assert!(!v4_only.contains(ip("::1")));
    }

    #[test]
    fn nonsense_is_refused_at_start_up() {
        for bad in [
            "10.0.0.0/33",
            "::/129",
            "10.0.0",
            "lab.example",
            "10.0.0.1/x",
            "*",
        ] {
            assert!(bad.parse::<TrustedProxies>().is_err(), "{bad}");
        }
    }
}
