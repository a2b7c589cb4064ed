use leptos::prelude::*;

/// A highlighted code block with a copy button. The button only works once the page
/// has hydrated, so it is rendered disabled on the server and enabled in the browser.
/// It copies the code's text from the page (the HTML is not repeated as data).
#[component]
pub fn CodeBlock(lang: String, html: String) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true)); // effects run only in the browser
    let label = RwSignal::new("Copy");
    let code = NodeRef::<leptos::html::Div>::new();
    let on_click = move |_| {
        let text = code
            .get()
            .and_then(|c| c.text_content())
            .unwrap_or_default();
        copy_to_clipboard(text, label);
    };
    view! {
        <figure class="code-block" data-lang=lang.clone()>
            <figcaption>
                <span class="lang">{lang.clone()}</span>
                <button
                    type="button"
                    class="copy"
                    disabled=move || !hydrated.get()
                    on:click=on_click
                    aria-live="polite"
                >
                    {move || label.get()}
                </button>
            </figcaption>
            <div node_ref=code inner_html=html></div>
        </figure>
    }
}

fn copy_to_clipboard(text: String, label: RwSignal<&'static str>) {
    crate::clipboard::copy_and_say(text, label, "Copied", "Copy blocked: select the code");
}
