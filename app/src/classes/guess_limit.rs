//! At most so many wrong codes per address in a window (server only): join
//! codes, teacher links and transfer codes cannot be guessed by brute force.
//! Only failures count, so a whole class joining from behind one address is
//! never slowed; new classes count too, so one client cannot fill the server.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(10 * 60);
/// Addresses remembered at once; beyond this, expired windows are dropped first.
const MAX_TRACKED: usize = 10_000;

pub struct GuessLimit {
    per_window: u32,
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl GuessLimit {
    /// `per_window` failures per address in ten minutes.
    pub fn new(per_window: u32) -> Self {
        GuessLimit {
            per_window: per_window.max(1),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds to wait)` when the address has used up its failures.
    pub fn check(&self, address: IpAddr) -> Result<(), u64> {
        self.check_at(address, Instant::now())
    }

    /// Counts one failure (a wrong code) or one new class for the address.
    pub fn record(&self, address: IpAddr) {
        self.record_at(address, Instant::now())
    }

    fn check_at(&self, address: IpAddr, now: Instant) -> Result<(), u64> {
        let windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        match windows.get(&address) {
            Some((start, count))
                if now.duration_since(*start) < WINDOW && *count >= self.per_window =>
            {
                let left = WINDOW.saturating_sub(now.duration_since(*start));
                Err(left.as_secs().max(1))
            }
            _ if windows.len() >= MAX_TRACKED && !windows.contains_key(&address) => Err(1),
            _ => Ok(()),
        }
    }

    fn record_at(&self, address: IpAddr, now: Instant) {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() >= MAX_TRACKED {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        if windows.len() >= MAX_TRACKED && !windows.contains_key(&address) {
            return; // `check` refuses newcomers until windows expire
        }
        let (start, count) = windows.entry(address).or_insert((now, 0));
        if now.duration_since(*start) >= WINDOW {
            *start = now;
            *count = 0;
        }
        *count += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_an_address_after_its_failures_until_the_window_ends() {
        let limit = GuessLimit::new(2);
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let t0 = Instant::now();
        assert!(limit.check_at(a, t0).is_ok());
        limit.record_at(a, t0);
        assert!(limit.check_at(a, t0).is_ok(), "one failure is allowed");
        limit.record_at(a, t0);
        let wait = limit.check_at(a, t0).expect_err("two failures used up");
        assert!((1..=600).contains(&wait), "{wait}");
        assert!(
            limit.check_at(b, t0).is_ok(),
            "another address is not affected"
        );
        assert!(limit.check_at(a, t0 + WINDOW).is_ok(), "a new window");
    }
}
