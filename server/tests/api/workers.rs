//! The shared queue and its lab workers, end to end on PostgreSQL: web
//! instances in queue mode (no engine), `inference-lab worker` processes that
//! claim jobs from `lab_jobs`, and what a learner sees when a worker dies,
//! freezes, or is not there at all.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use inference_lab::settings::{LabMode, Settings};
use lab_storage::db::Db;
use lab_storage::pool::Target;
use reqwest::StatusCode;

use crate::class_scale::{start, TINY_CPU_RUN};
use crate::helpers::{on_postgres, TestApp};
use crate::postgres::instances_with;
use crate::puzzles::{submit, MAP_SOLUTION};
use crate::quiz::{new_browser, post_form};

/// A batch sweep of 11 points on the CPU: seconds of work on two cores, so a
/// worker can be killed in the middle of it.
const SWEEP: &[(&str, &str)] = &[
    ("action", "batch-sweep"),
    ("model", "medium"),
    ("n", "4096"),
    ("b", "64"),
    ("device", "cpu"),
    ("threads", "0"),
    ("repeats", "1"),
];
/// The workers' lease in these tests (15 s in production).
const LEASE_S: &str = "3";

/// An `inference-lab worker` process, killed when dropped.
struct Worker {
    id: String,
    child: Child,
    log: Arc<Mutex<String>>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Worker {
    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill {signal}");
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

fn url_of(app: &TestApp) -> String {
    match &app.database {
        Target::Postgres(url) => url.clone(),
        Target::File(_) => panic!("the queue's tests run on PostgreSQL"),
    }
}

/// Starts a worker on `app`'s database and waits until it has registered.
async fn worker(app: &TestApp, id: &str) -> Worker {
    let mut child = Command::new(env!("CARGO_BIN_EXE_inference-lab"))
        .arg("worker")
        .env("LAB_DATABASE", url_of(app))
        .env("LAB_WORKER_ID", id)
        .env("LAB_JOB_LEASE_S", LEASE_S)
        .env("RUST_LOG", "info,wgpu=error,naga=error,sqlx=warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the worker starts");
    let log = Arc::new(Mutex::new(String::new()));
    let (ready, readied) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("is ready") {
                let _ = ready.send(());
            }
        }
    });
    let (stderr, kept) = (child.stderr.take().unwrap(), log.clone());
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let mut log = kept.lock().unwrap();
            log.push_str(&line);
            log.push('\n');
        }
    });
    let started =
        tokio::task::spawn_blocking(move || readied.recv_timeout(Duration::from_secs(90)))
            .await
            .unwrap();
    let worker = Worker {
        id: id.to_string(),
        child,
        log,
    };
    assert!(
        started.is_ok(),
        "worker {id} never said it was ready:\n{}",
        worker.log()
    );
    worker
}

/// Web instances in queue mode on one fresh database.
async fn web_instances(n: usize, change: impl Fn(&mut Settings)) -> Vec<TestApp> {
    instances_with(n, |s| {
        s.lab.lab_mode = LabMode::Queue;
        change(s);
    })
    .await
}

/// A job's row: (state, worker, attempt, requeues).
async fn job_row(db: &Db, id: &str) -> Option<(String, Option<String>, i64, i64)> {
    let Db::Postgres(pool) = db else {
        unreachable!("queue tests run on PostgreSQL")
    };
    sqlx::query_as("SELECT state, worker, attempt, requeues FROM lab_jobs WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
        .unwrap()
}

async fn runs_saved(db: &Db, id: &str) -> i64 {
    let Db::Postgres(pool) = db else {
        unreachable!("queue tests run on PostgreSQL")
    };
    sqlx::query_scalar("SELECT count(*) FROM runs WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Waits until `row` holds for job `id`'s row; answers it.
async fn wait_for_row(
    db: &Db,
    id: &str,
    what: &str,
    limit: Duration,
    ok: impl Fn(&(String, Option<String>, i64, i64)) -> bool,
) -> (String, Option<String>, i64, i64) {
    let started = Instant::now();
    loop {
        if let Some(row) = job_row(db, id).await {
            if ok(&row) {
                return row;
            }
            assert!(started.elapsed() < limit, "{what}: still {row:?}");
        }
        assert!(started.elapsed() < limit, "{what}: no row");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Follows a job's progress stream to its end.
fn follow(app: &TestApp, learner: &reqwest::Client, id: &str) -> tokio::task::JoinHandle<String> {
    let request = learner
        .get(app.url(&format!("/api/lab/jobs/{id}/events")))
        .timeout(Duration::from_secs(180))
        .send();
    tokio::spawn(async move { request.await.unwrap().text().await.unwrap_or_default() })
}

/// Waits for a job to be running mid-way (a sweep point reported), then
/// answers which of `workers` runs it.
async fn running_on<'w>(db: &Db, id: &str, workers: &'w [Worker]) -> &'w Worker {
    let (_, worker, _, _) =
        wait_for_row(db, id, "the sweep to run", Duration::from_secs(60), |r| {
            r.0 == "running" && r.1.is_some()
        })
        .await;
    let worker = worker.unwrap();
    workers
        .iter()
        .find(|w| w.id == worker)
        .expect("one of ours")
}

// The PostgreSQL pass of the HTTP tests runs these a second time for
// nothing: they start their own databases and workers in the first pass.
macro_rules! once {
    () => {
        if on_postgres() {
            return;
        }
    };
}

#[tokio::test]
async fn a_sweep_survives_its_worker_being_killed_and_is_saved_once() {
    once!();
    let mut web = web_instances(2, |_| {}).await;
    let (b, a) = (web.pop().unwrap(), web.pop().unwrap());
    let workers = [worker(&a, "w1").await, worker(&a, "w2").await];
    let learner = new_browser();
    // Started through instance A, followed through instance B.
    let id = start(&a, &learner, SWEEP).await;
    let stream = follow(&b, &learner, &id);
    let db = a.db().await;
    let victim = running_on(&db, &id, &workers).await;
    victim.signal("-KILL");
    let events = tokio::time::timeout(Duration::from_secs(180), stream)
        .await
        .expect("the stream ends")
        .unwrap();
    assert!(events.contains("\"running\""), "{events}");
    assert!(events.contains("\"done\""), "{events}");
    let (state, worker, attempt, requeues) = job_row(&db, &id).await.unwrap();
    assert_eq!((state.as_str(), attempt, requeues), ("done", 2, 1));
    assert_ne!(
        worker.as_deref(),
        Some(victim.id.as_str()),
        "run by the other"
    );
    assert_eq!(runs_saved(&db, &id).await, 1, "saved exactly once");
    // The run is readable through either instance.
    assert_eq!(b.get(&format!("/api/experiments/{id}")).await.status(), 200);
}

#[tokio::test]
async fn a_frozen_worker_that_wakes_after_its_job_ran_again_records_nothing() {
    once!();
    let mut web = web_instances(1, |_| {}).await;
    let a = web.pop().unwrap();
    let workers = [worker(&a, "z1").await, worker(&a, "z2").await];
    let learner = new_browser();
    let id = start(&a, &learner, SWEEP).await;
    let stream = follow(&a, &learner, &id);
    let db = a.db().await;
    let zombie = running_on(&db, &id, &workers).await;
    zombie.signal("-STOP");
    let events = tokio::time::timeout(Duration::from_secs(180), stream)
        .await
        .expect("the stream ends")
        .unwrap();
    assert!(events.contains("\"done\""), "{events}");
    // The zombie wakes up with its lease long gone: its writes are fenced.
    zombie.signal("-CONT");
    let started = Instant::now();
    while !zombie.log().contains("not recorded") {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the zombie never tried to record its end:\n{}",
            zombie.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (state, _, attempt, _) = job_row(&db, &id).await.unwrap();
    assert_eq!((state.as_str(), attempt), ("done", 2));
    assert_eq!(runs_saved(&db, &id).await, 1, "the zombie saved nothing");
}

#[tokio::test]
async fn shares_hold_across_instances_and_a_cancel_through_the_other_stops_the_run() {
    once!();
    // Two jobs per client (every test client is 127.0.0.1).
    let mut web = web_instances(2, |s| s.lab.client_share = 2).await;
    let (b, a) = (web.pop().unwrap(), web.pop().unwrap());
    let workers = [worker(&a, "c1").await];
    let learner = new_browser();
    let id = start(&a, &learner, SWEEP).await;
    let stream = follow(&a, &learner, &id);
    let db = a.db().await;
    running_on(&db, &id, &workers).await;
    // One running and one waiting per learner, whichever instance admits.
    let waiting = start(&b, &learner, TINY_CPU_RUN).await;
    // Followed, as the page does (a job nobody follows is cancelled).
    let _waiting_stream = follow(&b, &learner, &waiting);
    let third = post_form(&a, &learner, "/api/lab/start", TINY_CPU_RUN).await;
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    // The network's share is full too: a new browser is refused, and the
    // refusal writes nothing (no learner).
    let stranger = post_form(&b, &new_browser(), "/api/lab/start", TINY_CPU_RUN).await;
    assert_eq!(stranger.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(stranger.text().await.unwrap().contains("NetworkBusy"));
    let Db::Postgres(pool) = &db else {
        unreachable!()
    };
    let learners: i64 = sqlx::query_scalar("SELECT count(*) FROM learners")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(learners, 1, "a refused start creates no learner");
    // Cancelled through instance B: the worker stops within one batch.
    let asked = Instant::now();
    let r = post_form(&b, &learner, "/api/lab/cancel", &[("job_id", &id)]).await;
    assert_eq!(r.text().await.unwrap(), "true");
    wait_for_row(&db, &id, "the cancel", Duration::from_secs(20), |r| {
        r.0 == "cancelled"
    })
    .await;
    let took = asked.elapsed();
    let events = tokio::time::timeout(Duration::from_secs(30), stream)
        .await
        .expect("the stream ends")
        .unwrap();
    assert!(events.contains("\"cancelled\""), "{events}");
    assert_eq!(runs_saved(&db, &id).await, 0);
    // The waiting job runs next (first come, first served), and is saved.
    wait_for_row(
        &db,
        &waiting,
        "the waiting job",
        Duration::from_secs(60),
        |r| r.0 == "done",
    )
    .await;
    assert!(took < Duration::from_secs(20), "cancel took {took:?}");
}

#[tokio::test]
async fn without_a_live_worker_the_learner_is_told_at_once() {
    once!();
    let mut web = web_instances(1, |_| {}).await;
    let a = web.pop().unwrap();
    let asked = Instant::now();
    let r = post_form(&a, &new_browser(), "/api/lab/start", TINY_CPU_RUN).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("WorkerUnavailable") && body.contains("no lab worker"),
        "{body}"
    );
    assert!(asked.elapsed() < Duration::from_secs(5));
    let devices: lab_types::DeviceList = a.get("/api/devices").await.json().await.unwrap();
    assert!(devices.adapters.is_empty());
    assert!(devices.no_gpu_message.unwrap().contains("no lab worker"));
}

#[tokio::test]
async fn one_host_serves_and_measures_with_its_own_worker() {
    once!();
    let mut web = web_instances(1, |s| s.lab.with_worker = true).await;
    let a = web.pop().unwrap();
    let learner = new_browser();
    // The in-process worker registers a moment after the server starts.
    let started = Instant::now();
    let id = loop {
        let r = post_form(&a, &learner, "/api/lab/start", TINY_CPU_RUN).await;
        if r.status() == 200 {
            break r.json::<String>().await.unwrap();
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{:?}",
            r.text().await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let db = a.db().await;
    wait_for_row(&db, &id, "the run", Duration::from_secs(60), |r| {
        r.0 == "done"
    })
    .await;
    assert_eq!(runs_saved(&db, &id).await, 1);
    let devices: lab_types::DeviceList = a.get("/api/devices").await.json().await.unwrap();
    if !lab_engine::testing::gpu_present_or_skip(devices.adapters.len()) {
        return;
    }
    // The timing demo and a learner's kernel go through the queue too.
    let timing = post_form(
        &a,
        &learner,
        "/api/demos/timing",
        &[("model", "tiny"), ("batch", "8"), ("prediction", "10")],
    )
    .await;
    assert_eq!(timing.status(), 200);
    let query: String = timing.json().await.unwrap();
    assert!(query.contains("timing_result"), "{query}");
    let kernel = submit(&a, &learner, "map", MAP_SOLUTION).await;
    assert_eq!(kernel.status(), 200);
    let body: serde_json::Value = kernel.json().await.unwrap();
    assert_eq!(body["outcome"]["verdict"], "correct", "{body}");
    let Db::Postgres(pool) = &db else {
        unreachable!()
    };
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT kind FROM lab_jobs WHERE state = 'done' AND kind <> 'experiment' ORDER BY kind",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(kinds, ["kernel", "timing"]);
}

#[tokio::test]
async fn a_worker_told_to_stop_finishes_its_job_and_exits() {
    once!();
    let mut web = web_instances(1, |_| {}).await;
    let a = web.pop().unwrap();
    let mut workers = [worker(&a, "t1").await];
    let learner = new_browser();
    let id = start(&a, &learner, SWEEP).await;
    let db = a.db().await;
    running_on(&db, &id, &workers).await;
    // Queued behind the sweep (a worker runs one job at a time), before the worker is told to
    // stop: it must never claim this one. (A start after the worker has marked itself stopping
    // is refused at once, since no live worker is left; racing that mark would make this flaky.)
    let next = start(&a, &new_browser(), TINY_CPU_RUN).await;
    workers[0].signal("-TERM");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = workers[0].child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the worker did not exit:\n{}",
            workers[0].log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "{status}:\n{}", workers[0].log());
    let (state, ..) = job_row(&db, &id).await.unwrap();
    assert_eq!(state, "done", "finished within its deadline");
    assert_eq!(runs_saved(&db, &id).await, 1);
    let (_, claimed_by, ..) = job_row(&db, &next).await.unwrap();
    assert_eq!(claimed_by, None, "a stopping worker claims nothing");
    let Db::Postgres(pool) = &db else {
        unreachable!()
    };
    let stopping: bool = sqlx::query_scalar("SELECT stopping FROM lab_workers WHERE id = 't1'")
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(stopping, "no request is promised to it any more");
}
