//! Every page fits a phone: at 390 × 844 CSS pixels (an iPhone 12 to 15, as
//! Chromium's device emulation makes it), nothing is wider than the screen,
//! with and without JavaScript. The document must not scroll sideways
//! (`scrollWidth > clientWidth`), and neither may any card (question, lesson,
//! demo, panel, verdict): a wide table or code block scrolls inside its own
//! box. Pages are shown as a class sees them on the first day: feedback under
//! a wrong answer, a lab result, a prediction beside its measurement, a
//! teacher's dashboard with a member, a kernel with a compile error.
//!
//! `PHONE_SHOTS=<dir>` saves a full-page PNG of each page there (for a person
//! to look at).

use e2e::{Browser, Server};

use crate::steps::{class_dashboard, click, links};
use serde_json::{json, Value};

/// The phone of the walkthrough (390) and the narrowest and widest common
/// phones.
const WIDTHS: [u64; 3] = [390, 320, 430];
const HEIGHT: u64 = 844;

/// Boxes whose right edge must stay on the screen and that must not scroll
/// sideways themselves: the frame, cards of every kind, forms, and the
/// containers that wide things (tables, code, charts) scroll inside.
const CARDS: &str = ".site-header, .site-header nav, main, .site-footer, .question, .lesson-card, \
    .demo-card, .experiment-panel, .continue, .puzzle-verdict, .prediction-outcome, .run-result, \
    .kernel-form, .kernel-editor, .class-form, .dashboard, .code-block, .chart-figure, .chart-box, \
    svg, .table-scroll, .compiler-message, form, fieldset";

async fn phone(browser: &Browser, width: u64, height: u64) {
    browser
        .cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": true }),
        )
        .await;
}

/// What is wider than the screen on the current page, one line each: the
/// document, any card whose right edge passes the screen's or whose content
/// spills out of it, a header menu link that is cut off or covered, and (to
/// say where) elements that stick out.
async fn overflow(browser: &Browser, width: u64) -> Vec<String> {
    let found = browser
        .client
        .execute(
            r#"const [cards, width] = arguments;
            const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).join('.') : '');
            const doc = document.documentElement;
            const found = [];
            if (doc.scrollWidth > doc.clientWidth)
                found.push(`document: ${doc.scrollWidth} > ${doc.clientWidth}`);
            // A scroll container may be wider inside than outside: that is how a
            // table or code block fits.
            const scrolls = el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
            for (const el of document.querySelectorAll(cards)) {
                const r = el.getBoundingClientRect();
                // A chart keeps a legible width inside its own scrolling box
                // (`.chart-box`), as a wide table does inside `.table-scroll`.
                if (el instanceof SVGElement && el.closest('.chart-box')) continue;
                if (r.width > 0 && r.right > width + 0.5)
                    found.push(`card ${name(el)}: right edge ${Math.round(r.right)} > ${width}`);
                else if (el.scrollWidth > el.clientWidth + 1 && !scrolls(el) && !(el instanceof SVGElement))
                    found.push(`card ${name(el)}: content ${el.scrollWidth} > ${el.clientWidth}`);
            }
            // Every menu link on the screen and not covered, with the page at
            // its top: a page that scrolled to its result (focus moves there
            // once it arrives) has its header above the screen, which is not
            // what this measures.
            window.scrollTo(0, 0);
            for (const a of document.querySelectorAll('.site-header nav a')) {
                const r = a.getBoundingClientRect();
                const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                if (r.width === 0 || r.left < -0.5 || r.right > width + 0.5 || !(hit && a.contains(hit)))
                    found.push(`menu link "${a.textContent}" is not fully visible (${Math.round(r.left)}..${Math.round(r.right)})`);
            }
            // Where: elements whose box passes the right edge and that no
            // scrolling ancestor clips.
            const clipped = el => {
                for (let a = el.parentElement; a; a = a.parentElement) {
                    const o = getComputedStyle(a).overflowX;
                    if (o === 'auto' || o === 'scroll' || o === 'hidden' || o === 'clip') return a !== doc && a !== document.body;
                }
                return false;
            };
            if (found.length)
                for (const el of document.body.querySelectorAll('*')) {
                    const r = el.getBoundingClientRect();
                    if (r.width > 0 && r.right > width + 1 && !clipped(el) && found.length < 16)
                        found.push(`  sticks out: ${name(el)} (right edge ${Math.round(r.right)})`);
                }
            return found;"#,
            vec![Value::String(CARDS.into()), json!(width)],
        )
        .await
        .expect("measure the page");
    found
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| v.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Saves the whole page as a PNG when `PHONE_SHOTS` names a directory.
async fn shoot(browser: &Browser, name: &str, width: u64) {
    let Some(dir) = std::env::var_os("PHONE_SHOTS") else {
        return;
    };
    let height = browser
        .client
        .execute("return document.documentElement.scrollHeight;", vec![])
        .await
        .ok()
        .and_then(|v| v.as_u64())
        .unwrap_or(HEIGHT)
        .clamp(HEIGHT, 12_000);
    phone(browser, width, height).await;
    let png = browser.client.screenshot().await.expect("screenshot");
    phone(browser, width, HEIGHT).await;
    let file: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let path = std::path::Path::new(&dir).join(format!("{file}.png"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(&path, png).unwrap();
}

/// Opens `path` and returns what overflows there at `width`, prefixed with the page.
async fn check(
    browser: &Browser,
    server: &Server,
    path: &str,
    javascript: bool,
    width: u64,
) -> Vec<String> {
    browser.goto(&server.url(path)).await;
    if javascript {
        browser.wait_hydrated().await;
    } else {
        browser.wait_css("footer").await;
    }
    check_current(browser, path, javascript, width).await
}

async fn check_current(browser: &Browser, what: &str, javascript: bool, width: u64) -> Vec<String> {
    let js = if javascript { "js" } else { "no js" };
    shoot(browser, &format!("{what} {js} {width}"), width).await;
    overflow(browser, width)
        .await
        .into_iter()
        .map(|v| format!("{what} [{js}, {width} px]: {v}"))
        .collect()
}

#[tokio::test]
async fn no_page_is_wider_than_a_phone() {
    let server = Server::start();
    let browser = Browser::start().await;
    phone(&browser, WIDTHS[0], HEIGHT).await;
    let lessons = links(&browser, &server, "/", "/lessons/").await;
    assert!(lessons.len() >= 5, "every lesson is linked: {lessons:?}");
    let puzzles = links(&browser, &server, "/puzzles", "/puzzles/").await;
    assert!(puzzles.len() >= 5, "every puzzle is linked: {puzzles:?}");

    // Wrong answers in the first and fourth lessons: their cards show the
    // feedback (rationale, hint, the folded solution, the numbers answered).
    browser
        .goto(&server.url("/lessons/batched-inference-complexity"))
        .await;
    browser.wait_hydrated().await;
    click(&browser, "#q-batch-loop-complexity-a").await;
    click(&browser, "#q-batch-loop-complexity button.check").await;
    browser
        .wait_for_text("#q-batch-loop-complexity .verdict", "Not quite")
        .await;
    browser
        .goto(&server.url("/lessons/choosing-batch-size"))
        .await;
    browser.wait_hydrated().await;
    browser
        .wait_css("#q-batch-throughput-amortised-value")
        .await
        .send_keys("1")
        .await
        .unwrap();
    click(&browser, "#q-batch-throughput-amortised button.check").await;
    browser
        .wait_css("#q-batch-throughput-amortised .variant-numbers")
        .await;

    // A small CPU run: the lab shows its result, and a run page exists.
    let lab = "/lab?model=tiny&n=64&b=8&device=cpu&threads=1&repeats=1";
    browser.goto(&server.url(lab)).await;
    browser.wait_hydrated().await;
    click(&browser, "button.run-cpu").await;
    let share = browser.wait_css(".run-result a.share-link").await;
    let run_page = share.attr("href").await.unwrap().unwrap();
    // The lab scrolls a new result into view and focuses its heading; the
    // menu check wants the page at its top, so go back there once it has.
    browser
        .wait_until("the result's heading focused", || async {
            let focused = browser
                .client
                .execute(
                    "return document.activeElement.matches('.run-result .run-head h3');",
                    vec![],
                )
                .await
                .unwrap();
            focused == Value::Bool(true)
        })
        .await;
    browser
        .client
        .execute("window.scrollTo({ top: 0, behavior: 'instant' });", vec![])
        .await
        .unwrap();
    let mut found = check_current(&browser, "/lab with a result", true, WIDTHS[0]).await;
    // Its chart's text stays legible: the SVG keeps at least 500 of its 640
    // units' width (12px text at 9.4px or more) and its box scrolls instead.
    let chart_width = browser
        .client
        .execute(
            "return document.querySelector('.run-result svg.chart').getBoundingClientRect().width;",
            vec![],
        )
        .await
        .unwrap()
        .as_f64()
        .unwrap_or_default();
    assert!(
        chart_width >= 500.0,
        "the chart is {chart_width}px wide at 390px"
    );

    // A prediction beside its measurement (the visibility demo runs no GPU work).
    browser
        .goto(&server.url("/lessons/cuda-visible-devices"))
        .await;
    browser.wait_hydrated().await;
    browser
        .wait_css(".visibility-demo input[name='prediction']")
        .await
        .send_keys("1")
        .await
        .unwrap();
    click(&browser, ".visibility-demo button[type='submit']").await;
    browser
        .wait_css(".visibility-demo .prediction-outcome")
        .await;
    let url = browser.client.current_url().await.unwrap();
    let prediction_page = format!("{}?{}", url.path(), url.query().unwrap_or_default());

    let dashboard = class_dashboard(&browser, &server, "Phone class", "Pat").await;

    // A kernel with a compile error: the editor marks its line.
    browser.goto(&server.url("/puzzles/map")).await;
    browser.wait_hydrated().await;
    let editor = browser.wait_css("textarea#source").await;
    editor.clear().await.unwrap();
    editor
        .send_keys("@compute @workgroup_size(64)\nfn main() {\n  let i = 1u\n  let j = 2u;\n}\n")
        .await
        .unwrap();
    click(&browser, ".kernel-form button[type=submit]").await;
    browser.wait_for_text("#result", "Compile error").await;

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
    ]);
    pages.extend(puzzles.iter().cloned());
    pages.push("/no-such-page".to_string());
    for width in WIDTHS {
        phone(&browser, width, HEIGHT).await;
        for path in &pages {
            found.extend(check(&browser, &server, path, true, width).await);
        }
    }
    browser.close().await;

    // Without JavaScript: the same pages as a fresh learner sees them, and
    // the puzzle editor's server-rendered line numbers.
    let plain = Browser::start_with_js(false).await;
    for width in WIDTHS {
        phone(&plain, width, HEIGHT).await;
        for path in &pages {
            found.extend(check(&plain, &server, path, false, width).await);
        }
    }
    plain.close().await;
    assert!(
        found.is_empty(),
        "wider than a phone:\n{}",
        found.join("\n")
    );
}
