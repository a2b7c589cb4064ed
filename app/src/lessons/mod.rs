//! Lesson browser: the home page's list and one page per lesson.

mod code_block;
mod home_page;
mod lesson_page;
pub mod server;
pub mod types;

pub use home_page::HomePage;
pub use lesson_page::LessonPage;
