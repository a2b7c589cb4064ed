//! A measured fp32 ceiling for adapters `crate::peak` does not know: the
//! FMA throughput of a kernel that does nothing else (`fma_peak.wgsl`).
//! It is an upper bound for any WGSL matmul on that adapter, so "% of
//! measured FMA peak" says how much of the reachable arithmetic a kernel
//! uses; it is not the datasheet peak.

use wgpu::util::DeviceExt;

use crate::error::EngineError;
use crate::gpu::context::GpuContext;
use crate::gpu::pass_timer::PassTimer;

/// FLOPs one thread does per `iters` step: 4 unrolled steps × 8 chains × 4 lanes × 2.
const FLOPS_PER_THREAD_STEP: f64 = 256.0;
const THREADS_PER_GROUP: u32 = 256;
/// A probe dispatch is grown until it takes this long, so launch cost is noise.
const TARGET_S: f64 = 0.02;

/// The probe's result.
#[derive(Debug, Clone, Copy)]
pub struct FmaPeak {
    pub gflops: f64,
    /// Timed by GPU timestamps (else by the host clock around submit + wait).
    pub by_timestamps: bool,
}

/// Repeated runs of the probe, for a median and a spread.
#[derive(Debug, Clone)]
pub struct FmaRuns {
    /// GFLOP/s of each timed dispatch, in the order they ran.
    pub gflops: Vec<f64>,
    pub by_timestamps: bool,
    /// FLOPs of one dispatch (sized to take at least 20 ms where the limits allow).
    pub flops_per_run: f64,
}

struct Probe {
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    iters: wgpu::Buffer,
    timer: PassTimer,
}

/// Measures the adapter's FMA throughput (best of three dispatches of at
/// least 20 ms each, or the largest dispatch the limits allow).
pub fn measure_fma_peak(ctx: &GpuContext) -> Result<FmaPeak, EngineError> {
    let runs = measure_fma_runs(ctx, 3)?;
    Ok(FmaPeak {
        gflops: runs.gflops.iter().copied().fold(0.0, f64::max),
        by_timestamps: runs.by_timestamps,
    })
}

/// Sizes the dispatch (the sizing runs double as warm-up), then times
/// `runs` dispatches of that size (at least one).
pub fn measure_fma_runs(ctx: &GpuContext, runs: usize) -> Result<FmaRuns, EngineError> {
    let probe = ctx.scoped("building the FMA probe", || Probe::new(ctx))?;
    let max_groups = ctx.limits.max_compute_workgroups_per_dimension.min(65_535);
    let (mut groups, mut iters) = (64u32, 64u32);
    let mut secs = probe.run(ctx, groups, iters)?;
    while secs < TARGET_S && (groups < max_groups || iters < 1 << 16) {
        if groups < max_groups {
            groups = (groups * 4).min(max_groups);
        } else {
            iters *= 4;
        }
        secs = probe.run(ctx, groups, iters)?;
    }
    let flops = groups as f64 * THREADS_PER_GROUP as f64 * iters as f64 * FLOPS_PER_THREAD_STEP;
    let mut gflops = Vec::with_capacity(runs.max(1));
    for _ in 0..runs.max(1) {
        gflops.push(flops / probe.run(ctx, groups, iters)? / 1e9);
    }
    Ok(FmaRuns {
        gflops,
        by_timestamps: probe.timer.by_timestamps(),
        flops_per_run: flops,
    })
}

impl Probe {
    fn new(ctx: &GpuContext) -> Probe {
        let device = &ctx.device;
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("fma peak"),
            source: wgpu::ShaderSource::Wgsl(include_str!("shaders/fma_peak.wgsl").into()),
        });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some("fma peak"),
            layout: None,
            module: &module,
            entry_point: Some("main"),
            compilation_options: Default::default(),
            cache: None,
        });
        let sink = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("fma sink"),
            size: 1 << 20,
            usage: wgpu::BufferUsages::STORAGE,
            mapped_at_creation: false,
        });
        let iters = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("fma iters"),
            contents: bytemuck::bytes_of(&[0u32; 4]),
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        });
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("fma peak"),
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: sink.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: iters.as_entire_binding(),
                },
            ],
        });
        Probe {
            pipeline,
            bind_group,
            iters,
            timer: PassTimer::new(ctx, "fma peak"),
        }
    }

    /// Seconds one dispatch of `groups` workgroups × `iters` steps takes.
    fn run(&self, ctx: &GpuContext, groups: u32, iters: u32) -> Result<f64, EngineError> {
        ctx.queue
            .write_buffer(&self.iters, 0, bytemuck::bytes_of(&[iters, 0, 0, 0]));
        self.timer.time(ctx, |pass| {
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, &self.bind_group, &[]);
            pass.dispatch_workgroups(groups, 1, 1);
        })
    }
}
