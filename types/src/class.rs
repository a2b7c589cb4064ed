//! Classes as the server stores and shows them.

use serde::{Deserialize, Serialize};

/// A class on the `/teach` list of the browser that created it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaughtClass {
    pub class_name: String,
    /// As learners type it (`ABCD-EFGH`).
    pub join_code: String,
    pub locked: bool,
    pub members: usize,
    /// `YYYY-MM-DD` (UTC).
    pub created_on: String,
    /// `/teach/<secret>`: the teacher link, on this server.
    pub dashboard_path: String,
}
