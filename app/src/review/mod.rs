//! Learning that sticks: mastery per lesson and spaced review of answered
//! questions (FSRS), shown on the home page, the lesson pages, `/progress` and
//! `/review`.

mod mastery;
mod page;
pub mod server;
pub mod types;

#[cfg(feature = "ssr")]
mod due_in;
#[cfg(feature = "ssr")]
pub mod standing;

// The cards themselves live below the features (quiz writes them too).
#[cfg(feature = "ssr")]
use lab_storage::cards as db;
pub use mastery::{mastery, Mastery, QuestionStanding};
pub use page::{MasteryBadge, ReviewPage};
pub use server::{GetReview, GetStudyStatus};
