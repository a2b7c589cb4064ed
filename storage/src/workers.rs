//! Lab workers (`lab_workers`): the processes that claim jobs from the queue
//! ([`crate::jobs`]), each with the devices it offers and the limits of its
//! adapter, so that a web instance can validate a request against what some
//! live worker can run, and tell a learner at once when no worker is there
//! (instead of after the queue's deadline). A worker is live while its
//! heartbeat is recent; one that is stopping claims nothing more.

use crate::db::Db;
use crate::jobs::Needs;
use crate::on_db;

/// What a worker tells the queue about itself.
#[derive(Debug, Clone, Copy)]
pub struct Worker<'a> {
    /// Unique per process (a host name and a random suffix, say).
    pub id: &'a str,
    pub offers: Needs,
    /// The GPU adapter's name ("NVIDIA H200", "llvmpipe …"), empty without one.
    pub adapter: &'a str,
    /// The adapter is a software emulation (lavapipe), which learners are told.
    pub software: bool,
    /// The adapter's limits as JSON (what requests are validated against).
    pub limits: &'a str,
}

/// A live worker as the web instances see it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LiveWorker {
    pub id: String,
    pub has_gpu: bool,
    pub has_cpu: bool,
    pub adapter: String,
    pub software: bool,
    pub limits: String,
}

/// Registers (or re-registers, after a restart) a worker as seen at `now_ms`.
pub async fn register(db: &Db, w: Worker<'_>, now_ms: i64) -> Result<(), sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query(
            "INSERT INTO lab_workers (id, has_gpu, has_cpu, adapter, software, limits,
                 started_ms, seen_ms, stopping)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, FALSE)
             ON CONFLICT (id) DO UPDATE SET has_gpu = $2, has_cpu = $3, adapter = $4,
                 software = $5, limits = $6, started_ms = $7, seen_ms = $7, stopping = FALSE",
        )
        .bind(w.id)
        .bind(w.offers.gpu)
        .bind(w.offers.cpu)
        .bind(w.adapter)
        .bind(w.software)
        .bind(w.limits)
        .bind(now_ms)
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// The worker is still there at `now_ms`; `false` when it is not registered
/// (forgotten after a long silence: it must register again).
pub async fn beat(db: &Db, id: &str, now_ms: i64) -> Result<bool, sqlx::Error> {
    let n = on_db!(db, pool => sqlx::query("UPDATE lab_workers SET seen_ms = $2 WHERE id = $1")
        .bind(id)
        .bind(now_ms)
        .execute(pool)
        .await?
        .rows_affected());
    Ok(n == 1)
}

/// The worker is shutting down: it claims nothing more, and new requests are
/// not promised to it.
pub async fn stopping(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query("UPDATE lab_workers SET stopping = TRUE WHERE id = $1")
            .bind(id)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// Workers seen within `within_ms` of `now_ms` and not stopping.
pub async fn live(db: &Db, now_ms: i64, within_ms: i64) -> Result<Vec<LiveWorker>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as::<_, LiveWorker>(
        "SELECT id, has_gpu, has_cpu, adapter, software, limits FROM lab_workers
         WHERE seen_ms >= $1 AND NOT stopping ORDER BY id",
    )
    .bind(now_ms - within_ms)
    .fetch_all(pool)
    .await)
}

/// Whether some live worker offers every device a job `needs`.
pub fn can_serve(live: &[LiveWorker], needs: Needs) -> bool {
    live.iter()
        .any(|w| (w.has_gpu || !needs.gpu) && (w.has_cpu || !needs.cpu))
}

/// Deletes workers not seen for `silent_ms` (their jobs' leases ran out long
/// before, and the reaper has dealt with them).
pub async fn forget_silent(db: &Db, now_ms: i64, silent_ms: i64) -> Result<u64, sqlx::Error> {
    on_db!(db, pool => Ok(sqlx::query("DELETE FROM lab_workers WHERE seen_ms < $1")
        .bind(now_ms - silent_ms)
        .execute(pool)
        .await?
        .rows_affected()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_db::each_backend;

    const T0: i64 = 1_700_000_000_000;
    const WITHIN: i64 = 15_000;

    fn worker(id: &str, gpu: bool) -> Worker<'_> {
        Worker {
            id,
            offers: Needs { gpu, cpu: true },
            adapter: if gpu {
                "llvmpipe (LLVM 15.0.6, 256 bits)"
            } else {
                ""
            },
            software: gpu,
            limits: r#"{"max_n":65536}"#,
        }
    }

    const GPU_JOB: Needs = Needs {
        gpu: true,
        cpu: false,
    };

    #[tokio::test]
    async fn live_workers_are_the_recent_ones_that_are_not_stopping() {
        each_backend(|db| async move {
            assert!(
                !can_serve(&live(&db, T0, WITHIN).await.unwrap(), GPU_JOB),
                "nobody"
            );
            register(&db, worker("cpu-box", false), T0).await.unwrap();
            let now = live(&db, T0, WITHIN).await.unwrap();
            assert_eq!(now.len(), 1);
            assert!(
                !can_serve(&now, GPU_JOB),
                "a CPU worker cannot run a GPU job"
            );
            register(&db, worker("gpu-box", true), T0).await.unwrap();
            let now = live(&db, T0 + 1_000, WITHIN).await.unwrap();
            assert!(can_serve(&now, GPU_JOB));
            assert_eq!(now[1].adapter, "llvmpipe (LLVM 15.0.6, 256 bits)");
            assert!(now[1].software);

            // The GPU worker falls silent; the CPU one keeps beating.
            assert!(beat(&db, "cpu-box", T0 + 20_000).await.unwrap());
            let later = live(&db, T0 + 20_000, WITHIN).await.unwrap();
            assert_eq!(later.len(), 1);
            assert!(
                !can_serve(&later, GPU_JOB),
                "told at once: no live GPU worker"
            );
            // It restarts under the same id; then shuts down.
            register(&db, worker("gpu-box", true), T0 + 21_000)
                .await
                .unwrap();
            assert!(can_serve(
                &live(&db, T0 + 21_000, WITHIN).await.unwrap(),
                GPU_JOB
            ));
            stopping(&db, "gpu-box").await.unwrap();
            assert!(!can_serve(
                &live(&db, T0 + 21_000, WITHIN).await.unwrap(),
                GPU_JOB
            ));

            assert!(beat(&db, "cpu-box", T0 + 29_000).await.unwrap());
            assert_eq!(forget_silent(&db, T0 + 30_000, 5_000).await.unwrap(), 1);
            assert!(
                !beat(&db, "gpu-box", T0 + 30_000).await.unwrap(),
                "forgotten"
            );
        })
        .await;
    }
}
