//! HTML that is the same on every request, written once and compressed once
//! (server only).
//!
//! Most of a lesson page is fixed HTML: the kept pieces of its article
//! (`lessons/kept_article.rs`) and its unanswered practice cards
//! (`quiz/view_cache.rs`). Written into each page, those bytes went through
//! leptos' per-request pipeline (its buffers, the join of its chunks, the copy
//! that puts the title into the head) and were gzipped again on every request:
//! the page's size, not its logic, was what a lesson page cost beyond the home
//! page (perf, release build). So the page carries a short mark in their place,
//! and the server's response layer (`edge/kept_html.rs`) puts them back: as
//! the HTML itself, or, for a client that accepts gzip, as deflate data made
//! once per process at the best level and spliced into the per-request stream
//! (`gzip.rs`). Browsers receive exactly the HTML the page rendered before.
//!
//! A mark carries a random per-process token, so text a learner typed into the
//! page (an answer shown back) cannot pull a fragment in: it cannot know the token.

mod gzip;
mod store;

pub use store::{kept, KeptHtml, MAX_FRAGMENTS};
