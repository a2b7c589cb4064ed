//! Submitted jobs by id, so a progress stream or a cancel request can find them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use app::lab::{Job, JobState};
use tokio::sync::watch;

/// Finished jobs are forgotten after this long (their runs stay in the database).
const KEEP_FINISHED: Duration = Duration::from_secs(15 * 60);

struct Entry {
    state: watch::Receiver<JobState>,
    cancel: Arc<AtomicBool>,
    created: Instant,
}

#[derive(Default)]
pub(crate) struct JobRegistry {
    jobs: Mutex<HashMap<String, Entry>>,
}

/// The lab's end of a job: reports progress, reads the cancel flag.
pub(crate) struct JobHandle {
    pub id: String,
    pub state: watch::Sender<JobState>,
    pub cancel: Arc<AtomicBool>,
}

impl JobHandle {
    pub(crate) fn report(&self, state: JobState) {
        self.state.send_replace(state);
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

impl JobRegistry {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a new job; returns the lab's handle and the caller's view.
    pub(crate) fn create(&self, id: String) -> (JobHandle, Job) {
        let (tx, rx) = watch::channel(JobState::Queued { position: 0 });
        let cancel = Arc::new(AtomicBool::new(false));
        let mut jobs = self.lock();
        jobs.retain(|_, e| {
            !(matches!(*e.state.borrow(), JobState::Finished(_))
                && e.created.elapsed() > KEEP_FINISHED)
        });
        jobs.insert(
            id.clone(),
            Entry {
                state: rx.clone(),
                cancel: cancel.clone(),
                created: Instant::now(),
            },
        );
        (
            JobHandle {
                id: id.clone(),
                state: tx,
                cancel,
            },
            Job::new(id, rx),
        )
    }

    pub(crate) fn get(&self, id: &str) -> Option<Job> {
        self.lock()
            .get(id)
            .map(|e| Job::new(id.to_string(), e.state.clone()))
    }

    /// Flags a job that has not finished; `false` if unknown or already finished.
    pub(crate) fn cancel(&self, id: &str) -> bool {
        match self.lock().get(id) {
            Some(e) if !matches!(*e.state.borrow(), JobState::Finished(_)) => {
                e.cancel.store(true, Ordering::Relaxed);
                true
            }
            _ => false,
        }
    }
}
