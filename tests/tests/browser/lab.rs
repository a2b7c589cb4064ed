//! A learner runs experiments in the lab with headless Chromium: the results
//! table, the chart and the adapter label appear, and a shared run URL shows the
//! same run in a fresh browser profile; the GPU loop styles run side by side
//! from the keyboard; "Run both" is the one primary button and a finished run
//! is brought into view.

use e2e::fantoccini::key::Key;
use e2e::fantoccini::Locator;
use e2e::{Browser, Server};
use serde_json::Value;

/// True when the server's wgpu sees an adapter (lavapipe on a machine without a
/// GPU); see `lab_engine::testing::gpu_present_or_skip`.
async fn gpu_available(server: &Server) -> bool {
    let devices: Value = reqwest::get(server.url("/api/devices"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let adapters = devices["adapters"].as_array().map_or(0, Vec::len);
    lab_engine::testing::gpu_present_or_skip(adapters)
}

async fn text(browser: &Browser, css: &str) -> String {
    browser.wait_css(css).await.text().await.unwrap()
}

#[tokio::test]
async fn runs_on_cpu_and_gpu_show_results_and_a_shared_link_reproduces_them() {
    let server = Server::start();
    let has_gpu = gpu_available(&server).await;
    let browser = Browser::start().await;
    browser
        .goto(&server.url("/lab?model=tiny&n=512&b=64&device=both&threads=0&repeats=2"))
        .await;
    browser.wait_hydrated().await;
    // The setup comes from the URL.
    let n = browser.wait_css(".experiment-panel input[name='n']").await;
    assert_eq!(n.prop("value").await.unwrap().as_deref(), Some("512"));

    browser
        .wait_css("button.run-cpu")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_css(".run-result table.results tr[data-device='CPU']")
        .await;
    assert!(text(&browser, ".run-result .adapters")
        .await
        .contains("CPU"));
    browser.wait_css(".run-result svg.chart").await;

    let shared_href = if has_gpu {
        browser
            .wait_css("button.run-gpu")
            .await
            .click()
            .await
            .unwrap();
        browser
            .wait_css(".run-result table.results tr[data-device='GPU']")
            .await;
        let adapter = text(&browser, ".run-result .adapters li[data-device='GPU']").await;
        let devices: Value = reqwest::get(server.url("/api/devices"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if devices["adapters"][0]["software"] == true {
            assert!(
                adapter.contains("software GPU emulation"),
                "the emulated GPU is labelled plainly: {adapter}"
            );
            browser.wait_css(".run-result .software-label").await;
        }
        browser.wait_css(".run-result svg.chart").await;
        browser
            .wait_css(".run-result a.share-link")
            .await
            .attr("href")
            .await
            .unwrap()
            .unwrap()
    } else {
        browser
            .wait_css(".run-result a.share-link")
            .await
            .attr("href")
            .await
            .unwrap()
            .unwrap()
    };
    assert!(shared_href.starts_with("/lab/runs/"), "{shared_href}");
    let run_id = shared_href.trim_start_matches("/lab/runs/").to_string();

    // The history lists the saved runs.
    browser
        .wait_css(&format!(".run-history a[href='{shared_href}']"))
        .await;
    browser.assert_no_console_errors().await;
    browser.close().await;

    // Someone else opens the link: the same run, read-only.
    let other = Browser::start().await;
    other.goto(&server.url(&shared_href)).await;
    let section = other.wait_css(".run-result").await;
    assert_eq!(
        section.attr("data-run-id").await.unwrap().as_deref(),
        Some(run_id.as_str())
    );
    other.wait_css(".run-result table.results").await;
    other.wait_css(".run-result svg.chart").await;
    if has_gpu {
        other
            .wait_css(".run-result .adapters li[data-device='GPU']")
            .await;
    }
    assert!(
        other
            .client
            .find(Locator::Css(".experiment-panel"))
            .await
            .is_err(),
        "a shared run is read-only"
    );
    other.wait_hydrated().await;
    other.assert_no_console_errors().await;
    other.close().await;
}

#[tokio::test]
async fn the_gpu_loop_styles_run_side_by_side_from_the_keyboard() {
    let server = Server::start();
    if !gpu_available(&server).await {
        return;
    }
    let browser = Browser::start().await;
    browser
        .goto(&server.url("/lab?model=tiny&n=96&b=32&device=both&threads=0&repeats=2"))
        .await;
    browser.wait_hydrated().await;
    // Enter on the focused button, as a keyboard user presses it.
    let enter = char::from(Key::Enter).to_string();
    browser
        .wait_css("button.compare-loops")
        .await
        .send_keys(&enter)
        .await
        .unwrap();
    for style in ["round-trips", "one-submit", "pipelined"] {
        browser
            .wait_css(&format!(
                ".run-result table.loop-styles tr[data-loop-style='{style}']"
            ))
            .await;
    }
    let reading = text(&browser, ".run-result p.loop-reading").await;
    assert!(
        reading.starts_with("One submit") && reading.contains("per batch"),
        "{reading}"
    );
    // The chart's numbers are in the table; the adapter is named.
    browser.wait_css(".run-result svg.chart[role='img']").await;
    browser
        .wait_css(".run-result .adapters li[data-device='GPU']")
        .await;
    // The new table, chart and controls pass axe in both colour schemes.
    for scheme in ["light", "dark"] {
        browser
            .emulate_media(&[("prefers-color-scheme", scheme)])
            .await;
        let violations = browser.axe_violations().await;
        assert!(violations.is_empty(), "{scheme}: {violations:#?}");
    }
    browser.assert_no_console_errors().await;
    browser.close().await;
}

/// The lab's form starts with sizes for this server's adapter (smaller on a
/// software GPU) and says so, in the page the server sends (no JavaScript
/// needed); a run of a model this server has measured before shows its time
/// left beside the progress bar, with how it was estimated.
#[tokio::test]
async fn defaults_are_sized_to_the_adapter_and_a_second_run_shows_its_time_left() {
    let server = Server::start();
    if !gpu_available(&server).await {
        return;
    }
    let devices: Value = reqwest::get(server.url("/api/devices"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let software = devices["adapters"][0]["software"] == true;
    let (n, repeats) = if software {
        ("1024", "3")
    } else {
        ("4096", "5")
    };
    let html = reqwest::get(server.url("/lab"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!("name=\"n\" required value=\"{n}\"")),
        "n = {n} in the server-rendered form"
    );
    let note = if software {
        "software emulation"
    } else {
        "sized for this server's GPU"
    };
    assert!(html.contains(note), "the form says what it is sized for");

    let browser = Browser::start().await;
    browser.goto(&server.url("/lab")).await;
    browser.wait_hydrated().await;
    let field = |name: &'static str| {
        let browser = &browser;
        async move {
            let css = format!(".experiment-panel input[name='{name}']");
            browser.wait_css(&css).await.prop("value").await.unwrap()
        }
    };
    assert_eq!(field("n").await.as_deref(), Some(n));
    assert_eq!(field("repeats").await.as_deref(), Some(repeats));

    // A first run: nothing to estimate from yet, and the page says so.
    let run_both = || async {
        browser
            .wait_css("button.run-both")
            .await
            .click()
            .await
            .unwrap()
    };
    run_both().await;
    browser
        .wait_css(".run-result table.results tr[data-device='GPU']")
        .await;
    // A second one, twice as large: estimated from the first.
    let n_field = browser.wait_css(".experiment-panel input[name='n']").await;
    n_field.clear().await.unwrap();
    n_field
        .send_keys(&(2 * n.parse::<usize>().unwrap()).to_string())
        .await
        .unwrap();
    run_both().await;
    browser
        .wait_until("the time left beside the progress bar", || async {
            let left = browser.text_of(".job-progress .time-left").await;
            left.contains("left") || left.contains("longer than estimated")
        })
        .await;
    let basis = browser.text_of(".estimate-basis").await;
    assert!(
        basis.contains("estimated from this server's newest measurements"),
        "{basis}"
    );
    browser.assert_no_console_errors().await;
    browser.close().await;
}

/// Whether `css`'s top edge is in the upper `share` of the viewport (1.0:
/// anywhere in view).
async fn top_within(browser: &Browser, css: &str, share: f64) -> bool {
    let script = "const e = document.querySelector(arguments[0]); if (!e) return false; \
                  const top = e.getBoundingClientRect().top; \
                  return top >= -1 && top < arguments[1] * window.innerHeight;";
    let seen = browser
        .client
        .execute(script, vec![Value::from(css), Value::from(share)])
        .await
        .unwrap();
    seen == Value::Bool(true)
}

/// "Run both" is the one primary button, and the first; the rest are
/// secondary. After a run the result is brought into view and its heading
/// focused, with JavaScript; without it, the redirect lands at `#result`.
#[tokio::test]
async fn run_both_is_the_primary_button_and_a_result_is_brought_into_view() {
    let server = Server::start();
    let has_gpu = gpu_available(&server).await;
    let setup = "/lab?model=tiny&n=64&b=32&device=both&threads=0&repeats=1";
    let browser = Browser::start().await;
    browser.goto(&server.url(setup)).await;
    browser.wait_hydrated().await;
    let classes = browser
        .client
        .execute(
            "return [...document.querySelectorAll('.panel-buttons button[type=submit]')]\
             .map(b => b.className);",
            vec![],
        )
        .await
        .unwrap();
    let classes: Vec<String> = serde_json::from_value(classes).unwrap();
    assert_eq!(classes.len(), 6, "{classes:?}");
    assert_eq!(classes[0], "run-both primary", "first and primary");
    assert!(
        classes[1..]
            .iter()
            .all(|c| c.ends_with(" secondary") && !c.contains("primary")),
        "every other button is secondary: {classes:?}"
    );
    // Secondary buttons stay readable in both colour schemes.
    for scheme in ["light", "dark"] {
        browser
            .emulate_media(&[("prefers-color-scheme", scheme)])
            .await;
        let violations = browser.axe_violations().await;
        assert!(violations.is_empty(), "{scheme}: {violations:#?}");
    }
    if !has_gpu {
        return;
    }

    browser
        .wait_css("button.run-both.primary")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_css(".run-result table.results").await;
    browser
        // Scrolled to the top of the view (smoothly: wait for it to settle
        // there), which clicking a button never does by itself.
        .wait_until("the result scrolled to the top of the view", || async {
            top_within(&browser, ".experiment-panel .run-result", 0.1).await
        })
        .await;
    let focused = browser
        .client
        .execute(
            "return document.activeElement.matches('.run-result .run-head h3');",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        focused,
        Value::Bool(true),
        "focus is on the result's heading"
    );
    browser.assert_no_console_errors().await;
    browser.close().await;

    // Without JavaScript the form post's redirect lands at the result.
    let plain = Browser::start_with_js(false).await;
    plain.goto(&server.url(setup)).await;
    plain
        .wait_css("button.run-both")
        .await
        .click()
        .await
        .unwrap();
    plain.wait_css("#result .run-result table.results").await;
    let url = plain.client.current_url().await.unwrap();
    assert_eq!(url.fragment(), Some("result"), "{url}");
    assert!(
        top_within(&plain, "#result", 1.0).await,
        "landed at the result"
    );
    plain.close().await;
}
