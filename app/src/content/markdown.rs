//! Markdown → HTML with pulldown-cmark, code blocks highlighted by syntect.
//!
//! A lesson body becomes a list of segments: plain HTML, code blocks (kept apart so
//! the page can give each a copy button) and live demos placed with `::: demo NAME`.

use std::sync::LazyLock;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use syntect::highlighting::{Color, Theme, ThemeSet};
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

/// The page backgrounds code is shown on (`--surface`, `--surface-2`, `--bg` in
/// `style/main.css`), light and dark.
const LIGHT_CODE_BACKGROUNDS: [(u8, u8, u8); 3] =
    [(0xff, 0xff, 0xff), (0xf1, 0xf2, 0xee), (0xfb, 0xfb, 0xf8)];
const DARK_CODE_BACKGROUNDS: [(u8, u8, u8); 3] =
    [(0x1c, 0x1f, 0x21), (0x24, 0x28, 0x2b), (0x14, 0x16, 0x17)];

/// WCAG AA for normal text, with a little margin for rounding.
const MIN_CONTRAST: f64 = 4.6;

/// The CSS for the highlighting classes, one theme for light and one for dark mode.
/// Both themes' colours are darkened (light) or lightened (dark) where needed
/// until every one reads at WCAG AA contrast on the page's backgrounds: the stock
/// themes' comments and some keywords do not.
pub fn highlight_css() -> String {
    let themes = ThemeSet::load_defaults();
    let css = |name: &str, backgrounds: &[(u8, u8, u8)]| {
        themes
            .themes
            .get(name)
            .cloned()
            .and_then(|mut t| {
                make_readable(&mut t, backgrounds);
                syntect::html::css_for_theme_with_class_style(
                    &t,
                    ClassStyle::SpacedPrefixed { prefix: "hl-" },
                )
                .ok()
            })
            .unwrap_or_default()
    };
    format!(
        "{}\n@media (prefers-color-scheme: dark) {{\n{}\n}}\n",
        css("InspiredGitHub", &LIGHT_CODE_BACKGROUNDS),
        css("base16-ocean.dark", &DARK_CODE_BACKGROUNDS)
    )
}

/// Every foreground colour of the theme readable on `backgrounds` (or on the
/// scope's own background where it sets one).
fn make_readable(theme: &mut Theme, backgrounds: &[(u8, u8, u8)]) {
    let rgb = |c: Color| (c.r, c.g, c.b);
    if let Some(fg) = theme.settings.foreground.as_mut() {
        *fg = readable(*fg, backgrounds);
    }
    for item in &mut theme.scopes {
        let own = item.style.background.map(|b| [rgb(b)]);
        let on: &[(u8, u8, u8)] = match &own {
            Some(b) => b,
            None => backgrounds,
        };
        if let Some(fg) = item.style.foreground.as_mut() {
            *fg = readable(*fg, on);
        }
    }
}

/// `colour` mixed towards black (on light backgrounds) or white (on dark ones)
/// in small steps until its contrast with each background is at least
/// [`MIN_CONTRAST`].
fn readable(colour: Color, backgrounds: &[(u8, u8, u8)]) -> Color {
    let dark_background = backgrounds.iter().all(|&b| luminance(b) < 0.5);
    let target = if dark_background { 255.0 } else { 0.0 };
    let mut c = colour;
    for step in 0..=20 {
        let t = f64::from(step) / 20.0;
        let mix = |v: u8| (f64::from(v) + (target - f64::from(v)) * t).round() as u8;
        c = Color {
            r: mix(colour.r),
            g: mix(colour.g),
            b: mix(colour.b),
            a: 0xff,
        };
        if backgrounds
            .iter()
            .all(|&b| contrast((c.r, c.g, c.b), b) >= MIN_CONTRAST)
        {
            break;
        }
    }
    c
}

/// WCAG relative luminance of an sRGB colour.
fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let channel = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

/// WCAG contrast ratio of two colours (1 to 21).
fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn colours(css: &str) -> Vec<(u8, u8, u8)> {
        css.split("color: #")
            .skip(1)
            .filter(|rest| !rest.is_empty())
            .map(|rest| {
                let hex = |i: usize| u8::from_str_radix(&rest[i..i + 2], 16).unwrap();
                (hex(0), hex(2), hex(4))
            })
            .collect()
    }

    /// Every colour the highlighting CSS sets reads at WCAG AA on the page's
    /// code backgrounds, in the light and the dark theme.
    #[test]
    fn highlighted_code_has_enough_contrast() {
        let css = highlight_css();
        let (light, dark) = css
            .split_once("@media (prefers-color-scheme: dark)")
            .unwrap();
        for (part, backgrounds) in [
            (light, &LIGHT_CODE_BACKGROUNDS),
            (dark, &DARK_CODE_BACKGROUNDS),
        ] {
            // Skip `background-color:` values: only foregrounds are text.
            let foregrounds: String = part
                .lines()
                .filter(|l| !l.trim_start().starts_with("background-color"))
                .collect::<Vec<_>>()
                .join("\n");
            let found = colours(&foregrounds);
            assert!(found.len() > 10, "{found:?}");
            for c in found {
                for &b in backgrounds {
                    assert!(
                        contrast(c, b) >= 4.5,
                        "{c:?} on {b:?}: {:.2}",
                        contrast(c, b)
                    );
                }
            }
        }
    }

    #[test]
    fn contrast_matches_wcag() {
        assert!((contrast((0, 0, 0), (255, 255, 255)) - 21.0).abs() < 1e-9);
        assert!((contrast((0x76, 0x76, 0x76), (255, 255, 255)) - 4.54).abs() < 0.01);
    }
}
