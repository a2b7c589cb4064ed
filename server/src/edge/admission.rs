//! Which accepted connections are served, counted per client and in total.
//!
//! Every connection is accepted at once (none waits in the listen backlog),
//! then:
//! - a client (the peer's address, or its IPv6 /64) that already holds
//!   `LAB_MAX_CONNECTIONS_PER_CLIENT` connections has the new one closed at
//!   once: one address cannot take the server's places from the others.
//!   Trusted proxies are exempt (they carry many clients);
//! - past `LAB_MAX_CONNECTIONS`, the connection is answered a minimal 503 and
//!   closed (see [`super::overflow`]), holding no place;
//! - in the last eighth below the cap, it is served, but busy: every request
//!   on it except `/healthz` is answered 503 with `Retry-After` (see
//!   [`super::busy`]);
//! - otherwise it is served normally.
//!
//! A served connection holds its [`Slot`] until it closes.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use app::request::client::ClientKey;

use super::trusted_proxies::TrustedProxies;

/// How often refusals are summed up in the log, at most (a flood of them
/// must not become a flood of log lines).
const REPORT_EVERY: Duration = Duration::from_secs(10);

pub struct Admission {
    max: usize,
    /// Connections served normally; from here to `max` they are busy.
    normal: usize,
    per_client: usize,
    trusted: Arc<TrustedProxies>,
    counts: Mutex<Counts>,
    client_full: AtomicU64,
    overflowed: AtomicU64,
    reported: Mutex<Instant>,
}

#[derive(Default)]
struct Counts {
    open: usize,
    /// Only clients holding connections: at most `max` entries.
    per_client: HashMap<ClientKey, usize>,
}

#[derive(Debug)]
pub enum Decision {
    Serve(Slot),
    /// Past the global cap: answer 503 and close.
    Overflow,
    /// The client holds its share of connections: close at once.
    ClientFull,
}

/// A served connection's place, given back when dropped.
#[derive(Debug)]
pub struct Slot {
    admission: Arc<Admission>,
    client: Option<ClientKey>,
    busy: bool,
}

impl std::fmt::Debug for Admission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admission")
            .field("max", &self.max)
            .field("normal", &self.normal)
            .field("per_client", &self.per_client)
            .finish_non_exhaustive()
    }
}

impl Admission {
    pub fn new(max: usize, per_client: usize, trusted: Arc<TrustedProxies>) -> Arc<Self> {
        let max = max.max(1);
        Arc::new(Admission {
            max,
            normal: max - max / 8,
            per_client: per_client.max(1),
            trusted,
            counts: Mutex::default(),
            client_full: AtomicU64::new(0),
            overflowed: AtomicU64::new(0),
            reported: Mutex::new(Instant::now()),
        })
    }

    /// A poisoned lock only means a panic elsewhere; the counts stay valid.
    fn lock(&self) -> MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn admit(self: &Arc<Self>, peer: IpAddr) -> Decision {
        let client = (!self.trusted.contains(peer)).then(|| ClientKey::of(peer));
        let refused = {
            let mut counts = self.lock();
            let held = client.map_or(0, |c| counts.per_client.get(&c).copied().unwrap_or(0));
            if held >= self.per_client {
                (&self.client_full, Decision::ClientFull)
            } else if counts.open >= self.max {
                (&self.overflowed, Decision::Overflow)
            } else {
                let busy = counts.open >= self.normal;
                counts.open += 1;
                if let Some(c) = client {
                    *counts.per_client.entry(c).or_default() += 1;
                }
                return Decision::Serve(Slot {
                    admission: self.clone(),
                    client,
                    busy,
                });
            }
        };
        refused.0.fetch_add(1, Ordering::Relaxed);
        self.report_refusals();
        refused.1
    }

    /// Connections served now.
    #[cfg(test)]
    fn open(&self) -> usize {
        self.lock().open
    }

    fn release(&self, client: Option<ClientKey>) {
        let mut counts = self.lock();
        counts.open = counts.open.saturating_sub(1);
        if let Some(c) = client {
            if let Some(held) = counts.per_client.get_mut(&c) {
                *held -= 1;
                if *held == 0 {
                    counts.per_client.remove(&c);
                }
            }
        }
    }

    fn report_refusals(&self) {
        let mut reported = self.reported.lock().unwrap_or_else(|e| e.into_inner());
        if reported.elapsed() < REPORT_EVERY {
            return;
        }
        *reported = Instant::now();
        tracing::warn!(
            over_client_cap = self.client_full.swap(0, Ordering::Relaxed),
            over_global_cap = self.overflowed.swap(0, Ordering::Relaxed),
            per_client = self.per_client,
            max = self.max,
            "connections refused since the last report"
        );
    }
}

impl Slot {
    pub fn busy(&self) -> bool {
        self.busy
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.admission.release(self.client);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn serve(d: Decision) -> Slot {
        match d {
            Decision::Serve(slot) => slot,
            other => panic!("not served: {other:?}"),
        }
    }

    #[test]
    fn one_client_holds_at_most_its_share_and_others_still_get_in() {
        let a = Admission::new(16, 3, Arc::default());
        let held: Vec<Slot> = (0..3).map(|_| serve(a.admit(ip("10.0.0.2")))).collect();
        assert!(matches!(a.admit(ip("10.0.0.2")), Decision::ClientFull));
        // The same IPv6 /64 is one client.
        let v6: Vec<Slot> = ["2001:db8::1", "2001:db8::2", "2001:db8::3"]
            .iter()
            .map(|s| serve(a.admit(ip(s))))
            .collect();
        assert!(matches!(
            a.admit(ip("2001:db8::ffff")),
            Decision::ClientFull
        ));
        assert!(!serve(a.admit(ip("10.0.0.1"))).busy());
        drop(held);
        drop(v6);
        assert_eq!(a.open(), 0);
        assert!(
            a.lock().per_client.is_empty(),
            "no entry outlives its connections"
        );
        serve(a.admit(ip("10.0.0.2")));
    }

    #[test]
    fn the_last_eighth_is_busy_and_past_the_cap_overflows() {
        let a = Admission::new(16, 100, Arc::default());
        let normal: Vec<Slot> = (0..14).map(|_| serve(a.admit(ip("10.0.0.1")))).collect();
        assert!(normal.iter().all(|s| !s.busy()));
        let busy: Vec<Slot> = (0..2).map(|_| serve(a.admit(ip("10.0.0.1")))).collect();
        assert!(busy.iter().all(Slot::busy));
        assert!(matches!(a.admit(ip("10.0.0.9")), Decision::Overflow));
        drop(busy);
        assert!(
            serve(a.admit(ip("10.0.0.9"))).busy(),
            "14 open: still near the cap"
        );
        drop(normal);
        assert!(!serve(a.admit(ip("10.0.0.9"))).busy());
    }

    #[test]
    fn trusted_proxies_are_not_capped_per_client() {
        let trusted = Arc::new("10.0.0.1".parse().unwrap());
        let a = Admission::new(16, 2, trusted);
        let held: Vec<Slot> = (0..10).map(|_| serve(a.admit(ip("10.0.0.1")))).collect();
        assert_eq!(a.open(), held.len());
    }
}
