//! Refuses state-changing requests that a browser says come from another site.
//!
//! A request with a method other than GET, HEAD or OPTIONS is refused with 403
//! when `Sec-Fetch-Site` is `cross-site` or `same-site` (another app on the
//! same host counts as same-site), or when `Origin` is present and is not this
//! site's own origin (the scheme of the deployment plus the `Host` header).
//! Scripts that send neither header are not browsers and pass. Refused
//! requests never reach a handler, so they create no learner and set no cookie.

use axum::extract::{Request, State};
use axum::http::header::{ACCEPT, HOST, ORIGIN};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// What counts as this site's origin.
#[derive(Debug, Clone, Copy)]
pub struct Origins {
    scheme: &'static str,
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
    pub fn new(https: bool) -> Self {
        Origins {
            scheme: if https { "https" } else { "http" },
        }
    }

    /// Why a request with these headers must be refused, if it must.
    pub fn check(&self, headers: &HeaderMap) -> Result<(), CrossSite> {
        if let Some(site) = headers.get("sec-fetch-site") {
            // Only fixed words reach the message, never the header's own text.
            match site.to_str().unwrap_or_default() {
                "same-origin" | "none" => {}
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
            (Some(origin), Some(host)) if self.is_own(origin, host) => Ok(()),
            _ => Err(CrossSite::ForeignOrigin),
        }
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
    State(origins): State<Origins>,
    request: Request,
    next: Next,
) -> Response {
    if is_safe(request.method()) {
        return next.run(request).await;
    }
    match origins.check(request.headers()) {
        Ok(()) => next.run(request).await,
        Err(e) => {
            tracing::warn!(path = %request.uri().path(), reason = %e, "cross-site request refused");
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
            Origins::new(false).check(&headers(&[("host", "a:1")])),
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
        assert_eq!(Origins::new(false).check(&h), Ok(()));
        let h = headers(&[
            ("host", "lab.example:443"),
            ("origin", "https://lab.example"),
        ]);
        assert_eq!(Origins::new(true).check(&h), Ok(()));
    }

    #[test]
    fn other_sites_are_refused() {
        let o = Origins::new(false);
        for h in [
            headers(&[("host", "a:1"), ("sec-fetch-site", "cross-site")]),
            headers(&[("host", "a:1"), ("sec-fetch-site", "same-site")]),
            headers(&[("host", "a:1"), ("origin", "http://a:2")]),
            headers(&[("host", "a:1"), ("origin", "https://a:1")]),
            headers(&[("host", "a:1"), ("origin", "null")]),
            headers(&[("origin", "http://a:1")]),
        ] {
            assert!(o.check(&h).is_err(), "{h:?}");
        }
    }
}
