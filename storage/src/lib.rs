//! Inference Lab's storage: every SQL statement the pages run, the rows they
//! read and write, and the secrets that key what is stored hashed.
//!
//! The pages (`app`) call these functions from their server functions; the
//! server opens the pool ([`pool`]) and applies `migrations/`. Nothing here
//! knows about HTTP, leptos or the GPU, so anything that needs the database
//! (the command line, a lab worker) links this crate alone.

pub mod attempts;
pub mod batch;
pub mod cards;
pub mod classes;
pub mod codes;
pub mod db;
pub mod jobs;
pub mod learners;
pub mod pool;
pub mod predictions;
pub mod puzzles;
pub mod quota;
pub mod rate_buckets;
pub mod retention;
pub mod runs;
pub mod secret;
pub mod timing_reports;
pub mod transfer;
pub mod workers;

#[cfg(test)]
mod races;
#[cfg(test)]
mod schema_parity;
#[cfg(any(test, feature = "testing"))]
pub mod test_db;
