//! Puzzle submissions, leaderboards and display names in SQLite.

use crate::db::{now_text, on_tx, Db};
use crate::on_db;
use lab_types::PuzzleOutcome;

use lab_types::LeaderRow;

/// Submissions kept per learner and puzzle (the newest); older ones are deleted.
pub const KEPT_PER_PUZZLE: i64 = 20;
/// Of those, kernels that did not compile (the newest): only the latest
/// message is ever shown, and they cost no GPU time, so they come fastest.
pub const KEPT_COMPILE_ERRORS: i64 = 3;
/// Longest compile-error message stored, in bytes (the sandbox already cuts
/// its messages to this; the bound holds whatever a runner sends).
pub const MAX_ERROR_BYTES: usize = 4096;
/// Rows a leaderboard shows.
pub const BOARD_ROWS: i64 = 20;

fn verdict(o: &PuzzleOutcome) -> &'static str {
    match o {
        PuzzleOutcome::CompileError(_) => "compile_error",
        PuzzleOutcome::Wrong { .. } => "wrong",
        PuzzleOutcome::Correct { .. } => "correct",
    }
}

/// Stores a submission, trims the learner's older ones for the puzzle, and
/// keeps a correct kernel's time when it beats their best on that adapter.
pub async fn save(
    db: &Db,
    learner_id: i64,
    puzzle_id: &str,
    source: &str,
    outcome: &PuzzleOutcome,
) -> Result<(), sqlx::Error> {
    let stored = bounded(outcome);
    let outcome: &PuzzleOutcome = &stored;
    let json = serde_json::to_string(outcome).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let mut tx = db.begin_write().await?;
    on_tx!(&mut tx, conn => {
        sqlx::query(
            "INSERT INTO puzzle_submissions (learner_id, puzzle_id, source, verdict, outcome) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(learner_id)
        .bind(puzzle_id)
        .bind(source)
        .bind(verdict(outcome))
        .bind(&json)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })?;
    on_tx!(&mut tx, conn => {
        sqlx::query(
            "DELETE FROM puzzle_submissions WHERE learner_id = $1 AND puzzle_id = $2 AND id NOT IN \
             (SELECT id FROM puzzle_submissions WHERE learner_id = $1 AND puzzle_id = $2 \
              ORDER BY id DESC LIMIT $3)",
        )
        .bind(learner_id)
        .bind(puzzle_id)
        .bind(KEPT_PER_PUZZLE)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })?;
    on_tx!(&mut tx, conn => {
        sqlx::query(
            "DELETE FROM puzzle_submissions WHERE learner_id = $1 AND puzzle_id = $2 \
             AND verdict = 'compile_error' AND id NOT IN \
             (SELECT id FROM puzzle_submissions WHERE learner_id = $1 AND puzzle_id = $2 \
              AND verdict = 'compile_error' ORDER BY id DESC LIMIT $3)",
        )
        .bind(learner_id)
        .bind(puzzle_id)
        .bind(KEPT_COMPILE_ERRORS)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })?;
    if let PuzzleOutcome::Correct {
        adapter, timing, ..
    } = outcome
    {
        on_tx!(&mut tx, conn => {
            sqlx::query(
                "INSERT INTO puzzle_bests (learner_id, puzzle_id, adapter, median_ms, rate, unit, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (learner_id, puzzle_id, adapter) DO UPDATE SET \
                   median_ms = excluded.median_ms, rate = excluded.rate, unit = excluded.unit, \
                   created_at = excluded.created_at \
                 WHERE excluded.median_ms < puzzle_bests.median_ms",
            )
            .bind(learner_id)
            .bind(puzzle_id)
            .bind(adapter)
            .bind(timing.summary.median_ms)
            .bind(timing.rate)
            .bind(timing.unit.label())
            .bind(now_text())
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
        })?;
    }
    tx.commit().await
}

/// The outcome as stored: a compile error's message cut to [`MAX_ERROR_BYTES`].
fn bounded(outcome: &PuzzleOutcome) -> std::borrow::Cow<'_, PuzzleOutcome> {
    match outcome {
        PuzzleOutcome::CompileError(e) if e.message.len() > MAX_ERROR_BYTES => {
            let mut cut = MAX_ERROR_BYTES - '…'.len_utf8();
            while !e.message.is_char_boundary(cut) {
                cut -= 1;
            }
            let mut e = e.clone();
            e.message.truncate(cut);
            e.message.push('…');
            std::borrow::Cow::Owned(PuzzleOutcome::CompileError(e))
        }
        _ => std::borrow::Cow::Borrowed(outcome),
    }
}

/// The learner's latest submission to a puzzle: its source and outcome.
pub async fn latest(
    db: &Db,
    learner_id: i64,
    puzzle_id: &str,
) -> Result<Option<(String, PuzzleOutcome)>, sqlx::Error> {
    on_db!(db, pool => {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT source, outcome FROM puzzle_submissions WHERE learner_id = $1 AND puzzle_id = $2 \
             ORDER BY id DESC LIMIT 1",
        )
        .bind(learner_id)
        .bind(puzzle_id)
        .fetch_optional(pool)
        .await?;
        Ok(row.and_then(|(source, json)| {
            // A row from an older version that no longer parses is just not shown.
            serde_json::from_str(&json).ok().map(|o| (source, o))
        }))
    })
}

/// The puzzles this learner solved (on any adapter).
pub async fn solved(db: &Db, learner_id: i64) -> Result<Vec<String>, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_scalar("SELECT DISTINCT puzzle_id FROM puzzle_bests WHERE learner_id = $1")
            .bind(learner_id)
            .fetch_all(pool)
            .await
    })
}

/// The fastest learners on a puzzle, per adapter (fastest first).
pub async fn leaderboard(
    db: &Db,
    puzzle_id: &str,
    you: Option<i64>,
) -> Result<Vec<LeaderRow>, sqlx::Error> {
    on_db!(db, pool => {
        let rows: Vec<(i64, Option<String>, String, f64, f64, String)> = sqlx::query_as(
            "SELECT b.learner_id, l.display_name, b.adapter, b.median_ms, b.rate, b.unit \
             FROM puzzle_bests b JOIN learners l ON l.id = b.learner_id \
             WHERE b.puzzle_id = $1 ORDER BY b.adapter, b.median_ms LIMIT $2",
        )
        .bind(puzzle_id)
        .bind(BOARD_ROWS)
        .fetch_all(pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(learner, name, adapter, median_ms, rate, unit)| LeaderRow {
                    name,
                    you: Some(learner) == you,
                    adapter,
                    median_ms,
                    rate,
                    unit,
                },
            )
            .collect())
    })
}

pub async fn display_name(db: &Db, learner_id: i64) -> Result<Option<String>, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_scalar("SELECT display_name FROM learners WHERE id = $1")
            .bind(learner_id)
            .fetch_optional(pool)
            .await
            .map(Option::flatten)
    })
}

pub async fn set_display_name(
    db: &Db,
    learner_id: i64,
    name: Option<&str>,
) -> Result<(), sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query("UPDATE learners SET display_name = $1 WHERE id = $2")
            .bind(name)
            .bind(learner_id)
            .execute(pool)
            .await
            .map(|_| ())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::on_db;
    use crate::test_db::{each_backend, new_learner};
    use lab_types::CompileError;

    fn compile_error(message: String) -> PuzzleOutcome {
        PuzzleOutcome::CompileError(CompileError {
            line: Some(1),
            column: Some(1),
            message,
        })
    }

    #[tokio::test]
    async fn kernels_that_did_not_compile_are_cut_and_only_the_newest_kept() {
        each_backend(|pool| async move {
            let learner = new_learner(&pool).await;
            let huge = "é".repeat(20_000);
            for i in 0..10 {
                save(
                    &pool,
                    learner,
                    "map",
                    &format!("// {i}"),
                    &compile_error(huge.clone()),
                )
                .await
                .unwrap();
            }
            let rows: Vec<(String, i64)> = on_db!(&pool, p => sqlx::query_as(
                "SELECT source, CAST(octet_length(outcome) AS BIGINT) FROM puzzle_submissions ORDER BY id",
            )
            .fetch_all(p)
            .await)
            .unwrap();
            assert_eq!(rows.len() as i64, KEPT_COMPILE_ERRORS);
            assert_eq!(rows.last().unwrap().0, "// 9", "the newest stays");
            for (_, bytes) in &rows {
                assert!(*bytes < MAX_ERROR_BYTES as i64 + 200, "{bytes}");
            }
            let (_, shown) = latest(&pool, learner, "map").await.unwrap().unwrap();
            let PuzzleOutcome::CompileError(e) = shown else {
                panic!("{shown:?}")
            };
            assert!(e.message.len() <= MAX_ERROR_BYTES && e.message.ends_with('…'));
        })
        .await;
    }
}
