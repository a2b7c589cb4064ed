//! `/transfer`: moving a learner's progress to another browser with a one-time
//! code (short, hashed, ten minutes, single use).

mod page;
pub mod server;

#[cfg(feature = "ssr")]
pub mod db;

pub use page::TransferPage;
