//! Predict, then measure in Chromium, with and without JavaScript: the
//! visibility demo asks how many GPUs `2,0,-1,3` shows, refuses to run without
//! a prediction, then shows the prediction beside the measurement, and
//! `/progress` counts it.

use e2e::{Browser, Server};

const LESSON: &str = "/lessons/cuda-visible-devices";
const DEMO: &str = ".visibility-demo";

async fn open_demo(server: &Server, browser: &Browser, javascript: bool) {
    browser.goto(&server.url(LESSON)).await;
    browser
        .wait_css(&format!("{DEMO} input[name='prediction']"))
        .await;
    if javascript {
        browser.wait_hydrated().await;
    }
}

/// Sets the visibility string, types `guess` (maybe empty) and submits.
async fn predict_and_run(browser: &Browser, guess: &str) {
    browser
        .wait_css(&format!("{DEMO} input[name='vis_mode'][value='set']"))
        .await
        .click()
        .await
        .unwrap();
    let visible = browser
        .wait_css(&format!("{DEMO} input[name='visible']"))
        .await;
    visible.clear().await.unwrap();
    visible.send_keys("2,0,-1,3").await.unwrap();
    let prediction = browser
        .wait_css(&format!("{DEMO} input[name='prediction']"))
        .await;
    prediction.clear().await.unwrap();
    if !guess.is_empty() {
        prediction.send_keys(guess).await.unwrap();
    }
    browser
        .wait_css(&format!("{DEMO} button[type='submit']"))
        .await
        .click()
        .await
        .unwrap();
}

async fn predict_then_measure(javascript: bool) {
    let server = Server::start();
    let browser = Browser::start_with_js(javascript).await;
    open_demo(&server, &browser, javascript).await;

    // No prediction: refused, with the reason, and nothing listed.
    predict_and_run(&browser, "").await;
    browser
        .wait_for_text(&format!("{DEMO} p.error"), "prediction")
        .await;
    assert!(browser
        .text_of(&format!("{DEMO} .prediction-outcome"))
        .await
        .is_empty());
    if javascript {
        // The refusal is the only console error: the 400 the browser logs for it.
        let errors = browser.console_errors().await;
        assert!(
            errors
                .iter()
                .all(|e| e.contains("/api/demos/devices/predict") && e.contains("400")),
            "{errors:?}"
        );
    }

    // A prediction: the result puts it beside the measurement, with the explanation.
    open_demo(&server, &browser, javascript).await;
    predict_and_run(&browser, "2").await;
    let outcome = format!("{DEMO} .prediction-outcome");
    browser.wait_for_text(&outcome, "You predicted").await;
    let text = browser.text_of(&outcome).await;
    assert!(text.contains("2 GPUs"), "the guess: {text}");
    assert!(
        text.contains("Measured") && text.contains("read left to right"),
        "{text}"
    );
    let verdict = browser.text_of(&format!("{outcome} .verdict")).await;
    assert!(
        ["Right", "Not this time"].contains(&verdict.as_str()),
        "{verdict}"
    );
    let url = browser.client.current_url().await.unwrap();
    assert!(url.as_str().contains("vis_prediction="), "{url}");
    assert!(
        browser
            .text_of(&format!("{DEMO} table:not(.prediction-table)"))
            .await
            .contains("Physical index"),
        "the adapters are listed too"
    );

    // A link reproduces it (a page view: it reads the stored prediction).
    browser.goto(url.as_str()).await;
    browser.wait_for_text(&outcome, "You predicted").await;
    if javascript {
        browser.wait_hydrated().await;
    }

    // /progress counts it.
    browser.goto(&server.url("/progress")).await;
    if javascript {
        browser.wait_hydrated().await;
    }
    browser
        .wait_for_text(".prediction-tally", "1 made in all")
        .await;

    if javascript {
        browser.assert_no_console_errors().await;
    }
    browser.close().await;
}

#[tokio::test]
async fn a_prediction_is_made_before_the_demo_runs_and_shown_beside_the_measurement_with_javascript(
) {
    predict_then_measure(true).await;
}

#[tokio::test]
async fn a_prediction_is_made_before_the_demo_runs_and_shown_beside_the_measurement_without_javascript(
) {
    predict_then_measure(false).await;
}
