//! The `inference-lab` server: start-up, settings, telemetry, database, JSON API.
#![recursion_limit = "256"]

mod api;
mod assets;
pub mod cli;
mod db;
mod durable;
/// Public for `tests/access_log.rs`, which needs a process of its own.
pub mod edge;
pub mod error;
mod lab;
mod quota;
mod retention;
/// Public for the hidden `kernel-sandbox` command and its tests.
pub mod sandbox;
pub mod secret_file;
pub mod settings;
pub mod startup;
mod state;
pub mod telemetry;
pub mod worker;
pub mod write_bounds;
