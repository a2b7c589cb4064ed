//! The jobs this web instance follows for its clients (progress streams,
//! waiting form posts, kernels and timing demos awaiting their answer), read
//! from `lab_jobs` in one statement per poll (every `POLL`, or at once when a
//! notification says a job changed), and kept followed in the database
//! (`followed_until_ms`) while some client here still holds them. A job
//! nobody holds is no longer refreshed; the reaper cancels it once its time
//! runs out, whichever instance started it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use app::lab::{Job, JobState};
use lab_storage::db::{now_ms, Db};
use lab_storage::jobs::{self, JobView, BATCH};
use lab_types::{JobStatus, LabError};
use tokio::sync::{watch, Notify};

use super::task::{error_of, EXPERIMENT};

/// How often followed jobs are read when no notification came.
const POLL: Duration = Duration::from_millis(500);
/// How often the jobs clients still hold are marked followed.
const FOLLOW_EVERY: Duration = Duration::from_secs(3);

/// What a job that is not an experiment answers: its result's JSON.
pub(crate) type Answered = Option<Result<String, LabError>>;

enum Channel {
    Experiment(watch::Sender<JobState>),
    Answer(watch::Sender<Answered>),
}

struct Entry {
    channel: Channel,
    /// One clone per client-side holder, plus this one.
    interest: Arc<()>,
    /// What was last published (state, attempt, ahead, progress).
    last: Option<(String, i64, i64, Option<String>)>,
}

/// A non-experiment job's answer, awaited by the request that asked for it.
pub(crate) struct Answer {
    rx: watch::Receiver<Answered>,
    _interest: Arc<()>,
}

impl Answer {
    /// The job's result JSON once it finished.
    pub(crate) async fn wait(mut self) -> Result<String, LabError> {
        loop {
            if let Some(answer) = &*self.rx.borrow_and_update() {
                return answer.clone();
            }
            if self.rx.changed().await.is_err() {
                return Err(LabError::internal(
                    "the job was forgotten before it answered",
                ));
            }
        }
    }
}

#[derive(Default)]
pub(crate) struct Followers {
    entries: Mutex<HashMap<String, Entry>>,
    wake: Notify,
}

impl Followers {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Follows experiment `id` (or joins its followers here).
    pub(crate) fn experiment(&self, id: &str) -> Job {
        let mut entries = self.lock();
        if let Some(Entry {
            channel: Channel::Experiment(tx),
            interest,
            ..
        }) = entries.get(id)
        {
            return Job::new(id.to_string(), tx.subscribe(), interest.clone());
        }
        let (tx, rx) = watch::channel(JobState::Queued { position: 0 });
        let interest = Arc::new(());
        entries.insert(
            id.to_string(),
            Entry {
                channel: Channel::Experiment(tx),
                interest: interest.clone(),
                last: None,
            },
        );
        drop(entries);
        self.wake.notify_one();
        Job::new(id.to_string(), rx, interest)
    }

    /// Awaits the answer of job `id` (a timing demo, a kernel, the roofs).
    pub(crate) fn answer(&self, id: &str) -> Answer {
        let (tx, rx) = watch::channel(None);
        let interest = Arc::new(());
        self.lock().insert(
            id.to_string(),
            Entry {
                channel: Channel::Answer(tx),
                interest: interest.clone(),
                last: None,
            },
        );
        self.wake.notify_one();
        Answer {
            rx,
            _interest: interest,
        }
    }

    /// A job changed (a notification): read the followed jobs now.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    /// Forgets jobs no client holds any more; answers the ids to read.
    fn ids(&self) -> Vec<String> {
        let mut entries = self.lock();
        entries.retain(|_, e| Arc::strong_count(&e.interest) > 1);
        entries.keys().cloned().collect()
    }

    /// Publishes what `view` says, if it says something new; a final state
    /// ends the entry (receivers keep the last value).
    async fn publish(&self, db: &Db, view: JobView) {
        let key = (
            view.state.clone(),
            view.attempt,
            view.ahead,
            view.progress.clone(),
        );
        let is_experiment = {
            let entries = self.lock();
            match entries.get(&view.id) {
                None => return,
                Some(e) if e.last.as_ref() == Some(&key) => return,
                Some(e) => matches!(e.channel, Channel::Experiment(_)),
            }
        };
        let outcome: Option<Result<Option<String>, LabError>> = match view.state.as_str() {
            "done" => Some(Ok(view.result.clone())),
            "failed" => Some(Err(error_of(view.error.as_deref().unwrap_or_default()))),
            "cancelled" => Some(Err(LabError::Cancelled)),
            _ => None,
        };
        // An experiment's answer is its saved run, read once it is done.
        let experiment_outcome = match (&outcome, is_experiment) {
            (Some(Ok(_)), true) if view.kind == EXPERIMENT => {
                Some(match lab_storage::runs::load_run(db, &view.id).await {
                    Ok(Some(saved)) => Ok(saved.result),
                    Ok(None) => Err(LabError::internal("a done job without its run")),
                    Err(e) => Err(LabError::failed(format!("loading run {}", view.id), e)),
                })
            }
            (Some(Err(e)), true) => Some(Err(e.clone())),
            _ => None,
        };
        let mut entries = self.lock();
        let Some(entry) = entries.get_mut(&view.id) else {
            return;
        };
        entry.last = Some(key);
        match &entry.channel {
            Channel::Experiment(tx) => {
                let state = match experiment_outcome {
                    Some(outcome) => JobState::Finished(Arc::new(outcome)),
                    None => progress_state(&view),
                };
                tx.send_replace(state);
            }
            Channel::Answer(tx) => {
                if let Some(outcome) = outcome {
                    tx.send_replace(Some(outcome.map(Option::unwrap_or_default)));
                }
            }
        }
        if view.state != "queued" && view.state != "running" {
            entries.remove(&view.id);
        }
    }

    /// Ends the entries of jobs the database no longer has (pruned).
    fn forget_missing(&self, asked: &[String], seen: &[JobView]) {
        let mut entries = self.lock();
        for id in asked {
            if seen.iter().any(|v| &v.id == id) {
                continue;
            }
            if let Some(entry) = entries.remove(id) {
                match entry.channel {
                    Channel::Experiment(tx) => {
                        tx.send_replace(JobState::Finished(Arc::new(Err(LabError::NotFound))));
                    }
                    Channel::Answer(tx) => {
                        tx.send_replace(Some(Err(LabError::NotFound)));
                    }
                }
            }
        }
    }

    /// Reads the followed jobs every `POLL` (or when woken) and keeps the
    /// held ones followed for `grace`, until `stopping`.
    pub(crate) fn spawn_poller(
        self: &Arc<Self>,
        db: Db,
        grace: Duration,
        mut stopping: watch::Receiver<bool>,
    ) {
        let followers = self.clone();
        tokio::spawn(async move {
            let mut followed_at = Instant::now() - FOLLOW_EVERY;
            loop {
                tokio::select! {
                    _ = followers.wake.notified() => {}
                    _ = tokio::time::sleep(POLL) => {}
                    _ = stopping.wait_for(|s| *s) => return,
                }
                let ids = followers.ids();
                for chunk in ids.chunks(BATCH) {
                    match jobs::views(&db, chunk).await {
                        Ok(views) => {
                            followers.forget_missing(chunk, &views);
                            for view in views {
                                followers.publish(&db, view).await;
                            }
                        }
                        Err(e) => tracing::warn!(error = %e, "reading followed jobs failed"),
                    }
                }
                if followed_at.elapsed() >= FOLLOW_EVERY && !ids.is_empty() {
                    followed_at = Instant::now();
                    let now = db.clock_ms().await.unwrap_or_else(|_| now_ms());
                    let until = now + grace.as_millis() as i64;
                    for chunk in ids.chunks(BATCH) {
                        if let Err(e) = jobs::follow_many(&db, chunk, until).await {
                            tracing::warn!(error = %e, "marking jobs followed failed");
                        }
                    }
                }
            }
        });
    }
}

/// A waiting or running job's progress as the page shows it.
fn progress_state(view: &JobView) -> JobState {
    if view.state == "queued" {
        return JobState::Queued {
            position: view.ahead.max(0) as usize,
        };
    }
    match view
        .progress
        .as_deref()
        .and_then(|p| serde_json::from_str::<JobStatus>(p).ok())
    {
        Some(JobStatus::Running { step, of, what }) => JobState::Running { step, of, what },
        _ => JobState::Running {
            step: 1,
            of: 1,
            what: "starting on a lab worker".into(),
        },
    }
}
