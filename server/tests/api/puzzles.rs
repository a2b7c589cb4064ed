//! The kernel playground over HTTP, as the editor's form sends it (with and
//! without JavaScript): verdicts, bounds refused with 4xx, what is stored,
//! the leaderboard, progress and the off switch.

use reqwest::header::{ACCEPT, LOCATION, REFERER};
use reqwest::Client;
use serde_json::Value;

use crate::helpers::{spawn_app, spawn_with, test_settings, TestApp};
use crate::quiz::{new_browser, post_form};

const SUBMIT: &str = "/api/puzzles/submit";
pub(crate) const MAP_SOLUTION: &str = "struct Params { m: u32, k: u32, n: u32, relu: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i < p.n) { y[i] = 2.0 * x[i] + 1.0; }
}
";

pub(crate) async fn submit(
    app: &TestApp,
    client: &Client,
    puzzle: &str,
    source: &str,
) -> reqwest::Response {
    client
        .post(app.url(SUBMIT))
        .header(ACCEPT, "application/json")
        .form(&[("puzzle_id", puzzle), ("source", source)])
        .send()
        .await
        .unwrap()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    lab_storage::on_db!(&app.db().await, p => sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(p)
        .await)
        .unwrap()
}

fn gpu_present() -> bool {
    let engine = lab_engine::Engine::new(Default::default());
    lab_engine::testing::gpu_present_or_skip(engine.devices(None).adapters.len())
}

#[tokio::test]
async fn puzzle_pages_render_without_javascript_and_write_nothing() {
    let app = spawn_app().await;
    let index = app.get("/puzzles").await;
    assert_eq!(index.status(), 200);
    let html = index.text().await.unwrap();
    for id in ["map", "zip", "sum", "matmul", "tiled-matmul", "linear-relu"] {
        assert!(html.contains(&format!("href=\"/puzzles/{id}\"")), "{id}");
    }
    let page = app.get("/puzzles/map").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<textarea") && html.contains("fn main"),
        "editor with the starter"
    );
    assert!(
        html.contains("action=\"/api/puzzles/submit\""),
        "a plain form post"
    );
    assert_eq!(app.get("/puzzles/no-such-puzzle").await.status(), 404);
    assert_eq!(count(&app, "learners").await, 0, "a GET creates no learner");
}

#[tokio::test]
async fn lengths_and_workgroup_and_dispatch_bounds_are_refused_with_4xx_and_write_nothing() {
    let app = spawn_app().await;
    let client = new_browser();
    let long = format!("{MAP_SOLUTION}{}", "// padding\n".repeat(1600));
    let cases = [
        (long.as_str(), "16384"),
        (
            &MAP_SOLUTION.replace("workgroup_size(64)", "workgroup_size(512)") as &str,
            "256",
        ),
        // One invocation per workgroup: 1 048 576 workgroups for the large size.
        (
            &MAP_SOLUTION.replace("workgroup_size(64)", "workgroup_size(1)") as &str,
            "65535",
        ),
    ];
    for (source, says) in cases {
        let resp = submit(&app, &client, "map", source).await;
        assert_eq!(resp.status(), 422, "{says}");
        let body = resp.text().await.unwrap();
        assert!(body.contains(says), "{body}");
    }
    let resp = submit(&app, &client, "map", "   ").await;
    assert_eq!(resp.status(), 400);
    let resp = submit(&app, &client, "no-such-puzzle", MAP_SOLUTION).await;
    assert_eq!(resp.status(), 400);
    assert_eq!(count(&app, "learners").await, 0);
    assert_eq!(count(&app, "puzzle_submissions").await, 0);
}

#[tokio::test]
async fn a_compile_error_comes_back_with_line_and_column() {
    let app = spawn_app().await;
    let client = new_browser();
    let broken = MAP_SOLUTION.replace("let i = gid.x;", "let i = gid.x +;");
    let resp = submit(&app, &client, "map", &broken).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    let outcome = &body["outcome"];
    assert_eq!(outcome["verdict"], "compile_error", "{body}");
    assert_eq!(outcome["line"], 7, "{body}");
    assert!(outcome["column"].as_u64().is_some(), "{body}");
    assert!(!outcome["message"].as_str().unwrap().is_empty());
    // Stored, so that the page shows it next to the code.
    let page = client.get(app.url("/puzzles/map")).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Compile error") && html.contains("Line 7, column"),
        "the page shows it"
    );
    assert!(
        html.contains("gid.x +;"),
        "the editor keeps the learner's kernel"
    );
}

#[tokio::test]
async fn a_wrong_kernel_shows_its_first_mismatch_and_a_right_one_is_timed_and_solved() {
    if !gpu_present() {
        return;
    }
    let app = spawn_app().await;
    let client = new_browser();
    let wrong = MAP_SOLUTION.replace("2.0 * x[i] + 1.0", "select(2.0 * x[i] + 1.0, 0.0, i == 5u)");
    let body: Value = submit(&app, &client, "map", &wrong)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["outcome"]["verdict"], "wrong", "{body}");
    assert_eq!(
        body["outcome"]["checks"][0]["first_mismatch"]["index"], 5,
        "{body}"
    );

    let resp = submit(&app, &client, "map", MAP_SOLUTION).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    let outcome = &body["outcome"];
    assert_eq!(outcome["verdict"], "correct", "{body}");
    assert!(outcome["timing"]["rate"].as_f64().unwrap() > 0.0);
    assert_eq!(outcome["timing"]["unit"], "gb_per_s");
    assert_eq!(count(&app, "puzzle_bests").await, 1);

    let html = client
        .get(app.url("/puzzles/map"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Correct!") && html.contains("anonymous (you)"),
        "verdict and leaderboard"
    );
    // Under the roofs: a pointer to the lab until they are measured, then
    // the kernel's bandwidth against the GPU's memory roof.
    assert!(html.contains("roofs in the"), "{html}");
    post_form(&app, &client, "/api/roofs/measure", &[]).await;
    let html = client
        .get(app.url("/puzzles/map"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("memory roof allows") && html.contains("0.250 FLOP per byte"),
        "the map kernel under the memory roof: {html}"
    );
    let progress = client
        .get(app.url("/progress"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        progress.contains("Kernel puzzles solved: 1 of 6"),
        "progress counts it"
    );

    // A display name shows on the leaderboard.
    let resp = client
        .post(app.url("/api/puzzles/name"))
        .header(ACCEPT, "application/json")
        .form(&[("name", "Ada")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let html = client
        .get(app.url("/puzzles/map"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Ada (you)"), "named on the leaderboard");
}

#[tokio::test]
async fn a_plain_form_post_is_sent_back_to_the_puzzle_page() {
    let app = spawn_app().await;
    let client = new_browser();
    let post = |source: String| {
        client
            .post(app.url(SUBMIT))
            .header(ACCEPT, "text/html")
            .header(REFERER, app.url("/puzzles/map"))
            .form(&[("puzzle_id", "map".to_string()), ("source", source)])
            .send()
    };
    let resp = post(MAP_SOLUTION.replace("workgroup_size(64)", "workgroup_size(1024)"))
        .await
        .unwrap();
    assert!(resp.status().is_redirection(), "{}", resp.status());
    let to = resp.headers()[LOCATION].to_str().unwrap().to_string();
    assert_eq!(to, "/puzzles/map?error=workgroup#result");
    let html = client
        .get(app.url(&to))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("at most 256 invocations"),
        "the page explains the refusal"
    );

    let resp = post(MAP_SOLUTION.replace("let i", "let let"))
        .await
        .unwrap();
    assert!(resp.status().is_redirection());
    assert_eq!(resp.headers()[LOCATION], "/puzzles/map#result");
    let html = client
        .get(app.url("/puzzles/map"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Compile error"),
        "the stored verdict is shown"
    );
}

#[tokio::test]
async fn a_kernel_waits_in_the_labs_queue_within_the_learners_share() {
    let app = spawn_app().await;
    let alice = new_browser();
    // Seconds of CPU work each: Alice's share (one running, one waiting) is full.
    let slow = [
        ("action", "cpu"),
        ("model", "large"),
        ("n", "4096"),
        ("b", "256"),
        ("device", "cpu"),
        ("threads", "0"),
        ("repeats", "1"),
    ];
    for _ in 0..2 {
        let resp = post_form(&app, &alice, "/api/lab/start", &slow).await;
        assert_eq!(resp.status(), 200);
    }
    let resp = submit(&app, &alice, "map", MAP_SOLUTION).await;
    assert_eq!(resp.status(), 429, "the kernel is one more job of hers");
    assert!(resp.text().await.unwrap().contains("TooManyJobs"));
    assert_eq!(count(&app, "puzzle_submissions").await, 0);
    // A compile error needs no device, so it never waits.
    let broken = MAP_SOLUTION.replace("let i", "let let");
    let resp = submit(&app, &alice, "map", &broken).await;
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn the_playground_can_be_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path().join("lab.db"));
    settings.lab.no_playground = true;
    let mut app = spawn_with(settings).await;
    app.keep_dir(dir);
    assert_eq!(app.get("/puzzles").await.status(), 404);
    assert_eq!(app.get("/puzzles/map").await.status(), 404);
    let resp = submit(&app, &new_browser(), "map", MAP_SOLUTION).await;
    assert_eq!(resp.status(), 404);
    assert!(resp.text().await.unwrap().contains("TurnedOff"));
    assert_eq!(count(&app, "learners").await, 0);
}

#[test]
fn the_app_and_the_engine_agree_on_the_source_bound() {
    assert_eq!(
        app::puzzles::MAX_SOURCE_BYTES,
        lab_engine::playground::MAX_SOURCE_BYTES
    );
}
