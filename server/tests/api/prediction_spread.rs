//! A timed ratio is graded with its run's own noise: a guess outside 25 % of
//! the measured ratio, but inside the range the repeats' p10–p90 allow
//! (widened by 25 %), is right, and the outcome names that range.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};
use crate::quiz::post_form;

/// `(value, low, high)` of a stored measurement: a ratio with its range, or a
/// plain number (a range of one value).
pub fn ratio_range(measured: &str) -> (f64, f64, f64) {
    let m: Value = serde_json::from_str(measured).unwrap();
    match m["kind"].as_str() {
        Some("ratio") => {
            let v = &m["value"];
            let f = |k: &str| v[k].as_f64().unwrap_or_else(|| panic!("{k} in {m}"));
            (f("value"), f("low"), f("high"))
        }
        _ => {
            let v = m["value"]
                .as_f64()
                .unwrap_or_else(|| panic!("a number: {m}"));
            (v, v, v)
        }
    }
}

/// Whether `guess` is right against a range, the way the app scores it.
pub fn within(guess: f64, low: f64, high: f64) -> bool {
    0.75 * low <= guess && guess <= 1.25 * high
}

/// The CPU's wall-time summary at `x` of a saved n sweep.
fn wall(run: &Value, x: u64) -> (f64, f64, f64) {
    let point = run["result"]["points"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["x"] == x)
        .unwrap_or_else(|| panic!("no point at n = {x}"));
    let cpu = point["run"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["device"] == "cpu")
        .unwrap_or_else(|| panic!("no CPU result: {point}"));
    let w = &cpu["wall"];
    let f = |k: &str| w[k].as_f64().unwrap();
    (f("p10_ms"), f("median_ms"), f("p90_ms"))
}

async fn saved_run(app: &TestApp, run_id: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let run: Value = post_form(app, &app.client, "/api/lab/run", &[("id", run_id)])
            .await
            .json()
            .await
            .unwrap();
        if !run.is_null() {
            return run;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the sweep was not saved in 120 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_sweep_prediction_inside_the_runs_spread_is_right_though_outside_25_percent() {
    let app = spawn_app().await;
    // Started as a page with JavaScript does: the guess is stored pending.
    let form = [
        ("action", "n-sweep"),
        ("model", "tiny"),
        ("n", "64"),
        ("b", "32"),
        ("device", "cpu"),
        ("threads", "0"),
        ("repeats", "3"),
        ("predict_for", "n-sweep"),
        ("prediction", "10"),
    ];
    let resp = post_form(&app, &app.client, "/api/lab/start", &form).await;
    assert_eq!(resp.status(), 200);
    let run_id: String = resp.json().await.unwrap();
    let run = saved_run(&app, &run_id).await;

    // What the run allows, from its own numbers.
    let (small, large) = (wall(&run, 1_000), wall(&run, 10_000));
    let value = large.1 / small.1;
    let (low, high) = (large.0 / small.2, large.2 / small.0);
    // A guess the learner could have typed: inside the widened spread, outside
    // 25 % of the medians' ratio (below it, or else above it).
    let guess = if 0.75 * low < 0.75 * value * 0.999 {
        (0.75 * low + 0.75 * value) / 2.0
    } else {
        (1.25 * value + 1.25 * high) / 2.0
    };
    assert!(
        (guess - value).abs() > 0.25 * value && within(guess, low, high),
        "no room between 25 % and the spread: {guess} against {value} ({low} … {high})"
    );
    let pool = app.db().await;
    lab_storage::on_db!(&pool, p => sqlx::query("UPDATE predictions SET guess = $1 WHERE run_ref = $2")
        .bind(json!({ "kind": "number", "value": guess }).to_string())
        .bind(&run_id)
        .execute(p)
        .await.map(|_| ()))
        .unwrap();

    // Scored when the page asks: right, with the range it was scored against.
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
    assert_eq!(o["verdict"], "Right", "{guess} against {value}: {o}");
    let spread = o["spread"].as_str().unwrap_or_default();
    assert!(
        spread.starts_with("between ") && spread.ends_with(" given this run's spread"),
        "{o}"
    );
    let (measured, correct): (String, Option<bool>) =
        lab_storage::on_db!(&pool, p => sqlx::query_as("SELECT measured, correct FROM predictions WHERE run_ref = $1")
            .bind(&run_id)
            .fetch_one(p)
            .await)
            .unwrap();
    pool.close().await;
    assert_eq!(correct, Some(true));
    let (v, l, h) = ratio_range(&measured);
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs();
    assert!(
        close(v, value) && close(l, low) && close(h, high),
        "stored with its range: {measured}"
    );

    // The run's page shows the verdict and the range.
    let page = app
        .get(&format!(
            "/lab/runs/{run_id}?prediction={}",
            prediction_id(&app, &run_id).await
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("given this run&#x27;s spread") || page.contains("given this run's spread"),
        "the range is shown"
    );
    assert!(page.contains("verdict good"), "shown as right");
}

async fn prediction_id(app: &TestApp, run_id: &str) -> i64 {
    let pool = app.db().await;
    let id = lab_storage::on_db!(&pool, p => sqlx::query_scalar("SELECT id FROM predictions WHERE run_ref = $1")
        .bind(run_id)
        .fetch_one(p)
        .await)
        .unwrap();
    pool.close().await;
    id
}
