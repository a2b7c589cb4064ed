//! Row quotas (`lab_storage::quota`: oldest-first eviction per table), checked
//! every `quotas.every` for as long as the server runs.

use lab_storage::db::Db;
use lab_storage::quota::{enforce, enforce_cards};

use crate::write_bounds::Quotas;

/// Checks of the keyed quotas per count of the review cards (a scan).
const COUNT_EVERY: u64 = 60;

/// Enforces the quotas every `quotas.every`, for as long as the server runs.
pub(crate) fn spawn(db: Db, quotas: Quotas) {
    tokio::spawn(async move {
        let mut every =
            tokio::time::interval(quotas.every.max(std::time::Duration::from_millis(100)));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        for pass in 0u64.. {
            every.tick().await;
            let mut result = enforce(&db, &quotas.tables()).await;
            if pass % COUNT_EVERY == 0 {
                result = match (result, enforce_cards(&db, quotas.review_cards).await) {
                    (Ok(mut evicted), Ok(n)) if n > 0 => {
                        evicted.push(("review_cards", n));
                        Ok(evicted)
                    }
                    (r, Ok(_)) => r,
                    (_, Err(e)) => Err(e),
                };
            }
            match result {
                Ok(evicted) if !evicted.is_empty() => {
                    tracing::warn!(?evicted, "row quotas: the oldest rows were deleted")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "row quota pass failed"),
            }
        }
    });
}
