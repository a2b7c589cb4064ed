//! Per-client budgets of the writes anyone may make without an account
//! (server only): creating a learner, joining a class, creating a class,
//! storing a demo's prediction, saving a run.
//!
//! Each is a token bucket per [`ClientKey`] (an address, an IPv6 /64), so
//! dropping the cookie gains nothing, and each is sized so that a whole class
//! behind one school NAT starting at once stays inside it: the burst is the
//! class arriving, the rate what keeps coming afterwards. The limiters evict
//! (see [`RateLimit`]): a full one never refuses a newcomer.

use super::rate_limit::{LimitStore, Rate, RateLimit};
use crate::lab::ClientKey;

/// How fast each budget is spent and refilled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClientRates {
    /// Learners (cookies) created per client. Every first write of a new
    /// browser creates one: a class of 30 to 60 opening the lab together
    /// needs the burst; 20 a minute lets latecomers and lost cookies in.
    pub new_learners: Rate,
    /// Joins (and renames) per client, successful or not: a class of up to
    /// 40 joining together, then one every 6 s. One student with the code
    /// cannot fill a class beyond that, and the teacher can lock it.
    pub joins: Rate,
    /// New classes per client: a few teachers behind one NAT at the start of
    /// term, then one a minute (the server keeps at most 10,000 classes).
    pub new_classes: Rate,
    /// Predictions stored per client (a lesson demo's guess and result): a
    /// class of 30 trying two demos at once, then one every 2 s. The
    /// visibility demo runs nothing on a device, so without this a client
    /// could store rows as fast as the server answers.
    pub predictions: Rate,
    /// Runs and sweeps saved per client (each is a row of up to about 20 KB):
    /// a class of 30 pressing Run twice at once, then one every 2 s. The
    /// lab's queue bounds how many run at once, not how many a client saves.
    pub runs: Rate,
}

impl Default for ClientRates {
    fn default() -> Self {
        ClientRates {
            new_learners: Rate::new(60, 20),
            joins: Rate::new(40, 10),
            new_classes: Rate::new(10, 1),
            predictions: Rate::new(60, 30),
            runs: Rate::new(60, 30),
        }
    }
}

/// The limiters of [`ClientRates`], one bucket per client each.
#[derive(Debug)]
pub struct ClientLimits {
    pub new_learners: RateLimit<ClientKey>,
    pub joins: RateLimit<ClientKey>,
    pub new_classes: RateLimit<ClientKey>,
    pub predictions: RateLimit<ClientKey>,
    pub runs: RateLimit<ClientKey>,
}

impl ClientLimits {
    /// The limiters in memory.
    pub fn new(rates: ClientRates) -> Self {
        Self::in_store(rates, &LimitStore::Memory)
    }

    /// The limiters, kept in `store`.
    pub fn in_store(rates: ClientRates, store: &LimitStore) -> Self {
        ClientLimits {
            new_learners: RateLimit::in_store(rates.new_learners, store, "client.new_learners"),
            joins: RateLimit::in_store(rates.joins, store, "client.joins"),
            new_classes: RateLimit::in_store(rates.new_classes, store, "client.new_classes"),
            predictions: RateLimit::in_store(rates.predictions, store, "client.predictions"),
            runs: RateLimit::in_store(rates.runs, store, "client.runs"),
        }
    }
}

impl Default for ClientLimits {
    fn default() -> Self {
        Self::new(ClientRates::default())
    }
}
