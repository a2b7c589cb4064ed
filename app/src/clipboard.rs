//! Copying text from a button to the clipboard (in the browser; a no-op on the
//! server, where no button is ever pressed).

use leptos::prelude::*;

/// Copies `text`, then sets `status` to `copied`, or to `blocked` when the
/// browser refuses (no clipboard permission, e.g. an unfocused tab): saying so
/// beats failing silently.
#[cfg(feature = "hydrate")]
pub fn copy_and_say(
    text: String,
    status: RwSignal<&'static str>,
    copied: &'static str,
    blocked: &'static str,
) {
    leptos::task::spawn_local(async move {
        let clipboard = web_sys::window().map(|w| w.navigator().clipboard());
        let ok = match clipboard {
            Some(c) => wasm_bindgen_futures::JsFuture::from(c.write_text(&text))
                .await
                .is_ok(),
            None => false,
        };
        status.set(if ok { copied } else { blocked });
    });
}

#[cfg(not(feature = "hydrate"))]
pub fn copy_and_say(
    _text: String,
    _status: RwSignal<&'static str>,
    _copied: &'static str,
    _blocked: &'static str,
) {
}
