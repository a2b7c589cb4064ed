//! At most so many answers per minute from one learner (or, before a learner
//! exists, from one client address), so that one client cannot fill the
//! attempts table or keep the database busy for the class (server only).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::lab::{ClientKey, Owner};

/// Whose answers are counted: the learner's, or, before one exists, the client's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Learner(i64),
    Client(ClientKey),
}

const WINDOW: Duration = Duration::from_secs(60);
/// Clients remembered at once; beyond this, expired windows are dropped first.
const MAX_TRACKED: usize = 10_000;
/// An address stands for every learner behind it (a class behind one NAT
/// starts at once), so it gets this many times a learner's allowance; it
/// only counts answers sent before a learner exists.
const ADDRESS_FACTOR: u32 = 10;

pub struct AnswerLimit {
    per_window: u32,
    windows: Mutex<HashMap<Key, (Instant, u32)>>,
}

impl AnswerLimit {
    pub fn per_minute(per_window: u32) -> Self {
        AnswerLimit {
            per_window: per_window.max(1),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one answer; `Err(seconds to wait)` when the owner is over the limit.
    pub fn check(&self, owner: Owner) -> Result<(), u64> {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if windows.len() >= MAX_TRACKED {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        if windows.len() >= MAX_TRACKED {
            // Every tracked client is active: refuse newcomers for a moment
            // rather than grow without bound.
            return Err(1);
        }
        let key = match owner.learner() {
            Some(id) => Key::Learner(id),
            None => Key::Client(owner.client()),
        };
        let (start, count) = windows.entry(key).or_insert((now, 0));
        if now.duration_since(*start) >= WINDOW {
            *start = now;
            *count = 0;
        }
        let allowed = match key {
            Key::Learner(_) => self.per_window,
            Key::Client(_) => self.per_window.saturating_mul(ADDRESS_FACTOR),
        };
        if *count >= allowed {
            let left = WINDOW.saturating_sub(now.duration_since(*start));
            return Err(left.as_secs().max(1));
        }
        *count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_over_the_limit_per_owner() {
        let limit = AnswerLimit::per_minute(2);
        let client = ClientKey::of("10.0.0.1".parse().unwrap());
        let a = Owner::new(Some(1), client);
        assert!(limit.check(a).is_ok());
        assert!(limit.check(a).is_ok());
        let wait = limit.check(a).expect_err("third in a minute");
        assert!((1..=60).contains(&wait), "{wait}");
        assert!(limit.check(Owner::new(Some(2), client)).is_ok());
    }
}
