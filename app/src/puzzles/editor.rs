//! The kernel editor: a textarea with line numbers beside it and the compile
//! error's line marked. Once hydrated, Tab indents (Esc, then Tab, leaves:
//! no keyboard trap), the text is kept as a draft in this browser, and
//! "Reset to starter" works in place. Without JavaScript it is a plain
//! textarea whose numbers and mark fit the text it came with, and the reset
//! is a link to the page with the starter (`?starter=1`, a GET that writes
//! nothing).

use leptos::html::{Div, Textarea};
use leptos::prelude::*;

use super::draft::{self, Draft};
use super::editor_dom;
use super::source_text::{caret_at, indent, line_count, outdent, Edit};

/// Where the caret goes when the editor opens on a compile error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErrorAt {
    pub line: u32,
    pub column: Option<u32>,
    /// Focus the editor and scroll to the line: true right after a submission
    /// on this page, false when the page merely opens on an old error (the
    /// caret is placed, focus stays where the learner is).
    pub focus: bool,
}

#[component]
pub fn KernelEditor(
    puzzle_id: String,
    /// What the server put in the textarea.
    text: String,
    starter: String,
    /// The compile error in `text`, if any.
    error: Option<ErrorAt>,
    max_source_bytes: usize,
    /// The form's submit button, shown before the reset.
    children: Children,
) -> impl IntoView {
    let reset_href = format!("/puzzles/{puzzle_id}?starter=1#source");
    let key = StoredValue::new(draft::storage_key(&puzzle_id));
    let base = StoredValue::new(text.clone());
    let starter = StoredValue::new(starter);
    let lines = RwSignal::new(line_count(&text));
    let error_line = RwSignal::new(error.map(|e| e.line));
    let status = RwSignal::new(None::<&'static str>);
    let hydrated = RwSignal::new(false);
    // Esc, then Tab: the Tab moves focus on instead of indenting.
    let escaped = StoredValue::new(false);
    let textarea = NodeRef::<Textarea>::new();
    let gutter = NodeRef::<Div>::new();

    // The line numbers follow the text; the draft is kept unless it is just
    // what the server rendered.
    let changed = move |value: &str| {
        let n = line_count(value);
        if lines.get_untracked() != n {
            lines.set(n);
        }
        let key = key.get_value();
        if base.with_value(|b| b == value) {
            editor_dom::forget(&key);
        } else if let Ok(json) = serde_json::to_string(&Draft {
            base: base.get_value(),
            text: value.to_string(),
        }) {
            editor_dom::store(&key, &json);
        }
    };
    let apply = move |ta: &leptos::web_sys::HtmlTextAreaElement, edit: Edit| {
        ta.set_value(&edit.text);
        let _ = ta.set_selection_range(edit.start, edit.end);
        changed(&edit.text);
    };

    // Runs once, in the browser, when the textarea is there.
    Effect::new(move |_| {
        let Some(ta) = textarea.get() else {
            return;
        };
        hydrated.set(true);
        let restored = editor_dom::load(&key.get_value())
            .and_then(|stored| base.with_value(|b| draft::to_restore(b, &stored)));
        match restored {
            Some(text) => {
                ta.set_value(&text);
                lines.set(line_count(&text));
                // The error was in the submitted text, not in the draft.
                error_line.set(None);
                status.set(Some(
                    "Your unsubmitted draft from this browser is back in the editor.",
                ));
            }
            None => {
                editor_dom::forget(&key.get_value());
                if let Some(e) = error {
                    go_to_error(&ta, gutter, e);
                }
            }
        }
    });

    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let key = ev.key();
        if key == "Escape" {
            escaped.set_value(true);
            return;
        }
        if matches!(key.as_str(), "Shift" | "Control" | "Alt" | "Meta") {
            return;
        }
        let leave = escaped.get_value();
        escaped.set_value(false);
        if key != "Tab" || leave || ev.ctrl_key() || ev.alt_key() || ev.meta_key() {
            return;
        }
        let Some(ta) = textarea.get_untracked() else {
            return;
        };
        ev.prevent_default();
        let value = ta.value();
        let start = ta.selection_start().ok().flatten().unwrap_or(0);
        let end = ta.selection_end().ok().flatten().unwrap_or(start);
        let edit = if ev.shift_key() {
            outdent(&value, start, end)
        } else {
            indent(&value, start, end)
        };
        apply(&ta, edit);
    };
    let on_reset = move |ev: leptos::ev::MouseEvent| {
        let Some(ta) = textarea.get_untracked() else {
            return;
        };
        ev.prevent_default();
        let text = starter.get_value();
        ta.set_value(&text);
        // Kept like any edit, so a reload shows the starter too, not the
        // last submission.
        changed(&text);
        error_line.set(None);
        status.set(Some("The starter kernel is back in the editor."));
        let _ = ta.focus();
        let _ = ta.set_selection_range(0, 0);
    };

    view! {
        <label for="source">"Your kernel (WGSL)"</label>
        <div class="kernel-editor">
            <div class="gutter" aria-hidden="true" node_ref=gutter>
                {move || {
                    let marked = error_line.get();
                    (1..=lines.get() as u32)
                        .map(|n| view! { <span class:error-line=marked == Some(n)>{n}</span> })
                        .collect_view()
                }}
            </div>
            <textarea
                id="source"
                name="source"
                rows="26"
                spellcheck="false"
                autocomplete="off"
                autocapitalize="off"
                aria-describedby="source-help"
                node_ref=textarea
                data-error-line=move || error_line.get().map(|l| l.to_string())
                style=move || error_line.get().map(|l| format!("--error-line: {}", l.saturating_sub(1)))
                on:input=move |ev| {
                    escaped.set_value(false);
                    changed(&event_target_value(&ev));
                }
                on:keydown=on_keydown
                on:blur=move |_| escaped.set_value(false)
                on:scroll=move |_| sync_gutter(textarea, gutter)
            >
                {text}
            </textarea>
        </div>
        <p id="source-help" class="help">
            {format!("At most {} KiB. The entry point is ", max_source_bytes / 1024)}
            <code>"main"</code>
            "."
            {move || hydrated.get().then_some(
                " Tab indents and Shift+Tab outdents; press Esc, then Tab, to leave the editor. \
                 Your draft is kept in this browser until you submit it."
            )}
        </p>
        <div class="editor-actions">
            {children()}
            <a class="button secondary reset-starter" href=reset_href on:click=on_reset>
                "Reset to starter"
            </a>
        </div>
        <p class="editor-status" role="status">{move || status.get()}</p>
    }
}

/// Keeps the numbers beside their lines when the textarea scrolls (browsers
/// without `field-sizing`, where the textarea has a scrollbar of its own).
fn sync_gutter(textarea: NodeRef<Textarea>, gutter: NodeRef<Div>) {
    if let (Some(ta), Some(g)) = (textarea.get_untracked(), gutter.get_untracked()) {
        g.set_scroll_top(ta.scroll_top());
    }
}

/// Puts the caret at the error; after a submission also focuses the editor
/// and scrolls the page to the marked line.
fn go_to_error(ta: &leptos::web_sys::HtmlTextAreaElement, gutter: NodeRef<Div>, e: ErrorAt) {
    let at = caret_at(&ta.value(), e.line, e.column);
    if e.focus {
        let _ = ta.focus();
    }
    let _ = ta.set_selection_range(at, at);
    if e.focus {
        if let Some(Ok(Some(line))) = gutter
            .get_untracked()
            .map(|g| g.query_selector(".error-line"))
        {
            editor_dom::center(&line);
        }
    }
    // Centring may have scrolled the gutter itself; put it back beside the text.
    if let Some(g) = gutter.get_untracked() {
        g.set_scroll_top(ta.scroll_top());
    }
}
