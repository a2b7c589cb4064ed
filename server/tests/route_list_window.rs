//! The old HTTP-test hang, reproduced deterministically in its own process
//! (it sets a process-wide flag, so it must not share a process with other tests).
//!
//! `leptos_axum::generate_route_list` renders the app while holding leptos'
//! `SuppressResourceLoad`, a process-wide flag. Every test app used to call it
//! in `Application::build`; a lesson page being rendered by another test app at
//! that moment had its resource first polled inside the window, awaited
//! `pending()` forever, and the test hung. Holding the same guard here opens
//! that window on purpose and for as long as we like.

#[path = "api/helpers.rs"]
#[allow(dead_code)] // the helpers are shared with the HTTP tests
mod helpers;

use std::time::Duration;

use leptos::server::SuppressResourceLoad;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_rendered_while_a_route_list_is_generated_never_finishes() {
    let app = helpers::spawn_app().await;
    let lesson = app.url("/lessons/timing-inference");

    // Inside the window (what another app's `generate_route_list` did): the
    // lesson's resource never loads, so the response never completes.
    let window = SuppressResourceLoad::new();
    let stuck = tokio::time::timeout(Duration::from_secs(3), async {
        app.client.get(&lesson).send().await?.text().await
    })
    .await;
    assert!(
        stuck.is_err(),
        "the page finished inside the window: the cause is not this flag"
    );
    drop(window);

    // Outside it the same page renders at once.
    let page = app.get("/lessons/timing-inference").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<h1"));
}
