//! The roofline: a page view never measures the roofs; one POST measures
//! them once per process; runs are then placed under them on their pages,
//! and the lesson's prediction is scored against what the roofs say.

use lab_types::{Bound, DeviceKind, RoofsState, RoofsView};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};
use crate::quiz::post_form;

async fn roofs(app: &TestApp) -> RoofsView {
    post_form(app, &app.client, "/api/roofs", &[])
        .await
        .json()
        .await
        .unwrap()
}

async fn gpu_available(app: &TestApp) -> bool {
    let devices: lab_types::DeviceList = app.get("/api/devices").await.json().await.unwrap();
    lab_engine::testing::gpu_present_or_skip(devices.adapters.len())
}

#[tokio::test]
async fn a_page_view_never_measures_and_one_post_measures_both_devices() {
    let app = spawn_app().await;
    let has_gpu = gpu_available(&app).await;
    for path in [
        "/lab",
        "/lab?roofs=measured",
        "/lessons/choosing-batch-size",
    ] {
        let page = app.get(path).await.text().await.unwrap();
        assert!(
            page.contains("have not been measured") || path.starts_with("/lessons"),
            "{path}"
        );
    }
    assert_eq!(roofs(&app).await.state, RoofsState::NotMeasured);

    let answer: String = post_form(&app, &app.client, "/api/roofs/measure", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer, "roofs=measured");
    let view = roofs(&app).await;
    assert_eq!(view.state, RoofsState::Measured);
    let cpu = view.device(DeviceKind::Cpu).expect("the CPU's roofs");
    assert!(cpu.memory.value > 0.0 && cpu.compute.value > 0.0, "{cpu:?}");
    assert!(cpu.ridge().is_finite() && cpu.ridge() > 0.0);
    if has_gpu {
        let gpu = view.device(DeviceKind::Gpu).expect("the GPU's roofs");
        let devices: lab_types::DeviceList = app.get("/api/devices").await.json().await.unwrap();
        let software = devices
            .adapters
            .iter()
            .any(|a| a.software && a.name == gpu.name);
        assert_eq!(gpu.software, software, "a software adapter says so");
        // medium at b = 1 does ~0.5 FLOP/B: below any device's ridge.
        assert_eq!(gpu.bound(0.4987), Bound::Memory, "{gpu:?}");
    }
    // Kept: a second post answers with the same measurement.
    post_form(&app, &app.client, "/api/roofs/measure", &[]).await;
    assert_eq!(roofs(&app).await, view);

    let page = app.get("/lab").await.text().await.unwrap();
    assert!(
        page.contains("roofs-table") && page.contains("Ridge point"),
        "{page}"
    );
    assert!(!page.contains("have not been measured"));
}

#[tokio::test]
async fn a_run_page_places_each_device_under_its_roofs() {
    let app = spawn_app().await;
    let device = if gpu_available(&app).await {
        "both"
    } else {
        "cpu"
    };
    post_form(&app, &app.client, "/api/roofs/measure", &[]).await;
    let body: Value = app
        .client
        .post(app.url("/api/experiments"))
        .json(&json!({ "model": "tiny", "n": 256, "batch": 64, "device": device, "repeats": 2 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let page = app
        .get(body["url"].as_str().unwrap())
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Where this sits under the roofs"), "{page}");
    assert!(page.contains("roofline-chart") && page.contains("% of that roof"));
    // Each measured device has a row with a share of its roof; the recorded
    // production rows are marked as measured elsewhere.
    assert!(page.contains("memory roof") || page.contains("compute roof"));
    assert!(page.contains("production rows on the chart") && page.contains("cuBLAS b=64"));
}

#[tokio::test]
async fn the_lessons_prediction_is_scored_against_the_roofs() {
    let app = spawn_app().await;
    if !gpu_available(&app).await {
        return;
    }
    let refused = post_form(
        &app,
        &app.client,
        "/api/roofs/measure",
        &[("predict", "yes"), ("prediction", "roof")],
    )
    .await;
    assert_eq!(refused.status(), 400, "an unknown choice is refused");
    assert_eq!(
        roofs(&app).await.state,
        RoofsState::NotMeasured,
        "and nothing ran"
    );

    let answer: String = post_form(
        &app,
        &app.client,
        "/api/roofs/measure",
        &[("predict", "yes"), ("prediction", "compute")],
    )
    .await
    .json()
    .await
    .unwrap();
    let id = answer
        .strip_prefix("roofline_prediction=")
        .expect("the outcome's query");
    let page = app
        .get(&format!(
            "/lessons/choosing-batch-size?roofline_prediction={id}"
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("prediction-outcome"), "{page}");
    assert!(
        page.contains("roofline-chart"),
        "the chart after the prediction"
    );
    let db = app.db().await;
    let (demo, measured): (String, String) =
        lab_storage::on_db!(&db, p => sqlx::query_as("SELECT demo, measured FROM predictions")
            .fetch_one(p)
            .await)
        .unwrap();
    assert_eq!(demo, "roofline");
    assert!(measured.contains("memory"), "{measured}");
}
