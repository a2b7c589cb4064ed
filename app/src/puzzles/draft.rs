//! A kernel draft kept in this browser (localStorage, one per puzzle), so a
//! reload does not lose what the learner typed but has not submitted.

use serde::{Deserialize, Serialize};

/// What is stored: the text typed, and the text the server had rendered in
/// the editor when typing began.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub base: String,
    pub text: String,
}

pub fn storage_key(puzzle_id: &str) -> String {
    format!("inference-lab:puzzle-draft:{puzzle_id}")
}

/// The draft to put back in an editor the server rendered with `rendered`.
///
/// "Newer" without clocks: a draft is newer than the server's text exactly
/// when it was typed over that same text. When the server now renders
/// something else (a later submission, from this page or another device, or
/// the starter asked for with `?starter=1`), the server's text is the newer
/// and the draft is dropped. A draft equal to the server's text is nothing
/// to restore; a stored value that does not parse is dropped too.
pub fn to_restore(rendered: &str, stored: &str) -> Option<String> {
    let draft: Draft = serde_json::from_str(stored).ok()?;
    (draft.base == rendered && draft.text != rendered).then_some(draft.text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(base: &str, text: &str) -> String {
        serde_json::to_string(&Draft {
            base: base.into(),
            text: text.into(),
        })
        .unwrap()
    }

    #[test]
    fn a_draft_typed_over_the_rendered_text_is_restored() {
        assert_eq!(
            to_restore("starter", &stored("starter", "edited")).as_deref(),
            Some("edited")
        );
    }

    #[test]
    fn a_later_submission_or_the_starter_wins_over_the_draft() {
        assert_eq!(to_restore("submitted", &stored("starter", "edited")), None);
        assert_eq!(to_restore("starter", &stored("latest", "edited")), None);
    }

    #[test]
    fn an_unchanged_or_unreadable_draft_is_not_restored() {
        assert_eq!(to_restore("same", &stored("same", "same")), None);
        assert_eq!(to_restore("same", "not json"), None);
    }

    #[test]
    fn keys_are_per_puzzle() {
        assert_ne!(storage_key("map"), storage_key("zip"));
    }
}
