//! A fair, bounded queue of measurements, one at a time per device.
//!
//! Measurements must not disturb each other (the "GPU" may even be the CPU under
//! emulation), so a job runs only when no job admitted before it needs one of its
//! devices: first come, first served per device, no starvation. A run on both
//! devices holds both. At most `capacity` jobs may wait; more are refused. Each
//! learner may hold one running and one waiting job, and each client (an
//! address or IPv6 /64, whatever its cookies) at most `client_share` jobs: a
//! client that drops its cookie to pose as new learners gains nothing, and a
//! class behind one NAT still gets several places.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use app::lab::Owner;
use tokio::sync::Notify;

/// How often a waiting job re-checks its cancellation flag.
const CANCEL_POLL: Duration = Duration::from_millis(200);
/// A rough guess of one experiment's duration, for `Retry-After`.
const TYPICAL_JOB_S: u64 = 10;

/// The devices a job occupies while it runs: the same type the durable
/// queue stores (`lab_storage::jobs`).
pub(crate) use lab_storage::jobs::Needs;

/// Jobs one learner may have in the queue: one running and one waiting.
const PER_LEARNER: usize = 2;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refused {
    #[error("{waiting} jobs are waiting (capacity {capacity})")]
    Full {
        waiting: usize,
        capacity: usize,
        retry_after_s: u64,
    },
    #[error("the learner already has {PER_LEARNER} jobs queued")]
    OwnerBusy { retry_after_s: u64 },
    #[error("the client already has {jobs} jobs queued")]
    ClientBusy { jobs: usize, retry_after_s: u64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum WaitEnded {
    #[error("cancelled while waiting")]
    Cancelled,
    #[error("waited {0:?} without a turn")]
    Deadline(Duration),
}

struct Entry {
    seq: u64,
    needs: Needs,
    owner: Option<Owner>,
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
    client_share: usize,
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
    /// `capacity`: how many jobs may wait behind the running ones;
    /// `client_share`: how many one client may have running and waiting.
    pub(crate) fn new(capacity: usize, client_share: usize) -> Arc<Self> {
        Arc::new(FairQueue {
            state: Mutex::new(State::default()),
            changed: Notify::new(),
            capacity,
            client_share: client_share.max(1),
        })
    }

    /// A poisoned lock only means a panic elsewhere; the queue data stays valid.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a job with these needs would be admitted now (`admit` decides).
    pub(crate) fn has_room(&self, needs: Needs, owner: Option<Owner>) -> Result<(), Refused> {
        self.check_room(&self.lock(), needs, owner)
    }

    fn check_room(&self, state: &State, needs: Needs, owner: Option<Owner>) -> Result<(), Refused> {
        if let Some(owner) = owner {
            let owners = || state.entries.iter().filter_map(|e| e.owner);
            if owner.learner().is_some()
                && owners().filter(|o| o.learner() == owner.learner()).count() >= PER_LEARNER
            {
                return Err(Refused::OwnerBusy {
                    retry_after_s: TYPICAL_JOB_S,
                });
            }
            let clients = owners().filter(|o| o.client() == owner.client()).count();
            if clients >= self.client_share {
                return Err(Refused::ClientBusy {
                    jobs: clients,
                    retry_after_s: TYPICAL_JOB_S,
                });
            }
        }
        let must_wait = state.entries.iter().any(|e| e.needs.overlaps(needs));
        let waiting = state.waiting();
        if must_wait && waiting >= self.capacity {
            return Err(Refused::Full {
                waiting,
                capacity: self.capacity,
                retry_after_s: (TYPICAL_JOB_S * (waiting as u64 + 1)).min(120),
            });
        }
        Ok(())
    }

    /// Takes a place, or refuses when the owner already has their share or
    /// the job would have to wait and the waiting line is full.
    pub(crate) fn admit(
        self: &Arc<Self>,
        needs: Needs,
        owner: Option<Owner>,
    ) -> Result<Place, Refused> {
        let mut state = self.lock();
        self.check_room(&state, needs, owner)?;
        let seq = state.next_seq;
        state.next_seq += 1;
        state.entries.push(Entry {
            seq,
            needs,
            owner,
            running: false,
        });
        Ok(Place {
            queue: self.clone(),
            seq,
        })
    }

    /// Waits until the place's turn, reporting its position (1 = next) whenever
    /// it changes; gives up when `cancelled()` turns true or after `deadline`.
    pub(crate) async fn wait_turn(
        &self,
        place: &Place,
        mut on_position: impl FnMut(usize),
        cancelled: impl Fn() -> bool,
        deadline: Duration,
    ) -> Result<(), WaitEnded> {
        let started = Instant::now();
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
                return Err(WaitEnded::Cancelled);
            }
            if started.elapsed() >= deadline {
                return Err(WaitEnded::Deadline(started.elapsed()));
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
    use app::lab::ClientKey;

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
    const LONG: Duration = Duration::from_secs(60);

    #[tokio::test]
    async fn devices_run_independently_but_both_waits_for_each() {
        let q = FairQueue::new(8, 4);
        let gpu = q.admit(GPU, None).unwrap();
        let cpu = q.admit(CPU, None).unwrap();
        q.wait_turn(&gpu, |_| {}, || false, LONG).await.unwrap();
        q.wait_turn(&cpu, |_| {}, || false, LONG).await.unwrap();
        let both = q.admit(BOTH, None).unwrap();
        assert_eq!(q.lock().ahead_of(both.seq), 2);
        drop(gpu);
        assert_eq!(q.lock().ahead_of(both.seq), 1);
        drop(cpu);
        q.wait_turn(&both, |_| {}, || false, LONG).await.unwrap();
        assert_eq!(q.counts(), (1, 0, 8));
    }

    #[tokio::test]
    async fn a_later_job_never_overtakes_an_earlier_one_on_the_same_device() {
        let q = FairQueue::new(8, 4);
        let cpu = q.admit(CPU, None).unwrap();
        let both = q.admit(BOTH, None).unwrap(); // waits for the CPU
        let gpu = q.admit(GPU, None).unwrap(); // the GPU is free, but `both` came first
        assert_eq!(q.lock().ahead_of(gpu.seq), 1);
        drop(cpu);
        assert_eq!(q.lock().ahead_of(both.seq), 0);
    }

    #[tokio::test]
    async fn refuses_when_the_waiting_line_is_full() {
        let q = FairQueue::new(1, 4);
        let running = q.admit(CPU, None).unwrap();
        q.wait_turn(&running, |_| {}, || false, LONG).await.unwrap();
        let _waiting = q.admit(CPU, None).unwrap();
        let full = q.admit(BOTH, None).err().expect("full");
        assert!(
            matches!(full, Refused::Full { waiting: 1, capacity: 1, retry_after_s } if retry_after_s > 0),
            "{full:?}"
        );
        // A job that need not wait is always admitted.
        assert!(q.admit(GPU, None).is_ok());
    }

    #[tokio::test]
    async fn cancelling_leaves_the_queue() {
        let q = FairQueue::new(2, 4);
        let _running = q.admit(GPU, None).unwrap();
        let waiting = q.admit(GPU, None).unwrap();
        let mut seen = Vec::new();
        let r = q.wait_turn(&waiting, |p| seen.push(p), || true, LONG).await;
        assert_eq!(r, Err(WaitEnded::Cancelled));
        assert_eq!(seen, vec![1]);
        drop(waiting);
        // `_running` never called wait_turn, so it still counts as waiting.
        assert_eq!(q.counts(), (0, 1, 2));
    }

    fn client(last: u8) -> ClientKey {
        ClientKey::of(std::net::IpAddr::from([10, 0, 0, last]))
    }

    #[tokio::test]
    async fn one_running_and_one_waiting_job_per_learner() {
        let q = FairQueue::new(8, 4);
        let me = Some(Owner::new(Some(1), client(1)));
        let first = q.admit(CPU, me).unwrap();
        q.wait_turn(&first, |_| {}, || false, LONG).await.unwrap();
        let _second = q.admit(GPU, me).unwrap();
        assert!(matches!(q.admit(CPU, me), Err(Refused::OwnerBusy { .. })));
        // The same learner from another network is still the same learner.
        let elsewhere = Some(Owner::new(Some(1), client(9)));
        assert!(matches!(
            q.admit(CPU, elsewhere),
            Err(Refused::OwnerBusy { .. })
        ));
        // Someone else still gets in.
        assert!(q.admit(CPU, Some(Owner::new(Some(2), client(2)))).is_ok());
        drop(first);
        assert!(q.admit(CPU, me).is_ok());
    }

    #[tokio::test]
    async fn a_client_without_cookies_gets_only_its_share() {
        let q = FairQueue::new(8, 3);
        // Every request a new learner (a dropped cookie), or none at all.
        let mut held = Vec::new();
        for learner in [None, Some(10), Some(11)] {
            held.push(q.admit(GPU, Some(Owner::new(learner, client(1)))).unwrap());
        }
        for learner in [None, Some(12)] {
            assert!(matches!(
                q.admit(GPU, Some(Owner::new(learner, client(1)))),
                Err(Refused::ClientBusy { jobs: 3, .. })
            ));
        }
        // Another network is not affected, and a place freed is a place again.
        assert!(q.admit(GPU, Some(Owner::new(None, client(2)))).is_ok());
        held.pop();
        assert!(q.admit(GPU, Some(Owner::new(None, client(1)))).is_ok());
    }

    #[tokio::test]
    async fn a_wait_ends_at_its_deadline() {
        let q = FairQueue::new(8, 4);
        let _running = q.admit(GPU, None).unwrap();
        let waiting = q.admit(GPU, None).unwrap();
        let r = q
            .wait_turn(&waiting, |_| {}, || false, Duration::from_millis(50))
            .await;
        assert!(matches!(r, Err(WaitEnded::Deadline(_))), "{r:?}");
    }
}
