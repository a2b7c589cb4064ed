//! The WGSL kernels and their launch geometry.

use bytemuck::{Pod, Zeroable};

use lab_types::Kernel;

/// Uniform block shared by both kernels (must match `struct Params` in WGSL).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct LayerParams {
    pub m: u32,
    pub k: u32,
    pub n: u32,
    /// 1 = apply ReLU (every layer but the last).
    pub relu: u32,
}

/// The WGSL source of a kernel.
pub(crate) fn wgsl(kernel: Kernel) -> &'static str {
    match kernel {
        Kernel::Tiled => include_str!("shaders/tiled.wgsl"),
        Kernel::Naive => include_str!("shaders/naive.wgsl"),
    }
}

/// Output tile (rows, cols) one workgroup covers.
pub(crate) fn tile(kernel: Kernel) -> (u32, u32) {
    match kernel {
        Kernel::Tiled => (64, 64),
        Kernel::Naive => (16, 16),
    }
}

/// Bytes of workgroup (shared) memory the kernel declares.
pub(crate) fn workgroup_storage_bytes(kernel: Kernel) -> u32 {
    match kernel {
        Kernel::Tiled => 2 * 256 * 16,
        Kernel::Naive => 0,
    }
}

/// Workgroups to dispatch for an `m × n` output: (x over columns, y over rows).
pub(crate) fn workgroups(kernel: Kernel, m: u32, n: u32) -> (u32, u32) {
    let (tm, tn) = tile(kernel);
    (n.div_ceil(tn), m.div_ceil(tm))
}
