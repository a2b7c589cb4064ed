//! What a learner, a script or the command line asks the lab to measure.

use serde::{Deserialize, Serialize};

use crate::model::{Preset, UnknownName};

/// Which backend(s) a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    Gpu,
    Cpu,
    /// Both, and compare their outputs.
    #[default]
    Both,
}

impl DeviceChoice {
    pub const ALL: [DeviceChoice; 3] = [DeviceChoice::Gpu, DeviceChoice::Cpu, DeviceChoice::Both];

    pub fn name(self) -> &'static str {
        match self {
            DeviceChoice::Gpu => "gpu",
            DeviceChoice::Cpu => "cpu",
            DeviceChoice::Both => "both",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.name() == name)
    }

    pub fn uses_gpu(self) -> bool {
        matches!(self, DeviceChoice::Gpu | DeviceChoice::Both)
    }

    pub fn uses_cpu(self) -> bool {
        matches!(self, DeviceChoice::Cpu | DeviceChoice::Both)
    }
}

impl std::str::FromStr for DeviceChoice {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DeviceChoice::from_name(&s.trim().to_ascii_lowercase()).ok_or_else(|| UnknownName {
            what: "device",
            name: s.trim().to_string(),
            expected: "gpu, cpu or both",
        })
    }
}

/// Which WGSL matmul kernel the GPU backend uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Kernel {
    /// Shared-memory tiles, chosen per layer shape: a split-K GEMV for
    /// b ≤ 8, 64×64 tiles (4×4 per thread), or 128×128 tiles (8×8 per thread).
    #[default]
    Tiled,
    /// One thread per output, every operand read from global memory.
    Naive,
}

impl Kernel {
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Tiled => "tiled",
            Kernel::Naive => "naive",
        }
    }
}

/// How the GPU loop hands each batch to the device: the fixed cost per batch
/// the lab shows side by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum LoopStyle {
    /// Upload, compute and readback each submitted and waited for: three
    /// round trips per batch, like a synchronous PyTorch loop (and the only
    /// style whose phases can be timed one by one).
    #[default]
    RoundTrips,
    /// Upload, every layer, the output copy and the timestamps in one
    /// command buffer with one wait.
    OneSubmit,
    /// One submit per batch with up to three batches in flight: the next
    /// batch is submitted before the previous one is read back.
    Pipelined,
}

impl LoopStyle {
    pub const ALL: [LoopStyle; 3] = [
        LoopStyle::RoundTrips,
        LoopStyle::OneSubmit,
        LoopStyle::Pipelined,
    ];

    pub fn name(self) -> &'static str {
        match self {
            LoopStyle::RoundTrips => "round-trips",
            LoopStyle::OneSubmit => "one-submit",
            LoopStyle::Pipelined => "pipelined",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// How the page names the style.
    pub fn label(self) -> &'static str {
        match self {
            LoopStyle::RoundTrips => "three round trips",
            LoopStyle::OneSubmit => "one submit",
            LoopStyle::Pipelined => "pipelined",
        }
    }
}

/// One measured run: `n` items in `ceil(n / batch)` batches, `warmup` untimed
/// passes then `repeats` timed passes over all n items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunParams {
    pub model: Preset,
    pub n: usize,
    pub batch: usize,
    pub device: DeviceChoice,
    /// CPU threads; 0 = all cores.
    pub cpu_threads: usize,
    pub repeats: usize,
    pub warmup: usize,
    pub kernel: Kernel,
    /// Per-request override of the server's `LAB_VISIBLE_DEVICES`
    /// (`None` = use the server setting; `Some("")` = hide every GPU).
    pub visible_devices: Option<String>,
    /// How the GPU loop submits batches (absent in older requests: round trips).
    pub loop_style: LoopStyle,
}

impl Default for RunParams {
    fn default() -> Self {
        RunParams {
            model: Preset::Medium,
            n: 4096,
            batch: 64,
            device: DeviceChoice::Both,
            cpu_threads: 0,
            repeats: 5,
            warmup: 1,
            kernel: Kernel::Tiled,
            visible_devices: None,
            loop_style: LoopStyle::RoundTrips,
        }
    }
}

/// What a sweep varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SweepKind {
    /// Items n = 10 … 100,000 at a fixed batch size: time grows linearly in n.
    #[default]
    N,
    /// Batch size b = 1 … 1,024 at a fixed n: where the GPU overtakes the CPU.
    Batch,
    /// The same n and b once per GPU loop style (round trips, one submit,
    /// pipelined): where the fixed cost per batch comes from. A point's `x`
    /// is the style's index in `LoopStyle::ALL`.
    #[serde(rename = "loop-style")]
    LoopStyle,
}

impl SweepKind {
    pub fn name(self) -> &'static str {
        match self {
            SweepKind::N => "n-sweep",
            SweepKind::Batch => "batch-sweep",
            SweepKind::LoopStyle => "loop-styles",
        }
    }

    /// The values the sweep visits.
    pub fn points(self) -> Vec<usize> {
        match self {
            SweepKind::N => vec![10, 100, 1_000, 10_000, 100_000],
            SweepKind::Batch => (0..=10).map(|p| 1usize << p).collect(),
            SweepKind::LoopStyle => (0..LoopStyle::ALL.len()).collect(),
        }
    }

    pub fn axis(self) -> &'static str {
        match self {
            SweepKind::N => "n",
            SweepKind::Batch => "b",
            SweepKind::LoopStyle => "loop style",
        }
    }

    /// What point `x` stands for, for a progress line: "n = 100", "one-submit".
    pub fn point_label(self, x: usize) -> String {
        match self {
            SweepKind::LoopStyle => LoopStyle::ALL
                .get(x)
                .map_or_else(|| format!("loop style {x}"), |s| s.name().to_string()),
            _ => format!("{} = {x}", self.axis()),
        }
    }
}

/// Why a loop-style comparison without the GPU is refused (also how the lab
/// page recognises that refusal).
pub const LOOP_STYLES_NEED_A_GPU: &str = "loop styles are how the GPU loop hands its batches \
     to the device, so the comparison runs on gpu or both, not cpu";

/// A sweep: the fixed settings; the swept one comes from `kind.points()`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SweepParams {
    pub kind: SweepKind,
    pub model: Preset,
    pub device: DeviceChoice,
    /// Items per point of a batch sweep or a loop-style comparison (ignored
    /// by an n sweep).
    pub n: usize,
    /// Batch size of an n sweep or a loop-style comparison (ignored by a
    /// batch sweep).
    pub batch: usize,
    pub cpu_threads: usize,
    pub repeats: usize,
    pub warmup: usize,
    pub kernel: Kernel,
    pub visible_devices: Option<String>,
    /// The GPU loop style of every point (a loop-style comparison sets its own).
    pub loop_style: LoopStyle,
}

impl Default for SweepParams {
    /// Modest by default: a sweep should finish in well under a minute on a
    /// 2-core machine whose "GPU" is software emulation.
    fn default() -> Self {
        SweepParams {
            kind: SweepKind::N,
            model: Preset::Tiny,
            device: DeviceChoice::Both,
            n: 1024,
            batch: 256,
            cpu_threads: 0,
            repeats: 3,
            warmup: 1,
            kernel: Kernel::Tiled,
            visible_devices: None,
            loop_style: LoopStyle::RoundTrips,
        }
    }
}

impl SweepParams {
    /// The single run measured at sweep value `x`.
    pub fn run_at(&self, x: usize) -> RunParams {
        let (n, batch) = match self.kind {
            SweepKind::N => (x, self.batch),
            SweepKind::Batch => (self.n, x),
            SweepKind::LoopStyle => (self.n, self.batch),
        };
        let loop_style = match self.kind {
            SweepKind::LoopStyle => LoopStyle::ALL.get(x).copied().unwrap_or(self.loop_style),
            _ => self.loop_style,
        };
        RunParams {
            model: self.model,
            n,
            batch,
            device: self.device,
            cpu_threads: self.cpu_threads,
            repeats: self.repeats,
            warmup: self.warmup,
            kernel: self.kernel,
            visible_devices: self.visible_devices.clone(),
            loop_style,
        }
    }

    /// Every run of the sweep, in order.
    pub fn runs(&self) -> impl Iterator<Item = RunParams> + '_ {
        self.kind.points().into_iter().map(|x| self.run_at(x))
    }
}

/// What a learner or script asks the lab to do. (Tagged `type`: a sweep's own
/// parameters already have a `kind`.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ExperimentRequest {
    Run(RunParams),
    Sweep(SweepParams),
}

impl ExperimentRequest {
    pub fn device(&self) -> DeviceChoice {
        match self {
            ExperimentRequest::Run(p) => p.device,
            ExperimentRequest::Sweep(p) => p.device,
        }
    }

    /// Stored in the `runs.kind` column.
    pub fn kind_name(&self) -> &'static str {
        match self {
            ExperimentRequest::Run(_) => "run",
            ExperimentRequest::Sweep(s) => s.kind.name(),
        }
    }

    /// Refuses a loop-style comparison that would not use the GPU, before any
    /// other check: `(field, why)`.
    pub fn without_its_gpu(&self) -> Option<(&'static str, &'static str)> {
        match self {
            ExperimentRequest::Sweep(s)
                if s.kind == SweepKind::LoopStyle && !s.device.uses_gpu() =>
            {
                Some(("device", LOOP_STYLES_NEED_A_GPU))
            }
            _ => None,
        }
    }

    /// Every single run the request stands for (one, or a sweep's points).
    pub fn runs(&self) -> Vec<RunParams> {
        match self {
            ExperimentRequest::Run(p) => vec![p.clone()],
            ExperimentRequest::Sweep(s) => s.runs().collect(),
        }
    }
}

/// The timing lesson's measurement: submit without waiting vs waiting, cold vs warm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TimingParams {
    pub model: Preset,
    pub batch: usize,
    pub kernel: Kernel,
    /// Warm calls to time after the cold one (median reported).
    pub warm_calls: usize,
    pub visible_devices: Option<String>,
}

impl Default for TimingParams {
    fn default() -> Self {
        TimingParams {
            model: Preset::Medium,
            batch: 256,
            kernel: Kernel::Tiled,
            warm_calls: 5,
            visible_devices: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sweep_varies_only_its_axis() {
        let s = SweepParams {
            kind: SweepKind::Batch,
            n: 512,
            ..SweepParams::default()
        };
        let runs: Vec<RunParams> = s.runs().collect();
        assert_eq!(runs.len(), 11);
        assert!(runs.iter().all(|r| r.n == 512 && r.model == s.model));
        assert_eq!(runs.last().map(|r| r.batch), Some(1024));
        assert_eq!(ExperimentRequest::Sweep(s).runs().len(), 11);
    }

    #[test]
    fn a_loop_style_comparison_runs_each_style_once_at_the_same_size() {
        let s: SweepParams = serde_json::from_str(
            r#"{"kind": "loop-style", "n": 96, "batch": 32, "loop_style": "pipelined"}"#,
        )
        .unwrap();
        let runs: Vec<RunParams> = s.runs().collect();
        let styles: Vec<LoopStyle> = runs.iter().map(|r| r.loop_style).collect();
        assert_eq!(styles, LoopStyle::ALL);
        assert!(runs.iter().all(|r| (r.n, r.batch) == (96, 32)));
        assert_eq!(
            ExperimentRequest::Sweep(s.clone()).kind_name(),
            "loop-styles"
        );
        assert_eq!(SweepKind::LoopStyle.point_label(1), "one-submit");
        assert_eq!(SweepKind::N.point_label(10), "n = 10");
        let cpu = SweepParams {
            device: DeviceChoice::Cpu,
            ..s.clone()
        };
        assert!(ExperimentRequest::Sweep(s).without_its_gpu().is_none());
        assert_eq!(
            ExperimentRequest::Sweep(cpu).without_its_gpu().map(|r| r.0),
            Some("device")
        );
        assert_eq!(
            LoopStyle::from_name("one-submit"),
            Some(LoopStyle::OneSubmit)
        );
        assert_eq!(LoopStyle::from_name("two-submits"), None);
    }

    #[test]
    fn requests_are_tagged_by_type() {
        let json = serde_json::to_value(ExperimentRequest::Run(RunParams::default())).unwrap();
        assert_eq!(json["type"], "run");
        assert_eq!(json["model"], "medium");
        let bad = serde_json::from_str::<RunParams>(r#"{"n": 10, "colour": "red"}"#);
        assert!(bad.is_err(), "unknown fields are refused");
    }

    #[test]
    fn loop_style_is_optional_and_kebab_case() {
        let old: RunParams = serde_json::from_str(r#"{"n": 10}"#).unwrap();
        assert_eq!(old.loop_style, LoopStyle::RoundTrips);
        let new: RunParams = serde_json::from_str(r#"{"loop_style": "one-submit"}"#).unwrap();
        assert_eq!(new.loop_style, LoopStyle::OneSubmit);
        let json = serde_json::to_value(LoopStyle::Pipelined).unwrap();
        assert_eq!(json, LoopStyle::Pipelined.name());
    }
}
