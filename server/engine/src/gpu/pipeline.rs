//! Compute pipelines: one shared bind-group layout, one pipeline per kernel,
//! compiled on first use and cached for the device's lifetime.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use crate::error::EngineError;
use crate::gpu::kernels;
use lab_types::Kernel;

pub struct Pipelines {
    pub layout: wgpu::BindGroupLayout,
    pipeline_layout: wgpu::PipelineLayout,
    compiled: HashMap<Kernel, Arc<wgpu::ComputePipeline>>,
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

    /// The pipeline for `kernel`, plus the milliseconds spent compiling it
    /// now (`None` when it was already cached).
    pub fn get(
        &mut self,
        ctx_device: &wgpu::Device,
        limits: &wgpu::Limits,
        kernel: Kernel,
    ) -> Result<(Arc<wgpu::ComputePipeline>, Option<f64>), EngineError> {
        if let Some(p) = self.compiled.get(&kernel) {
            return Ok((p.clone(), None));
        }
        if kernels::workgroup_storage_bytes(kernel) > limits.max_compute_workgroup_storage_size
            || limits.max_compute_invocations_per_workgroup < 256
            || limits.max_compute_workgroup_size_x < 16
            || limits.max_compute_workgroup_size_y < 16
        {
            return Err(EngineError::Gpu(format!(
                "the adapter's compute limits are too small for the {} kernel (needs 16×16 workgroups, {} B shared memory)",
                kernel.name(),
                kernels::workgroup_storage_bytes(kernel)
            )));
        }
        let start = Instant::now();
        ctx_device.push_error_scope(wgpu::ErrorFilter::Validation);
        // Shader translation (WGSL → SPIR-V) and the driver's compile (LLVM
        // on lavapipe) both happen here: this is the "cold start" cost.
        let module = ctx_device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(kernel.name()),
            source: wgpu::ShaderSource::Wgsl(kernels::wgsl(kernel).into()),
        });
        let pipeline = ctx_device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(kernel.name()),
            layout: Some(&self.pipeline_layout),
            module: &module,
            entry_point: Some("main"),
            compilation_options: Default::default(),
            cache: None,
        });
        if let Some(e) = pollster::block_on(ctx_device.pop_error_scope()) {
            return Err(EngineError::Internal(format!(
                "the {} kernel failed to compile: {e}",
                kernel.name()
            )));
        }
        let pipeline = Arc::new(pipeline);
        self.compiled.insert(kernel, pipeline.clone());
        Ok((pipeline, Some(start.elapsed().as_secs_f64() * 1e3)))
    }
}
