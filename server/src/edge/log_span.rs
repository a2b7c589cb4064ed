//! The access log's span per request: a few fields from an allowlist, never
//! the headers as a whole (a request may carry hundreds of KB of them, and
//! `Cookie` or `Referer` carry secrets).
//!
//! Logged: the method, the path with secrets taken out (the path of a teacher
//! link, `/teach/<secret>…`, is logged as `/teach/…`; the query of every
//! request is dropped: codes never travel in one, but a pasted link might),
//! the HTTP version, the client's key as the edge resolved it (an IPv4
//! address or an IPv6 /64), the declared `Content-Length` and the start of
//! the `User-Agent`.

use app::request::client::{ClientAddr, ClientKey};
use axum::http::header::{CONTENT_LENGTH, USER_AGENT};
use axum::http::Request;
use tower_http::trace::MakeSpan;
use tracing::field::Empty;
use tracing::Span;

/// Characters of the `User-Agent` logged at most (browsers send about 120).
const USER_AGENT_CHARS: usize = 160;

#[derive(Debug, Clone, Copy, Default)]
pub struct RedactedSpan;

impl<B> MakeSpan<B> for RedactedSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        let span = tracing::info_span!(
            "request",
            method = %request.method(),
            uri = %redacted_path(request.uri().path()),
            version = ?request.version(),
            client = Empty,
            content_length = Empty,
            user_agent = Empty,
        );
        if let Some(ClientAddr(address)) = request.extensions().get::<ClientAddr>() {
            span.record("client", tracing::field::display(ClientKey::of(*address)));
        }
        let headers = request.headers();
        if let Some(length) = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
        {
            span.record("content_length", length);
        }
        if let Some(agent) = headers.get(USER_AGENT) {
            let agent = String::from_utf8_lossy(agent.as_bytes());
            // Debug-formatted: control characters cannot forge log lines.
            span.record(
                "user_agent",
                tracing::field::debug(truncated(&agent, USER_AGENT_CHARS)),
            );
        }
        span
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

/// At most the first `chars` characters of `text`.
pub fn truncated(text: &str, chars: usize) -> &str {
    match text.char_indices().nth(chars) {
        Some((end, _)) => &text[..end],
        None => text,
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

    #[test]
    fn truncation_keeps_whole_characters() {
        assert_eq!(truncated("héllo", 2), "hé");
        assert_eq!(truncated("hi", 5), "hi");
        assert_eq!(truncated("", 0), "");
    }
}
