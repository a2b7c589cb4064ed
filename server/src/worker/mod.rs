//! A lab worker (`inference-lab worker`, or `serve --with-worker`): the
//! process on a GPU host that claims jobs from `lab_jobs` and runs them with
//! the engine, one at a time (so measurements never disturb each other).
//!
//! - It registers its catalog (adapters, limits, visibility) in `lab_workers`
//!   and beats every few seconds; web instances validate against it.
//! - A claim bumps the job's attempt (the fencing token); a heartbeat five
//!   times per lease (15 s by default) extends it and carries a cancel request
//!   into the engine's stop flag (a NOTIFY does it at once). Progress, the
//!   failure and the finish are fenced writes; the run is saved in the
//!   transaction that marks the job done, so a worker whose lease ran out
//!   (a zombie) records nothing.
//! - On SIGTERM it claims nothing more, lets its job finish for up to
//!   `stop_deadline`, then stops it (within one batch) and exits. A hard
//!   kill leaves the lease to run out: the reaper puts the job back in line.

mod execute;
mod lease;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lab_engine::{Catalog, Engine, EngineConfig};
use lab_storage::db::Db;
use lab_storage::jobs::{self, Needs};
use lab_storage::workers::{self, Worker};
use tokio::sync::{watch, Notify};

use crate::durable::listen;
use crate::lab::kernels::{KernelSettings, Kernels};
use crate::settings::{LabMode, Settings};

/// How often an idle worker looks for work when no notification came.
const IDLE_POLL: Duration = Duration::from_secs(1);

#[derive(Debug, Clone)]
pub(crate) struct WorkerConfig {
    pub id: String,
    pub engine: EngineConfig,
    /// The kernel playground's sandboxes (`None`: it is off).
    pub kernels: Option<KernelSettings>,
    /// How long a running job may go on after SIGTERM before it is stopped.
    pub stop_deadline: Duration,
    /// How long a claim holds a job without a heartbeat.
    pub lease: Duration,
}

impl WorkerConfig {
    /// How often the worker and its job beat: five times per lease.
    fn heartbeat(&self) -> Duration {
        (self.lease / 5).max(Duration::from_millis(200))
    }
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum WorkerError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the worker's catalog: {0}")]
    Catalog(#[from] serde_json::Error),
    #[error("the engine's thread: {0}")]
    Engine(#[from] tokio::task::JoinError),
}

/// The job this worker runs now: its id and its stop flag.
type Current = Arc<Mutex<Option<(String, Arc<AtomicBool>)>>>;

/// A name unique per process: the host's name and the process id.
fn default_id() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into());
    format!("{host}-{}", std::process::id())
}

/// How long a job may go on after SIGTERM before it is stopped.
const STOP_DEADLINE: Duration = Duration::from_secs(10);

/// The worker a process runs, from its settings.
pub(crate) fn config(settings: &Settings, kernels: Option<KernelSettings>) -> WorkerConfig {
    WorkerConfig {
        id: settings.lab.worker_id.clone().unwrap_or_else(default_id),
        engine: EngineConfig {
            visible_devices: settings.visible_devices.clone(),
            gpu_wait_limit: Duration::from_secs(settings.lab.gpu_wait_s.max(1)),
            autotune: settings.lab.autotune.choice(),
            ..Default::default()
        },
        kernels: kernels.filter(|_| !settings.lab.no_playground),
        stop_deadline: STOP_DEADLINE,
        lease: Duration::from_secs(settings.lab.job_lease_s.max(1)),
    }
}

/// `inference-lab worker`: runs a lab worker until SIGTERM or Ctrl-C.
pub async fn main(settings: Settings) -> std::process::ExitCode {
    use std::process::ExitCode;
    let db = match crate::db::open(&settings).await {
        Ok(db) => db,
        Err(e) => {
            eprintln!("inference-lab worker: cannot open the database: {e}");
            return ExitCode::FAILURE;
        }
    };
    if db.engine() != "postgres" && settings.lab.lab_mode != LabMode::Queue {
        eprintln!(
            "inference-lab worker: a lab worker takes its jobs from a database that web \
             instances share in queue mode: give it --database postgres://…; with SQLite, \
             `inference-lab serve` runs the lab itself"
        );
        return ExitCode::FAILURE;
    }
    let kernels = match &settings.lab.kernel_sandbox {
        Some(p) => Some(p.clone()),
        None => std::env::current_exe().ok(),
    }
    .map(|program| KernelSettings {
        program,
        visible_devices: settings.visible_devices.clone(),
        gpu_wait_s: settings.lab.gpu_wait_s.max(1),
        memory_mib: settings.lab.kernel_memory_mib.max(64),
        deadline: settings
            .lab
            .kernel_deadline_s
            .map(|s| Duration::from_secs(s.max(1))),
    });
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(async move {
        crate::startup::shutdown_signal().await;
        tracing::info!("stopping: no more claims; the running job gets its deadline");
        stop.send_replace(true);
    });
    match run(db.clone(), config(&settings, kernels), stopped).await {
        Ok(()) => {
            db.close().await;
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("inference-lab worker: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Registers, then claims and runs jobs until `stop` turns true.
pub(crate) async fn run(
    db: Db,
    config: WorkerConfig,
    stop: watch::Receiver<bool>,
) -> Result<(), WorkerError> {
    let engine = Arc::new(Engine::new(config.engine.clone()));
    // Enumerating adapters starts the driver: off the async workers.
    let catalog: Catalog = {
        let engine = engine.clone();
        tokio::task::spawn_blocking(move || engine.catalog().clone()).await?
    };
    let offers = Needs {
        gpu: catalog.has_gpu(),
        cpu: true,
    };
    let gpu = catalog.visible_gpu(None).ok();
    let limits = serde_json::to_string(&catalog)?;
    let me = Worker {
        id: &config.id,
        offers,
        adapter: gpu.as_ref().map(|g| g.label.as_str()).unwrap_or(""),
        software: gpu.as_ref().is_some_and(|g| g.software),
        limits: &limits,
    };
    workers::register(&db, me, db.clock_ms().await?).await?;
    tracing::info!(worker = %config.id, adapter = me.adapter, software = me.software, "lab worker registered");
    // Printed (not logged) so scripts and tests can wait for it.
    println!(
        "Inference Lab worker {} is ready ({})",
        config.id,
        if me.adapter.is_empty() {
            "CPU only"
        } else {
            me.adapter
        }
    );

    let work = Arc::new(Notify::new());
    let current: Current = Arc::default();
    let woken = work.clone();
    listen::spawn(&db, jobs::QUEUED, move |_| woken.notify_one(), stop.clone());
    let cancelled = current.clone();
    listen::spawn(
        &db,
        jobs::CANCEL,
        move |id| {
            if let Some((running, flag)) = &*cancelled.lock().unwrap_or_else(|e| e.into_inner()) {
                if running == id {
                    flag.store(true, Ordering::Relaxed);
                }
            }
        },
        stop.clone(),
    );
    lease::spawn_beats(
        db.clone(),
        lease::Registration {
            id: config.id.clone(),
            offers,
            adapter: me.adapter.to_string(),
            software: me.software,
            limits: limits.clone(),
        },
        config.heartbeat(),
        stop.clone(),
    );

    let runner = execute::Executor {
        db: db.clone(),
        engine,
        kernels: config.kernels.as_ref().map(Kernels::new),
        current,
        stop_deadline: config.stop_deadline,
        lease: config.lease,
        heartbeat: config.heartbeat(),
    };
    let mut stop_rx = stop.clone();
    while !*stop.borrow() {
        let now = match db.clock_ms().await {
            Ok(now) => now,
            Err(e) => {
                tracing::warn!(error = %e, "the database is out of reach");
                tokio::time::sleep(IDLE_POLL).await;
                continue;
            }
        };
        match jobs::claim(
            &db,
            &config.id,
            offers,
            now,
            config.lease.as_millis() as i64,
        )
        .await
        {
            Ok(Some(job)) => runner.run(job, stop.clone()).await,
            Ok(None) => {
                tokio::select! {
                    _ = work.notified() => {}
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                    _ = stop_rx.wait_for(|s| *s) => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "claiming a job failed");
                tokio::time::sleep(IDLE_POLL).await;
            }
        }
    }
    tracing::info!(worker = %config.id, "lab worker stopped");
    Ok(())
}
