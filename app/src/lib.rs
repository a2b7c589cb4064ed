//! Inference Lab's pages: leptos components and server functions, compiled for the
//! server (`ssr`) and for the browser (`hydrate`).

pub mod classes;
pub mod clipboard;
pub mod experiments;
pub mod hydration;
pub mod layout;
pub mod learner;
pub mod lesson_body;
pub mod lessons;
pub mod predictions;
pub mod progress;
pub mod puzzles;
pub mod quiz;
pub mod request;
pub mod review;
pub mod transfer;

#[cfg(feature = "ssr")]
pub mod clock;
#[cfg(feature = "ssr")]
pub mod content;
#[cfg(feature = "ssr")]
pub mod kept_html;
#[cfg(feature = "ssr")]
pub mod lab;
#[cfg(all(test, feature = "ssr"))]
mod layering;
#[cfg(feature = "ssr")]
pub mod limits;
#[cfg(feature = "ssr")]
pub mod state;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use layout::{HydrationMarker, NotFound, SiteFooter, SiteHeader};
use lessons::{HomePage, LessonPage};
use request::csp::ContentSecurityPolicy;

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                // No favicon request: a 404 would show up as a console error.
                <link rel="icon" href="data:,"/>
                <link rel="stylesheet" href="/highlight.css"/>
                <SiteStylesheet options=options.clone()/>
                <ContentSecurityPolicy/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The site stylesheet's address, which the server provides to the shell:
/// `/pkg/inference-lab.<hash>.css` once `make site` has hashed the files.
#[derive(Debug, Clone)]
pub struct StylesheetHref(pub std::sync::Arc<str>);

/// The site stylesheet, linked from the shell (rendered on the server only, so
/// the browser's WASM never needs the hashed name).
#[component]
fn SiteStylesheet(options: LeptosOptions) -> impl IntoView {
    let href = use_context::<StylesheetHref>()
        .map(|h| h.0.to_string())
        .unwrap_or_else(|| format!("/{}/{}.css", options.site_pkg_dir, options.output_name));
    view! { <link id="leptos" rel="stylesheet" href=href/> }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // The lab forms' defaults, sized to this server's adapter: decided by the
    // server at start-up (its context), sent once with the page and kept for
    // pages rendered after client-side navigation.
    let sizing = leptos::server::SharedValue::new(|| {
        use_context::<lab_types::Sizing>().unwrap_or(lab_types::Sizing::Software)
    });
    provide_context(sizing.into_inner());
    // Pages are rendered whole before they are sent (SsrMode::Async) so that they
    // read and work completely without JavaScript.
    view! {
        <Title text="Inference Lab"/>
        <Router>
            <SiteHeader/>
            <main id="main">
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/lessons/:slug") view=LessonPage ssr=SsrMode::Async/>
                    <Route path=path!("/lab") view=experiments::LabPage ssr=SsrMode::Async/>
                    <Route path=path!("/lab/runs/:id") view=experiments::RunPage ssr=SsrMode::Async/>
                    <Route path=path!("/progress") view=progress::ProgressPage ssr=SsrMode::Async/>
                    <Route path=path!("/review") view=review::ReviewPage ssr=SsrMode::Async/>
                    <Route path=path!("/teach") view=classes::TeachPage ssr=SsrMode::Async/>
                    <Route path=path!("/teach/:secret") view=classes::DashboardPage ssr=SsrMode::Async/>
                    <Route path=path!("/join") view=classes::JoinPage ssr=SsrMode::Async/>
                    <Route path=path!("/transfer") view=transfer::TransferPage ssr=SsrMode::Async/>
                    <Route path=path!("/puzzles") view=puzzles::PuzzlesPage ssr=SsrMode::Async/>
                    <Route path=path!("/puzzles/:id") view=puzzles::PuzzlePage ssr=SsrMode::Async/>
                </Routes>
            </main>
            <SiteFooter/>
            <HydrationMarker/>
        </Router>
    }
}

/// The browser's entry point: attaches the WASM app to the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
