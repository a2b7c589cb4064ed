//! [`Catalog`]: what a lab host offers, as data: its adapters, its limits and
//! its visibility setting. Every check that decides whether a request may run
//! (which GPU it gets under `CUDA_VISIBLE_DEVICES` rules, the limits sized to
//! that GPU, a software adapter) is answered here, without a wgpu instance.
//!
//! The engine builds one from the adapters it enumerated; a lab worker
//! advertises it (as JSON, in `lab_workers`), so that a web instance without a
//! GPU validates requests and lists devices exactly as the worker would.

use lab_types::{AdapterEntry, DeviceList, RunParams, TimingParams, VisibilitySource};
use serde::{Deserialize, Serialize};

use crate::error::EngineError;
use crate::limits::{check_visibility, Limits, Plan, MAX_VISIBILITY_LEN};
use crate::playground::KernelLimits;
use crate::visibility::parse_visible_devices;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// Every adapter by physical index (their `visible_index` is recomputed
    /// per request).
    pub adapters: Vec<AdapterEntry>,
    /// The host's `LAB_VISIBLE_DEVICES` (`None` = unset).
    pub visible_devices: Option<String>,
    /// Per-request bounds before sizing to an adapter.
    pub limits: Limits,
    /// Cores the CPU backend may use.
    pub cpu_threads: usize,
}

impl Catalog {
    fn visibility_spec<'a>(
        &'a self,
        request: Option<&'a str>,
    ) -> (Option<&'a str>, VisibilitySource) {
        match (request, self.visible_devices.as_deref()) {
            (Some(r), _) => (Some(r), VisibilitySource::RequestOverride),
            (None, Some(s)) => (Some(s), VisibilitySource::ServerSetting),
            (None, None) => (None, VisibilitySource::Unset),
        }
    }

    /// Every adapter with its physical and visible index, under the request's
    /// visibility override or else the host's setting.
    pub fn devices(&self, visibility_override: Option<&str>) -> DeviceList {
        let (spec, source) = self.visibility_spec(visibility_override);
        // An over-long string hides every GPU (requests carrying one are
        // refused by `check` before they get here; this keeps the bound).
        let spec = match spec {
            Some(s) if s.chars().count() > MAX_VISIBILITY_LEN => Some(""),
            other => other,
        };
        let visibility = parse_visible_devices(spec, self.adapters.len());
        let adapters = self
            .adapters
            .iter()
            .map(|a| AdapterEntry {
                visible_index: visibility.visible_index_of(a.physical_index),
                ..a.clone()
            })
            .collect();
        DeviceList::new(adapters, visibility, source, self.cpu_threads)
    }

    /// The GPU a run uses: visible index 0 (like `cuda:0`).
    pub fn visible_gpu(&self, visibility: Option<&str>) -> Result<AdapterEntry, EngineError> {
        let list = self.devices(visibility);
        list.first_visible().cloned().ok_or_else(|| {
            EngineError::NoGpuVisible(list.no_gpu_message.clone().unwrap_or_default())
        })
    }

    /// Whether any GPU is visible under the host's own setting.
    pub fn has_gpu(&self) -> bool {
        self.visible_gpu(None).is_ok()
    }

    /// The limits for requests under `visibility`: sized to the GPU they would
    /// run on (a hardware GPU gets larger GPU budgets than a software one).
    pub fn limits_for(&self, visibility: Option<&str>) -> Limits {
        match self.visible_gpu(visibility) {
            Ok(gpu) => self.limits.for_adapter(&gpu.device_type, gpu.software),
            Err(_) => self.limits.clone(),
        }
    }

    /// Whether a GPU request under `visibility` would run on a software
    /// adapter, i.e. on the same CPU cores a CPU run uses.
    pub fn gpu_is_software(&self, visibility: Option<&str>) -> bool {
        self.visible_gpu(visibility)
            .map(|g| g.software)
            .unwrap_or(false)
    }

    /// Validates one run against the limits of the device it would run on
    /// (a CPU-only run never looks at the adapters).
    pub fn check(&self, p: &RunParams) -> Result<Plan, EngineError> {
        check_visibility(p.visible_devices.as_deref())?;
        let limits = if p.device.uses_gpu() {
            self.limits_for(p.visible_devices.as_deref())
        } else {
            self.limits.clone()
        };
        limits.check(p, self.cpu_threads)
    }

    /// Validates every run of a request, then their total (a sweep is one
    /// request: its points share one budget).
    pub fn check_all(&self, runs: &[RunParams]) -> Result<(), EngineError> {
        let mut plans = Vec::with_capacity(runs.len());
        for p in runs {
            plans.push((p.clone(), self.check(p)?));
        }
        let limits = match runs.first() {
            Some(p) if p.device.uses_gpu() => self.limits_for(p.visible_devices.as_deref()),
            _ => self.limits.clone(),
        };
        limits.check_total(&plans)
    }

    /// Checks the timing demo's parameters, the visible GPU and its budget.
    pub fn check_timing_demo(&self, p: &TimingParams) -> Result<(), EngineError> {
        check_visibility(p.visible_devices.as_deref())?;
        let gpu = self.visible_gpu(p.visible_devices.as_deref())?;
        self.limits
            .for_adapter(&gpu.device_type, gpu.software)
            .check_demo(p)
    }

    /// The bounds a learner's kernel gets on the first GPU under `visibility`.
    pub fn kernel_limits(&self, visibility: Option<&str>) -> KernelLimits {
        KernelLimits::for_adapter(self.gpu_is_software(visibility))
    }
}
