//! A bounded, evicting rate limiter keyed by learner or client (server only).
//!
//! Each key has a token bucket: `burst` tokens at most, refilled at `per_minute`
//! tokens a minute; an action takes a token and is refused (with the seconds
//! until the next token) when none is left. The map is bounded: when it holds
//! `max_keys` keys, buckets that have refilled completely are dropped first
//! (a full bucket is the same as no bucket, so that loses nothing), then the
//! least recently used. A full limiter therefore evicts: it never refuses a
//! newcomer because of who else is tracked.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

pub struct RateLimit<K> {
    burst: f64,
    per_second: f64,
    max_keys: usize,
    buckets: Mutex<HashMap<K, Bucket>>,
}

impl<K: Hash + Eq + Copy> RateLimit<K> {
    pub fn new(rate: Rate) -> Self {
        Self::with_max_keys(rate, DEFAULT_MAX_KEYS)
    }

    pub fn with_max_keys(rate: Rate, max_keys: usize) -> Self {
        RateLimit {
            burst: f64::from(rate.burst.max(1)),
            per_second: f64::from(rate.per_minute.max(1)) / 60.0,
            max_keys: max_keys.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`; `Err(seconds until one is back)` when none is left.
    pub fn take(&self, key: K) -> Result<(), u64> {
        self.take_n_at(key, 1.0, Instant::now())
    }

    /// Takes `n` tokens (an expensive action costs more); refused, taking
    /// nothing, when fewer are left.
    pub fn take_n(&self, key: K, n: u32) -> Result<(), u64> {
        self.take_n_at(key, f64::from(n), Instant::now())
    }

    /// Whether `key` has a token left, taking none (check first, charge later).
    pub fn check(&self, key: K) -> Result<(), u64> {
        self.check_at(key, Instant::now())
    }

    /// Charges one token whatever is left (a failure counted after the fact);
    /// the bucket never goes below empty.
    pub fn charge(&self, key: K) {
        self.charge_at(key, 1.0, Instant::now())
    }

    /// Charges `n` tokens whatever is left (e.g. a kernel that had to be killed).
    pub fn charge_n(&self, key: K, n: u32) {
        self.charge_at(key, f64::from(n), Instant::now())
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
        b.tokens = (b.tokens - n).max(0.0);
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
