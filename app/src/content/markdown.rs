//! Markdown → HTML with pulldown-cmark, code blocks highlighted by syntect.
//!
//! A lesson body becomes a list of segments: plain HTML, code blocks (kept apart so
//! the page can give each a copy button) and live demos placed with `::: demo NAME`.

use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use std::fmt::Write;

use syntect::easy::ScopeRangeIterator;
use syntect::highlighting::{Color, FontStyle, Highlighter, Theme, ThemeSet};
use syntect::parsing::{ParseState, ScopeStack, SyntaxSet};
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
///
/// Question texts are rendered whenever a page shows them, and highlighting code
/// is slow (it made a lesson with code in its questions serve a tenth of the
/// requests of one without). The texts are the site's own static content, so
/// each rendering is kept; past [`INLINE_CACHE_LIMIT`] texts, new ones are
/// rendered without being kept.
pub fn render_inline_html(md: &str) -> String {
    if let Some(html) = INLINE_CACHE.read().ok().and_then(|c| c.get(md).cloned()) {
        return html;
    }
    let html: String = render_markdown(md)
        .into_iter()
        .map(|s| match s {
            Segment::Html(h) => h,
            Segment::Code { html, .. } => html,
            Segment::Demo(_) => String::new(),
        })
        .collect();
    if let Ok(mut cache) = INLINE_CACHE.write() {
        if cache.len() < INLINE_CACHE_LIMIT {
            cache.insert(md.to_string(), html.clone());
        }
    }
    html
}

const INLINE_CACHE_LIMIT: usize = 4096;
static INLINE_CACHE: LazyLock<RwLock<HashMap<String, String>>> = LazyLock::new(Default::default);

const TABLE_SCROLL_OPEN: &str = r#"<div class="table-scroll" tabindex="0">"#;

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
            // A wide table scrolls inside its own box, not the page (phones,
            // issue 30); focusable so a keyboard can scroll it.
            (None, e @ Event::Start(Tag::Table(_))) => {
                events.push(Event::Html(TABLE_SCROLL_OPEN.into()));
                events.push(e);
            }
            (None, e @ Event::End(TagEnd::Table)) => {
                events.push(e);
                events.push(Event::Html("</div>".into()));
            }
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

/// The two highlighting themes, their colours made readable on the page
/// ([`make_readable`]), with each theme's distinct foreground colours in a fixed
/// order: a token's class is its colour's index there (`l3` light, `d5` dark).
struct Themes {
    light: Theme,
    dark: Theme,
    light_colours: Vec<Color>,
    dark_colours: Vec<Color>,
}

static THEMES: LazyLock<Themes> = LazyLock::new(|| {
    let set = ThemeSet::load_defaults();
    let load = |name: &str, backgrounds: &[(u8, u8, u8)]| {
        let mut theme = set.themes.get(name).cloned().unwrap_or_default();
        make_readable(&mut theme, backgrounds);
        let mut colours: Vec<Color> = theme
            .settings
            .foreground
            .into_iter()
            .chain(theme.scopes.iter().filter_map(|i| i.style.foreground))
            .collect();
        colours.sort_by_key(|c| (c.r, c.g, c.b));
        colours.dedup_by_key(|c| (c.r, c.g, c.b));
        (theme, colours)
    };
    let (light, light_colours) = load("InspiredGitHub", &LIGHT_CODE_BACKGROUNDS);
    let (dark, dark_colours) = load("base16-ocean.dark", &DARK_CODE_BACKGROUNDS);
    Themes {
        light,
        dark,
        light_colours,
        dark_colours,
    }
});

fn colour_index(colours: &[Color], c: Color) -> usize {
    colours
        .iter()
        .position(|k| (k.r, k.g, k.b) == (c.r, c.g, c.b))
        .unwrap_or(0)
}

/// Highlights with short CSS classes, one span per token: `l3 d5` names the
/// token's colour in the light and the dark theme (see [`highlight_css`]), plus
/// `b`/`i` for bold and italic. Tokens in the default colour get no span.
/// (syntect's own class output nests a span per scope with long class lists:
/// it made up half of a lesson page.)
fn highlight(lang: &str, raw: &str) -> String {
    let syntax = SYNTAXES
        .find_syntax_by_token(lang)
        .unwrap_or_else(|| SYNTAXES.find_syntax_plain_text());
    let themes = &*THEMES;
    let (light, dark) = (
        Highlighter::new(&themes.light),
        Highlighter::new(&themes.dark),
    );
    let (light_default, dark_default) = (light.get_default(), dark.get_default());
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut html = String::with_capacity(raw.len() * 2);
    for line in LinesWithEndings::from(raw) {
        let Ok(ops) = state.parse_line(line, &SYNTAXES) else {
            return format!(
                "<pre class=\"code\" tabindex=\"0\"><code>{}</code></pre>",
                escape(raw)
            );
        };
        for (range, op) in ScopeRangeIterator::new(&ops, line) {
            if stack.apply(op).is_err() {
                return format!(
                    "<pre class=\"code\" tabindex=\"0\"><code>{}</code></pre>",
                    escape(raw)
                );
            }
            let text = &line[range];
            if text.is_empty() {
                continue;
            }
            let (l, d) = (
                light.style_for_stack(stack.as_slice()),
                dark.style_for_stack(stack.as_slice()),
            );
            let plain = l.foreground == light_default.foreground
                && d.foreground == dark_default.foreground
                && l.font_style.is_empty();
            if plain || text.trim().is_empty() {
                html.push_str(&escape(text));
                continue;
            }
            let _ = write!(
                html,
                "<span class=\"l{} d{}{}{}\">{}</span>",
                colour_index(&themes.light_colours, l.foreground),
                colour_index(&themes.dark_colours, d.foreground),
                if l.font_style.contains(FontStyle::BOLD) {
                    " b"
                } else {
                    ""
                },
                if l.font_style.contains(FontStyle::ITALIC) {
                    " i"
                } else {
                    ""
                },
                escape(text)
            );
        }
    }
    format!("<pre class=\"code\" tabindex=\"0\"><code>{html}</code></pre>")
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

/// The CSS for the highlighting classes of [`highlight`]: every colour of each
/// theme, the dark ones under `prefers-color-scheme: dark`. Both themes' colours
/// are darkened (light) or lightened (dark) where needed until each reads at
/// WCAG AA contrast on the page's backgrounds: the stock themes' comments and
/// some keywords do not.
pub fn highlight_css() -> String {
    let themes = &*THEMES;
    let rules = |prefix: &str, colours: &[Color]| {
        colours
            .iter()
            .enumerate()
            .map(|(i, c)| {
                format!(
                    ".code .{prefix}{i} {{ color: #{:02x}{:02x}{:02x}; }}\n",
                    c.r, c.g, c.b
                )
            })
            .collect::<String>()
    };
    format!(
        "{}.code .b {{ font-weight: bold; }}\n.code .i {{ font-style: italic; }}\n\
         @media (prefers-color-scheme: dark) {{\n{}}}\n",
        rules("l", &themes.light_colours),
        rules("d", &themes.dark_colours)
    )
}

/// Every foreground colour of the theme readable on `backgrounds` (the page's:
/// the themes' own backgrounds are not used).
fn make_readable(theme: &mut Theme, backgrounds: &[(u8, u8, u8)]) {
    let colours = theme.settings.foreground.iter_mut().chain(
        theme
            .scopes
            .iter_mut()
            .filter_map(|i| i.style.foreground.as_mut()),
    );
    for fg in colours {
        *fg = readable(*fg, backgrounds);
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
            assert!(found.len() > 5, "{found:?}");
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
