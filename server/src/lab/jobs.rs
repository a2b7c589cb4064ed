//! Submitted jobs by id, so a progress stream or a cancel request can find
//! them, and whether any client still wants each one.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use app::lab::{Job, JobState, Owner};
use tokio::sync::watch;

/// Finished jobs are forgotten after this long (their runs stay in the database).
const KEEP_FINISHED: Duration = Duration::from_secs(15 * 60);
/// At most this many finished jobs are remembered (oldest forgotten first).
const MAX_FINISHED: usize = 1_000;

struct Entry {
    state: watch::Receiver<JobState>,
    cancel: Arc<AtomicBool>,
    owner: Owner,
    /// One clone per `Job` a client holds, plus this one.
    interest: Arc<()>,
    created: Instant,
}

impl Entry {
    fn finished(&self) -> bool {
        matches!(*self.state.borrow(), JobState::Finished(_))
    }
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
    pub(crate) fn create(&self, id: String, owner: Owner) -> (JobHandle, Job) {
        let (tx, rx) = watch::channel(JobState::Queued { position: 0 });
        let cancel = Arc::new(AtomicBool::new(false));
        let interest = Arc::new(());
        let mut jobs = self.lock();
        forget_old(&mut jobs);
        jobs.insert(
            id.clone(),
            Entry {
                state: rx.clone(),
                cancel: cancel.clone(),
                owner,
                interest: interest.clone(),
                created: Instant::now(),
            },
        );
        (
            JobHandle {
                id: id.clone(),
                state: tx,
                cancel,
            },
            Job::new(id, rx, interest),
        )
    }

    pub(crate) fn get(&self, id: &str) -> Option<Job> {
        self.lock()
            .get(id)
            .map(|e| Job::new(id.to_string(), e.state.clone(), e.interest.clone()))
    }

    /// How many client-side `Job`s of this job are alive (0 = nobody is waiting for it).
    pub(crate) fn interest(&self, id: &str) -> usize {
        self.lock()
            .get(id)
            .map(|e| Arc::strong_count(&e.interest) - 1)
            .unwrap_or(0)
    }

    /// Flags `owner`'s unfinished job; `false` if unknown, finished, already
    /// asked to stop or someone else's.
    pub(crate) fn cancel(&self, id: &str, owner: Owner) -> bool {
        match self.lock().get(id) {
            Some(e) if e.owner.same_as(owner) && !e.finished() => {
                !e.cancel.swap(true, Ordering::Relaxed)
            }
            _ => false,
        }
    }

    /// Flags every unfinished job (shutdown).
    pub(crate) fn cancel_all(&self) {
        for e in self.lock().values().filter(|e| !e.finished()) {
            e.cancel.store(true, Ordering::Relaxed);
        }
    }
}

fn forget_old(jobs: &mut HashMap<String, Entry>) {
    jobs.retain(|_, e| !(e.finished() && e.created.elapsed() > KEEP_FINISHED));
    let finished = jobs.values().filter(|e| e.finished()).count();
    if finished > MAX_FINISHED {
        let mut oldest: Vec<(Instant, String)> = jobs
            .iter()
            .filter(|(_, e)| e.finished())
            .map(|(id, e)| (e.created, id.clone()))
            .collect();
        oldest.sort();
        for (_, id) in oldest.into_iter().take(finished - MAX_FINISHED) {
            jobs.remove(&id);
        }
    }
}
