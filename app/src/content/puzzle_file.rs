//! Kernel puzzles: `content/puzzles/*.toml`, one puzzle per file.
//!
//! The binding interface is the same for every puzzle (the lab's dense-layer
//! kernels' x, w, bias, y and params); a file names its CPU reference, the
//! sizes it is checked on, a starter kernel, hints and a known-good solution
//! (the tests run every solution on the server's GPU).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use lab_types::{PuzzleReference, PuzzleSize};
use serde::Deserialize;

use super::error::{check_ident, check_non_empty, files_with_ext, ContentError};

/// Most sizes a puzzle is checked on, and the largest dimension it may name
/// (the engine checks its own bounds again before running anything).
const MAX_SIZES: usize = 4;
const MAX_DIMENSION: u32 = 1 << 20;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Puzzle {
    pub id: String,
    pub order: u32,
    pub title: String,
    /// One line for the index.
    pub summary: String,
    /// Markdown.
    pub statement: String,
    pub reference: PuzzleReference,
    /// Checked in order; the last one is also timed.
    pub sizes: Vec<PuzzleSize>,
    #[serde(default)]
    pub needs_workgroup_memory: bool,
    /// Markdown, shown one by one.
    pub hints: Vec<String>,
    pub starter: String,
    pub solution: String,
    #[serde(skip)]
    pub file: PathBuf,
}

/// Loads every puzzle, sorted by `order`; ids and orders are unique.
pub fn load_dir(dir: &Path) -> Result<Vec<Puzzle>, ContentError> {
    let mut puzzles = Vec::new();
    if !dir.exists() {
        return Ok(puzzles);
    }
    for file in files_with_ext(dir, "toml")? {
        let text = std::fs::read_to_string(&file).map_err(|e| ContentError::io(&file, e))?;
        let mut puzzle: Puzzle = toml::from_str(&text)
            .map_err(|e| ContentError::invalid(&file, "toml", e.to_string()))?;
        puzzle.file = file;
        check(&puzzle)?;
        puzzles.push(puzzle);
    }
    puzzles.sort_by_key(|p| p.order);
    let (mut ids, mut orders) = (HashSet::new(), HashSet::new());
    for p in &puzzles {
        if !ids.insert(p.id.as_str()) {
            return Err(ContentError::invalid(
                &p.file,
                "id",
                format!("duplicate id '{}'", p.id),
            ));
        }
        if !orders.insert(p.order) {
            return Err(ContentError::invalid(
                &p.file,
                "order",
                format!("duplicate order {}", p.order),
            ));
        }
    }
    Ok(puzzles)
}

fn check(p: &Puzzle) -> Result<(), ContentError> {
    let file = &p.file;
    check_ident(file, "id", &p.id)?;
    for (field, value) in [
        ("title", &p.title),
        ("summary", &p.summary),
        ("statement", &p.statement),
        ("starter", &p.starter),
        ("solution", &p.solution),
    ] {
        check_non_empty(file, field, value)?;
    }
    if p.hints.iter().any(|h| h.trim().is_empty()) {
        return Err(ContentError::invalid(file, "hints", "a hint is empty"));
    }
    if p.sizes.is_empty() || p.sizes.len() > MAX_SIZES {
        return Err(ContentError::invalid(
            file,
            "sizes",
            format!("needs 1 to {MAX_SIZES} sizes, has {}", p.sizes.len()),
        ));
    }
    for s in &p.sizes {
        if [s.m, s.k, s.n].iter().any(|&d| d == 0 || d > MAX_DIMENSION) {
            return Err(ContentError::invalid(
                file,
                "sizes",
                format!("{s}: every dimension must be between 1 and {MAX_DIMENSION}"),
            ));
        }
    }
    Ok(())
}
