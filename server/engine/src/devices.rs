//! Adapter discovery and honest labelling.
//!
//! "GPUs" for indexing are the adapters wgpu enumerates on Vulkan, Metal and
//! DX12 (GL is not compiled in), one entry per physical adapter: when the
//! same adapter shows up on two backends (Vulkan and DX12 on Windows) only
//! the first is kept. Physical index = position in that list.

use lab_types::{AdapterEntry, DeviceList, VisibilitySource, SOFTWARE_LABEL};

use crate::visibility::parse_visible_devices;

/// Backends whose adapters count as GPUs.
pub(crate) const GPU_BACKENDS: wgpu::Backends = wgpu::Backends::VULKAN
    .union(wgpu::Backends::METAL)
    .union(wgpu::Backends::DX12);

/// A wgpu instance over the GPU backends.
pub fn new_instance() -> wgpu::Instance {
    wgpu::Instance::new(&wgpu::InstanceDescriptor {
        backends: GPU_BACKENDS,
        // No validation layers by default (they are slow and rarely installed);
        // WGPU_DEBUG / WGPU_VALIDATION still switch them on.
        flags: wgpu::InstanceFlags::empty().with_env(),
        ..Default::default()
    })
}

/// True for adapters that emulate a GPU on the CPU.
pub fn is_software(info: &wgpu::AdapterInfo) -> bool {
    let name = info.name.to_ascii_lowercase();
    info.device_type == wgpu::DeviceType::Cpu
        || [
            "llvmpipe",
            "lavapipe",
            "swiftshader",
            "softpipe",
            "microsoft basic render",
        ]
        .iter()
        .any(|s| name.contains(s))
}

pub(crate) fn label_for(info: &wgpu::AdapterInfo) -> String {
    if is_software(info) {
        format!("{SOFTWARE_LABEL} ({})", info.name)
    } else {
        match info.device_type {
            wgpu::DeviceType::DiscreteGpu => "discrete GPU".to_string(),
            wgpu::DeviceType::IntegratedGpu => {
                "integrated GPU (shares memory with the CPU)".to_string()
            }
            wgpu::DeviceType::VirtualGpu => "virtual GPU (passed through a hypervisor)".to_string(),
            _ => "GPU of unknown type".to_string(),
        }
    }
}

/// Enumerates physical adapters, deduplicating one adapter seen on two backends.
pub fn enumerate(instance: &wgpu::Instance) -> Vec<wgpu::Adapter> {
    let mut out: Vec<wgpu::Adapter> = Vec::new();
    let mut seen: Vec<(String, u32, u32, wgpu::DeviceType)> = Vec::new();
    for adapter in instance.enumerate_adapters(GPU_BACKENDS) {
        let info = adapter.get_info();
        let key = (
            info.name.clone(),
            info.vendor,
            info.device,
            info.device_type,
        );
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
    DeviceList::new(adapters, visibility, source, cpu_threads)
}
