//! A teacher runs a class in Chromium: creates it, two learners in fresh
//! profiles join and answer (one without JavaScript), one moves to a third
//! profile with a transfer code, and the dashboard shows the right numbers.

use e2e::fantoccini::Locator;
use e2e::{Browser, Server};

const LESSON: &str = "/lessons/batched-inference-complexity";
const SINGLE: &str = "#q-batch-loop-complexity";
const NUMERIC: &str = "#q-batch-count-ceil";
/// A question with variants: its prompt's numbers are `{{placeholders}}`.
const VARIANTS_LESSON: &str = "/lessons/choosing-batch-size";
const VARIANTS: &str = "#q-batch-throughput-amortised";

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
    // Not a dead end: the notice sends the learner on to the lessons.
    browser
        .wait_for_text(".classes-page .next-step", "start the lessons")
        .await;
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
        .find_all(Locator::Css(".class-table.learners tbody tr"))
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

/// The value of the text field matching `css`.
async fn value_of(browser: &Browser, css: &str) -> String {
    browser
        .wait_css(css)
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_teacher_keeps_the_link_finds_the_class_again_and_sees_the_hardest_first() {
    let server = Server::start();
    let teacher = Browser::start().await;
    teacher.goto(&server.url("/teach")).await;
    teacher.wait_hydrated().await;
    type_into(&teacher, "#class-name", "Period 3").await;
    click(&teacher, "#create-class button[type='submit']").await;
    teacher.wait_css(".join-code .code").await;
    teacher.wait_hydrated().await;
    let dashboard = teacher.client.current_url().await.unwrap();

    // The full teacher link and join link, each with a copy button.
    let teacher_link = value_of(&teacher, "#teacher-link").await;
    assert_eq!(teacher_link, server.url(dashboard.path()));
    let join_link = value_of(&teacher, "#join-link").await;
    assert!(
        join_link.starts_with(&server.url("/join?code=")),
        "{join_link}"
    );
    click(&teacher, "#teacher-link + button").await;
    // "Copied.", or where headless Chromium refuses the clipboard, how to copy by hand.
    teacher
        .wait_until("the copy button to answer", || async {
            !teacher.text_of("#teacher-link-status").await.is_empty()
        })
        .await;

    // Back on /teach, the class is listed with its dashboard's link.
    teacher.goto(&server.url("/teach")).await;
    teacher.wait_for_text("#your-classes", "Period 3").await;
    let listed = teacher
        .wait_css("#your-classes a")
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(listed, dashboard.path());

    // A learner opens the join link: the code is filled in, a name is enough.
    let ada = Browser::start().await;
    ada.goto(&join_link).await;
    ada.wait_hydrated().await;
    let code = join_link.rsplit('=').next().unwrap();
    assert_eq!(value_of(&ada, "#join-code").await, code);
    type_into(&ada, "#display-name", "Ada").await;
    click(&ada, "#join-class button[type='submit']").await;
    ada.wait_for_text("#my-classes", "Period 3").await;
    // Wrong then right; right at once; wrong on the question with variants.
    ada.goto(&server.url(LESSON)).await;
    ada.wait_hydrated().await;
    answer_single(&ada, "a", "Not quite").await;
    type_into(&ada, &format!("{NUMERIC}-value"), "16").await;
    click(&ada, &format!("{NUMERIC} button.check")).await;
    ada.wait_for_text(&format!("{NUMERIC} .verdict"), "Correct, on the first try.")
        .await;
    ada.goto(&server.url(VARIANTS_LESSON)).await;
    ada.wait_hydrated().await;
    type_into(&ada, &format!("{VARIANTS}-value"), "1").await;
    click(&ada, &format!("{VARIANTS} button.check")).await;
    ada.wait_for_text(&format!("{VARIANTS} .verdict"), "Not quite")
        .await;

    // The dashboard: misconceptions first, the hardest questions first,
    // numbers in place of placeholders, the unanswered folded away.
    teacher.goto(dashboard.as_str()).await;
    teacher.wait_css(".class-table.items").await;
    assert!(teacher
        .text_of(".misconceptions li")
        .await
        .contains("1 of 1 learners (100%)"));
    let rows = teacher
        .client
        .find_all(Locator::Css(".class-table.items tbody tr"))
        .await
        .unwrap();
    let mut texts = Vec::new();
    for row in &rows {
        texts.push(row.text().await.unwrap());
    }
    assert_eq!(texts.len(), 3, "only the answered questions: {texts:?}");
    assert!(texts[0].contains("0% (0 of 1)"), "{texts:?}");
    assert!(texts[1].contains("0% (0 of 1)"), "{texts:?}");
    assert!(texts[2].contains("100% (1 of 1)"), "{texts:?}");
    assert!(
        texts.iter().any(|t| t.contains("example numbers:")),
        "{texts:?}"
    );
    assert!(
        !teacher.client.source().await.unwrap().contains("{{"),
        "no raw placeholder on the dashboard"
    );
    let unanswered = teacher.wait_css("details.unanswered").await;
    assert_eq!(unanswered.attr("open").await.unwrap(), None, "folded");
    teacher.assert_no_console_errors().await;
    ada.assert_no_console_errors().await;
    teacher.close().await;
    ada.close().await;
}
