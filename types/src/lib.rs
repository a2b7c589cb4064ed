//! The vocabulary Inference Lab's engine, server and pages share.
//!
//! Everything that crosses a wire (the JSON API, server functions, the command
//! line's `--json`, a saved run in SQLite) is defined here once. The crate is
//! plain serde so that it builds for `wasm32-unknown-unknown`: the engine
//! (wgpu, gemm) and the database (sqlx) stay on the server.

mod class;
mod devices;
mod error;
mod jobs;
mod model;
mod params;
pub mod prediction;
mod puzzle;
mod report;
mod roofline;
mod sizing;
mod stats;

pub use class::TaughtClass;
pub use devices::{
    AdapterEntry, DeviceList, StopReason, StoppedAt, Visibility, VisibilitySource, SOFTWARE_LABEL,
};
pub use error::{chain, Cause, LabError};
pub use jobs::{JobStatus, LimitsView, QueueView, RunSummary, SavedRun};
pub use model::{ModelInfo, Preset, UnknownName};
pub use params::{
    DeviceChoice, ExperimentRequest, Kernel, LoopStyle, RunParams, SweepKind, SweepParams,
    TimingParams, LOOP_STYLES_NEED_A_GPU,
};
pub use puzzle::{
    loop_budget, CompileError, Dispatch, KernelTiming, LeaderRow, Mismatch, PuzzleOutcome,
    PuzzleReference, PuzzleSize, PuzzleTask, RateUnit, SizeCheck, MAX_LOOP_ITERATIONS,
    MIN_LOOP_BUDGET,
};
pub use report::{
    Agreement, ColdStart, DeviceKind, DeviceResult, ExperimentResult, Phases, RunReport,
    SweepPoint, SweepReport, TimingReport,
};
pub use roofline::{
    layer_flops, layer_min_bytes, layer_work, model_work, puzzle_work, Bound, DeviceRoofs,
    Placement, Roof, RoofsState, RoofsView, Spread, Work, FP32_BYTES,
};
pub use sizing::Sizing;
pub use stats::{percentile_sorted, Summary};
