//! The whole app on PostgreSQL: two instances on one database, as a school
//! runs them behind a load balancer. What a learner does through one shows
//! through the other, because nothing of it stays in an instance.

use lab_storage::pool::Target;
use serde_json::Value;

use crate::classes::{create, dashboard, join};
use crate::helpers::{spawn_with, test_settings, TestApp};
use crate::quiz::{answer_ok, new_browser, post_form, NUMERIC, SINGLE};

/// Two instances on one fresh PostgreSQL database, sharing the secret file.
async fn two_instances() -> (TestApp, TestApp) {
    let url = lab_storage::test_db::fresh_postgres_url().await;
    let dir = tempfile::tempdir().unwrap();
    let settings = || {
        let mut s = test_settings(dir.path().join("unused.db"));
        s.database = Target::Postgres(url.clone());
        s.secret_file = Some(dir.path().join("lab.secret"));
        s
    };
    let first = spawn_with(settings()).await;
    let mut second = spawn_with(settings()).await;
    second.keep_dir(dir);
    assert!(
        !first.db_path.exists() && !second.db_path.exists(),
        "no SQLite file"
    );
    (first, second)
}

#[tokio::test]
async fn answers_through_one_instance_are_the_progress_of_the_other() {
    let (a, b) = two_instances().await;
    assert_eq!(b.get("/healthz").await.status(), 200);
    let browser = new_browser();
    let first = answer_ok(&a, &browser, SINGLE, &[("choices[]", "a")]).await;
    assert_eq!(first["first_try"], true);
    // The same learner (the cookie) on the other instance: not a first try.
    let again = answer_ok(&b, &browser, SINGLE, &[("choices[]", "b")]).await;
    assert_eq!(
        (&again["correct"], &again["first_try"]),
        (&Value::Bool(true), &Value::Bool(false))
    );
    answer_ok(&b, &browser, NUMERIC, &[("value", "16")]).await;

    let resp = post_form(&a, &browser, "/api/progress", &[]).await;
    assert_eq!(resp.status(), 200);
    let progress: Value = resp.json().await.unwrap();
    assert_eq!(progress["overall"]["answered"], 2);
    assert_eq!(progress["overall"]["correct"], 2);
}

#[tokio::test]
async fn a_class_made_on_one_instance_is_joined_and_watched_on_the_other() {
    let (a, b) = two_instances().await;
    let (secret, code) = create(&a, "Period 3").await;
    let ada = new_browser();
    assert_eq!(join(&b, &ada, &code, "Ada").await.status(), 200);
    answer_ok(&a, &ada, SINGLE, &[("choices[]", "b")]).await;
    let d = dashboard(&b, &secret).await;
    assert_eq!(d["learners"][0]["display_name"], "Ada");
    assert_eq!(d["learners"][0]["lessons"][0]["answered"], 1);
}
