//! At most so many answers per minute from one learner and from one client
//! (server only), so that no learner and no network can fill the attempts
//! table or keep the database busy for the class.
//!
//! Every answer draws on two token buckets: its learner's (once one exists)
//! and its client's (an address or IPv6 /64, which a dropped cookie does not
//! change). Both evict when full (see [`RateLimit`]): a full limiter never
//! refuses a newcomer.

use crate::lab::{ClientKey, Owner};
use crate::limits::rate_limit::{LimitStore, Rate, RateLimit};

/// A client stands for every learner behind it (a class behind one NAT
/// answers at once), so it gets this many times a learner's allowance.
pub const CLIENT_FACTOR: u32 = 10;

#[derive(Debug)]
pub struct AnswerLimit {
    learners: RateLimit<i64>,
    clients: RateLimit<ClientKey>,
}

impl AnswerLimit {
    /// `per_minute` answers per learner (also its burst), ten times that per
    /// client, in memory.
    pub fn per_minute(per_minute: u32) -> Self {
        Self::in_store(per_minute, &LimitStore::Memory)
    }

    /// The same limits, kept in `store`.
    pub fn in_store(per_minute: u32, store: &LimitStore) -> Self {
        let per_minute = per_minute.max(1);
        let per_client = per_minute.saturating_mul(CLIENT_FACTOR);
        AnswerLimit {
            learners: RateLimit::in_store(
                Rate::new(per_minute, per_minute),
                store,
                "answers.learner",
            ),
            clients: RateLimit::in_store(
                Rate::new(per_client, per_client),
                store,
                "answers.client",
            ),
        }
    }

    /// Counts one answer; `Err(seconds to wait)` when the learner or the
    /// client is over its limit (then nothing is counted).
    pub async fn check(&self, owner: Owner) -> Result<(), u64> {
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

    /// Counts an answer already accepted against a learner created for it.
    pub async fn charge_learner(&self, learner: i64) {
        self.learners.charge(learner).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn refuses_over_the_limit_per_learner_and_per_client() {
        let limit = AnswerLimit::per_minute(2);
        let client = ClientKey::of("10.0.0.1".parse().unwrap());
        let a = Owner::new(Some(1), client);
        assert!(limit.check(a).await.is_ok());
        assert!(limit.check(a).await.is_ok());
        let wait = limit.check(a).await.expect_err("third in a minute");
        assert!((1..=60).contains(&wait), "{wait}");
        // Other learners on the same network share its ten-fold allowance.
        let mut accepted = 2;
        for learner in 2..100 {
            if limit.check(Owner::new(Some(learner), client)).await.is_ok() {
                accepted += 1;
            }
        }
        assert_eq!(accepted, 2 * CLIENT_FACTOR);
        let elsewhere = Owner::new(Some(500), ClientKey::of("10.0.0.2".parse().unwrap()));
        assert!(limit.check(elsewhere).await.is_ok(), "another network");
    }
}
