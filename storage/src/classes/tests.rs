//! The class queries against a real SQLite file with the real migrations.

use crate::db::Db;
use crate::on_db;

use super::*;
use crate::attempts::{insert_attempt, NewAttempt};
use crate::test_db::{each_backend, new_learner as learner};

async fn answer(pool: &Db, learner_id: i64, question_id: &str, answer: &str, correct: bool) {
    let attempt = NewAttempt {
        learner_id,
        lesson_slug: "lesson",
        question_id,
        answer_json: answer,
        correct,
        variant: None,
    };
    insert_attempt(pool, &attempt).await.unwrap();
}

async fn count(pool: &Db, table: &str) -> i64 {
    on_db!(pool, p => sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(p)
        .await)
    .unwrap()
}

#[tokio::test]
async fn a_class_is_found_by_its_code_and_secret_but_stores_only_the_secrets_hash() {
    each_backend(|pool| async move {
        let class = create_class(&pool, "Period 3").await.unwrap();
        let by_code = class_by_join_code(&pool, &class.join_code)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((by_code.id, by_code.name.as_str()), (class.id, "Period 3"));
        let by_secret = class_by_teacher_secret(&pool, &class.teacher_secret)
            .await
            .unwrap();
        assert_eq!(by_secret, Some(by_code));
        let other = create_class(&pool, "Period 4").await.unwrap();
        assert_ne!(other.join_code, class.join_code);
        assert_eq!(
            class_by_teacher_secret(&pool, &other.teacher_secret)
                .await
                .unwrap()
                .unwrap()
                .id,
            other.id,
            "each secret opens its own class only"
        );
        assert!(class_by_teacher_secret(&pool, "0".repeat(64).as_str())
            .await
            .unwrap()
            .is_none());
        assert!(class_by_teacher_secret(&pool, "not-a-secret")
            .await
            .unwrap()
            .is_none());
        let stored: Vec<u8> =
            on_db!(&pool, p => sqlx::query_scalar("SELECT teacher_hash FROM classes WHERE id = $1")
            .bind(class.id)
            .fetch_one(p)
            .await)
            .unwrap();
        assert_eq!(stored, codes::hash(&class.teacher_secret));
        assert_ne!(stored, class.teacher_secret.as_bytes());
    })
    .await;
}

#[tokio::test]
async fn the_schema_bounds_names() {
    each_backend(|pool| async move {
        assert!(create_class(&pool, &"x".repeat(MAX_NAME_CHARS + 1))
            .await
            .is_err());
        assert!(create_class(&pool, "").await.is_err());
        let class = create_class(&pool, "ok").await.unwrap();
        let a = learner(&pool).await;
        let long = "y".repeat(MAX_DISPLAY_NAME_CHARS + 1);
        assert!(join(&pool, class.id, a, &long).await.is_err());
        assert_eq!(count(&pool, "class_members").await, 0);
    })
    .await;
}

#[tokio::test]
async fn joining_renames_a_member_suffixes_taken_names_and_refuses_a_full_class() {
    each_backend(|pool| async move {
        let class = create_class(&pool, "Lab").await.unwrap();
        let (a, b) = (learner(&pool).await, learner(&pool).await);
        assert_eq!(join(&pool, class.id, a, "Ada").await.unwrap(), "Ada");
        assert_eq!(join(&pool, class.id, a, "Ada L.").await.unwrap(), "Ada L.");
        assert_eq!(
            join(&pool, class.id, b, "Ada L.").await.unwrap(),
            "Ada L. (2)",
            "a taken name gets a suffix, not an error that tells who is in"
        );
        let mine = memberships(&pool, a).await.unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].display_name, "Ada L.");
        assert_eq!(
            join(&pool, class.id, b, "Ada L.").await.unwrap(),
            "Ada L. (2)",
            "renaming to one's own name changes nothing"
        );
        leave(&pool, class.id, b).await.unwrap();

        for i in 1..MAX_MEMBERS {
            let l = learner(&pool).await;
            join(&pool, class.id, l, &format!("L{i}")).await.unwrap();
        }
        assert!(matches!(
            join(&pool, class.id, b, "Late").await,
            Err(ClassError::ClassFull)
        ));
        join(&pool, class.id, a, "Ada again")
            .await
            .expect("a member may rename in a full class");
        assert_eq!(count(&pool, "class_members").await, MAX_MEMBERS);
    })
    .await;
}

#[test]
fn suffixes_fit_the_longest_name_and_skip_taken_ones() {
    assert_eq!(free_name("Ana", &[]).as_deref(), Some("Ana"));
    assert_eq!(free_name("Ana", &["Ana"]).as_deref(), Some("Ana (2)"));
    assert_eq!(
        free_name("Ana", &["Ana", "Ana (2)", "Ana (3)"]).as_deref(),
        Some("Ana (4)")
    );
    let long = "x".repeat(MAX_DISPLAY_NAME_CHARS);
    let given = free_name(&long, &[long.as_str()]).unwrap();
    assert_eq!(given.chars().count(), MAX_DISPLAY_NAME_CHARS);
    assert!(given.ends_with(" (2)"), "{given}");
}

#[tokio::test]
async fn a_locked_class_refuses_joins_and_a_removed_member_is_gone() {
    each_backend(|pool| async move {
        let class = create_class(&pool, "Lab").await.unwrap();
        let (a, b) = (learner(&pool).await, learner(&pool).await);
        join(&pool, class.id, a, "Ana").await.unwrap();
        set_locked(&pool, class.id, true).await.unwrap();
        assert!(
            class_by_join_code(&pool, &class.join_code)
                .await
                .unwrap()
                .unwrap()
                .locked
        );
        assert!(matches!(
            join(&pool, class.id, b, "Bo").await,
            Err(ClassError::Locked)
        ));
        assert!(matches!(
            join(&pool, class.id, a, "Renamed").await,
            Err(ClassError::Locked)
        ));
        assert!(remove_member(&pool, class.id, "Ana").await.unwrap());
        assert!(!remove_member(&pool, class.id, "Ana").await.unwrap());
        assert!(memberships(&pool, a).await.unwrap().is_empty());
        set_locked(&pool, class.id, false).await.unwrap();
        assert_eq!(join(&pool, class.id, b, "Bo").await.unwrap(), "Bo");
    })
    .await;
}

#[tokio::test]
async fn leaving_and_deleting_remove_memberships_only() {
    each_backend(|pool| async move {
        let (x, y) = (
            create_class(&pool, "X").await.unwrap(),
            create_class(&pool, "Y").await.unwrap(),
        );
        let (a, b) = (learner(&pool).await, learner(&pool).await);
        join(&pool, x.id, a, "A").await.unwrap();
        join(&pool, x.id, b, "B").await.unwrap();
        join(&pool, y.id, a, "A").await.unwrap();
        answer(&pool, a, "q1", r#"{"choices":["a"]}"#, true).await;
        record_demo_run(&pool, a, "timing").await.unwrap();

        assert!(leave(&pool, y.id, a).await.unwrap());
        assert!(
            !leave(&pool, y.id, a).await.unwrap(),
            "not a member any more"
        );
        assert!(!leave(&pool, y.id, b).await.unwrap(), "never was");
        assert_eq!(delete_class(&pool, x.id).await.unwrap(), 2);
        assert_eq!(count(&pool, "class_members").await, 0);
        assert_eq!(count(&pool, "classes").await, 1, "class Y stays");
        assert_eq!(count(&pool, "learners").await, 2);
        assert_eq!(count(&pool, "attempts").await, 1);
        assert_eq!(count(&pool, "demo_runs").await, 1);
    })
    .await;
}

#[tokio::test]
async fn item_analysis_counts_only_this_classes_members() {
    each_backend(|pool| async move {
        let (x, y) = (
            create_class(&pool, "X").await.unwrap(),
            create_class(&pool, "Y").await.unwrap(),
        );
        let (a, b, c) = (
            learner(&pool).await,
            learner(&pool).await,
            learner(&pool).await,
        );
        join(&pool, x.id, a, "A").await.unwrap();
        join(&pool, x.id, b, "B").await.unwrap();
        join(&pool, y.id, c, "C").await.unwrap();
        // a: wrong (option a), wrong (option a), right; b: right at once; c (class Y): wrong.
        answer(&pool, a, "q1", r#"{"choices":["a"]}"#, false).await;
        answer(&pool, a, "q1", r#"{"choices":["a"]}"#, false).await;
        answer(&pool, a, "q1", r#"{"choices":["b"]}"#, true).await;
        answer(&pool, b, "q1", r#"{"choices":["b"]}"#, true).await;
        answer(&pool, c, "q1", r#"{"choices":["c"]}"#, false).await;
        record_demo_run(&pool, a, "timing").await.unwrap();
        record_demo_run(&pool, a, "timing").await.unwrap();
        record_demo_run(&pool, c, "timing").await.unwrap();

        let mut rows = member_questions(&pool, x.id).await.unwrap();
        rows.sort_by_key(|r| r.learner_id);
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (
                rows[0].attempts,
                rows[0].first_try_correct,
                rows[0].attempts_to_correct
            ),
            (3, false, Some(3))
        );
        assert_eq!(
            (
                rows[1].attempts,
                rows[1].first_try_correct,
                rows[1].attempts_to_correct
            ),
            (1, true, Some(1))
        );
        let wrong = wrong_answers(&pool, x.id).await.unwrap();
        assert_eq!(
            wrong.len(),
            1,
            "class Y's wrong answer is not here: {wrong:?}"
        );
        assert_eq!(wrong[0].times, 2);
        assert_eq!(
            demo_runners(&pool, x.id).await.unwrap(),
            vec![("timing".to_string(), 1)]
        );
        let never = member_questions(&pool, y.id).await.unwrap();
        assert_eq!(never[0].attempts_to_correct, None);
    })
    .await;
}

#[tokio::test]
async fn the_long_format_numbers_each_members_attempts_per_question() {
    each_backend(|pool| async move {
        let (x, y) = (
            create_class(&pool, "X").await.unwrap(),
            create_class(&pool, "Y").await.unwrap(),
        );
        let (a, b, c) = (
            learner(&pool).await,
            learner(&pool).await,
            learner(&pool).await,
        );
        join(&pool, x.id, a, "Zoe").await.unwrap();
        join(&pool, x.id, b, "ada").await.unwrap();
        join(&pool, y.id, c, "C").await.unwrap();
        answer(&pool, a, "q1", r#"{"choices":["a"]}"#, false).await;
        answer(&pool, a, "q2", r#"{"number":3}"#, true).await;
        answer(&pool, a, "q1", r#"{"choices":["b"]}"#, true).await;
        answer(&pool, b, "q1", r#"{"choices":["b"]}"#, true).await;
        answer(&pool, c, "q1", r#"{"choices":["c"]}"#, false).await;

        let rows = member_attempts(&pool, x.id).await.unwrap();
        let seen: Vec<(&str, &str, i64, bool)> = rows
            .iter()
            .map(|r| {
                (
                    r.display_name.as_str(),
                    r.question_id.as_str(),
                    r.attempt,
                    r.correct,
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("ada", "q1", 1, true),
                ("Zoe", "q1", 1, false),
                ("Zoe", "q1", 2, true),
                ("Zoe", "q2", 1, true),
            ],
            "members only, by name, question and attempt"
        );
        assert!(rows[0].created_at.ends_with('Z'), "{:?}", rows[0]);
    })
    .await;
}
