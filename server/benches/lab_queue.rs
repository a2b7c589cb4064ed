//! Load and fault benchmark of the shared lab queue: three web instances in
//! queue mode and two `inference-lab worker` processes (release builds under
//! `cargo bench`) on one PostgreSQL database, many learners pressing Run for
//! minutes while the workers are killed with SIGKILL and restarted. Not a
//! test: it prints numbers.
//!
//!     make bench-queue          (starts a throwaway PostgreSQL, then runs this)
//!
//! Each learner is a browser with its own cookie: it starts a CPU run
//! through one instance (the form post the page sends), follows its progress
//! stream through another, and, once the run ended, thinks for three seconds and
//! presses Run again. Printed: jobs accepted and refused, the time to be told
//! (the start's latency), the wait in line (accepted → first "running"), how
//! the jobs ended as learners saw them, and, from the database after a drain,
//! jobs lost (accepted, never finished: must be 0) and runs saved twice or
//! without their job being done (must be 0).
//!
//! `QUEUE_LEARNERS` (default 200) and `QUEUE_SECONDS` (default 300) size it;
//! `LAB_TEST_POSTGRES` names the cluster (a database is made for the run).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{free_port, ms, percentile, start_saying, start_serving};
use futures::StreamExt;
use reqwest::Client;

const INSTANCES: usize = 3;
const WORKERS: usize = 2;
/// A worker is killed (SIGKILL) this often, alternately, and restarted after `DOWN_FOR`.
const KILL_EVERY: Duration = Duration::from_secs(60);
const DOWN_FOR: Duration = Duration::from_secs(5);
/// A learner's pause between a finished run and the next press: at most 20
/// presses a minute, under the per-address budget of saved runs (30 a
/// minute after a burst of 60), which is not what this measures.
const THINK: Duration = Duration::from_secs(3);
/// The runs table keeps the newest 20,000 (`Quotas::runs`); older ones are
/// evicted by the quota pass. Done jobs are checked against their runs among
/// the newest this many.
const RUNS_KEPT: i64 = 19_000;
/// How long the jobs still in flight at the end get to finish.
const DRAIN: Duration = Duration::from_secs(90);
const QUEUE_CAPACITY: &str = "256";
/// The run each press asks for (`QUEUE_RUN=tiny` for a tiny one): `medium`
/// on the CPU, tens of milliseconds of work, so that the workers are busy
/// and a kill lands in the middle of a job.
fn run_form() -> Vec<(&'static str, &'static str)> {
    let tiny = std::env::var("QUEUE_RUN").as_deref() == Ok("tiny");
    vec![
        ("action", "cpu"),
        ("model", if tiny { "tiny" } else { "medium" }),
        ("n", "256"),
        ("b", if tiny { "32" } else { "64" }),
        ("device", "cpu"),
        ("threads", "1"),
        ("repeats", if tiny { "2" } else { "1" }),
    ]
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn start_server(database: &str, secret: &Path, port: u16) -> Child {
    start_serving(
        Command::new(env!("CARGO_BIN_EXE_inference-lab"))
            .env("LAB_ADDR", format!("127.0.0.1:{port}"))
            .env("LAB_DATABASE", database)
            .env("LAB_SECRET_FILE", secret)
            .env("LAB_MODE", "queue")
            // Each learner has an address of its own, which a load balancer
            // on 127.0.0.1 reports (the per-address shares and rates apply).
            .env("LAB_TRUSTED_PROXIES", "127.0.0.1")
            // A line long enough for the whole school: each learner holds
            // one job at a time here.
            .env("LAB_QUEUE_CAPACITY", QUEUE_CAPACITY)
            .env("LAB_MAX_CONNECTIONS", "4096")
            .env("LAB_MAX_CONNECTIONS_PER_CLIENT", "4096")
            .env("LAB_DB_MAX_CONNECTIONS", "16")
            .env("RUST_LOG", "warn"),
    )
}

fn start_worker(database: &str, id: &str) -> Child {
    start_saying(
        Command::new(env!("CARGO_BIN_EXE_inference-lab"))
            .arg("worker")
            .env("LAB_DATABASE", database)
            .env("LAB_WORKER_ID", id)
            .env("RUST_LOG", "warn"),
        "is ready",
    )
}

/// One number the database answers (a count).
async fn count(pool: &sqlx::PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// What the learners saw, all together.
#[derive(Default)]
struct Seen {
    accepted: Vec<String>,
    refused: BTreeMap<u16, usize>,
    told: Vec<Duration>,
    waited: Vec<Duration>,
    ended: BTreeMap<String, usize>,
    stream_retries: usize,
}

/// Follows job `id` through the instances from `first` on until its final
/// status; answers that status and when it first ran.
async fn follow(
    client: &Client,
    ports: &[u16],
    first: usize,
    id: &str,
    seen: &Mutex<Seen>,
) -> (String, Option<Instant>) {
    let mut running = None;
    for attempt in 0.. {
        let port = ports[(first + attempt) % ports.len()];
        let response = client
            .get(format!("http://127.0.0.1:{port}/api/lab/jobs/{id}/events"))
            .send()
            .await;
        let Ok(response) = response else {
            seen.lock().unwrap().stream_retries += 1;
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        let mut body = response.bytes_stream();
        let mut text = String::new();
        while let Some(Ok(chunk)) = body.next().await {
            text.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = text.find("\n\n") {
                let event: String = text.drain(..end + 2).collect();
                let Some(data) = event.lines().find_map(|l| l.strip_prefix("data:")) else {
                    continue;
                };
                let status: serde_json::Value =
                    serde_json::from_str(data.trim()).unwrap_or_default();
                let state = status["state"].as_str().unwrap_or("").to_string();
                if state == "running" && running.is_none() {
                    running = Some(Instant::now());
                }
                if matches!(state.as_str(), "done" | "failed" | "cancelled") {
                    let state = match status["message"].as_str() {
                        Some(m) => format!("failed: {m}"),
                        None => state,
                    };
                    return (state, running);
                }
            }
        }
        // The stream ended without a final status: follow it elsewhere.
        seen.lock().unwrap().stream_retries += 1;
    }
    unreachable!()
}

async fn learner(ports: Arc<Vec<u16>>, me: usize, until: Instant, seen: Arc<Mutex<Seen>>) {
    let mut headers = reqwest::header::HeaderMap::new();
    let address = format!("10.1.{}.{}", me / 250, me % 250 + 1);
    headers.insert("x-forwarded-for", address.parse().unwrap());
    let client = Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .timeout(Duration::from_secs(600))
        .build()
        .unwrap();
    // Spread the first presses over the first two seconds.
    tokio::time::sleep(Duration::from_millis((me as u64 * 7919) % 2000)).await;
    let mut press = 0;
    while Instant::now() < until {
        press += 1;
        let port = ports[(me + press) % ports.len()];
        let asked = Instant::now();
        let response = client
            .post(format!("http://127.0.0.1:{port}/api/lab/start"))
            .header("accept", "application/json")
            .form(&run_form())
            .send()
            .await
            .expect("the web instances stay up");
        let told = asked.elapsed();
        let status = response.status().as_u16();
        if status != 200 {
            {
                let mut s = seen.lock().unwrap();
                s.told.push(told);
                *s.refused.entry(status).or_default() += 1;
            }
            tokio::time::sleep(THINK).await;
            continue;
        }
        let id: String = response.json().await.unwrap();
        let accepted = Instant::now();
        {
            let mut s = seen.lock().unwrap();
            s.told.push(told);
            s.accepted.push(id.clone());
        }
        let (ended, running) = follow(&client, &ports, me + press + 1, &id, &seen).await;
        {
            let mut s = seen.lock().unwrap();
            if let Some(running) = running {
                s.waited.push(running.duration_since(accepted));
            }
            *s.ended.entry(ended).or_default() += 1;
        }
        tokio::time::sleep(THINK).await;
    }
}

#[tokio::main]
async fn main() {
    let learners = env_or("QUEUE_LEARNERS", 200);
    let seconds = env_or("QUEUE_SECONDS", 300) as u64;
    let database = lab_storage::test_db::fresh_postgres_url().await;
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("lab.secret");
    let ports: Vec<u16> = (0..INSTANCES).map(|_| free_port()).collect();
    let mut servers: Vec<Child> = ports
        .iter()
        .map(|&port| start_server(&database, &secret, port))
        .collect();
    let names: Vec<String> = (0..WORKERS).map(|i| format!("bench-worker-{i}")).collect();
    let mut workers: Vec<Child> = names.iter().map(|n| start_worker(&database, n)).collect();
    println!(
        "lab_queue: {INSTANCES} web instances and {WORKERS} lab workers of {} on one PostgreSQL \
         database, {} cores; {learners} learners (each on an address of its own) pressing Run ({:?}) for \
         {seconds} s, {} s to think after each run; queue capacity {QUEUE_CAPACITY}; a worker killed with SIGKILL every {} s (alternately) and \
         restarted {} s later",
        env!("CARGO_BIN_EXE_inference-lab"),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        run_form(),
        THINK.as_secs(),
        KILL_EVERY.as_secs(),
        DOWN_FOR.as_secs(),
    );

    let ports = Arc::new(ports);
    let seen = Arc::new(Mutex::new(Seen::default()));
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..learners)
        .map(|i| tokio::spawn(learner(ports.clone(), i, until, seen.clone())))
        .collect();

    let mut kills = 0;
    while started.elapsed() + KILL_EVERY < Duration::from_secs(seconds) {
        tokio::time::sleep(KILL_EVERY).await;
        let victim = kills % WORKERS;
        kills += 1;
        workers[victim].kill().unwrap(); // SIGKILL
        workers[victim].wait().unwrap();
        let at = started.elapsed();
        tokio::time::sleep(DOWN_FOR).await;
        workers[victim] = start_worker(&database, &names[victim]);
        println!(
            "worker {victim} killed at {:.1} s, running again {:.1} s later",
            at.as_secs_f64(),
            (started.elapsed() - at).as_secs_f64()
        );
    }

    let drained = tokio::time::timeout(
        Duration::from_secs(seconds) + DRAIN,
        futures::future::join_all(tasks),
    )
    .await;
    let elapsed = started.elapsed();
    for child in servers.iter_mut().chain(workers.iter_mut()) {
        let _ = child.kill();
    }

    let seen = std::mem::take(&mut *seen.lock().unwrap());
    let mut told = seen.told.clone();
    told.sort();
    let mut waited = seen.waited.clone();
    waited.sort();
    let accepted = seen.accepted.len();
    println!(
        "presses: {} in {:.1} s; accepted {accepted}, refused {:?} (HTTP status: count); \
         learners still following at the end: {}",
        told.len(),
        elapsed.as_secs_f64(),
        seen.refused,
        if drained.is_ok() {
            "none"
        } else {
            "some (drain timed out)"
        },
    );
    println!(
        "time to be told (the start's answer): median {}, p99 {}, max {}",
        ms(percentile(&told, 0.5)),
        ms(percentile(&told, 0.99)),
        ms(told.last().copied().unwrap_or_default()),
    );
    println!(
        "wait in line (accepted → first running): median {}, p99 {}, max {} ({} jobs)",
        ms(percentile(&waited, 0.5)),
        ms(percentile(&waited, 0.99)),
        ms(waited.last().copied().unwrap_or_default()),
        waited.len(),
    );
    println!(
        "how jobs ended, as learners saw them: {:?}; progress streams followed again elsewhere: {}",
        seen.ended, seen.stream_retries
    );

    let db = lab_storage::pool::open(
        &lab_storage::pool::Target::Postgres(database),
        lab_storage::pool::PoolShape::default(),
    )
    .await
    .unwrap();
    let lab_storage::db::Db::Postgres(pool) = &db else {
        unreachable!()
    };
    let states: Vec<(String, i64)> =
        sqlx::query_as("SELECT state, count(*) FROM lab_jobs GROUP BY state ORDER BY state")
            .fetch_all(pool)
            .await
            .unwrap();
    let requeued = count(pool, "SELECT count(*) FROM lab_jobs WHERE requeues > 0").await;
    let unfinished = count(
        pool,
        "SELECT count(*) FROM lab_jobs WHERE state IN ('queued', 'running')",
    )
    .await;
    let missing = count(
        pool,
        &format!(
            "SELECT count(*) FROM (SELECT id FROM lab_jobs WHERE state = 'done'
                 ORDER BY finished_ms DESC, seq DESC LIMIT {RUNS_KEPT}) j
               WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = j.id)"
        ),
    )
    .await;
    let orphans = count(
        pool,
        "SELECT count(*) FROM runs r WHERE NOT EXISTS
           (SELECT 1 FROM lab_jobs j WHERE j.id = r.id AND j.state = 'done')",
    )
    .await;
    let twice = count(pool, "SELECT count(*) - count(DISTINCT id) FROM runs").await;
    let known = count(pool, "SELECT count(*) FROM lab_jobs").await;
    println!(
        "database: jobs by state {states:?}; re-queued after a worker died: {requeued}; \
         lost (accepted, not in lab_jobs, or never finished): {}; runs saved twice: {twice}; \
         done without a run (among the newest {RUNS_KEPT} done; older runs are evicted by the \
         runs quota): {missing}; runs without a done job: {orphans}",
        (accepted as i64 - known).max(0) + unfinished,
    );
    assert_eq!(unfinished, 0, "no job lost");
    assert_eq!(
        (twice, missing, orphans),
        (0, 0, 0),
        "every done job saved exactly once"
    );
}
