//! What anonymous requests may write (issue 24): per-client budgets of new
//! learners and joins, a class its teacher controls, no write from a GET, no
//! made-up error text from a link, and row quotas that bound the database.
//!
//! Every test client comes from 127.0.0.1, so a test about one budget sets it
//! small and leaves the others as `helpers::unlimited_writes` made them.

use std::time::Duration;

use reqwest::header::{ACCEPT, LOCATION, REFERER, RETRY_AFTER};
use reqwest::Client;
use serde_json::Value;

use crate::helpers::{spawn_with, test_settings, TestApp};
use crate::quiz::{answer, count_rows, new_browser, post_form, LESSON, SINGLE};

const CREATE: &str = "/api/classes/create";
const DASHBOARD: &str = "/api/classes/dashboard";
const JOIN: &str = "/api/classes/join";
const MINE: &str = "/api/classes/mine";
const REMOVE: &str = "/api/classes/remove";
const LOCK: &str = "/api/classes/lock";

async fn spawn_with_bounds(
    change: impl FnOnce(&mut inference_lab::write_bounds::WriteBounds),
) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path().join("lab.db"));
    change(&mut settings.bounds);
    let mut app = spawn_with(settings).await;
    app.keep_dir(dir);
    app
}

/// Creates a class: its teacher secret and join code.
async fn create(app: &TestApp, name: &str) -> (String, String) {
    let resp = post_form(app, &new_browser(), CREATE, &[("name", name)]).await;
    assert_eq!(resp.status(), 200);
    let path: String = resp.json().await.unwrap();
    let secret = path
        .strip_prefix("/teach/")
        .and_then(|p| p.strip_suffix("?created=1"))
        .unwrap()
        .to_string();
    let d = dashboard(app, &secret).await;
    (secret, d["join_code"].as_str().unwrap().to_string())
}

async fn dashboard(app: &TestApp, secret: &str) -> Value {
    let resp = post_form(app, &new_browser(), DASHBOARD, &[("secret", secret)]).await;
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

async fn join(app: &TestApp, browser: &Client, code: &str, name: &str) -> reqwest::Response {
    post_form(
        app,
        browser,
        JOIN,
        &[("code", code), ("display_name", name)],
    )
    .await
}

fn member_names(d: &Value) -> Vec<String> {
    d["learners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["display_name"].as_str().unwrap().to_string())
        .collect()
}

fn assert_too_fast(resp: &reqwest::Response, what: &str) {
    assert_eq!(resp.status(), 429, "{what}");
    assert!(
        resp.headers().contains_key(RETRY_AFTER),
        "{what}: Retry-After"
    );
}

/// Rows in every table anonymous requests can grow.
async fn all_rows(app: &TestApp) -> i64 {
    let mut n = 0;
    for table in [
        "learners",
        "attempts",
        "predictions",
        "puzzle_submissions",
        "runs",
        "demo_runs",
        "class_members",
        "review_cards",
    ] {
        n += count_rows(app, table).await;
    }
    n
}

#[tokio::test]
async fn learner_creation_beyond_the_bucket_gets_429_and_writes_nothing() {
    let app = spawn_with_bounds(|b| {
        // The teacher's browser gets a learner too (it keeps the class on
        // its /teach list), then three learners answer.
        b.new_learner_burst = 4;
        b.new_learners_per_minute = 1;
    })
    .await;
    let (_, code) = create(&app, "Period 1").await;
    let first = new_browser();
    for browser in [&first, &new_browser(), &new_browser()] {
        let resp = answer(&app, browser, SINGLE, &[("choices[]", "b")]).await;
        assert_eq!(resp.status(), 200);
    }
    let before = all_rows(&app).await;
    assert_eq!(count_rows(&app, "learners").await, 4);

    // Every way a cookieless request creates a learner is refused now.
    let fresh = new_browser;
    let refused = [
        (
            "answer",
            answer(&app, &fresh(), SINGLE, &[("choices[]", "b")]).await,
        ),
        ("join", join(&app, &fresh(), &code, "Zed").await),
        (
            "leaderboard name",
            post_form(&app, &fresh(), "/api/puzzles/name", &[("name", "Zed")]).await,
        ),
        (
            "visibility prediction",
            post_form(
                &app,
                &fresh(),
                "/api/demos/devices/predict",
                &[("vis_mode", "set"), ("visible", ""), ("prediction", "0")],
            )
            .await,
        ),
        (
            "lab run",
            post_form(
                &app,
                &fresh(),
                "/api/lab/start",
                &[
                    ("action", "cpu"),
                    ("model", "tiny"),
                    ("n", "64"),
                    ("b", "8"),
                    ("device", "cpu"),
                    ("threads", "0"),
                    ("repeats", "1"),
                ],
            )
            .await,
        ),
    ];
    for (what, resp) in &refused {
        assert_too_fast(resp, what);
        assert!(
            crate::quiz::learner_cookie(resp).is_none(),
            "{what}: no cookie"
        );
    }
    assert_eq!(all_rows(&app).await, before, "nothing written");
    assert_eq!(count_rows(&app, "learners").await, 4);

    // A class is still created past the bucket: only its /teach listing,
    // which needs a learner, is left out.
    create(&app, "Period 9").await;
    assert_eq!(count_rows(&app, "learners").await, 4);
    assert_eq!(count_rows(&app, "class_teachers").await, 1);

    // A learner who already has a cookie is not affected.
    let resp = answer(&app, &first, SINGLE, &[("choices[]", "b")]).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(count_rows(&app, "learners").await, 4);
}

#[tokio::test]
async fn joins_beyond_the_per_client_limit_get_429() {
    let app = spawn_with_bounds(|b| {
        b.join_burst = 3;
        b.joins_per_minute = 1;
    })
    .await;
    let (_, code) = create(&app, "Period 2").await;
    for i in 0..3 {
        assert_eq!(
            join(&app, &new_browser(), &code, &format!("L{i}"))
                .await
                .status(),
            200
        );
    }
    let resp = join(&app, &new_browser(), &code, "L3").await;
    assert_too_fast(&resp, "a fourth join");
    assert_eq!(count_rows(&app, "class_members").await, 3);
    // The teacher's learner and three members: none for the refused join.
    assert_eq!(count_rows(&app, "learners").await, 4, "no learner for it");
}

#[tokio::test]
async fn a_removed_member_is_gone_and_a_locked_class_refuses_joins() {
    let app = spawn_with_bounds(|_| {}).await;
    let (secret, code) = create(&app, "Period 3").await;
    let (ana, bo) = (new_browser(), new_browser());
    assert_eq!(join(&app, &ana, &code, "Ana").await.status(), 200);
    assert_eq!(join(&app, &bo, &code, "Bo").await.status(), 200);

    let teacher = new_browser();
    let removed = post_form(
        &app,
        &teacher,
        REMOVE,
        &[("secret", &secret), ("display_name", "Bo")],
    )
    .await;
    assert_eq!(removed.status(), 200);
    assert!(removed.json::<bool>().await.unwrap());
    assert_eq!(member_names(&dashboard(&app, &secret).await), ["Ana"]);
    let mine: Value = post_form(&app, &bo, MINE, &[]).await.json().await.unwrap();
    assert_eq!(mine, Value::Array(vec![]), "Bo is in no class");

    // A wrong link removes nobody.
    let wrong = post_form(
        &app,
        &teacher,
        REMOVE,
        &[("secret", &"0".repeat(64)), ("display_name", "Ana")],
    )
    .await;
    assert_eq!(wrong.status(), 400);
    assert_eq!(count_rows(&app, "class_members").await, 1);

    let locked = post_form(
        &app,
        &teacher,
        LOCK,
        &[("secret", &secret), ("lock", "yes")],
    )
    .await;
    assert_eq!(locked.status(), 200);
    assert_eq!(dashboard(&app, &secret).await["locked"], true);
    let learners = count_rows(&app, "learners").await;
    let late = join(&app, &new_browser(), &code, "Cy").await;
    assert_eq!(late.status(), 400);
    let body: Value = late.json().await.unwrap();
    assert!(
        body["Invalid"]["message"]
            .as_str()
            .unwrap()
            .contains("locked"),
        "{body}"
    );
    assert_eq!(
        join(&app, &bo, &code, "Bo").await.status(),
        400,
        "nor back in"
    );
    assert_eq!(
        count_rows(&app, "learners").await,
        learners,
        "no learner made"
    );
    assert_eq!(count_rows(&app, "class_members").await, 1);

    // Without JavaScript: the forms post and come back to the dashboard.
    let plain = new_browser()
        .post(app.url(LOCK))
        .header(ACCEPT, "text/html")
        .header(REFERER, app.url(&format!("/teach/{secret}")))
        .form(&[("secret", secret.as_str()), ("lock", "no")])
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 302);
    let location = plain.headers()[LOCATION].to_str().unwrap().to_string();
    assert_eq!(location, format!("/teach/{secret}?unlocked=1#manage-class"));
    let page = app.get(&location).await.text().await.unwrap();
    for text in [
        "The class is open again.",
        "Lock the class",
        "Remove Ana from the class",
    ] {
        assert!(page.contains(text), "{text}");
    }
    assert_eq!(join(&app, &new_browser(), &code, "Cy").await.status(), 200);
}

#[tokio::test]
async fn a_taken_name_gets_a_suffix() {
    let app = spawn_with_bounds(|_| {}).await;
    let (secret, code) = create(&app, "Period 4").await;
    let mut given = Vec::new();
    for _ in 0..3 {
        let resp = join(&app, &new_browser(), &code, "Ana").await;
        assert_eq!(resp.status(), 200);
        let mine: Value = resp.json().await.unwrap();
        given.push(mine["display_name"].as_str().unwrap().to_string());
    }
    assert_eq!(given, ["Ana", "Ana (2)", "Ana (3)"]);
    assert_eq!(member_names(&dashboard(&app, &secret).await), given);
}

#[tokio::test]
async fn a_get_of_the_visibility_lesson_writes_no_row() {
    let app = spawn_with_bounds(|_| {}).await;
    let learner = new_browser();
    let resp = answer(&app, &learner, SINGLE, &[("choices[]", "b")]).await;
    assert_eq!(resp.status(), 200);
    let before = all_rows(&app).await;
    for path in [
        "/lessons/cuda-visible-devices",
        "/lessons/cuda-visible-devices?vis_mode=set&visible=0",
        "/lessons/cuda-visible-devices?vis_mode=unset",
    ] {
        let page = learner.get(app.url(path)).send().await.unwrap();
        assert_eq!(page.status(), 200, "{path}");
        let _ = page.text().await;
    }
    assert_eq!(all_rows(&app).await, before, "a page view wrote");
    assert_eq!(count_rows(&app, "demo_runs").await, 0);

    // The demo's POST counts it.
    let resp = post_form(
        &app,
        &learner,
        "/api/demos/devices/predict",
        &[("vis_mode", "unset"), ("prediction", "1")],
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(count_rows(&app, "demo_runs").await, 1);
}

/// `base64url` with padding, as leptos writes `__err`.
fn base64url(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[tokio::test]
async fn an_err_link_shows_no_free_text() {
    let app = spawn_with_bounds(|_| {}).await;
    const BAIT: &str = "Call 555-0100 to claim your grade";
    let form_error = format!(r#"{{"Invalid":{{"question_id":null,"message":"{BAIT}"}}}}"#);
    let lab_error = format!(r#"{{"Request":"{BAIT}"}}"#);
    let cases = [
        ("/join", "/api/classes/join", &form_error),
        ("/teach", "/api/classes/create", &form_error),
        ("/transfer", "/api/transfer/redeem", &form_error),
        (LESSON, "/api/quiz/answer", &form_error),
        ("/review", "/api/quiz/answer", &form_error),
        ("/progress", "/api/progress/reset", &form_error),
        ("/lab", "/api/lab/start", &lab_error),
        ("/puzzles", "/api/puzzles/name", &lab_error),
    ];
    for (page, server_fn, error) in cases {
        let link = format!(
            "{page}?keep=1&__path={}&__err={}",
            server_fn.replace('/', "%2F"),
            base64url(error.as_bytes()).replace('=', "%3D")
        );
        let resp = app.get(&link).await;
        assert_eq!(resp.status(), 303, "{link}");
        let location = resp.headers()[LOCATION].to_str().unwrap().to_string();
        assert_eq!(location, format!("{page}?keep=1"), "{link}");
        // Even a renderer that got the link unfiltered shows nothing of it.
        let html = app.get(&location).await.text().await.unwrap();
        assert!(!html.contains(BAIT), "{page}");
    }

    // A real refusal still comes back with its words, signed.
    let resp = new_browser()
        .post(app.url(JOIN))
        .header(ACCEPT, "text/html")
        .header(REFERER, app.url("/join"))
        .form(&[("code", "ZZZZZZZZ"), ("display_name", "Eve")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    let location = resp.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(location.contains("__sig="), "{location}");
    let html = app.get(&location).await.text().await.unwrap();
    assert!(html.contains("No class has this join code"), "{location}");
    // Its signature does not cover another text.
    let forged = location.replace(
        location
            .split("__err=")
            .nth(1)
            .and_then(|r| r.split('&').next())
            .unwrap(),
        &base64url(form_error.as_bytes()).replace('=', "%3D"),
    );
    assert_eq!(app.get(&forged).await.status(), 303);
}

#[tokio::test]
async fn cookieless_kernels_that_do_not_compile_grow_the_database_by_at_most_the_quota() {
    use inference_lab::write_bounds::Quotas;
    const ROWS: i64 = 20;
    // More than the flood can create at once: a learner evicted while its
    // request is still storing would fail that request (only a quota this
    // small lets that happen).
    const LEARNERS: i64 = 100;
    let app = spawn_with_bounds(|b| {
        *b = inference_lab::write_bounds::WriteBounds::default();
        b.quotas = Quotas {
            learners: LEARNERS,
            puzzle_submissions: ROWS,
            every: Duration::from_millis(200),
            ..Quotas::default()
        };
    })
    .await;
    // Compacted before and after (see below), so that both count what stays.
    app.reclaim_deleted_rows().await;
    let before = app.used_bytes().await;
    // The largest kernel accepted, with an error on its last line.
    let mut source = "// padding padding padding padding padding padding padding\n".repeat(270);
    source.push_str("fn main( {");
    assert!(source.len() <= 16 * 1024);
    // No cookie jar: every request comes as a new browser.
    let cookieless = Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let send = || async {
        cookieless
            .post(app.url("/api/puzzles/submit"))
            .header(ACCEPT, "application/json")
            .form(&[("puzzle_id", "map"), ("source", source.as_str())])
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for _ in 0..20 {
        for status in futures::future::join_all((0..50).map(|_| send())).await {
            *statuses.entry(status).or_default() += 1;
        }
    }
    println!("1,000 cookieless non-compiling kernels: {statuses:?}");
    assert!(
        statuses.keys().all(|s| [200, 429].contains(s)),
        "{statuses:?}"
    );
    // The quota pass (every 200 ms) evicts after the flood: wait for one
    // (longer when the machine is busy with the other tests).
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let submissions = count_rows(&app, "puzzle_submissions").await;
        let learners = count_rows(&app, "learners").await;
        if submissions <= ROWS && learners <= LEARNERS {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still {submissions} submissions and {learners} learners"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // A stored row: the kernel and its error cut to 4 KiB; a learner's row.
    let per_row = 16 * 1024 + 4 * 1024 + 512;
    let per_learner = 512;
    // On PostgreSQL the evicted rows (and the limiter's updated rows) hold
    // their space until a vacuum: the bound is on what stays.
    app.reclaim_deleted_rows().await;
    let growth = app.used_bytes().await - before;
    println!("growth after the flood: {growth} bytes");
    assert!(
        growth <= ROWS * per_row + LEARNERS * per_learner + 64 * 1024,
        "the database grew by {growth} bytes"
    );
}

/// `inference-lab --database <db> classes <args>`: its exit status and output.
fn classes_cli(app: &TestApp, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_inference-lab"))
        .env_remove("LAB_CLASS_RETENTION_DAYS")
        .arg("--database")
        .arg(app.database_arg())
        .arg("classes")
        .args(args)
        .output()
        .expect("run inference-lab classes");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

async fn age_class(app: &TestApp, name: &str, days: u32) {
    let pool = app.db().await;
    lab_storage::on_db!(&pool, p => sqlx::query(
        "UPDATE classes SET created_at = $1, last_active_at = $1 WHERE name = $2",
    )
    .bind(lab_storage::db::days_ago_text(days))
    .bind(name)
    .execute(p)
    .await.map(|_| ()))
    .unwrap();
    pool.close().await;
}

async fn class_names(app: &TestApp) -> Vec<String> {
    let pool = app.db().await;
    let names = lab_storage::on_db!(&pool, p => sqlx::query_scalar("SELECT name FROM classes ORDER BY name")
        .fetch_all(p)
        .await)
        .unwrap();
    pool.close().await;
    names
}

#[tokio::test]
async fn idle_classes_expire_and_the_operator_can_prune_list_and_delete() {
    let app = spawn_with_bounds(|_| {}).await;
    for name in ["Autumn", "Spring", "Summer"] {
        create(&app, name).await;
    }
    age_class(&app, "Autumn", 400).await;

    let (ok, list) = classes_cli(&app, &["list"]);
    assert!(ok, "{list}");
    for name in ["Autumn", "Spring", "Summer", "3 classes"] {
        assert!(list.contains(name), "{list}");
    }
    let (ok, out) = classes_cli(&app, &["prune"]);
    assert!(
        ok && out.contains("deleted 1 classes idle for 180 days"),
        "{out}"
    );
    assert_eq!(class_names(&app).await, ["Spring", "Summer"]);

    let pool = app.db().await;
    let spring: i64 = lab_storage::on_db!(&pool, p => sqlx::query_scalar("SELECT id FROM classes WHERE name = 'Spring'")
        .fetch_one(p)
        .await)
        .unwrap();
    pool.close().await;
    let (ok, out) = classes_cli(&app, &["delete", &spring.to_string()]);
    assert!(ok, "{out}");
    let (ok, out) = classes_cli(&app, &["delete", "999999"]);
    assert!(!ok && out.contains("no class 999999"), "{out}");
    assert_eq!(class_names(&app).await, ["Summer"]);

    // The server prunes by itself at start-up (and hourly), after
    // LAB_CLASS_RETENTION_DAYS of no activity.
    age_class(&app, "Summer", 31).await;
    let mut settings = test_settings(app.db_path.clone());
    settings.bounds.class_retention_days = 30;
    let _restarted = spawn_with(settings).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !class_names(&app).await.is_empty() {
        assert!(std::time::Instant::now() < deadline, "never pruned");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn predictions_beyond_the_per_client_limit_get_429() {
    let app = spawn_with_bounds(|b| {
        b.predictions = app::limits::rate_limit::Rate::new(3, 1);
    })
    .await;
    let learner = new_browser();
    let predict = || {
        post_form(
            &app,
            &learner,
            "/api/demos/devices/predict",
            &[("vis_mode", "unset"), ("prediction", "1")],
        )
    };
    for _ in 0..3 {
        assert_eq!(predict().await.status(), 200);
    }
    assert_too_fast(&predict().await, "a fourth prediction");
    assert_eq!(count_rows(&app, "predictions").await, 3);
}

#[tokio::test]
async fn saved_runs_beyond_the_per_client_limit_get_429() {
    let app = spawn_with_bounds(|b| {
        b.runs = app::limits::rate_limit::Rate::new(2, 1);
    })
    .await;
    let run = serde_json::json!({
        "model": "tiny", "n": 64, "batch": 8, "device": "cpu", "warmup": 1, "repeats": 1
    });
    for _ in 0..2 {
        let resp = app
            .client
            .post(app.url("/api/experiments"))
            .json(&run)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    let third = app
        .client
        .post(app.url("/api/experiments"))
        .json(&run)
        .send()
        .await
        .unwrap();
    assert_too_fast(&third, "a third run from the JSON API");
    let from_the_panel = post_form(
        &app,
        &new_browser(),
        "/api/lab/start",
        &[
            ("action", "cpu"),
            ("model", "tiny"),
            ("n", "64"),
            ("b", "8"),
            ("device", "cpu"),
            ("threads", "0"),
            ("repeats", "1"),
        ],
    )
    .await;
    assert_too_fast(&from_the_panel, "a run from the panel");
    assert_eq!(count_rows(&app, "runs").await, 2);
    assert_eq!(count_rows(&app, "learners").await, 0, "no learner for it");
}
