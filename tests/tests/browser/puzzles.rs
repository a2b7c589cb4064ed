//! A learner solves kernel puzzles in Chromium: without JavaScript (the
//! editor's form posts and the page comes back with the verdict) and with it
//! (the verdict replaces itself in place), seeing their kernel's speed beside
//! the built-in kernels. The editor numbers its lines, marks and quotes a
//! compile error's line, and, with JavaScript, indents on Tab (Esc, then Tab,
//! leaves), keeps a draft across reloads and resets to the starter in place.

use e2e::fantoccini::key::Key;
use e2e::fantoccini::Locator;
use e2e::{Browser, Server};
use serde_json::Value;

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

/// The numbers in the editor's gutter, as shown.
async fn gutter(browser: &Browser) -> Vec<String> {
    let mut numbers = Vec::new();
    for span in browser
        .client
        .find_all(Locator::Css(".kernel-editor .gutter span"))
        .await
        .unwrap()
    {
        numbers.push(span.text().await.unwrap());
    }
    numbers
}

fn numbered(lines: usize) -> Vec<String> {
    (1..=lines).map(|n| n.to_string()).collect()
}

/// Runs `script` (a function body) in the page and answers its value.
async fn js(browser: &Browser, script: &str) -> Value {
    browser.client.execute(script, vec![]).await.unwrap()
}

/// Focuses the editor with the caret before its first character (sending
/// keys to an unfocused textarea would put the caret at its end).
async fn caret_at_start(browser: &Browser) {
    js(
        browser,
        "const s = document.getElementById('source'); s.focus(); s.setSelectionRange(0, 0);",
    )
    .await;
}

async fn editor_value(browser: &Browser) -> String {
    let v = js(browser, "return document.getElementById('source').value;").await;
    v.as_str().unwrap().to_string()
}

/// The map solution with the `;` after `let i = gid.x` missing: naga notices
/// it at the start of line 9.
fn missing_semicolon() -> String {
    map_solution().replace("let i = gid.x;", "let i = gid.x")
}

#[tokio::test]
async fn without_javascript_the_editor_numbers_lines_and_quotes_the_error_line() {
    let server = Server::start();
    let browser = Browser::start_with_js(false).await;
    // Every puzzle text is Markdown, the index's summaries too.
    browser.goto(&server.url("/puzzles")).await;
    browser.wait_css(".puzzle-list .summary p").await;
    browser.goto(&server.url("/puzzles/map")).await;
    browser.wait_css("textarea#source").await;
    // The starter has 13 lines and a final newline: 14 numbered lines.
    assert_eq!(gutter(&browser).await, numbered(14));
    let help = browser.text_of("#source-help").await;
    assert!(help.contains("The entry point is main."), "{help}");
    assert!(!help.contains('`'), "no raw Markdown: {help}");
    browser.wait_css("#source-help code").await;
    assert!(
        !help.contains("Tab indents"),
        "only said once Tab does: {help}"
    );

    submit(&browser, &missing_semicolon()).await;
    browser.wait_for_text("#result", "Compile error").await;
    assert_eq!(gutter(&browser).await, numbered(11));
    let marked = browser.wait_css(".kernel-editor .gutter .error-line").await;
    assert_eq!(marked.text().await.unwrap(), "9");
    browser
        .wait_css("textarea#source[data-error-line='9']")
        .await;
    let quote = browser.text_of(".error-quote").await;
    assert!(quote.contains("line 9: if (i < p.n)"), "{quote}");
    let hint = browser.text_of(".error-hint").await;
    assert!(hint.contains("end of line 8"), "{hint}");
    let previous = browser.text_of(".error-quote.previous-line").await;
    assert!(previous.contains("line 8: let i = gid.x"), "{previous}");

    // The reset without JavaScript: the page again, with the starter in the
    // editor and no line marked; the verdict stays.
    browser
        .wait_css("a.reset-starter")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_until("the starter in the editor", || async {
            browser.client.current_url().await.unwrap().query() == Some("starter=1")
        })
        .await;
    let editor = browser.wait_css("textarea#source").await;
    let text = editor.prop("value").await.unwrap().unwrap_or_default();
    assert!(text.contains("// Your code"), "{text}");
    assert_eq!(gutter(&browser).await, numbered(14));
    assert!(browser
        .client
        .find(Locator::Css(".gutter .error-line"))
        .await
        .is_err());
    assert!(browser.text_of("#result").await.contains("Compile error"));
    browser.close().await;
}

#[tokio::test]
async fn with_javascript_the_editor_goes_to_the_error_indents_and_keeps_a_draft() {
    let server = Server::start();
    let browser = Browser::start().await;
    browser.goto(&server.url("/puzzles/map")).await;
    browser.wait_hydrated().await;
    browser
        .wait_for_text("#source-help", "press Esc, then Tab")
        .await;
    let starter = editor_value(&browser).await;
    assert_eq!(
        gutter(&browser).await,
        numbered(starter.split('\n').count())
    );

    // A syntax error: the line is marked and quoted, and the caret is on it.
    let broken = map_solution().replace("let i = gid.x;", "let i = ;");
    submit(&browser, &broken).await;
    browser.wait_for_text("#result", "Compile error").await;
    assert_eq!(gutter(&browser).await, numbered(11));
    let marked = browser.wait_css(".kernel-editor .gutter .error-line").await;
    assert_eq!(marked.text().await.unwrap(), "8");
    assert!(browser
        .text_of(".error-quote")
        .await
        .contains("line 8: let i = ;"));
    let position = browser.text_of(".error-position").await;
    let column: usize = position
        .rsplit(' ')
        .next()
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("a column: {position}"));
    let line_start = broken.find("let i = ;").unwrap();
    browser
        .wait_until("the caret at the error", || async {
            js(
                &browser,
                "const s = document.getElementById('source');
                 return document.activeElement === s ? s.selectionStart : -1;",
            )
            .await
            .as_u64()
                == Some((line_start + column - 1) as u64)
        })
        .await;
    // axe, light and dark, on the editor with its error.
    for scheme in ["light", "dark"] {
        browser
            .emulate_media(&[("prefers-color-scheme", scheme)])
            .await;
        let violations = browser.axe_violations().await;
        assert!(violations.is_empty(), "{scheme}: {violations:?}");
    }

    // Tab indents, Shift+Tab outdents, Esc then Tab leaves the editor.
    caret_at_start(&browser).await;
    let editor = browser.wait_css("textarea#source").await;
    editor
        .send_keys(&char::from(Key::Tab).to_string())
        .await
        .unwrap();
    assert_eq!(editor_value(&browser).await, format!("    {broken}"));
    let shift_tab = format!("{}{}", char::from(Key::Shift), char::from(Key::Tab));
    editor.send_keys(&shift_tab).await.unwrap();
    assert_eq!(editor_value(&browser).await, broken);
    editor
        .send_keys(&char::from(Key::Escape).to_string())
        .await
        .unwrap();
    editor
        .send_keys(&char::from(Key::Tab).to_string())
        .await
        .unwrap();
    let focus = js(&browser, "return document.activeElement.id;").await;
    assert_ne!(focus, Value::from("source"), "Esc, then Tab, leaves");
    assert_eq!(editor_value(&browser).await, broken);

    // A draft survives a reload; Reset puts the starter back, and that too
    // survives a reload.
    let editor = browser.wait_css("textarea#source").await;
    caret_at_start(&browser).await;
    editor.send_keys("// my draft\n").await.unwrap();
    browser.client.refresh().await.unwrap();
    browser.wait_hydrated().await;
    browser
        .wait_for_text(".editor-status", "draft from this browser")
        .await;
    assert_eq!(
        editor_value(&browser).await,
        format!("// my draft\n{broken}")
    );
    assert_eq!(gutter(&browser).await, numbered(12));
    browser
        .wait_css("a.reset-starter")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_for_text(".editor-status", "starter kernel")
        .await;
    assert_eq!(editor_value(&browser).await, starter);
    assert_eq!(gutter(&browser).await, numbered(14));
    let url = browser.client.current_url().await.unwrap();
    assert_eq!(url.query(), None, "reset in place, no reload");
    browser.client.refresh().await.unwrap();
    browser.wait_hydrated().await;
    browser
        .wait_for_text(".editor-status", "draft from this browser")
        .await;
    assert_eq!(editor_value(&browser).await, starter);
    browser.assert_no_console_errors().await;
    browser.close().await;
}
