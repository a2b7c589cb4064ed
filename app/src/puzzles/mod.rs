//! The kernel playground's pages: puzzles where a learner writes a WGSL
//! kernel that the server compiles, checks against a CPU reference and times.

mod draft;
mod editor;
mod editor_dom;
mod notice;
mod outcome_view;
mod pages;
pub mod server;
mod source_text;
pub mod types;

pub use pages::{PuzzlePage, PuzzlesPage};
pub use server::{GetPuzzle, GetPuzzleIndex, SetDisplayName, SubmitKernel};

/// Longest kernel source accepted, in bytes (the engine enforces its own
/// `playground::MAX_SOURCE_BYTES`, which a server test keeps equal).
pub const MAX_SOURCE_BYTES: usize = 16 * 1024;
