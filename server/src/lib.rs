//! The `inference-lab` server: start-up, settings, telemetry, database, JSON API.
#![recursion_limit = "256"]

pub mod api;
pub mod db;
pub mod error;
pub mod lab;
pub mod settings;
pub mod startup;
pub mod telemetry;
