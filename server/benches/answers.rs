//! Load test of the answer path: the app in-process on port 0 with a temporary
//! database, many learners (each its own cookie) posting answers over HTTP.
//!
//!     cargo bench -p inference-lab --bench answers
//!
//! Knobs: BENCH_LEARNERS (50), BENCH_SECONDS (10). Target on a 2-core machine:
//! >= 1,000 answers/s, no errors, every acknowledged answer stored.

use std::path::Path;
use std::time::{Duration, Instant};

use clap::Parser;
use inference_lab::settings::Settings;
use inference_lab::startup::Application;

/// Answers that cycle over question kinds, right and wrong.
const ANSWERS: &[&str] = &[
    "question_id=batch-loop-complexity&choices%5B%5D=b",
    "question_id=batch-loop-complexity&choices%5B%5D=a",
    "question_id=batch-count-ceil&value=16",
    "question_id=batch-count-ceil&value=15",
    "question_id=gpu-constant-time-myth&choices%5B%5D=b&choices%5B%5D=c&choices%5B%5D=d",
    "question_id=gpu-constant-time-myth&choices%5B%5D=a",
];

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
}

#[derive(Default)]
struct LearnerReport {
    latencies: Vec<Duration>,
    acknowledged: u64,
    errors: u64,
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let learners = env_or("BENCH_LEARNERS", 50) as usize;
    let seconds = env_or("BENCH_SECONDS", 10);
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("bench.db");
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let args: Vec<std::ffi::OsString> = vec![
        "bench".into(),
        "--addr".into(),
        "127.0.0.1:0".into(),
        "--database".into(),
        db_path.clone().into(),
        "--content-dir".into(),
        workspace.join("content").into(),
        "--site-root".into(),
        workspace.join("target/site").into(),
        // This measures the answer path itself, not the per-learner limiter
        // (nor the per-address budget of new learners: all come from 127.0.0.1).
        "--answers-per-minute".into(),
        u32::MAX.to_string().into(),
        "--new-learner-burst".into(),
        u32::MAX.to_string().into(),
    ];
    let cli = Cli::parse_from(args);
    let app = Application::build(cli.settings).await.expect("app builds");
    let url = format!("http://{}/api/quiz/answer", app.local_addr());
    tokio::spawn(app.run_until_stopped());

    println!("answers bench: {learners} learners for {seconds} s against {url}");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..learners)
        .map(|i| tokio::spawn(learner(url.clone(), i, deadline)))
        .collect();
    let mut latencies = Vec::new();
    let (mut acknowledged, mut errors) = (0u64, 0u64);
    for task in tasks {
        let report = task.await.expect("learner task");
        latencies.extend(report.latencies);
        acknowledged += report.acknowledged;
        errors += report.errors;
    }
    let elapsed = started.elapsed().as_secs_f64();

    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db_path.display()))
        .await
        .unwrap();
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attempts")
        .fetch_one(&pool)
        .await
        .unwrap();
    let stored_learners: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM learners")
        .fetch_one(&pool)
        .await
        .unwrap();

    latencies.sort();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    let rate = acknowledged as f64 / elapsed;
    println!("answers/s      {rate:.0}");
    println!("latency p50    {:.2} ms", pct(0.50).as_secs_f64() * 1e3);
    println!("latency p99    {:.2} ms", pct(0.99).as_secs_f64() * 1e3);
    println!("errors         {errors}");
    println!("acknowledged   {acknowledged}");
    println!(
        "stored rows    {stored} ({} lost)",
        acknowledged as i64 - stored
    );
    println!("learners       {stored_learners}");
    let ok = rate >= 1000.0 && errors == 0 && stored == acknowledged as i64;
    println!(
        "target (>= 1000/s, 0 errors, 0 lost): {}",
        if ok { "met" } else { "MISSED" }
    );
}

/// One learner: a browser of its own (cookie jar), answering until the deadline.
async fn learner(url: String, index: usize, deadline: Instant) -> LearnerReport {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let mut report = LearnerReport::default();
    let mut n = index;
    while Instant::now() < deadline {
        let body = ANSWERS[n % ANSWERS.len()];
        n += 1;
        let start = Instant::now();
        let result = client
            .post(&url)
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await;
        let ok = match result {
            Ok(resp) => resp.status().is_success() && resp.bytes().await.is_ok(),
            Err(_) => false,
        };
        report.latencies.push(start.elapsed());
        if ok {
            report.acknowledged += 1;
        } else {
            report.errors += 1;
        }
    }
    report
}
