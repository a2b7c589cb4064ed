//! Brings a result that just appeared into view (with JavaScript). The panel's
//! buttons are above the setup's fields, so a finished run would otherwise
//! land below the fold while the learner still looks at the button: the page
//! scrolls to it and focus moves to its heading, where a keyboard or
//! screen-reader user continues. Smooth only for those who have not asked
//! for reduced motion. Without JavaScript the redirect's `#result` does this.

use leptos::html::Div;
use leptos::prelude::*;

/// After the next paint (the result is in the DOM by then), scrolls the first
/// of `panel`'s prediction outcome and result to the top of the view and
/// focuses the result's heading (`tabindex="-1"`, see `SavedRunView`).
pub fn reveal_result(panel: NodeRef<Div>) {
    #[cfg(feature = "hydrate")]
    request_animation_frame(move || {
        let Some(root) = panel.get_untracked() else {
            return;
        };
        // The outcome comes first in the panel: the verdict, then the run.
        if let Ok(Some(target)) = root.query_selector(".prediction-outcome, .run-result") {
            let options = web_sys::ScrollIntoViewOptions::new();
            options.set_behavior(if prefers_reduced_motion() {
                web_sys::ScrollBehavior::Auto
            } else {
                web_sys::ScrollBehavior::Smooth
            });
            options.set_block(web_sys::ScrollLogicalPosition::Start);
            target.scroll_into_view_with_scroll_into_view_options(&options);
        }
        let heading = root
            .query_selector(".run-result .run-head h2, .run-result .run-head h3")
            .ok()
            .flatten()
            .and_then(|h| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(h).ok());
        if let Some(heading) = heading {
            // Not scrolled by the focus: the smooth scroll above does that.
            let options = web_sys::FocusOptions::new();
            options.set_prevent_scroll(true);
            let _ = heading.focus_with_options(&options);
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = panel;
}

#[cfg(feature = "hydrate")]
fn prefers_reduced_motion() -> bool {
    window()
        .match_media("(prefers-reduced-motion: reduce)")
        .ok()
        .flatten()
        .is_some_and(|m| m.matches())
}
