//! The whole app on PostgreSQL: several instances on one database, as a
//! school runs them behind a load balancer. What a learner does through one
//! shows through the others, because nothing of it stays in an instance: not
//! their answers, nor their classes, nor the rate limits they draw on.

use std::time::Instant;

use inference_lab::settings::Settings;
use lab_storage::pool::Target;
use serde_json::Value;

use crate::classes::{create, dashboard, join};
use crate::helpers::{spawn_with, test_settings, TestApp};
use crate::quiz::{answer, answer_ok, new_browser, post_form, NUMERIC, SINGLE};

/// `n` instances on one fresh PostgreSQL database, sharing the secret file.
async fn instances(n: usize) -> Vec<TestApp> {
    instances_with(n, |_| {}).await
}

pub(crate) async fn instances_with(n: usize, change: impl Fn(&mut Settings)) -> Vec<TestApp> {
    let url = lab_storage::test_db::fresh_postgres_url().await;
    let dir = tempfile::tempdir().unwrap();
    let settings = || {
        let mut s = test_settings(dir.path().join("unused.db"));
        s.database = Target::Postgres(url.clone());
        s.secret_file = Some(dir.path().join("lab.secret"));
        change(&mut s);
        s
    };
    let mut apps = Vec::new();
    for _ in 0..n {
        apps.push(spawn_with(settings()).await);
    }
    assert!(apps.iter().all(|a| !a.db_path.exists()), "no SQLite file");
    apps.last_mut().unwrap().keep_dir(dir);
    apps
}

async fn two_instances() -> (TestApp, TestApp) {
    let mut apps = instances(2).await;
    let second = apps.pop().unwrap();
    (apps.pop().unwrap(), second)
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

#[tokio::test]
async fn a_transfer_code_made_on_one_instance_moves_the_learner_on_another() {
    let apps = instances(3).await;
    let laptop = new_browser();
    answer_ok(&apps[0], &laptop, SINGLE, &[("choices[]", "b")]).await;
    let resp = post_form(&apps[0], &laptop, "/api/transfer/new", &[]).await;
    assert_eq!(resp.status(), 200);
    let code: String = resp.json().await.unwrap();

    let lab_pc = new_browser();
    let redeemed = post_form(
        &apps[2],
        &lab_pc,
        "/api/transfer/redeem",
        &[("code", &code)],
    )
    .await;
    assert_eq!(redeemed.status(), 200);
    let progress: Value = post_form(&apps[1], &lab_pc, "/api/progress", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        progress["overall"]["answered"], 1,
        "the laptop's answer came along"
    );
    let again = post_form(
        &apps[1],
        &new_browser(),
        "/api/transfer/redeem",
        &[("code", &code)],
    )
    .await;
    assert_eq!(again.status(), 400, "single use, on every instance");
}

#[tokio::test]
async fn thirty_answers_a_minute_means_thirty_across_three_instances() {
    const PER_MINUTE: u32 = 30;
    let apps = instances_with(3, |s| s.lab.answers_per_minute = PER_MINUTE).await;
    let learner = new_browser();
    let started = Instant::now();
    let mut accepted = 0u32;
    let mut refused_by = [0u32; 3];
    for i in 0..45 {
        let resp = answer(&apps[i % 3], &learner, SINGLE, &[("choices[]", "a")]).await;
        match resp.status().as_u16() {
            200 => accepted += 1,
            429 => refused_by[i % 3] += 1,
            other => panic!("answer {i}: status {other}"),
        }
    }
    // The bucket refills one answer every two seconds while the test runs.
    let refilled = (started.elapsed().as_secs_f64() / 2.0).ceil() as u32;
    assert!(
        (PER_MINUTE..=PER_MINUTE + refilled).contains(&accepted),
        "{accepted} answers accepted by three instances (limits per instance would take 45)"
    );
    assert!(
        refused_by.iter().all(|&n| n > 0),
        "every instance refused once the shared budget was spent: {refused_by:?}"
    );
    let stored = lab_storage::on_db!(&apps[0].db().await, pool => {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM attempts")
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert_eq!(
        stored,
        i64::from(accepted),
        "only accepted answers are stored"
    );
}

#[tokio::test]
async fn wrong_join_codes_are_counted_across_instances() {
    let apps = instances(3).await;
    let guesser = new_browser();
    let guesses = app::limits::guess::GUESSES_PER_WINDOW as usize;
    for i in 0..guesses {
        let resp = join(&apps[i % 3], &guesser, "ZZZZZZZZ", "Eve").await;
        assert_eq!(resp.status(), 400, "wrong code {i} is a plain refusal");
    }
    for app in &apps {
        let resp = join(app, &guesser, "ZZZZZZZZ", "Eve").await;
        assert_eq!(
            resp.status(),
            429,
            "the guesses were spent on the other instances too"
        );
    }
}
