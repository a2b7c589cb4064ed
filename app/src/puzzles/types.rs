//! What the puzzle pages get from the server.

use lab_types::PuzzleOutcome;
use serde::{Deserialize, Serialize};

/// One line of the index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PuzzleSummary {
    pub id: String,
    pub title: String,
    /// The one-line summary, rendered from Markdown like every puzzle text.
    pub summary_html: String,
    pub solved: bool,
}

/// The index: the puzzles, or why there are none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PuzzleIndex {
    pub puzzles: Vec<PuzzleSummary>,
    /// The name this learner shows on leaderboards (none by default).
    pub display_name: Option<String>,
}

pub use lab_types::LeaderRow;

/// The learner's latest kernel for a puzzle and what the server said about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    pub source: String,
    pub outcome: PuzzleOutcome,
}

/// Everything one puzzle page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PuzzleView {
    pub id: String,
    pub title: String,
    pub statement_html: String,
    pub hints_html: Vec<String>,
    pub starter: String,
    /// Source bound, in bytes (shown beside the editor).
    pub max_source_bytes: usize,
    /// Loop iterations one invocation may run (written into the kernel).
    pub loop_budget: u32,
    /// What the kernel computes: its FLOPs and bytes place it on the roofline.
    pub reference: lab_types::PuzzleReference,
    pub latest: Option<Submission>,
    pub leaderboard: Vec<LeaderRow>,
    /// The next puzzle, for a link once this one is solved: (id, title).
    pub next: Option<(String, String)>,
}
