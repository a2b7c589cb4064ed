//! Answering practice questions over HTTP, as the browser's form does it.

use reqwest::header::{ACCEPT, COOKIE, REFERER, SET_COOKIE};
use reqwest::{Client, Response};
use serde_json::Value;

use crate::helpers::{spawn_app, TestApp};

pub const ANSWER: &str = "/api/quiz/answer";
pub const LESSON: &str = "/lessons/batched-inference-complexity";
pub const SINGLE: &str = "batch-loop-complexity"; // option b is right
pub const NUMERIC: &str = "batch-count-ceil"; // 16 batches; traps at 15 and 15.625
pub const MULTIPLE: &str = "gpu-constant-time-myth"; // b, c and d are right

/// A browser of its own: its own cookie jar, redirects not followed, and a
/// timeout (a hang fails the test instead of stalling the suite).
pub fn new_browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap()
}

/// Posts a form the way the hydrated page does (JSON back, no redirect).
pub async fn post_form(
    app: &TestApp,
    client: &Client,
    path: &str,
    form: &[(&str, &str)],
) -> Response {
    client
        .post(app.url(path))
        .header(ACCEPT, "application/json")
        .form(form)
        .send()
        .await
        .unwrap()
}

pub async fn answer(
    app: &TestApp,
    client: &Client,
    question_id: &str,
    fields: &[(&str, &str)],
) -> Response {
    let mut form = vec![("question_id", question_id)];
    form.extend_from_slice(fields);
    post_form(app, client, ANSWER, &form).await
}

pub async fn answer_ok(
    app: &TestApp,
    client: &Client,
    question_id: &str,
    fields: &[(&str, &str)],
) -> Value {
    let resp = answer(app, client, question_id, fields).await;
    assert_eq!(resp.status(), 200, "answer to {question_id} refused");
    resp.json().await.unwrap()
}

/// Rows in a table, read straight from the database file.
pub async fn count_rows(app: &TestApp, table: &str) -> i64 {
    let pool = app.db().await;
    let n = lab_storage::on_db!(&pool, p => sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(p)
        .await)
        .unwrap();
    pool.close().await;
    n
}

/// The learner token from a response's `Set-Cookie`, with the cookie's attributes.
pub fn learner_cookie(resp: &Response) -> Option<(String, String)> {
    resp.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.strip_prefix("lab_learner=").map(|rest| {
                let (token, attrs) = rest.split_once(';').unwrap_or((rest, ""));
                (token.to_string(), attrs.to_string())
            })
        })
}

#[tokio::test]
async fn first_answer_creates_the_learner_and_sets_a_safe_cookie() {
    let app = spawn_app().await;
    let resp = answer(&app, &app.client, SINGLE, &[("choices[]", "b")]).await;
    assert_eq!(resp.status(), 200);
    let (token, attrs) = learner_cookie(&resp).expect("learner cookie is set");
    assert_eq!(token.len(), 32, "128-bit token as hex");
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(attrs.contains(flag), "cookie lacks {flag}: {attrs}");
    }
    let feedback: Value = resp.json().await.unwrap();
    assert_eq!(feedback["correct"], true);
    assert_eq!(feedback["first_try"], true);
    assert!(feedback["solution_html"]
        .as_array()
        .is_some_and(|s| !s.is_empty()));

    assert_eq!(count_rows(&app, "learners").await, 1);
    assert_eq!(count_rows(&app, "attempts").await, 1);
    let pool = app.db().await;
    let hash: Vec<u8> =
        lab_storage::on_db!(&pool, p => sqlx::query_scalar("SELECT token_hash FROM learners")
        .fetch_one(p)
        .await)
        .unwrap();
    assert_eq!(hash.len(), 32, "a SHA-256, not the token");
    assert_ne!(hash, token.as_bytes());

    // The next answer reuses the learner: no new cookie, no new learner.
    let resp = answer(&app, &app.client, NUMERIC, &[("value", "16")]).await;
    assert_eq!(resp.status(), 200);
    assert!(learner_cookie(&resp).is_none());
    assert_eq!(count_rows(&app, "learners").await, 1);
}

#[tokio::test]
async fn wrong_then_right_shows_rationales_and_counts_only_the_first_try() {
    let app = spawn_app().await;
    let wrong = answer_ok(&app, &app.client, SINGLE, &[("choices[]", "a")]).await;
    assert_eq!(
        (wrong["correct"].clone(), wrong["first_try"].clone()),
        (false.into(), true.into())
    );
    assert_eq!(wrong["chosen"].as_array().unwrap().len(), 1);
    assert!(wrong["chosen"][0]["rationale_html"]
        .as_str()
        .unwrap()
        .contains("lanes"));
    // The retry must test something: the solution is sent, but folded behind
    // "Show the solution", with the hint beside the rationale; a single-choice
    // answer never talks of options left out.
    assert!(!wrong["answer_html"].as_str().unwrap().is_empty());
    assert_eq!(wrong["reveal"], "OnRequest");
    assert!(wrong["hint_html"].as_str().is_some_and(|h| !h.is_empty()));
    assert_eq!(wrong["missed_correct"], 0);
    // A second wrong answer opens it.
    let again = answer_ok(&app, &app.client, SINGLE, &[("choices[]", "c")]).await;
    assert_eq!(
        (again["correct"].clone(), again["first_try"].clone()),
        (false.into(), false.into())
    );
    assert_eq!(again["reveal"], "Open");
    let right = answer_ok(&app, &app.client, SINGLE, &[("choices[]", "b")]).await;
    assert_eq!(
        (right["correct"].clone(), right["first_try"].clone()),
        (true.into(), false.into())
    );
    assert_eq!(right["reveal"], "Open");
    assert_eq!(count_rows(&app, "attempts").await, 3);
    assert_eq!(count_rows(&app, "attempts WHERE first_try").await, 1);
}

#[tokio::test]
async fn numeric_answers_explain_traps_and_tolerance() {
    let app = spawn_app().await;
    let trap = answer_ok(&app, &app.client, NUMERIC, &[("value", "15")]).await;
    assert_eq!(trap["correct"], false);
    assert!(
        trap["numeric_html"]
            .as_str()
            .unwrap()
            .contains("floor(1000/64)"),
        "{trap}"
    );
    let fraction = answer_ok(&app, &app.client, NUMERIC, &[("value", "15.625")]).await;
    assert!(
        fraction["numeric_html"]
            .as_str()
            .unwrap()
            .contains("real number"),
        "nearest trap wins"
    );
    let far = answer_ok(&app, &app.client, NUMERIC, &[("value", "42")]).await;
    assert!(far["numeric_html"]
        .as_str()
        .unwrap()
        .contains("not within the tolerance"));
    let right = answer_ok(&app, &app.client, NUMERIC, &[("value", " 16.05 ")]).await;
    assert_eq!(right["correct"], true);
}

#[tokio::test]
async fn multiple_choice_takes_a_list_of_options() {
    let app = spawn_app().await;
    let partial = answer_ok(&app, &app.client, MULTIPLE, &[("choices[]", "b")]).await;
    assert_eq!(partial["correct"], false);
    assert_eq!(partial["missed_correct"], 2);
    let all = [("choices[]", "b"), ("choices[]", "c"), ("choices[]", "d")];
    assert_eq!(
        answer_ok(&app, &app.client, MULTIPLE, &all).await["correct"],
        true
    );
    // The leptos client re-encodes lists with indices; both forms are accepted.
    let indexed = [
        ("choices[0]", "d"),
        ("choices[1]", "c"),
        ("choices[2]", "b"),
    ];
    assert_eq!(
        answer_ok(&app, &app.client, MULTIPLE, &indexed).await["correct"],
        true
    );
}

#[tokio::test]
async fn the_lesson_page_shows_this_learners_latest_answer() {
    let app = spawn_app().await;
    answer_ok(&app, &app.client, SINGLE, &[("choices[]", "a")]).await;
    let html = app.get(LESSON).await.text().await.unwrap();
    assert!(
        html.contains("Not quite"),
        "feedback rendered on the server"
    );
    assert!(html.contains("Common mistakes"));
    let stranger = new_browser()
        .get(app.url(LESSON))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        stranger.contains("Check answer") && !stranger.contains("Not quite"),
        "another browser sees no feedback"
    );
}

#[tokio::test]
async fn a_plain_form_post_redirects_back_to_the_question() {
    let app = spawn_app().await;
    let resp = app
        .client
        .post(app.url(ANSWER))
        .header(ACCEPT, "text/html,application/xhtml+xml")
        .header(REFERER, app.url(LESSON))
        .form(&[("question_id", SINGLE), ("choices[]", "b")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    assert_eq!(
        resp.headers()["location"],
        format!("{LESSON}#q-{SINGLE}").as_str()
    );
    assert!(
        learner_cookie(&resp).is_some(),
        "cookie set on the redirect"
    );
    assert_eq!(count_rows(&app, "attempts").await, 1);
    let html = app.get(LESSON).await.text().await.unwrap();
    assert!(html.contains("Correct, on the first try."));
}

#[tokio::test]
async fn a_plain_form_post_with_bad_input_comes_back_with_the_message() {
    let app = spawn_app().await;
    let resp = app
        .client
        .post(app.url(ANSWER))
        .header(ACCEPT, "text/html")
        .header(REFERER, app.url(LESSON))
        .form(&[("question_id", NUMERIC), ("value", "many")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with(&format!("{LESSON}?")) && location.ends_with(&format!("#q-{NUMERIC}")),
        "{location}"
    );
    assert!(location.contains("__err="), "{location}");
    assert_eq!(
        count_rows(&app, "attempts").await + count_rows(&app, "learners").await,
        0
    );
    let html = app.get(&location).await.text().await.unwrap();
    assert!(
        html.contains("That is not a number"),
        "message shown on the page"
    );
}

#[tokio::test]
async fn bad_answers_are_refused_with_400_and_write_nothing() {
    let app = spawn_app().await;
    let long = "x".repeat(10_000);
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("no question id", vec![("choices[]", "b")]),
        (
            "empty question id",
            vec![("question_id", ""), ("choices[]", "b")],
        ),
        (
            "unknown question",
            vec![("question_id", "no-such-question"), ("choices[]", "b")],
        ),
        (
            "oversized question id",
            vec![("question_id", &long), ("choices[]", "b")],
        ),
        ("no option", vec![("question_id", SINGLE)]),
        (
            "two options for single",
            vec![
                ("question_id", SINGLE),
                ("choices[]", "a"),
                ("choices[]", "b"),
            ],
        ),
        (
            "unknown option",
            vec![("question_id", SINGLE), ("choices[]", "z")],
        ),
        (
            "oversized option",
            vec![("question_id", SINGLE), ("choices[]", &long)],
        ),
        (
            "option chosen twice",
            vec![
                ("question_id", MULTIPLE),
                ("choices[]", "b"),
                ("choices[]", "b"),
            ],
        ),
        (
            "number for a choice",
            vec![("question_id", SINGLE), ("choices[]", "b"), ("value", "1")],
        ),
        (
            "options for a number",
            vec![("question_id", NUMERIC), ("choices[]", "a")],
        ),
        ("no number", vec![("question_id", NUMERIC)]),
        (
            "empty number",
            vec![("question_id", NUMERIC), ("value", "")],
        ),
        (
            "not a number",
            vec![("question_id", NUMERIC), ("value", "sixteen")],
        ),
        ("NaN", vec![("question_id", NUMERIC), ("value", "NaN")]),
        ("infinity", vec![("question_id", NUMERIC), ("value", "inf")]),
        (
            "overflow",
            vec![("question_id", NUMERIC), ("value", "1e999")],
        ),
        (
            "oversized number",
            vec![("question_id", NUMERIC), ("value", &long)],
        ),
    ];
    for (what, form) in &cases {
        let resp = post_form(&app, &app.client, ANSWER, form).await;
        assert_eq!(resp.status(), 400, "{what}");
        assert!(
            learner_cookie(&resp).is_none(),
            "{what}: no learner for a bad answer"
        );
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        assert!(
            body["Invalid"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{what}: {body}"
        );
    }
    // Requests no form produces: the framework cannot even read them. Still 400.
    let raw = [
        format!("question_id={SINGLE}&question_id={NUMERIC}&choices[]=b"),
        format!("question_id[nested]={SINGLE}"),
        "question_id=%FF%FE&choices[]=b".to_string(),
        format!("question_id={SINGLE}&choices=b"),
    ];
    for body in &raw {
        let resp = app
            .client
            .post(app.url(ANSWER))
            .header(ACCEPT, "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{body}");
    }
    assert_eq!(count_rows(&app, "learners").await, 0);
    assert_eq!(count_rows(&app, "attempts").await, 0);
}

#[tokio::test]
async fn a_forged_or_malformed_cookie_never_reaches_another_learner() {
    let app = spawn_app().await;
    answer_ok(&app, &app.client, SINGLE, &[("choices[]", "b")]).await;
    let plain = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for forged in [
        "00112233445566778899aabbccddeeff",
        "not-a-token",
        &"f".repeat(5000),
    ] {
        let resp = plain
            .post(app.url(ANSWER))
            .header(ACCEPT, "application/json")
            .header(COOKIE, format!("lab_learner={forged}"))
            .form(&[("question_id", SINGLE), ("choices[]", "a")])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "treated as a new learner");
        let (token, _) = learner_cookie(&resp).expect("a fresh cookie replaces the unknown one");
        assert_ne!(
            token, forged,
            "the server never adopts a client-chosen token"
        );
        let feedback: Value = resp.json().await.unwrap();
        assert_eq!(feedback["first_try"], true, "no history from anyone else");
    }
    assert_eq!(count_rows(&app, "learners").await, 4);
    assert_eq!(
        count_rows(&app, "attempts WHERE learner_id = 1").await,
        1,
        "the first learner is untouched"
    );
}
