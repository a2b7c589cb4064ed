//! The browser-only parts of the kernel editor: localStorage and scrolling a
//! line into view. They go through wasm-bindgen imports rather than web-sys,
//! whose `Storage` and `ScrollIntoViewOptions` features would rebuild the
//! whole WASM dependency tree for three calls. On the server they do nothing.

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::web_sys::Element;
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        // `catch`: storage throws when the browser forbids it (private modes,
        // blocked cookies); the editor then simply keeps no draft.
        #[wasm_bindgen(catch, js_namespace = localStorage, js_name = getItem)]
        fn get_item(key: &str) -> Result<Option<String>, JsValue>;
        #[wasm_bindgen(catch, js_namespace = localStorage, js_name = setItem)]
        fn set_item(key: &str, value: &str) -> Result<(), JsValue>;
        #[wasm_bindgen(catch, js_namespace = localStorage, js_name = removeItem)]
        fn remove_item(key: &str) -> Result<(), JsValue>;
        #[wasm_bindgen(js_namespace = JSON, js_name = parse)]
        fn json_parse(text: &str) -> JsValue;
        /// Any element, for the one method web-sys lacks without a feature.
        type Scrollable;
        #[wasm_bindgen(method, js_name = scrollIntoView)]
        fn scroll_into_view_with(this: &Scrollable, options: &JsValue);
    }

    pub fn load(key: &str) -> Option<String> {
        get_item(key).ok().flatten()
    }

    pub fn store(key: &str, value: &str) {
        let _ = set_item(key, value);
    }

    pub fn forget(key: &str) {
        let _ = remove_item(key);
    }

    /// Scrolls the page so `el` is in the middle of the window.
    pub fn center(el: &Element) {
        el.unchecked_ref::<Scrollable>()
            .scroll_into_view_with(&json_parse(r#"{"block":"center"}"#));
    }
}

#[cfg(not(feature = "hydrate"))]
mod browser {
    use leptos::web_sys::Element;

    pub fn load(_key: &str) -> Option<String> {
        None
    }
    pub fn store(_key: &str, _value: &str) {}
    pub fn forget(_key: &str) {}
    pub fn center(_el: &Element) {}
}

pub use browser::{center, forget, load, store};
