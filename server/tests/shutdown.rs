//! Shutdown has a deadline: on SIGTERM the real binary cancels queued jobs,
//! ends progress streams and exits within about 10 s, even while a
//! measurement is still running on a blocking thread.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures::StreamExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_progress_streams_and_exits_within_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_inference-lab"))
        .env("LAB_ADDR", "127.0.0.1:0")
        .env("LAB_DATABASE", dir.path().join("lab.db"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .rsplit(' ')
        .next()
        .expect("the serving line names the address")
        .to_string();
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();

    // A long measurement holds the CPU (an API request waiting for it)...
    let long = client
        .post(format!("{base}/api/experiments"))
        .json(
            &serde_json::json!({ "model": "large", "n": 8192, "batch": 256,
                                   "device": "cpu", "warmup": 1, "repeats": 1 }),
        )
        .send();
    let long = tokio::spawn(long);
    tokio::time::sleep(Duration::from_millis(300)).await;
    // ...and a learner's job waits behind it, its progress followed.
    let id: String = client
        .post(format!("{base}/api/lab/start"))
        .header("accept", "application/json")
        .form(&[
            ("action", "cpu"),
            ("model", "tiny"),
            ("n", "64"),
            ("b", "8"),
            ("device", "cpu"),
            ("threads", "0"),
            ("repeats", "1"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut events = client
        .get(format!("{base}/api/lab/jobs/{id}/events"))
        .send()
        .await
        .unwrap()
        .bytes_stream();
    let first = events.next().await.expect("a first event").unwrap();
    assert!(
        String::from_utf8_lossy(&first).contains("queued"),
        "{first:?}"
    );

    let stopped = Instant::now();
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());

    // The stream ends (after at most a final status).
    let ended = tokio::time::timeout(Duration::from_secs(12), async {
        while let Some(chunk) = events.next().await {
            if chunk.is_err() {
                break;
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the progress stream outlived shutdown");

    // The process exits within the deadline, the long run notwithstanding.
    let exit = tokio::task::spawn_blocking(move || {
        let limit = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() > limit {
                let _ = child.kill();
                return None;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    })
    .await
    .unwrap();
    let took = stopped.elapsed();
    assert!(exit.is_some(), "still running 15 s after SIGTERM");
    assert!(took < Duration::from_secs(13), "shutdown took {took:?}");
    let _ = long.await;
}
