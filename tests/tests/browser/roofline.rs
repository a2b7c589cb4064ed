//! The roofline in a browser: measured from a plain form without JavaScript,
//! and predicted-then-measured in lesson 4 with it.

use e2e::{Browser, Server};

#[tokio::test]
async fn without_javascript_the_lab_measures_the_roofs_and_draws_them() {
    let server = Server::start();
    let browser = Browser::start_with_js(false).await;
    browser.goto(&server.url("/lab")).await;
    let before = browser.text_of(".roofs-section").await;
    assert!(before.contains("have not been measured"), "{before}");
    browser
        .wait_css(".roofs-section button[type='submit']")
        .await
        .click()
        .await
        .unwrap();
    // The plain post is redirected back to /lab, which now shows the roofs.
    browser.wait_css(".roofs-section .roofs-table").await;
    let table = browser.text_of(".roofs-section .roofs-table").await;
    assert!(table.contains("CPU") && table.contains("GB/s"), "{table}");
    let url = browser.client.current_url().await.unwrap();
    assert_eq!(url.path(), "/lab");
    assert!(url.query().unwrap_or_default().contains("roofs=measured"));
    browser.wait_css(".roofs-section svg.roofline-chart").await;
    browser.close().await;
}

#[tokio::test]
async fn lesson_four_asks_first_then_shows_the_roofs_with_the_answer() {
    let server = Server::start();
    let browser = Browser::start().await;
    browser
        .goto(&server.url("/lessons/choosing-batch-size"))
        .await;
    browser.wait_hydrated().await;
    let demo = "aside.demo[data-demo='roofline']";
    let text = browser.text_of(demo).await;
    assert!(text.contains("Make your prediction"), "{text}");
    browser
        .wait_css(&format!("{demo} input[name='prediction'][value='memory']"))
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_css(&format!("{demo} button[type='submit']"))
        .await
        .click()
        .await
        .unwrap();
    // The outcome names the roof that bounds medium at b = 1.
    browser
        .wait_for_text(&format!("{demo} .prediction-outcome"), "memory roof")
        .await;
    let chart = browser
        .wait_css(&format!("{demo} svg.roofline-chart"))
        .await
        .attr("aria-label")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(
        chart.contains("ridge point") && chart.contains("cuBLAS b=64"),
        "the roofs and the production rows: {chart}"
    );
    let rows = browser
        .text_of(&format!("{demo} .roofline-references summary"))
        .await;
    assert!(
        rows.contains("production rows"),
        "the production rows are listed: {rows}"
    );
    assert!(browser.axe_violations().await.is_empty());
    browser.assert_no_console_errors().await;
    browser.close().await;
}
