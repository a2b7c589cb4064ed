//! The `inference-lab` server: start-up, settings, telemetry, database, JSON API.

pub mod api;
pub mod db;
pub mod error;
pub mod lab;
pub mod settings;
pub mod startup;
pub mod telemetry;
