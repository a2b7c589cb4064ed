//! The access log never shows a teacher's secret link, nor headers beyond its
//! allowlist.
//!
//! A binary of its own: it captures the log with a thread-local subscriber,
//! and tracing caches whether a span's callsite is wanted when the callsite is
//! first hit. Inside the library's unit tests another test thread could hit the
//! request span first, with no subscriber, and the span went unlogged (CI saw it,
//! then 8 runs in 40).

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use axum::Router;
use tower::ServiceExt;

use inference_lab::settings::EdgeSettings;

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
    let secret = "5ec2e7".repeat(10);
    let timed = Router::new().route("/teach/{secret}", get(|| async { "dashboard" }));
    let app = inference_lab::edge::apply(timed, Router::new(), &EdgeSettings::default());
    let request = Request::get(format!("/teach/{secret}?created=1"))
        .header("host", "localhost")
        .header("referer", format!("http://localhost/teach/{secret}"))
        .header("cookie", "lab_learner=cookie-secret")
        .header("x-padding", "padding-secret ".repeat(1000))
        .header("user-agent", "test-agent/1.0")
        .body(Body::empty())
        .unwrap();
    let response = tokio::time::timeout(std::time::Duration::from_secs(10), app.oneshot(request))
        .await
        .expect("answered in time")
        .unwrap();
    assert!(response.status().is_success());
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("/teach/…"), "the request is logged: {text}");
    assert!(!text.contains(&secret), "{text}");
    // Only allowlisted fields: no header as a whole, not even a redacted one.
    assert!(
        text.contains("test-agent/1.0"),
        "the user agent is logged: {text}"
    );
    assert!(!text.contains("padding-secret"), "{text}");
    assert!(!text.contains("cookie"), "{text}");
    assert!(
        text.len() < 4096,
        "a short line per request: {} bytes",
        text.len()
    );
}
