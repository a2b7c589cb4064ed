//! Request bounds, checked before anything is allocated or run.
//!
//! The defaults keep every accepted request well under a minute on the
//! 2-core reference machine with lavapipe (software Vulkan), the slowest
//! "GPU" the lab runs on. Refusals name the field, the limit and by how much
//! it is exceeded.

use serde::{Deserialize, Serialize};

use crate::error::EngineError;
use crate::model::ModelSpec;
use lab_types::{Kernel, RunParams, TimingParams};

/// Longest `visible_devices` string accepted (a real one is a few characters;
/// every stored copy of a request stays small).
pub const MAX_VISIBILITY_LEN: usize = 200;

/// How many times today's (software-GPU-sized) GPU budgets a hardware adapter
/// gets, by wgpu device type. Sized so that one request takes a few seconds at
/// most: an H100/H200 runs the tiled kernel at several TFLOP/s, so a discrete
/// GPU's 20 TFLOP admits `large` at n in the tens of thousands; an integrated
/// GPU is roughly a tenth of that. Unknown types keep the software budget.
fn gpu_budget_scale(device_type: &str, software: bool) -> f64 {
    if software {
        return 1.0;
    }
    match device_type {
        "DiscreteGpu" => 200.0,
        "IntegratedGpu" => 20.0,
        "VirtualGpu" => 5.0,
        _ => 1.0,
    }
}

/// Per-request limits. `Limits::default()` is what the server uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    pub max_n: usize,
    pub max_batch: usize,
    pub max_repeats: usize,
    pub max_warmup: usize,
    /// FLOPs one request may spend on the CPU: n × (warmup + repeats) × FLOPs/item.
    pub max_cpu_flops: f64,
    /// Same, on the GPU with the tiled kernel.
    pub max_gpu_flops: f64,
    /// Same, on the GPU with the naive kernel (several times slower).
    pub max_gpu_naive_flops: f64,
    /// Batches one request may run per device: ceil(n / batch) × (warmup +
    /// repeats). Each GPU batch costs three submit-and-wait round trips, so
    /// this bounds run time when batches are tiny.
    pub max_gpu_batches: u64,
    pub max_cpu_batches: u64,
    /// Bytes of the largest activation buffer (batch × widest layer × 4).
    pub max_activation_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_n: 1_000_000,
            max_batch: 1024,
            max_repeats: 20,
            max_warmup: 5,
            // Measured on the reference machine (2 cores, busy): gemm ≈ 60
            // GFLOP/s, lavapipe tiled ≈ 1–3 GFLOP/s, naive ≈ 0.4 GFLOP/s.
            // The tiled budget admits the lab's standard demo (medium,
            // n = 4096, 1 + 5 passes = 91 GFLOP).
            max_cpu_flops: 1.0e12,
            max_gpu_flops: 100e9,
            max_gpu_naive_flops: 15e9,
            max_gpu_batches: 20_000,
            max_cpu_batches: 400_000,
            max_activation_bytes: 64 << 20,
        }
    }
}

/// A validated run: what the measurement loop needs to know up front.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub spec: ModelSpec,
    pub n: usize,
    pub batch: usize,
    /// ceil(n / batch).
    pub batches: usize,
    /// Items in the last batch (== batch when n is a multiple of it).
    pub last_batch: usize,
    pub flops_per_item: f64,
    pub cpu_threads: usize,
}

/// ceil(n / batch) and the size of the (possibly partial) last batch.
pub fn batch_counts(n: usize, batch: usize) -> (usize, usize) {
    if n == 0 || batch == 0 {
        return (0, 0);
    }
    let batches = n.div_ceil(batch);
    (batches, n - (batches - 1) * batch)
}

/// Formats a FLOP count with an SI prefix ("3.1 TFLOP").
pub fn fmt_flops(f: f64) -> String {
    let (v, unit) = if f >= 1e12 {
        (f / 1e12, "TFLOP")
    } else if f >= 1e9 {
        (f / 1e9, "GFLOP")
    } else {
        (f / 1e6, "MFLOP")
    };
    format!("{} {unit}", trim_float(v))
}

fn trim_float(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn range_check(
    field: &'static str,
    value: usize,
    min: usize,
    max: usize,
) -> Result<(), EngineError> {
    if value < min {
        return Err(EngineError::invalid(
            field,
            format!("{field} = {value} is below the minimum of {min}"),
        ));
    }
    if value > max {
        return Err(EngineError::LimitExceeded {
            field,
            message: format!(
                "{field} = {value} exceeds the limit of {max} by {}",
                value - max
            ),
        });
    }
    Ok(())
}

impl Limits {
    /// The limits for requests whose GPU is an adapter of `device_type`
    /// (wgpu's name for it); `software` adapters keep these limits.
    pub fn for_adapter(&self, device_type: &str, software: bool) -> Limits {
        let scale = gpu_budget_scale(device_type, software);
        Limits {
            max_gpu_flops: self.max_gpu_flops * scale,
            max_gpu_naive_flops: self.max_gpu_naive_flops * scale,
            ..self.clone()
        }
    }

    /// Validates `p` against the limits; `available_threads` is the machine's
    /// core count (for `cpu_threads`).
    pub fn check(&self, p: &RunParams, available_threads: usize) -> Result<Plan, EngineError> {
        check_visibility(p.visible_devices.as_deref())?;
        range_check("n", p.n, 1, self.max_n)?;
        range_check("batch", p.batch, 1, self.max_batch)?;
        range_check("repeats", p.repeats, 1, self.max_repeats)?;
        range_check("warmup", p.warmup, 1, self.max_warmup)?;
        if p.device.uses_cpu() {
            range_check("cpu_threads", p.cpu_threads, 0, available_threads)?;
        }
        let spec = ModelSpec::of(p.model);
        // The activation buffers never need more rows than there are items.
        let rows = p.batch.min(p.n);
        let act_bytes = rows as u64 * spec.max_width() as u64 * 4;
        if act_bytes > self.max_activation_bytes {
            return Err(EngineError::LimitExceeded {
                field: "batch",
                message: format!(
                    "batch × widest layer × 4 B = {} MiB exceeds the activation memory budget of {} MiB ({:.1}×)",
                    act_bytes >> 20,
                    self.max_activation_bytes >> 20,
                    act_bytes as f64 / self.max_activation_bytes as f64
                ),
            });
        }

        let (batches, last_batch) = batch_counts(p.n, p.batch);
        let passes = (p.warmup + p.repeats) as u64;
        let total_batches = batches as u64 * passes;
        let flops_per_item = spec.flops_per_item();
        let total_flops = p.n as f64 * passes as f64 * flops_per_item;

        let mut budgets: Vec<(&str, u64, f64)> = Vec::new();
        if p.device.uses_gpu() {
            let f = match p.kernel {
                Kernel::Tiled => self.max_gpu_flops,
                Kernel::Naive => self.max_gpu_naive_flops,
            };
            budgets.push(("GPU", self.max_gpu_batches, f));
        }
        if p.device.uses_cpu() {
            budgets.push(("CPU", self.max_cpu_batches, self.max_cpu_flops));
        }
        for (dev, max_batches, max_flops) in budgets {
            if total_batches > max_batches {
                return Err(EngineError::LimitExceeded {
                    field: "batch",
                    message: format!(
                        "ceil(n / batch) × (warmup + repeats) = {batches} × {passes} = {total_batches} {dev} batches \
                         exceeds the limit of {max_batches} by {} (use a larger batch or a smaller n)",
                        total_batches - max_batches
                    ),
                });
            }
            if total_flops > max_flops {
                let kernel = if dev == "GPU" {
                    format!(", {} kernel", p.kernel.name())
                } else {
                    String::new()
                };
                return Err(EngineError::LimitExceeded {
                    field: "n",
                    message: format!(
                        "n × (warmup + repeats) × FLOPs/item = {} × {passes} × {} = {} exceeds the per-request \
                         {dev} budget of {}{kernel} ({:.1}×)",
                        p.n,
                        fmt_flops(flops_per_item),
                        fmt_flops(total_flops),
                        fmt_flops(max_flops),
                        total_flops / max_flops
                    ),
                });
            }
        }

        let cpu_threads = if p.cpu_threads == 0 {
            default_threads(available_threads)
        } else {
            p.cpu_threads
        };
        Ok(Plan {
            spec,
            n: p.n,
            batch: p.batch,
            batches,
            last_batch,
            flops_per_item,
            cpu_threads,
        })
    }

    /// A sweep's budget is the total over its points: each point passed
    /// `check` on its own; together they may not spend more than one request.
    pub fn check_total(&self, runs: &[(RunParams, Plan)]) -> Result<(), EngineError> {
        let flops = |p: &RunParams, plan: &Plan| {
            plan.n as f64 * (p.warmup + p.repeats) as f64 * plan.flops_per_item
        };
        let batches =
            |p: &RunParams, plan: &Plan| plan.batches as u64 * (p.warmup + p.repeats) as u64;
        let mut gpu = (0.0, 0.0, 0u64); // (tiled FLOPs, naive FLOPs, batches)
        let mut cpu = (0.0, 0u64);
        for (p, plan) in runs {
            if p.device.uses_gpu() {
                match p.kernel {
                    Kernel::Tiled => gpu.0 += flops(p, plan),
                    Kernel::Naive => gpu.1 += flops(p, plan),
                }
                gpu.2 += batches(p, plan);
            }
            if p.device.uses_cpu() {
                cpu.0 += flops(p, plan);
                cpu.1 += batches(p, plan);
            }
        }
        let points = runs.len();
        let over = |dev: &str, what: String, total: f64, max: f64| {
            (total > max).then(|| EngineError::LimitExceeded {
                field: "n",
                message: format!(
                    "the {points} points together need {what} on the {dev}, over the per-request \
                     budget of {} ({:.1}×); use a smaller n or fewer repeats",
                    fmt_flops(max),
                    total / max
                ),
            })
        };
        // The naive kernel's FLOPs count against its own, smaller budget; a
        // mix is charged as a fraction of each.
        let gpu_share = gpu.0 / self.max_gpu_flops + gpu.1 / self.max_gpu_naive_flops;
        let gpu_total = gpu.0 + gpu.1;
        // The budget this mix is charged against, in FLOPs (the tiled
        // kernel's own when only it runs): total / budget is the share.
        let gpu_budget = if gpu_share > 0.0 {
            gpu_total / gpu_share
        } else {
            self.max_gpu_flops
        };
        let checks = [
            over("GPU", fmt_flops(gpu_total), gpu_total, gpu_budget),
            over("CPU", fmt_flops(cpu.0), cpu.0, self.max_cpu_flops),
        ];
        if let Some(e) = checks.into_iter().flatten().next() {
            return Err(e);
        }
        for (dev, total, max) in [
            ("GPU", gpu.2, self.max_gpu_batches),
            ("CPU", cpu.1, self.max_cpu_batches),
        ] {
            if total > max {
                return Err(EngineError::LimitExceeded {
                    field: "batch",
                    message: format!(
                        "the {points} points together run {total} {dev} batches, over the limit of {max}; \
                         use a smaller n or fewer repeats"
                    ),
                });
            }
        }
        Ok(())
    }

    /// Bounds for the timing demo, checked like a run: its batch, its calls and
    /// the GPU FLOPs of all of them (one cold call, the warm calls, then two
    /// calls per warm call for the submit-only / submit-and-wait pairs).
    pub fn check_demo(&self, p: &TimingParams) -> Result<(), EngineError> {
        check_visibility(p.visible_devices.as_deref())?;
        range_check("batch", p.batch, 1, self.max_batch)?;
        range_check("warm_calls", p.warm_calls, 1, self.max_repeats)?;
        let spec = ModelSpec::of(p.model);
        let calls = 1 + 3 * p.warm_calls;
        let total = (p.batch * calls) as f64 * spec.flops_per_item();
        let max = match p.kernel {
            Kernel::Tiled => self.max_gpu_flops,
            Kernel::Naive => self.max_gpu_naive_flops,
        };
        if total > max {
            return Err(EngineError::LimitExceeded {
                field: "batch",
                message: format!(
                    "batch × calls × FLOPs/item = {} × {calls} × {} = {} exceeds the per-request GPU \
                     budget of {} ({:.1}×); use a smaller batch or model",
                    p.batch,
                    fmt_flops(spec.flops_per_item()),
                    fmt_flops(total),
                    fmt_flops(max),
                    total / max
                ),
            });
        }
        Ok(())
    }
}

/// A visibility string longer than any real one is refused before it is used or stored.
pub fn check_visibility(visible: Option<&str>) -> Result<(), EngineError> {
    match visible {
        Some(v) if v.chars().count() > MAX_VISIBILITY_LEN => Err(EngineError::invalid(
            "visible_devices",
            format!(
                "visible_devices is {} characters long; at most {MAX_VISIBILITY_LEN} are accepted",
                v.chars().count()
            ),
        )),
        _ => Ok(()),
    }
}

/// Threads a run uses when it does not say (`cpu_threads = 0`): one per
/// physical core, as onnxruntime does: a second hyperthread on a core shares
/// its FMA units, so it adds contention, not throughput, to a GEMM.
pub fn default_threads(available_threads: usize) -> usize {
    physical_cores()
        .unwrap_or(available_threads)
        .clamp(1, available_threads.max(1))
}

/// Distinct (package, core) pairs in `/proc/cpuinfo`; `None` where that
/// file is missing or says nothing about cores (non-Linux, some VMs).
fn physical_cores() -> Option<usize> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let mut cores = std::collections::HashSet::new();
    let mut package = "";
    for line in text.lines() {
        let (key, value) = line.split_once(':').unwrap_or((line, ""));
        match key.trim() {
            "physical id" => package = value.trim(),
            "core id" => {
                cores.insert((package, value.trim()));
            }
            _ => {}
        }
    }
    (!cores.is_empty()).then_some(cores.len())
}

/// Number of cores the CPU backend may use.
pub fn available_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_counting_with_partial_last_batch() {
        assert_eq!(batch_counts(4096, 64), (64, 64));
        assert_eq!(batch_counts(100, 64), (2, 36));
        assert_eq!(batch_counts(1, 1024), (1, 1));
        assert_eq!(batch_counts(1025, 1024), (2, 1));
        assert_eq!(batch_counts(7, 1), (7, 1));
        assert_eq!(batch_counts(0, 8), (0, 0));
    }

    #[test]
    fn flops_format() {
        assert_eq!(fmt_flops(3.1e12), "3.10 TFLOP");
        assert_eq!(fmt_flops(0.5e12), "500 GFLOP");
    }
}
