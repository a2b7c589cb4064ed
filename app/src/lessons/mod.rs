//! Lesson browser: the home page's list and one page per lesson.

mod code_block;
mod home_page;
#[cfg(feature = "ssr")]
mod kept_article;
mod lesson_page;
pub mod server;
pub mod types;

pub use home_page::HomePage;
#[cfg(feature = "ssr")]
pub use kept_article::{KeptArticles, MAX_KEPT_ARTICLES};
pub use lesson_page::LessonPage;
