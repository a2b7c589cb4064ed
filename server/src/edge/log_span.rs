//! The access log's span per request, with secrets taken out: the path of a
//! teacher link (`/teach/<secret>…`) is logged as `/teach/…`, and the query of
//! every request is dropped (codes never travel in one, but a pasted link might).
//! `Cookie` and `Referer` (which may hold a teacher link) are redacted by the
//! sensitive-headers layers.

use axum::http::Request;
use tower_http::trace::MakeSpan;
use tracing::Span;

#[derive(Debug, Clone, Copy, Default)]
pub struct RedactedSpan;

impl<B> MakeSpan<B> for RedactedSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        tracing::info_span!(
            "request",
            method = %request.method(),
            uri = %redacted_path(request.uri().path()),
            version = ?request.version(),
            headers = ?request.headers(),
        )
    }
}

/// Teacher links are capabilities: their path is cut after `/teach/`.
pub fn redacted_path(path: &str) -> &str {
    if path.starts_with("/teach/") {
        "/teach/…"
    } else {
        path
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use axum::body::Body;
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;

    use super::*;
    use crate::settings::EdgeSettings;

    /// Where the test's subscriber writes the log.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn the_access_log_never_shows_a_teacher_link() {
        let log = Captured::default();
        let writer = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        // Another test thread may have registered the request span's callsite
        // while only the (no-op) global subscriber existed, caching "never log
        // it"; recompute with this thread's subscriber present (a race in
        // tracing-core's callsite registration, seen once in CI).
        tracing::callsite::rebuild_interest_cache();
        let secret = "5ec2e7".repeat(10);
        let timed = Router::new().route("/teach/{secret}", get(|| async { "dashboard" }));
        let app = super::super::apply(timed, Router::new(), &EdgeSettings::default());
        let request = Request::get(format!("/teach/{secret}?created=1"))
            .header("host", "localhost")
            .header("referer", format!("http://localhost/teach/{secret}"))
            .body(Body::empty())
            .unwrap();
        let response = app.oneshot(request).await.unwrap();
        assert!(response.status().is_success());
        let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("/teach/…"), "the request is logged: {text}");
        assert!(!text.contains(&secret), "{text}");
    }

    #[test]
    fn teacher_links_are_cut_and_other_paths_kept() {
        let secret = "ab".repeat(32);
        assert_eq!(redacted_path(&format!("/teach/{secret}")), "/teach/…");
        assert_eq!(
            redacted_path(&format!("/teach/{secret}/items.csv")),
            "/teach/…"
        );
        assert_eq!(redacted_path("/teach"), "/teach");
        assert_eq!(redacted_path("/lessons/a"), "/lessons/a");
    }
}
