//! The kept fragments, the marks that stand for them, and reading marks back.

use std::hash::{BuildHasher, Hasher as _};
use std::sync::{Arc, RwLock};

use flate2::{Compress, Compression, FlushCompress};

use super::gzip::deflate_into;

/// Fragments kept at most (article pieces and practice cards, a few KB each).
/// Past it, HTML is written into the page as it is: slower, never wrong.
pub const MAX_FRAGMENTS: usize = 16_384;

/// A mark is `START`, the store's token, the fragment's number, `END`. Neither
/// byte may appear in HTML text (they are control characters), and the token
/// never leaves the server.
const START: u8 = 0x02;
const END: u8 = 0x03;
const TOKEN_LEN: usize = 16;
/// Digits of a fragment number read at most (numbers are below the limit).
const MAX_DIGITS: usize = 9;

/// One fixed piece of HTML, with its deflate data (raw, best level, ending on
/// a byte boundary in a non-final block) and its CRC-32.
pub(super) struct Fragment {
    pub html: Box<str>,
    pub deflated: Box<[u8]>,
    pub crc: crc32fast::Hasher,
}

/// The server's kept fragments; provided as a context to the pages and given
/// to the response layer that expands marks.
pub struct KeptHtml {
    /// `TOKEN_LEN` hex digits.
    token: String,
    fragments: RwLock<Vec<Arc<Fragment>>>,
    limit: usize,
}

/// A page cut at its marks.
pub(super) enum Piece<'a> {
    Text(&'a [u8]),
    Kept(Arc<Fragment>),
}

impl Default for KeptHtml {
    fn default() -> Self {
        Self::new()
    }
}

impl KeptHtml {
    pub fn new() -> Self {
        Self::with_limit(MAX_FRAGMENTS)
    }

    /// A store that keeps at most `limit` fragments.
    pub fn with_limit(limit: usize) -> Self {
        // std's RandomState is seeded from the OS's random source once per
        // process: enough for a token that only has to be unguessable.
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(0x6b65_7074);
        KeptHtml {
            token: format!("{:016x}", h.finish()),
            fragments: RwLock::default(),
            limit,
        }
    }

    /// What to write into the page in `html`'s place: its mark, or `html`
    /// itself when the store is full (or `html` too small to be worth a mark).
    /// Each call keeps a new fragment: callers keep the mark they got.
    pub fn mark(&self, html: String) -> String {
        if html.len() < 64 || self.len() >= self.limit {
            return html;
        }
        let fragment = Arc::new(compress_once(html));
        let mut all = self.fragments.write().unwrap_or_else(|e| e.into_inner());
        if all.len() >= self.limit {
            return fragment.html.to_string();
        }
        let id = all.len();
        all.push(fragment);
        format!("{}{}{id}{}", START as char, self.token, END as char)
    }

    /// How many fragments are kept.
    pub fn len(&self) -> usize {
        self.fragments
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `page` may hold marks (a cheap test before [`Self::pieces`]).
    pub fn may_hold_marks(&self, page: &[u8]) -> bool {
        memchr::memchr(START, page).is_some()
    }

    /// `page` with every mark replaced by its HTML.
    pub fn expand(&self, page: &[u8]) -> Vec<u8> {
        let pieces = self.pieces(page);
        let len = pieces.iter().map(Piece::len).sum();
        let mut out = Vec::with_capacity(len);
        for piece in &pieces {
            match piece {
                Piece::Text(t) => out.extend_from_slice(t),
                Piece::Kept(f) => out.extend_from_slice(f.html.as_bytes()),
            }
        }
        out
    }

    /// `page` cut at its marks; consecutive text is one piece. Bytes that look
    /// like a mark but are not one of this store's stay text.
    pub(super) fn pieces<'a>(&self, page: &'a [u8]) -> Vec<Piece<'a>> {
        let fragments = self.fragments.read().unwrap_or_else(|e| e.into_inner());
        let mut pieces = Vec::new();
        let mut text_from = 0;
        let mut at = 0;
        while let Some(found) = memchr::memchr(START, &page[at..]) {
            let start = at + found;
            at = start + 1;
            let Some((id, end)) = self.read_mark(&page[start..]) else {
                continue;
            };
            let Some(fragment) = fragments.get(id) else {
                continue;
            };
            if text_from < start {
                pieces.push(Piece::Text(&page[text_from..start]));
            }
            pieces.push(Piece::Kept(fragment.clone()));
            at = start + end;
            text_from = at;
        }
        if text_from < page.len() {
            pieces.push(Piece::Text(&page[text_from..]));
        }
        pieces
    }

    /// The fragment number of the mark `bytes` starts with, and the mark's length.
    fn read_mark(&self, bytes: &[u8]) -> Option<(usize, usize)> {
        let rest = bytes.get(1..)?.strip_prefix(self.token.as_bytes())?;
        let digits = rest.iter().take(MAX_DIGITS + 1).position(|&b| b == END)?;
        let number = &rest[..digits];
        if number.is_empty() || !number.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let id = std::str::from_utf8(number).ok()?.parse().ok()?;
        Some((id, 1 + TOKEN_LEN + digits + 1))
    }
}

impl Piece<'_> {
    pub(super) fn len(&self) -> usize {
        match self {
            Piece::Text(t) => t.len(),
            Piece::Kept(f) => f.html.len(),
        }
    }
}

fn compress_once(html: String) -> Fragment {
    let mut crc = crc32fast::Hasher::new();
    crc.update(html.as_bytes());
    let mut deflate = Compress::new(Compression::best(), false);
    let mut deflated = Vec::with_capacity(html.len() / 3 + 64);
    // A sync flush ends the data on a byte boundary without a final block, so
    // it can sit anywhere in a stream. Deflating memory does not fail; if it
    // did, the fragment would hold no data and `gzip` would refuse it.
    if deflate_into(
        &mut deflate,
        html.as_bytes(),
        FlushCompress::Sync,
        &mut deflated,
    )
    .is_err()
    {
        deflated.clear();
    }
    Fragment {
        html: html.into_boxed_str(),
        deflated: deflated.into_boxed_slice(),
        crc,
    }
}

/// In a page being rendered: the mark for `html` from the server's store, or
/// `html` itself where there is none (unit tests, the browser).
pub fn kept(html: String) -> String {
    match leptos::prelude::use_context::<Arc<KeptHtml>>() {
        Some(store) => store.mark(html),
        None => html,
    }
}
