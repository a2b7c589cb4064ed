//! Practice questions after each lesson: answer forms that work with and without
//! JavaScript, instant feedback, every attempt stored for the learner's progress.

mod feedback_view;
mod question_card;
mod question_list;
pub mod server;
pub mod types;

#[cfg(feature = "ssr")]
mod answer;
#[cfg(feature = "ssr")]
pub mod feedback;
#[cfg(feature = "ssr")]
pub mod grade;
#[cfg(feature = "ssr")]
mod view_cache;
#[cfg(feature = "ssr")]
pub mod views;

pub use question_card::QuestionCard;
pub use question_list::QuestionList;
pub use server::{ListQuestions, SubmitAnswer};
#[cfg(feature = "ssr")]
pub use view_cache::{ViewCache, MAX_CACHED_VIEWS};
