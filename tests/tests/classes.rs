//! A teacher runs a class in Chromium: creates it, two learners in fresh
//! profiles join and answer (one without JavaScript), one moves to a third
//! profile with a transfer code, and the dashboard shows the right numbers.

use e2e::fantoccini::Locator;
use e2e::{Browser, Server};

const LESSON: &str = "/lessons/batched-inference-complexity";
const SINGLE: &str = "#q-batch-loop-complexity";
const NUMERIC: &str = "#q-batch-count-ceil";

async fn type_into(browser: &Browser, css: &str, text: &str) {
    browser.wait_css(css).await.send_keys(text).await.unwrap();
}

async fn click(browser: &Browser, css: &str) {
    browser.wait_css(css).await.click().await.unwrap();
}

async fn join(browser: &Browser, server: &Server, code: &str, name: &str, javascript: bool) {
    browser.goto(&server.url("/join")).await;
    if javascript {
        browser.wait_hydrated().await;
    }
    type_into(browser, "#join-code", code).await;
    type_into(browser, "#display-name", name).await;
    click(browser, "#join-class button[type='submit']").await;
    browser.wait_for_text("#my-classes", "Period 3").await;
    browser.wait_for_text("#my-classes", name).await;
}

/// Answers the single-choice question of lesson 1 with `option`.
async fn answer_single(browser: &Browser, option: &str, verdict: &str) {
    click(browser, &format!("{SINGLE}-{option}")).await;
    click(browser, &format!("{SINGLE} button.check")).await;
    browser
        .wait_for_text(&format!("{SINGLE} .verdict"), verdict)
        .await;
}

#[tokio::test]
async fn a_teacher_sees_two_learners_and_one_of_them_moves_device() {
    let server = Server::start();

    // The teacher creates the class and lands on the dashboard.
    let teacher = Browser::start().await;
    teacher.goto(&server.url("/teach")).await;
    teacher.wait_hydrated().await;
    type_into(&teacher, "#class-name", "Period 3").await;
    click(&teacher, "#create-class button[type='submit']").await;
    let code = teacher
        .wait_css(".join-code .code")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(code.len(), 9, "ABCD-EFGH: {code}");
    let dashboard = teacher.client.current_url().await.unwrap();
    assert!(dashboard.path().starts_with("/teach/"), "{dashboard}");
    assert!(teacher
        .text_of(".dashboard .notice")
        .await
        .contains("Bookmark this page"));

    // Ada (JavaScript) answers wrong, then right.
    let ada = Browser::start().await;
    join(&ada, &server, &code, "Ada", true).await;
    ada.goto(&server.url(LESSON)).await;
    ada.wait_hydrated().await;
    answer_single(&ada, "a", "Not quite").await;
    answer_single(&ada, "b", "Correct.").await;

    // Bob (no JavaScript) is right at once.
    let bob = Browser::start_with_js(false).await;
    join(&bob, &server, &code.to_lowercase(), "Bob", false).await;
    bob.goto(&server.url(LESSON)).await;
    answer_single(&bob, "b", "Correct, on the first try.").await;

    // Ada moves to a lab PC with a one-time code and answers there.
    ada.goto(&server.url("/transfer")).await;
    ada.wait_hydrated().await;
    click(&ada, "#show-code button[type='submit']").await;
    let transfer = ada
        .wait_css("[data-transfer-code]")
        .await
        .text()
        .await
        .unwrap();
    let lab_pc = Browser::start().await;
    lab_pc.goto(&server.url("/transfer")).await;
    lab_pc.wait_hydrated().await;
    type_into(&lab_pc, "#transfer-code", &transfer).await;
    click(&lab_pc, "#use-code button[type='submit']").await;
    lab_pc
        .wait_for_text(".classes-page .notice", "continues your progress")
        .await;
    lab_pc.goto(&server.url(LESSON)).await;
    lab_pc.wait_hydrated().await;
    // Her earlier answer is here: the question shows it.
    lab_pc
        .wait_for_text(&format!("{SINGLE} .verdict"), "Correct.")
        .await;
    type_into(&lab_pc, &format!("{NUMERIC}-value"), "16").await;
    click(&lab_pc, &format!("{NUMERIC} button.check")).await;
    lab_pc
        .wait_for_text(&format!("{NUMERIC} .verdict"), "Correct, on the first try.")
        .await;

    // The dashboard: Ada 2 answered (1 at the first try), Bob 1 (1).
    teacher.goto(dashboard.as_str()).await;
    teacher.wait_css(".class-table").await;
    let rows = teacher
        .client
        .find_all(Locator::Css(".class-table tbody tr"))
        .await
        .unwrap();
    let mut learners = Vec::new();
    for row in rows.iter().take(2) {
        learners.push(row.text().await.unwrap());
    }
    assert!(
        learners[0].starts_with("Ada") && learners[0].contains("2 answered, 1 first try"),
        "{learners:?}"
    );
    assert!(
        learners[1].starts_with("Bob") && learners[1].contains("1 answered, 1 first try"),
        "{learners:?}"
    );
    let items = teacher.text_of(".class-table.items").await;
    assert!(items.contains("50% (1 of 2)"), "{items}");
    teacher.assert_no_console_errors().await;
    ada.assert_no_console_errors().await;
    lab_pc.assert_no_console_errors().await;
    for b in [teacher, ada, bob, lab_pc] {
        b.close().await;
    }
}
