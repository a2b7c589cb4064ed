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
    use super::*;

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
