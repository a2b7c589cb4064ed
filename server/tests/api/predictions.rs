//! Predict, then measure: a demo's prediction is stored with its run and scored,
//! a bad one is refused with nothing stored, a GET stores nothing, and each
//! learner sees only their own predictions.

use reqwest::header::{ACCEPT, REFERER};
use reqwest::{Client, StatusCode};
use serde_json::Value;

use crate::helpers::{spawn_app, TestApp};
use crate::prediction_spread::{ratio_range, within};
use crate::quiz::{count_rows, new_browser, post_form};

const PREDICT_DEVICES: &str = "/api/demos/devices/predict";
const VIS_LESSON: &str = "/lessons/cuda-visible-devices";

/// Adapters on this machine (the visibility demo's measurement depends on it).
async fn adapters(app: &TestApp) -> usize {
    let devices: lab_types::DeviceList = app.get("/api/devices").await.json().await.unwrap();
    devices.adapters.len()
}

/// Predicts through the visibility demo as the hydrated page does: the query it answers.
async fn predict_devices(app: &TestApp, client: &Client, form: &[(&str, &str)]) -> String {
    let resp = post_form(app, client, PREDICT_DEVICES, form).await;
    assert_eq!(resp.status(), 200, "refused: {:?}", resp.text().await);
    resp.json().await.unwrap()
}

/// The prediction id in a demo's answer (`…&vis_prediction=<id>`).
fn prediction_id(query: &str, param: &str) -> String {
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{param}=")))
        .unwrap_or_else(|| panic!("{param} in {query}"))
        .to_string()
}

async fn stats(app: &TestApp, client: &Client) -> Value {
    let resp = post_form(app, client, "/api/predictions/stats", &[]).await;
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

async fn outcome(app: &TestApp, client: &Client, id: &str) -> Value {
    let resp = post_form(app, client, "/api/predictions/outcome", &[("id", id)]).await;
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// `(demo, run_ref, guess, measured, correct)` of every stored prediction.
async fn rows(app: &TestApp) -> Vec<(String, String, String, String, Option<bool>)> {
    let pool = app.db().await;
    let rows = lab_storage::on_db!(&pool, p => sqlx::query_as(
        "SELECT demo, run_ref, guess, measured, correct FROM predictions ORDER BY id",
    )
    .fetch_all(p)
    .await)
    .unwrap();
    pool.close().await;
    rows
}

#[tokio::test]
async fn a_visibility_prediction_is_stored_with_the_setting_and_scored() {
    let app = spawn_app().await;
    let seen_under_0 = usize::from(adapters(&app).await > 0);
    // Right: the empty string hides every GPU.
    let q = predict_devices(
        &app,
        &app.client,
        &[("vis_mode", "set"), ("visible", ""), ("prediction", "0")],
    )
    .await;
    assert!(
        q.starts_with("vis_mode=set&visible=&vis_prediction="),
        "{q}"
    );
    // Wrong: "0" shows GPU 0 only (when there is one).
    let wrong = (seen_under_0 + 2).to_string();
    predict_devices(
        &app,
        &app.client,
        &[
            ("vis_mode", "set"),
            ("visible", "0"),
            ("prediction", &wrong),
        ],
    )
    .await;
    // Not scored: "I don't know".
    let q = predict_devices(
        &app,
        &app.client,
        &[
            ("vis_mode", "unset"),
            ("prediction", ""),
            ("dont_know", "yes"),
        ],
    )
    .await;
    let rows = rows(&app).await;
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].1, "''");
    assert_eq!(rows[0].4, Some(true), "{rows:?}");
    assert_eq!(rows[1].1, "'0'");
    assert_eq!(
        serde_json::from_str::<Value>(&rows[1].3).unwrap()["value"],
        seen_under_0 as f64
    );
    assert_eq!(rows[1].4, Some(false), "{rows:?}");
    assert_eq!(rows[2].1, "unset");
    assert_eq!(rows[2].4, None, "“I don't know” is not scored");

    let s = stats(&app, &app.client).await;
    assert_eq!(
        (
            s["made"].as_u64(),
            s["scored"].as_u64(),
            s["right"].as_u64()
        ),
        (Some(3), Some(2), Some(1))
    );
    let o = outcome(&app, &app.client, &prediction_id(&q, "vis_prediction")).await;
    assert_eq!(o["guess"], "I don't know");
    assert_eq!(o["verdict"], "NotScored");
    let progress = app.get("/progress").await.text().await.unwrap();
    assert!(
        progress.contains("50%") && progress.contains("(1 of 2; 3 made in all, 1 not scored)"),
        "the tally is on /progress"
    );
}

#[tokio::test]
async fn without_javascript_the_post_redirects_to_the_lesson_showing_both_values() {
    let app = spawn_app().await;
    let resp = app
        .client
        .post(app.url(PREDICT_DEVICES))
        .header(ACCEPT, "text/html")
        .header(REFERER, app.url(VIS_LESSON))
        .form(&[
            ("vis_mode", "set"),
            ("visible", "2,0,-1,3"),
            ("prediction", "0"),
        ])
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_redirection(), "{}", resp.status());
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with(&format!(
            "{VIS_LESSON}?vis_mode=set&visible=2%2C0%2C-1%2C3&vis_prediction="
        )),
        "{location}"
    );
    let page = app.get(&location).await.text().await.unwrap();
    assert!(
        page.contains("prediction-outcome") && page.contains("You predicted"),
        "the result shows the prediction"
    );
    assert!(
        page.contains("The list is read left to right"),
        "with the explanation from content/"
    );
}

#[tokio::test]
async fn timing_and_cost_predictions_are_stored_with_their_runs() {
    let app = spawn_app().await;
    if !lab_engine::testing::gpu_present_or_skip(adapters(&app).await) {
        return;
    }
    let q: String = post_form(
        &app,
        &app.client,
        "/api/demos/timing",
        &[("model", "tiny"), ("batch", "8"), ("prediction", "10")],
    )
    .await
    .json()
    .await
    .unwrap();
    let report = prediction_id(&q, "timing_result");
    let q: String = post_form(
        &app,
        &app.client,
        "/api/demos/throughput",
        &[
            ("model", "tiny"),
            ("batch", "64"),
            ("gpu_price", "3.6"),
            ("prediction", "cpu"),
        ],
    )
    .await
    .json()
    .await
    .unwrap();
    let run = prediction_id(&q, "cost_run");
    let rows = rows(&app).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1.as_str()),
        ("timing", report.as_str())
    );
    let (ratio, low, high) = ratio_range(&rows[0].3);
    assert!(ratio > 0.0, "a measured ratio: {}", rows[0].3);
    assert!(low <= ratio && ratio <= high, "{}", rows[0].3);
    assert_eq!(
        rows[0].4,
        Some(within(10.0, low, high)),
        "scored within 25 % of what the calls' spread allows"
    );
    assert_eq!(
        (rows[1].0.as_str(), rows[1].1.as_str()),
        ("cost-calculator", run.as_str())
    );
    let measured: Value = serde_json::from_str(&rows[1].3).unwrap();
    assert_eq!(rows[1].4, Some(measured["value"] == "cpu"), "{measured}");
    assert_eq!(count_rows(&app, "runs").await, 1, "the cost run is saved");
    let page = app
        .get(&format!("/lessons/cost-based-selection?{q}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("prediction-outcome") && page.contains("cost-table"));
}

#[tokio::test]
async fn bad_predictions_are_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let cases: [(&str, &[(&str, &str)]); 8] = [
        ("/api/demos/timing", &[("model", "tiny"), ("batch", "8")]),
        (
            "/api/demos/timing",
            &[("model", "tiny"), ("batch", "8"), ("prediction", "-1")],
        ),
        (
            "/api/demos/timing",
            &[("model", "tiny"), ("batch", "8"), ("prediction", "NaN")],
        ),
        (
            "/api/demos/timing",
            &[("model", "tiny"), ("batch", "8"), ("prediction", "1e9")],
        ),
        (
            "/api/demos/throughput",
            &[("model", "tiny"), ("batch", "64"), ("prediction", "tpu")],
        ),
        (
            "/api/demos/throughput",
            &[("model", "tiny"), ("batch", "64"), ("dont_know", "yes")],
        ),
        (
            PREDICT_DEVICES,
            &[
                ("vis_mode", "set"),
                ("visible", "0"),
                ("prediction", "many"),
            ],
        ),
        (
            PREDICT_DEVICES,
            &[("vis_mode", "set"), ("visible", "0"), ("prediction", "")],
        ),
    ];
    for (path, form) in cases {
        let resp = post_form(&app, &app.client, path, form).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{path} {form:?}");
        let body = resp.text().await.unwrap();
        assert!(
            body.contains("prediction"),
            "the message names the prediction: {body}"
        );
    }
    // Without JavaScript: back to the lesson with the error's code, and its message there.
    let resp = app
        .client
        .post(app.url("/api/demos/timing"))
        .header(ACCEPT, "text/html")
        .header(REFERER, app.url("/lessons/timing-inference"))
        .form(&[("model", "tiny"), ("batch", "8"), ("prediction", "lots")])
        .send()
        .await
        .unwrap();
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(location.contains("timing_error=prediction"), "{location}");
    let page = app.get(&location).await.text().await.unwrap();
    assert!(
        page.contains("Make your prediction first"),
        "the page explains the refusal"
    );
    for table in ["predictions", "learners", "runs"] {
        assert_eq!(
            count_rows(&app, table).await,
            0,
            "a refused prediction wrote to {table}"
        );
    }
    let queue: Value = app.get("/api/lab/queue").await.json().await.unwrap();
    assert_eq!(queue["started"], 0, "nothing ran");
}

#[tokio::test]
async fn a_get_stores_nothing() {
    let app = spawn_app().await;
    for path in [
        "/lessons/cuda-visible-devices?vis_mode=set&visible=0&prediction=1",
        "/lessons/cuda-visible-devices?vis_mode=set&visible=0&vis_prediction=1",
        "/lessons/timing-inference?timing_result=x&timing_prediction=1&prediction=3",
        "/lessons/cost-based-selection?cost_run=x&cost_prediction=1&prediction=gpu",
        "/api/demos/devices/predict?vis_mode=set&visible=0&prediction=1",
        "/progress",
    ] {
        let resp = app.get(path).await;
        assert!(resp.status().as_u16() < 500, "{path}: {}", resp.status());
    }
    assert_eq!(count_rows(&app, "predictions").await, 0);
    assert_eq!(count_rows(&app, "learners").await, 0);
}

#[tokio::test]
async fn learners_see_only_their_own_predictions() {
    let app = spawn_app().await;
    let (alice, bob) = (new_browser(), new_browser());
    let q = predict_devices(
        &app,
        &alice,
        &[("vis_mode", "set"), ("visible", ""), ("prediction", "0")],
    )
    .await;
    let id = prediction_id(&q, "vis_prediction");
    assert_eq!(outcome(&app, &alice, &id).await["verdict"], "Right");
    assert_eq!(outcome(&app, &bob, &id).await, Value::Null, "not Bob's");
    assert_eq!(stats(&app, &alice).await["made"], 1);
    assert_eq!(stats(&app, &bob).await["made"], 0);
    let page = bob
        .get(app.url(&format!("{VIS_LESSON}?{q}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains("You predicted"),
        "Bob's page does not show Alice's prediction"
    );

    // A reset deletes the learner's predictions with their answers.
    let resp = post_form(&app, &alice, "/api/progress/reset", &[("confirm", "yes")]).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(count_rows(&app, "predictions").await, 0);
}

/// A lesson's n sweep on the CPU, with a prediction, as the panel's form sends it.
fn n_sweep_form<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("action", "n-sweep"),
        ("model", "tiny"),
        ("n", "64"),
        ("b", "32"),
        ("device", "cpu"),
        ("threads", "0"),
        ("repeats", "1"),
    ];
    form.extend_from_slice(extra);
    form
}

#[tokio::test]
async fn a_sweep_prediction_is_scored_once_its_run_is_saved_with_and_without_javascript() {
    let app = spawn_app().await;
    // Without JavaScript: the post waits for the sweep and goes to the run, scored.
    let resp = app
        .client
        .post(app.url("/api/lab/start"))
        .header(ACCEPT, "text/html")
        .form(&n_sweep_form(&[
            ("predict_for", "n-sweep"),
            ("prediction", "10"),
        ]))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_redirection(), "{}", resp.status());
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with("/lab/runs/")
            && location.contains("?prediction=")
            && location.ends_with("#result"),
        "{location}"
    );
    let stored = rows(&app).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].0, "n-sweep");
    assert!(
        location.contains(&stored[0].1),
        "stored with its run: {location}"
    );
    let (ratio, low, high) = ratio_range(&stored[0].3);
    assert_eq!(
        stored[0].4,
        Some(within(10.0, low, high)),
        "t(10,000)/t(1,000) = {ratio} ({low} … {high})"
    );
    let page = app.get(&location).await.text().await.unwrap();
    assert!(
        page.contains("prediction-outcome") && page.contains("10 ×"),
        "the run page shows it"
    );

    // With JavaScript: stored as pending when the sweep starts, scored when the page asks.
    let resp = post_form(
        &app,
        &app.client,
        "/api/lab/start",
        &n_sweep_form(&[
            ("predict_for", "n-sweep"),
            ("prediction", ""),
            ("dont_know", "yes"),
        ]),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let run_id: String = resp.json().await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let run: Value = post_form(&app, &app.client, "/api/lab/run", &[("id", &run_id)])
            .await
            .json()
            .await
            .unwrap();
        if !run.is_null() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the sweep was not saved in 60 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let pending = rows(&app).await;
    assert_eq!(
        pending[1].3, r#"{"kind":"pending"}"#,
        "pending until the page asks"
    );
    let o: Value = post_form(
        &app,
        &app.client,
        "/api/predictions/score-run",
        &[("run_id", &run_id)],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(o["guess"], "I don't know");
    assert!(o["measured"].as_str().unwrap().ends_with('×'), "{o}");
    assert_ne!(rows(&app).await[1].3, r#"{"kind":"pending"}"#);
    // Another learner cannot score (or read) it.
    let other = new_browser();
    let o: Value = post_form(
        &app,
        &other,
        "/api/predictions/score-run",
        &[("run_id", &run_id)],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(o, Value::Null);
}

#[tokio::test]
async fn a_sweep_with_a_bad_prediction_does_not_start() {
    let app = spawn_app().await;
    for extra in [
        vec![("predict_for", "n-sweep")],
        vec![("predict_for", "n-sweep"), ("prediction", "-4")],
        vec![("predict_for", "batch-sweep"), ("prediction", "gpu")],
        vec![("predict_for", "visibility"), ("prediction", "1")],
    ] {
        let resp = post_form(&app, &app.client, "/api/lab/start", &n_sweep_form(&extra)).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{extra:?}");
    }
    for table in ["predictions", "learners", "runs"] {
        assert_eq!(count_rows(&app, table).await, 0, "{table}");
    }
}
