//! Spaced review and mastery over HTTP, with the app's clock moved forward.

use std::time::Duration;

use reqwest::header::ACCEPT;
use reqwest::Client;

use crate::helpers::{spawn_app, TestApp};
use crate::quiz::{answer_ok, count_rows, new_browser, MULTIPLE, NUMERIC, SINGLE};

const DAY: Duration = Duration::from_secs(86_400);
const LARGER: &str = "larger-batch-complexity"; // option b is right

/// Every question of lesson 1 answered right.
async fn answer_lesson_one_right(app: &TestApp, client: &Client) {
    answer_ok(app, client, SINGLE, &[("choices[]", "b")]).await;
    answer_ok(app, client, NUMERIC, &[("value", "16")]).await;
    answer_ok(app, client, LARGER, &[("choices[]", "b")]).await;
    answer_ok(
        app,
        client,
        MULTIPLE,
        &[("choices[]", "b"), ("choices[]", "c"), ("choices[]", "d")],
    )
    .await;
}

async fn page(app: &TestApp, client: &Client, path: &str) -> String {
    let resp = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(resp.status(), 200, "GET {path}");
    resp.text().await.unwrap()
}

/// Answers on `/review` the way the form does without JavaScript.
async fn review_answer_plain(app: &TestApp, client: &Client, fields: &[(&str, &str)]) -> String {
    let resp = client
        .post(app.url(crate::quiz::ANSWER))
        .header(ACCEPT, "text/html")
        .header(reqwest::header::REFERER, app.url("/review"))
        .form(fields)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_redirection(), "{}", resp.status());
    resp.headers()["location"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn review_page_of_a_new_browser_says_nothing_is_due_and_writes_nothing() {
    let app = spawn_app().await;
    let body = page(&app, &new_browser(), "/review").await;
    assert!(body.contains("Nothing is due for review now."), "{body}");
    assert_eq!(count_rows(&app, "learners").await, 0);
    assert_eq!(count_rows(&app, "review_cards").await, 0);
}

#[tokio::test]
async fn answered_questions_come_back_when_due_and_a_review_is_recorded() {
    let app = spawn_app().await;
    let learner = new_browser();
    answer_ok(&app, &learner, SINGLE, &[("choices[]", "b")]).await;
    answer_ok(&app, &learner, NUMERIC, &[("value", "15")]).await; // a trap: wrong
    assert_eq!(count_rows(&app, "review_cards").await, 2);

    let now = page(&app, &learner, "/review").await;
    assert!(now.contains("Nothing is due for review now."));
    // Relative first (the page cannot know the learner's time zone), UTC beside it,
    // and a way to practise on day 1.
    assert!(
        now.contains("The next question falls due in 1 day ("),
        "{now}"
    );
    assert!(now.contains("Practise now"));

    // A day and a bit later the wrong one is due; the right one is not yet.
    app.clock.advance(DAY + Duration::from_secs(3600));
    let day = page(&app, &learner, "/review").await;
    assert!(day.contains("1 question is due for review."), "{day}");
    assert!(day.contains(&format!("id=\"q-{NUMERIC}\"")));
    assert!(!day.contains(&format!("id=\"q-{SINGLE}\"")));
    assert!(page(&app, &learner, "/")
        .await
        .contains("1 answered question is due for review."));

    // Answered right on /review without JavaScript: back to its feedback.
    let location = review_answer_plain(
        &app,
        &learner,
        &[("question_id", NUMERIC), ("value", "16"), ("review", "yes")],
    )
    .await;
    assert_eq!(location, format!("/review?answered={NUMERIC}#q-{NUMERIC}"));
    let after = page(&app, &learner, &location).await;
    assert!(after.contains("Correct."), "{after}");
    assert!(after.contains("Nothing is due for review now."));
    let passed: i64 =
        lab_storage::on_db!(&app.db().await, p => sqlx::query_scalar("SELECT reviews_passed FROM review_cards WHERE question_id = $1")
            .bind(NUMERIC)
            .fetch_one(p)
            .await)
            .unwrap();
    assert_eq!(passed, 1);

    // A month on, both are due.
    app.clock.advance(30 * DAY);
    assert!(page(&app, &learner, "/review")
        .await
        .contains("2 questions are due for review."));
}

#[tokio::test]
async fn mastery_rises_from_answers_and_reviews_and_learners_see_only_their_own() {
    let app = spawn_app().await;
    let learner = new_browser();
    let other = new_browser();
    let lesson = "/lessons/batched-inference-complexity";
    assert!(page(&app, &learner, lesson).await.contains(">Not started<"));

    answer_ok(&app, &learner, SINGLE, &[("choices[]", "b")]).await;
    assert!(page(&app, &learner, lesson).await.contains(">Practised<"));

    answer_lesson_one_right(&app, &learner).await;
    assert!(page(&app, &learner, lesson).await.contains(">Proficient<"));
    assert!(page(&app, &learner, "/progress")
        .await
        .contains(">Proficient<"));
    // Another browser has its own (empty) standing.
    assert!(page(&app, &other, lesson).await.contains(">Not started<"));
    assert!(page(&app, &other, "/review")
        .await
        .contains("Nothing is due for review now."));

    // Every question reviewed right when due: mastered.
    app.clock.advance(60 * DAY);
    answer_lesson_one_right(&app, &learner).await;
    assert!(page(&app, &learner, lesson).await.contains(">Mastered<"));
    // A wrong answer later drops the level again.
    answer_ok(&app, &learner, SINGLE, &[("choices[]", "a")]).await;
    assert!(page(&app, &learner, lesson).await.contains(">Familiar<"));
}

#[tokio::test]
async fn the_home_page_leads_a_returning_learner_to_the_next_question() {
    let app = spawn_app().await;
    let learner = new_browser();
    assert!(!page(&app, &learner, "/")
        .await
        .contains("Pick up where you left off"));
    answer_lesson_one_right(&app, &learner).await;
    let home = page(&app, &learner, "/").await;
    assert!(home.contains("Pick up where you left off"), "{home}");
    assert!(
        home.contains("href=\"/lessons/cuda-visible-devices#q-"),
        "{home}"
    );
}

#[tokio::test]
async fn a_reset_deletes_the_review_cards_too() {
    let app = spawn_app().await;
    let learner = new_browser();
    answer_ok(&app, &learner, SINGLE, &[("choices[]", "b")]).await;
    assert_eq!(count_rows(&app, "review_cards").await, 1);
    let resp =
        crate::quiz::post_form(&app, &learner, "/api/progress/reset", &[("confirm", "yes")]).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(count_rows(&app, "review_cards").await, 0);
}
