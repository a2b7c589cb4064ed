//! The HTTP edge: security headers, error codes in lab URLs, validation before
//! a learner exists, token rotation, the https cookie, and slow clients.

use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, COOKIE, LOCATION, SET_COOKIE};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{spawn_app, spawn_with, test_settings};
use crate::quiz::{answer, answer_ok, count_rows, learner_cookie, NUMERIC};

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in ["/", "/lab", "/healthz", "/api/lab/queue", "/no-such-page"] {
        let resp = app.get(path).await;
        let h = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(h("referrer-policy"), "same-origin", "{path}");
        let csp = h("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        let html = resp.text().await.unwrap();
        if html.starts_with("<!DOCTYPE") {
            let nonce = csp
                .split("'nonce-")
                .nth(1)
                .and_then(|r| r.split('\'').next())
                .unwrap_or_else(|| panic!("{path}: a page without a nonce: {csp}"));
            assert!(
                html.contains(&format!("nonce=\"{nonce}\"")),
                "{path}: scripts carry the nonce"
            );
        } else {
            assert!(csp.starts_with("default-src 'none'"), "{path}: {csp}");
        }
    }
}

#[tokio::test]
async fn run_pages_send_no_referrer() {
    let app = spawn_app().await;
    let resp = app.get("/lab/runs/0123456789abcdef0123456789abcdef").await;
    assert_eq!(resp.headers()["referrer-policy"], "no-referrer");
}

#[tokio::test]
async fn the_lab_page_shows_only_its_own_messages_for_error_codes() {
    let app = spawn_app().await;
    let page = app
        .get("/lab?error=Your%20account%20is%20locked%2C%20call%20555")
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("account is locked"));
    assert!(!page.contains("role=\"alert\""));
    let page = app
        .get("/lab?error=limit&field=n")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("over this server&#x27;s limit") || page.contains("over this server's limit")
    );
}

#[tokio::test]
async fn a_refused_lab_form_creates_no_learner_and_redirects_with_a_code() {
    let app = spawn_app().await;
    let resp = app
        .client
        .post(app.url("/api/lab/start"))
        .header(ACCEPT, "text/html")
        .form(&[
            ("action", "cpu"),
            ("model", "tiny"),
            ("n", "2000000"),
            ("b", "64"),
            ("device", "cpu"),
            ("threads", "0"),
            ("repeats", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_redirection(), "{}", resp.status());
    assert!(!resp.headers().contains_key(SET_COOKIE));
    let location = resp.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(location.starts_with("/lab?"), "{location}");
    assert!(location.ends_with("&error=limit&field=n"), "{location}");
    assert_eq!(count_rows(&app, "learners").await, 0);
}

#[tokio::test]
async fn a_reset_rotates_the_token() {
    let app = spawn_app().await;
    let first = answer(&app, &app.client, NUMERIC, &[("value", "16")]).await;
    let (old, _) = learner_cookie(&first).unwrap();
    let reset = app
        .client
        .post(app.url("/api/progress/reset"))
        .header(ACCEPT, "application/json")
        .form(&[("confirm", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    let (new, _) = learner_cookie(&reset).expect("a new token");
    assert_ne!(old, new);
    assert_eq!(count_rows(&app, "learners").await, 1, "the same learner");
    // The old token no longer reaches the learner: it is like no cookie at all.
    answer_ok(&app, &app.client, NUMERIC, &[("value", "16")]).await;
    let stale = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
        .get(app.url("/progress.json"))
        .header(COOKIE, format!("lab_learner={old}"))
        .send()
        .await
        .unwrap();
    let export: Value = stale.json().await.unwrap();
    assert!(
        !export.to_string().contains(NUMERIC),
        "the old token shows no progress: {export}"
    );
}

#[tokio::test]
async fn over_https_the_cookie_is_secure_and_host_prefixed() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path().join("lab.db"));
    settings.edge.https = true;
    let app = spawn_with(settings).await;
    let resp = answer(&app, &app.client, NUMERIC, &[("value", "16")]).await;
    assert_eq!(resp.status(), 200);
    let cookie = resp.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(cookie.starts_with("__Host-lab_learner="), "{cookie}");
    assert!(cookie.contains("; Secure"), "{cookie}");
    // Over https, an http:// origin is another site.
    let resp = app
        .client
        .post(app.url("/api/quiz/answer"))
        .header("origin", format!("http://{}", app.addr))
        .form(&[("question_id", NUMERIC), ("value", "16")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path().join("lab.db"));
    settings.edge.header_read_timeout_s = 1;
    let app = spawn_with(settings).await;
    let mut socket = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    socket
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), socket.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the connection is still open after 10 s");
    assert!(started.elapsed() < Duration::from_secs(5));
    // And the server still answers others.
    assert_eq!(app.get("/healthz").await.status(), 200);
}
