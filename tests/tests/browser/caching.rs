//! The browser's files are fetched once: after a first page view, a second
//! one transfers no WASM, JS or CSS (they carry a content hash in their name
//! and are served `immutable` for a year), only the HTML. Measured in the
//! page with the Resource Timing API: `transferSize` is 0 for a response
//! taken from the browser's cache.

use e2e::{Browser, Server};

/// (name, transferSize, decodedBodySize) of every resource the page loaded,
/// and the bytes the document itself took.
async fn transfers(browser: &Browser) -> (Vec<(String, u64, u64)>, u64) {
    let v = browser
        .client
        .execute(
            "const r = performance.getEntriesByType('resource')
                 .map(e => [e.name, e.transferSize, e.decodedBodySize]);
             const nav = performance.getEntriesByType('navigation')[0];
             return [r, nav ? nav.transferSize : 0];",
            vec![],
        )
        .await
        .expect("read resource timings");
    let entries = v[0]
        .as_array()
        .expect("an array")
        .iter()
        .map(|e| {
            (
                e[0].as_str().unwrap_or_default().to_string(),
                e[1].as_u64().unwrap_or(u64::MAX),
                e[2].as_u64().unwrap_or(0),
            )
        })
        .collect();
    (entries, v[1].as_u64().unwrap_or(0))
}

fn is_site_file(name: &str) -> bool {
    name.contains("/pkg/")
}

#[tokio::test]
async fn a_second_page_view_transfers_no_wasm() {
    let server = Server::start();
    let browser = Browser::start().await;

    browser.goto(&server.url("/")).await;
    browser.wait_hydrated().await;
    let (first, _) = transfers(&browser).await;
    let wasm_first: Vec<_> = first.iter().filter(|e| e.0.ends_with(".wasm")).collect();
    assert!(
        !wasm_first.is_empty(),
        "the first view loads the WASM: {first:?}"
    );
    assert!(
        wasm_first.iter().all(|e| e.1 > 0),
        "the first view fetches it over the network: {first:?}"
    );

    // Another page, as a learner would open it: a new document, the same files.
    browser.goto(&server.url("/lab")).await;
    browser.wait_hydrated().await;
    let (second, document) = transfers(&browser).await;
    let site: Vec<_> = second.iter().filter(|e| is_site_file(&e.0)).collect();
    assert!(
        site.iter().any(|e| e.0.ends_with(".wasm")),
        "the second view runs the same WASM: {second:?}"
    );
    for (name, transferred, size) in &site {
        assert_eq!(
            *transferred, 0,
            "{name} ({size} bytes) came over the network again, not from the cache"
        );
    }
    let total: u64 = second.iter().map(|e| e.1).sum::<u64>() + document;
    eprintln!(
        "second page view: {total} bytes transferred ({document} the HTML), \
         site files {} (from the cache: {})",
        site.len(),
        site.iter()
            .map(|e| format!("{} {} B", e.0.rsplit('/').next().unwrap_or(""), e.2))
            .collect::<Vec<_>>()
            .join(", ")
    );
    browser.assert_no_console_errors().await;
    browser.close().await;
}

#[tokio::test]
async fn hashed_files_are_cached_for_a_year_and_pages_revalidated() {
    let server = Server::start();
    let page = reqwest::get(server.url("/")).await.unwrap();
    assert_eq!(page.headers()["cache-control"], "no-cache");
    let html = page.text().await.unwrap();
    // Every /pkg/ file the page links, as `make site` named it.
    let links: Vec<&str> = html.split('"').filter(|s| s.starts_with("/pkg/")).collect();
    for ext in [".wasm", ".js", ".css"] {
        assert!(
            links.iter().any(|l| l.ends_with(ext)),
            "the page links a {ext}: {links:?}"
        );
    }
    for link in links {
        let res = reqwest::get(server.url(link)).await.unwrap();
        assert_eq!(res.status(), 200, "{link}");
        assert_eq!(
            res.headers()["cache-control"],
            "public, max-age=31536000, immutable",
            "{link}"
        );
    }
}
