//! Adapter discovery and honest labelling.
//!
//! "GPUs" for indexing are the adapters wgpu enumerates on Vulkan, Metal and
//! DX12 (GL is not compiled in), one entry per physical adapter: when the
//! same adapter shows up on two backends (Vulkan and DX12 on Windows) only
//! the first is kept. Physical index = position in that list.

use serde::Serialize;

use crate::visibility::{parse_visible_devices, Visibility};

/// Backends whose adapters count as GPUs.
pub(crate) const GPU_BACKENDS: wgpu::Backends =
    wgpu::Backends::VULKAN.union(wgpu::Backends::METAL).union(wgpu::Backends::DX12);

/// Label used for software adapters (lavapipe, SwiftShader, WARP...).
pub const SOFTWARE_LABEL: &str = "software GPU emulation running on the CPU";

/// One physical adapter as shown to users.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdapterEntry {
    pub physical_index: usize,
    /// Index under the visibility setting (`None` = hidden).
    pub visible_index: Option<usize>,
    pub name: String,
    pub backend: String,
    /// wgpu's device type: DiscreteGpu, IntegratedGpu, VirtualGpu, Cpu, Other.
    pub device_type: String,
    pub driver: String,
    pub driver_info: String,
    pub vendor_id: u32,
    pub device_id: u32,
    /// True for CPU-emulated adapters; their numbers measure the CPU.
    pub software: bool,
    /// Plain-language description ("software GPU emulation running on the CPU").
    pub label: String,
}

/// Where the visibility string that applied came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VisibilitySource {
    /// The request's own `visible_devices`.
    RequestOverride,
    /// The server's `LAB_VISIBLE_DEVICES`.
    ServerSetting,
    /// Neither was given: every GPU is visible.
    Unset,
}

/// Every adapter, which are visible, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceList {
    pub adapters: Vec<AdapterEntry>,
    pub visibility: Visibility,
    pub visibility_source: VisibilitySource,
    /// Cores available to the CPU backend.
    pub cpu_threads: usize,
}

impl DeviceList {
    /// Adapters in visible order (visible index 0 first).
    pub fn visible(&self) -> impl Iterator<Item = &AdapterEntry> {
        self.visibility.visible.iter().filter_map(|&p| self.adapters.get(p))
    }

    /// The message a GPU request gets when nothing is visible.
    pub fn no_gpu_message(&self) -> String {
        if self.adapters.is_empty() {
            return "no GPU adapter found on this machine (no Vulkan, Metal or DX12 adapter; \
                    on Linux install mesa-vulkan-drivers for lavapipe)"
                .to_string();
        }
        let setting = match self.visibility_source {
            VisibilitySource::RequestOverride => "visible_devices",
            _ => "LAB_VISIBLE_DEVICES",
        };
        let spec = self.visibility.spec.clone().unwrap_or_default();
        if spec.trim().is_empty() {
            format!("no GPU is visible: {setting}='{spec}' hides every GPU")
        } else {
            format!("no GPU is visible: {setting}='{spec}' selects none of the {} GPU(s) ({})",
                self.adapters.len(), self.visibility.explanation)
        }
    }
}

/// True for adapters that emulate a GPU on the CPU.
pub fn is_software(info: &wgpu::AdapterInfo) -> bool {
    let name = info.name.to_ascii_lowercase();
    info.device_type == wgpu::DeviceType::Cpu
        || ["llvmpipe", "lavapipe", "swiftshader", "softpipe", "microsoft basic render"]
            .iter()
            .any(|s| name.contains(s))
}

pub(crate) fn label_for(info: &wgpu::AdapterInfo) -> String {
    if is_software(info) {
        format!("{SOFTWARE_LABEL} ({})", info.name)
    } else {
        match info.device_type {
            wgpu::DeviceType::DiscreteGpu => "discrete GPU".to_string(),
            wgpu::DeviceType::IntegratedGpu => "integrated GPU (shares memory with the CPU)".to_string(),
            wgpu::DeviceType::VirtualGpu => "virtual GPU (passed through a hypervisor)".to_string(),
            _ => "GPU of unknown type".to_string(),
        }
    }
}

/// Enumerates physical adapters, deduplicating one adapter seen on two backends.
pub(crate) fn enumerate(instance: &wgpu::Instance) -> Vec<wgpu::Adapter> {
    let mut out: Vec<wgpu::Adapter> = Vec::new();
    let mut seen: Vec<(String, u32, u32, wgpu::DeviceType)> = Vec::new();
    for adapter in instance.enumerate_adapters(GPU_BACKENDS) {
        let info = adapter.get_info();
        let key = (info.name.clone(), info.vendor, info.device, info.device_type);
        if !seen.contains(&key) {
            seen.push(key);
            out.push(adapter);
        }
    }
    out
}

pub(crate) fn build_list(
    adapters: &[wgpu::Adapter],
    spec: Option<&str>,
    source: VisibilitySource,
    cpu_threads: usize,
) -> DeviceList {
    let visibility = parse_visible_devices(spec, adapters.len());
    let adapters = adapters
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let info = a.get_info();
            AdapterEntry {
                physical_index: i,
                visible_index: visibility.visible_index_of(i),
                name: info.name.clone(),
                backend: format!("{:?}", info.backend),
                device_type: format!("{:?}", info.device_type),
                driver: info.driver.clone(),
                driver_info: info.driver_info.clone(),
                vendor_id: info.vendor,
                device_id: info.device,
                software: is_software(&info),
                label: label_for(&info),
            }
        })
        .collect();
    DeviceList { adapters, visibility, visibility_source: source, cpu_threads }
}
