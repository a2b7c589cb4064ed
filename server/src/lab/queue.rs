//! A fair, bounded queue of measurements, one at a time per device.
//!
//! Measurements must not disturb each other (the "GPU" may even be the CPU under
//! emulation), so a job runs only when no job admitted before it needs one of its
//! devices: first come, first served per device, no starvation. A run on both
//! devices holds both. At most `capacity` jobs may wait; more are refused.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;

/// How often a waiting job re-checks its cancellation flag.
const CANCEL_POLL: Duration = Duration::from_millis(200);
/// A rough guess of one experiment's duration, for `Retry-After`.
const TYPICAL_JOB_S: u64 = 10;

/// The devices a job occupies while it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Needs {
    pub gpu: bool,
    pub cpu: bool,
}

impl Needs {
    fn overlaps(self, other: Needs) -> bool {
        (self.gpu && other.gpu) || (self.cpu && other.cpu)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{waiting} jobs are waiting (capacity {capacity})")]
pub(crate) struct QueueFull {
    pub waiting: usize,
    pub capacity: usize,
    pub retry_after_s: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cancelled while waiting")]
pub(crate) struct CancelledWhileWaiting;

struct Entry {
    seq: u64,
    needs: Needs,
    running: bool,
}

#[derive(Default)]
struct State {
    next_seq: u64,
    /// Admitted jobs (running or waiting) in admission order.
    entries: Vec<Entry>,
}

impl State {
    /// Jobs admitted before `seq` that need one of its devices (0 = its turn).
    fn ahead_of(&self, seq: u64) -> usize {
        let Some(me) = self.entries.iter().find(|e| e.seq == seq) else {
            return 0;
        };
        self.entries
            .iter()
            .take_while(|e| e.seq != seq)
            .filter(|e| e.needs.overlaps(me.needs))
            .count()
    }

    fn waiting(&self) -> usize {
        self.entries.iter().filter(|e| !e.running).count()
    }
}

pub(crate) struct FairQueue {
    state: Mutex<State>,
    changed: Notify,
    capacity: usize,
}

/// A job's place in the queue; leaving (drop) lets the next job run.
pub(crate) struct Place {
    queue: Arc<FairQueue>,
    seq: u64,
}

impl Drop for Place {
    fn drop(&mut self) {
        self.queue.lock().entries.retain(|e| e.seq != self.seq);
        self.queue.changed.notify_waiters();
    }
}

impl FairQueue {
    /// `capacity`: how many jobs may wait behind the running ones.
    pub(crate) fn new(capacity: usize) -> Arc<Self> {
        Arc::new(FairQueue {
            state: Mutex::new(State::default()),
            changed: Notify::new(),
            capacity,
        })
    }

    /// A poisoned lock only means a panic elsewhere; the queue data stays valid.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes a place, or refuses when the job would have to wait and the
    /// waiting line is full.
    /// Whether a job with these needs would be admitted now (`admit` decides).
    pub(crate) fn has_room(&self, needs: Needs) -> Result<(), QueueFull> {
        self.check_room(&self.lock(), needs)
    }

    fn check_room(&self, state: &State, needs: Needs) -> Result<(), QueueFull> {
        let must_wait = state.entries.iter().any(|e| e.needs.overlaps(needs));
        let waiting = state.waiting();
        if must_wait && waiting >= self.capacity {
            return Err(QueueFull {
                waiting,
                capacity: self.capacity,
                retry_after_s: (TYPICAL_JOB_S * (waiting as u64 + 1)).min(120),
            });
        }
        Ok(())
    }

    pub(crate) fn admit(self: &Arc<Self>, needs: Needs) -> Result<Place, QueueFull> {
        let mut state = self.lock();
        self.check_room(&state, needs)?;
        let seq = state.next_seq;
        state.next_seq += 1;
        state.entries.push(Entry {
            seq,
            needs,
            running: false,
        });
        Ok(Place {
            queue: self.clone(),
            seq,
        })
    }

    /// Waits until the place's turn, reporting its position (1 = next) whenever
    /// it changes; gives up when `cancelled()` turns true.
    pub(crate) async fn wait_turn(
        &self,
        place: &Place,
        mut on_position: impl FnMut(usize),
        cancelled: impl Fn() -> bool,
    ) -> Result<(), CancelledWhileWaiting> {
        let mut last = None;
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable(); // register before checking: no lost wake-up
            {
                let mut state = self.lock();
                let ahead = state.ahead_of(place.seq);
                if ahead == 0 {
                    if let Some(e) = state.entries.iter_mut().find(|e| e.seq == place.seq) {
                        e.running = true;
                    }
                    return Ok(());
                }
                if last != Some(ahead) {
                    last = Some(ahead);
                    on_position(ahead);
                }
            }
            if cancelled() {
                return Err(CancelledWhileWaiting);
            }
            tokio::select! {
                _ = notified => {}
                _ = tokio::time::sleep(CANCEL_POLL) => {}
            }
        }
    }

    /// (running, waiting, capacity)
    pub(crate) fn counts(&self) -> (usize, usize, usize) {
        let state = self.lock();
        let waiting = state.waiting();
        (state.entries.len() - waiting, waiting, self.capacity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GPU: Needs = Needs {
        gpu: true,
        cpu: false,
    };
    const CPU: Needs = Needs {
        gpu: false,
        cpu: true,
    };
    const BOTH: Needs = Needs {
        gpu: true,
        cpu: true,
    };

    #[tokio::test]
    async fn devices_run_independently_but_both_waits_for_each() {
        let q = FairQueue::new(8);
        let gpu = q.admit(GPU).unwrap();
        let cpu = q.admit(CPU).unwrap();
        q.wait_turn(&gpu, |_| {}, || false).await.unwrap();
        q.wait_turn(&cpu, |_| {}, || false).await.unwrap();
        let both = q.admit(BOTH).unwrap();
        assert_eq!(q.lock().ahead_of(both.seq), 2);
        drop(gpu);
        assert_eq!(q.lock().ahead_of(both.seq), 1);
        drop(cpu);
        q.wait_turn(&both, |_| {}, || false).await.unwrap();
        assert_eq!(q.counts(), (1, 0, 8));
    }

    #[tokio::test]
    async fn a_later_job_never_overtakes_an_earlier_one_on_the_same_device() {
        let q = FairQueue::new(8);
        let cpu = q.admit(CPU).unwrap();
        let both = q.admit(BOTH).unwrap(); // waits for the CPU
        let gpu = q.admit(GPU).unwrap(); // the GPU is free, but `both` came first
        assert_eq!(q.lock().ahead_of(gpu.seq), 1);
        drop(cpu);
        assert_eq!(q.lock().ahead_of(both.seq), 0);
    }

    #[tokio::test]
    async fn refuses_when_the_waiting_line_is_full() {
        let q = FairQueue::new(1);
        let running = q.admit(CPU).unwrap();
        q.wait_turn(&running, |_| {}, || false).await.unwrap();
        let _waiting = q.admit(CPU).unwrap();
        let full = q.admit(BOTH).err().expect("full");
        assert_eq!((full.waiting, full.capacity), (1, 1));
        assert!(full.retry_after_s > 0);
        // A job that need not wait is always admitted.
        assert!(q.admit(GPU).is_ok());
    }

    #[tokio::test]
    async fn cancelling_leaves_the_queue() {
        let q = FairQueue::new(2);
        let _running = q.admit(GPU).unwrap();
        let waiting = q.admit(GPU).unwrap();
        let mut seen = Vec::new();
        let r = q.wait_turn(&waiting, |p| seen.push(p), || true).await;
        assert_eq!(r, Err(CancelledWhileWaiting));
        assert_eq!(seen, vec![1]);
        drop(waiting);
        // `_running` never called wait_turn, so it still counts as waiting.
        assert_eq!(q.counts(), (0, 1, 2));
    }
}
