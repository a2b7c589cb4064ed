//! `/transfer`: moving a learner's progress to another browser with a one-time
//! code (short, hashed, ten minutes, single use).

mod page;
pub mod server;

pub use page::TransferPage;
