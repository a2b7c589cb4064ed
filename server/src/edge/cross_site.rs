//! Refuses state-changing requests that a browser says come from another site.
//!
//! A request with a method other than GET, HEAD or OPTIONS is refused with 403
//! when `Sec-Fetch-Site` is `cross-site` or `same-site` (another app on the
//! same host counts as same-site), or when `Origin` is present and is not this
//! site's own origin: the scheme of the deployment plus the `Host` header
//! (which the `Host` allowlist has already checked, see [`super::host`]), or
//! the public origin (`LAB_PUBLIC_ORIGIN`: behind a proxy that rewrites
//! `Host`, the origin browsers see is that one). Scripts that send neither
//! header are not browsers and pass. Refused requests never reach a handler,
//! so they create no learner and set no cookie.
//!
//! `Origin: null` passes only beside `Sec-Fetch-Site: same-origin`: browsers
//! send `null` for a plain form posted from a page of this site with
//! `Referrer-Policy: no-referrer` (a teacher's dashboard), and
//! `Sec-Fetch-Site`, which no page can set, says where it came from.

use axum::extract::{Request, State};
use axum::http::header::{ACCEPT, HOST, ORIGIN};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::log_span::redacted_path;
use super::public_origin::PublicOrigin;

/// What counts as this site's origin.
#[derive(Debug, Clone)]
pub struct Origins {
    scheme: &'static str,
    /// The public origin as browsers serialise it.
    public: Option<String>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CrossSite {
    #[error(
        "refused: the browser says this request comes from another site (Sec-Fetch-Site: {0})"
    )]
    FetchSite(&'static str),
    #[error("refused: the request's Origin is not this site")]
    ForeignOrigin,
}

impl Origins {
    pub fn new(https: bool, public: Option<&PublicOrigin>) -> Self {
        Origins {
            scheme: if https { "https" } else { "http" },
            public: public.map(PublicOrigin::to_string),
        }
    }

    /// Why a request with these headers must be refused, if it must.
    pub fn check(&self, headers: &HeaderMap) -> Result<(), CrossSite> {
        let mut same_origin = false;
        if let Some(site) = headers.get("sec-fetch-site") {
            // Only fixed words reach the message, never the header's own text.
            match site.to_str().unwrap_or_default() {
                "same-origin" => same_origin = true,
                "none" => {}
                "cross-site" => return Err(CrossSite::FetchSite("cross-site")),
                "same-site" => return Err(CrossSite::FetchSite("same-site")),
                _ => return Err(CrossSite::FetchSite("unrecognised")),
            }
        }
        let Some(origin) = headers.get(ORIGIN) else {
            return Ok(());
        };
        let host = headers.get(HOST).and_then(|h| h.to_str().ok());
        match (origin.to_str().ok(), host) {
            (Some("null"), _) if same_origin => Ok(()),
            (Some(origin), _) if self.is_public(origin) => Ok(()),
            (Some(origin), Some(host)) if self.is_own(origin, host) => Ok(()),
            _ => Err(CrossSite::ForeignOrigin),
        }
    }

    fn is_public(&self, origin: &str) -> bool {
        self.public
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case(origin))
    }

    fn is_own(&self, origin: &str, host: &str) -> bool {
        let Some(authority) = origin
            .strip_prefix(self.scheme)
            .and_then(|rest| rest.strip_prefix("://"))
        else {
            return false;
        };
        let default_port = if self.scheme == "https" {
            ":443"
        } else {
            ":80"
        };
        let normal = |a: &str| {
            let a = a.to_ascii_lowercase();
            a.strip_suffix(default_port)
                .map(str::to_string)
                .unwrap_or(a)
        };
        !authority.is_empty() && normal(authority) == normal(host)
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

pub async fn refuse_cross_site(
    State(origins): State<std::sync::Arc<Origins>>,
    request: Request,
    next: Next,
) -> Response {
    if is_safe(request.method()) {
        return next.run(request).await;
    }
    match origins.check(request.headers()) {
        Ok(()) => next.run(request).await,
        Err(e) => {
            tracing::warn!(
                path = %redacted_path(request.uri().path()),
                reason = %e,
                "cross-site request refused"
            );
            let wants_page = request
                .headers()
                .get(ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"));
            if wants_page {
                let page = format!(
                    "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
                     <title>Refused — Inference Lab</title></head><body><h1>Refused</h1>\
                     <p>{e}. Use the forms on this site.</p><p><a href=\"/\">Back to the lessons</a></p>\
                     </body></html>"
                );
                (StatusCode::FORBIDDEN, Html(page)).into_response()
            } else {
                (
                    StatusCode::FORBIDDEN,
                    Json(json!({ "error": e.to_string() })),
                )
                    .into_response()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn scripts_without_browser_headers_pass() {
        assert_eq!(
            Origins::new(false, None).check(&headers(&[("host", "a:1")])),
            Ok(())
        );
    }

    #[test]
    fn same_origin_passes() {
        let h = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000"),
            ("sec-fetch-site", "same-origin"),
        ]);
        assert_eq!(Origins::new(false, None).check(&h), Ok(()));
        let h = headers(&[
            ("host", "lab.example:443"),
            ("origin", "https://lab.example"),
        ]);
        assert_eq!(Origins::new(true, None).check(&h), Ok(()));
    }

    #[test]
    fn other_sites_are_refused() {
        let o = Origins::new(false, None);
        for h in [
            headers(&[("host", "a:1"), ("sec-fetch-site", "cross-site")]),
            headers(&[("host", "a:1"), ("sec-fetch-site", "same-site")]),
            headers(&[("host", "a:1"), ("origin", "http://a:2")]),
            headers(&[("host", "a:1"), ("origin", "https://a:1")]),
            headers(&[("host", "a:1"), ("origin", "null")]),
            headers(&[("origin", "http://a:1")]),
            // `null` from anywhere but this site (a sandboxed frame, a data: URL).
            headers(&[
                ("host", "a:1"),
                ("origin", "null"),
                ("sec-fetch-site", "cross-site"),
            ]),
            headers(&[
                ("host", "a:1"),
                ("origin", "null"),
                ("sec-fetch-site", "none"),
            ]),
        ] {
            assert!(o.check(&h).is_err(), "{h:?}");
        }
    }

    #[test]
    fn a_null_origin_passes_only_when_the_browser_says_same_origin() {
        let h = headers(&[
            ("host", "a:1"),
            ("origin", "null"),
            ("sec-fetch-site", "same-origin"),
        ]);
        assert_eq!(Origins::new(false, None).check(&h), Ok(()));
    }

    #[test]
    fn the_public_origin_is_this_site_whatever_host_the_proxy_sends() {
        let public: PublicOrigin = "https://lab.school.example".parse().unwrap();
        let o = Origins::new(true, Some(&public));
        let h = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "https://lab.school.example"),
        ]);
        assert_eq!(o.check(&h), Ok(()));
        let h = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "https://other.school.example"),
        ]);
        assert!(o.check(&h).is_err());
        let h = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://lab.school.example"),
        ]);
        assert!(o.check(&h).is_err(), "another scheme is another origin");
    }
}
