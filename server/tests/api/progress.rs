//! The progress page, its JSON download and its reset, per learner.

use reqwest::header::{ACCEPT, CONTENT_DISPOSITION, COOKIE};
use serde_json::Value;

use crate::helpers::{spawn_app, spawn_with, test_settings, TestApp};
use crate::quiz::{
    answer_ok, count_rows, learner_cookie, new_browser, post_form, LESSON, MULTIPLE, NUMERIC,
    SINGLE,
};

const PROGRESS: &str = "/api/progress";
const RESET: &str = "/api/progress/reset";
const LESSON_SLUG: &str = "batched-inference-complexity";

async fn progress_of(app: &TestApp, client: &reqwest::Client) -> Value {
    let resp = post_form(app, client, PROGRESS, &[]).await;
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

fn lesson<'a>(progress: &'a Value, slug: &str) -> &'a Value {
    progress["lessons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["slug"] == slug)
        .expect("lesson listed")
}

#[tokio::test]
async fn progress_counts_answers_per_lesson_and_points_to_what_to_practise() {
    let app = spawn_app().await;
    let empty = progress_of(&app, &app.client).await;
    assert_eq!(empty["overall"]["answered"], 0);
    assert!(empty["overall"]["questions"].as_u64().unwrap() > 0);

    answer_ok(&app, &app.client, SINGLE, &[("choices[]", "a")]).await;
    answer_ok(&app, &app.client, SINGLE, &[("choices[]", "b")]).await;
    answer_ok(&app, &app.client, NUMERIC, &[("value", "16")]).await;
    answer_ok(&app, &app.client, MULTIPLE, &[("choices[]", "b")]).await;
    let p = progress_of(&app, &app.client).await;
    let tally = &lesson(&p, LESSON_SLUG)["tally"];
    assert_eq!(tally["answered"], 3);
    assert_eq!(
        tally["correct"], 2,
        "latest answers: single right, numeric right, multiple wrong"
    );
    assert_eq!(tally["first_try_correct"], 1, "only the numeric one");
    assert_eq!(p["overall"]["answered"], 3);
    assert_eq!(
        p["next"]["slug"], LESSON_SLUG,
        "first lesson with a wrong or unanswered question"
    );

    let html = app.get("/progress").await.text().await.unwrap();
    assert!(html.contains("Practise next"));
    assert!(html.contains(&format!("/lessons/{LESSON_SLUG}#practice")));
    assert!(html.contains("Reset my progress") && html.contains("/progress.json"));
}

#[tokio::test]
async fn progress_survives_a_restart_on_the_same_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kept.db");
    let first = spawn_with(test_settings(db.clone())).await;
    let resp = crate::quiz::answer(&first, &first.client, SINGLE, &[("choices[]", "b")]).await;
    let (token, _) = learner_cookie(&resp).unwrap();
    drop(first);

    let second = spawn_with(test_settings(db)).await;
    let resp = second
        .client
        .post(second.url(PROGRESS))
        .header(ACCEPT, "application/json")
        .header(COOKIE, format!("lab_learner={token}"))
        .send()
        .await
        .unwrap();
    let p: Value = resp.json().await.unwrap();
    assert_eq!(p["overall"]["answered"], 1);
    assert_eq!(p["overall"]["correct"], 1);
}

#[tokio::test]
async fn another_learner_can_neither_see_nor_reset_my_progress() {
    let app = spawn_app().await;
    answer_ok(&app, &app.client, SINGLE, &[("choices[]", "b")]).await;
    let other = new_browser();
    answer_ok(&app, &other, NUMERIC, &[("value", "3")]).await;

    let theirs = progress_of(&app, &other).await;
    assert_eq!(lesson(&theirs, LESSON_SLUG)["tally"]["answered"], 1);
    assert_eq!(lesson(&theirs, LESSON_SLUG)["tally"]["correct"], 0);

    let resp = post_form(&app, &other, RESET, &[("confirm", "yes")]).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        1,
        "only their own answer"
    );
    let mine = progress_of(&app, &app.client).await;
    assert_eq!(mine["overall"]["correct"], 1, "mine is intact");
    assert_eq!(count_rows(&app, "attempts").await, 1);
}

#[tokio::test]
async fn reset_needs_confirmation_and_deletes_only_answers() {
    let app = spawn_app().await;
    answer_ok(&app, &app.client, SINGLE, &[("choices[]", "a")]).await;
    answer_ok(&app, &app.client, SINGLE, &[("choices[]", "b")]).await;
    for form in [vec![], vec![("confirm", "")], vec![("confirm", "no")]] {
        let resp = post_form(&app, &app.client, RESET, &form).await;
        assert_eq!(resp.status(), 400, "{form:?}");
        let body: Value = resp.json().await.unwrap();
        assert!(body["Invalid"]["message"]
            .as_str()
            .unwrap()
            .contains("confirm"));
    }
    assert_eq!(
        count_rows(&app, "attempts").await,
        2,
        "nothing deleted without confirmation"
    );

    let resp = post_form(&app, &app.client, RESET, &[("confirm", "yes")]).await;
    assert_eq!(resp.json::<Value>().await.unwrap(), 2);
    assert_eq!(count_rows(&app, "attempts").await, 0);
    assert_eq!(
        progress_of(&app, &app.client).await["overall"]["answered"],
        0
    );
    let again = answer_ok(&app, &app.client, SINGLE, &[("choices[]", "b")]).await;
    assert_eq!(
        again["first_try"], true,
        "after a reset the learner starts afresh"
    );
}

#[tokio::test]
async fn reset_without_a_cookie_has_nothing_to_delete_and_creates_no_one() {
    let app = spawn_app().await;
    let resp = post_form(&app, &app.client, RESET, &[("confirm", "yes")]).await;
    assert_eq!(resp.status(), 200);
    assert!(learner_cookie(&resp).is_none());
    assert_eq!(resp.json::<Value>().await.unwrap(), 0);
    assert_eq!(count_rows(&app, "learners").await, 0);
}

#[tokio::test]
async fn a_plain_form_reset_redirects_to_the_progress_page_with_a_notice() {
    let app = spawn_app().await;
    answer_ok(&app, &app.client, SINGLE, &[("choices[]", "b")]).await;
    let resp = app
        .client
        .post(app.url(RESET))
        .header(ACCEPT, "text/html")
        .header("referer", app.url("/progress"))
        .form(&[("confirm", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    assert_eq!(resp.headers()["location"], "/progress?deleted=1");
    let html = app.get("/progress?deleted=1").await.text().await.unwrap();
    assert!(html.contains("Deleted your 1 answer."));
}

#[tokio::test]
async fn download_is_a_json_attachment_that_keeps_removed_questions_apart() {
    let app = spawn_app().await;
    answer_ok(&app, &app.client, SINGLE, &[("choices[]", "a")]).await;
    answer_ok(&app, &app.client, NUMERIC, &[("value", "16")]).await;
    // An answer to a question that has since been removed from the content.
    let pool = app.db().await;
    lab_storage::on_db!(&pool, p => sqlx::query(
        "INSERT INTO attempts (learner_id, lesson_slug, question_id, answer, correct, first_try)
         VALUES (1, $1, 'retired-question', '{\"choices\":[\"a\"]}', TRUE, TRUE)",
    )
    .bind(LESSON_SLUG)
    .execute(p)
    .await.map(|_| ()))
    .unwrap();
    pool.close().await;

    let resp = app.get("/progress.json").await;
    assert_eq!(resp.status(), 200);
    let disposition = resp.headers()[CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment") && disposition.contains(".json"),
        "{disposition}"
    );
    let export: Value = resp.json().await.unwrap();
    assert_eq!(export["attempts"].as_array().unwrap().len(), 3);
    assert_eq!(export["attempts"][1]["answer"]["number"], 16.0);
    assert_eq!(export["unknown_question_attempts"], 1);
    assert_eq!(
        export["summary"]["answered"], 2,
        "the removed question is not counted in progress"
    );

    // Pages never break on it.
    assert_eq!(app.get("/progress").await.status(), 200);
    assert_eq!(app.get(LESSON).await.status(), 200);

    // Nobody else gets this file.
    let stranger: Value = new_browser()
        .get(app.url("/progress.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stranger["attempts"].as_array().unwrap().len(), 0);
}
