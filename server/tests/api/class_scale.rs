//! A lab shared by a class: no work from GET, budgets per request, fair shares,
//! bounded waits and bounded storage — against the real server, SQLite and
//! lavapipe. Each test would have failed before these protections existed.

use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, REFERER, RETRY_AFTER};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_with, test_settings, TestApp};
use crate::quiz::{answer, count_rows, new_browser, post_form, SINGLE};

/// Seconds of CPU work on a small machine (412 GFLOP, under the budget).
const SLOW_CPU_RUN: &[(&str, &str)] = &[
    ("action", "cpu"),
    ("model", "large"),
    ("n", "4096"),
    ("b", "256"),
    ("device", "cpu"),
    ("threads", "0"),
    ("repeats", "1"),
];

pub(crate) const TINY_CPU_RUN: &[(&str, &str)] = &[
    ("action", "cpu"),
    ("model", "tiny"),
    ("n", "64"),
    ("b", "8"),
    ("device", "cpu"),
    ("threads", "0"),
    ("repeats", "1"),
];

async fn queue(app: &TestApp) -> Value {
    app.get("/api/lab/queue").await.json().await.unwrap()
}

/// The first adapter, when there is one: `(present, software)`.
async fn gpu(app: &TestApp) -> (bool, bool) {
    let devices: lab_types::DeviceList = app.get("/api/devices").await.json().await.unwrap();
    let present = lab_engine::testing::gpu_present_or_skip(devices.adapters.len());
    (
        present,
        devices.adapters.first().is_some_and(|a| a.software),
    )
}

/// Starts a lab job the way the hydrated page does; returns its id.
pub(crate) async fn start(app: &TestApp, learner: &Client, form: &[(&str, &str)]) -> String {
    let resp = post_form(app, learner, "/api/lab/start", form).await;
    assert_eq!(resp.status(), 200, "start refused: {:?}", resp.text().await);
    resp.json().await.unwrap()
}

async fn wait_until<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn spawn_with_lab(change: impl FnOnce(&mut inference_lab::settings::LabSettings)) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path().join("lab.db"));
    change(&mut settings.lab);
    let mut app = spawn_with(settings).await;
    app.keep_dir(dir);
    app
}

#[tokio::test]
async fn a_get_of_any_page_never_measures_or_saves() {
    let app = spawn_app().await;
    for page in [
        "/lessons/timing-inference?timing=run&timing_model=large&timing_batch=1024",
        "/lessons/timing-inference?timing_result=0123456789abcdef01234567",
        "/lessons/cost-based-selection?cost=measure&cost_model=tiny&cost_batch=8",
        "/lessons/cost-based-selection?cost_run=0123456789abcdef01234567&gpu_price=1",
        "/lab?model=tiny&n=100&b=8&device=cpu&action=cpu",
    ] {
        let resp = app.get(page).await;
        assert_eq!(resp.status(), 200, "{page}");
        resp.text().await.unwrap();
    }
    assert_eq!(
        queue(&app).await["started"],
        0,
        "a GET started a measurement"
    );
    assert_eq!(count_rows(&app, "runs").await, 0, "a GET saved a run");
}

#[tokio::test]
async fn a_demo_measures_from_a_plain_form_post_and_the_page_shows_the_saved_result() {
    let app = spawn_app().await;
    if !gpu(&app).await.0 {
        return;
    }
    // No JavaScript: a form post, answered with a redirect to the lesson.
    let lesson = app.url("/lessons/cost-based-selection");
    let resp = app
        .client
        .post(app.url("/api/demos/throughput"))
        .header(ACCEPT, "text/html")
        .header(REFERER, &lesson)
        .form(&[
            ("model", "tiny"),
            ("batch", "64"),
            ("gpu_price", "3.6"),
            ("prediction", "gpu"),
        ])
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_redirection(), "{}", resp.status());
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with("/lessons/cost-based-selection?cost_run="),
        "{location}"
    );
    assert!(location.contains("gpu_price=3.6"), "{location}");
    assert_eq!(count_rows(&app, "runs").await, 1);
    let page = app.get(&location).await.text().await.unwrap();
    assert!(
        page.contains("cost-table") && page.contains("$3.60"),
        "the page shows the run"
    );
    assert_eq!(
        queue(&app).await["started"],
        1,
        "showing it measured nothing more"
    );
}

#[tokio::test]
async fn a_sweeps_points_share_one_budget_and_the_timing_demo_has_one() {
    let app = spawn_app().await;
    // Each point fits the CPU budget; the eleven together do not.
    let resp = app
        .client
        .post(app.url("/api/experiments/sweeps"))
        .json(
            &json!({ "kind": "batch", "model": "large", "n": 3000, "device": "cpu",
                       "warmup": 1, "repeats": 5 }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("points together"));
    // The timing demo at large, b = 1024 is 8× the GPU budget.
    let resp = post_form(
        &app,
        &app.client,
        "/api/demos/timing",
        &[("model", "large"), ("batch", "1024"), ("prediction", "10")],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(queue(&app).await["started"], 0);
}

#[tokio::test]
async fn a_learner_gets_one_running_and_one_waiting_job_and_only_they_may_cancel_them() {
    let app = spawn_app().await;
    let (alice, bob) = (new_browser(), new_browser());
    let first = start(&app, &alice, SLOW_CPU_RUN).await;
    let second = start(&app, &alice, SLOW_CPU_RUN).await;
    let third = post_form(&app, &alice, "/api/lab/start", SLOW_CPU_RUN).await;
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(third.headers().contains_key(RETRY_AFTER));
    assert!(third.text().await.unwrap().contains("TooManyJobs"));

    // Bob may neither cancel Alice's jobs...
    for id in [&first, &second] {
        let r = post_form(&app, &bob, "/api/lab/cancel", &[("job_id", id)]).await;
        assert!(!r.json::<bool>().await.unwrap(), "Bob cancelled {id}");
    }
    // ...nor is he held back by them beyond the queue.
    let bobs = post_form(&app, &bob, "/api/lab/start", SLOW_CPU_RUN).await;
    assert_eq!(bobs.status(), 200);
    // Alice may.
    let r = post_form(&app, &alice, "/api/lab/cancel", &[("job_id", &second)]).await;
    assert!(r.json::<bool>().await.unwrap());
    let r = post_form(&app, &alice, "/api/lab/cancel", &[("job_id", &second)]).await;
    assert!(!r.json::<bool>().await.unwrap(), "already cancelled");
}

#[tokio::test]
async fn cookieless_api_calls_share_one_clients_allowance() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path().join("lab.db"));
    settings.lab.client_share = 2;
    let mut app = spawn_with(settings).await;
    app.keep_dir(dir);
    let run = json!({ "model": "large", "n": 2048, "batch": 256, "device": "cpu", "warmup": 1, "repeats": 1 });
    let send = || {
        app.client
            .post(app.url("/api/experiments"))
            .json(&run)
            .send()
    };
    let (a, b, c) = tokio::join!(send(), send(), send());
    let mut answers = Vec::new();
    for r in [a, b, c] {
        let r = r.unwrap();
        answers.push((r.status().as_u16(), r.text().await.unwrap()));
    }
    answers.sort();
    let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    assert_eq!(statuses, vec![200, 200, 429]);
    assert!(answers[2].1.contains("network"), "{}", answers[2].1);
}

#[tokio::test]
async fn a_job_on_a_software_gpu_holds_the_cpu_too() {
    let app = spawn_app().await;
    let (present, software) = gpu(&app).await;
    if !present || !software {
        return;
    }
    let (alice, bob) = (new_browser(), new_browser());
    let on_gpu = [
        ("action", "gpu"),
        ("model", "medium"),
        ("n", "256"),
        ("b", "64"),
        ("device", "gpu"),
        ("threads", "0"),
        ("repeats", "1"),
    ];
    start(&app, &alice, &on_gpu).await;
    start(&app, &bob, TINY_CPU_RUN).await;
    // Bob's CPU run waits for Alice's software-GPU run (before, both ran at once).
    wait_until(
        "one running and one waiting",
        Duration::from_secs(5),
        || async {
            let q = queue(&app).await;
            (q["running"].as_u64(), q["waiting"].as_u64()) == (Some(1), Some(1))
        },
    )
    .await;
}

/// Follows a job's progress stream to its end, as the page does (holding it
/// is what tells the lab someone still wants the job).
fn follow(app: &TestApp, learner: &Client, id: &str) -> tokio::task::JoinHandle<String> {
    let request = learner
        .get(app.url(&format!("/api/lab/jobs/{id}/events")))
        .send();
    tokio::spawn(async move { request.await.unwrap().text().await.unwrap_or_default() })
}

#[tokio::test]
async fn a_waiting_job_nobody_follows_leaves_the_queue_after_the_grace_period() {
    let app = spawn_with_lab(|lab| lab.abandoned_job_grace_s = 1).await;
    let (alice, bob) = (new_browser(), new_browser());
    // Alice's run takes seconds and she follows it...
    let id = start(&app, &alice, SLOW_CPU_RUN).await;
    let stream = follow(&app, &alice, &id);
    // ...while Bob's waits, and nobody follows it.
    start(&app, &bob, TINY_CPU_RUN).await;
    wait_until("Alice's job to run", Duration::from_secs(5), || async {
        queue(&app).await["running"] == 1
    })
    .await;
    assert_eq!(queue(&app).await["waiting"], 1);
    wait_until(
        "the abandoned job to leave the queue",
        Duration::from_secs(5),
        || async { queue(&app).await["waiting"] == 0 },
    )
    .await;
    let events = tokio::time::timeout(Duration::from_secs(90), stream)
        .await
        .expect("Alice's run ends")
        .unwrap();
    assert!(events.contains("\"done\""), "{events}");
    let q = queue(&app).await;
    assert_eq!(
        (count_rows(&app, "runs").await, q["started"].as_u64()),
        (1, Some(1)),
        "only the followed run was measured and saved: {q}"
    );
}

#[tokio::test]
async fn a_running_measurement_nobody_follows_stops_within_a_batch() {
    let app = spawn_with_lab(|lab| lab.abandoned_job_grace_s = 1).await;
    // 824 GFLOP: many seconds on a small machine, in batches of 256.
    let mut longest = SLOW_CPU_RUN.to_vec();
    longest[2] = ("n", "8192");
    let started = Instant::now();
    start(&app, &new_browser(), &longest).await;
    wait_until("the job to run", Duration::from_secs(5), || async {
        queue(&app).await["started"] == 1
    })
    .await;
    wait_until(
        "the abandoned measurement to stop",
        Duration::from_secs(5),
        || async { queue(&app).await["running"] == 0 },
    )
    .await;
    let took = started.elapsed();
    // Give a finished run the time to be saved: none may be.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(count_rows(&app, "runs").await, 0, "stopped after {took:?}");
}

#[tokio::test]
async fn the_timing_demo_keeps_its_place_until_its_gpu_work_ends() {
    let app = spawn_app().await;
    if !gpu(&app).await.0 {
        return;
    }
    // A client that gives up at once: its request future is dropped.
    let impatient = Client::builder()
        .timeout(Duration::from_millis(1500))
        .build()
        .unwrap();
    let gave_up = impatient
        .post(app.url("/api/demos/timing"))
        .header(ACCEPT, "application/json")
        // Large at b = 64: half the GPU budget, seconds of work on lavapipe
        // even with the register-tiled kernel.
        .form(&[("model", "large"), ("batch", "64"), ("prediction", "10")])
        .send()
        .await;
    assert!(gave_up.is_err(), "the demo answered in 1.5 s");
    let q = queue(&app).await;
    assert_eq!(
        q["running"], 1,
        "the GPU work goes on, so its place is kept: {q}"
    );
    wait_until(
        "the demo's work to end",
        Duration::from_secs(90),
        || async { queue(&app).await["running"] == 0 },
    )
    .await;
}

#[tokio::test]
async fn a_queue_wait_ends_at_its_deadline_with_a_clear_message() {
    let app = spawn_with_lab(|lab| lab.queue_wait_s = 1).await;
    let alice = new_browser();
    start(&app, &alice, SLOW_CPU_RUN).await;
    let started = Instant::now();
    // Waits behind Alice's run for more than the 1 s allowed.
    let resp = app
        .client
        .post(app.url("/api/experiments"))
        .json(&json!({ "model": "tiny", "n": 64, "batch": 8, "device": "cpu" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(resp.text().await.unwrap().contains("waited"));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn runs_store_their_parameters_once_and_refuse_long_visibility_strings() {
    let app = spawn_app().await;
    let long = "0,".repeat(150);
    let resp = app
        .client
        .post(app.url("/api/experiments"))
        .json(&json!({ "model": "tiny", "n": 64, "batch": 8, "device": "cpu", "visible_devices": long }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.text().await.unwrap().contains("at most 200"));
    assert_eq!(count_rows(&app, "runs").await, 0);

    let marker = "7,3";
    let resp = app
        .client
        .post(app.url("/api/experiments"))
        .json(&json!({ "model": "tiny", "n": 64, "batch": 8, "device": "cpu", "visible_devices": marker }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let pool = app.db().await;
    let (result, title): (String, String) = lab_storage::on_db!(&pool, p => {
        sqlx::query_as("SELECT result, title FROM runs").fetch_one(p).await
    })
    .unwrap();
    let row = format!("{result} {title}");
    assert_eq!(row.matches(marker).count(), 1, "stored once: {row}");
}

#[tokio::test]
async fn old_runs_and_inactive_learners_are_deleted_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let settings = test_settings(dir.path().join("lab.db"));
    let app = spawn_with(settings.clone()).await;
    assert_eq!(
        answer(&app, &app.client, SINGLE, &[("choices[]", "b")])
            .await
            .status(),
        200
    );
    let resp = app
        .client
        .post(app.url("/api/experiments"))
        .json(&json!({ "model": "tiny", "n": 64, "batch": 8, "device": "cpu" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // A second, recent learner stays.
    let recent = new_browser();
    assert_eq!(
        answer(&app, &recent, SINGLE, &[("choices[]", "a")])
            .await
            .status(),
        200
    );
    let pool = app.db().await;
    let old = lab_storage::db::days_ago_text(400);
    for sql in [
        "UPDATE runs SET created_at = $1",
        "UPDATE learners SET created_at = $1 WHERE id = 1",
        "UPDATE attempts SET created_at = $1 WHERE id = 1",
    ] {
        lab_storage::on_db!(&pool, p => sqlx::query(sql).bind(&old).execute(p).await.map(|_| ()))
            .unwrap();
    }
    pool.close().await;
    drop(app);

    let app = spawn_with(settings).await;
    wait_until("the retention pass", Duration::from_secs(10), || async {
        count_rows(&app, "runs").await == 0 && count_rows(&app, "learners").await == 1
    })
    .await;
    assert_eq!(
        count_rows(&app, "attempts").await,
        1,
        "the recent learner's answer stays"
    );
    drop(dir);
}

#[tokio::test]
async fn answers_are_rate_limited_per_learner() {
    let app = spawn_with_lab(|lab| lab.answers_per_minute = 3).await;
    let learner = new_browser();
    for _ in 0..3 {
        assert_eq!(
            answer(&app, &learner, SINGLE, &[("choices[]", "a")])
                .await
                .status(),
            200
        );
    }
    let refused = answer(&app, &learner, SINGLE, &[("choices[]", "b")]).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key(RETRY_AFTER));
    assert_eq!(count_rows(&app, "attempts").await, 3);
    // Another learner is not held back.
    assert_eq!(
        answer(&app, &new_browser(), SINGLE, &[("choices[]", "b")])
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn the_progress_export_is_bounded() {
    let app = spawn_app().await;
    let learner = new_browser();
    assert_eq!(
        answer(&app, &learner, SINGLE, &[("choices[]", "b")])
            .await
            .status(),
        200
    );
    let pool = app.db().await;
    lab_storage::on_db!(&pool, p => sqlx::query(
        "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 5005) \
         INSERT INTO attempts (learner_id, lesson_slug, question_id, answer, correct, first_try) \
         SELECT 1, 'batched-inference-complexity', 'batch-loop-complexity', '[\"a\"]', FALSE, FALSE FROM k",
    )
    .execute(p)
    .await
    .map(|_| ()))
    .unwrap();
    pool.close().await;
    let export: Value = learner
        .get(app.url("/progress.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(export["attempts"].as_array().unwrap().len(), 5000);
    assert_eq!(export["older_attempts_left_out"], 6);
}

#[tokio::test]
async fn cookieless_lab_starts_from_one_address_hold_only_its_share() {
    let app = spawn_app().await;
    // A script that drops its cookie on every request: each start would mint
    // a fresh learner, but the client's share counts them all.
    let cookieless = || {
        Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap()
    };
    let clients: Vec<Client> = (0..20).map(|_| cookieless()).collect();
    let answers = futures::future::join_all(
        clients
            .iter()
            .map(|c| post_form(&app, c, "/api/lab/start", SLOW_CPU_RUN)),
    )
    .await;
    let mut admitted = 0;
    for r in answers {
        match r.status() {
            StatusCode::OK => admitted += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                assert!(r.headers().contains_key(RETRY_AFTER));
                let body = r.text().await.unwrap();
                assert!(
                    body.contains("NetworkBusy") || body.contains("TooFast"),
                    "{body}"
                );
            }
            other => panic!("{other}: {}", r.text().await.unwrap()),
        }
    }
    let share = inference_lab::settings::DEFAULT_CLIENT_SHARE;
    assert!(
        (1..=share).contains(&admitted),
        "{admitted} of 20 admitted; the share is {share}"
    );
    let q = queue(&app).await;
    let held = q["running"].as_u64().unwrap() + q["waiting"].as_u64().unwrap();
    assert!(held <= share as u64, "{q}");
}
