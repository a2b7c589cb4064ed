//! The WGSL kernels, their launch geometry, and which one runs a layer.
//!
//! [`Kernel::Naive`] is one configuration (the lesson's baseline);
//! [`Kernel::Tiled`] picks per layer among three by the layer's shape.

use bytemuck::{Pod, Zeroable};

use lab_types::Kernel;

/// Uniform block shared by every kernel (must match `struct Params` in WGSL).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct LayerParams {
    pub m: u32,
    pub k: u32,
    pub n: u32,
    /// 1 = apply ReLU (every layer but the last).
    pub relu: u32,
}

/// One compiled kernel configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Config {
    /// One thread per output, operands from global memory.
    Naive,
    /// 64×64 tiles, 4×4 per thread, scalar loads: any shape.
    Tiled64,
    /// 128×128 tiles, 8×8 per thread, vec4 loads, double-buffered shared
    /// memory: K and N multiples of 4, enough rows to fill the GPU.
    Tiled128,
    /// Split-K matrix-vector kernel for batches of at most 8 rows.
    Gemv,
}

/// Rows up to which the tiled kernel uses [`Config::Gemv`].
pub const GEMV_MAX_ROWS: u32 = 8;
/// 128×128 tiles only once they give this many workgroups: fewer would leave
/// SMs idle (an H100/H200 has 114–132), where 64×64 tiles give four times as
/// many. A shape heuristic, not measured per adapter (no GPU was at hand).
pub const TILED128_MIN_WORKGROUPS: u32 = 128;

impl Config {
    pub const ALL: [Config; 4] = [
        Config::Naive,
        Config::Tiled64,
        Config::Tiled128,
        Config::Gemv,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Config::Naive => "naive",
            Config::Tiled64 => "tiled 64×64",
            Config::Tiled128 => "tiled 128×128",
            Config::Gemv => "gemv",
        }
    }

    /// The configurations a kernel choice may use.
    pub fn of(kernel: Kernel) -> &'static [Config] {
        match kernel {
            Kernel::Naive => &[Config::Naive],
            Kernel::Tiled => &[Config::Tiled64, Config::Tiled128, Config::Gemv],
        }
    }

    pub(crate) fn wgsl(self) -> &'static str {
        match self {
            Config::Naive => include_str!("shaders/naive.wgsl"),
            Config::Tiled64 => include_str!("shaders/tiled.wgsl"),
            Config::Tiled128 => include_str!("shaders/tiled128.wgsl"),
            Config::Gemv => include_str!("shaders/gemv.wgsl"),
        }
    }

    /// Output tile (rows, cols) one workgroup covers.
    pub fn tile(self) -> (u32, u32) {
        match self {
            Config::Naive => (16, 16),
            Config::Tiled64 => (64, 64),
            Config::Tiled128 => (128, 128),
            Config::Gemv => (GEMV_MAX_ROWS, 32),
        }
    }

    /// Bytes of workgroup (shared) memory the kernel declares.
    pub fn workgroup_storage_bytes(self) -> u32 {
        match self {
            Config::Naive => 0,
            Config::Tiled64 => 2 * 256 * 16,
            Config::Tiled128 => (528 + 512) * 16,
            Config::Gemv => 2048 * 4,
        }
    }

    /// Workgroups to dispatch for an `m × n` output: (x over columns, y over rows).
    pub fn workgroups(self, m: u32, n: u32) -> (u32, u32) {
        let (tm, tn) = self.tile();
        (n.div_ceil(tn), m.div_ceil(tm))
    }
}

/// The configuration `kernel` runs an `m × k → n` layer with, given which
/// configurations this adapter could compile.
pub fn choose(kernel: Kernel, m: u32, k: u32, n: u32, available: &[Config]) -> Config {
    let has = |c| available.contains(&c);
    match kernel {
        Kernel::Naive => Config::Naive,
        Kernel::Tiled if m <= GEMV_MAX_ROWS && has(Config::Gemv) => Config::Gemv,
        Kernel::Tiled
            if k.is_multiple_of(4)
                && n.is_multiple_of(4)
                && has(Config::Tiled128)
                && Config::Tiled128.workgroups(m, n).0 * Config::Tiled128.workgroups(m, n).1
                    >= TILED128_MIN_WORKGROUPS =>
        {
            Config::Tiled128
        }
        Kernel::Tiled => Config::Tiled64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiled_picks_by_shape() {
        let all = &Config::ALL;
        assert_eq!(choose(Kernel::Tiled, 1, 4096, 4096, all), Config::Gemv);
        assert_eq!(choose(Kernel::Tiled, 8, 784, 1024, all), Config::Gemv);
        assert_eq!(choose(Kernel::Tiled, 9, 784, 1024, all), Config::Tiled64);
        assert_eq!(choose(Kernel::Tiled, 64, 4096, 4096, all), Config::Tiled64);
        assert_eq!(
            choose(Kernel::Tiled, 1024, 4096, 4096, all),
            Config::Tiled128
        );
        // vec4 loads need K and N multiples of 4.
        assert_eq!(
            choose(Kernel::Tiled, 1024, 4097, 4096, all),
            Config::Tiled64
        );
        assert_eq!(choose(Kernel::Tiled, 1024, 1024, 10, all), Config::Tiled64);
        // An adapter without room for the big tile falls back.
        let small = &[Config::Tiled64, Config::Gemv];
        assert_eq!(
            choose(Kernel::Tiled, 1024, 4096, 4096, small),
            Config::Tiled64
        );
        assert_eq!(choose(Kernel::Naive, 1, 4096, 4096, all), Config::Naive);
    }
}
