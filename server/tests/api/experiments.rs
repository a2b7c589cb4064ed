//! The experiments JSON API: runs on both devices, parameter errors naming their
//! field, the bounded queue, and saved runs readable by anyone with the link.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_with, test_settings, TestApp};

/// True when wgpu sees an adapter; see `lab_engine::testing::gpu_present_or_skip`.
async fn gpu_available(app: &TestApp) -> bool {
    let devices: lab_types::DeviceList = app.get("/api/devices").await.json().await.unwrap();
    lab_engine::testing::gpu_present_or_skip(devices.adapters.len())
}

async fn post(app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .json(&body)
        .send()
        .await
        .expect("request failed")
}

#[tokio::test]
async fn a_run_on_both_devices_agrees_and_is_saved_under_a_shareable_url() {
    let app = spawn_app().await;
    let device = if gpu_available(&app).await {
        "both"
    } else {
        "cpu"
    };
    let resp = post(
        &app,
        "/api/experiments",
        json!({ "model": "tiny", "n": 300, "batch": 64, "device": device, "repeats": 2 }),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    let result = &body["result"];
    assert_eq!(result["kind"], "run");
    assert_eq!(result["n"], 300);
    assert_eq!(result["batches"], 5);
    assert_eq!(result["last_batch"], 44);
    let results = result["results"].as_array().unwrap();
    for r in results {
        assert!(r["wall"]["median_ms"].as_f64().unwrap() > 0.0);
        assert!(r["items_per_s"].as_f64().unwrap() > 0.0);
        assert!(
            !r["label"].as_str().unwrap().is_empty(),
            "every result says what ran"
        );
    }
    if device == "both" {
        assert_eq!(results.len(), 2);
        let gpu = results
            .iter()
            .find(|r| r["device"] == "gpu")
            .expect("a GPU result");
        if gpu["software"] == true {
            assert!(gpu["label"]
                .as_str()
                .unwrap()
                .contains("software GPU emulation"));
        }
        let agreement = &result["agreement"];
        assert_eq!(agreement["matches"], true, "{agreement}");
        assert_eq!(agreement["argmax_agreement"], 1.0);
        assert!(agreement["max_abs_error"].as_f64().unwrap() < 1e-3);
    }

    // The run is saved: JSON by id, and a page anyone can open (no cookie needed).
    let id = body["id"].as_str().unwrap();
    assert_eq!(body["url"], format!("/lab/runs/{id}"));
    let saved: Value = app
        .get(&format!("/api/experiments/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(saved["result"], *result);
    let page = reqwest::get(app.url(&format!("/lab/runs/{id}")))
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(id) && html.contains("<svg"),
        "the run page shows the run and its chart"
    );

    assert_eq!(
        app.get("/api/experiments/0123456789abcdef01234567")
            .await
            .status(),
        404
    );
    assert_eq!(app.get("/lab/runs/no-such-run").await.status(), 404);
}

#[tokio::test]
async fn every_invalid_parameter_is_refused_naming_the_field() {
    let app = spawn_app().await;
    // (body, status, field named in the answer)
    let cases = [
        (json!({ "n": 0 }), 400, "n"),
        (json!({ "n": 2_000_000 }), 422, "n"),
        (json!({ "batch": 0 }), 400, "batch"),
        (json!({ "batch": 4096 }), 422, "batch"),
        (json!({ "repeats": 0 }), 400, "repeats"),
        (json!({ "repeats": 1000 }), 422, "repeats"),
        (json!({ "warmup": 0 }), 400, "warmup"),
        (json!({ "warmup": 1000 }), 422, "warmup"),
        (
            json!({ "device": "cpu", "cpu_threads": 100_000 }),
            422,
            "cpu_threads",
        ),
        (
            json!({ "model": "large", "n": 1_000_000, "batch": 1024 }),
            422,
            "n",
        ),
        (json!({ "model": "huge" }), 422, "model"),
        (json!({ "device": "tpu" }), 422, "device"),
        (json!({ "kernel": "magic" }), 422, "kernel"),
        (json!({ "n": "many" }), 422, "n"),
        (json!({ "n": -5 }), 422, "n"),
        (json!({ "bogus": 1 }), 422, "bogus"),
    ];
    for (body, status, field) in cases {
        let resp = post(&app, "/api/experiments", body.clone()).await;
        assert_eq!(resp.status().as_u16(), status, "{body}");
        let answer: Value = resp.json().await.unwrap();
        let message = answer["error"].as_str().unwrap_or_default();
        assert!(
            answer["field"] == field || message.contains(field),
            "{body}: the answer {answer} should name `{field}`"
        );
        if status == 422 && answer["field"] == field {
            assert!(
                message.contains("limit") || message.contains("budget"),
                "{body}: {message} should name the limit"
            );
        }
    }

    // No visible GPU for a GPU run: a clear 409 about the setting.
    let resp = post(
        &app,
        "/api/experiments",
        json!({ "device": "gpu", "visible_devices": "" }),
    )
    .await;
    assert_eq!(resp.status(), 409);
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(answer["field"], "visible_devices");

    // Malformed JSON and a missing content type are refused with a clear message.
    let resp = app
        .client
        .post(app.url("/api/experiments"))
        .header("content-type", "application/json")
        .body("{\"n\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(resp.json::<Value>().await.unwrap()["error"]
        .as_str()
        .unwrap()
        .contains("JSON"));
    let resp = app
        .client
        .post(app.url("/api/experiments"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);

    // Sweeps are checked point by point before anything runs.
    let resp = post(
        &app,
        "/api/experiments/sweeps",
        json!({ "kind": "n", "model": "large", "batch": 1024 }),
    )
    .await;
    assert_eq!(resp.status(), 422);
    assert_eq!(resp.json::<Value>().await.unwrap()["field"], "n");
}

#[tokio::test]
async fn a_full_queue_answers_429_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path().join("lab.db"));
    settings.queue_capacity = 0; // nothing may wait: a second CPU job is refused
    let app = spawn_with(settings).await;

    // A CPU run of a few seconds holds the CPU...
    let client = app.client.clone();
    let url = app.url("/api/experiments");
    let long = tokio::spawn(async move {
        let body = json!({ "model": "medium", "n": 16384, "batch": 256, "device": "cpu", "cpu_threads": 1, "repeats": 5 });
        client.post(url).json(&body).send().await.unwrap().status()
    });
    // ...once it is admitted,
    loop {
        let q: Value = app.get("/api/lab/queue").await.json().await.unwrap();
        if q["running"].as_u64().unwrap() + q["waiting"].as_u64().unwrap() >= 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // ...another CPU run would have to wait, and may not.
    let resp = post(
        &app,
        "/api/experiments",
        json!({ "model": "tiny", "n": 10, "device": "cpu" }),
    )
    .await;
    assert_eq!(resp.status(), 429);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0);
    let answer: Value = resp.json().await.unwrap();
    assert!(
        answer["error"].as_str().unwrap().contains("busy"),
        "{answer}"
    );

    assert_eq!(long.await.unwrap(), 200);
    // Free again.
    let resp = post(
        &app,
        "/api/experiments",
        json!({ "model": "tiny", "n": 10, "device": "cpu" }),
    )
    .await;
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn an_n_sweep_on_the_cpu_measures_every_point() {
    let app = spawn_app().await;
    let resp = post(
        &app,
        "/api/experiments/sweeps",
        json!({ "kind": "n", "device": "cpu", "repeats": 1 }),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    let points = body["result"]["points"].as_array().unwrap();
    let xs: Vec<u64> = points.iter().map(|p| p["x"].as_u64().unwrap()).collect();
    assert_eq!(xs, vec![10, 100, 1_000, 10_000, 100_000]);
    for p in points {
        assert_eq!(p["run"]["n"], p["x"]);
    }
    let id = body["id"].as_str().unwrap();
    let saved: Value = app
        .get(&format!("/api/experiments/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(saved["kind"], "n-sweep");
}

#[tokio::test]
async fn devices_lists_adapters_and_applies_visibility() {
    let app = spawn_app().await;
    let all: Value = app.get("/api/devices").await.json().await.unwrap();
    assert_eq!(all["visibility_source"], "unset");
    assert!(all["cpu_threads"].as_u64().unwrap() >= 1);
    let none: Value = app.get("/api/devices?visible=").await.json().await.unwrap();
    assert_eq!(none["visibility_source"], "request_override");
    assert_eq!(none["visible"], json!([]));
    assert!(none["no_gpu_message"].is_string());
    assert_eq!(app.get("/api/devices?bogus=1").await.status(), 400);
}

/// Every value of a JSON document with its numbers zeroed: what two measurements
/// of the same run share (the timings differ, the shape and the labels do not).
fn without_numbers(v: &Value) -> Value {
    match v {
        Value::Number(_) => json!(0),
        Value::Array(items) => Value::Array(items.iter().map(without_numbers).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), without_numbers(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[tokio::test]
async fn the_cli_json_and_the_api_serialise_the_same_run_identically() {
    let app = spawn_app().await;
    let params = json!({
        "model": "tiny", "n": 100, "batch": 7, "device": "cpu",
        "cpu_threads": 1, "repeats": 2, "warmup": 1
    });
    let response = post(&app, "/api/experiments", params).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let mut from_api = body["result"].clone();
    assert_eq!(from_api["kind"], "run");
    from_api.as_object_mut().unwrap().remove("kind");

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_inference-lab"))
        .args([
            "bench",
            "--device",
            "cpu",
            "--model",
            "tiny",
            "--n",
            "100",
            "--batch",
            "7",
            "--threads",
            "1",
            "--repeats",
            "2",
            "--warmup",
            "1",
            "--json",
        ])
        .output()
        .expect("run inference-lab bench");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_cli: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");

    assert_eq!(without_numbers(&from_cli), without_numbers(&from_api));
    for exact in [
        "params",
        "model",
        "n",
        "batch",
        "batches",
        "last_batch",
        "notes",
    ] {
        assert_eq!(from_cli[exact], from_api[exact], "{exact}");
    }
    assert_eq!(from_cli["results"][0]["name"], "CPU: gemm, 1 thread");
    assert_eq!(
        from_cli["results"][0]["threads"],
        from_api["results"][0]["threads"]
    );
}

#[tokio::test]
async fn a_run_page_shows_production_libraries_on_the_same_shape() {
    let app = spawn_app().await;
    let params = json!({ "model": "tiny", "n": 64, "batch": 60, "device": "cpu", "repeats": 1 });
    let response = post(&app, "/api/experiments", params).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let page = app
        .get(body["url"].as_str().unwrap())
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Production libraries on the same shape"),
        "{page}"
    );
    // The nearest measured batch to 60 is 64; both devices' libraries are listed.
    for expected in ["onnxruntime", "cuBLAS", "NVIDIA H200", "× the lab"] {
        assert!(page.contains(expected), "missing {expected}");
    }
}
