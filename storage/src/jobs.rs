//! The lab's durable job queue (`lab_jobs`): the truth about every measurement
//! a learner asked for, so that lab workers on other hosts can pull jobs from
//! one shared database and a killed worker loses no job and saves no result
//! twice. This module is the queue's storage; which process claims and runs
//! the jobs is the server's business.
//!
//! A job goes queued → running → done, failed or cancelled:
//! - **Admission** ([`enqueue`]) counts the queue and the client's jobs under
//!   one lock (PostgreSQL's transaction advisory lock; SQLite's single
//!   writer), and two partial unique indexes hold a learner to one waiting
//!   and one running job, whichever instance admits.
//! - **Claiming** ([`claim`]) takes the oldest queued job the worker's devices
//!   can run (first come, first served), `FOR UPDATE SKIP LOCKED` on
//!   PostgreSQL so that workers never wait for each other, and bumps the job's
//!   `attempt`: the fencing token every later write of that worker must show.
//! - **Leases**: a running job belongs to its worker until `lease_until_ms`,
//!   which [`heartbeat`] extends (and answers whether a cancel was asked).
//!   [`progress`], [`fail`] and [`begin_finish`] are fenced by the attempt, and
//!   a finish saves its result in the same transaction, so a zombie worker
//!   whose lease ran out can never record anything.
//! - **The reaper** ([`reap`]) re-queues a job whose lease expired once,
//!   keeping its place in line, then fails it with a clear message; it cancels
//!   jobs that nobody follows any more (`followed_until_ms`).
//!
//! Times are Unix milliseconds from the caller's clock.

use crate::db::{on_tx, Db, Tx};
use crate::on_db;

/// Advisory lock key of admission on PostgreSQL (counts, then an insert).
const ADMIT_LOCK: i64 = 0x1ab_0010;

/// The message a job fails with when its worker stopped answering twice.
pub const LOST_TWICE: &str =
    "the lab worker running this job stopped answering, twice: try again, or ask your teacher";

/// The devices a job holds while it runs (and a worker offers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    pub gpu: bool,
    pub cpu: bool,
}

impl Needs {
    /// Whether two jobs need a device in common (so one waits for the other).
    pub fn overlaps(self, other: Needs) -> bool {
        (self.gpu && other.gpu) || (self.cpu && other.cpu)
    }
}

/// Whose job it is: a learner (when the request had one) behind a client (an
/// address or IPv6 /64, as text).
#[derive(Debug, Clone, Copy)]
pub struct JobOwner<'a> {
    pub learner: Option<i64>,
    pub client: &'a str,
}

/// A job to admit.
#[derive(Debug, Clone, Copy)]
pub struct NewJob<'a> {
    /// Its id, which the saved run keeps (`runs::new_run_id`).
    pub id: &'a str,
    /// What to run ("experiment", "sweep", …); the worker reads it.
    pub kind: &'a str,
    /// Its parameters as JSON.
    pub params: &'a str,
    pub needs: Needs,
    pub owner: JobOwner<'a>,
    /// Until when someone follows it (refreshed by [`follow`]).
    pub followed_until_ms: i64,
}

/// How many jobs may wait, and how many one client may have queued or running.
#[derive(Debug, Clone, Copy)]
pub struct Share {
    pub capacity: i64,
    pub per_client: i64,
}

/// Why a job was not admitted (nothing was written).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("{waiting} jobs are waiting (capacity {capacity})")]
    Full { waiting: i64, capacity: i64 },
    #[error("the learner already has a job waiting")]
    OwnerBusy,
    #[error("the client already has {jobs} jobs queued or running")]
    ClientBusy { jobs: i64 },
}

/// A write of a worker whose claim is no longer the job's: its lease ran out
/// and the job was re-queued, claimed again, cancelled or finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("job {attempt} of this worker is fenced off: it no longer owns the job")]
pub struct Fenced {
    pub attempt: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Fenced(#[from] Fenced),
}

/// A job a worker claimed: what to run, and the attempt to show on every write.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Claimed {
    pub id: String,
    pub attempt: i64,
    pub kind: String,
    pub params: String,
    pub learner_id: Option<i64>,
}

/// What a follower sees of a job.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct JobView {
    pub id: String,
    pub kind: String,
    pub state: String,
    pub attempt: i64,
    /// Jobs waiting before it (0 when it is not waiting).
    pub ahead: i64,
    pub progress: Option<String>,
    pub error: Option<String>,
    pub cancel_requested: bool,
    /// A finished job's answer, when it is not a saved run.
    pub result: Option<String>,
}

/// What one pass of [`reap`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reaped {
    pub requeued: u64,
    pub failed: u64,
    pub abandoned: u64,
}

/// What a cancel did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancel {
    /// It was waiting: it is cancelled now.
    Dequeued,
    /// It is running: its worker is asked to stop (within one batch).
    Asked,
    /// No unfinished job of this owner has that id.
    NotFound,
}

impl Tx {
    /// What ends a `SELECT` of rows to claim: ` FOR UPDATE SKIP LOCKED` on
    /// PostgreSQL (a row another worker is claiming is passed over, not
    /// waited for); nothing on SQLite, whose write transaction excludes
    /// every other writer.
    pub fn skip_locked(&self) -> &'static str {
        match self {
            Tx::Sqlite(_) => "",
            Tx::Postgres(_) => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// Serialises this transaction with every other one taking `key` (until
    /// it ends) on PostgreSQL; SQLite's write transaction already is.
    async fn lock(&mut self, key: i64) -> Result<(), sqlx::Error> {
        if let Tx::Postgres(tx) = self {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(key)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }
}

/// Admits a job: `Ok(Err(_))` when the queue is full, the learner already has
/// a job waiting, or the client has its share (then nothing is written).
pub async fn enqueue(
    db: &Db,
    job: NewJob<'_>,
    share: Share,
    now_ms: i64,
) -> Result<Result<(), Refused>, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    tx.lock(ADMIT_LOCK).await?;
    let refused = on_tx!(&mut tx, conn => {
        let (waiting, of_client): (i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE state = 'queued'),
                    count(*) FILTER (WHERE client_key = $1)
             FROM lab_jobs WHERE state IN ('queued', 'running')",
        )
        .bind(job.owner.client)
        .fetch_one(&mut *conn)
        .await?;
        if waiting >= share.capacity {
            Some(Refused::Full { waiting, capacity: share.capacity })
        } else if of_client >= share.per_client {
            Some(Refused::ClientBusy { jobs: of_client })
        } else {
            let inserted = sqlx::query(
                "INSERT INTO lab_jobs (id, kind, params, needs_gpu, needs_cpu, learner_id,
                     client_key, state, created_ms, followed_until_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', $8, $9)",
            )
            .bind(job.id)
            .bind(job.kind)
            .bind(job.params)
            .bind(job.needs.gpu)
            .bind(job.needs.cpu)
            .bind(job.owner.learner)
            .bind(job.owner.client)
            .bind(now_ms)
            .bind(job.followed_until_ms)
            .execute(&mut *conn)
            .await;
            match inserted {
                Ok(_) => None,
                // The partial unique index: one waiting job per learner.
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Some(Refused::OwnerBusy),
                Err(e) => return Err(e),
            }
        }
    });
    match refused {
        Some(why) => Ok(Err(why)),
        None => {
            tx.commit().await?;
            Ok(Ok(()))
        }
    }
}

/// Whether [`enqueue`] would admit a job of `owner` now, without writing:
/// callers refuse before they create anything (a learner, a cookie). The
/// answer can be stale by the time they enqueue, which counts again under
/// its lock.
pub async fn room(
    db: &Db,
    owner: JobOwner<'_>,
    share: Share,
) -> Result<Result<(), Refused>, sqlx::Error> {
    on_db!(db, pool => {
        let (waiting, of_client, of_learner): (i64, i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE state = 'queued'),
                    count(*) FILTER (WHERE client_key = $1),
                    count(*) FILTER (WHERE state = 'queued' AND requeues = 0
                                       AND learner_id IS NOT NULL AND learner_id = $2)
             FROM lab_jobs WHERE state IN ('queued', 'running')",
        )
        .bind(owner.client)
        .bind(owner.learner)
        .fetch_one(pool)
        .await?;
        Ok(if waiting >= share.capacity {
            Err(Refused::Full { waiting, capacity: share.capacity })
        } else if of_learner > 0 {
            Err(Refused::OwnerBusy)
        } else if of_client >= share.per_client {
            Err(Refused::ClientBusy { jobs: of_client })
        } else {
            Ok(())
        })
    })
}

/// Claims the oldest queued job that `offers` can run and whose learner has
/// no job running, for `lease_ms`: `None` when there is none.
pub async fn claim(
    db: &Db,
    worker: &str,
    offers: Needs,
    now_ms: i64,
    lease_ms: i64,
) -> Result<Option<Claimed>, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let pick = format!(
        "SELECT seq FROM lab_jobs j
         WHERE state = 'queued' AND (NOT needs_gpu OR $1) AND (NOT needs_cpu OR $2)
           AND (learner_id IS NULL OR NOT EXISTS (SELECT 1 FROM lab_jobs r
                WHERE r.state = 'running' AND r.learner_id = j.learner_id))
         ORDER BY seq LIMIT 1{}",
        tx.skip_locked()
    );
    let claimed = on_tx!(&mut tx, conn => {
        let seq: Option<i64> = sqlx::query_scalar(&pick)
            .bind(offers.gpu)
            .bind(offers.cpu)
            .fetch_optional(&mut *conn)
            .await?;
        match seq {
            None => None,
            Some(seq) => {
                let claimed = sqlx::query_as::<_, Claimed>(
                    "UPDATE lab_jobs SET state = 'running', attempt = attempt + 1, worker = $2,
                         lease_until_ms = $3, progress = NULL
                     WHERE seq = $1 AND state = 'queued'
                     RETURNING id, attempt, kind, params, learner_id",
                )
                .bind(seq)
                .bind(worker)
                .bind(now_ms + lease_ms)
                .fetch_optional(&mut *conn)
                .await;
                match claimed {
                    Ok(claimed) => claimed,
                    // Another worker started this learner's other job at the
                    // same moment (one running each): nothing to claim now.
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Ok(None),
                    Err(e) => return Err(e),
                }
            }
        }
    });
    tx.commit().await?;
    Ok(claimed)
}

/// Extends the lease of a job this worker runs; answers whether a cancel was
/// asked (the worker turns it into the engine's stop flag).
pub async fn heartbeat(
    db: &Db,
    id: &str,
    attempt: i64,
    now_ms: i64,
    lease_ms: i64,
) -> Result<bool, JobError> {
    let cancel: Option<bool> = on_db!(db, pool => sqlx::query_scalar(
        "UPDATE lab_jobs SET lease_until_ms = $3
         WHERE id = $1 AND attempt = $2 AND state = 'running'
         RETURNING cancel_requested",
    )
    .bind(id)
    .bind(attempt)
    .bind(now_ms + lease_ms)
    .fetch_optional(pool)
    .await?);
    cancel.ok_or(JobError::Fenced(Fenced { attempt }))
}

/// Records a running job's progress (JSON), fenced.
pub async fn progress(db: &Db, id: &str, attempt: i64, json: &str) -> Result<(), JobError> {
    let n = on_db!(db, pool => sqlx::query(
        "UPDATE lab_jobs SET progress = $3 WHERE id = $1 AND attempt = $2 AND state = 'running'",
    )
    .bind(id)
    .bind(attempt)
    .bind(json)
    .execute(pool)
    .await?
    .rows_affected());
    fenced(n, attempt)
}

/// Fails a running job with a message a learner can read, fenced.
pub async fn fail(
    db: &Db,
    id: &str,
    attempt: i64,
    message: &str,
    now_ms: i64,
) -> Result<(), JobError> {
    let n = on_db!(db, pool => sqlx::query(
        "UPDATE lab_jobs SET state = 'failed', error = $3, finished_ms = $4
         WHERE id = $1 AND attempt = $2 AND state = 'running'",
    )
    .bind(id)
    .bind(attempt)
    .bind(message)
    .bind(now_ms)
    .execute(pool)
    .await?
    .rows_affected());
    fenced(n, attempt)
}

/// Ends a running job that stopped because a cancel was asked, fenced.
pub async fn stopped(db: &Db, id: &str, attempt: i64, now_ms: i64) -> Result<(), JobError> {
    let n = on_db!(db, pool => sqlx::query(
        "UPDATE lab_jobs SET state = 'cancelled', progress = NULL, finished_ms = $3
         WHERE id = $1 AND attempt = $2 AND state = 'running'",
    )
    .bind(id)
    .bind(attempt)
    .bind(now_ms)
    .execute(pool)
    .await?
    .rows_affected());
    fenced(n, attempt)
}

/// Marks a running job done, fenced, and answers the transaction to save its
/// result in: nothing is done until [`Tx::commit`], so a job is done exactly
/// when its result is saved.
///
/// `result` is the job's answer as JSON when it is not a saved run (the
/// timing demo's report, a kernel's outcome): kept on the job's row.
pub async fn begin_finish(
    db: &Db,
    id: &str,
    attempt: i64,
    now_ms: i64,
    result: Option<&str>,
) -> Result<Tx, JobError> {
    let mut tx = db.begin_write().await?;
    let n = on_tx!(&mut tx, conn => sqlx::query(
        "UPDATE lab_jobs SET state = 'done', progress = NULL, finished_ms = $3, result = $4
         WHERE id = $1 AND attempt = $2 AND state = 'running'",
    )
    .bind(id)
    .bind(attempt)
    .bind(now_ms)
    .bind(result)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    fenced(n, attempt)?;
    Ok(tx)
}

fn fenced(rows: u64, attempt: i64) -> Result<(), JobError> {
    if rows == 1 {
        Ok(())
    } else {
        Err(JobError::Fenced(Fenced { attempt }))
    }
}

/// Cancels `owner`'s unfinished job `id`: a waiting one at once, a running one
/// by asking its worker.
pub async fn cancel(
    db: &Db,
    id: &str,
    owner: JobOwner<'_>,
    now_ms: i64,
) -> Result<Cancel, sqlx::Error> {
    // A learner's job is theirs from any network; an anonymous one is its
    // client's. The owner is always $2.
    let theirs = match owner.learner {
        Some(_) => "learner_id = $2",
        None => "learner_id IS NULL AND client_key = $2",
    };
    let dequeue = format!(
        "UPDATE lab_jobs SET state = 'cancelled', finished_ms = $3
         WHERE id = $1 AND state = 'queued' AND {theirs}"
    );
    let ask = format!(
        "UPDATE lab_jobs SET cancel_requested = TRUE
         WHERE id = $1 AND state = 'running' AND {theirs}"
    );
    on_db!(db, pool => {
        let dequeued = match owner.learner {
            Some(learner) => sqlx::query(&dequeue).bind(id).bind(learner),
            None => sqlx::query(&dequeue).bind(id).bind(owner.client),
        }
        .bind(now_ms)
        .execute(pool)
        .await?
        .rows_affected();
        if dequeued == 1 {
            return Ok(Cancel::Dequeued);
        }
        let asked = match owner.learner {
            Some(learner) => sqlx::query(&ask).bind(id).bind(learner),
            None => sqlx::query(&ask).bind(id).bind(owner.client),
        }
        .execute(pool)
        .await?
        .rows_affected();
        Ok(if asked == 1 { Cancel::Asked } else { Cancel::NotFound })
    })
}

/// Someone still follows job `id` (a web instance streaming it): until `until_ms`.
pub async fn follow(db: &Db, id: &str, until_ms: i64) -> Result<(), sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query(
            "UPDATE lab_jobs SET followed_until_ms = $2
             WHERE id = $1 AND state IN ('queued', 'running') AND followed_until_ms < $2",
        )
        .bind(id)
        .bind(until_ms)
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// A job as its followers see it; `None` for an unknown id.
pub async fn view(db: &Db, id: &str) -> Result<Option<JobView>, sqlx::Error> {
    on_db!(db, pool => sqlx::query_as::<_, JobView>(
        &format!("{VIEW} WHERE id = $1"),
    )
    .bind(id)
    .fetch_optional(pool)
    .await)
}

/// What a follower reads of a job (`ahead` counts the jobs waiting before it
/// that need one of its devices: first come, first served per device).
const VIEW: &str = "SELECT id, kind, state, attempt,
        CASE WHEN state = 'queued' THEN (SELECT count(*) FROM lab_jobs w
             WHERE w.state IN ('queued', 'running') AND w.seq < j.seq
               AND ((w.needs_gpu AND j.needs_gpu) OR (w.needs_cpu AND j.needs_cpu)))
             ELSE 0 END AS ahead,
        progress, error, cancel_requested, result
    FROM lab_jobs j";

/// The most ids one [`views`] or [`follow_many`] statement names.
pub const BATCH: usize = 500;

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Many jobs at once (a web instance's followers, polled in one statement);
/// unknown ids are left out. At most [`BATCH`] ids are read.
pub async fn views(db: &Db, ids: &[String]) -> Result<Vec<JobView>, sqlx::Error> {
    let ids = &ids[..ids.len().min(BATCH)];
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("{VIEW} WHERE id IN ({})", placeholders(1, ids.len()));
    on_db!(db, pool => {
        let mut q = sqlx::query_as::<_, JobView>(&sql);
        for id in ids {
            q = q.bind(id);
        }
        q.fetch_all(pool).await
    })
}

/// Someone still follows these jobs: until `until_ms` (at most [`BATCH`]).
pub async fn follow_many(db: &Db, ids: &[String], until_ms: i64) -> Result<(), sqlx::Error> {
    let ids = &ids[..ids.len().min(BATCH)];
    if ids.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "UPDATE lab_jobs SET followed_until_ms = $1
         WHERE id IN ({}) AND state IN ('queued', 'running') AND followed_until_ms < $1",
        placeholders(2, ids.len())
    );
    on_db!(db, pool => {
        let mut q = sqlx::query(&sql).bind(until_ms);
        for id in ids {
            q = q.bind(id);
        }
        q.execute(pool).await?;
    });
    Ok(())
}

/// Jobs running and waiting now.
pub async fn counts(db: &Db) -> Result<(i64, i64), sqlx::Error> {
    on_db!(db, pool => sqlx::query_as(
        "SELECT count(*) FILTER (WHERE state = 'running'), count(*) FILTER (WHERE state = 'queued')
         FROM lab_jobs WHERE state IN ('queued', 'running')",
    )
    .fetch_one(pool)
    .await)
}

/// The channel a job's changes are announced on (payload: its id): web
/// instances' followers wake at once instead of at their next poll.
pub const CHANGED: &str = "lab_job_changed";
/// The channel new jobs are announced on: idle workers wake at once.
pub const QUEUED: &str = "lab_job_queued";
/// The channel cancels of running jobs are announced on (payload: the id):
/// the worker running it stops within one batch, not at its next heartbeat.
pub const CANCEL: &str = "lab_job_cancel";

/// Announces `payload` on `channel` (PostgreSQL's NOTIFY; nothing on SQLite,
/// where one process is both the web instance and the worker). Only a wake-up:
/// the row is the truth, and every listener also polls.
pub async fn notify(db: &Db, channel: &str, payload: &str) -> Result<(), sqlx::Error> {
    if let Db::Postgres(pool) = db {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(channel)
            .bind(payload)
            .execute(pool)
            .await?;
    }
    Ok(())
}

/// One pass of the reaper at `now_ms`: running jobs whose lease expired go
/// back to the queue once, in their old place (their `seq`), and fail the
/// second time; jobs nobody follows are cancelled (waiting) or asked to stop
/// (running). Run by one instance at a time (`Db::exclusive`).
pub async fn reap(db: &Db, now_ms: i64) -> Result<Reaped, sqlx::Error> {
    on_db!(db, pool => {
        let requeued = sqlx::query(
            "UPDATE lab_jobs SET state = 'queued', requeues = requeues + 1, worker = NULL,
                 lease_until_ms = NULL, progress = NULL
             WHERE state = 'running' AND lease_until_ms < $1 AND requeues = 0",
        )
        .bind(now_ms)
        .execute(pool)
        .await?
        .rows_affected();
        let failed = sqlx::query(
            "UPDATE lab_jobs SET state = 'failed', error = $2, finished_ms = $1
             WHERE state = 'running' AND lease_until_ms < $1",
        )
        .bind(now_ms)
        .bind(LOST_TWICE)
        .execute(pool)
        .await?
        .rows_affected();
        let dequeued = sqlx::query(
            "UPDATE lab_jobs SET state = 'cancelled', finished_ms = $1
             WHERE state = 'queued' AND followed_until_ms < $1",
        )
        .bind(now_ms)
        .execute(pool)
        .await?
        .rows_affected();
        let asked = sqlx::query(
            "UPDATE lab_jobs SET cancel_requested = TRUE
             WHERE state = 'running' AND followed_until_ms < $1 AND NOT cancel_requested",
        )
        .bind(now_ms)
        .execute(pool)
        .await?
        .rows_affected();
        Ok(Reaped { requeued, failed, abandoned: dequeued + asked })
    })
}

/// Fails the jobs that waited in line longer than `max_wait_ms` (from their
/// admission) with `error`: every wait has an end, even one a learner follows.
pub async fn expire_waiting(
    db: &Db,
    now_ms: i64,
    max_wait_ms: i64,
    error: &str,
) -> Result<u64, sqlx::Error> {
    on_db!(db, pool => Ok(sqlx::query(
        "UPDATE lab_jobs SET state = 'failed', error = $3, finished_ms = $1
         WHERE state = 'queued' AND created_ms < $1 - $2",
    )
    .bind(now_ms)
    .bind(max_wait_ms)
    .bind(error)
    .execute(pool)
    .await?
    .rows_affected()))
}

/// Deletes finished jobs older than `keep_ms` (their runs are saved apart).
pub async fn prune(db: &Db, now_ms: i64, keep_ms: i64) -> Result<u64, sqlx::Error> {
    on_db!(db, pool => Ok(sqlx::query(
        "DELETE FROM lab_jobs WHERE state IN ('done', 'failed', 'cancelled') AND finished_ms < $1",
    )
    .bind(now_ms - keep_ms)
    .execute(pool)
    .await?
    .rows_affected()))
}

#[cfg(test)]
mod tests;
