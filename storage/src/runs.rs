//! The `runs` table (server only): saving an experiment, loading it by id, a
//! learner's history.

use crate::db::{on_tx, Db, Tx};
use crate::on_db;

use lab_types::{ExperimentRequest, ExperimentResult, RunSummary, SavedRun};

/// Random bytes of a run id: 96 bits, unguessable, 24 hex characters.
const ID_BYTES: usize = 12;
const HISTORY_LENGTH: i64 = 20;
const MAX_TITLE_CHARS: usize = 120;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("stored JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("no random numbers from the OS: {0}")]
    Random(getrandom::Error),
}

/// A fresh, URL-safe, unguessable run id.
pub fn new_run_id() -> Result<String, StoreError> {
    let mut bytes = [0u8; ID_BYTES];
    getrandom::fill(&mut bytes).map_err(StoreError::Random)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// True for strings shaped like a run id (checked before touching the database).
pub fn is_run_id(id: &str) -> bool {
    id.len() == ID_BYTES * 2 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

pub async fn save_run(
    db: &Db,
    id: &str,
    learner_id: Option<i64>,
    request: &ExperimentRequest,
    title: &str,
    result: &ExperimentResult,
) -> Result<(), StoreError> {
    let mut tx = db.begin_write().await?;
    save_run_in(&mut tx, id, learner_id, request, title, result).await?;
    tx.commit().await?;
    Ok(())
}

/// [`save_run`] inside `tx`: a lab worker saves the run in the transaction
/// that marks its job done (`jobs::begin_finish`), so both commit or neither.
pub async fn save_run_in(
    tx: &mut Tx,
    id: &str,
    learner_id: Option<i64>,
    request: &ExperimentRequest,
    title: &str,
    result: &ExperimentResult,
) -> Result<(), StoreError> {
    // The parameters live once, inside the result; the title is a short line.
    let title: String = title.chars().take(MAX_TITLE_CHARS).collect();
    let json = serde_json::to_string(result)?;
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO runs (id, learner_id, kind, title, adapter, result) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(learner_id)
        .bind(request.kind_name())
        .bind(&title)
        .bind(result.adapter())
        .bind(&json)
        .execute(&mut *conn)
        .await?;
    });
    Ok(())
}

pub async fn load_run(db: &Db, id: &str) -> Result<Option<SavedRun>, StoreError> {
    on_db!(db, pool => {
        if !is_run_id(id) {
            return Ok(None);
        }
        let row: Option<(String, String, String, String, String)> =
            sqlx::query_as("SELECT id, kind, adapter, created_at, result FROM runs WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?;
        let Some((id, kind, adapter, created_at, result)) = row else {
            return Ok(None);
        };
        Ok(Some(SavedRun {
            id,
            kind,
            adapter,
            created_at,
            result: serde_json::from_str(&result)?,
        }))
    })
}

/// A learner's latest runs, newest first.
pub async fn history(db: &Db, learner_id: i64) -> Result<Vec<RunSummary>, StoreError> {
    on_db!(db, pool => {
        let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
            "SELECT id, kind, adapter, created_at, title FROM runs WHERE learner_id = $1 \
             ORDER BY created_at DESC, id DESC LIMIT $2",
        )
        .bind(learner_id)
        .bind(HISTORY_LENGTH)
        .fetch_all(pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, kind, adapter, created_at, title)| {
                let title = if title.is_empty() {
                    kind.clone()
                } else {
                    title
                };
                RunSummary {
                    id,
                    kind,
                    adapter,
                    created_at,
                    title,
                }
            })
            .collect())
    })
}

/// The newest `limit` saved results on this server, any learner's (what the
/// time-left estimate learns this server's speed from), newest first. Rows
/// that no longer parse are skipped.
pub async fn recent_results(db: &Db, limit: i64) -> Result<Vec<ExperimentResult>, StoreError> {
    on_db!(db, pool => {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT result FROM runs ORDER BY created_at DESC, id DESC LIMIT $1")
                .bind(limit)
                .fetch_all(pool)
                .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(json,)| serde_json::from_str(&json).ok())
            .collect())
    })
}

/// A learner's newest `limit` saved results, newest first (what their own
/// points on the roofline come from). Rows that no longer parse are skipped.
pub async fn learner_results(
    db: &Db,
    learner_id: i64,
    limit: i64,
) -> Result<Vec<ExperimentResult>, StoreError> {
    on_db!(db, pool => {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT result FROM runs WHERE learner_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        )
        .bind(learner_id)
        .bind(limit)
        .fetch_all(pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(json,)| serde_json::from_str(&json).ok())
            .collect())
    })
}

#[cfg(test)]
mod tests {
    use crate::db::Db;
    use crate::on_db;
    use crate::test_db::each_backend;

    async fn insert_kind(pool: &Db, id: &str, kind: &str) -> Result<(), sqlx::Error> {
        on_db!(pool, p => sqlx::query(
            "INSERT INTO runs (id, kind, adapter, result) VALUES ($1, $2, 'CPU only', '{}')",
        )
        .bind(id)
        .bind(kind)
        .execute(p)
        .await
        .map(|_| ()))
    }

    #[tokio::test]
    async fn a_new_kind_of_run_needs_no_table_rebuild() {
        each_backend(|pool| async move {
            // A kind no migration lists is stored as it is...
            insert_kind(&pool, "a", "roofline-sweep").await.unwrap();
            // ...within a bound on its length.
            assert!(insert_kind(&pool, "b", "").await.is_err());
            assert!(insert_kind(&pool, "c", &"k".repeat(33)).await.is_err());
            let indexes: Vec<String> = match &pool {
                Db::Sqlite(p) => sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'runs' \
                     AND name LIKE 'runs_by_%' ORDER BY name",
                )
                .fetch_all(p)
                .await,
                Db::Postgres(p) => {
                    sqlx::query_scalar(
                        "SELECT indexname::text FROM pg_indexes WHERE tablename = 'runs' \
                     AND indexname LIKE 'runs_by_%' AND indexname <> 'runs_by_seq' ORDER BY indexname",
                    )
                    .fetch_all(p)
                    .await
                }
            }
            .unwrap();
            assert_eq!(
                indexes,
                ["runs_by_created", "runs_by_learner"],
                "the rebuild kept the indexes"
            );
        })
        .await;
    }
}
