//! Predict, then measure: every lesson demo asks what the learner expects before
//! it runs, stores the guess with the run, and shows it beside the measurement,
//! scored: counts when exact, timed ratios within 25 % of the range the run's
//! own spread allows (other numbers within 25 %), choices when equal.
//! `/progress` counts how often the learner was right.

pub mod score;
pub mod server;
pub mod types;
mod view;

#[cfg(feature = "ssr")]
mod outcome;
#[cfg(feature = "ssr")]
pub mod ratio;
#[cfg(feature = "ssr")]
mod sweeps;

pub use view::{OutcomeView, PredictionFields, PredictionResult, PredictionStatsLine};
