//! "in 3 days": when the next review falls due, relative to now (server only).
//!
//! The page is rendered on the server, which does not know the learner's time
//! zone; a time in UTC alone made a learner convert it. A relative time reads
//! the same in every zone, so the page says it first and keeps the UTC time
//! beside it in a `<time>` element.

use chrono::{DateTime, Utc};

/// `at` (RFC 3339, as stored) relative to `now`; `None` when `at` cannot be read.
pub fn due_in(at: &str, now: DateTime<Utc>) -> Option<String> {
    let at = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
    let minutes = (at - now).num_minutes();
    let (n, unit) = match minutes {
        m if m < 1 => return Some("now".to_string()),
        m if m < 60 => (m, "minute"),
        m if m < 23 * 60 + 30 => ((m + 30) / 60, "hour"),
        m => ((m + 12 * 60) / (24 * 60), "day"),
    };
    Some(format!("in {n} {unit}{}", if n == 1 { "" } else { "s" }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-04T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn reads_as_minutes_hours_then_days_rounded() {
        let cases = [
            ("2026-12-04T09:00:00.000Z", "now"),
            ("2026-12-04T10:00:30.000Z", "now"),
            ("2026-12-04T10:01:00.000Z", "in 1 minute"),
            ("2026-12-04T10:45:00.000Z", "in 45 minutes"),
            ("2026-12-04T11:29:00.000Z", "in 1 hour"),
            ("2026-12-05T09:00:00.000Z", "in 23 hours"),
            ("2026-12-05T10:00:00.000Z", "in 1 day"),
            ("2026-12-06T10:00:00.000Z", "in 2 days"),
            ("2026-12-07T09:00:00.000Z", "in 3 days"),
        ];
        for (at, want) in cases {
            assert_eq!(due_in(at, now()).as_deref(), Some(want), "{at}");
        }
        assert_eq!(due_in("next tuesday", now()), None);
    }
}
