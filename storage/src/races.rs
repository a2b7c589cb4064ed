//! Read-then-write steps that SQLite's single writer made safe, run
//! concurrently on both engines: on PostgreSQL they hold only because the
//! rows they read are locked (`Db::for_update`) until the commit.

use tokio::task::JoinSet;

use crate::attempts::{store_answer, NewAttempt};
use crate::classes::{create_class, join, ClassError, MAX_CLASSES_PER_LEARNER, MAX_MEMBERS};
use crate::db::Db;
use crate::on_db;
use crate::test_db::{each_backend, new_learner};

/// How many requests race each other.
const RACERS: usize = 8;

async fn count(db: &Db, sql: &str, id: i64) -> i64 {
    on_db!(db, p => sqlx::query_scalar(sql).bind(id).fetch_one(p).await).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_answers_to_a_new_question_make_one_first_try() {
    each_backend(|db| async move {
        let learner = new_learner(&db).await;
        let mut racers = JoinSet::new();
        for i in 0..RACERS {
            let db = db.clone();
            racers.spawn(async move {
                let answer = format!("{i}");
                let attempt = NewAttempt {
                    learner_id: learner,
                    lesson_slug: "lesson",
                    question_id: "q1",
                    answer_json: &answer,
                    correct: i % 2 == 0,
                    variant: None,
                };
                store_answer(&db, &attempt, chrono::Utc::now())
                    .await
                    .unwrap()
            });
        }
        let firsts = racers.join_all().await.into_iter().filter(|f| *f).count();
        assert_eq!(
            firsts, 1,
            "exactly one of the racing answers is the first try"
        );
        let sql = "SELECT COUNT(*) FROM attempts WHERE learner_id = $1 AND first_try";
        assert_eq!(count(&db, sql, learner).await, 1);
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) FROM attempts WHERE learner_id = $1",
                learner
            )
            .await,
            RACERS as i64,
            "every answer is stored"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_joins_never_overfill_a_class() {
    each_backend(|db| async move {
        let class = create_class(&db, "Full soon").await.unwrap();
        for i in 0..MAX_MEMBERS - 1 {
            let learner = new_learner(&db).await;
            join(&db, class.id, learner, &format!("M{i}"))
                .await
                .unwrap();
        }
        let mut racers = JoinSet::new();
        for i in 0..RACERS {
            let db = db.clone();
            racers.spawn(async move {
                let learner = new_learner(&db).await;
                join(&db, class.id, learner, &format!("Late {i}")).await
            });
        }
        let results = racers.join_all().await;
        let joined = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(joined, 1, "one seat was left: {results:?}");
        assert!(results
            .iter()
            .all(|r| r.is_ok() || matches!(r, Err(ClassError::ClassFull))));
        let sql = "SELECT COUNT(*) FROM class_members WHERE class_id = $1";
        assert_eq!(count(&db, sql, class.id).await, MAX_MEMBERS);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_joins_never_exceed_a_learners_classes() {
    each_backend(|db| async move {
        let learner = new_learner(&db).await;
        for i in 0..MAX_CLASSES_PER_LEARNER - 1 {
            let class = create_class(&db, &format!("C{i}")).await.unwrap();
            join(&db, class.id, learner, "Ana").await.unwrap();
        }
        let mut racers = JoinSet::new();
        for i in 0..RACERS {
            let class = create_class(&db, &format!("Race {i}")).await.unwrap();
            let db = db.clone();
            racers.spawn(async move { join(&db, class.id, learner, "Ana").await });
        }
        let results = racers.join_all().await;
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "{results:?}"
        );
        let sql = "SELECT COUNT(*) FROM class_members WHERE learner_id = $1";
        assert_eq!(count(&db, sql, learner).await, MAX_CLASSES_PER_LEARNER);
    })
    .await;
}
