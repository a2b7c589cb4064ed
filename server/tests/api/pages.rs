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
