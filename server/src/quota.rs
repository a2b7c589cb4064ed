//! Row quotas (`lab_storage::quota`: oldest-first eviction per table), checked
//! every `quotas.every` for as long as the server runs.

use lab_storage::db::Db;
use lab_storage::quota::{enforce, enforce_cards};
use lab_storage::rate_buckets;

use crate::write_bounds::Quotas;

/// The advisory lock key of the quota passes.
const QUOTA_LOCK: i64 = 0x1ab_0002;

/// Checks of the keyed quotas per count of the review cards (a scan).
const COUNT_EVERY: u64 = 60;

/// Rate-limit buckets kept at most in the database (instances sharing a
/// PostgreSQL database): as many as the ten in-memory limiters hold, about
/// 100 bytes each. Buckets that have refilled go first, then the least
/// recently touched, as in memory.
const RATE_BUCKETS_MAX: i64 = 10 * app::limits::rate_limit::DEFAULT_MAX_KEYS as i64;

/// Enforces the quotas every `quotas.every`, for as long as the server runs.
pub(crate) fn spawn(db: Db, quotas: Quotas) {
    tokio::spawn(async move {
        let mut every =
            tokio::time::interval(quotas.every.max(std::time::Duration::from_millis(100)));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        for pass in 0u64.. {
            every.tick().await;
            let one_pass = async {
                let mut evicted = enforce(&db, &quotas.tables()).await?;
                let now_ms = lab_storage::db::now_ms();
                // Full buckets are routine, so they are not reported.
                rate_buckets::prune(&db, now_ms, RATE_BUCKETS_MAX).await?;
                if pass % COUNT_EVERY == 0 {
                    let n = enforce_cards(&db, quotas.review_cards).await?;
                    if n > 0 {
                        evicted.push(("review_cards", n));
                    }
                }
                Ok::<_, sqlx::Error>(evicted)
            };
            // One instance at a time when several share a PostgreSQL database.
            let result = match db.exclusive(QUOTA_LOCK, one_pass).await {
                Ok(Some(result)) => result,
                Ok(None) => Ok(Vec::new()),
                Err(e) => Err(e),
            };
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
