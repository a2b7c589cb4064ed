//! Markdown → HTML with pulldown-cmark, code blocks highlighted by syntect.
//!
//! A lesson body becomes a list of segments: plain HTML, code blocks (kept apart so
//! the page can give each a copy button) and live demos placed with `::: demo NAME`.

use std::sync::LazyLock;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use syntect::highlighting::ThemeSet;
use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

use crate::lesson_body::{DemoKind, Segment};

static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(SyntaxSet::load_defaults_newlines);

const DEMO_PREFIX: &str = "::: demo ";

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SMART_PUNCTUATION
}

/// Renders a lesson body. Errors are `(field, message)` for the caller to attach a file to.
pub fn render_lesson_body(body: &str) -> Result<Vec<Segment>, (String, String)> {
    let mut segments = Vec::new();
    let mut chunk = String::new();
    for (line_no, line) in body.lines().enumerate() {
        if let Some(name) = line.trim_end().strip_prefix(DEMO_PREFIX) {
            let demo = DemoKind::from_name(name.trim()).ok_or_else(|| {
                (
                    format!("body line {}", line_no + 1),
                    format!(
                        "unknown demo '{}' (known: {})",
                        name.trim(),
                        DemoKind::names().join(", ")
                    ),
                )
            })?;
            segments.extend(render_markdown(&chunk));
            chunk.clear();
            segments.push(Segment::Demo(demo));
        } else {
            chunk.push_str(line);
            chunk.push('\n');
        }
    }
    segments.extend(render_markdown(&chunk));
    Ok(segments)
}

/// Renders short markdown (question prompts, solution steps) to one HTML string,
/// code blocks included.
pub fn render_inline_html(md: &str) -> String {
    render_markdown(md)
        .into_iter()
        .map(|s| match s {
            Segment::Html(h) => h,
            Segment::Code { html, .. } => html,
            Segment::Demo(_) => String::new(),
        })
        .collect()
}

fn render_markdown(md: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut events = Vec::new();
    let mut code: Option<(String, String)> = None; // (lang, text)
    for event in Parser::new_ext(md, options()) {
        match (&mut code, event) {
            (None, Event::Start(Tag::CodeBlock(kind))) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((lang, String::new()));
            }
            (Some((_, text)), Event::Text(t)) => text.push_str(&t),
            (Some(_), Event::End(TagEnd::CodeBlock)) => {
                let (lang, raw) = code.take().unwrap_or_default();
                flush_html(&mut events, &mut out);
                let html = highlight(&lang, &raw);
                out.push(Segment::Code { lang, html, raw });
            }
            (Some(_), _) => {}
            (None, e) => events.push(e),
        }
    }
    flush_html(&mut events, &mut out);
    out
}

fn flush_html(events: &mut Vec<Event<'_>>, out: &mut Vec<Segment>) {
    if events.is_empty() {
        return;
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.drain(..));
    if !html.trim().is_empty() {
        out.push(Segment::Html(html));
    }
}

/// Highlights with CSS classes (not inline colours) so light and dark themes both
/// work from `style/`.
fn highlight(lang: &str, raw: &str) -> String {
    let syntax = SYNTAXES
        .find_syntax_by_token(lang)
        .unwrap_or_else(|| SYNTAXES.find_syntax_plain_text());
    let mut gen = ClassedHTMLGenerator::new_with_class_style(
        syntax,
        &SYNTAXES,
        ClassStyle::SpacedPrefixed { prefix: "hl-" },
    );
    for line in LinesWithEndings::from(raw) {
        if gen
            .parse_html_for_line_which_includes_newline(line)
            .is_err()
        {
            return format!("<pre><code>{}</code></pre>", escape(raw));
        }
    }
    format!("<pre class=\"code\"><code>{}</code></pre>", gen.finalize())
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The CSS for the highlighting classes, one theme for light and one for dark mode.
pub fn highlight_css() -> String {
    let themes = ThemeSet::load_defaults();
    let css = |name: &str| {
        themes
            .themes
            .get(name)
            .and_then(|t| {
                syntect::html::css_for_theme_with_class_style(
                    t,
                    ClassStyle::SpacedPrefixed { prefix: "hl-" },
                )
                .ok()
            })
            .unwrap_or_default()
    };
    format!(
        "{}\n@media (prefers-color-scheme: dark) {{\n{}\n}}\n",
        css("InspiredGitHub"),
        css("base16-ocean.dark")
    )
}
