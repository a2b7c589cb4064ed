//! How many kernels may be submitted, per learner and per client (server only).
//!
//! A kernel that does not compile takes no GPU time, but it still costs a
//! check in the sandbox and, when stored, a row: so every submission draws on
//! two buckets, the learner's (if the request has one) and its client's
//! (an address or IPv6 /64, which a dropped cookie does not change). A
//! kernel that had to be stopped (deadline, memory) costs its client
//! [`STOPPED_COST`] tokens more, so a flood of bombs runs dry fast.

use crate::lab::{ClientKey, Owner};
use crate::limits::rate_limit::{LimitStore, Rate, RateLimit};

/// One learner: a burst of 10, then one every 10 s (editing and resubmitting
/// takes longer than that).
pub const PER_LEARNER: Rate = Rate::new(10, 6);
/// One client: a class of 30 behind one NAT submitting twice a minute each.
pub const PER_CLIENT: Rate = Rate::new(60, 60);
/// What a kernel that had to be stopped costs its client on top.
pub const STOPPED_COST: u32 = 10;

pub struct KernelRate {
    learners: RateLimit<i64>,
    clients: RateLimit<ClientKey>,
}

impl Default for KernelRate {
    fn default() -> Self {
        Self::in_store(&LimitStore::Memory)
    }
}

impl KernelRate {
    /// The limits, kept in `store`.
    pub fn in_store(store: &LimitStore) -> Self {
        KernelRate {
            learners: RateLimit::in_store(PER_LEARNER, store, "kernels.learner"),
            clients: RateLimit::in_store(PER_CLIENT, store, "kernels.client"),
        }
    }

    /// Takes a token from both buckets; `Err(seconds)` when either is empty
    /// (and then neither is charged).
    pub async fn take(&self, owner: Owner) -> Result<(), u64> {
        self.clients.take(owner.client()).await?;
        if let Some(learner) = owner.learner() {
            if let Err(wait) = self.learners.take(learner).await {
                // The learner was over, not the network: its token goes back.
                self.clients.refund(owner.client()).await;
                return Err(wait);
            }
        }
        Ok(())
    }

    /// A kernel this client sent had to be stopped.
    pub async fn stopped(&self, owner: Owner) {
        self.clients.charge_n(owner.client(), STOPPED_COST).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_client_without_cookies_runs_dry_and_a_stopped_kernel_costs_more() {
        let rate = KernelRate::default();
        let client = ClientKey::of("10.1.1.1".parse().unwrap());
        let anonymous = Owner::new(None, client);
        for _ in 0..PER_CLIENT.burst {
            assert!(rate.take(anonymous).await.is_ok());
        }
        assert!(
            rate.take(anonymous).await.is_err(),
            "a cookie-less client has a bound"
        );
        assert!(
            rate.take(Owner::new(Some(1), client)).await.is_err(),
            "so has a fresh learner on the same network"
        );
        let other = Owner::new(Some(2), ClientKey::of("10.1.1.2".parse().unwrap()));
        for _ in 0..PER_LEARNER.burst {
            assert!(rate.take(other).await.is_ok());
        }
        assert!(rate.take(other).await.is_err(), "one learner's bucket");

        let third = Owner::new(None, ClientKey::of("10.1.1.3".parse().unwrap()));
        for _ in 0..PER_CLIENT.burst / STOPPED_COST {
            rate.stopped(third).await;
        }
        assert!(
            rate.take(third).await.is_err(),
            "stopped kernels drained the bucket"
        );
    }
}
