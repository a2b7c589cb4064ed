//! Compute pipelines: one shared bind-group layout, one [`KernelSet`] per
//! kernel choice (its configurations' pipelines), compiled on first use and
//! cached for the device's lifetime, with autotune's choices for it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use crate::error::EngineError;
use crate::gpu::autotune::{ShapeClass, Table};
use crate::gpu::kernels::{self, Config};
use lab_types::Kernel;

pub struct Pipelines {
    pub layout: wgpu::BindGroupLayout,
    pipeline_layout: wgpu::PipelineLayout,
    compiled: HashMap<Kernel, Arc<KernelSet>>,
    forced: HashMap<Config, Arc<KernelSet>>,
    /// The adapter emulates a GPU on the CPU: the shape rule picks for that.
    software: bool,
}

/// The compiled configurations of one kernel choice.
pub struct KernelSet {
    pub kernel: Kernel,
    pipelines: Vec<(Config, wgpu::ComputePipeline)>,
    /// Set by [`Pipelines::forced`]: this configuration runs every layer it
    /// can run; the shape rule picks for the others.
    forced: Option<Config>,
    /// Autotune's measured choices on this device (empty until it runs).
    pub autotune: Table,
    /// Compiled for a software adapter (see [`kernels::choose`]).
    pub software: bool,
}

impl KernelSet {
    /// The configurations this adapter runs the kernel with.
    pub fn configs(&self) -> Vec<Config> {
        self.pipelines.iter().map(|(c, _)| *c).collect()
    }

    /// The configuration the shape rule gives an `m × k → n` layer.
    pub fn rule(&self, m: u32, k: u32, n: u32) -> Config {
        kernels::choose(self.kernel, m, k, n, &self.configs(), self.software)
    }

    /// The compiled pipeline of `config`, if this adapter has it.
    pub fn pipeline(&self, config: Config) -> Option<&wgpu::ComputePipeline> {
        self.pipelines
            .iter()
            .find(|(c, _)| *c == config)
            .map(|(_, p)| p)
    }

    /// The configuration and pipeline for an `m × k → n` layer: autotune's
    /// choice for its shape class when there is one, else the shape rule's.
    pub fn for_layer(&self, m: u32, k: u32, n: u32) -> (Config, &wgpu::ComputePipeline) {
        let chosen = self
            .forced
            .or_else(|| self.autotune.choice(ShapeClass::of(m, k, n)))
            .filter(|c| c.handles(m, k, n))
            .unwrap_or_else(|| self.rule(m, k, n));
        match self.pipeline(chosen) {
            Some(p) => (chosen, p),
            None => (self.pipelines[0].0, &self.pipelines[0].1),
        }
    }
}

/// Whether `config` can run on this device: its values and the adapter's
/// limits (`Config::validate`), and for the subgroup tiles the device's
/// subgroup feature; why not, if it cannot.
fn runs_here(device: &wgpu::Device, limits: &wgpu::Limits, config: Config) -> Result<(), String> {
    config.validate(limits)?;
    if config.needs_subgroups() && !device.features().contains(wgpu::Features::SUBGROUP) {
        return Err(format!(
            "{}: needs subgroup operations, which this device lacks",
            config.name()
        ));
    }
    Ok(())
}

fn storage(binding: u32, read_only: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

impl Pipelines {
    /// `software`: the device is a software adapter (`devices::is_software`).
    pub fn new(device: &wgpu::Device, software: bool) -> Pipelines {
        // Both kernels use the same bindings, so bind groups work with either.
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("dense-layer"),
            entries: &[
                storage(0, true),  // x
                storage(1, true),  // W
                storage(2, true),  // bias
                storage(3, false), // y
                wgpu::BindGroupLayoutEntry {
                    binding: 4,
                    visibility: wgpu::ShaderStages::COMPUTE,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                    count: None,
                },
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("dense-layer"),
            bind_group_layouts: &[&layout],
            push_constant_ranges: &[],
        });
        Pipelines {
            layout,
            pipeline_layout,
            compiled: HashMap::new(),
            forced: HashMap::new(),
            software,
        }
    }

    /// The pipelines for `kernel` if they were compiled already.
    pub fn cached(&self, kernel: Kernel) -> Option<Arc<KernelSet>> {
        self.compiled.get(&kernel).cloned()
    }

    /// The pipelines for `kernel`, plus the milliseconds spent compiling
    /// them now (`None` when they were already cached).
    pub fn get(
        &mut self,
        ctx_device: &wgpu::Device,
        limits: &wgpu::Limits,
        kernel: Kernel,
    ) -> Result<(Arc<KernelSet>, Option<f64>), EngineError> {
        if let Some(p) = self.compiled.get(&kernel) {
            return Ok((p.clone(), None));
        }
        let start = Instant::now();
        let mut pipelines = Vec::new();
        // Where the subgroup tiles run, the 32 × 256 register tile is the
        // slower at every batch size measured (BENCHMARKS.md) and the rule
        // never picks it: not compiled (112 ms of a first run on lavapipe).
        let subgroup_tiles = runs_here(ctx_device, limits, Config::SUBGROUP_64X64).is_ok();
        for &config in Config::of(kernel) {
            if subgroup_tiles && config == Config::REGISTER_32X256 {
                continue;
            }
            match self.compile(ctx_device, limits, config) {
                Ok(p) => pipelines.push((config, p)),
                // 64×64 tiles and the 32-column GEMV serve every shape; the
                // others are optimisations an adapter may lack room for.
                Err(EngineError::InvalidParam { message, .. })
                    if ![Config::Naive, Config::TILED64, Config::GEMV].contains(&config) =>
                {
                    tracing::info!("skipping a kernel configuration: {message}");
                }
                Err(EngineError::InvalidParam { message, .. }) => {
                    return Err(EngineError::Gpu(format!(
                        "the adapter's compute limits are too small: {message}"
                    )))
                }
                Err(e) => return Err(e),
            }
        }
        let set = Arc::new(KernelSet {
            kernel,
            pipelines,
            forced: None,
            autotune: Table::default(),
            software: self.software,
        });
        self.compiled.insert(kernel, set.clone());
        Ok((set, Some(start.elapsed().as_secs_f64() * 1e3)))
    }

    /// A tiled kernel set that runs every layer it can with `config` (and
    /// the others with 64×64 tiles or GEMV): how tests and the bench reach
    /// each configuration. Cached like [`Pipelines::get`]'s sets.
    pub fn forced(
        &mut self,
        device: &wgpu::Device,
        limits: &wgpu::Limits,
        config: Config,
    ) -> Result<Arc<KernelSet>, EngineError> {
        if let Some(set) = self.forced.get(&config) {
            return Ok(set.clone());
        }
        let mut pipelines = vec![(config, self.compile(device, limits, config)?)];
        for fallback in [Config::TILED64, Config::GEMV] {
            if fallback != config {
                pipelines.push((fallback, self.compile(device, limits, fallback)?));
            }
        }
        let set = Arc::new(KernelSet {
            kernel: Kernel::Tiled,
            pipelines,
            forced: Some(config),
            autotune: Table::default(),
            software: self.software,
        });
        self.forced.insert(config, set.clone());
        Ok(set)
    }

    /// Compiles one configuration with its override values, after checking
    /// them (`InvalidParam` when the source or the adapter cannot take them).
    pub fn compile(
        &self,
        device: &wgpu::Device,
        limits: &wgpu::Limits,
        config: Config,
    ) -> Result<wgpu::ComputePipeline, EngineError> {
        runs_here(device, limits, config)
            .map_err(|message| EngineError::invalid("kernel configuration", message))?;
        let name = config.name();
        device.push_error_scope(wgpu::ErrorFilter::Validation);
        // Shader translation (WGSL → SPIR-V) and the driver's compile (LLVM
        // on lavapipe) both happen here: this is the "cold start" cost.
        let desc = wgpu::ShaderModuleDescriptor {
            label: Some(&name),
            source: wgpu::ShaderSource::Wgsl(config.wgsl()),
        };
        let module = match config {
            // SAFETY: tiled128.wgsl guards every global index with explicit
            // comparisons against m, k and n, the bindings hold at least
            // m×k, k×n, n and m×n floats (GpuModel sizes them and checks
            // m ≤ capacity before every batch), its shared-memory indices
            // are bounded by constants below the array lengths, and its K
            // loop runs ceil(k / 8) times: wgpu's clamps and loop counters
            // would only cost time (see the shader's header). It has no
            // override constants, so no pipeline value can change this.
            Config::Tiled128 => unsafe {
                device.create_shader_module_trusted(desc, wgpu::ShaderRuntimeChecks::unchecked())
            },
            // SAFETY: a register tile's WGSL (regtile.rs) clamps every
            // global read to the last row of x (m ≥ 1) and the last column
            // quad of W (n/4 ≥ 1; it returns early otherwise), reads bias at a
            // clamped quad, stores only rows < m and quads < n/4, walks K in
            // k/4 steps and has no arrays; `handles` (checked before any layer
            // runs it) guarantees K, N ≡ 0 mod 4, and the bindings hold m×k,
            // k×n, n and m×n floats as for tiled128. No override constants.
            // Its subgroup broadcasts (shared x) name invocations 0–7 by
            // constants, and `validate` above admits them only where every
            // subgroup is exactly the 8-invocation workgroup.
            // The checks cost it 10 % on lavapipe, the adapter it exists for.
            Config::RegisterTile(_) => unsafe {
                device.create_shader_module_trusted(desc, wgpu::ShaderRuntimeChecks::unchecked())
            },
            _ => device.create_shader_module(desc),
        };
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(&name),
            layout: Some(&self.pipeline_layout),
            module: &module,
            entry_point: Some("main"),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants: &config.overrides(),
                ..Default::default()
            },
            cache: None,
        });
        if let Some(e) = pollster::block_on(device.pop_error_scope()) {
            return Err(EngineError::Internal(format!(
                "the {name} kernel failed to compile: {e}"
            )));
        }
        Ok(pipeline)
    }
}
