//! A link to hand on, as a read-only text field with a copy button. Without
//! JavaScript the field is plain selectable text and the button stays hidden;
//! after hydration the button copies the text and says whether it could.

use leptos::prelude::*;

#[component]
pub fn CopyField(
    /// The field's id (tests and labels find it by this).
    id: &'static str,
    /// The visible label.
    label: &'static str,
    /// What the button copies, for its accessible name ("the join link").
    what: &'static str,
    value: String,
) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true)); // effects run only in the browser
    let status = RwSignal::new("");
    let text = value.clone();
    let on_click = move |_| copy(text.clone(), status);
    let status_id = format!("{id}-status");
    view! {
        <div class="copy-field">
            <label for=id>{label}</label>
            <div class="copy-row">
                <input id=id type="text" readonly=true value=value spellcheck="false"
                    aria-describedby=status_id.clone()/>
                <button type="button" class="copy-link secondary" hidden=move || !hydrated.get()
                    aria-label=format!("Copy {what}") on:click=on_click>"Copy"</button>
            </div>
            <p id=status_id class="copy-status" role="status">{move || status.get()}</p>
        </div>
    }
}

fn copy(text: String, status: RwSignal<&'static str>) {
    let blocked = "The browser blocked copying: select the text and copy it.";
    crate::clipboard::copy_and_say(text, status, "Copied.", blocked);
}
