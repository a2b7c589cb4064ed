//! A learner solves kernel puzzles in Chromium: without JavaScript (the
//! editor's form posts and the page comes back with the verdict) and with it
//! (the verdict replaces itself in place), seeing their kernel's speed beside
//! the built-in kernels.

use e2e::{Browser, Server};

const HEADER: &str = "struct Params { m: u32, k: u32, n: u32, relu: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;
";

const MATMUL_BODY: &str = "@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
let col = gid.x;
let row = gid.y;
if (row >= p.m || col >= p.n) { return; }
var acc = 0.0;
for (var kk = 0u; kk < p.k; kk = kk + 1u) { acc = acc + x[row * p.k + kk] * w[kk * p.n + col]; }
y[row * p.n + col] = acc;
}
";

const SUM_BODY: &str = "var<workgroup> partial: array<f32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32) {
var acc = 0.0;
for (var i = t; i < p.n; i = i + 256u) { acc = acc + x[i]; }
partial[t] = acc;
workgroupBarrier();
for (var s = 128u; s > 0u; s = s >> 1u) {
if (t < s) { partial[t] = partial[t] + partial[t + s]; }
workgroupBarrier();
}
if (t == 0u) { y[0] = partial[0]; }
}
";

fn map_solution() -> String {
    format!(
        "{HEADER}@compute @workgroup_size(64)\nfn main(@builtin(global_invocation_id) gid: vec3<u32>) {{\n\
         let i = gid.x;\nif (i < p.n) {{ y[i] = 2.0 * x[i] + 1.0; }}\n}}\n"
    )
}

/// Replaces the editor's text and presses "Run and check".
async fn submit(browser: &Browser, source: &str) {
    let editor = browser.wait_css("textarea#source").await;
    editor.clear().await.unwrap();
    editor.send_keys(source).await.unwrap();
    browser
        .wait_css(".kernel-form button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_learner_solves_the_first_three_puzzles_without_javascript() {
    let server = Server::start();
    let browser = Browser::start_with_js(false).await;
    browser.goto(&server.url("/puzzles")).await;
    browser
        .wait_css("a[href='/puzzles/map']")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_css("textarea#source").await;

    // A compile error first: shown with its line next to the code.
    submit(
        &browser,
        &map_solution().replace("let i = gid.x;", "let i = ;"),
    )
    .await;
    browser.wait_for_text("#result", "Compile error").await;
    assert!(browser.text_of(".error-position").await.contains("Line 8"));

    submit(&browser, &map_solution()).await;
    browser.wait_for_text("#result", "Correct!").await;
    assert!(browser.text_of(".puzzle-timing").await.contains("GB/s"));
    assert!(browser
        .text_of(".leaderboard")
        .await
        .contains("anonymous (you)"));

    // The next two puzzles: zip and the reduction.
    browser
        .wait_css(".next-puzzle a[href='/puzzles/zip']")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_css("textarea#source").await;
    submit(
        &browser,
        &map_solution().replace("2.0 * x[i] + 1.0", "x[i] + w[i]"),
    )
    .await;
    browser.wait_for_text("#result", "Correct!").await;
    browser.goto(&server.url("/puzzles/sum")).await;
    submit(&browser, &format!("{HEADER}{SUM_BODY}")).await;
    browser.wait_for_text("#result", "Correct!").await;

    browser.goto(&server.url("/puzzles")).await;
    browser.wait_for_text(".solved-count", "solved 3 of").await;
    browser.goto(&server.url("/progress")).await;
    browser.wait_for_text(".puzzles-solved", "3 of 6").await;
    browser.close().await;
}

#[tokio::test]
async fn a_learner_solves_the_naive_matmul_with_javascript_and_sees_the_built_ins() {
    let server = Server::start();
    let browser = Browser::start().await;
    browser.goto(&server.url("/puzzles/matmul")).await;
    browser.wait_css("textarea#source").await;
    browser.wait_hydrated().await;
    browser
        .client
        .execute("window.__sameDocument = true;", vec![])
        .await
        .unwrap();

    // Too many invocations per workgroup: refused, and the editor keeps the text.
    let wide = format!("{HEADER}{MATMUL_BODY}")
        .replace("workgroup_size(16, 16)", "workgroup_size(32, 32)");
    submit(&browser, &wide).await;
    browser.wait_for_text("#result .form-error", "256").await;

    submit(&browser, &format!("{HEADER}{MATMUL_BODY}")).await;
    browser.wait_for_text("#result", "Correct!").await;
    let timing = browser.text_of(".puzzle-timing").await;
    assert!(
        timing.contains("your kernel")
            && timing.contains("built-in naive")
            && timing.contains("built-in tiled"),
        "{timing}"
    );
    assert!(timing.contains("GFLOP/s"), "{timing}");
    let same = browser
        .client
        .execute("return window.__sameDocument === true;", vec![])
        .await
        .unwrap();
    assert_eq!(same, serde_json::Value::Bool(true), "no page reload");
    // The refused kernel's 422 is the only error the browser logs.
    let errors = browser.console_errors().await;
    assert!(errors.iter().all(|e| e.contains("422")), "{errors:?}");
    browser.close().await;
}
