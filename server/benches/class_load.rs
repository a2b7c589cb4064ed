//! Load and fault benchmark of a lab shared by a class, against the real
//! binary (release build under `cargo bench`), a real SQLite file and the
//! machine's wgpu adapter. Not a test: it prints numbers.
//!
//!     cargo bench -p inference-lab --bench class_load
//!
//! 1. 50 learners press Run at the same moment: how long each waits to be told
//!    "queued" or "busy" (429), whether any two measurements overlapped on a
//!    device (the server's own counters), and a lesson page's latency while
//!    the queue drains.
//! 2. 200 learners answer questions concurrently while the server is killed
//!    with SIGKILL and restarted: acknowledged answers vs rows stored.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{free_port, hex_bytes, ms, percentile, start_serving};
use reqwest::Client;
use sha2::{Digest, Sha256};

const LEARNERS_RUNNING: usize = 50;
const LEARNERS_ANSWERING: usize = 200;
const ANSWERS_EACH: usize = 20;

fn start_server(db: &Path, port: u16) -> Child {
    start_serving(
        Command::new(env!("CARGO_BIN_EXE_inference-lab"))
            .env("LAB_ADDR", format!("127.0.0.1:{port}"))
            .env("LAB_DATABASE", db)
            // A class behind one address: the limiters are not what is measured here.
            .env("LAB_ANSWERS_PER_MINUTE", "1000")
            .env("LAB_NEW_LEARNER_BURST", "1000")
            // 200 learners' connections from one address: nor is the per-client cap.
            .env("LAB_MAX_CONNECTIONS_PER_CLIENT", "1000")
            .env("RUST_LOG", "warn"),
    )
}

fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

async fn everyone_presses_run(base: &str) {
    println!("\n== {LEARNERS_RUNNING} learners press Run at once ==");
    let devices: serde_json::Value = client()
        .get(format!("{base}/api/devices"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let adapter = devices["adapters"][0]["name"].as_str().unwrap_or("none");
    let device = if devices["adapters"][0].is_object() {
        "both"
    } else {
        "cpu"
    };
    println!("adapter: {adapter}; each run: medium, n = 256, b = 64, on {device}");
    let form = [
        ("action", device),
        ("model", "medium"),
        ("n", "256"),
        ("b", "64"),
        ("device", device),
        ("threads", "0"),
        ("repeats", "1"),
    ];
    // The lesson page is read all along by a few readers.
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let (stop, url) = (stop.clone(), format!("{base}/lessons/timing-inference"));
            tokio::spawn(async move {
                let c = client();
                let mut lat = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    let ok = c.get(&url).send().await.map(|r| r.status().is_success());
                    if matches!(ok, Ok(true)) {
                        lat.push(t.elapsed());
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                lat
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let gate = Arc::new(tokio::sync::Barrier::new(LEARNERS_RUNNING));
    let presses: Vec<_> = (0..LEARNERS_RUNNING)
        .map(|_| {
            let (gate, base) = (gate.clone(), base.to_string());
            tokio::spawn(async move {
                let c = client();
                gate.wait().await;
                let t = Instant::now();
                let r = c
                    .post(format!("{base}/api/lab/start"))
                    .header("accept", "application/json")
                    .form(&form)
                    .send()
                    .await
                    .unwrap();
                let (status, took) = (r.status().as_u16(), t.elapsed());
                let id: Option<String> = if status == 200 {
                    r.json().await.ok()
                } else {
                    None
                };
                // A queued learner follows the progress until the end, as the page does.
                let mut ended = "refused".to_string();
                if let Some(id) = id {
                    let events = c
                        .get(format!("{base}/api/lab/jobs/{id}/events"))
                        .timeout(Duration::from_secs(600))
                        .send()
                        .await
                        .unwrap()
                        .text()
                        .await
                        .unwrap_or_default();
                    ended = events
                        .lines()
                        .filter_map(|l| l.strip_prefix("data:"))
                        .next_back()
                        .and_then(|d| serde_json::from_str::<serde_json::Value>(d.trim()).ok())
                        .and_then(|v| v["state"].as_str().map(str::to_string))
                        .unwrap_or_else(|| "stream ended".into());
                }
                (status, took, ended)
            })
        })
        .collect();
    let mut answers = Vec::new();
    for p in presses {
        answers.push(p.await.unwrap());
    }
    stop.store(true, Ordering::Relaxed);
    let mut page = Vec::new();
    for r in readers {
        page.extend(r.await.unwrap());
    }
    let mut waits: Vec<Duration> = answers.iter().map(|a| a.1).collect();
    waits.sort();
    page.sort();
    let mut by_status: HashMap<u16, usize> = HashMap::new();
    let mut outcomes: HashMap<String, usize> = HashMap::new();
    for (s, _, ended) in &answers {
        *by_status.entry(*s).or_default() += 1;
        *outcomes.entry(ended.clone()).or_default() += 1;
    }
    let queue: serde_json::Value = client()
        .get(format!("{base}/api/lab/queue"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    println!("answers by status: {by_status:?}; how the jobs ended: {outcomes:?}");
    println!(
        "time to be told queued/busy: median {}, p99 {}, max {}",
        ms(percentile(&waits, 0.5)),
        ms(percentile(&waits, 0.99)),
        ms(*waits.last().unwrap())
    );
    println!(
        "measurements started {}, most at once on the GPU {}, on the CPU {}",
        queue["started"], queue["peak_on_gpu"], queue["peak_on_cpu"]
    );
    println!(
        "lesson page meanwhile: {} requests, median {}, p99 {}, max {}",
        page.len(),
        ms(percentile(&page, 0.5)),
        ms(percentile(&page, 0.99)),
        ms(page.last().copied().unwrap_or_default())
    );
}

/// One learner's answers: how many were acknowledged (200), and their cookie token.
async fn learner(base: String, down: Arc<AtomicBool>) -> (usize, Option<String>) {
    let c = client();
    let mut acknowledged = 0;
    let mut token = None;
    let mut sent = 0;
    while sent < ANSWERS_EACH {
        let r = c
            .post(format!("{base}/api/quiz/answer"))
            .header("accept", "application/json")
            .form(&[("question_id", "batch-loop-complexity"), ("choices[]", "b")])
            .send()
            .await;
        match r {
            Ok(r) if r.status() == 200 => {
                for v in r.headers().get_all("set-cookie") {
                    if let Some(t) = v.to_str().ok().and_then(|v| v.strip_prefix("lab_learner=")) {
                        token = t.split(';').next().map(str::to_string);
                    }
                }
                acknowledged += 1;
                sent += 1;
            }
            Ok(r) => panic!("answer refused: {}", r.status()),
            // The server is down: try again shortly (not acknowledged).
            Err(_) => {
                let wait = if down.load(Ordering::Relaxed) {
                    200
                } else {
                    20
                };
                tokio::time::sleep(Duration::from_millis(wait)).await;
                continue;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (acknowledged, token)
}

async fn answers_survive_kill_9(db: &Path, port: u16, server: &mut Child) {
    println!(
        "\n== {LEARNERS_ANSWERING} learners answer ({ANSWERS_EACH} each) while the server is killed -9 and restarted =="
    );
    let base = format!("http://127.0.0.1:{port}");
    let down = Arc::new(AtomicBool::new(false));
    let tasks: Vec<_> = (0..LEARNERS_ANSWERING)
        .map(|_| tokio::spawn(learner(base.clone(), down.clone())))
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    down.store(true, Ordering::Relaxed);
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    let killed = Instant::now();
    *server = start_server(db, port);
    down.store(false, Ordering::Relaxed);
    println!(
        "killed with SIGKILL; serving again after {}",
        ms(killed.elapsed())
    );
    let mut acknowledged = HashMap::new();
    for t in tasks {
        let (n, token) = t.await.unwrap();
        acknowledged.insert(token.expect("every learner got a cookie"), n);
    }
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let (mut acked, mut stored, mut short) = (0, 0, 0);
    for (token, n) in &acknowledged {
        let hash = Sha256::digest(hex_bytes(token)).to_vec();
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM attempts a JOIN learners l ON l.id = a.learner_id \
             WHERE l.token_hash = ?",
        )
        .bind(hash)
        .fetch_one(&pool)
        .await
        .unwrap();
        acked += n;
        stored += count as usize;
        if (count as usize) < *n {
            short += 1;
        }
    }
    println!(
        "acknowledged {acked}, stored {stored} (stored may exceed acknowledged: an answer \
         committed just before the kill is never acknowledged); learners missing an \
         acknowledged answer: {short}"
    );
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("class.db");
    let port = free_port();
    let mut server = start_server(&db, port);
    let base = format!("http://127.0.0.1:{port}");
    println!(
        "class_load: server {} on {base}, {} cores",
        env!("CARGO_BIN_EXE_inference-lab"),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    everyone_presses_run(&base).await;
    answers_survive_kill_9(&db, port, &mut server).await;
    let _ = server.kill();
}
