//! The WGSL kernels, their launch geometry, and which one runs a layer.
//!
//! [`Kernel::Naive`] is one configuration (the lesson's baseline);
//! [`Kernel::Tiled`] picks per layer among several, by the layer's shape and
//! whether the adapter is a software one ([`choose`]), or by what autotune
//! measured on this adapter ([`crate::gpu::autotune`]). One WGSL source serves several configurations:
//! their shape constants are WGSL `override`s set when the pipeline is made.

use std::borrow::Cow;

use bytemuck::{Pod, Zeroable};

use lab_types::Kernel;

use super::regtile::{self, RegTile};

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

/// Overrides of `tiled.wgsl`: a `wg_x × wg_y` workgroup, each thread `rows`
/// rows (4 or 8: read from shared memory as vec4s of four rows) × 4 columns,
/// so the output tile is `(wg_y·rows) × (4·wg_x)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tile {
    pub wg_x: u32,
    pub wg_y: u32,
    pub rows: u32,
}

/// Overrides of `gemv.wgsl`: `cols` columns per workgroup, K split `slices` ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GemvShape {
    pub cols: u32,
    pub slices: u32,
}

/// One compiled kernel configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Config {
    /// One thread per output, operands from global memory.
    Naive,
    /// `tiled.wgsl`: shared-memory tiles of any shape its overrides allow,
    /// scalar global loads: any M, K, N.
    Tiled(Tile),
    /// 128×128 tiles, 8×8 per thread, vec4 loads, double-buffered shared
    /// memory: K and N multiples of 4, enough rows to fill the GPU. Not
    /// overridable: its staging maps exactly one vec4 of each slice to each
    /// of its 256 threads, and it runs without runtime checks.
    Tiled128,
    /// Split-K matrix-vector kernel for batches of at most 8 rows.
    Gemv(GemvShape),
    /// `regtile.rs`: 8-thread workgroups, each thread a block of rows ×
    /// column quads in registers, vec4 loads straight from global memory, no
    /// shared memory, no barriers: K and N multiples of 4. What the shape
    /// rule runs on software adapters, where shared memory buys nothing and
    /// every per-invocation load is a loop over SIMD lanes. With `shared_x`
    /// the 8 threads split the loads of x and pass rows round by subgroup
    /// broadcast: only where a subgroup is exactly the 8 threads. Runs
    /// without runtime checks, like `Tiled128` (its module says why that is
    /// safe); its shapes are the constants below.
    RegisterTile(RegTile),
}

/// Rows up to which the tiled kernel uses a GEMV configuration.
pub const GEMV_MAX_ROWS: u32 = 8;
/// Rows up to which narrower tiles may replace 64×64 ones (the small-batch path).
pub const SMALL_BATCH_MAX_ROWS: u32 = 256;
/// Workgroups a layer should give before a bigger tile is worth it: fewer
/// would leave SMs idle (an H100/H200 has 114–132). A shape heuristic; with
/// autotune on, measurements on the adapter replace it.
pub const MIN_WORKGROUPS: u32 = 128;
/// The most rows per thread `tiled.wgsl` has accumulator registers for.
pub const TILED_MAX_ROWS: u32 = 8;
/// K slice `tiled.wgsl` stages per step (its `TK`).
const TILED_TK: u32 = 16;
/// Rows `gemv.wgsl` keeps sums for (its `MAX_ROWS`).
const GEMV_ROWS: u32 = 8;
/// The most vec4 accumulators a register tile may keep per thread: its
/// source grows with them (512 is 2 × the largest measured, 64 × 8).
const REGTILE_MAX_ACCUMULATORS: u32 = 512;

/// Whether every subgroup on this adapter is exactly one register-tile
/// workgroup: then `subgroupBroadcast` from invocations 0–7 reaches all of
/// it and nothing else (lavapipe's subgroups are its 8 SIMD lanes).
fn subgroups_of_wg(limits: &wgpu::Limits) -> bool {
    limits.min_subgroup_size == regtile::WG && limits.max_subgroup_size == regtile::WG
}

impl Config {
    pub const TILED64: Config = Config::Tiled(Tile {
        wg_x: 16,
        wg_y: 16,
        rows: 4,
    });
    /// Small batches: half the rows of a 64×64 tile, twice the workgroups
    /// (and half the threads per workgroup: each keeps its 4×4 block).
    pub const TILED_32X64: Config = Config::Tiled(Tile {
        wg_x: 16,
        wg_y: 8,
        rows: 4,
    });
    pub const TILED_16X64: Config = Config::Tiled(Tile {
        wg_x: 16,
        wg_y: 4,
        rows: 4,
    });
    /// Small batches on wide layers: 16 rows, W slices twice as wide.
    pub const TILED_16X128: Config = Config::Tiled(Tile {
        wg_x: 32,
        wg_y: 4,
        rows: 4,
    });
    /// Narrow layers (a classifier's last, N ≤ 16): a 64-wide tile would
    /// stage and multiply mostly zero columns (on lavapipe 2.3× slower at
    /// 64 × 1024 → 10).
    pub const TILED_32X16: Config = Config::Tiled(Tile {
        wg_x: 4,
        wg_y: 8,
        rows: 4,
    });
    pub const GEMV: Config = Config::Gemv(GemvShape {
        cols: 32,
        slices: 8,
    });
    /// 64 columns per workgroup, K split 4 ways: half the workgroups, longer K runs.
    pub const GEMV_64X4: Config = Config::Gemv(GemvShape {
        cols: 64,
        slices: 4,
    });
    /// 32 rows × 8 column quads per thread (32 × 256 per workgroup), every
    /// thread loading its own x: for software adapters without subgroups.
    pub const REGISTER_32X256: Config = Config::RegisterTile(RegTile {
        rows: 32,
        quads: 8,
        shared_x: false,
    });
    /// 64 rows × 2 column quads per thread (64 × 64 per workgroup), x loaded
    /// once per subgroup: half the loads per FMA of `REGISTER_32X256` and half
    /// its accumulators (BENCHMARKS.md).
    pub const SUBGROUP_64X64: Config = Config::RegisterTile(RegTile {
        rows: 64,
        quads: 2,
        shared_x: true,
    });
    /// Batches of up to 8 rows: 8 rows × 8 column quads per thread, x loaded
    /// once per subgroup (64 rows would compute 8 times the outputs needed).
    pub const SUBGROUP_8X256: Config = Config::RegisterTile(RegTile {
        rows: 8,
        quads: 8,
        shared_x: true,
    });

    pub const ALL: [Config; 12] = [
        Config::Naive,
        Config::TILED64,
        Config::TILED_32X64,
        Config::TILED_16X64,
        Config::TILED_16X128,
        Config::TILED_32X16,
        Config::Tiled128,
        Config::GEMV,
        Config::GEMV_64X4,
        Config::REGISTER_32X256,
        Config::SUBGROUP_64X64,
        Config::SUBGROUP_8X256,
    ];

    pub fn name(self) -> String {
        match self {
            Config::Naive => "naive".into(),
            Config::Tiled(t) => {
                let (tm, tn) = self.tile();
                format!("tiled {tm}×{tn} ({}×{} threads)", t.wg_x, t.wg_y)
            }
            Config::Tiled128 => "tiled 128×128 vec4".into(),
            Config::Gemv(g) => format!("gemv {} cols, split-K {}", g.cols, g.slices),
            Config::RegisterTile(t) if t.shared_x => format!(
                "register tile {}×{} (x by subgroup broadcast)",
                t.rows,
                t.cols()
            ),
            Config::RegisterTile(t) => {
                format!("register tile {}×{} (no shared memory)", t.rows, t.cols())
            }
        }
    }

    /// The configurations a kernel choice may use.
    pub fn of(kernel: Kernel) -> &'static [Config] {
        match kernel {
            Kernel::Naive => &[Config::Naive],
            Kernel::Tiled => &Config::ALL_TILED,
        }
    }

    const ALL_TILED: [Config; 11] = [
        Config::TILED64,
        Config::TILED_32X64,
        Config::TILED_16X64,
        Config::TILED_16X128,
        Config::TILED_32X16,
        Config::Tiled128,
        Config::GEMV,
        Config::GEMV_64X4,
        Config::REGISTER_32X256,
        Config::SUBGROUP_64X64,
        Config::SUBGROUP_8X256,
    ];

    pub(crate) fn wgsl(self) -> Cow<'static, str> {
        match self {
            Config::Naive => include_str!("shaders/naive.wgsl").into(),
            Config::Tiled(_) => include_str!("shaders/tiled.wgsl").into(),
            Config::Tiled128 => include_str!("shaders/tiled128.wgsl").into(),
            Config::Gemv(_) => include_str!("shaders/gemv.wgsl").into(),
            Config::RegisterTile(t) => t.wgsl().into(),
        }
    }

    /// Whether the source needs subgroups of exactly [`regtile::WG`]
    /// invocations, which `validate` checks the adapter has.
    pub fn needs_subgroups(self) -> bool {
        matches!(self, Config::RegisterTile(t) if t.shared_x)
    }

    /// The WGSL `override` values this configuration sets at pipeline creation.
    pub fn overrides(self) -> Vec<(&'static str, f64)> {
        match self {
            Config::Tiled(t) => vec![
                ("WG_X", t.wg_x as f64),
                ("WG_Y", t.wg_y as f64),
                ("ROWS", t.rows as f64),
            ],
            Config::Gemv(g) => vec![("COLS", g.cols as f64), ("SLICES", g.slices as f64)],
            Config::Naive | Config::Tiled128 | Config::RegisterTile(_) => Vec::new(),
        }
    }

    /// Output tile (rows, cols) one workgroup covers.
    pub fn tile(self) -> (u32, u32) {
        match self {
            Config::Naive => (16, 16),
            Config::Tiled(t) => (t.wg_y * t.rows, t.wg_x * 4),
            Config::Tiled128 => (128, 128),
            Config::Gemv(g) => (GEMV_ROWS, g.cols),
            Config::RegisterTile(t) => (t.rows, t.cols()),
        }
    }

    /// Threads per workgroup (x, y).
    pub fn workgroup_size(self) -> (u32, u32) {
        match self {
            Config::Naive | Config::Tiled128 => (16, 16),
            Config::Tiled(t) => (t.wg_x, t.wg_y),
            Config::Gemv(g) => (g.cols, g.slices),
            Config::RegisterTile(_) => (regtile::WG, 1),
        }
    }

    /// Bytes of workgroup (shared) memory the kernel declares.
    pub fn workgroup_storage_bytes(self) -> u32 {
        match self {
            Config::Naive | Config::RegisterTile(_) => 0,
            Config::Tiled(t) => TILED_TK * (t.wg_y * t.rows + 4 * t.wg_x) * 4,
            Config::Tiled128 => (528 + 512) * 16,
            Config::Gemv(g) => g.slices * GEMV_ROWS * g.cols * 4,
        }
    }

    /// Whether this configuration can run an `m × k → n` layer at all.
    pub fn handles(self, m: u32, k: u32, n: u32) -> bool {
        match self {
            Config::Gemv(_) => m <= GEMV_MAX_ROWS,
            Config::Tiled128 | Config::RegisterTile(_) => {
                k.is_multiple_of(4) && n.is_multiple_of(4)
            }
            Config::Naive | Config::Tiled(_) => true,
        }
    }

    /// Checks the override values against what the WGSL source supports and
    /// the adapter's limits: a clear error instead of a failed (or, for an
    /// unchecked kernel, unsafe) pipeline.
    pub fn validate(self, limits: &wgpu::Limits) -> Result<(), String> {
        let name = self.name();
        match self {
            Config::Tiled(t) if t.wg_x == 0 || t.wg_y == 0 || t.rows == 0 => {
                return Err(format!(
                    "{name}: workgroup sizes and rows must be at least 1"
                ))
            }
            Config::Tiled(t) if t.rows > TILED_MAX_ROWS || !t.rows.is_multiple_of(4) => {
                return Err(format!(
                    "{name}: {} rows per thread, but tiled.wgsl reads rows in fours and holds \
                     at most {TILED_MAX_ROWS}: 4 or 8",
                    t.rows
                ))
            }
            Config::Gemv(g) if g.cols == 0 || g.slices == 0 => {
                return Err(format!("{name}: columns and slices must be at least 1"))
            }
            Config::RegisterTile(t) if t.rows == 0 || t.quads == 0 => {
                return Err(format!("{name}: rows and column quads must be at least 1"))
            }
            Config::RegisterTile(t) if t.accumulators() > REGTILE_MAX_ACCUMULATORS => {
                return Err(format!(
                    "{name}: {} accumulators per thread, at most {REGTILE_MAX_ACCUMULATORS} \
                     (each is a line of the generated source)",
                    t.accumulators()
                ))
            }
            Config::RegisterTile(_) if self.needs_subgroups() && !subgroups_of_wg(limits) => {
                return Err(format!(
                    "{name}: needs subgroups of exactly {} invocations; this adapter's are {}–{}",
                    regtile::WG,
                    limits.min_subgroup_size,
                    limits.max_subgroup_size
                ))
            }
            _ => {}
        }
        let (x, y) = self.workgroup_size();
        if x > limits.max_compute_workgroup_size_x
            || y > limits.max_compute_workgroup_size_y
            || x.saturating_mul(y) > limits.max_compute_invocations_per_workgroup
        {
            return Err(format!(
                "{name}: a {x}×{y} workgroup exceeds the adapter's limits ({}×{}, {} threads)",
                limits.max_compute_workgroup_size_x,
                limits.max_compute_workgroup_size_y,
                limits.max_compute_invocations_per_workgroup
            ));
        }
        let bytes = self.workgroup_storage_bytes();
        if bytes > limits.max_compute_workgroup_storage_size {
            return Err(format!(
                "{name}: needs {bytes} B of shared memory, the adapter has {}",
                limits.max_compute_workgroup_storage_size
            ));
        }
        Ok(())
    }

    /// Workgroups to dispatch for an `m × n` output: (x over columns, y over rows).
    pub fn workgroups(self, m: u32, n: u32) -> (u32, u32) {
        let (tm, tn) = self.tile();
        (n.div_ceil(tn), m.div_ceil(tm))
    }

    fn workgroup_count(self, m: u32, n: u32) -> u32 {
        let (x, y) = self.workgroups(m, n);
        x.saturating_mul(y)
    }
}

/// Tiles tried from big to small for 8 < m ≤ 256: the first that gives
/// [`MIN_WORKGROUPS`] wins, else the last (the most workgroups).
const SMALL_BATCH_LADDER: [Config; 3] = [Config::TILED64, Config::TILED_32X64, Config::TILED_16X64];

/// The configuration `kernel` runs an `m × k → n` layer with by the shape
/// rule, given which configurations this adapter could compile and whether
/// it is a software adapter (lavapipe: the CPU running the shader 8 lanes at
/// a time). There a register tile runs every layer it can (first measured
/// at 2.5–4× the 64×64 tiles at medium b = 64, 8× the GEMV at b = 1; its
/// 32 × 32 block per invocation 3.4× the first 8 × 8 on an AVX2-only CPU;
/// BENCHMARKS.md): where subgroups are the 8 lanes, the one that shares x
/// by broadcast (64 rows, or 8 for b ≤ 8: 1.47× and 2.4× the 32-row tile at
/// b = 64 and 8), else the 32-row one. The
/// rest get the GEMV (b ≤ 8), 32×16 tiles when N ≤ 16, else 64×64 tiles: a
/// 2-core "GPU" needs no more workgroups than cores, and a bigger tile loads
/// less per FMA.
pub fn choose(
    kernel: Kernel,
    m: u32,
    k: u32,
    n: u32,
    available: &[Config],
    software: bool,
) -> Config {
    let has = |c: &Config| available.contains(c);
    match kernel {
        Kernel::Naive => Config::Naive,
        Kernel::Tiled
            if software
                && m <= GEMV_MAX_ROWS
                && Config::SUBGROUP_8X256.handles(m, k, n)
                && has(&Config::SUBGROUP_8X256) =>
        {
            Config::SUBGROUP_8X256
        }
        Kernel::Tiled
            if software
                && Config::SUBGROUP_64X64.handles(m, k, n)
                && has(&Config::SUBGROUP_64X64) =>
        {
            Config::SUBGROUP_64X64
        }
        Kernel::Tiled
            if software
                && Config::REGISTER_32X256.handles(m, k, n)
                && has(&Config::REGISTER_32X256) =>
        {
            Config::REGISTER_32X256
        }
        Kernel::Tiled if m <= GEMV_MAX_ROWS && has(&Config::GEMV) => Config::GEMV,
        Kernel::Tiled if software && n <= 16 && has(&Config::TILED_32X16) => Config::TILED_32X16,
        Kernel::Tiled if software => Config::TILED64,
        Kernel::Tiled
            if Config::Tiled128.handles(m, k, n)
                && has(&Config::Tiled128)
                && Config::Tiled128.workgroup_count(m, n) >= MIN_WORKGROUPS =>
        {
            Config::Tiled128
        }
        Kernel::Tiled if m <= SMALL_BATCH_MAX_ROWS => {
            let ladder: Vec<Config> = SMALL_BATCH_LADDER.into_iter().filter(has).collect();
            ladder
                .iter()
                .copied()
                .find(|c| c.workgroup_count(m, n) >= MIN_WORKGROUPS)
                .or(ladder.last().copied())
                .unwrap_or(Config::TILED64)
        }
        Kernel::Tiled => Config::TILED64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiled_picks_by_shape() {
        let all = &Config::ALL;
        assert_eq!(
            choose(Kernel::Tiled, 1, 4096, 4096, all, false),
            Config::GEMV
        );
        assert_eq!(
            choose(Kernel::Tiled, 8, 784, 1024, all, false),
            Config::GEMV
        );
        // 9 rows of 1024 columns: 16 workgroups whichever the tile; 16×64
        // wastes the fewest rows.
        assert_eq!(
            choose(Kernel::Tiled, 9, 784, 1024, all, false),
            Config::TILED_16X64
        );
        // b = 64 on 4096 columns: 64 workgroups of 64×64, 128 of 32×64.
        assert_eq!(
            choose(Kernel::Tiled, 64, 4096, 4096, all, false),
            Config::TILED_32X64
        );
        assert_eq!(
            choose(Kernel::Tiled, 256, 4096, 4096, all, false),
            Config::TILED64
        );
        assert_eq!(
            choose(Kernel::Tiled, 1024, 4096, 4096, all, false),
            Config::Tiled128
        );
        // vec4 loads need K and N multiples of 4.
        assert_eq!(
            choose(Kernel::Tiled, 1024, 4097, 4096, all, false),
            Config::TILED64
        );
        assert_eq!(
            choose(Kernel::Tiled, 1024, 1024, 10, all, false),
            Config::TILED64
        );
        // An adapter without room for the big tile falls back.
        let small = &[Config::TILED64, Config::GEMV];
        assert_eq!(
            choose(Kernel::Tiled, 1024, 4096, 4096, small, false),
            Config::TILED64
        );
        assert_eq!(
            choose(Kernel::Tiled, 64, 4096, 4096, small, false),
            Config::TILED64
        );
        assert_eq!(
            choose(Kernel::Naive, 1, 4096, 4096, all, false),
            Config::Naive
        );
        // A hardware adapter never gets a register tile from the rule.
        for m in [1, 9, 64, 256, 1024] {
            assert!(!matches!(
                choose(Kernel::Tiled, m, 1024, 1024, all, false),
                Config::RegisterTile(_)
            ));
        }
    }

    #[test]
    fn software_adapters_get_the_register_tile_where_it_runs() {
        let all = &Config::ALL;
        let without_subgroups: Vec<Config> = all
            .iter()
            .copied()
            .filter(|c| !c.needs_subgroups())
            .collect();
        for m in [1, 8, 9, 64, 256, 1024] {
            let subgroup = if m <= 8 {
                Config::SUBGROUP_8X256
            } else {
                Config::SUBGROUP_64X64
            };
            assert_eq!(
                choose(Kernel::Tiled, m, 784, 1024, all, true),
                subgroup,
                "m = {m}"
            );
            assert_eq!(
                choose(Kernel::Tiled, m, 784, 1024, &without_subgroups, true),
                Config::REGISTER_32X256,
                "m = {m}"
            );
        }
        // N not a multiple of 4 (medium's last layer): GEMV, a narrow tile,
        // or the largest.
        assert_eq!(choose(Kernel::Tiled, 8, 1024, 10, all, true), Config::GEMV);
        assert_eq!(
            choose(Kernel::Tiled, 64, 1024, 10, all, true),
            Config::TILED_32X16
        );
        assert_eq!(
            choose(Kernel::Tiled, 64, 37, 129, all, true),
            Config::TILED64
        );
        // Without the register tile compiled, the same fallbacks.
        let small = &[Config::TILED64, Config::GEMV];
        assert_eq!(
            choose(Kernel::Tiled, 64, 784, 1024, small, true),
            Config::TILED64
        );
        assert_eq!(
            choose(Kernel::Naive, 64, 784, 1024, all, true),
            Config::Naive
        );
    }

    #[test]
    fn bad_overrides_are_refused() {
        let limits = wgpu::Limits::default();
        let roomy = wgpu::Limits {
            max_compute_workgroup_storage_size: 32 << 10,
            min_subgroup_size: 8,
            max_subgroup_size: 8,
            ..wgpu::Limits::default()
        };
        let tile = |wg_x, wg_y, rows| Config::Tiled(Tile { wg_x, wg_y, rows });
        for c in Config::ALL {
            assert_eq!(c.validate(&roomy), Ok(()), "{}", c.name());
        }
        assert!(tile(16, 16, 9)
            .validate(&limits)
            .unwrap_err()
            .contains("at most 8"));
        // Rows are read from shared memory four at a time.
        assert!(tile(16, 16, 2)
            .validate(&limits)
            .unwrap_err()
            .contains("4 or 8"));
        assert!(tile(0, 16, 4).validate(&limits).is_err());
        assert!(tile(32, 32, 4)
            .validate(&limits)
            .unwrap_err()
            .contains("threads"));
        // 16 × (4·8 + 4·64) × 4 B = 18 KiB > the default 16 KiB.
        assert!(tile(64, 4, 8)
            .validate(&limits)
            .unwrap_err()
            .contains("shared memory"));
        let gemv = Config::Gemv(GemvShape { cols: 0, slices: 8 });
        assert!(gemv.validate(&limits).is_err());
        // Shared x needs subgroups of exactly 8: not 4–8, not 32.
        for (min, max) in [(0, 0), (4, 8), (8, 16), (32, 32)] {
            let sizes = wgpu::Limits {
                min_subgroup_size: min,
                max_subgroup_size: max,
                ..roomy.clone()
            };
            assert!(Config::SUBGROUP_64X64
                .validate(&sizes)
                .unwrap_err()
                .contains("subgroups of exactly 8"));
            assert_eq!(Config::REGISTER_32X256.validate(&sizes), Ok(()));
        }
        let huge = Config::RegisterTile(RegTile {
            rows: 64,
            quads: 9,
            shared_x: false,
        });
        assert!(huge.validate(&roomy).unwrap_err().contains("at most 512"));
    }
}
