use crate::helpers::{spawn_app, test_settings};

#[tokio::test]
async fn home_page_lists_lessons_server_rendered() {
    let app = spawn_app().await;
    let resp = app.get("/").await;
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("Time complexity of a batched inference loop"),
        "lesson title in the HTML"
    );
    assert!(html.contains("/lessons/batched-inference-complexity"));
    // `inference-lab.<hash>.js` once `make site` has hashed the files (assets.rs).
    assert!(
        html.contains("/pkg/inference-lab") && html.contains(".js\""),
        "hydration script is referenced"
    );
}

#[tokio::test]
async fn lesson_page_renders_table_code_and_navigation() {
    let app = spawn_app().await;
    let resp = app.get("/lessons/batched-inference-complexity").await;
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("<table>"), "markdown table rendered");
    assert!(
        html.contains("class=\"copy\""),
        "code block has a copy button"
    );
    assert!(html.contains("<span class=\"l"), "code is highlighted");
    assert!(html.contains("O(n)"));
}

/// A lesson page keeps its fixed HTML once per process and carries marks in
/// its place that the server expands (app `kept_html`): gzipped or not, twice
/// or once, a client gets the whole page and no mark.
#[tokio::test]
async fn lesson_pages_are_whole_gzipped_or_not_and_on_every_request() {
    use std::io::Read;

    let app = spawn_app().await;
    for slug in [
        "batched-inference-complexity",
        "cuda-visible-devices",
        "timing-inference",
        "choosing-batch-size",
        "cost-based-selection",
    ] {
        let path = format!("/lessons/{slug}");
        let plain = app.get(&path).await;
        assert_eq!(plain.status(), 200, "{slug}");
        assert!(plain.headers().get("content-encoding").is_none(), "{slug}");
        let plain = without_nonce(&plain.text().await.unwrap());
        assert!(
            !plain.contains('\u{2}'),
            "{slug}: a mark was left in the page"
        );
        assert!(plain.contains("class=\"copy\""), "{slug}: code blocks");
        assert!(
            plain.contains("<ol class=\"questions\">"),
            "{slug}: practice"
        );
        assert!(plain.contains("</html>"), "{slug}: the whole page");
        for _ in 0..2 {
            let res = app.get_gzip(&path).await;
            assert_eq!(res.headers()["content-encoding"], "gzip", "{slug}");
            assert!(res.headers()["vary"]
                .to_str()
                .unwrap()
                .contains("accept-encoding"));
            let gz = res.bytes().await.unwrap();
            let mut html = String::new();
            flate2::read::GzDecoder::new(&gz[..])
                .read_to_string(&mut html)
                .expect("a valid gzip member");
            assert_eq!(without_nonce(&html), plain, "{slug}");
        }
    }
}

/// `html` with its CSP nonce (one per response) replaced by `N`.
fn without_nonce(html: &str) -> String {
    let nonce = html
        .split("nonce=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page has a nonce");
    html.replace(nonce, "N")
}

#[tokio::test]
async fn unknown_lesson_is_404() {
    let app = spawn_app().await;
    let resp = app.get("/lessons/no-such-lesson").await;
    assert_eq!(resp.status(), 404);
    assert!(resp.text().await.unwrap().contains("No such lesson"));
    assert_eq!(app.get("/nowhere/at/all").await.status(), 404);
}

#[tokio::test]
async fn highlight_css_is_served() {
    let app = spawn_app().await;
    let resp = app.get("/highlight.css").await;
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await.unwrap().contains(".code .l0"));
}

#[tokio::test]
async fn broken_content_stops_startup_naming_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let lessons = dir.path().join("lessons");
    std::fs::create_dir_all(&lessons).unwrap();
    std::fs::create_dir_all(dir.path().join("questions")).unwrap();
    std::fs::write(
        lessons.join("01-broken.md"),
        "+++\nslug = \"x\"\n+++\nbody\n",
    )
    .unwrap();
    let mut settings = test_settings(dir.path().join("lab.db"));
    settings.content_dir = dir.path().to_path_buf();
    let err = inference_lab::startup::Application::build(settings)
        .await
        .err()
        .expect("start-up must fail");
    let msg = err.to_string();
    assert!(
        msg.contains("01-broken.md") && msg.contains("title"),
        "{msg}"
    );
}
