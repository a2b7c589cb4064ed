//! Question views as the form shows them, rendered once per (question, variant).
//!
//! Showing a question means filling in its variant's numbers (every formula
//! evaluated) and turning its Markdown into HTML. Done on every request, that
//! was about a sixth of a lesson page's CPU time (perf, release build). The
//! rendered view does not depend on who asks, only which variant they see, and
//! content never changes while the server runs, so a view is kept once made.
//!
//! The same holds one step further for a card nobody has answered yet: its
//! whole HTML (prompt, inputs, the empty feedback) is the same for every
//! learner who sees that variant at that place in the list, so it is kept too
//! ([`ViewCache::unanswered_card`]); a card with the learner's answer in it is
//! rendered on each request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::content::Question;
use crate::quiz::types::QuestionView;
use crate::quiz::views::question_view;
use crate::state::MissingState;

/// Views kept at most (a few KB each). Past it a view is rendered on each
/// request: slower, never wrong.
pub const MAX_CACHED_VIEWS: usize = 4096;

type Key = (String, Option<u32>);
/// A card's place in the page: the question, its variant and its number in the list.
type CardKey = (String, Option<u32>, usize);

pub struct ViewCache {
    views: Mutex<HashMap<Key, Arc<QuestionView>>>,
    cards: Mutex<HashMap<CardKey, Arc<str>>>,
    limit: usize,
}

impl Default for ViewCache {
    fn default() -> Self {
        Self::with_limit(MAX_CACHED_VIEWS)
    }
}

/// The server's cache, provided as its own context (beside the server state,
/// which keeps only what every feature shares).
pub fn shared() -> Result<Arc<ViewCache>, MissingState> {
    leptos::prelude::use_context::<Arc<ViewCache>>().ok_or(MissingState)
}

impl ViewCache {
    /// A cache that keeps at most `limit` views.
    pub fn with_limit(limit: usize) -> Self {
        ViewCache {
            views: Mutex::default(),
            cards: Mutex::default(),
            limit,
        }
    }

    /// `q` as variant `variant` (`None`: fixed numbers), without feedback.
    pub fn view(&self, q: &Question, variant: Option<u32>) -> Result<Arc<QuestionView>, String> {
        let key = (q.id.clone(), variant);
        if let Some(view) = self.lock().get(&key) {
            return Ok(view.clone());
        }
        let shown = q.instance(variant)?;
        let view = Arc::new(question_view(&shown, None));
        let mut views = self.lock();
        if views.len() < self.limit {
            views.insert(key, view.clone());
        }
        Ok(view)
    }

    /// The HTML of `question`'s card as number `number`, made by `render` the
    /// first time (or its mark, see `kept_html`, where the server keeps HTML).
    /// Only for a card without the learner's answer (`latest` is `None`): the
    /// caller checks, since only then is the HTML the same for all.
    pub fn unanswered_card(
        &self,
        question: &QuestionView,
        number: usize,
        render: impl FnOnce() -> String,
    ) -> Arc<str> {
        debug_assert!(
            question.latest.is_none(),
            "a card with an answer is personal"
        );
        let key = (question.id.clone(), question.variant, number);
        let cards = || self.cards.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(html) = cards().get(&key) {
            return html.clone();
        }
        let html = render();
        if cards().len() >= self.limit {
            return html.into();
        }
        // Kept: as a mark of the server's kept HTML where there is one (then
        // it is compressed once, and only for a card that is kept).
        let html: Arc<str> = crate::kept_html::kept(html).into();
        let mut kept = cards();
        if kept.len() < self.limit {
            kept.insert(key, html.clone());
        }
        html
    }

    /// How many cards' HTML is kept.
    pub fn cards_len(&self) -> usize {
        self.cards.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// How many views are kept.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Key, Arc<QuestionView>>> {
        // A panic while holding the lock cannot leave a half-written entry.
        self.views.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::content::Content;

    fn content() -> Content {
        Content::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../content")).unwrap()
    }

    /// A question of the real content with at least two variants.
    fn varied(content: &Content) -> &Question {
        content
            .lessons()
            .iter()
            .flat_map(|l| content.questions_for(&l.slug))
            .find(|q| q.variant_count().is_some_and(|n| n >= 2))
            .expect("the content has a question with variants")
    }

    #[test]
    fn a_view_is_rendered_once_and_equals_a_fresh_rendering() {
        let content = content();
        let q = varied(&content);
        let cache = ViewCache::default();
        let first = cache.view(q, Some(1)).unwrap();
        let again = cache.view(q, Some(1)).unwrap();
        assert!(Arc::ptr_eq(&first, &again), "the second call renders again");
        let fresh = question_view(&q.instance(Some(1)).unwrap(), None);
        assert_eq!(first.prompt_html, fresh.prompt_html);
        assert_eq!(first.variant, Some(1));
        // Another variant is another entry, with its own numbers.
        let other = cache.view(q, Some(0)).unwrap();
        assert_eq!(other.variant, Some(0));
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn past_its_limit_it_still_answers_but_keeps_nothing_more() {
        let content = content();
        let q = varied(&content);
        let cache = ViewCache::with_limit(1);
        cache.view(q, Some(0)).unwrap();
        let second = cache.view(q, Some(1)).unwrap();
        assert_eq!(second.variant, Some(1));
        assert_eq!(cache.len(), 1);
        assert!(cache.view(q, Some(u32::MAX)).is_err(), "no such variant");
        assert_eq!(cache.len(), 1);
    }
}
