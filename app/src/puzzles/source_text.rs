//! Pure text work for the kernel editor: how many lines there are, the line a
//! compile error points at (and, for a missing `;`, the line before it), and
//! Tab indenting. Positions in and out are the textarea's: UTF-16 code units;
//! naga's columns are bytes.

/// What Tab inserts (WGSL style is four spaces; the server keeps the text as is).
pub const INDENT: &str = "    ";

/// Lines the textarea shows: a trailing newline leaves an empty last line the
/// caret can be on, so it is numbered too.
pub fn line_count(text: &str) -> usize {
    text.split('\n').count()
}

/// The source line a compile error is on, for quoting under the error.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorQuote {
    pub line: u32,
    pub text: String,
    /// The previous statement's line when it may lack its `;` (see
    /// [`unfinished_line_before`]).
    pub previous: Option<(u32, String)>,
}

fn source_lines(source: &str) -> Vec<&str> {
    source
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect()
}

/// Quotes line `line` (1-based) of `source`; `None` when there is no such line.
pub fn error_quote(source: &str, line: u32, column: Option<u32>) -> Option<ErrorQuote> {
    let lines = source_lines(source);
    let text = lines.get((line as usize).checked_sub(1)?)?;
    Some(ErrorQuote {
        line,
        text: text.trim().to_string(),
        previous: unfinished_line_before(&lines, line, column),
    })
}

/// A missing `;` is only noticed at the next token, so naga points at the
/// start of the line after the one to fix (issue 30). When the error is at the
/// first token of its line and the previous code line does not end a
/// statement or open/continue a block, that line is the likelier culprit.
/// Attribute lines (`@compute …`) are never statements.
fn unfinished_line_before(lines: &[&str], line: u32, column: Option<u32>) -> Option<(u32, String)> {
    let index = (line as usize).checked_sub(1)?;
    let here = lines.get(index)?;
    let first_token = here.len() - here.trim_start().len() + 1;
    if column? as usize > first_token {
        return None;
    }
    let (prev_index, prev) = lines[..index]
        .iter()
        .enumerate()
        .rev()
        .map(|(i, l)| (i, code_part(l)))
        .find(|(_, l)| !l.is_empty())?;
    let ends_well = prev.ends_with([';', '{', '}', '(', '[', ',']) || prev.starts_with('@');
    (!ends_well).then(|| (prev_index as u32 + 1, lines[prev_index].trim().to_string()))
}

/// A line without its `//` comment and surrounding blanks (WGSL has no string
/// literals, so `//` always starts a comment).
fn code_part(line: &str) -> &str {
    line.split("//").next().unwrap_or("").trim()
}

fn byte_at(text: &str, utf16: u32) -> usize {
    let mut units = 0u32;
    for (i, c) in text.char_indices() {
        if units >= utf16 {
            return i;
        }
        units += c.len_utf16() as u32;
    }
    text.len()
}

fn utf16_at(text: &str, byte: usize) -> u32 {
    text[..byte].encode_utf16().count() as u32
}

/// Where the caret goes for naga's (line, byte column), clamped to the text.
pub fn caret_at(text: &str, line: u32, column: Option<u32>) -> u32 {
    let mut start = 0usize;
    for _ in 1..line.max(1) {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => break,
        }
    }
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let mut at = (start + column.unwrap_or(1).saturating_sub(1) as usize).min(end);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    utf16_at(text, at)
}

/// A textarea's text and selection after an edit.
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    pub text: String,
    pub start: u32,
    pub end: u32,
}

/// Byte offsets where each line touched by `start..end` begins. A selection
/// that ends at the very start of a line does not touch that line.
fn touched_line_starts(text: &str, start: usize, end: usize) -> Vec<usize> {
    let first = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let mut starts = vec![first];
    let last = if end > start && text[..end].ends_with('\n') {
        end - 1
    } else {
        end
    };
    starts.extend(
        text[first..last]
            .match_indices('\n')
            .map(|(i, _)| first + i + 1),
    );
    starts
}

/// Tab: four spaces in place of the selection, or, when the selection spans
/// lines, four more at the start of each of them.
pub fn indent(text: &str, start: u32, end: u32) -> Edit {
    let (s, e) = (byte_at(text, start), byte_at(text, end.max(start)));
    if !text[s..e].contains('\n') {
        let out = format!("{}{INDENT}{}", &text[..s], &text[e..]);
        let caret = start + INDENT.len() as u32;
        return Edit {
            text: out,
            start: caret,
            end: caret,
        };
    }
    let starts = touched_line_starts(text, s, e);
    let mut out = text.to_string();
    for &at in starts.iter().rev() {
        out.insert_str(at, INDENT);
    }
    let added = (starts.len() * INDENT.len()) as u32;
    Edit {
        text: out,
        start: start + INDENT.len() as u32,
        end: end + added,
    }
}

/// Shift+Tab: up to four leading spaces (or one tab) off each touched line.
pub fn outdent(text: &str, start: u32, end: u32) -> Edit {
    let (s, e) = (byte_at(text, start), byte_at(text, end.max(start)));
    let removals: Vec<(usize, usize)> = touched_line_starts(text, s, e)
        .into_iter()
        .map(|at| {
            let rest = &text[at..];
            let blanks = if rest.starts_with('\t') {
                1
            } else {
                rest.len() - rest.trim_start_matches(' ').len()
            };
            (at, blanks.min(INDENT.len()))
        })
        .collect();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for &(at, removed) in &removals {
        out.push_str(&text[copied..at]);
        copied = at + removed;
    }
    out.push_str(&text[copied..]);
    // An edge after a removal moves back by it; one inside the removed blanks
    // moves to the start of its line.
    let moved = |edge: usize| {
        edge - removals
            .iter()
            .map(|&(at, removed)| edge.saturating_sub(at).min(removed))
            .sum::<usize>()
    };
    let (new_start, new_end) = (moved(s), moved(e));
    Edit {
        start: utf16_at(&out, new_start),
        end: utf16_at(&out, new_end),
        text: out,
    }
}

#[cfg(test)]
#[path = "source_text_tests.rs"]
mod tests;
