//! Each device's two roofs, measured (issue 29): the highest streaming
//! bandwidth (a STREAM triad) and the highest fp32 arithmetic rate (an
//! FMA-only loop) it reaches here, each the median of several samples with
//! their spread. A run's GFLOP/s is then placed under them with
//! `lab_types::roofline::DeviceRoofs::place`.
//!
//! One file per probe; `engine_roofs` measures them once per process
//! (`Engine::roofs`) and caches them.

pub mod cache;
pub mod cpu_compute;
pub mod cpu_memory;
mod engine_roofs;
pub mod gpu_compute;
pub mod gpu_memory;

pub use engine_roofs::RoofsCache;

use lab_types::{Roof, Spread};

/// Timed samples per roof: enough for a p10 and a p90 that are not simply
/// the extremes' neighbours, few enough to keep every probe short.
pub const SAMPLES: usize = 9;

/// Untimed passes first: page faults, shader compilation in the driver,
/// clocks ramping up.
pub const WARMUPS: usize = 2;

/// A measured roof: the median of `samples`, their spread, and the method.
pub(crate) fn measured_roof(samples: &[f64], method: String) -> Roof {
    let spread = Spread::of(samples);
    Roof {
        value: spread.median,
        spread: Some(spread),
        method,
    }
}

/// Bytes as MiB for method texts ("128 MiB").
pub(crate) fn mib(bytes: u64) -> String {
    format!("{} MiB", bytes as f64 / f64::from(1 << 20))
}

/// "1 thread" / "4 threads".
pub(crate) fn threads_text(threads: usize) -> String {
    format!("{threads} thread{}", if threads == 1 { "" } else { "s" })
}
