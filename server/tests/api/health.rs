use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_reports_version_and_database() {
    let app = spawn_app().await;
    let resp = app.get("/healthz").await;
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert!(body["lessons"].as_u64().unwrap() >= 1);
    // (A PostgreSQL pass creates no file: its database was made for the test.)
    assert!(
        app.db_path.exists() || crate::helpers::on_postgres(),
        "the database file is created on first start"
    );
}
