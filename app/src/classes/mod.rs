//! Classes without accounts: `/teach` creates one (a join code for learners, a
//! secret link for the teacher), `/join` joins and leaves, the teacher's
//! dashboard at the secret link shows what the class misunderstands.

mod copy_field;
mod dashboard_page;
mod join_page;
pub mod server;
mod teach_page;
pub mod types;

#[cfg(feature = "ssr")]
pub mod csv;
#[cfg(feature = "ssr")]
mod qr;
#[cfg(feature = "ssr")]
pub mod report;

pub use dashboard_page::DashboardPage;
pub use join_page::JoinPage;
pub use teach_page::TeachPage;

/// Counts a demo run for the class dashboard; a failure is logged, never shown
/// (the demo itself worked).
#[cfg(feature = "ssr")]
pub async fn record_demo(pool: &lab_storage::db::Db, learner: Option<i64>, demo: &str) {
    if let Some(id) = learner {
        if let Err(e) = lab_storage::classes::record_demo_run(pool, id, demo).await {
            tracing::warn!(error = %e, demo, "counting a demo run failed");
        }
    }
}
