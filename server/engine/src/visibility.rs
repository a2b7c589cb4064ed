//! `CUDA_VISIBLE_DEVICES`-style GPU visibility, as a pure parser.
//!
//! Semantics (mirroring CUDA):
//! - unset (`None`) → every GPU, in physical order;
//! - empty or whitespace-only → no GPU;
//! - a comma list selects *and orders*: `"1,0"` makes physical GPU 1 appear
//!   as visible index 0;
//! - parsing stops at the first invalid token (not a non-negative integer,
//!   out of range, or a duplicate); the tokens before it still apply, so
//!   `"-1"` hides everything and `"0,-1,1"` shows only GPU 0.
//! - UUID tokens (`GPU-8932f937-...`) are recognised but wgpu 27's
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

    let mut visible = Vec::new();
    let mut stopped_at = None;
    for (position, token) in raw.split(',').enumerate() {
        let t = token.trim();
        let reason = match parse_index(t) {
            Err(reason) => Some(reason),
            Ok(i) if i >= physical_count => Some(StopReason::OutOfRange {
                count: physical_count,
            }),
            Ok(i) if visible.contains(&i) => Some(StopReason::Duplicate),
            Ok(i) => {
                visible.push(i);
                None
            }
        };
        if let Some(reason) = reason {
            stopped_at = Some(StoppedAt {
                position,
                token: t.to_string(),
                reason,
            });
            break;
        }
    }

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
    let explanation = match &stopped_at {
        None => shown,
        Some(s) => format!(
            "{shown}; enumeration stopped at token #{} '{}' ({})",
            s.position,
            s.token,
            match &s.reason {
                StopReason::NotAnIndex => "not a non-negative integer".to_string(),
                StopReason::UuidUnsupported =>
                    "GPU UUIDs cannot be matched: wgpu exposes no UUID".to_string(),
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

fn parse_index(t: &str) -> Result<usize, StopReason> {
    if t.len() > 4 && t[..4].eq_ignore_ascii_case("GPU-") {
        return Err(StopReason::UuidUnsupported);
    }
    // Digits only: rejects "-1", "+1", "1.0", "" and "0x1".
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(StopReason::NotAnIndex);
    }
    // Absurdly long digit strings overflow usize: they are out of range anyway.
    Ok(t.parse::<usize>().unwrap_or(usize::MAX))
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
        assert_eq!(vis(Some("0,1.5"), 2), vec![0]);
        assert_eq!(vis(Some("99999999999999999999999"), 2), Vec::<usize>::new());
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
    fn duplicates_stop_at_the_duplicate() {
        assert_eq!(vis(Some("0,0"), 2), vec![0]);
        assert_eq!(vis(Some("1,0,1"), 2), vec![1, 0]);
        assert_eq!(
            parse_visible_devices(Some("0,0"), 2)
                .stopped_at
                .unwrap()
                .reason,
            StopReason::Duplicate
        );
    }

    #[test]
    fn uuid_tokens_never_match() {
        let v = parse_visible_devices(Some("GPU-8932f937-d72c-4106-c12f-20bd9faed9f6"), 2);
        assert!(v.visible.is_empty());
        assert_eq!(v.stopped_at.unwrap().reason, StopReason::UuidUnsupported);
        assert_eq!(vis(Some("1,GPU-8932f937"), 2), vec![1]);
    }

    #[test]
    fn explanation_mentions_the_stop() {
        let v = parse_visible_devices(Some("0,-1,1"), 2);
        assert!(v.explanation.contains("'-1'"), "{}", v.explanation);
    }
}
