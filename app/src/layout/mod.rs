//! The frame around every page: header with navigation, footer, not-found view.

use leptos::prelude::*;

#[component]
pub fn SiteHeader() -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="site-header">
            <a class="brand" href="/">"Inference Lab"</a>
            <nav aria-label="Main">
                <ul>
                    <li><a href="/">"Lessons"</a></li>
                    <li><a href="/lab">"Lab"</a></li>
                    <li><a href="/review">"Review"</a></li>
                    <li><a href="/puzzles">"Puzzles"</a></li>
                    <li><a href="/progress">"My progress"</a></li>
                    <li><a href="/join">"Class"</a></li>
                </ul>
            </nav>
        </header>
    }
}

/// An empty marker that appears once the WASM app has taken over the page; browser
/// tests wait for it before using client-side controls.
#[component]
pub fn HydrationMarker() -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true)); // effects run only in the browser
    move || {
        hydrated
            .get()
            .then(|| view! { <span data-hydrated="" hidden=""></span> })
    }
}

#[component]
pub fn SiteFooter() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <p>
                "Every number on this site is measured live on this server. "
                "No account needed: your progress is kept under an anonymous cookie."
            </p>
            <p>"Teaching a group? " <a href="/teach">"Set up a class"</a> "."</p>
        </footer>
    }
}

/// Shown for unknown URLs; sets HTTP 404 during server rendering.
#[component]
pub fn NotFound(#[prop(default = "page")] what: &'static str) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <section class="not-found">
            <h1>{format!("No such {what}")}</h1>
            <p><a href="/">"Back to the lessons"</a></p>
        </section>
    }
}
