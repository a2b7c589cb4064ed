//! Classes and memberships in SQLite (server only). Runtime-checked queries:
//! the schema lives in `migrations/`, the tests below run against a real file.

use sqlx::FromRow;

use crate::db::{now_text, on_tx, Db, Tx};
use crate::on_db;

use crate::codes::{self, RandomError};

pub mod expiry;
pub mod teachers;

/// Longest class name, in characters.
pub const MAX_NAME_CHARS: usize = 80;
/// Longest display name of a learner in a class, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 40;
/// Learners per class.
pub const MAX_MEMBERS: i64 = 200;
/// Classes on one server; a teacher deletes a class once the course is over.
pub const MAX_CLASSES: i64 = 10_000;
/// Classes one learner may be in at once.
pub const MAX_CLASSES_PER_LEARNER: i64 = 20;
/// Tries to draw an unused join code before giving up (collisions are rare).
const CODE_TRIES: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum ClassError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Random(#[from] RandomError),
    #[error("the server holds the most classes it keeps")]
    TooManyClasses,
    #[error("the class has the most members it takes")]
    ClassFull,
    #[error("the learner is in the most classes one may join")]
    TooManyMemberships,
    #[error("every variant of this display name is taken in the class")]
    NameTaken,
    #[error("no unused join code found")]
    NoFreeCode,
    #[error("the class is locked: its teacher takes no new members now")]
    Locked,
    #[error("no such class")]
    NoClass,
}

/// What the teacher gets once, at creation: the secret is never stored.
#[derive(Debug, Clone)]
pub struct NewClass {
    pub id: i64,
    pub join_code: String,
    pub teacher_secret: String,
}

#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct ClassRef {
    pub id: i64,
    pub name: String,
    pub join_code: String,
    /// Joins are refused while the teacher keeps the class locked.
    pub locked: bool,
}

const CLASS_COLUMNS: &str = "id, name, join_code, locked";

/// A class as one learner sees it: its name and their own display name only.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct Membership {
    pub class_id: i64,
    pub class_name: String,
    pub display_name: String,
}

/// Creates a class; `name` is already checked (see `validate::class_name`).
pub async fn create_class(db: &Db, name: &str) -> Result<NewClass, ClassError> {
    on_db!(db, pool => {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM classes")
            .fetch_one(pool)
            .await?;
        if count >= MAX_CLASSES {
            return Err(ClassError::TooManyClasses);
        }
        let teacher_secret = codes::new_teacher_secret()?;
        for _ in 0..CODE_TRIES {
            let join_code = codes::new_code()?;
            let inserted = sqlx::query_scalar::<_, i64>(
                "INSERT INTO classes (name, join_code, teacher_hash, last_active_at) \
                 VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(name)
            .bind(&join_code)
            .bind(codes::hash(&teacher_secret))
            .bind(now_text())
            .fetch_one(pool)
            .await;
            match inserted {
                Ok(id) => {
                    return Ok(NewClass {
                        id,
                        join_code,
                        teacher_secret,
                    })
                }
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ClassError::NoFreeCode)
    })
}

/// The class with this join code (already normalised, see `codes::normalise_code`).
pub async fn class_by_join_code(db: &Db, code: &str) -> Result<Option<ClassRef>, ClassError> {
    on_db!(db, pool => {
        Ok(sqlx::query_as(&format!(
            "SELECT {CLASS_COLUMNS} FROM classes WHERE join_code = $1"
        ))
        .bind(code)
        .fetch_optional(pool)
        .await?)
    })
}

/// The class whose teacher link carries `secret`; `None` for anything else.
pub async fn class_by_teacher_secret(
    db: &Db,
    secret: &str,
) -> Result<Option<ClassRef>, ClassError> {
    on_db!(db, pool => {
        if !codes::is_teacher_secret(secret) {
            return Ok(None);
        }
        Ok(sqlx::query_as(&format!(
            "SELECT {CLASS_COLUMNS} FROM classes WHERE teacher_hash = $1"
        ))
        .bind(codes::hash(secret))
        .fetch_optional(pool)
        .await?)
    })
}

/// Adds the learner to the class under `display_name` (already checked), or
/// renames them when they are a member already, and answers the name they
/// got. A name another member has gets the first free suffix (`Ana (2)`),
/// so joining never tells who is in the class. A locked class takes no one
/// (and no renames). One write transaction: two joins racing can neither
/// overfill the class nor take the same name.
pub async fn join(
    db: &Db,
    class_id: i64,
    learner_id: i64,
    display_name: &str,
) -> Result<String, ClassError> {
    let mut tx = db.begin_write().await?;
    // The class row stays locked until the commit (on PostgreSQL; SQLite's
    // write transaction already excludes every other writer), so two joins
    // racing are counted one after the other.
    let sql = format!(
        "SELECT locked FROM classes WHERE id = $1{}",
        db.for_update()
    );
    let locked: Option<bool> = on_tx!(&mut tx, conn => {
        sqlx::query_scalar(&sql).bind(class_id).fetch_optional(conn).await
    })?;
    // And the learner's row (always after the class's: one order, no
    // deadlock), so that joins to different classes count the learner's
    // memberships one after the other too.
    let sql = format!("SELECT id FROM learners WHERE id = $1{}", db.for_update());
    on_tx!(&mut tx, conn => {
        sqlx::query(&sql).bind(learner_id).execute(conn).await.map(|_| ())
    })?;
    match locked {
        None => return Err(ClassError::NoClass),
        Some(true) => return Err(ClassError::Locked),
        Some(false) => {}
    }
    let theirs: i64 = on_tx!(&mut tx, conn => {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM class_members WHERE learner_id = $1 AND class_id != $2",
        )
        .bind(learner_id)
        .bind(class_id)
        .fetch_one(conn)
        .await
    })?;
    if theirs >= MAX_CLASSES_PER_LEARNER {
        return Err(ClassError::TooManyMemberships);
    }
    let members: Vec<(i64, String)> = on_tx!(&mut tx, conn => {
        sqlx::query_as("SELECT learner_id, display_name FROM class_members WHERE class_id = $1")
            .bind(class_id)
            .fetch_all(conn)
            .await
    })?;
    let is_member = members.iter().any(|(l, _)| *l == learner_id);
    if !is_member && members.len() as i64 >= MAX_MEMBERS {
        return Err(ClassError::ClassFull);
    }
    let taken: Vec<&str> = members
        .iter()
        .filter(|(l, _)| *l != learner_id)
        .map(|(_, n)| n.as_str())
        .collect();
    let name = free_name(display_name, &taken).ok_or(ClassError::NameTaken)?;
    on_tx!(&mut tx, conn => {
        sqlx::query(
            "INSERT INTO class_members (class_id, learner_id, display_name) VALUES ($1, $2, $3)
             ON CONFLICT (class_id, learner_id) DO UPDATE SET display_name = excluded.display_name",
        )
        .bind(class_id)
        .bind(learner_id)
        .bind(&name)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })?;
    touch(&mut tx, class_id).await?;
    tx.commit().await?;
    Ok(name)
}

/// `wanted`, or the first `wanted (n)` no one in `taken` has, shortened to
/// fit [`MAX_DISPLAY_NAME_CHARS`]; `None` only when a whole class's worth of
/// suffixes is taken.
pub fn free_name(wanted: &str, taken: &[&str]) -> Option<String> {
    if !taken.contains(&wanted) {
        return Some(wanted.to_string());
    }
    (2..=MAX_MEMBERS + 1).find_map(|n| {
        let suffix = format!(" ({n})");
        let room = MAX_DISPLAY_NAME_CHARS.saturating_sub(suffix.chars().count());
        let base: String = wanted.chars().take(room).collect();
        let name = format!("{}{suffix}", base.trim_end());
        (!taken.contains(&name.as_str())).then_some(name)
    })
}

/// Marks the class as in use now (creation, joins, leaves, the teacher's
/// changes): classes idle for the retention period are deleted.
async fn touch(tx: &mut Tx, class_id: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query("UPDATE classes SET last_active_at = $1 WHERE id = $2")
            .bind(now_text())
            .bind(class_id)
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Whether class `class_id` exists.
pub async fn exists(db: &Db, class_id: i64) -> Result<bool, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_scalar::<_, i64>("SELECT id FROM classes WHERE id = $1")
            .bind(class_id)
            .fetch_optional(pool)
            .await
            .map(|id| id.is_some())
    })
}

/// Locks (joins refused) or unlocks the class.
pub async fn set_locked(db: &Db, class_id: i64, locked: bool) -> Result<(), ClassError> {
    let mut tx = db.begin_write().await?;
    on_tx!(&mut tx, conn => {
        sqlx::query("UPDATE classes SET locked = $1 WHERE id = $2")
            .bind(locked)
            .bind(class_id)
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
    })?;
    touch(&mut tx, class_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Takes the member called `display_name` out of the class (the teacher's
/// action); `false` when no member has that name. Their progress stays theirs.
pub async fn remove_member(db: &Db, class_id: i64, display_name: &str) -> Result<bool, ClassError> {
    let mut tx = db.begin_write().await?;
    let removed = on_tx!(&mut tx, conn => {
        sqlx::query("DELETE FROM class_members WHERE class_id = $1 AND display_name = $2")
            .bind(class_id)
            .bind(display_name)
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
    })? > 0;
    touch(&mut tx, class_id).await?;
    tx.commit().await?;
    Ok(removed)
}

/// The classes this learner is in, oldest membership first.
pub async fn memberships(db: &Db, learner_id: i64) -> Result<Vec<Membership>, ClassError> {
    on_db!(db, pool => {
        Ok(sqlx::query_as(
            "SELECT c.id AS class_id, c.name AS class_name, m.display_name
             FROM class_members m JOIN classes c ON c.id = m.class_id
             WHERE m.learner_id = $1 ORDER BY m.joined_at, c.id",
        )
        .bind(learner_id)
        .fetch_all(pool)
        .await?)
    })
}

/// Takes the learner out of the class; `false` when they were not in it.
pub async fn leave(db: &Db, class_id: i64, learner_id: i64) -> Result<bool, ClassError> {
    let mut tx = db.begin_write().await?;
    let left = on_tx!(&mut tx, conn => {
        sqlx::query("DELETE FROM class_members WHERE class_id = $1 AND learner_id = $2")
            .bind(class_id)
            .bind(learner_id)
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
    })? > 0;
    if left {
        touch(&mut tx, class_id).await?;
    }
    tx.commit().await?;
    Ok(left)
}

/// Deletes the class and its memberships, nothing else: answers and runs stay
/// with their learners. Returns how many memberships went.
pub async fn delete_class(db: &Db, class_id: i64) -> Result<u64, ClassError> {
    let mut tx = db.begin_write().await?;
    let members = on_tx!(&mut tx, conn => {
        sqlx::query("DELETE FROM class_members WHERE class_id = $1")
            .bind(class_id)
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
    })?;
    on_tx!(&mut tx, conn => {
        sqlx::query("DELETE FROM classes WHERE id = $1")
            .bind(class_id)
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
    })?;
    tx.commit().await?;
    Ok(members)
}

/// A member as the teacher's dashboard lists them.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct Member {
    pub learner_id: i64,
    pub display_name: String,
}

pub async fn members(db: &Db, class_id: i64) -> Result<Vec<Member>, ClassError> {
    on_db!(db, pool => {
        Ok(sqlx::query_as(
            "SELECT learner_id, display_name FROM class_members WHERE class_id = $1
             ORDER BY lower(display_name), learner_id",
        )
        .bind(class_id)
        .fetch_all(pool)
        .await?)
    })
}

/// One member's record on one question.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct MemberQuestion {
    pub learner_id: i64,
    pub lesson_slug: String,
    pub question_id: String,
    pub attempts: i64,
    pub first_try_correct: bool,
    /// Attempts up to and including the first correct one; `None`: never correct.
    pub attempts_to_correct: Option<i64>,
    pub latest_correct: bool,
    /// Spaced reviews answered right at the first try (for mastery).
    pub reviews_passed: i64,
}

/// Every (member, question) pair the class has answered: at most members ×
/// questions rows, however many attempts lie behind them.
pub async fn member_questions(db: &Db, class_id: i64) -> Result<Vec<MemberQuestion>, ClassError> {
    on_db!(db, pool => {
        Ok(sqlx::query_as(
            "WITH mine AS (
                 SELECT a.* FROM attempts a
                 JOIN class_members m ON m.learner_id = a.learner_id AND m.class_id = $1
             ),
             firsts AS (
                 SELECT learner_id, question_id,
                        MIN(CASE WHEN correct THEN id END) AS first_correct,
                        MAX(id) AS latest_id
                 FROM mine GROUP BY learner_id, question_id
             )
             SELECT a.learner_id, MAX(a.lesson_slug) AS lesson_slug, a.question_id,
                    COUNT(*) AS attempts,
                    MAX(CASE WHEN a.first_try AND a.correct THEN 1 ELSE 0 END) = 1
                        AS first_try_correct,
                    CASE WHEN f.first_correct IS NULL THEN NULL
                         ELSE SUM(CASE WHEN a.id <= f.first_correct THEN 1 ELSE 0 END) END AS attempts_to_correct,
                    (SELECT correct FROM attempts WHERE id = f.latest_id) AS latest_correct,
                    COALESCE((SELECT reviews_passed FROM review_cards rc
                              WHERE rc.learner_id = a.learner_id AND rc.question_id = a.question_id), 0)
                        AS reviews_passed
             FROM mine a JOIN firsts f ON f.learner_id = a.learner_id AND f.question_id = a.question_id
             GROUP BY a.learner_id, a.question_id, f.first_correct, f.latest_id",
        )
        .bind(class_id)
        .fetch_all(pool)
        .await?)
    })
}

/// How often each member gave each wrong answer (answer JSON) per question.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct WrongAnswer {
    pub learner_id: i64,
    pub question_id: String,
    pub answer: String,
    /// The variant answered, for a question with variants (its traps differ).
    pub variant: Option<i64>,
    pub times: i64,
}

/// Distinct (member, wrong answer) pairs kept for item analysis: the most
/// given first (200 members × a few dozen questions fit many times over).
const MAX_WRONG_ANSWERS: i64 = 20_000;

pub async fn wrong_answers(db: &Db, class_id: i64) -> Result<Vec<WrongAnswer>, ClassError> {
    on_db!(db, pool => {
        Ok(sqlx::query_as(
            "SELECT a.learner_id, a.question_id, a.answer, a.variant, COUNT(*) AS times
             FROM attempts a JOIN class_members m ON m.learner_id = a.learner_id AND m.class_id = $1
             WHERE NOT a.correct
             GROUP BY a.learner_id, a.question_id, a.answer, a.variant ORDER BY times DESC LIMIT $2",
        )
        .bind(class_id)
        .bind(MAX_WRONG_ANSWERS)
        .fetch_all(pool)
        .await?)
    })
}

/// One attempt of a member, for the long-format CSV.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct MemberAttempt {
    pub display_name: String,
    pub lesson_slug: String,
    pub question_id: String,
    /// 1 for the member's first attempt at the question, then 2, 3, …
    pub attempt: i64,
    pub correct: bool,
    /// The answer as stored (JSON: option ids or a number).
    pub answer: String,
    /// ISO 8601, UTC.
    pub created_at: String,
}

/// Attempts in the long-format CSV at most (the newest are left out past it).
pub const MAX_CSV_ATTEMPTS: i64 = 200_000;

/// Every attempt of the class's members, by member, question and attempt.
pub async fn member_attempts(db: &Db, class_id: i64) -> Result<Vec<MemberAttempt>, ClassError> {
    on_db!(db, pool => {
        Ok(sqlx::query_as(
            "SELECT m.display_name, a.lesson_slug, a.question_id, a.correct, a.answer, a.created_at,
                    ROW_NUMBER() OVER (PARTITION BY a.learner_id, a.question_id ORDER BY a.id) AS attempt
             FROM attempts a JOIN class_members m ON m.learner_id = a.learner_id AND m.class_id = $1
             ORDER BY lower(m.display_name), a.learner_id, a.question_id, a.id
             LIMIT $2",
        )
        .bind(class_id)
        .bind(MAX_CSV_ATTEMPTS)
        .fetch_all(pool)
        .await?)
    })
}

/// Counts one run of a lesson demo by this learner.
pub async fn record_demo_run(db: &Db, learner_id: i64, demo: &str) -> Result<(), ClassError> {
    on_db!(db, pool => {
        sqlx::query(
            "INSERT INTO demo_runs (learner_id, demo) VALUES ($1, $2)
             ON CONFLICT (learner_id, demo) DO UPDATE SET runs = demo_runs.runs + 1",
        )
        .bind(learner_id)
        .bind(demo)
        .execute(pool)
        .await?;
        Ok(())
    })
}

/// How many members of the class ran each demo.
pub async fn demo_runners(db: &Db, class_id: i64) -> Result<Vec<(String, i64)>, ClassError> {
    on_db!(db, pool => {
        Ok(sqlx::query_as(
            "SELECT d.demo, COUNT(*) FROM demo_runs d
             JOIN class_members m ON m.learner_id = d.learner_id AND m.class_id = $1
             GROUP BY d.demo",
        )
        .bind(class_id)
        .fetch_all(pool)
        .await?)
    })
}

#[cfg(test)]
mod tests;
