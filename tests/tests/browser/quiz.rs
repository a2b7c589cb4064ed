//! A learner answers practice questions in Chromium, with and without JavaScript.

use e2e::{Browser, Server};
use serde_json::Value;

const LESSON: &str = "/lessons/batched-inference-complexity";
const QUESTION: &str = "#q-batch-loop-complexity";

/// Chooses an option of the single-choice question and submits its form.
async fn answer(browser: &Browser, option: &str) {
    browser
        .wait_css(&format!("{QUESTION}-{option}"))
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_css(&format!("{QUESTION} button.check"))
        .await
        .click()
        .await
        .unwrap();
}

async fn check_progress_page(browser: &Browser, server: &Server) {
    browser.goto(&server.url("/progress")).await;
    browser.wait_css("table.progress-table").await;
    let row = browser
        .text_of("table.progress-table tbody tr:first-child")
        .await;
    // Lesson 1: n questions, 1 answered, 1 correct, 0 at the first try; one of
    // its questions answered makes it "Practised".
    let cells: Vec<&str> = row.split_whitespace().rev().take(4).collect();
    assert_eq!(cells, ["Practised", "0", "1", "1"], "row: {row}");
    assert!(browser
        .text_of(".next-step")
        .await
        .contains("Practise next"));
}

#[tokio::test]
async fn answering_wrong_then_right_without_a_page_reload() {
    let server = Server::start();
    let browser = Browser::start().await;
    browser.goto(&server.url(LESSON)).await;
    browser.wait_css(QUESTION).await;
    browser.wait_hydrated().await;
    // A marker on `window` survives only if the page is not reloaded.
    browser
        .client
        .execute("window.__sameDocument = true;", vec![])
        .await
        .unwrap();

    answer(&browser, "a").await;
    browser
        .wait_for_text(&format!("{QUESTION} .verdict"), "Not quite")
        .await;
    assert!(browser
        .text_of(&format!("{QUESTION} .rationales"))
        .await
        .contains("Wrong"));
    // A first wrong answer: the hint, and the solution folded until asked for.
    assert!(browser
        .text_of(&format!("{QUESTION} .retry-hint"))
        .await
        .contains("Hint"));
    let folded = browser.text_of(&format!("{QUESTION} .solution")).await;
    assert!(
        folded.contains("Show the solution") && !folded.contains("Quick check"),
        "the solution is folded: {folded}"
    );
    browser
        .wait_css(&format!("{QUESTION} .solution summary"))
        .await
        .click()
        .await
        .unwrap();
    assert!(browser
        .text_of(&format!("{QUESTION} .solution"))
        .await
        .contains("Quick check"));

    answer(&browser, "b").await;
    browser
        .wait_for_text(&format!("{QUESTION} .verdict"), "Correct.")
        .await;
    let same = browser
        .client
        .execute("return window.__sameDocument === true;", vec![])
        .await
        .unwrap();
    assert_eq!(
        same,
        Value::Bool(true),
        "the feedback came without a page reload"
    );

    // A reload shows the stored latest answer.
    browser.client.refresh().await.unwrap();
    browser
        .wait_for_text(&format!("{QUESTION} .verdict"), "Correct.")
        .await;
    browser.wait_hydrated().await;
    check_progress_page(&browser, &server).await;
    browser.assert_no_console_errors().await;
    browser.close().await;
}

#[tokio::test]
async fn answering_and_resetting_work_without_javascript() {
    let server = Server::start();
    let browser = Browser::start_with_js(false).await;
    browser.goto(&server.url(LESSON)).await;
    browser.wait_css(QUESTION).await;

    answer(&browser, "a").await;
    browser
        .wait_for_text(&format!("{QUESTION} .verdict"), "Not quite")
        .await;
    let url = browser.client.current_url().await.unwrap();
    assert_eq!(
        url.fragment(),
        Some("q-batch-loop-complexity"),
        "back at the question after the post"
    );
    // The choice is still ticked after the round trip.
    let chosen = browser.wait_css(&format!("{QUESTION}-a")).await;
    assert!(chosen.prop("checked").await.unwrap().as_deref() == Some("true"));

    answer(&browser, "b").await;
    browser
        .wait_for_text(&format!("{QUESTION} .verdict"), "Correct.")
        .await;
    check_progress_page(&browser, &server).await;

    // Reset: the checkbox is the confirmation step.
    browser
        .wait_css("#confirm-reset")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_css(".your-data button.danger")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_for_text(".your-data .notice", "Deleted your 2 answers.")
        .await;
    assert!(browser.text_of(".empty").await.contains("not answered any"));
    browser.assert_no_console_errors().await;
    browser.close().await;
}
