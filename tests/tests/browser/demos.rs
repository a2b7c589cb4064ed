//! Every lesson's live demo, operated once in headless Chromium, as a learner would.

use e2e::fantoccini::Locator;
use e2e::{Browser, Server};

async fn open_lesson(server: &Server, browser: &Browser, slug: &str) {
    browser.goto(&server.url(&format!("/lessons/{slug}"))).await;
    browser.wait_css("article.lesson h1").await;
    browser.wait_hydrated().await;
}

/// The range in "15.9 × (between 9.8 × and 21 × given this run's spread)".
fn spread_of(measured: &str) -> Option<(f64, f64)> {
    let number = |s: &str| {
        s.split_whitespace()
            .next()?
            .replace(',', "")
            .parse::<f64>()
            .ok()
    };
    let rest = measured.split("between ").nth(1)?;
    let (low, high) = rest.split_once(" and ")?;
    Some((number(low)?, number(high)?))
}

async fn text_of(browser: &Browser, css: &str) -> String {
    browser.wait_css(css).await.text().await.unwrap()
}

#[tokio::test]
async fn each_lessons_demo_works_once() {
    let server = Server::start();
    let browser = Browser::start().await;

    // 1. The n-sweep fills the lesson's table with measured times and a linear fit.
    open_lesson(&server, &browser, "batched-inference-complexity").await;
    // Every demo asks for a prediction before it runs.
    browser
        .wait_css("aside.demo[data-demo='n-sweep'] input[name='prediction']")
        .await
        .send_keys("10")
        .await
        .unwrap();
    browser
        .wait_css("aside.demo[data-demo='n-sweep'] button.sweep-n")
        .await
        .click()
        .await
        .unwrap();
    let summary = text_of(&browser, "aside.demo[data-demo='n-sweep'] .sweep-duration").await;
    assert!(summary.contains("sweep took"), "{summary}");
    let demo = text_of(&browser, "aside.demo[data-demo='n-sweep']").await;
    assert!(
        demo.contains("R²"),
        "the n-sweep reports a linear fit: {demo}"
    );
    let outcome = text_of(
        &browser,
        "aside.demo[data-demo='n-sweep'] .prediction-outcome",
    )
    .await;
    assert!(
        outcome.contains("10 ×"),
        "the prediction beside the measurement: {outcome}"
    );
    // Graded within the run's own noise: 10 is right when it lies within 25 %
    // of the range the run's p10–p90 allow, shown beside the measurement
    // (away from the range's edges, where the shown numbers are rounded).
    let measured = text_of(
        &browser,
        "aside.demo[data-demo='n-sweep'] .prediction-outcome td.measured",
    )
    .await;
    let verdict = text_of(
        &browser,
        "aside.demo[data-demo='n-sweep'] .prediction-outcome strong",
    )
    .await;
    if let Some((low, high)) = spread_of(&measured) {
        let (from, to) = (0.75 * low, 1.25 * high);
        if 10.0 > from * 1.05 && 10.0 < to * 0.95 {
            assert_eq!(verdict, "Right", "10 within {from}–{to}: {measured}");
        } else if 10.0 < from * 0.95 || 10.0 > to * 1.05 {
            assert_eq!(
                verdict, "Not this time",
                "10 outside {from}–{to}: {measured}"
            );
        }
    }

    // 2. Visibility: an empty string hides every GPU; "0" shows adapter 0 as gpu:0.
    open_lesson(&server, &browser, "cuda-visible-devices").await;
    browser
        .wait_css(".visibility-demo a.chip[href$='visible=#visibility-demo-title']")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_until("the empty string to hide every adapter", || async {
            let t = text_of(&browser, ".visibility-demo").await;
            t.contains("LAB_VISIBLE_DEVICES = ''") && !t.contains("gpu:0")
        })
        .await;
    browser
        .wait_css(".visibility-demo a.chip[href*='visible=0#']")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_until("'0' to show adapter 0 as gpu:0", || async {
            text_of(&browser, ".visibility-demo")
                .await
                .contains("LAB_VISIBLE_DEVICES = '0'")
        })
        .await;
    let table = text_of(&browser, ".visibility-demo table").await;
    assert!(
        table.contains("gpu:0"),
        "adapter 0 is visible as gpu:0: {table}"
    );

    // 3. Timing: waiting for the GPU vs not waiting, cold vs warm.
    open_lesson(&server, &browser, "timing-inference").await;
    let batch = browser.wait_css(".timing-demo input[name='batch']").await;
    batch.clear().await.unwrap();
    batch.send_keys("64").await.unwrap();
    // Every demo asks for a prediction before it runs.
    let guess = browser
        .wait_css(".timing-demo input[name='prediction']")
        .await;
    guess.send_keys("10").await.unwrap();
    browser
        .wait_css(".timing-demo button[type='submit']")
        .await
        .click()
        .await
        .unwrap();
    let timing = text_of(&browser, ".timing-demo table.timing-table").await;
    for row in ["(a)", "(b)", "(c)", "(d)"] {
        assert!(timing.contains(row), "timing row {row}: {timing}");
    }
    let outcome = text_of(&browser, ".timing-demo .prediction-outcome").await;
    assert!(
        outcome.contains("10 ×"),
        "the prediction beside the measurement: {outcome}"
    );

    // 4. The batch sweep says where (or whether) the GPU overtakes the CPU.
    open_lesson(&server, &browser, "choosing-batch-size").await;
    browser
        .wait_css("aside.demo[data-demo='batch-sweep'] input[name='prediction'][value='cpu-gpu']")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_css("aside.demo[data-demo='batch-sweep'] button.sweep-b")
        .await
        .click()
        .await
        .unwrap();
    let crossover = text_of(&browser, "aside.demo[data-demo='batch-sweep'] p.crossover").await;
    assert!(crossover.contains("GPU"), "{crossover}");
    let outcome = text_of(
        &browser,
        "aside.demo[data-demo='batch-sweep'] .prediction-outcome",
    )
    .await;
    assert!(
        outcome.contains("The CPU at b = 1, the GPU at b = 1,024"),
        "{outcome}"
    );

    // 5. Cost: measured throughput turned into a cost per million at the typed price.
    open_lesson(&server, &browser, "cost-based-selection").await;
    let price = browser.wait_css(".cost-demo input[name='gpu_price']").await;
    price.clear().await.unwrap();
    price.send_keys("3.6").await.unwrap();
    browser
        .wait_css(".cost-demo input[name='prediction'][value='gpu']")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_css(".cost-demo button[type='submit']")
        .await
        .click()
        .await
        .unwrap();
    let costs = text_of(&browser, ".cost-demo table.cost-table").await;
    assert!(
        costs.contains("$3.60") && costs.contains("Cost per million"),
        "{costs}"
    );
    assert!(browser
        .client
        .find(Locator::Css(".cost-demo a[href^='/lab/runs/']"))
        .await
        .is_ok());

    browser.assert_no_console_errors().await;
    browser.close().await;
}
