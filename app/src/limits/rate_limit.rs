//! A bounded, evicting rate limiter keyed by learner or client (server only).
//!
//! Each key has a token bucket: `burst` tokens at most, refilled at `per_minute`
//! tokens a minute; an action takes a token and is refused (with the seconds
//! until the next token) when none is left.
//!
//! Where the buckets live is the [`LimitStore`]'s choice. In memory (one
//! server, the SQLite default) the map is bounded: when it holds `max_keys`
//! keys, buckets that have refilled completely are dropped first (a full
//! bucket is the same as no bucket, so that loses nothing), then the least
//! recently used. In the database (several web instances on one PostgreSQL),
//! every instance draws on the same buckets, so a limit is one limit in total
//! (`lab_storage::rate_buckets`, pruned the same way by the quota pass). Either
//! way a full limiter evicts: it never refuses a newcomer because of who else
//! is tracked.

use std::collections::HashMap;
use std::fmt::Display;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lab_storage::db::{now_ms, Db};
use lab_storage::rate_buckets::{self, Bucket as StoredBucket, BucketRate};

/// How many tokens a key may spend at once, and how fast they come back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub burst: u32,
    pub per_minute: u32,
}

impl Rate {
    pub const fn new(burst: u32, per_minute: u32) -> Self {
        Rate { burst, per_minute }
    }
}

/// Keys tracked at most by default (about 1 MB per limiter).
pub const DEFAULT_MAX_KEYS: usize = 16_384;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Where a server's limiters keep their buckets.
#[derive(Debug, Clone, Default)]
pub enum LimitStore {
    /// In this process: one server holds every request, so nothing else needs them.
    #[default]
    Memory,
    /// In the database every web instance shares (`rate_buckets`).
    Database(Db),
}

impl LimitStore {
    /// The store a server on `db` needs: the database when other instances
    /// may share it (PostgreSQL), memory for the embedded SQLite file.
    pub fn for_database(db: &Db) -> Self {
        match db {
            Db::Sqlite(_) => LimitStore::Memory,
            Db::Postgres(_) => LimitStore::Database(db.clone()),
        }
    }
}

/// A limiter's buckets in the database: its name there, and the database.
struct Shared {
    db: Db,
    limiter: &'static str,
}

pub struct RateLimit<K> {
    burst: f64,
    per_second: f64,
    max_keys: usize,
    buckets: Mutex<HashMap<K, Bucket>>,
    shared: Option<Shared>,
}

impl<K: Hash + Eq + Copy + Display> RateLimit<K> {
    /// A limiter in memory.
    pub fn new(rate: Rate) -> Self {
        Self::with_max_keys(rate, DEFAULT_MAX_KEYS)
    }

    /// A limiter in `store`, named `limiter` there (each limiter its own name).
    pub fn in_store(rate: Rate, store: &LimitStore, limiter: &'static str) -> Self {
        let mut limit = Self::new(rate);
        if let LimitStore::Database(db) = store {
            limit.shared = Some(Shared {
                db: db.clone(),
                limiter,
            });
        }
        limit
    }

    pub fn with_max_keys(rate: Rate, max_keys: usize) -> Self {
        RateLimit {
            burst: f64::from(rate.burst.max(1)),
            per_second: f64::from(rate.per_minute.max(1)) / 60.0,
            max_keys: max_keys.max(1),
            buckets: Mutex::new(HashMap::new()),
            shared: None,
        }
    }

    /// Takes one token for `key`; `Err(seconds until one is back)` when none is left.
    pub async fn take(&self, key: K) -> Result<(), u64> {
        self.take_n(key, 1).await
    }

    /// Takes `n` tokens (an expensive action costs more); refused, taking
    /// nothing, when fewer are left.
    pub async fn take_n(&self, key: K, n: u32) -> Result<(), u64> {
        let n = f64::from(n);
        let Some(shared) = &self.shared else {
            return self.take_n_at(key, n, Instant::now());
        };
        let key = key.to_string();
        match rate_buckets::take(&shared.db, self.stored(shared, &key), n, now_ms()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(tokens)) => Err(self.wait_for(tokens, n)),
            Err(e) => self.unavailable(shared, e),
        }
    }

    /// Whether `key` has a token left, taking none (check first, charge later).
    pub async fn check(&self, key: K) -> Result<(), u64> {
        let Some(shared) = &self.shared else {
            return self.check_at(key, Instant::now());
        };
        let key = key.to_string();
        match rate_buckets::tokens(&shared.db, self.stored(shared, &key), now_ms()).await {
            Ok(tokens) if tokens >= 1.0 => Ok(()),
            Ok(tokens) => Err(self.wait_for(tokens, 1.0)),
            Err(e) => self.unavailable(shared, e),
        }
    }

    /// Charges one token whatever is left (a failure counted after the fact);
    /// the bucket never goes below empty.
    pub async fn charge(&self, key: K) {
        self.charge_n(key, 1).await
    }

    /// Charges `n` tokens whatever is left (e.g. a kernel that had to be killed).
    pub async fn charge_n(&self, key: K, n: u32) {
        self.charge_tokens(key, f64::from(n)).await
    }

    /// Gives back a token taken for an action that another limit then
    /// refused (one statement where a check and a take would be two).
    pub async fn refund(&self, key: K) {
        self.charge_tokens(key, -1.0).await
    }

    async fn charge_tokens(&self, key: K, n: f64) {
        let Some(shared) = &self.shared else {
            return self.charge_at(key, n, Instant::now());
        };
        let key = key.to_string();
        if let Err(e) =
            rate_buckets::charge(&shared.db, self.stored(shared, &key), n, now_ms()).await
        {
            let _ = self.unavailable(shared, e);
        }
    }

    fn stored<'a>(&self, shared: &'a Shared, key: &'a str) -> StoredBucket<'a> {
        StoredBucket {
            limiter: shared.limiter,
            key,
            rate: BucketRate {
                burst: self.burst,
                per_minute: self.per_second * 60.0,
            },
        }
    }

    /// A database that cannot count lets the action through: whatever it was
    /// going to write needs the same database, and refusing every learner
    /// for an outage would be a limit on everyone.
    fn unavailable(&self, shared: &Shared, e: sqlx::Error) -> Result<(), u64> {
        tracing::warn!(limiter = shared.limiter, error = %e, "rate limit not counted");
        Ok(())
    }

    /// Keys tracked now (for tests and the bound).
    pub fn tracked(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Bucket>> {
        self.buckets.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn refilled(&self, b: Bucket, now: Instant) -> Bucket {
        let elapsed = now.saturating_duration_since(b.updated).as_secs_f64();
        Bucket {
            tokens: (b.tokens + elapsed * self.per_second).min(self.burst),
            updated: now,
        }
    }

    fn wait_for(&self, tokens: f64, n: f64) -> u64 {
        let missing = (n.min(self.burst) - tokens).max(0.0);
        (missing / self.per_second).ceil().max(1.0) as u64
    }

    fn current(&self, map: &HashMap<K, Bucket>, key: K, now: Instant) -> Bucket {
        match map.get(&key) {
            Some(b) => self.refilled(*b, now),
            None => Bucket {
                tokens: self.burst,
                updated: now,
            },
        }
    }

    fn check_at(&self, key: K, now: Instant) -> Result<(), u64> {
        let map = self.lock();
        let b = self.current(&map, key, now);
        if b.tokens >= 1.0 {
            Ok(())
        } else {
            Err(self.wait_for(b.tokens, 1.0))
        }
    }

    fn take_n_at(&self, key: K, n: f64, now: Instant) -> Result<(), u64> {
        let mut map = self.lock();
        let mut b = self.current(&map, key, now);
        if b.tokens < n.min(self.burst) {
            return Err(self.wait_for(b.tokens, n));
        }
        b.tokens = (b.tokens - n).max(0.0);
        self.store(&mut map, key, b, now);
        Ok(())
    }

    fn charge_at(&self, key: K, n: f64, now: Instant) {
        let mut map = self.lock();
        let mut b = self.current(&map, key, now);
        b.tokens = (b.tokens - n).clamp(0.0, self.burst);
        self.store(&mut map, key, b, now);
    }

    fn store(&self, map: &mut HashMap<K, Bucket>, key: K, b: Bucket, now: Instant) {
        if !map.contains_key(&key) && map.len() >= self.max_keys {
            self.evict(map, now);
        }
        map.insert(key, b);
    }

    /// Makes room: full buckets first, then the least recently used eighth.
    fn evict(&self, map: &mut HashMap<K, Bucket>, now: Instant) {
        map.retain(|_, b| self.refilled(*b, now).tokens < self.burst);
        if map.len() < self.max_keys {
            return;
        }
        let mut times: Vec<Instant> = map.values().map(|b| b.updated).collect();
        let cut = (self.max_keys / 8).max(1).min(times.len() - 1);
        let (_, &mut oldest_kept, _) = times.select_nth_unstable(cut);
        map.retain(|_, b| b.updated >= oldest_kept);
        // Ties at the cut could keep everything: then drop arbitrary ones.
        if map.len() >= self.max_keys {
            let drop: Vec<K> = map.keys().take(cut).copied().collect();
            for k in drop {
                map.remove(&k);
            }
        }
    }
}

impl<K> std::fmt::Debug for RateLimit<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimit")
            .field("burst", &self.burst)
            .field("per_second", &self.per_second)
            .field("max_keys", &self.max_keys)
            .finish_non_exhaustive()
    }
}

/// How long until `n` more tokens come back at `rate` (for messages).
pub fn refill_time(rate: Rate, n: u32) -> Duration {
    Duration::from_secs_f64(f64::from(n) * 60.0 / f64::from(rate.per_minute.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn a_burst_then_the_refill_rate() {
        let limit = RateLimit::new(Rate::new(3, 60)); // one a second
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limit.take_n_at(1, 1.0, t0).is_ok());
        }
        assert_eq!(limit.take_n_at(1, 1.0, t0), Err(1));
        assert!(limit.take_n_at(2, 1.0, t0).is_ok(), "other keys unaffected");
        assert!(limit.take_n_at(1, 1.0, t0 + S).is_ok(), "one token back");
        assert!(limit.take_n_at(1, 1.0, t0 + S).is_err());
    }

    #[test]
    fn check_takes_nothing_and_charge_counts_after_the_fact() {
        let limit = RateLimit::new(Rate::new(2, 1));
        let t0 = Instant::now();
        for _ in 0..5 {
            assert!(limit.check_at(7, t0).is_ok());
        }
        limit.charge_at(7, 1.0, t0);
        limit.charge_at(7, 1.0, t0);
        let wait = limit.check_at(7, t0).expect_err("both tokens charged");
        assert!((59..=60).contains(&wait), "{wait}");
        limit.charge_at(7, 5.0, t0); // never below empty
        assert!(limit.check_at(7, t0 + 60 * S).is_ok());
    }

    #[test]
    fn a_refund_gives_a_token_back_but_never_beyond_the_burst() {
        let limit = RateLimit::new(Rate::new(2, 1));
        let t0 = Instant::now();
        assert!(limit.take_n_at(3, 2.0, t0).is_ok());
        assert!(limit.check_at(3, t0).is_err());
        limit.charge_at(3, -1.0, t0);
        assert!(limit.take_n_at(3, 1.0, t0).is_ok(), "the refunded token");
        limit.charge_at(3, -5.0, t0);
        assert_eq!(
            limit.take_n_at(3, 3.0, t0),
            Ok(()),
            "a full bucket: the burst"
        );
        assert!(limit.check_at(3, t0).is_err(), "and no more than the burst");
    }

    #[test]
    fn an_expensive_action_needs_its_tokens() {
        let limit = RateLimit::new(Rate::new(10, 60));
        let t0 = Instant::now();
        assert!(limit.take_n_at(1, 8.0, t0).is_ok());
        assert_eq!(limit.take_n_at(1, 5.0, t0), Err(3));
        assert!(limit.take_n_at(1, 2.0, t0).is_ok());
    }

    #[test]
    fn a_full_map_evicts_and_never_refuses_a_newcomer() {
        let limit = RateLimit::with_max_keys(Rate::new(1, 1), 100);
        let t0 = Instant::now();
        // 100 keys, each out of tokens: nothing is full, so nothing is free to drop.
        for k in 0..100u32 {
            assert!(limit.take_n_at(k, 1.0, t0).is_ok());
        }
        assert_eq!(limit.tracked(), 100);
        for k in 100..1_000u32 {
            assert!(
                limit.take_n_at(k, 1.0, t0 + S).is_ok(),
                "newcomer {k} refused"
            );
            assert!(limit.tracked() <= 100);
        }
        // The most recent keys are still limited.
        assert!(limit.take_n_at(999, 1.0, t0 + S).is_err());
    }

    #[test]
    fn full_buckets_are_dropped_first() {
        let limit = RateLimit::with_max_keys(Rate::new(2, 60), 10);
        let t0 = Instant::now();
        for k in 0..10u32 {
            limit.charge_at(k, 1.0, t0);
        }
        limit.charge_at(0, 1.0, t0 + 3 * S); // key 0 is busy again
                                             // Three seconds later keys 1..10 have refilled: a newcomer drops them.
        assert!(limit.take_n_at(100, 1.0, t0 + 3 * S).is_ok());
        assert_eq!(limit.tracked(), 2);
    }
}
