//! The kernel playground's vocabulary: what a puzzle asks for, and what the
//! server says about a learner's kernel.

use serde::{Deserialize, Serialize};

use crate::stats::Summary;

/// The CPU reference a puzzle's output is compared with (named in its file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PuzzleReference {
    /// `y[i] = 2·x[i] + 1` for `i < n`.
    Map,
    /// `y[i] = x[i] + w[i]` for `i < n`.
    Zip,
    /// `y[0] = Σ x[i]` for `i < n`.
    Sum,
    /// `y = x · w` (m×k times k×n, row-major).
    Matmul,
    /// `y = relu(x · w + bias)`: one hidden layer of the lab's MLP (`p.relu` = 1).
    LinearRelu,
    /// `y = x · w + bias`: the MLP's last layer, the same kernel with `p.relu` = 0.
    Linear,
}

impl PuzzleReference {
    /// How the grid is launched: the learner picks the workgroup size, the
    /// server derives the number of workgroups from it and the problem size.
    pub fn dispatch(self) -> Dispatch {
        match self {
            PuzzleReference::Map | PuzzleReference::Zip => Dispatch::Elements,
            PuzzleReference::Sum => Dispatch::OneWorkgroup,
            PuzzleReference::Matmul | PuzzleReference::LinearRelu | PuzzleReference::Linear => {
                Dispatch::Matrix
            }
        }
    }

    /// The `p.relu` the kernel is given.
    pub fn relu(self) -> u32 {
        u32::from(self == PuzzleReference::LinearRelu)
    }

    /// This reference and those that give the same kernel the other values of
    /// its parameters (`p.relu`): a kernel meant to replace the lab's layer
    /// kernels, such as a puzzle's reference solution, passes them all.
    pub fn every_parameter_value(self) -> &'static [PuzzleReference] {
        use PuzzleReference::*;
        match self {
            LinearRelu | Linear => &[LinearRelu, Linear],
            Map => &[Map],
            Zip => &[Zip],
            Sum => &[Sum],
            Matmul => &[Matmul],
        }
    }

    /// Whether speed is counted in arithmetic (GFLOP/s) or memory traffic (GB/s).
    pub fn rate_unit(self) -> RateUnit {
        match self {
            PuzzleReference::Matmul | PuzzleReference::LinearRelu | PuzzleReference::Linear => {
                RateUnit::GflopPerS
            }
            _ => RateUnit::GbPerS,
        }
    }
}

/// How many workgroups a puzzle launches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dispatch {
    /// `ceil(n / workgroup_size.x)` workgroups along x: one invocation per element.
    Elements,
    /// A single workgroup does all the work.
    OneWorkgroup,
    /// `ceil(n / size.x) × ceil(m / size.y)`: one invocation per output.
    Matrix,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateUnit {
    GflopPerS,
    GbPerS,
}

impl RateUnit {
    pub fn label(self) -> &'static str {
        match self {
            RateUnit::GflopPerS => "GFLOP/s",
            RateUnit::GbPerS => "GB/s",
        }
    }
}

/// One problem size: `m`, `k`, `n` as the uniform `p` gives them to the kernel
/// (vector puzzles use `n` only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PuzzleSize {
    pub m: u32,
    pub k: u32,
    pub n: u32,
}

impl std::fmt::Display for PuzzleSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "m = {}, k = {}, n = {}", self.m, self.k, self.n)
    }
}

/// What the engine needs to check one kernel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PuzzleTask {
    pub reference: PuzzleReference,
    /// Checked in order; the last one is also timed.
    pub sizes: Vec<PuzzleSize>,
    /// The kernel must declare `var<workgroup>` memory (the tiled puzzle).
    pub needs_workgroup_memory: bool,
    pub source: String,
}

/// Loop iterations one invocation may run at most, over all its loops together.
pub const MAX_LOOP_ITERATIONS: u32 = 1 << 15;
/// The smallest loop budget a puzzle gets.
pub const MIN_LOOP_BUDGET: u32 = 4096;

/// Loop iterations one invocation of a puzzle with these sizes may run, in
/// all its loops together: four times its largest dimension (a loop over `k`,
/// or over tiles and then within each, fits), at least [`MIN_LOOP_BUDGET`]
/// and at most [`MAX_LOOP_ITERATIONS`]. The engine writes it into the kernel;
/// the page tells the learner.
pub fn loop_budget(sizes: &[PuzzleSize]) -> u32 {
    let largest = sizes
        .iter()
        .map(|s| s.m.max(s.k).max(s.n))
        .max()
        .unwrap_or(0);
    largest
        .saturating_mul(4)
        .clamp(MIN_LOOP_BUDGET, MAX_LOOP_ITERATIONS)
}

/// Where the WGSL front end or validator stopped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompileError {
    /// 1-based; `None` when naga gave no position.
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

/// The first output that differs from the reference by more than the tolerance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mismatch {
    pub index: usize,
    pub expected: f32,
    /// `None`: not a finite number (NaN is what the buffer held before the kernel ran).
    pub got: Option<f32>,
}

/// One size checked against the reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SizeCheck {
    pub size: PuzzleSize,
    /// Capped at `f64::MAX` (JSON has no infinity) when an output is not finite.
    pub max_abs_error: f64,
    /// `None`: every output within tolerance.
    pub first_mismatch: Option<Mismatch>,
}

/// A kernel's time on the largest size, and its rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KernelTiming {
    /// What ran: "your kernel", "built-in naive", "built-in tiled".
    pub name: String,
    pub summary: Summary,
    /// GFLOP/s or GB/s at the median time.
    pub rate: f64,
    pub unit: RateUnit,
    /// "GPU timestamps" or "wall clock around submit + wait".
    pub method: String,
}

/// What the server says about a submitted kernel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum PuzzleOutcome {
    /// The kernel did not parse or validate.
    CompileError(CompileError),
    /// It ran, but some output is wrong (checks up to and including the failing size).
    Wrong {
        adapter: String,
        checks: Vec<SizeCheck>,
    },
    /// Every size matched; timed beside the built-in kernels where there are some.
    Correct {
        adapter: String,
        checks: Vec<SizeCheck>,
        timing: KernelTiming,
        builtins: Vec<KernelTiming>,
        workgroup_size: [u32; 3],
    },
}

impl PuzzleOutcome {
    pub fn is_correct(&self) -> bool {
        matches!(self, PuzzleOutcome::Correct { .. })
    }
}

/// One learner's best time on an adapter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaderRow {
    /// `None`: the learner chose no name.
    pub name: Option<String>,
    /// This row is the learner looking at the page.
    pub you: bool,
    pub adapter: String,
    pub median_ms: f64,
    pub rate: f64,
    pub unit: String,
}
