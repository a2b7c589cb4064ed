//! The GPU loop styles side by side on `/lab`: one form post runs the same n
//! and b once per style, on the real server, SQLite and the adapter wgpu finds
//! (lavapipe here); bad input is refused before anything runs or is saved.

use reqwest::header::{ACCEPT, REFERER};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};
use crate::quiz::{count_rows, new_browser, post_form};

/// The comparison's form, as `/lab` sends it (a tiny model: seconds on lavapipe).
fn comparison(device: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("action", "loop-styles"),
        ("model", "tiny"),
        ("n", "96"),
        ("b", "32"),
        ("device", device),
        ("threads", "0"),
        ("repeats", "2"),
        ("loop_style", "round-trips"),
    ]
}

/// `(present, software)` for the first adapter; see `gpu_present_or_skip`.
async fn gpu(app: &TestApp) -> (bool, bool) {
    let devices: lab_types::DeviceList = app.get("/api/devices").await.json().await.unwrap();
    let present = lab_engine::testing::gpu_present_or_skip(devices.adapters.len());
    (
        present,
        devices.adapters.first().is_some_and(|a| a.software),
    )
}

/// A form post without JavaScript: answered with a redirect.
async fn post_plain(app: &TestApp, learner: &Client, form: &[(&str, &str)]) -> String {
    let resp = learner
        .post(app.url("/api/lab/start"))
        .header(ACCEPT, "text/html")
        .header(REFERER, app.url("/lab"))
        .form(form)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_redirection(), "{}", resp.status());
    resp.headers()["location"].to_str().unwrap().to_string()
}

async fn started(app: &TestApp) -> u64 {
    let q: Value = app.get("/api/lab/queue").await.json().await.unwrap();
    q["started"].as_u64().unwrap()
}

#[tokio::test]
async fn one_post_measures_every_loop_style_at_the_same_size_and_saves_them_together() {
    let app = spawn_app().await;
    let (present, software) = gpu(&app).await;
    if !present {
        return;
    }
    let learner = new_browser();
    let location = post_plain(&app, &learner, &comparison("both")).await;
    // At the result on the run's page.
    let id = location
        .strip_prefix("/lab/runs/")
        .and_then(|rest| rest.strip_suffix("#result"))
        .unwrap_or_else(|| panic!("redirected to {location}"));
    assert_eq!(started(&app).await, 3, "three measurements, one per style");
    assert_eq!(count_rows(&app, "runs").await, 1);

    let saved: Value = app
        .get(&format!("/api/experiments/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(saved["kind"], "loop-styles");
    let points = saved["result"]["points"].as_array().unwrap();
    let styles: Vec<&str> = points
        .iter()
        .map(|p| p["run"]["params"]["loop_style"].as_str().unwrap())
        .collect();
    assert_eq!(styles, ["round-trips", "one-submit", "pipelined"]);
    for p in points {
        let run = &p["run"];
        let style = &run["params"]["loop_style"];
        assert_eq!(
            (run["n"].as_u64(), run["batch"].as_u64()),
            (Some(96), Some(32))
        );
        assert_eq!(run["batches"], 3);
        let gpu = run["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["device"] == "gpu")
            .expect("a GPU result");
        assert!(gpu["wall"]["median_ms"].as_f64().unwrap() > 0.0, "{style}");
        assert!(gpu["items_per_s"].as_f64().unwrap() > 0.0, "{style}");
        if let Some(kernel) = gpu["phases"]["kernel"]["median_ms"].as_f64() {
            assert!(kernel > 0.0, "{style}: kernel time {kernel}");
        }
        assert_eq!(gpu["software"], software);
        assert_eq!(
            run["agreement"]["matches"], true,
            "{style}: {}",
            run["agreement"]
        );
    }

    // The saved page shows the three styles side by side, with a reading and
    // the adapter (named as emulation when it is).
    let page = app.get(&location).await.text().await.unwrap();
    for style in ["round-trips", "one-submit", "pipelined"] {
        assert!(
            page.contains(&format!(r#"data-loop-style="{style}""#)),
            "no row for {style}"
        );
    }
    assert!(page.contains("loop-reading") && page.contains("One submit"));
    assert!(page.contains("Fixed cost per batch") && page.contains("<svg"));
    if software {
        assert!(page.contains("software GPU emulation"));
    }
    assert_eq!(started(&app).await, 3, "showing it measured nothing more");
}

#[tokio::test]
async fn a_comparison_without_the_gpu_or_with_bad_fields_is_refused_and_saves_nothing() {
    let app = spawn_app().await;
    let learner = new_browser();
    // (the changed form field and its value, status, field named)
    let cases = [
        (("device", "cpu"), 400, "device"),
        (("loop_style", "two-submits"), 400, "loop_style"),
        (("n", "2000000"), 422, "n"),
        (("b", "lots"), 400, "batch"),
    ];
    for ((key, value), status, field) in cases {
        let mut form = comparison("both");
        form.iter_mut().find(|(f, _)| *f == key).unwrap().1 = value;
        let resp = post_form(&app, &learner, "/api/lab/start", &form).await;
        assert_eq!(resp.status().as_u16(), status, "{key} = {value}");
        let text = resp.text().await.unwrap();
        assert!(text.contains(field), "{key} = {value}: {text}");
    }
    // The CPU-only refusal says why, in words.
    let mut form = comparison("cpu");
    let text = post_form(&app, &learner, "/api/lab/start", &form)
        .await
        .text()
        .await
        .unwrap();
    assert!(text.contains("not cpu"), "{text}");
    // Without JavaScript it goes back to the lab, which explains it.
    form.retain(|(k, _)| *k != "loop_style");
    let location = post_plain(&app, &learner, &form).await;
    assert!(location.contains("error=loop-needs-gpu"), "{location}");
    let page = app.get(&location).await.text().await.unwrap();
    assert!(
        page.contains("not the CPU alone"),
        "the lab explains the refusal"
    );

    // The JSON API refuses the same, and an unknown style by name.
    for (body, status) in [
        (json!({ "kind": "loop-style", "device": "cpu" }), 400),
        (json!({ "kind": "loop-style", "loop_style": "warp" }), 422),
        (json!({ "kind": "loop-styles" }), 422),
    ] {
        let resp = app
            .client
            .post(app.url("/api/experiments/sweeps"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), status, "{body}");
    }

    assert_eq!(started(&app).await, 0, "nothing ran");
    assert_eq!(count_rows(&app, "runs").await, 0, "nothing was saved");
    assert_eq!(
        count_rows(&app, "learners").await,
        0,
        "no learner was created"
    );
}

#[tokio::test]
async fn the_three_runs_share_one_budget() {
    let app = spawn_app().await;
    let (present, software) = gpu(&app).await;
    // The budget below is the software adapter's; a hardware GPU's is larger.
    if !present || !software {
        return;
    }
    // Large at n = 600, two passes: 60 GFLOP, inside the 100 GFLOP GPU budget
    // once, not three times.
    let run = json!({ "model": "large", "n": 600, "batch": 200, "device": "gpu",
                      "warmup": 1, "repeats": 1 });
    let mut sweep = run.clone();
    sweep["kind"] = json!("loop-style");
    let resp = app
        .client
        .post(app.url("/api/experiments/sweeps"))
        .json(&sweep)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("points together"));
    assert_eq!(started(&app).await, 0);
}
