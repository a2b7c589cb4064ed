//! Puzzle submissions, leaderboards and display names in SQLite.

use lab_types::PuzzleOutcome;
use sqlx::SqlitePool;

use super::types::LeaderRow;

/// Submissions kept per learner and puzzle (the newest); older ones are deleted.
pub const KEPT_PER_PUZZLE: i64 = 20;
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
    pool: &SqlitePool,
    learner_id: i64,
    puzzle_id: &str,
    source: &str,
    outcome: &PuzzleOutcome,
) -> Result<(), sqlx::Error> {
    let json = serde_json::to_string(outcome).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    // IMMEDIATE: the write lock from the start, so a concurrent writer makes this
    // wait (busy timeout); a deferred read that turns into a write fails instead.
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query(
        "INSERT INTO puzzle_submissions (learner_id, puzzle_id, source, verdict, outcome) \
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(learner_id)
    .bind(puzzle_id)
    .bind(source)
    .bind(verdict(outcome))
    .bind(&json)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "DELETE FROM puzzle_submissions WHERE learner_id = ?1 AND puzzle_id = ?2 AND id NOT IN \
         (SELECT id FROM puzzle_submissions WHERE learner_id = ?1 AND puzzle_id = ?2 \
          ORDER BY id DESC LIMIT ?3)",
    )
    .bind(learner_id)
    .bind(puzzle_id)
    .bind(KEPT_PER_PUZZLE)
    .execute(&mut *tx)
    .await?;
    if let PuzzleOutcome::Correct {
        adapter, timing, ..
    } = outcome
    {
        sqlx::query(
            "INSERT INTO puzzle_bests (learner_id, puzzle_id, adapter, median_ms, rate, unit) \
             VALUES (?, ?, ?, ?, ?, ?) \
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
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// The learner's latest submission to a puzzle: its source and outcome.
pub async fn latest(
    pool: &SqlitePool,
    learner_id: i64,
    puzzle_id: &str,
) -> Result<Option<(String, PuzzleOutcome)>, sqlx::Error> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT source, outcome FROM puzzle_submissions WHERE learner_id = ? AND puzzle_id = ? \
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
}

/// The puzzles this learner solved (on any adapter).
pub async fn solved(pool: &SqlitePool, learner_id: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT DISTINCT puzzle_id FROM puzzle_bests WHERE learner_id = ?")
        .bind(learner_id)
        .fetch_all(pool)
        .await
}

/// The fastest learners on a puzzle, per adapter (fastest first).
pub async fn leaderboard(
    pool: &SqlitePool,
    puzzle_id: &str,
    you: Option<i64>,
) -> Result<Vec<LeaderRow>, sqlx::Error> {
    let rows: Vec<(i64, Option<String>, String, f64, f64, String)> = sqlx::query_as(
        "SELECT b.learner_id, l.display_name, b.adapter, b.median_ms, b.rate, b.unit \
         FROM puzzle_bests b JOIN learners l ON l.id = b.learner_id \
         WHERE b.puzzle_id = ? ORDER BY b.adapter, b.median_ms LIMIT ?",
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
}

pub async fn display_name(
    pool: &SqlitePool,
    learner_id: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT display_name FROM learners WHERE id = ?")
        .bind(learner_id)
        .fetch_optional(pool)
        .await
        .map(Option::flatten)
}

pub async fn set_display_name(
    pool: &SqlitePool,
    learner_id: i64,
    name: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE learners SET display_name = ? WHERE id = ?")
        .bind(name)
        .bind(learner_id)
        .execute(pool)
        .await
        .map(|_| ())
}
