//! A page with marks as one gzip member (RFC 1952) whose deflate stream
//! (RFC 1951) splices the fragments' data, compressed once, between the
//! per-request text, compressed now.
//!
//! Why this is a valid stream: every piece ends on a byte boundary without a
//! final block (a sync flush, or a stored block), so the next piece's blocks
//! can follow it. Deflate data may refer back to earlier bytes; a fragment's
//! refers only to its own (it was compressed alone), and the per-request
//! compressor is reset before it goes on after foreign bytes, so its
//! references never cross a fragment. The CRC-32 of the whole is combined from
//! the pieces' CRCs.

use flate2::{Compress, Compression, FlushCompress, Status};

use super::store::{KeptHtml, Piece};

/// ID1 ID2, CM = deflate, no flags, no time, no extra flags, OS unknown.
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// Per-request text between fragments shorter than this goes into a stored
/// block: resetting the compressor clears its 128 KiB hash table, which costs
/// more than compressing a few hundred bytes saves.
const SMALL_TEXT: usize = 1024;

/// A stored block holds at most this many bytes.
const MAX_STORED: usize = 65_535;

impl KeptHtml {
    /// `page` gzipped, its marks replaced by their fragments' HTML. `None` if
    /// the compressor failed (never seen; the caller then sends `expand`).
    pub fn gzip(&self, page: &[u8]) -> Option<Vec<u8>> {
        let pieces = self.pieces(page);
        let mut out = Vec::with_capacity(page.len() / 2 + 64);
        out.extend_from_slice(&HEADER);
        let mut crc = crc32fast::Hasher::new();
        let mut len: u32 = 0;
        let mut deflate: Option<Compress> = None;
        // Whether bytes the compressor has not seen were written since it started.
        let mut foreign_since_start = false;
        let mut seen_fragment = false;
        let mut finished = false;
        for (i, piece) in pieces.iter().enumerate() {
            let last = i + 1 == pieces.len();
            // ISIZE is the length modulo 2^32.
            len = len.wrapping_add(piece.len() as u32);
            match piece {
                Piece::Text(text) => {
                    crc.update(text);
                    if seen_fragment && text.len() < SMALL_TEXT {
                        stored(&mut out, text, last);
                        foreign_since_start = true;
                    } else {
                        let d = match deflate.as_mut() {
                            Some(d) => {
                                if foreign_since_start {
                                    d.reset();
                                }
                                d
                            }
                            None => deflate.insert(Compress::new(Compression::fast(), false)),
                        };
                        foreign_since_start = false;
                        let flush = if last {
                            FlushCompress::Finish
                        } else {
                            FlushCompress::Sync
                        };
                        deflate_into(d, text, flush, &mut out).ok()?;
                    }
                    finished = last;
                }
                Piece::Kept(fragment) => {
                    if fragment.deflated.is_empty() {
                        return None;
                    }
                    out.extend_from_slice(&fragment.deflated);
                    crc.combine(&fragment.crc);
                    foreign_since_start = true;
                    seen_fragment = true;
                }
            }
        }
        if !finished {
            stored(&mut out, &[], true);
        }
        out.extend_from_slice(&crc.finalize().to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        Some(out)
    }
}

/// `data` as stored (uncompressed) blocks, the last one final if `last`.
/// The writer is on a byte boundary, so a block's 3 header bits pad to a byte.
fn stored(out: &mut Vec<u8>, data: &[u8], last: bool) {
    let mut chunks = data.chunks(MAX_STORED).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[u8::from(last), 0, 0, 0xff, 0xff]);
        return;
    }
    while let Some(chunk) = chunks.next() {
        let is_final = last && chunks.peek().is_none();
        let n = chunk.len() as u16;
        out.push(u8::from(is_final));
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&(!n).to_le_bytes());
        out.extend_from_slice(chunk);
    }
}

/// Deflates all of `input` into `out`, then flushes as `flush` says.
pub(super) fn deflate_into(
    d: &mut Compress,
    mut input: &[u8],
    flush: FlushCompress,
    out: &mut Vec<u8>,
) -> Result<(), flate2::CompressError> {
    loop {
        out.reserve(input.len() / 2 + 128);
        let (read, written) = (d.total_in(), d.total_out());
        let status = d.compress_vec(input, out, flush)?;
        input = &input[(d.total_in() - read) as usize..];
        let progressed = d.total_in() != read || d.total_out() != written;
        let done = match flush {
            FlushCompress::Finish => status == Status::StreamEnd,
            // Everything is out once the compressor left room in the buffer.
            _ => input.is_empty() && out.len() < out.capacity(),
        };
        if done || !progressed {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn gunzip(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(data)
            .read_to_end(&mut out)
            .expect("a valid gzip member");
        out
    }

    /// Text that compresses like a page: repeated markup with varying numbers.
    fn html(n: usize, seed: usize) -> String {
        (0..n)
            .map(|i| format!("<li class=\"item\">row {} of {seed}</li>", i * 7 + seed))
            .collect()
    }

    /// A page of `layout` (`K`: a kept fragment, `s`: short text, `L`: long
    /// text), its marks, and the same page written out.
    fn page(store: &KeptHtml, layout: &str) -> (String, String) {
        let (mut marked, mut whole) = (String::new(), String::new());
        for (i, c) in layout.chars().enumerate() {
            let text = match c {
                'K' => html(60, i),
                's' => html(3, i),
                _ => html(400, i),
            };
            whole.push_str(&text);
            marked.push_str(&if c == 'K' { store.mark(text) } else { text });
        }
        (marked, whole)
    }

    #[test]
    fn every_layout_gunzips_to_the_page_with_its_fragments() {
        let store = KeptHtml::new();
        for layout in [
            "", "s", "L", "K", "KK", "sK", "Ks", "LKsKLK", "KLKsK", "sKKsL", "LsKKKLs",
        ] {
            let (marked, whole) = page(&store, layout);
            assert_eq!(
                store.expand(marked.as_bytes()),
                whole.as_bytes(),
                "{layout}"
            );
            let gz = store.gzip(marked.as_bytes()).expect("gzipped");
            assert_eq!(gunzip(&gz), whole.as_bytes(), "{layout}");
            if layout.contains('K') {
                assert!(marked.len() < whole.len(), "{layout}: marks are shorter");
            }
        }
    }

    #[test]
    fn the_same_page_gives_the_same_bytes() {
        let store = KeptHtml::new();
        let (marked, whole) = page(&store, "LKLKs");
        let first = store.gzip(marked.as_bytes()).unwrap();
        let (other, _) = page(&store, "sKL");
        store.gzip(other.as_bytes()).unwrap();
        let again = store.gzip(marked.as_bytes()).unwrap();
        assert_eq!(first, again, "the same page, the same bytes");
        assert_eq!(gunzip(&again), whole.as_bytes());
    }

    #[test]
    fn a_page_past_a_stored_block_limit_is_still_valid() {
        let store = KeptHtml::new();
        let small = "x".repeat(SMALL_TEXT - 1);
        let big = html(6000, 1); // > 64 KiB, compressed
        let marked = format!(
            "{}{small}{}{big}",
            store.mark(html(80, 2)),
            store.mark(html(90, 3))
        );
        let whole = store.expand(marked.as_bytes());
        assert!(whole.len() > MAX_STORED);
        assert_eq!(gunzip(&store.gzip(marked.as_bytes()).unwrap()), whole);
        let mut stored_only = Vec::new();
        stored(&mut stored_only, big.as_bytes(), true);
        let member = [&HEADER[..], &stored_only, &crc_and_len(big.as_bytes())].concat();
        assert_eq!(gunzip(&member), big.as_bytes());
    }

    fn crc_and_len(data: &[u8]) -> Vec<u8> {
        let mut crc = crc32fast::Hasher::new();
        crc.update(data);
        [
            crc.finalize().to_le_bytes(),
            (data.len() as u32).to_le_bytes(),
        ]
        .concat()
    }

    #[test]
    fn only_this_stores_marks_are_read() {
        let store = KeptHtml::new();
        let other = KeptHtml::new();
        let fragment = html(40, 9);
        let mark = store.mark(fragment.clone());
        let forged = other.mark(html(40, 9));
        assert_ne!(mark, forged, "tokens differ between stores");
        let page = format!("<p>{forged}</p>{mark}\u{2}not a mark\u{3}");
        let expanded = String::from_utf8(store.expand(page.as_bytes())).unwrap();
        assert_eq!(
            expanded,
            format!("<p>{forged}</p>{fragment}\u{2}not a mark\u{3}")
        );
        assert_eq!(
            gunzip(&store.gzip(page.as_bytes()).unwrap()),
            expanded.as_bytes()
        );
    }

    #[test]
    fn small_html_and_html_past_the_limit_are_written_as_they_are() {
        let store = KeptHtml::with_limit(2);
        let tiny = "<b>short</b>".to_string();
        assert_eq!(store.mark(tiny.clone()), tiny, "too small to keep");
        let fragments: Vec<String> = (0..3).map(|i| html(30, i)).collect();
        let marks: Vec<String> = fragments.iter().map(|f| store.mark(f.clone())).collect();
        assert_ne!(marks[0], fragments[0]);
        assert_ne!(marks[1], fragments[1]);
        assert_eq!(marks[2], fragments[2], "past the limit");
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn fragments_are_compressed_better_than_per_request_text() {
        let store = KeptHtml::new();
        let body = html(800, 4);
        let marked = store.mark(body.clone());
        let kept = store.gzip(marked.as_bytes()).unwrap();
        let fresh = store.gzip(body.as_bytes()).unwrap();
        assert_eq!(gunzip(&kept), gunzip(&fresh));
        assert!(
            kept.len() <= fresh.len(),
            "{} > {}",
            kept.len(),
            fresh.len()
        );
    }
}
