//! Steps more than one browser test takes, written once.

use e2e::fantoccini::Locator;
use e2e::{Browser, Server};
use serde_json::Value;

/// Clicks the element matching `css` through script, once it exists: a test
/// that measures layout then fails on its measurements, not on a control that
/// sits off a narrow screen.
pub async fn click(browser: &Browser, css: &str) {
    browser.wait_css(css).await;
    browser
        .client
        .execute(
            "document.querySelector(arguments[0]).click();",
            vec![Value::String(css.into())],
        )
        .await
        .expect("click");
}

/// The distinct links under `prefix` on the page at `path`.
pub async fn links(browser: &Browser, server: &Server, path: &str, prefix: &str) -> Vec<String> {
    browser.goto(&server.url(path)).await;
    let css = format!("a[href^='{prefix}']");
    browser.wait_css(&css).await;
    let mut paths = Vec::new();
    for link in browser.client.find_all(Locator::Css(&css)).await.unwrap() {
        let href = link.attr("href").await.unwrap().unwrap();
        if !paths.contains(&href) {
            paths.push(href);
        }
    }
    paths
}

/// Creates the class `class`, joins it from this browser as `learner`; answers
/// the dashboard's path.
pub async fn class_dashboard(
    browser: &Browser,
    server: &Server,
    class: &str,
    learner: &str,
) -> String {
    browser.goto(&server.url("/teach")).await;
    browser.wait_hydrated().await;
    browser
        .wait_css("#class-name")
        .await
        .send_keys(class)
        .await
        .unwrap();
    click(browser, "#create-class button[type='submit']").await;
    let code = browser
        .wait_css(".join-code .code")
        .await
        .text()
        .await
        .unwrap();
    let url = browser.client.current_url().await.unwrap();
    browser.goto(&server.url("/join")).await;
    browser.wait_hydrated().await;
    browser
        .wait_css("#join-code")
        .await
        .send_keys(&code)
        .await
        .unwrap();
    browser
        .wait_css("#display-name")
        .await
        .send_keys(learner)
        .await
        .unwrap();
    click(browser, "#join-class button[type='submit']").await;
    browser.wait_css(".my-classes").await;
    url.path().to_string()
}
