//! Wrong codes per client (server only): join codes, teacher links and
//! transfer codes cannot be guessed by brute force. Only failures count, so
//! a whole class joining from behind one address is never slowed by it, and
//! a right code is always looked up first: a teacher's valid link opens its
//! dashboard however many wrong codes came from the same school network.
//!
//! A token bucket per client (an address, an IPv6 /64) that evicts when full
//! (see [`RateLimit`]): a flood of addresses never locks newcomers out.

use crate::lab::ClientKey;
use crate::limits::rate_limit::{LimitStore, Rate, RateLimit};

/// Wrong codes per client (address, IPv6 /64) at once, refilled over ten
/// minutes: a class mistyping its code stays far below, a guesser gets
/// nowhere (codes have about 2^40 values).
pub const GUESSES_PER_WINDOW: u32 = 30;

#[derive(Debug)]
pub struct GuessLimit {
    wrong: RateLimit<ClientKey>,
}

impl GuessLimit {
    /// `per_window` wrong codes at once, refilled over ten minutes, in memory.
    pub fn new(per_window: u32) -> Self {
        Self::in_store(per_window, &LimitStore::Memory)
    }

    /// The same limit, kept in `store`.
    pub fn in_store(per_window: u32, store: &LimitStore) -> Self {
        GuessLimit {
            wrong: RateLimit::in_store(rate(per_window), store, "guesses.client"),
        }
    }

    pub fn with_rate(rate: Rate) -> Self {
        GuessLimit {
            wrong: RateLimit::new(rate),
        }
    }

    #[cfg(test)]
    fn with_max_keys(per_window: u32, max_keys: usize) -> Self {
        GuessLimit {
            wrong: RateLimit::with_max_keys(rate(per_window), max_keys),
        }
    }

    /// `Err(seconds to wait)` when the client has used up its wrong codes.
    pub async fn check(&self, client: ClientKey) -> Result<(), u64> {
        self.wrong.check(client).await
    }

    /// Counts one wrong code for the client.
    pub async fn record(&self, client: ClientKey) {
        self.wrong.charge(client).await
    }

    /// Clients tracked now (bounded).
    pub fn tracked(&self) -> usize {
        self.wrong.tracked()
    }
}

/// `per_window` at once, and as many again every ten minutes.
fn rate(per_window: u32) -> Rate {
    let per_window = per_window.max(1);
    Rate::new(per_window, per_window.div_ceil(10))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> ClientKey {
        ClientKey::of(s.parse().unwrap())
    }

    #[tokio::test]
    async fn refuses_a_client_after_its_failures_and_not_another() {
        let limit = GuessLimit::new(2);
        let (a, b) = (key("10.0.0.1"), key("10.0.0.2"));
        assert!(limit.check(a).await.is_ok());
        limit.record(a).await;
        assert!(limit.check(a).await.is_ok(), "one failure is allowed");
        limit.record(a).await;
        let wait = limit.check(a).await.expect_err("two failures used up");
        assert!((1..=600).contains(&wait), "{wait}");
        assert!(
            limit.check(b).await.is_ok(),
            "another address is not affected"
        );
    }

    #[tokio::test]
    async fn a_full_map_still_admits_a_new_address() {
        let limit = GuessLimit::with_max_keys(1, 100);
        for i in 0..1_000u32 {
            let guesser = ClientKey::of(std::net::IpAddr::from(i.to_be_bytes()));
            limit.record(guesser).await;
            assert!(limit.tracked() <= 100, "bounded");
        }
        assert!(
            limit.check(key("192.0.2.1")).await.is_ok(),
            "a newcomer is never refused because the map is full"
        );
        limit.record(key("192.0.2.1")).await;
        assert!(
            limit.check(key("192.0.2.1")).await.is_err(),
            "and still counted"
        );
    }
}
