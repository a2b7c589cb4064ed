//! Pages that hold secrets are never cached, and capability links never leak
//! through `Referer`, whichever handler answers them:
//! - a teacher link (`/teach/<secret>…`) is the key to its class: its pages
//!   and files get `Referrer-Policy: no-referrer` and `Cache-Control: no-store`;
//! - `/teach` (which shows a new class's links), `/transfer` (transfer
//!   codes), `/progress` and `/progress.json` (a learner's answers) get
//!   `Cache-Control: no-store`, so a shared computer's browser cache or a
//!   proxy keeps no copy.
//!
//! A plain form posted from a `no-referrer` page carries `Origin: null`; the
//! cross-site check accepts that only with `Sec-Fetch-Site: same-origin`.

use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, REFERRER_POLICY};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Privacy {
    Public,
    /// Never stored.
    Private,
    /// Never stored, and its URL never sent on.
    Capability,
}

const PRIVATE: &[&str] = &["/teach", "/transfer", "/progress", "/progress.json"];

fn privacy(path: &str) -> Privacy {
    if path.starts_with("/teach/") {
        Privacy::Capability
    } else if PRIVATE.contains(&path.trim_end_matches('/')) {
        Privacy::Private
    } else {
        Privacy::Public
    }
}

pub async fn private_pages(request: Request, next: Next) -> Response {
    let privacy = privacy(request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if privacy != Privacy::Public {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if privacy == Privacy::Capability {
        headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_sorted_by_what_they_hold() {
        assert_eq!(privacy("/teach/abc"), Privacy::Capability);
        assert_eq!(privacy("/teach/abc/items.csv"), Privacy::Capability);
        for path in [
            "/teach",
            "/transfer",
            "/progress",
            "/progress/",
            "/progress.json",
        ] {
            assert_eq!(privacy(path), Privacy::Private, "{path}");
        }
        for path in [
            "/",
            "/lab",
            "/progressive",
            "/teachers",
            "/api/progress/reset",
        ] {
            assert_eq!(privacy(path), Privacy::Public, "{path}");
        }
    }
}
