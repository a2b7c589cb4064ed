//! `LAB_PUBLIC_ORIGIN`: the origin clients use to reach the lab when it is not
//! an address of its own (`https://lab.school.example` behind a TLS proxy,
//! `http://teacher-laptop.local:3000` on a classroom network). Its host is
//! allowed in `Host`, and it counts as this site in the cross-site check.

use std::fmt;
use std::str::FromStr;

/// A scheme, a lowercase host and a port, as a browser serialises an origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicOrigin {
    https: bool,
    /// Lowercase; an IPv6 address keeps its brackets.
    host: String,
    port: u16,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not an origin: write the scheme, host and optional port that clients use, \
     e.g. https://lab.school.example or http://teacher-laptop.local:3000"
)]
pub struct OriginError(String);

impl PublicOrigin {
    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn is_https(&self) -> bool {
        self.https
    }
}

/// The port a URL of this scheme means when it names none.
pub fn default_port(https: bool) -> u16 {
    if https {
        443
    } else {
        80
    }
}

impl FromStr for PublicOrigin {
    type Err = OriginError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || OriginError(s.to_string());
        let trimmed = s.trim();
        let (https, rest) = if let Some(rest) = strip_prefix_ignore_case(trimmed, "https://") {
            (true, rest)
        } else if let Some(rest) = strip_prefix_ignore_case(trimmed, "http://") {
            (false, rest)
        } else {
            return Err(bad());
        };
        // Only the origin: no path (a lone "/" is fine), query, user or fragment.
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.contains(['/', '?', '#', '@']) {
            return Err(bad());
        }
        let (host, port) = super::host::split_authority(authority).ok_or_else(bad)?;
        if !super::host::is_host_name(&host) && !super::host::is_ip_literal(&host) {
            return Err(bad());
        }
        Ok(PublicOrigin {
            https,
            host,
            port: port.unwrap_or(default_port(https)),
        })
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// As a browser sends it in `Origin`: the port only when it is not the default.
impl fmt::Display for PublicOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        write!(f, "{scheme}://{}", self.host)?;
        if self.port != default_port(self.https) {
            write!(f, ":{}", self.port)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_read_and_written_as_browsers_send_them() {
        for (text, shown, port) in [
            (
                "https://lab.school.example",
                "https://lab.school.example",
                443,
            ),
            (
                "https://Lab.School.Example/",
                "https://lab.school.example",
                443,
            ),
            (
                "https://lab.school.example:443",
                "https://lab.school.example",
                443,
            ),
            (
                "http://teacher.local:3000",
                "http://teacher.local:3000",
                3000,
            ),
            ("HTTP://10.0.0.5", "http://10.0.0.5", 80),
            (
                "http://[2001:db8::1]:8080",
                "http://[2001:db8::1]:8080",
                8080,
            ),
        ] {
            let origin: PublicOrigin = text.parse().unwrap();
            assert_eq!(origin.to_string(), shown, "{text}");
            assert_eq!(origin.port(), port, "{text}");
        }
    }

    #[test]
    fn anything_but_an_origin_is_refused_at_start_up() {
        for bad in [
            "",
            "lab.school.example",
            "ftp://lab.example",
            "https://",
            "https://lab.example/path",
            "https://lab.example?x=1",
            "https://user@lab.example",
            "https://lab.example:99999",
            "https://lab.example:",
            "https://lab example",
            "https://[2001:db8::1",
        ] {
            assert!(bad.parse::<PublicOrigin>().is_err(), "{bad:?}");
        }
    }
}
