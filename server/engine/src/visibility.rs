//! `CUDA_VISIBLE_DEVICES`-style GPU visibility, as a pure parser.
//!
//! Semantics (mirroring CUDA as PyTorch's `torch.cuda._parse_visible_devices`
//! reproduces it, see its tests in `test/test_cuda.py`):
//! - unset (`None`) → every GPU, in physical order;
//! - empty or whitespace-only → no GPU;
//! - a comma list selects *and orders*: `"1,0"` makes physical GPU 1 appear
//!   as visible index 0;
//! - each token is read like C's `strtoul`: an optional sign, then the
//!   leading digits; the rest is ignored, so `"1gpu2"` means GPU 1 and
//!   `"+1"` and `"-0"` are 1 and 0;
//! - parsing stops at the first invalid token (no leading digits, such as
//!   `abc`, `all` or an empty token; a negative number; or an index out of
//!   range); the tokens before it still apply, so `"-1"` and `"all"` hide
//!   everything and `"0,-1,1"` shows only GPU 0;
//! - an index listed twice (before the stop) voids the whole list: `"0,0"`
//!   and `"0,1,0"` show no GPU at all;
//! - UUID tokens (`GPU-8932f937-...`, `MIG-...`) are recognised but wgpu 27's
//!   `AdapterInfo` exposes no UUID or PCI bus id to match them against, so
//!   they never match and stop enumeration like any other invalid token.

pub use lab_types::{StopReason, StoppedAt, Visibility};

/// Applies `spec` to `physical_count` GPUs. Never fails: bad input hides
/// GPUs (as CUDA does) and the reason is recorded in `stopped_at`.
pub fn parse_visible_devices(spec: Option<&str>, physical_count: usize) -> Visibility {
    let Some(raw) = spec else {
        return Visibility {
            spec: None,
            visible: (0..physical_count).collect(),
            stopped_at: None,
            explanation: format!(
                "unset: all {physical_count} GPU(s) are visible in physical order"
            ),
        };
    };
    if raw.trim().is_empty() {
        return Visibility {
            spec: Some(raw.to_string()),
            visible: Vec::new(),
            stopped_at: None,
            explanation: "empty: every GPU is hidden".to_string(),
        };
    }

    // Read tokens up to the first one that is not an index (as PyTorch does), then
    // stop at the first index out of range (as `device_count` then does).
    let mut parsed: Vec<(usize, &str, usize)> = Vec::new();
    let mut stopped_at = None;
    let mut read_as = Vec::new();
    for (position, token) in raw.split(',').enumerate() {
        let t = token.trim();
        match parse_index(t) {
            Err(reason) => {
                stopped_at = Some(StoppedAt {
                    position,
                    token: t.to_string(),
                    reason,
                });
                break;
            }
            // A repeated index voids the whole list.
            Ok(i) if parsed.iter().any(|p| p.2 == i) => {
                let stop = StoppedAt {
                    position,
                    token: t.to_string(),
                    reason: StopReason::Duplicate,
                };
                return Visibility {
                    spec: Some(raw.to_string()),
                    visible: Vec::new(),
                    explanation: format!(
                        "no GPU is visible: token #{position} '{t}' repeats an index already listed, and a repeated index voids the whole list"
                    ),
                    stopped_at: Some(stop),
                };
            }
            Ok(i) => {
                if t.parse::<usize>().ok() != Some(i) {
                    read_as.push(format!("'{t}' is read as {i}"));
                }
                parsed.push((position, t, i));
            }
        }
    }
    if let Some(&(position, token, _)) = parsed.iter().find(|p| p.2 >= physical_count) {
        stopped_at = Some(StoppedAt {
            position,
            token: token.to_string(),
            reason: StopReason::OutOfRange {
                count: physical_count,
            },
        });
    }
    let visible: Vec<usize> = parsed
        .iter()
        .take_while(|p| p.2 < physical_count)
        .map(|p| p.2)
        .collect();

    let shown = if visible.is_empty() {
        "no GPU is visible".to_string()
    } else {
        let list: Vec<String> = visible
            .iter()
            .enumerate()
            .map(|(v, p)| format!("physical {p} → visible {v}"))
            .collect();
        list.join(", ")
    };
    let shown = if read_as.is_empty() {
        shown
    } else {
        format!(
            "{shown} ({}: only the leading digits count, as with C's strtoul)",
            read_as.join(", ")
        )
    };
    let explanation = match &stopped_at {
        None => shown,
        Some(s) => format!(
            "{shown}; enumeration stopped at token #{} '{}' ({})",
            s.position,
            s.token,
            match &s.reason {
                StopReason::NotAnIndex => "no leading digits, or negative".to_string(),
                StopReason::UuidUnsupported =>
                    "GPU and MIG UUIDs cannot be matched: wgpu exposes no UUID".to_string(),
                StopReason::OutOfRange { count } =>
                    format!("out of range: this machine has {count} GPU(s)"),
                StopReason::Duplicate => "duplicate index".to_string(),
            }
        ),
    };
    Visibility {
        spec: Some(raw.to_string()),
        visible,
        stopped_at,
        explanation,
    }
}

/// Reads a token like C's `strtoul`: an optional sign, then the leading digits;
/// whatever follows them is ignored (`"1gpu2"` → 1). A negative number or a token
/// without leading digits is not an index.
fn parse_index(t: &str) -> Result<usize, StopReason> {
    // `get` rather than slicing: byte 4 may fall inside a multi-byte character.
    let prefix = t.get(..4).filter(|_| t.len() > 4);
    if prefix.is_some_and(|p| p.eq_ignore_ascii_case("GPU-") || p.eq_ignore_ascii_case("MIG-")) {
        return Err(StopReason::UuidUnsupported);
    }
    let (negative, rest) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(StopReason::NotAnIndex);
    }
    // Absurdly long digit strings overflow usize: they are out of range anyway.
    let value = rest[..digits].parse::<usize>().unwrap_or(usize::MAX);
    match (negative, value) {
        (true, 0) => Ok(0),
        (true, _) => Err(StopReason::NotAnIndex),
        (false, v) => Ok(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vis(spec: Option<&str>, n: usize) -> Vec<usize> {
        parse_visible_devices(spec, n).visible
    }

    #[test]
    fn unset_shows_all() {
        assert_eq!(vis(None, 3), vec![0, 1, 2]);
        assert_eq!(vis(None, 0), Vec::<usize>::new());
    }

    #[test]
    fn empty_and_whitespace_hide_all() {
        assert!(vis(Some(""), 2).is_empty());
        assert!(vis(Some("   "), 2).is_empty());
        assert!(vis(Some("\t\n"), 2).is_empty());
        assert!(parse_visible_devices(Some(""), 2).stopped_at.is_none());
    }

    #[test]
    fn single_and_reordered() {
        assert_eq!(vis(Some("0"), 2), vec![0]);
        assert_eq!(vis(Some("1"), 2), vec![1]);
        assert_eq!(vis(Some("1,0"), 2), vec![1, 0]);
        let v = parse_visible_devices(Some("1,0"), 2);
        assert_eq!(v.visible_index_of(1), Some(0));
        assert_eq!(v.visible_index_of(0), Some(1));
    }

    #[test]
    fn whitespace_around_tokens_is_ignored() {
        assert_eq!(vis(Some(" 1 , 0 "), 2), vec![1, 0]);
    }

    #[test]
    fn negative_stops_enumeration() {
        assert!(vis(Some("-1"), 2).is_empty());
        assert_eq!(vis(Some("0,-1,1"), 2), vec![0]);
        let v = parse_visible_devices(Some("0,-1,1"), 2);
        let s = v.stopped_at.unwrap();
        assert_eq!(
            (s.position, s.token.as_str(), s.reason),
            (1, "-1", StopReason::NotAnIndex)
        );
    }

    #[test]
    fn garbage_stops_enumeration() {
        assert!(vis(Some("abc"), 2).is_empty());
        assert_eq!(vis(Some("1,abc,0"), 2), vec![1]);
        assert_eq!(vis(Some("0,,1"), 2), vec![0]);
        assert_eq!(vis(Some("99999999999999999999999"), 2), Vec::<usize>::new());
        // PyTorch's test cases: "one,two,3,4" → none, "4,3,two,one" → 4, 3.
        assert!(vis(Some("one,two,3,4"), 5).is_empty());
        assert_eq!(vis(Some("4,3,two,one"), 5), vec![4, 3]);
        assert_eq!(vis(Some("0, 1, 2, -1, 3"), 4), vec![0, 1, 2]);
    }

    #[test]
    fn all_is_not_a_keyword() {
        // `all` works for NVIDIA_VISIBLE_DEVICES (the container runtime), not here:
        // it is an invalid first entry, so every GPU is hidden.
        let v = parse_visible_devices(Some("all"), 2);
        assert!(v.visible.is_empty());
        let s = v.stopped_at.unwrap();
        assert_eq!((s.position, s.reason), (0, StopReason::NotAnIndex));
        assert!(vis(Some("ALL"), 2).is_empty());
    }

    #[test]
    fn tokens_are_read_like_strtoul() {
        // PyTorch: "1gpu2,2ampere" → [1, 2]; "2, +3, -0, 5" → [2, 3, 0, 5].
        assert_eq!(vis(Some("1gpu2,2ampere"), 3), vec![1, 2]);
        assert_eq!(vis(Some("2, +3, -0, 5"), 6), vec![2, 3, 0, 5]);
        assert_eq!(vis(Some("1gpu2"), 3), vec![1]);
        assert_eq!(vis(Some("0,1.5"), 2), vec![0, 1]);
        assert_eq!(vis(Some("0x1"), 2), vec![0]);
        let v = parse_visible_devices(Some("1gpu2"), 3);
        assert!(v.stopped_at.is_none());
        assert!(v.explanation.contains("read as 1"), "{}", v.explanation);
        // A sign alone, or a sign before a non-digit, is not an index.
        assert!(vis(Some("+"), 2).is_empty());
        assert!(vis(Some("-x"), 2).is_empty());
        // Non-ASCII input must not panic (byte 4 inside a character).
        assert!(vis(Some("abcé"), 2).is_empty());
    }

    #[test]
    fn out_of_range_stops_enumeration() {
        assert_eq!(vis(Some("0,2,1"), 2), vec![0]);
        let s = parse_visible_devices(Some("5"), 1).stopped_at.unwrap();
        assert_eq!(s.reason, StopReason::OutOfRange { count: 1 });
        // With no GPU at all, even "0" is out of range.
        assert!(vis(Some("0"), 0).is_empty());
    }

    #[test]
    fn a_duplicate_voids_the_whole_list() {
        // PyTorch: "0, 1, 2, 1" → [] ("Double mention of ordinal returns empty set").
        assert!(vis(Some("0,0"), 2).is_empty());
        assert!(vis(Some("1,0,1"), 2).is_empty());
        assert!(vis(Some("0, 1, 2, 1"), 4).is_empty());
        // "01" is index 1, so it repeats "1".
        assert!(vis(Some("1,01"), 2).is_empty());
        let v = parse_visible_devices(Some("0,0"), 2);
        let s = v.stopped_at.unwrap();
        assert_eq!((s.position, s.reason), (1, StopReason::Duplicate));
        assert!(v.explanation.contains("repeat"), "{}", v.explanation);
        // A repeat after the stop is never read.
        assert_eq!(vis(Some("0,-1,0"), 2), vec![0]);
    }

    #[test]
    fn uuid_tokens_never_match() {
        let v = parse_visible_devices(Some("GPU-8932f937-d72c-4106-c12f-20bd9faed9f6"), 2);
        assert!(v.visible.is_empty());
        assert_eq!(v.stopped_at.unwrap().reason, StopReason::UuidUnsupported);
        assert_eq!(vis(Some("1,GPU-8932f937"), 2), vec![1]);
        let mig = parse_visible_devices(Some("MIG-8932f937-d72c-4106-c12f-20bd9faed9f6"), 2);
        assert_eq!(mig.stopped_at.unwrap().reason, StopReason::UuidUnsupported);
    }

    #[test]
    fn explanation_mentions_the_stop() {
        let v = parse_visible_devices(Some("0,-1,1"), 2);
        assert!(v.explanation.contains("'-1'"), "{}", v.explanation);
    }
}
