//! Hostile input, table-driven: malformed and truncated bodies, wrong types,
//! content types and methods, huge and non-finite numbers, unknown ids, path
//! traversal and cross-site posts, against every route and server function.
//! Each is refused with a 4xx and a message, the server stays up, and not one
//! database row changes.

use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE, COOKIE, ORIGIN, SET_COOKIE};
use reqwest::Method;
use serde_json::Value;

use crate::helpers::{spawn_app, TestApp};
use crate::quiz::{answer, answer_ok, NUMERIC, SINGLE};

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

struct Case {
    method: Method,
    path: String,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    headers: Vec<(&'static str, String)>,
}

fn case(method: Method, path: &str, content_type: Option<&'static str>, body: &str) -> Case {
    Case {
        method,
        path: path.to_string(),
        content_type,
        body: body.as_bytes().to_vec(),
        headers: Vec::new(),
    }
}

fn get(path: &str) -> Case {
    case(Method::GET, path, None, "")
}

fn json(path: &str, body: &str) -> Case {
    case(Method::POST, path, Some(JSON), body)
}

fn form(path: &str, body: &str) -> Case {
    case(Method::POST, path, Some(FORM), body)
}

impl Case {
    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_string()));
        self
    }

    fn cross_site(self) -> Self {
        self.header("sec-fetch-site", "cross-site")
    }
}

/// The JSON API answers errors as `{"error": …}`; everything else with some text.
fn is_json_api(path: &str) -> bool {
    [
        "/api/experiments",
        "/api/devices",
        "/api/lab/queue",
        "/api/lab/jobs/",
    ]
    .iter()
    .any(|p| path.starts_with(p))
}

fn cases() -> Vec<Case> {
    let big = "9".repeat(40);
    let long = "a".repeat(5000);
    let huge_body = format!("{{\"model\": \"{}\"}}", "x".repeat(20_000));
    let unknown_run = "0123456789abcdef0123456789abcdef";
    let mut c = vec![
        // --- POST /api/experiments: malformed, truncated, wrong types and values.
        json("/api/experiments", "{"),
        json("/api/experiments", "{\"n\": 300,"),
        json("/api/experiments", "{\"n\": 300, \"batch\""),
        json("/api/experiments", "[]"),
        json("/api/experiments", "\"run\""),
        json("/api/experiments", "null"),
        json("/api/experiments", "{\"n\": -1}"),
        json("/api/experiments", "{\"n\": 1.5}"),
        json("/api/experiments", &format!("{{\"n\": {big}}}")),
        json("/api/experiments", "{\"n\": 1e309}"),
        json("/api/experiments", "{\"n\": NaN}"),
        json("/api/experiments", "{\"n\": Infinity}"),
        json("/api/experiments", "{\"n\": \"NaN\"}"),
        json("/api/experiments", "{\"n\": -Infinity}"),
        json("/api/experiments", "{\"batch\": -64}"),
        json("/api/experiments", "{\"repeats\": 4294967296000}"),
        json("/api/experiments", "{\"cpu_threads\": -2}"),
        json("/api/experiments", &format!("{{\"model\": \"{long}\"}}")),
        json("/api/experiments", "{\"device\": \"../../etc/passwd\"}"),
        json("/api/experiments", "{\"n\": 300, \"surprise\": true}"),
        json("/api/experiments", &huge_body),
        case(
            Method::POST,
            "/api/experiments",
            Some("text/plain"),
            "{\"n\": 300}",
        ),
        case(Method::POST, "/api/experiments", None, "{\"n\": 300}"),
        case(Method::POST, "/api/experiments", Some(FORM), "n=300"),
        case(Method::PUT, "/api/experiments", Some(JSON), "{}"),
        case(Method::DELETE, "/api/experiments", None, ""),
        get("/api/experiments"),
        // --- POST /api/experiments/sweeps
        json("/api/experiments/sweeps", "{"),
        json("/api/experiments/sweeps", "{\"kind\": \"diagonal\"}"),
        json(
            "/api/experiments/sweeps",
            "{\"kind\": \"n\", \"batch\": -5}",
        ),
        json("/api/experiments/sweeps", "{\"batch\": 1e400}"),
        json("/api/experiments/sweeps", &format!("{{\"n\": {big}}}")),
        case(
            Method::POST,
            "/api/experiments/sweeps",
            Some("text/plain"),
            "{}",
        ),
        // --- GET /api/experiments/{id}: unknown ids, traversal.
        get(&format!("/api/experiments/{unknown_run}")),
        get("/api/experiments/..%2F..%2Fetc%2Fpasswd"),
        get("/api/experiments/%00"),
        get(&format!("/api/experiments/{long}")),
        case(
            Method::DELETE,
            &format!("/api/experiments/{unknown_run}"),
            None,
            "",
        ),
        // --- GET /api/devices, /api/lab/queue, /api/lab/jobs/{id}/events
        get("/api/devices?visible=0&visible=1"),
        get("/api/devices?bogus=1"),
        case(Method::POST, "/api/devices", Some(JSON), "{}"),
        case(Method::POST, "/api/lab/queue", Some(JSON), "{}"),
        get(&format!("/api/lab/jobs/{unknown_run}/events")),
        get("/api/lab/jobs/..%2F..%2Fetc/events"),
        // --- Server function: quiz answer.
        form("/api/quiz/answer", ""),
        form("/api/quiz/answer", "question_id=no-such-question&value=1"),
        form(
            "/api/quiz/answer",
            "question_id=..%2F..%2Fetc%2Fpasswd&value=1",
        ),
        form("/api/quiz/answer", &format!("question_id={long}&value=1")),
        form(
            "/api/quiz/answer",
            &format!("question_id={NUMERIC}&value=NaN"),
        ),
        form(
            "/api/quiz/answer",
            &format!("question_id={NUMERIC}&value=inf"),
        ),
        form(
            "/api/quiz/answer",
            &format!("question_id={NUMERIC}&value=-1e999"),
        ),
        form(
            "/api/quiz/answer",
            &format!("question_id={NUMERIC}&value={big}{big}{big}"),
        ),
        form(
            "/api/quiz/answer",
            &format!("question_id={NUMERIC}&choices[]=a"),
        ),
        form("/api/quiz/answer", &format!("question_id={SINGLE}&value=2")),
        form(
            "/api/quiz/answer",
            &format!("question_id={SINGLE}&choices[]=zzz"),
        ),
        form(
            "/api/quiz/answer",
            &format!("question_id={SINGLE}&question_id={NUMERIC}&value=16"),
        ),
        form("/api/quiz/answer", "question_id=%ZZ&value=1"),
        form("/api/quiz/answer", "question_id"),
        json(
            "/api/quiz/answer",
            &format!("{{\"question_id\": \"{NUMERIC}\", \"value\": \"16\"}}"),
        ),
        form(
            "/api/quiz/answer",
            &format!("question_id={NUMERIC}&value={}", "1".repeat(20_000)),
        ),
        get("/api/quiz/answer"),
        form(
            "/api/quiz/answer",
            &format!("question_id={NUMERIC}&value=16"),
        )
        .cross_site(),
        form(
            "/api/quiz/answer",
            &format!("question_id={NUMERIC}&value=16"),
        )
        .header("sec-fetch-site", "same-site"),
        form(
            "/api/quiz/answer",
            &format!("question_id={NUMERIC}&value=16"),
        )
        .header("origin", "http://evil.example"),
        form(
            "/api/quiz/answer",
            &format!("question_id={NUMERIC}&value=16"),
        )
        .header("origin", "null")
        .header(ACCEPT.as_str(), "text/html"),
        // --- Server function: questions of a lesson.
        form("/api/quiz/questions", "slug=..%2F..%2Fetc%2Fpasswd"),
        form("/api/quiz/questions", "slug=no-such-lesson"),
        form("/api/quiz/questions", ""),
        // --- Server functions: progress.
        form("/api/progress/reset", ""),
        form("/api/progress/reset", "confirm=no"),
        form("/api/progress/reset", &format!("confirm={long}")),
        get("/api/progress"),
        // --- Server functions: the lab.
        form("/api/lab/start", ""),
        form("/api/lab/start", "action=cpu"),
        form(
            "/api/lab/start",
            "action=cpu&model=tiny&n=-5&b=64&device=cpu&threads=0&repeats=1",
        ),
        form(
            "/api/lab/start",
            &format!("action=cpu&model=tiny&n={big}&b=64&device=cpu&threads=0&repeats=1"),
        ),
        form(
            "/api/lab/start",
            "action=cpu&model=tiny&n=2000000&b=64&device=cpu&threads=0&repeats=1",
        ),
        form(
            "/api/lab/start",
            "action=cpu&model=tiny&n=300&b=NaN&device=cpu&threads=0&repeats=1",
        ),
        form(
            "/api/lab/start",
            "action=rm%20-rf&model=tiny&n=300&b=64&device=cpu&threads=0&repeats=1",
        ),
        form(
            "/api/lab/start",
            "action=cpu&model=..%2F..%2Fetc&n=300&b=64&device=cpu&threads=0&repeats=1000000",
        ),
        form("/api/lab/cancel", ""),
        form("/api/lab/run", ""),
        get("/api/lab/history"),
        form("/api/demos/timing", "model=tiny&batch=-1&prediction=3"),
        form("/api/demos/timing", "model=tiny&batch=1e9&prediction=3"),
        form("/api/demos/timing", "model=tiny&batch=8&prediction=-3"),
        form(
            "/api/demos/timing",
            "model=tiny&batch=8&prediction=%3Cscript%3E",
        ),
        form(
            "/api/demos/throughput",
            "model=tiny&batch=NaN&prediction=gpu",
        ),
        form("/api/demos/throughput", "model=tiny&batch=8&prediction=tpu"),
        form(
            "/api/demos/devices/predict",
            "vis_mode=set&visible=0&prediction=inf",
        ),
        form(
            "/api/demos/devices/predict",
            "vis_mode=maybe&visible=0&prediction=1",
        ),
        form("/api/demos/devices", "set=maybe&visible=0"),
        // --- Server functions: classes and transfer codes.
        form("/api/classes/create", ""),
        form("/api/classes/create", &format!("name={long}")),
        form("/api/classes/create", "name=%00"),
        form("/api/classes/join", "code=ZZZZZZZZ&display_name=Eve"),
        form(
            "/api/classes/join",
            &format!("code={long}&display_name=Eve"),
        ),
        form("/api/classes/join", "code=ABCD-EFGH"),
        form("/api/classes/leave", "class_id=-"),
        form("/api/classes/delete", "secret=..%2F..&confirm=yes"),
        form("/api/classes/dashboard", &format!("secret={long}")),
        form("/api/transfer/new", ""),
        form("/api/transfer/redeem", "code=ZZZZZZZZ"),
        form("/api/transfer/redeem", &format!("code={long}")),
        get("/api/classes/mine"),
        get(&format!("/teach/{long}/learners.csv")),
        get("/teach/..%2F..%2Fetc/items.csv"),
        // --- Pages and files.
        get("/lessons/..%2F..%2Fetc%2Fpasswd"),
        get("/lessons/%00"),
        get(&format!("/lessons/{long}")),
        get("/pkg/..%2F..%2FCargo.toml"),
        case(
            Method::POST,
            "/lessons/batched-inference-complexity",
            Some(FORM),
            "a=1",
        ),
        case(Method::POST, "/highlight.css", Some(FORM), "a=1"),
        case(Method::DELETE, "/progress.json", None, ""),
    ];
    // --- Cross-site posts to every state-changing route.
    let start = "action=cpu&model=tiny&n=300&b=64&device=cpu&threads=0&repeats=1";
    for (path, body, ct) in [
        ("/api/lab/start", start, FORM),
        ("/api/lab/cancel", "job_id=x", FORM),
        ("/api/progress/reset", "confirm=yes", FORM),
        ("/api/demos/timing", "model=tiny&batch=8&prediction=3", FORM),
        ("/api/classes/create", "name=Evil", FORM),
        ("/api/classes/join", "code=ZZZZZZZZ&display_name=Eve", FORM),
        ("/api/transfer/redeem", "code=ZZZZZZZZ", FORM),
        (
            "/api/demos/throughput",
            "model=tiny&batch=8&prediction=gpu",
            FORM,
        ),
        (
            "/api/demos/devices/predict",
            "vis_mode=unset&prediction=1",
            FORM,
        ),
        (
            "/api/experiments",
            "{\"n\": 300, \"device\": \"cpu\"}",
            JSON,
        ),
        ("/api/experiments/sweeps", "{\"device\": \"cpu\"}", JSON),
    ] {
        c.push(case(Method::POST, path, Some(ct), body).cross_site());
        c.push(case(Method::POST, path, Some(ct), body).header("origin", "http://127.0.0.1:1"));
    }
    c
}

/// Every row of every table, as text: any insert, update or delete shows.
async fn snapshot(app: &TestApp) -> Vec<String> {
    let pool = app.db().await;
    let hex = match pool {
        lab_storage::db::Db::Sqlite(_) => "hex(token_hash)",
        lab_storage::db::Db::Postgres(_) => "encode(token_hash, 'hex')",
    };
    let mut rows = Vec::new();
    for query in [
        "SELECT id || ':' || HEX || ':' || created_at FROM learners ORDER BY id",
        "SELECT id || ':' || learner_id || ':' || question_id || ':' || answer || ':' || correct \
         || ':' || first_try FROM attempts ORDER BY id",
        "SELECT id || ':' || coalesce(CAST(learner_id AS TEXT), '') || ':' || result FROM runs ORDER BY id",
        "SELECT id || ':' || name || ':' || join_code FROM classes ORDER BY id",
        "SELECT class_id || ':' || learner_id || ':' || display_name FROM class_members",
        "SELECT learner_id || ':' || expires_at FROM transfer_codes",
        "SELECT learner_id || ':' || HEX FROM learner_devices",
        "SELECT id || ':' || learner_id || ':' || guess || ':' || measured FROM predictions ORDER BY id",
    ] {
        let query = query.replace("HEX", hex);
        let table: Vec<String> =
            lab_storage::on_db!(&pool, p => sqlx::query_scalar(&query).fetch_all(p).await).unwrap();
        rows.push(format!("{query}\n{}", table.join("\n")));
    }
    pool.close().await;
    rows
}

#[tokio::test]
async fn hostile_requests_get_a_4xx_with_a_message_and_change_nothing() {
    let app = spawn_app().await;
    // A learner with an answer, so that any change to existing rows would show.
    answer_ok(&app, &app.client, NUMERIC, &[("value", "16")]).await;
    let before = snapshot(&app).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();

    let cases = cases();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    let mut failures = Vec::new();
    for c in &cases {
        let mut request = client.request(c.method.clone(), app.url(&c.path));
        if let Some(ct) = c.content_type {
            request = request.header(CONTENT_TYPE, ct);
        }
        for (name, value) in &c.headers {
            request = request.header(*name, value);
        }
        let label = format!(
            "{} {} {:?} {}",
            c.method,
            c.path,
            c.headers,
            truncate(&String::from_utf8_lossy(&c.body))
        );
        let resp = match request.body(c.body.clone()).send().await {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{label}: no answer: {e}"));
                continue;
            }
        };
        let status = resp.status();
        *statuses.entry(status.as_u16()).or_default() += 1;
        let sets_cookie = resp.headers().contains_key(SET_COOKIE);
        let body = resp.text().await.unwrap_or_default();
        if !status.is_client_error() {
            failures.push(format!("{label}: {status} {}", truncate(&body)));
            continue;
        }
        if sets_cookie {
            failures.push(format!("{label}: a refused request set a cookie"));
        }
        if body.trim().is_empty() {
            failures.push(format!("{label}: {status} without a message"));
        }
        if is_json_api(&c.path) {
            let message = serde_json::from_str::<Value>(&body)
                .ok()
                .and_then(|v| v["error"].as_str().map(str::to_string));
            if message.is_none_or(|m| m.is_empty()) {
                failures.push(format!(
                    "{label}: {status} not a JSON error: {}",
                    truncate(&body)
                ));
            }
        }
    }
    println!(
        "hostile requests: {} tried, statuses {statuses:?}",
        cases.len()
    );
    assert!(failures.is_empty(), "{:#?}", failures);

    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 200, "the server is still up");
    assert_eq!(snapshot(&app).await, before, "no database row changed");
}

#[tokio::test]
async fn a_cross_site_reset_with_the_learners_cookie_deletes_nothing() {
    let app = spawn_app().await;
    let first = answer(&app, &app.client, NUMERIC, &[("value", "16")]).await;
    let token = crate::quiz::learner_cookie(&first)
        .expect("a learner cookie")
        .0;
    let before = snapshot(&app).await;
    let attacker = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    for (name, value) in [
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
        (ORIGIN.as_str(), "http://127.0.0.1:9"),
    ] {
        let resp = attacker
            .post(app.url("/api/progress/reset"))
            .header(COOKIE, format!("lab_learner={token}"))
            .header(name, value)
            .form(&[("confirm", "yes")])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403, "{name}: {value}");
        assert!(!resp.headers().contains_key(SET_COOKIE));
        assert!(resp.text().await.unwrap().contains("refused"));
    }
    assert_eq!(snapshot(&app).await, before);
}

fn truncate(s: &str) -> String {
    s.chars().take(200).collect()
}
