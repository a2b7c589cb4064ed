//! `/progress`: what a learner has answered, what to practise next, and their data
//! (download as JSON, or delete).

mod page;
pub mod server;
pub mod types;

#[cfg(feature = "ssr")]
pub mod report;

pub use page::ProgressPage;
pub use server::{GetProgress, ResetProgress};
