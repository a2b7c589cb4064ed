//! The browser's files under content-hashed names are cached for a year;
//! pages and plain names are revalidated. A site root of its own, shaped as
//! `make site` leaves it (hash.txt, hashed files and their `.gz`).

use std::io::Write;

use crate::helpers::{spawn_with, test_settings};

const JS_WASM: &str = "0123456789abcdef";
const CSS: &str = "fedcba9876543210";

fn fake_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("pkg");
    std::fs::create_dir(&pkg).unwrap();
    let files = [
        (format!("inference-lab.{JS_WASM}.wasm"), "\0asm wasm bytes"),
        (format!("inference-lab.{JS_WASM}.js"), "export default 1;"),
        (format!("inference-lab.{CSS}.css"), "body { color: black }"),
        ("inference-lab.css".to_string(), "/* a plain name */"),
    ];
    for (name, body) in files {
        std::fs::write(pkg.join(&name), body).unwrap();
        let gz = std::fs::File::create(pkg.join(format!("{name}.gz"))).unwrap();
        let mut enc = flate2::write::GzEncoder::new(gz, flate2::Compression::fast());
        enc.write_all(body.as_bytes()).unwrap();
        enc.finish().unwrap();
    }
    std::fs::write(
        dir.path().join("hash.txt"),
        format!("wasm: {JS_WASM}\njs: {JS_WASM}\ncss: {CSS}\n"),
    )
    .unwrap();
    dir
}

#[tokio::test]
async fn hashed_files_are_immutable_and_pages_are_revalidated() {
    let site = fake_site();
    let data = tempfile::tempdir().unwrap();
    let mut settings = test_settings(data.path().join("lab.db"));
    settings.site_root = site.path().to_path_buf();
    let mut app = spawn_with(settings).await;
    app.keep_dir(data);

    let page = app.get("/").await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-cache");
    let html = page.text().await.unwrap();
    for name in [
        format!("/pkg/inference-lab.{JS_WASM}.js"),
        format!("/pkg/inference-lab.{JS_WASM}.wasm"),
        format!("/pkg/inference-lab.{CSS}.css"),
    ] {
        assert!(html.contains(&name), "the page links {name}");
    }
    assert!(!html.contains("/pkg/inference-lab.css"));

    for (path, cache) in [
        (
            format!("/pkg/inference-lab.{JS_WASM}.wasm"),
            "public, max-age=31536000, immutable",
        ),
        (
            format!("/pkg/inference-lab.{JS_WASM}.js"),
            "public, max-age=31536000, immutable",
        ),
        (
            format!("/pkg/inference-lab.{CSS}.css"),
            "public, max-age=31536000, immutable",
        ),
        ("/pkg/inference-lab.css".to_string(), "no-cache"),
    ] {
        let res = app.get_gzip(&path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["cache-control"], cache, "{path}");
        // The `.gz` written at build time is what is sent.
        assert_eq!(res.headers()["content-encoding"], "gzip", "{path}");
    }
    let missing = app.get(&format!("/pkg/inference-lab.{CSS}0.css")).await;
    assert_eq!(missing.status(), 404);
    assert_ne!(
        missing
            .headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap()),
        Some("public, max-age=31536000, immutable")
    );
}
