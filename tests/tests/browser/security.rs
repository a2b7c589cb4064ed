//! Pages hydrate under the Content-Security-Policy, and a violation would fail
//! the test: Chromium logs a refused script as a console error.

use std::time::Duration;

use e2e::{Browser, Server};
use serde_json::Value;

const PAGES: &[&str] = &[
    "/",
    "/lessons/batched-inference-complexity",
    "/lessons/cuda-visible-devices",
    "/lab",
    "/progress",
    "/teach",
    "/join",
    "/transfer",
];

#[tokio::test]
async fn pages_send_the_security_headers_and_hydrate_under_the_csp() {
    let server = Server::start();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let mut nonces = Vec::new();
    for path in PAGES {
        let resp = http.get(server.url(path)).send().await.unwrap();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let csp = header("content-security-policy");
        for part in [
            "script-src 'self' 'nonce-",
            "'wasm-unsafe-eval'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ] {
            assert!(csp.contains(part), "{path}: {csp}");
        }
        assert!(!csp.contains("'unsafe-eval'"), "{path}: {csp}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("referrer-policy"), "same-origin", "{path}");
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|r| r.split('\'').next())
            .unwrap_or_default()
            .to_string();
        let html = resp.text().await.unwrap();
        assert!(html.contains(&format!("nonce=\"{nonce}\"")), "{path}");
        nonces.push(nonce);
    }
    nonces.sort();
    nonces.dedup();
    assert_eq!(nonces.len(), PAGES.len(), "a fresh nonce per response");

    let browser = Browser::start().await;
    for path in PAGES {
        browser.goto(&server.url(path)).await;
        browser.wait_hydrated().await;
    }
    browser.assert_no_console_errors().await;

    // The check above would see a violation: a script the page did not bring
    // (no nonce) is refused, and the refusal is a console error.
    let ran = browser
        .client
        .execute(
            "const s = document.createElement('script');\
             s.textContent = 'window.__injected = true';\
             document.body.appendChild(s);\
             return window.__injected === true;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(ran, Value::Bool(false), "an injected inline script ran");
    let errors = browser.console_errors().await;
    assert!(
        errors.iter().any(|e| e.contains("Content Security Policy")),
        "the refused script was not reported: {errors:#?}"
    );
    browser.close().await;
}
