//! The WGSL kernels and their launch geometry.

use bytemuck::{Pod, Zeroable};

use crate::params::Kernel;

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

impl Kernel {
    pub(crate) fn wgsl(self) -> &'static str {
        match self {
            Kernel::Tiled => include_str!("shaders/tiled.wgsl"),
            Kernel::Naive => include_str!("shaders/naive.wgsl"),
        }
    }

    /// Output tile (rows, cols) one workgroup covers.
    pub(crate) fn tile(self) -> (u32, u32) {
        match self {
            Kernel::Tiled => (64, 64),
            Kernel::Naive => (16, 16),
        }
    }

    /// Bytes of workgroup (shared) memory the kernel declares.
    pub(crate) fn workgroup_storage_bytes(self) -> u32 {
        match self {
            Kernel::Tiled => 2 * 256 * 16,
            Kernel::Naive => 0,
        }
    }

    /// Workgroups to dispatch for an `m × n` output: (x over columns, y over rows).
    pub(crate) fn workgroups(self, m: u32, n: u32) -> (u32, u32) {
        let (tm, tn) = self.tile();
        (n.div_ceil(tn), m.div_ceil(tm))
    }
}
