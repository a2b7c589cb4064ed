//! Compute pipelines: one shared bind-group layout, one [`KernelSet`] per
//! kernel choice (its configurations' pipelines), compiled on first use and
//! cached for the device's lifetime.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use crate::error::EngineError;
use crate::gpu::kernels::{self, Config};
use lab_types::Kernel;

pub struct Pipelines {
    pub layout: wgpu::BindGroupLayout,
    pipeline_layout: wgpu::PipelineLayout,
    compiled: HashMap<Kernel, Arc<KernelSet>>,
}

/// The compiled configurations of one kernel choice.
pub struct KernelSet {
    pub kernel: Kernel,
    pipelines: Vec<(Config, wgpu::ComputePipeline)>,
}

impl KernelSet {
    /// The configurations this adapter runs the kernel with.
    pub fn configs(&self) -> Vec<Config> {
        self.pipelines.iter().map(|(c, _)| *c).collect()
    }

    /// The configuration and pipeline for an `m × k → n` layer.
    pub fn for_layer(&self, m: u32, k: u32, n: u32) -> (Config, &wgpu::ComputePipeline) {
        let chosen = kernels::choose(self.kernel, m, k, n, &self.configs());
        let (c, p) = self
            .pipelines
            .iter()
            .find(|(c, _)| *c == chosen)
            .unwrap_or(&self.pipelines[0]);
        (*c, p)
    }
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
    pub fn new(device: &wgpu::Device) -> Pipelines {
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
        }
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
        for &config in Config::of(kernel) {
            let fits = config.workgroup_storage_bytes()
                <= limits.max_compute_workgroup_storage_size
                && limits.max_compute_invocations_per_workgroup >= 256
                && limits.max_compute_workgroup_size_x >= 32
                && limits.max_compute_workgroup_size_y >= 16;
            match (fits, config) {
                (true, _) => pipelines.push((config, self.compile(ctx_device, config)?)),
                // The big tile is an optimisation: without room for it, 64×64 serves.
                (false, Config::Tiled128) => {}
                (false, _) => {
                    return Err(EngineError::Gpu(format!(
                        "the adapter's compute limits are too small for the {} kernel (needs 32×8 and 16×16 workgroups, {} B shared memory)",
                        config.name(),
                        config.workgroup_storage_bytes()
                    )))
                }
            }
        }
        let set = Arc::new(KernelSet { kernel, pipelines });
        self.compiled.insert(kernel, set.clone());
        Ok((set, Some(start.elapsed().as_secs_f64() * 1e3)))
    }

    fn compile(
        &self,
        device: &wgpu::Device,
        config: Config,
    ) -> Result<wgpu::ComputePipeline, EngineError> {
        device.push_error_scope(wgpu::ErrorFilter::Validation);
        // Shader translation (WGSL → SPIR-V) and the driver's compile (LLVM
        // on lavapipe) both happen here: this is the "cold start" cost.
        let desc = wgpu::ShaderModuleDescriptor {
            label: Some(config.name()),
            source: wgpu::ShaderSource::Wgsl(config.wgsl().into()),
        };
        let module = match config {
            // SAFETY: tiled128.wgsl guards every global index with explicit
            // comparisons against m, k and n, the bindings hold at least
            // m×k, k×n, n and m×n floats (GpuModel sizes them and checks
            // m ≤ capacity before every batch), its shared-memory indices
            // are bounded by constants below the array lengths, and its K
            // loop runs ceil(k / 8) times: wgpu's clamps and loop counters
            // would only cost time (see the shader's header).
            Config::Tiled128 => unsafe {
                device.create_shader_module_trusted(desc, wgpu::ShaderRuntimeChecks::unchecked())
            },
            _ => device.create_shader_module(desc),
        };
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(config.name()),
            layout: Some(&self.pipeline_layout),
            module: &module,
            entry_point: Some("main"),
            compilation_options: Default::default(),
            cache: None,
        });
        if let Some(e) = pollster::block_on(device.pop_error_scope()) {
            return Err(EngineError::Internal(format!(
                "the {} kernel failed to compile: {e}",
                config.name()
            )));
        }
        Ok(pipeline)
    }
}
