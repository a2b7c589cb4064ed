//! The timing demo's reports, kept for a while (not saved as runs) so that a
//! plain form post (no JavaScript) can be redirected to a page that shows its
//! report, whichever web instance serves that page. Bounded: at most [`KEEP`]
//! reports, none older than [`KEEP_FOR_MS`]; each is a few kilobytes of JSON.

use lab_types::TimingReport;

use crate::db::Db;
use crate::on_db;

/// Reports kept at most (the newest).
pub const KEEP: i64 = 64;
/// How long a report stays readable: 30 minutes.
pub const KEEP_FOR_MS: i64 = 30 * 60 * 1000;

#[derive(Debug, thiserror::Error)]
pub enum TimingReportError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("a timing report as JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Keeps `report` under `id` (a fresh run id) at `now_ms`, dropping expired
/// reports and all but the newest `KEEP - 1` others first.
pub async fn keep(
    db: &Db,
    id: &str,
    report: &TimingReport,
    now_ms: i64,
) -> Result<(), TimingReportError> {
    let json = serde_json::to_string(report)?;
    on_db!(db, pool => {
        sqlx::query(
            "DELETE FROM timing_reports WHERE kept_at_ms <= $1 OR id NOT IN \
             (SELECT id FROM timing_reports ORDER BY kept_at_ms DESC, id LIMIT $2)",
        )
        .bind(now_ms - KEEP_FOR_MS)
        .bind(KEEP - 1)
        .execute(pool)
        .await?;
        sqlx::query("INSERT INTO timing_reports (id, kept_at_ms, report) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(now_ms)
            .bind(&json)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// The report kept under `id`, unless it is unknown or expired at `now_ms`.
pub async fn get(
    db: &Db,
    id: &str,
    now_ms: i64,
) -> Result<Option<TimingReport>, TimingReportError> {
    let json: Option<String> = on_db!(db, pool => sqlx::query_scalar(
        "SELECT report FROM timing_reports WHERE id = $1 AND kept_at_ms > $2",
    )
    .bind(id)
    .bind(now_ms - KEEP_FOR_MS)
    .fetch_optional(pool)
    .await?);
    Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_db::each_backend;

    fn report(label: &str) -> TimingReport {
        TimingReport {
            adapter: "llvmpipe".into(),
            software: true,
            label: label.into(),
            model: Default::default(),
            batch: 64,
            kernel: Default::default(),
            submit_only_ms: 0.1,
            submit_and_wait_ms: 2.0,
            submit_only: Default::default(),
            submit_and_wait: Default::default(),
            still_running_after_submit: 3,
            cold_first_call_ms: 40.0,
            cold_breakdown: lab_types::ColdStart::new(Some(10.0), None, None, 1.0, 0.5),
            warm_call: Default::default(),
            explanation: String::new(),
        }
    }

    async fn count(db: &Db) -> i64 {
        on_db!(db, pool => sqlx::query_scalar("SELECT count(*) FROM timing_reports")
            .fetch_one(pool)
            .await
            .unwrap())
    }

    #[tokio::test]
    async fn a_kept_report_reads_back_until_it_expires_and_the_newest_are_kept() {
        each_backend(|db| async move {
            let t0 = 1_000_000_000;
            keep(&db, "first", &report("one"), t0).await.unwrap();
            let read = get(&db, "first", t0 + 1).await.unwrap().expect("kept");
            assert_eq!(read.label, "one");
            assert!(
                get(&db, "other", t0 + 1).await.unwrap().is_none(),
                "unknown id"
            );
            assert!(
                get(&db, "first", t0 + KEEP_FOR_MS).await.unwrap().is_none(),
                "expired"
            );
            for i in 0..KEEP + 10 {
                keep(&db, &format!("r{i}"), &report("n"), t0 + 1 + i)
                    .await
                    .unwrap();
            }
            assert_eq!(count(&db).await, KEEP, "bounded");
            let newest = format!("r{}", KEEP + 9);
            assert!(get(&db, &newest, t0 + 100).await.unwrap().is_some());
            assert!(
                get(&db, "r0", t0 + 100).await.unwrap().is_none(),
                "oldest dropped"
            );
            assert!(get(&db, "first", t0 + 100).await.unwrap().is_none());
        })
        .await;
    }
}
