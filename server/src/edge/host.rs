//! The `Host` allowlist, against DNS rebinding: a page on `rebind.example`
//! whose name an attacker points at the lab's address afterwards is, to the
//! browser, same-origin with the lab, and its requests carry
//! `Host: rebind.example`. Such requests are answered `421 Misdirected Request`.
//!
//! Allowed are names that cannot be rebound, with the port the server is
//! reached on, and the host of the public origin:
//! - IP literals (`10.0.0.5:3000`, `[2001:db8::1]:3000`) and `localhost` or
//!   any `*.localhost` name (browsers resolve those to loopback themselves),
//!   each with the port the connection came in on or the public origin's port;
//! - the host and port of `LAB_PUBLIC_ORIGIN`.
//!
//! A `Host` without a port means the scheme's default: for the public origin's
//! host, its scheme's; otherwise 443 when the site is served over https
//! (`LAB_HTTPS`), else 80. `/healthz` is exempt, for load balancers that probe
//! with any name.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{CONTENT_TYPE, HOST};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::connection::Connection;
use super::log_span::truncated;
use super::public_origin::{default_port, PublicOrigin};

const MISDIRECTED: &str = "421 Misdirected Request: this server does not answer for that \
host name. Use the address you were given (the server's operator can add a name with \
LAB_PUBLIC_ORIGIN).";

/// Paths answered whatever the `Host`.
const EXEMPT: &[&str] = &["/healthz"];

#[derive(Debug, Clone)]
pub struct Hosts {
    https: bool,
    public: Option<PublicOrigin>,
}

impl Hosts {
    pub fn new(https: bool, public: Option<PublicOrigin>) -> Self {
        Hosts { https, public }
    }

    /// Whether a request with this `Host` (or absolute-form authority),
    /// arriving on `local_port` (unknown outside a socket: then any), is for us.
    pub fn allows(&self, host: &str, local_port: Option<u16>) -> bool {
        let Some((name, port)) = split_authority(host) else {
            return false;
        };
        if let Some(public) = &self.public {
            // Its own scheme's default: a TLS proxy's `Host` is the public one.
            let port = port.unwrap_or(default_port(public.is_https()));
            if name == public.host() && port == public.port() {
                return true;
            }
        }
        let port = port.unwrap_or(default_port(self.https));
        let cannot_be_rebound =
            is_ip_literal(&name) || name == "localhost" || name.ends_with(".localhost");
        let our_port = match local_port {
            None => true,
            Some(local) => port == local || self.public.as_ref().is_some_and(|p| p.port() == port),
        };
        cannot_be_rebound && is_host_name_or_ip(&name) && our_port
    }
}

pub async fn allowed_hosts_only(
    State(hosts): State<Arc<Hosts>>,
    request: Request,
    next: Next,
) -> Response {
    if EXEMPT.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let local_port = request
        .extensions()
        .get::<Connection>()
        .map(|c| c.local.port());
    let mut names = request.headers().get_all(HOST).iter();
    let host = match (names.next(), names.next()) {
        (Some(one), None) => one.to_str().ok(),
        _ => None, // none, or several: not a request any browser sends
    };
    let authority = request.uri().authority().map(|a| a.as_str());
    let allowed = host.is_some_and(|h| hosts.allows(h, local_port))
        && authority.is_none_or(|a| hosts.allows(a, local_port));
    if allowed {
        return next.run(request).await;
    }
    tracing::info!(
        host = ?host.map(|h| truncated(h, 64)),
        "refused a request for a host this server does not answer for"
    );
    (
        StatusCode::MISDIRECTED_REQUEST,
        [(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        MISDIRECTED,
    )
        .into_response()
}

/// `host[:port]` → (lowercase host, port); IPv6 in brackets. `None` when it
/// is not that shape (an empty host or port, a port that is not a number).
pub fn split_authority(authority: &str) -> Option<(String, Option<u16>)> {
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']')?;
        let (host, rest) = authority.split_at(end + 1);
        match rest {
            "" => (host, None),
            _ => (host, Some(rest.strip_prefix(':')?)),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() || host.contains(':') && !host.starts_with('[') {
        return None;
    }
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
            Some(p.parse::<u16>().ok()?)
        }
        Some(_) => return None,
    };
    Some((host.to_ascii_lowercase(), port))
}

/// `10.0.0.5` or `[2001:db8::1]`.
pub fn is_ip_literal(host: &str) -> bool {
    host.parse::<Ipv4Addr>().is_ok()
        || host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .is_some_and(|h| h.parse::<Ipv6Addr>().is_ok())
}

/// Dot-separated labels of ASCII letters, digits and hyphens.
pub fn is_host_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn is_host_name_or_ip(host: &str) -> bool {
    is_ip_literal(host) || is_host_name(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(https: bool, public: Option<&str>) -> Hosts {
        Hosts::new(https, public.map(|p| p.parse().unwrap()))
    }

    #[test]
    fn addresses_and_localhost_names_with_the_served_port_are_allowed() {
        let h = hosts(false, None);
        for host in [
            "127.0.0.1:3000",
            "10.0.0.5:3000",
            "[::1]:3000",
            "[2001:db8::1]:3000",
            "localhost:3000",
            "LocalHost:3000",
            "lab.localhost:3000",
        ] {
            assert!(h.allows(host, Some(3000)), "{host}");
        }
        for host in [
            "127.0.0.1:3001",
            "127.0.0.1",
            "localhost",
            "rebind.example:3000",
            "rebind.example",
            "localhost.rebind.example:3000",
            "evil-localhost:3000",
            ".localhost:3000",
            "a..localhost:3000",
            "::1:3000",
            "[::1:3000",
            "127.0.0.1:",
            "127.0.0.1:+3000",
            "",
        ] {
            assert!(!h.allows(host, Some(3000)), "{host}");
        }
    }

    #[test]
    fn a_host_without_a_port_means_the_schemes_default() {
        assert!(hosts(false, None).allows("10.0.0.5", Some(80)));
        assert!(hosts(false, None).allows("10.0.0.5:80", Some(80)));
        assert!(!hosts(true, None).allows("10.0.0.5", Some(80)));
        assert!(hosts(true, None).allows("localhost", Some(443)));
    }

    #[test]
    fn the_public_origins_host_is_allowed_with_its_port() {
        let h = hosts(true, Some("https://lab.school.example"));
        assert!(h.allows("lab.school.example", Some(3000)));
        // Without LAB_HTTPS, the public origin's scheme still says 443.
        assert!(hosts(false, Some("https://lab.school.example")).allows("lab.school.example", None));
        assert!(h.allows("Lab.School.Example:443", Some(3000)));
        assert!(!h.allows("lab.school.example:3000", Some(3000)));
        assert!(!h.allows("other.school.example", Some(3000)));
        // Addresses still pass with the served port, and with the public one
        // (a published container port: 8080 outside, 3000 inside).
        assert!(h.allows("127.0.0.1:3000", Some(3000)));
        let h = hosts(false, Some("http://teacher.local:8080"));
        assert!(h.allows("teacher.local:8080", Some(3000)));
        assert!(h.allows("10.0.0.5:8080", Some(3000)));
        assert!(h.allows("localhost:8080", Some(3000)));
        assert!(!h.allows("teacher.local", Some(3000)));
    }

    #[test]
    fn outside_a_socket_any_port_passes_but_not_any_name() {
        let h = hosts(false, None);
        assert!(h.allows("localhost", None));
        assert!(h.allows("127.0.0.1:1", None));
        assert!(!h.allows("rebind.example", None));
    }
}
