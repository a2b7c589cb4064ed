//! Load and fault benchmark of a school: three instances of the real binary
//! (release build under `cargo bench`) on one PostgreSQL database, many
//! learners answering questions for a minute while one instance is killed
//! with SIGKILL and restarted. Not a test: it prints numbers.
//!
//!     make bench-school          (starts a throwaway PostgreSQL, then runs this)
//!
//! Each learner is a browser with its own cookie that answers through "its"
//! instance and, like a load balancer would send it, through the next one
//! while its own is down. Printed: answers acknowledged per second, the
//! latency of acknowledged answers (median, p99, max), and, per learner,
//! acknowledged answers against the rows stored: every acknowledged answer
//! must be in the database (a row may exist that was never acknowledged: an
//! answer committed just before the kill).
//!
//! `SCHOOL_LEARNERS` (default 1000) and `SCHOOL_SECONDS` (default 60) size it;
//! `LAB_TEST_POSTGRES` names the cluster (a database is made for the run).

mod common;

use std::path::Path;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{free_port, hex_bytes, ms, percentile, start_serving};
use reqwest::Client;
use sha2::{Digest, Sha256};

const INSTANCES: usize = 3;
/// The instance killed, when, and for how long it stays down.
const KILLED: usize = 1;
const KILL_AFTER: Duration = Duration::from_secs(20);
const DOWN_FOR: Duration = Duration::from_secs(3);
/// A learner's pause between answers (a fast learner: about 2 a second).
const THINK: Duration = Duration::from_millis(500);

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
            // A school behind one address: the per-client limits are not what is
            // measured here (and are not yet shared between instances).
            .env("LAB_ANSWERS_PER_MINUTE", "100000")
            .env("LAB_NEW_LEARNER_BURST", "100000")
            .env("LAB_MAX_CONNECTIONS", "4096")
            .env("LAB_MAX_CONNECTIONS_PER_CLIENT", "4096")
            .env("LAB_DB_MAX_CONNECTIONS", "16")
            .env("RUST_LOG", "warn"),
    )
}

/// What one learner saw.
struct Learner {
    token: Option<String>,
    acknowledged: usize,
    retried: usize,
}

async fn learner(
    ports: Arc<Vec<u16>>,
    home: usize,
    until: Instant,
    latencies: Arc<Mutex<Vec<Duration>>>,
) -> Learner {
    let client = Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut seen = Learner {
        token: None,
        acknowledged: 0,
        retried: 0,
    };
    let mut instance = home;
    // Spread the first answers over the first second.
    tokio::time::sleep(Duration::from_millis((home as u64 * 7919) % 1000)).await;
    while Instant::now() < until {
        let started = Instant::now();
        let sent = client
            .post(format!(
                "http://127.0.0.1:{}/api/quiz/answer",
                ports[instance % INSTANCES]
            ))
            .header("accept", "application/json")
            .form(&[("question_id", "batch-loop-complexity"), ("choices[]", "b")])
            .send()
            .await;
        match sent {
            Ok(r) if r.status() == 200 => {
                for v in r.headers().get_all("set-cookie") {
                    if let Some(t) = v.to_str().ok().and_then(|v| v.strip_prefix("lab_learner=")) {
                        seen.token = t.split(';').next().map(str::to_string);
                    }
                }
                latencies.lock().unwrap().push(started.elapsed());
                seen.acknowledged += 1;
                instance = home;
                tokio::time::sleep(THINK).await;
            }
            Ok(r) => panic!("answer refused: {}", r.status()),
            // The instance is down (or the answer's fate unknown: not
            // acknowledged): on to the next one, as a load balancer would.
            Err(_) => {
                seen.retried += 1;
                instance += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    seen
}

#[tokio::main]
async fn main() {
    let learners = env_or("SCHOOL_LEARNERS", 1000);
    let seconds = env_or("SCHOOL_SECONDS", 60) as u64;
    let database = lab_storage::test_db::fresh_postgres_url().await;
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("lab.secret");
    let ports: Vec<u16> = (0..INSTANCES).map(|_| free_port()).collect();
    let mut servers: Vec<Child> = ports
        .iter()
        .map(|&port| start_server(&database, &secret, port))
        .collect();
    println!(
        "school_load: {INSTANCES} instances of {} on one PostgreSQL database, {} cores, \
         {learners} learners answering for {seconds} s (one answer, then {} ms to think); \
         instance {KILLED} killed with SIGKILL after {} s and restarted {} s later",
        env!("CARGO_BIN_EXE_inference-lab"),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        THINK.as_millis(),
        KILL_AFTER.as_secs(),
        DOWN_FOR.as_secs(),
    );

    let ports = Arc::new(ports);
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..learners)
        .map(|i| tokio::spawn(learner(ports.clone(), i, until, latencies.clone())))
        .collect();

    tokio::time::sleep(KILL_AFTER).await;
    servers[KILLED].kill().unwrap(); // SIGKILL
    servers[KILLED].wait().unwrap();
    let killed = Instant::now();
    tokio::time::sleep(DOWN_FOR).await;
    servers[KILLED] = start_server(&database, &secret, ports[KILLED]);
    println!(
        "instance {KILLED} killed at {:.1} s; serving again {} later",
        killed.duration_since(started).as_secs_f64(),
        ms(killed.elapsed())
    );

    let mut seen = Vec::new();
    for t in tasks {
        seen.push(t.await.unwrap());
    }
    let elapsed = started.elapsed();
    for s in &mut servers {
        let _ = s.kill();
    }

    let mut latencies = latencies.lock().unwrap().clone();
    latencies.sort();
    let acknowledged: usize = seen.iter().map(|s| s.acknowledged).sum();
    let retried: usize = seen.iter().map(|s| s.retried).sum();
    println!(
        "acknowledged answers: {acknowledged} in {:.1} s = {:.0} answers/s; \
         latency median {}, p99 {}, max {}; requests retried on another instance: {retried}",
        elapsed.as_secs_f64(),
        acknowledged as f64 / elapsed.as_secs_f64(),
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or_default()),
    );

    let db = lab_storage::pool::open(
        &lab_storage::pool::Target::Postgres(database),
        lab_storage::pool::PoolShape::default(),
    )
    .await
    .unwrap();
    let (mut stored, mut short) = (0, 0);
    for s in &seen {
        let token = s.token.as_deref().expect("every learner got a cookie");
        let hash = Sha256::digest(hex_bytes(token)).to_vec();
        let count: i64 = lab_storage::on_db!(&db, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM attempts a JOIN learners l ON l.id = a.learner_id \
             WHERE l.token_hash = $1",
        )
        .bind(&hash)
        .fetch_one(p)
        .await)
        .unwrap();
        stored += count as usize;
        if (count as usize) < s.acknowledged {
            short += 1;
        }
    }
    println!(
        "stored {stored} answers for {acknowledged} acknowledged (more is allowed: committed \
         just before the kill, never acknowledged); learners missing an acknowledged answer: {short}"
    );
    assert_eq!(short, 0, "every acknowledged answer is stored");
}
