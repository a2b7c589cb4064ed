//! A learner opens the home page, follows a lesson, and the page hydrates.

use e2e::fantoccini::Locator;
use e2e::{Browser, Server};

#[tokio::test]
async fn home_to_lesson_hydrates_without_console_errors() {
    let server = Server::start();
    let browser = Browser::start().await;
    browser.goto(&server.url("/")).await;
    let link = browser
        .wait_css("a[href='/lessons/batched-inference-complexity']")
        .await;
    assert!(link.text().await.unwrap().contains("Time complexity"));
    link.click().await.unwrap();

    browser.wait_css("article.lesson h1").await;
    browser.wait_hydrated().await;
    let h1 = browser
        .client
        .find(Locator::Css("article.lesson h1"))
        .await
        .unwrap();
    assert!(h1.text().await.unwrap().contains("Time complexity"));

    // The copy button is disabled in the server's HTML and only works after hydration.
    let copy = browser.wait_css("figure.code-block button.copy").await;
    assert_eq!(copy.text().await.unwrap(), "Copy");
    copy.click().await.unwrap();
    browser
        .wait_until("the copy button to react", || async {
            copy.text().await.map(|t| t != "Copy").unwrap_or(false)
        })
        .await;

    // Client-side navigation to the next lesson goes through a server function.
    if let Ok(next) = browser
        .client
        .find(Locator::Css("nav.prev-next a.next"))
        .await
    {
        next.click().await.unwrap();
        browser
            .wait_until("the next lesson to load", || async {
                browser
                    .client
                    .current_url()
                    .await
                    .map(|u| !u.path().ends_with("batched-inference-complexity"))
                    .unwrap_or(false)
            })
            .await;
        browser.wait_css("article.lesson h1").await;
    }
    browser.assert_no_console_errors().await;
    browser.close().await;
}
