//! The web process's side of a sandbox: one child process, reused while it
//! is healthy, one request at a time, each under a wall-clock deadline. A
//! child that passes its deadline, dies (out of memory, a driver crash) or
//! says something unreadable is killed and reaped before the caller hears
//! back, so whoever waits for the device knows it is free; a fresh child is
//! started in the background.
//!
//! Each child is spawned, fed and read by a thread of its own. The child
//! gets `PR_SET_PDEATHSIG`, which follows the spawning *thread*: that thread
//! lives exactly as long as the child, and if the web process dies, so do
//! its children.

use std::io::{BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::child::Role;
use super::protocol::{read_line, Reply, Request, MAX_REPLY_LINE};

/// How a sandbox is started and bounded.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The `inference-lab` binary (its `kernel-sandbox` command).
    pub program: PathBuf,
    pub role: Role,
    /// `--visible-devices`, `--gpu-wait-s`, … as the child takes them.
    pub args: Vec<String>,
    /// How long a child may take to be ready (a runner opens its GPU first).
    pub start_limit: Duration,
    /// How long a request may wait for the child to be free.
    pub wait_limit: Duration,
}

/// Why a request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("the kernel sandbox did not answer within {0:?}; it was stopped and replaced")]
    Deadline(Duration),
    #[error("the kernel sandbox ended without answering ({0}); it was replaced")]
    Died(String),
    #[error("the kernel sandbox is busy")]
    Busy,
    #[error("the kernel sandbox could not start")]
    Start(#[source] std::io::Error),
    #[error("the kernel sandbox said something unreadable")]
    Protocol(#[source] serde_json::Error),
}

type ReplySender = oneshot::Sender<std::io::Result<Option<Vec<u8>>>>;

/// A running child: where to send requests, and the child itself (to kill it).
struct Worker {
    requests: std::sync::mpsc::Sender<(Vec<u8>, ReplySender)>,
    child: Arc<Mutex<Option<Child>>>,
    pid: u32,
}

pub struct Sandbox {
    config: SandboxConfig,
    slot: tokio::sync::Mutex<Option<Worker>>,
    /// Children started (for the log and the tests).
    starts: AtomicU64,
    /// How long the last start took, in microseconds.
    last_start_us: AtomicU64,
}

impl Sandbox {
    pub fn new(config: SandboxConfig) -> Arc<Self> {
        Arc::new(Sandbox {
            config,
            slot: tokio::sync::Mutex::new(None),
            starts: AtomicU64::new(0),
            last_start_us: AtomicU64::new(0),
        })
    }

    /// Children started so far, and how long the last start took.
    pub fn starts(&self) -> (u64, Duration) {
        (
            self.starts.load(Ordering::Relaxed),
            Duration::from_micros(self.last_start_us.load(Ordering::Relaxed)),
        )
    }

    /// The running child's process id, if one runs (the tests read its limits).
    pub async fn pid(&self) -> Option<u32> {
        self.slot.lock().await.as_ref().map(|w| w.pid)
    }

    /// Sends one request and waits for its reply for at most `deadline`: its
    /// parse, checks, driver compile and every launch together.
    pub async fn call(
        self: &Arc<Self>,
        request: &Request,
        deadline: Duration,
    ) -> Result<Reply, SandboxError> {
        let line = serde_json::to_vec(request).map_err(SandboxError::Protocol)?;
        let mut slot = tokio::time::timeout(self.config.wait_limit, self.slot.lock())
            .await
            .map_err(|_| SandboxError::Busy)?;
        if slot.is_none() {
            *slot = Some(self.start().await?);
        }
        let Some(worker) = slot.as_ref() else {
            return Err(SandboxError::Busy);
        };
        let (tx, rx) = oneshot::channel();
        let reply = if worker.requests.send((line, tx)).is_ok() {
            match tokio::time::timeout(deadline, rx).await {
                Err(_) => Err(SandboxError::Deadline(deadline)),
                Ok(Err(_)) | Ok(Ok(Ok(None))) => Err(SandboxError::Died(String::new())),
                Ok(Ok(Err(e))) => Err(SandboxError::Died(e.to_string())),
                Ok(Ok(Ok(Some(line)))) => {
                    serde_json::from_slice::<Reply>(&line).map_err(SandboxError::Protocol)
                }
            }
        } else {
            Err(SandboxError::Died(String::new()))
        };
        let failure = match reply {
            Ok(reply) => return Ok(reply),
            Err(e) => e,
        };
        // Stop it, and only then let the caller (and the device) go.
        let worker = slot.take();
        drop(slot);
        let status = match worker {
            Some(w) => self.stop(w).await,
            None => String::new(),
        };
        tracing::warn!(role = self.config.role.name(), %status, error = %failure, "kernel sandbox replaced");
        self.restart_in_background();
        Err(match failure {
            SandboxError::Died(detail) if detail.is_empty() => SandboxError::Died(status),
            other => other,
        })
    }

    /// Replaces the current child (e.g. after its device timed out).
    pub async fn replace(self: &Arc<Self>) {
        let worker = self.slot.lock().await.take();
        if let Some(w) = worker {
            let status = self.stop(w).await;
            tracing::info!(role = self.config.role.name(), %status, "kernel sandbox replaced");
        }
        self.restart_in_background();
    }

    /// Starts a child now if none runs (so the next request pays no start-up).
    fn restart_in_background(self: &Arc<Self>) {
        let me = self.clone();
        tokio::spawn(async move {
            let mut slot = me.slot.lock().await;
            if slot.is_none() {
                match me.start().await {
                    Ok(w) => *slot = Some(w),
                    Err(e) => tracing::error!(error = %e, "kernel sandbox did not restart"),
                }
            }
        });
    }

    /// Kills the child and waits for it to be gone (bounded): its process
    /// exit is what releases a runaway GPU context or a wedged compile.
    async fn stop(&self, worker: Worker) -> String {
        let child = worker.child.clone();
        drop(worker.requests);
        let reaped = tokio::task::spawn_blocking(move || {
            let mut guard = child.lock().unwrap_or_else(|e| e.into_inner());
            match guard.as_mut() {
                Some(c) => {
                    let _ = c.kill();
                    c.wait()
                        .map(|s| s.to_string())
                        .unwrap_or_else(|e| e.to_string())
                }
                None => "already gone".into(),
            }
        });
        match tokio::time::timeout(REAP_LIMIT, reaped).await {
            Ok(Ok(status)) => format!("pid {} {status}", worker.pid),
            _ => format!("pid {} not reaped within {REAP_LIMIT:?}", worker.pid),
        }
    }

    async fn start(&self) -> Result<Worker, SandboxError> {
        let started = Instant::now();
        let (ready_tx, ready_rx) = oneshot::channel();
        let (requests, inbox) = std::sync::mpsc::channel::<(Vec<u8>, ReplySender)>();
        let child = Arc::new(Mutex::new(None));
        let mut command = Command::new(&self.config.program);
        command
            .arg("kernel-sandbox")
            .arg("--role")
            .arg(self.config.role.name())
            .args(&self.config.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        die_with_spawning_thread(&mut command);
        let holder = child.clone();
        std::thread::Builder::new()
            .name(format!("sandbox-{}", self.config.role.name()))
            .spawn(move || feed(command, holder, ready_tx, inbox))
            .map_err(SandboxError::Start)?;
        let ready = tokio::time::timeout(self.config.start_limit, ready_rx).await;
        let (pid, line) = match ready {
            Ok(Ok(Ok(ready))) => ready,
            Ok(Ok(Err(e))) => return Err(SandboxError::Start(e)),
            Ok(Err(_)) => {
                return Err(SandboxError::Died("it ended while starting".into()));
            }
            Err(_) => {
                let w = Worker {
                    requests,
                    child,
                    pid: 0,
                };
                let status = self.stop(w).await;
                return Err(SandboxError::Died(format!(
                    "not ready within {:?} ({status})",
                    self.config.start_limit
                )));
            }
        };
        let adapter = match serde_json::from_slice::<Reply>(&line) {
            Ok(Reply::Ready { adapter }) => adapter,
            Ok(_) => None,
            Err(e) => return Err(SandboxError::Protocol(e)),
        };
        let took = started.elapsed();
        self.starts.fetch_add(1, Ordering::Relaxed);
        self.last_start_us
            .store(took.as_micros() as u64, Ordering::Relaxed);
        tracing::info!(
            role = self.config.role.name(),
            pid,
            ?adapter,
            took_ms = took.as_millis() as u64,
            "kernel sandbox ready"
        );
        Ok(Worker {
            requests,
            child,
            pid,
        })
    }
}

/// How long a killed child may take to be reaped before the caller goes on.
const REAP_LIMIT: Duration = Duration::from_secs(10);

/// The child's thread: spawns it, passes on its `Ready` line, then writes
/// each request and reads its reply until the supervisor lets go.
fn feed(
    mut command: Command,
    holder: Arc<Mutex<Option<Child>>>,
    ready: oneshot::Sender<std::io::Result<(u32, Vec<u8>)>>,
    inbox: std::sync::mpsc::Receiver<(Vec<u8>, ReplySender)>,
) {
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let pid = child.id();
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        let _ = child.kill();
        let _ = child.wait();
        return;
    };
    *holder.lock().unwrap_or_else(|e| e.into_inner()) = Some(child);
    let mut stdout = BufReader::new(stdout);
    match read_line(&mut stdout, MAX_REPLY_LINE) {
        Ok(Some(line)) => {
            if ready.send(Ok((pid, line))).is_err() {
                return;
            }
        }
        Ok(None) => return, // ended while starting: `ready` is dropped
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    }
    for (mut request, reply) in inbox {
        request.push(b'\n');
        let answer = stdin
            .write_all(&request)
            .and_then(|_| stdin.flush())
            .and_then(|_| read_line(&mut stdout, MAX_REPLY_LINE));
        let failed = !matches!(answer, Ok(Some(_)));
        let _ = reply.send(answer);
        if failed {
            break;
        }
    }
    // Dropping stdin tells a healthy child to exit; the supervisor reaps it.
    drop(stdin);
    let mut guard = holder.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(c) = guard.as_mut() {
        if matches!(c.try_wait(), Ok(None)) {
            let _ = c.kill();
        }
        let _ = c.wait();
    }
}

/// The child is killed when the thread that spawned it ends, which is when
/// the web process ends (or when the supervisor let it go anyway).
#[cfg(target_os = "linux")]
fn die_with_spawning_thread(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl is async-signal-safe and touches only the new process.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_spawning_thread(_: &mut Command) {}
