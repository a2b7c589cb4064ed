//! Learning that sticks: mastery per lesson and spaced review of answered
//! questions (FSRS), shown on the home page, the lesson pages, `/progress` and
//! `/review`.

mod mastery;
mod page;
pub mod server;
pub mod types;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
mod due_in;
#[cfg(feature = "ssr")]
pub mod schedule;
#[cfg(feature = "ssr")]
pub mod standing;

pub use mastery::{mastery, Mastery, QuestionStanding};
pub use page::{MasteryBadge, ReviewPage};
pub use server::{GetReview, GetStudyStatus};
