//! Timing-demo reports, kept for a while so that a plain form post (no
//! JavaScript) can be redirected to a page that shows its report. Bounded in
//! number and age; nothing here is written to the database.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lab_types::TimingReport;

const KEEP: usize = 64;
const KEEP_FOR: Duration = Duration::from_secs(30 * 60);

#[derive(Default)]
pub(crate) struct TimingResults {
    kept: Mutex<VecDeque<(String, Instant, TimingReport)>>,
}

impl TimingResults {
    pub(crate) fn keep(&self, id: String, report: TimingReport) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.retain(|(_, at, _)| at.elapsed() < KEEP_FOR);
        while kept.len() >= KEEP {
            kept.pop_front();
        }
        kept.push_back((id, Instant::now(), report));
    }

    pub(crate) fn get(&self, id: &str) -> Option<TimingReport> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.iter()
            .find(|(k, at, _)| k == id && at.elapsed() < KEEP_FOR)
            .map(|(_, _, r)| r.clone())
    }
}
