//! The route list is generated once per process (see `tests/route_list_window.rs`
//! for why a second generation hung pages served meanwhile).

use std::time::Duration;

use crate::helpers;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_route_list_is_generated_once_per_process_so_the_window_never_reopens() {
    let first = helpers::spawn_app().await;
    // Build more apps while the first one serves lesson pages.
    let pages = async {
        for _ in 0..20 {
            let r = first.get("/lessons/choosing-batch-size").await;
            assert_eq!(r.status(), 200);
            r.text().await.unwrap();
        }
    };
    let builds = async {
        for _ in 0..3 {
            helpers::spawn_app().await;
        }
    };
    tokio::time::timeout(Duration::from_secs(60), async {
        tokio::join!(pages, builds)
    })
    .await
    .expect("a page hung while other apps were built");
    assert_eq!(inference_lab::startup::route_list_generations(), 1);
}
