//! Spaced review in Chromium, with and without JavaScript: a question answered in
//! a lesson comes back on `/review` once due (the test makes it due in the
//! database instead of waiting a day).

use e2e::{Browser, Server};

const LESSON: &str = "/lessons/batched-inference-complexity";
const QUESTION: &str = "#q-batch-loop-complexity";

async fn answer(browser: &Browser, option: &str) {
    let choice = browser.wait_css(&format!("{QUESTION}-{option}")).await;
    choice.click().await.unwrap();
    let check = browser.wait_css(&format!("{QUESTION} button.check")).await;
    check.click().await.unwrap();
}

/// Every review card of the server's learners falls due now.
async fn make_everything_due(server: &Server) {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", server.database().display()))
        .await
        .unwrap();
    let n = sqlx::query("UPDATE review_cards SET due = '2000-01-01T00:00:00.000Z'")
        .execute(&pool)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(n, 1, "one question answered, one card");
    pool.close().await;
}

async fn review_once(javascript: bool) {
    let server = Server::start();
    let browser = Browser::start_with_js(javascript).await;
    browser.goto(&server.url(LESSON)).await;
    browser.wait_css(QUESTION).await;
    if javascript {
        browser.wait_hydrated().await;
    }
    answer(&browser, "a").await;
    browser
        .wait_for_text(&format!("{QUESTION} .verdict"), "Not quite")
        .await;

    browser.goto(&server.url("/review")).await;
    browser
        .wait_for_text(".review-count", "Nothing is due")
        .await;
    make_everything_due(&server).await;
    browser.goto(&server.url("/")).await;
    browser
        .wait_for_text(".continue", "1 answered question is due for review.")
        .await;
    browser
        .wait_css(".continue a.continue-link")
        .await
        .click()
        .await
        .unwrap();

    browser
        .wait_for_text(".review-count", "1 question is due")
        .await;
    browser.wait_css(QUESTION).await;
    if javascript {
        browser.wait_hydrated().await;
    }
    answer(&browser, "b").await;
    browser
        .wait_for_text(&format!("{QUESTION} .verdict"), "Correct.")
        .await;
    let url = browser.client.current_url().await.unwrap();
    assert_eq!(
        url.query()
            .is_some_and(|q| q.contains("answered=batch-loop-complexity")),
        !javascript,
        "a plain post lands on the answered question's page; JavaScript stays put: {url}"
    );
    browser
        .wait_css(".review-next a")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_for_text(".review-count", "Nothing is due for review now.")
        .await;
    browser
        .wait_for_text(".review-page", "The next question falls due in")
        .await;
    browser.assert_no_console_errors().await;
    browser.close().await;
}

#[tokio::test]
async fn a_due_question_is_reviewed_with_javascript() {
    review_once(true).await;
}

#[tokio::test]
async fn a_due_question_is_reviewed_without_javascript() {
    review_once(false).await;
}
