//! Every rate limit and share the app keeps per learner and per client (an
//! address, an IPv6 /64), in one place that no feature imports back: the
//! server state holds them, and the features that check them import them
//! from here.

pub mod answer;
pub mod client;
pub mod guess;
pub mod kernel;
pub mod rate_limit;

pub use answer::AnswerLimit;
pub use client::ClientLimits;
pub use guess::GuessLimit;
pub use kernel::KernelRate;
