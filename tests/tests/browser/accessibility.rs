//! axe-core finds no accessibility violations on any page, in the light and the
//! dark theme: the home page, every lesson, the lab (empty and with a result), a
//! shared run page, a lesson showing a prediction beside its measurement, the
//! progress page, /review, the class pages (teach, join, transfer, a teacher's
//! dashboard) and the kernel puzzles. The theme follows
//! `prefers-color-scheme`, which the test sets with Chromium's media emulation
//! (DevTools `Emulation.setEmulatedMedia`), as a learner's system setting would.

use e2e::{Browser, Server};

use crate::steps::{class_dashboard, links};

/// Opens `path`, waits for hydration, and returns axe's findings prefixed with
/// the page and the theme.
async fn audit(browser: &Browser, server: &Server, path: &str, scheme: &str) -> Vec<String> {
    browser.goto(&server.url(path)).await;
    browser.wait_hydrated().await;
    audit_current(browser, path, scheme).await
}

async fn audit_current(browser: &Browser, what: &str, scheme: &str) -> Vec<String> {
    browser
        .axe_violations()
        .await
        .into_iter()
        .map(|v| format!("{what} [{scheme}]: {v}"))
        .collect()
}

/// A lesson showing a prediction beside its measurement (the visibility demo,
/// which runs no GPU work): its path and query.
async fn predicted_visibility(browser: &Browser, server: &Server) -> String {
    browser
        .goto(&server.url("/lessons/cuda-visible-devices"))
        .await;
    browser.wait_hydrated().await;
    let guess = browser
        .wait_css(".visibility-demo input[name='prediction']")
        .await;
    guess.send_keys("1").await.unwrap();
    browser
        .wait_css(".visibility-demo button[type='submit']")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_css(".visibility-demo .prediction-outcome")
        .await;
    let url = browser.client.current_url().await.unwrap();
    format!("{}?{}", url.path(), url.query().unwrap_or_default())
}

#[tokio::test]
async fn every_page_has_no_axe_violations_in_light_and_dark_mode() {
    let server = Server::start();
    let browser = Browser::start().await;
    let lessons = links(&browser, &server, "/", "/lessons/").await;
    assert!(lessons.len() >= 5, "every lesson is linked: {lessons:?}");

    // A small CPU run, so the lab shows a result and a run page exists.
    browser
        .goto(&server.url("/lab?model=tiny&n=64&b=8&device=cpu&threads=1&repeats=1"))
        .await;
    browser.wait_hydrated().await;
    browser
        .wait_css("button.run-cpu")
        .await
        .click()
        .await
        .unwrap();
    let share = browser.wait_css(".run-result a.share-link").await;
    let run_page = share.attr("href").await.unwrap().unwrap();
    let prediction_page = predicted_visibility(&browser, &server).await;
    // The roofs, measured from /lab's button: the lab, the run page and the
    // lesson's demo then draw their rooflines, audited below.
    browser.goto(&server.url("/lab")).await;
    browser.wait_hydrated().await;
    browser
        .wait_css(".roofs-section button[type='submit']")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_css(".roofs-section .roofs-table").await;
    browser.wait_css(".roofs-section svg.roofline-chart").await;

    // A wrong answer to a question with variants: its lesson shows the feedback
    // with the numbers answered, the home page leads on, /review has a schedule.
    browser
        .goto(&server.url("/lessons/choosing-batch-size"))
        .await;
    browser.wait_hydrated().await;
    let value = browser
        .wait_css("#q-batch-throughput-amortised-value")
        .await;
    value.send_keys("1").await.unwrap();
    browser
        .wait_css("#q-batch-throughput-amortised button.check")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_css("#q-batch-throughput-amortised .variant-numbers")
        .await;
    // A class with one member, so the dashboard's tables have rows.
    let dashboard = class_dashboard(&browser, &server, "Axe class", "Axe").await;
    // The map puzzle's starter, submitted as it is: its page then shows a verdict.
    browser.goto(&server.url("/puzzles/map")).await;
    browser.wait_hydrated().await;
    browser
        .wait_css(".kernel-form button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_css("#result .puzzle-verdict").await;

    let mut violations = Vec::new();
    for scheme in ["light", "dark"] {
        browser
            .emulate_media(&[("prefers-color-scheme", scheme)])
            .await;
        let mut pages = vec!["/".to_string()];
        pages.extend(lessons.iter().cloned());
        pages.extend([
            "/lab".to_string(),
            run_page.clone(),
            prediction_page.clone(),
            "/progress".to_string(),
            "/review".to_string(),
            "/teach".to_string(),
            "/join".to_string(),
            "/transfer".to_string(),
            dashboard.clone(),
            "/puzzles".to_string(),
            "/puzzles/map".to_string(),
            "/puzzles/tiled-matmul".to_string(),
        ]);
        for path in &pages {
            violations.extend(audit(&browser, &server, path, scheme).await);
        }
        // The lab with a result in it: table, chart, adapters.
        browser
            .goto(&server.url("/lab?model=tiny&n=64&b=8&device=cpu&threads=1&repeats=1"))
            .await;
        browser.wait_hydrated().await;
        browser
            .wait_css("button.run-cpu")
            .await
            .click()
            .await
            .unwrap();
        browser.wait_css(".run-result svg.chart").await;
        violations.extend(audit_current(&browser, "/lab with a result", scheme).await);
    }
    // Where runs go is said before anything runs, and a run is compared with
    // one of the learner's own runs, picked from a list.
    browser.goto(&server.url("/lab")).await;
    browser.wait_css(".lab-devices li[data-device='CPU']").await;
    browser.goto(&server.url(&run_page)).await;
    let other = browser.wait_css("select[name='compare'] option").await;
    assert_ne!(
        other.attr("value").await.unwrap().as_deref(),
        run_page.strip_prefix("/lab/runs/")
    );
    assert!(
        violations.is_empty(),
        "{} axe-core violations:\n{}",
        violations.len(),
        violations.join("\n")
    );
    browser.assert_no_console_errors().await;
    browser.close().await;
}

/// Charts carry a text alternative (the numbers are in the results table too).
#[tokio::test]
async fn charts_have_a_text_alternative() {
    let server = Server::start();
    let browser = Browser::start().await;
    browser
        .goto(&server.url("/lab?model=tiny&n=64&b=8&device=cpu&threads=1&repeats=1"))
        .await;
    browser.wait_hydrated().await;
    browser
        .wait_css("button.run-cpu")
        .await
        .click()
        .await
        .unwrap();
    let chart = browser.wait_css(".run-result svg.chart").await;
    assert_eq!(chart.attr("role").await.unwrap().as_deref(), Some("img"));
    let label = chart.attr("aria-label").await.unwrap().unwrap_or_default();
    assert!(label.len() > 20, "the chart is described: {label:?}");
    browser.close().await;
}

/// With `prefers-reduced-motion: reduce`, nothing on the page animates or
/// scrolls smoothly.
#[tokio::test]
async fn reduced_motion_turns_off_animation() {
    let server = Server::start();
    let browser = Browser::start().await;
    browser
        .emulate_media(&[("prefers-reduced-motion", "reduce")])
        .await;
    for path in ["/", "/lessons/timing-inference", "/lab"] {
        browser.goto(&server.url(path)).await;
        browser.wait_hydrated().await;
        let moving = browser
            .client
            .execute(
                r#"const slow = v => v.split(',').some(t => parseFloat(t) > 0.01);
                const found = [];
                if (getComputedStyle(document.documentElement).scrollBehavior === 'smooth') found.push('html: smooth scrolling');
                for (const el of document.querySelectorAll('*')) {
                  const s = getComputedStyle(el);
                  if ((s.animationName !== 'none' && slow(s.animationDuration)) || slow(s.transitionDuration))
                    found.push(el.tagName + '.' + el.className);
                }
                return found;"#,
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(moving, serde_json::json!([]), "{path} moves: {moving}");
    }
    browser.close().await;
}
