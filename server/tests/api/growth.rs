//! How fast anonymous requests can grow the database, with the default
//! budgets and quotas (a measurement, not a check: ignored by default).
//!
//! ```text
//! GROWTH_SECONDS=60 cargo test --workspace --test api growth -- --ignored --nocapture
//! ```
//!
//! (`GROWTH_ONLY=<part of a pattern's name>` runs one pattern.)
//!
//! Each pattern floods a fresh server from one address (16 requests in
//! flight) for `GROWTH_SECONDS` and reports the bytes the database holds
//! afterwards minus before: SQLite pages in use (`page_count -
//! freelist_count`, the WAL included), after one quota pass.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use reqwest::header::ACCEPT;
use reqwest::Client;

use crate::helpers::{spawn_with, test_settings, TestApp};

const IN_FLIGHT: usize = 16;

fn seconds() -> u64 {
    std::env::var("GROWTH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60)
}

async fn spawn_default() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path().join("lab.db"));
    // The real budgets, not the tests' room.
    settings.bounds = inference_lab::write_bounds::WriteBounds::default();
    let mut app = spawn_with(settings).await;
    app.keep_dir(dir);
    app
}

fn cookieless() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}

/// Sends `request(worker, i)` from `IN_FLIGHT` workers until the time is up;
/// answers the statuses seen.
async fn flood<F, Fut>(request: F) -> BTreeMap<u16, usize>
where
    F: Fn(usize, usize) -> Fut + Sync,
    Fut: Future<Output = u16>,
{
    let until = Instant::now() + Duration::from_secs(seconds());
    let request = &request;
    let workers = (0..IN_FLIGHT).map(|w| async move {
        let mut seen = BTreeMap::<u16, usize>::new();
        let mut i = 0;
        while Instant::now() < until {
            *seen.entry(request(w, i).await).or_default() += 1;
            i += 1;
        }
        seen
    });
    let mut all = BTreeMap::new();
    for seen in futures::future::join_all(workers).await {
        for (status, n) in seen {
            *all.entry(status).or_default() += n;
        }
    }
    all
}

/// Whether to run the pattern called `name` (`GROWTH_ONLY`: a part of its name).
fn wanted(name: &str) -> bool {
    std::env::var("GROWTH_ONLY").map_or(true, |only| name.contains(&only))
}

async fn report<F, Fut>(name: &str, app: &TestApp, request: F)
where
    F: Fn(usize, usize) -> Fut + Sync,
    Fut: Future<Output = u16>,
{
    if !wanted(name) {
        return;
    }
    let before = app.used_bytes().await;
    let statuses = flood(request).await;
    // One quota pass (every 10 s) after the flood.
    tokio::time::sleep(Duration::from_secs(11)).await;
    let grown = app.used_bytes().await - before;
    let per_minute = grown as f64 * 60.0 / seconds() as f64;
    println!(
        "GROWTH {name}: {grown} bytes in {} s ({per_minute:.0} bytes/min); statuses {statuses:?}",
        seconds()
    );
}

fn status(resp: Result<reqwest::Response, reqwest::Error>) -> u16 {
    resp.map(|r| r.status().as_u16()).unwrap_or(0)
}

#[tokio::test]
#[ignore = "a measurement of a minute per pattern: run with --ignored --nocapture"]
async fn database_growth_per_minute_of_anonymous_floods() {
    // The largest kernel accepted, with an error on its last line.
    let mut kernel = "// padding padding padding padding padding padding padding\n".repeat(270);
    kernel.push_str("fn main( {");
    let puzzles = ["map", "zip", "sum", "matmul", "tiled-matmul", "linear-relu"];

    let app = spawn_default().await;
    let client = cookieless();
    report("cookieless non-compiling 16 KiB kernels", &app, |w, i| {
        let req = client
            .post(app.url("/api/puzzles/submit"))
            .header(ACCEPT, "application/json")
            .form(&[
                ("puzzle_id", puzzles[(w + i) % 6]),
                ("source", kernel.as_str()),
            ]);
        async move { status(req.send().await) }
    })
    .await;

    // Learners that keep their cookie, each kernel for the next puzzle (3
    // compile errors are kept per learner and puzzle), a new browser when refused.
    let app = spawn_default().await;
    let browsers: Vec<std::sync::Mutex<Client>> = (0..IN_FLIGHT)
        .map(|_| std::sync::Mutex::new(crate::quiz::new_browser()))
        .collect();
    report(
        "non-compiling 16 KiB kernels, learners keep cookies",
        &app,
        |w, i| {
            let browser = browsers[w].lock().unwrap().clone();
            let req = browser
                .post(app.url("/api/puzzles/submit"))
                .header(ACCEPT, "application/json")
                .form(&[("puzzle_id", puzzles[i % 6]), ("source", kernel.as_str())]);
            let browsers = &browsers;
            async move {
                let s = status(req.send().await);
                if s == 429 {
                    *browsers[w].lock().unwrap() = crate::quiz::new_browser();
                }
                s
            }
        },
    )
    .await;

    let app = spawn_default().await;
    report("cookieless answers", &app, |_, _| {
        let req = client
            .post(app.url("/api/quiz/answer"))
            .header(ACCEPT, "application/json")
            .form(&[("question_id", crate::quiz::SINGLE), ("choices[]", "b")]);
        async move { status(req.send().await) }
    })
    .await;

    // A new browser per worker whenever its learner is refused: predictions
    // with the longest visibility string, as many as the budgets allow.
    let app = spawn_default().await;
    let visible = "0,".repeat(100);
    let browsers: Vec<std::sync::Mutex<Client>> = (0..IN_FLIGHT)
        .map(|_| std::sync::Mutex::new(crate::quiz::new_browser()))
        .collect();
    report("predictions, new browsers on refusal", &app, |w, _| {
        let browser = browsers[w].lock().unwrap().clone();
        let req = browser
            .post(app.url("/api/demos/devices/predict"))
            .header(ACCEPT, "application/json")
            .form(&[
                ("vis_mode", "set"),
                ("visible", visible.as_str()),
                ("prediction", "1"),
            ]);
        let browsers = &browsers;
        async move {
            let s = status(req.send().await);
            if s == 429 {
                *browsers[w].lock().unwrap() = crate::quiz::new_browser();
            }
            s
        }
    })
    .await;

    let app = spawn_default().await;
    let code = {
        let resp = crate::quiz::post_form(
            &app,
            &crate::quiz::new_browser(),
            "/api/classes/create",
            &[("name", "Flooded")],
        )
        .await;
        let path: String = resp.json().await.unwrap();
        let secret = path
            .trim_start_matches("/teach/")
            .trim_end_matches("?created=1");
        let d: serde_json::Value = crate::quiz::post_form(
            &app,
            &crate::quiz::new_browser(),
            "/api/classes/dashboard",
            &[("secret", secret)],
        )
        .await
        .json()
        .await
        .unwrap();
        d["join_code"].as_str().unwrap().to_string()
    };
    let name = "x".repeat(40);
    report("cookieless joins", &app, |_, _| {
        let req = client
            .post(app.url("/api/classes/join"))
            .header(ACCEPT, "application/json")
            .form(&[("code", code.as_str()), ("display_name", name.as_str())]);
        async move { status(req.send().await) }
    })
    .await;

    let app = spawn_default().await;
    report("cookieless tiny CPU runs (JSON API)", &app, |_, _| {
        let req = client
            .post(app.url("/api/experiments"))
            .json(&serde_json::json!({
                "model": "tiny", "n": 64, "batch": 8, "device": "cpu", "warmup": 1, "repeats": 1
            }));
        async move { status(req.send().await) }
    })
    .await;

    let app = spawn_default().await;
    report(
        "cookieless tiny CPU batch sweeps (JSON API)",
        &app,
        |_, _| {
            let req = client
                .post(app.url("/api/experiments/sweeps"))
                .json(&serde_json::json!({
                    "kind": "batch", "model": "tiny", "n": 1024, "device": "cpu",
                    "warmup": 1, "repeats": 1
                }));
            async move { status(req.send().await) }
        },
    )
    .await;
}
