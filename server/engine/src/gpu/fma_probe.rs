//! A measured fp32 ceiling for adapters `crate::peak` does not know: the
//! FMA throughput of a kernel that does nothing else (`fma_peak.wgsl`).
//! It is an upper bound for any WGSL matmul on that adapter, so "% of
//! measured FMA peak" says how much of the reachable arithmetic a kernel
//! uses; it is not the datasheet peak.

use std::sync::mpsc;
use std::time::Instant;

use wgpu::util::DeviceExt;

use crate::error::EngineError;
use crate::gpu::context::GpuContext;
use crate::gpu::slot::receive_mapping;

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

struct Probe<'a> {
    ctx: &'a GpuContext,
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    iters: wgpu::Buffer,
    timestamps: Option<(wgpu::QuerySet, wgpu::Buffer, wgpu::Buffer)>,
}

/// Measures the adapter's FMA throughput (best of three dispatches of at
/// least 20 ms each, or the largest dispatch the limits allow).
pub fn measure_fma_peak(ctx: &GpuContext) -> Result<FmaPeak, EngineError> {
    let probe = ctx.scoped("building the FMA probe", || Probe::new(ctx))?;
    let max_groups = ctx.limits.max_compute_workgroups_per_dimension.min(65_535);
    let (mut groups, mut iters) = (64u32, 64u32);
    let mut secs = probe.run(groups, iters)?;
    while secs < TARGET_S && (groups < max_groups || iters < 1 << 16) {
        if groups < max_groups {
            groups = (groups * 4).min(max_groups);
        } else {
            iters *= 4;
        }
        secs = probe.run(groups, iters)?;
    }
    let mut best = secs;
    for _ in 0..2 {
        best = best.min(probe.run(groups, iters)?);
    }
    let flops = groups as f64 * THREADS_PER_GROUP as f64 * iters as f64 * FLOPS_PER_THREAD_STEP;
    Ok(FmaPeak {
        gflops: flops / best / 1e9,
        by_timestamps: probe.timestamps.is_some(),
    })
}

impl<'a> Probe<'a> {
    fn new(ctx: &'a GpuContext) -> Probe<'a> {
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
        let timestamps = ctx.timestamps.then(|| {
            let buffer = |label, usage| {
                device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some(label),
                    size: 16,
                    usage,
                    mapped_at_creation: false,
                })
            };
            (
                device.create_query_set(&wgpu::QuerySetDescriptor {
                    label: Some("fma peak"),
                    ty: wgpu::QueryType::Timestamp,
                    count: 2,
                }),
                buffer(
                    "fma resolve",
                    wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
                ),
                buffer(
                    "fma read",
                    wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                ),
            )
        });
        Probe {
            ctx,
            pipeline,
            bind_group,
            iters,
            timestamps,
        }
    }

    /// Seconds one dispatch of `groups` workgroups × `iters` steps takes.
    fn run(&self, groups: u32, iters: u32) -> Result<f64, EngineError> {
        let ctx = self.ctx;
        ctx.queue
            .write_buffer(&self.iters, 0, bytemuck::bytes_of(&[iters, 0, 0, 0]));
        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("fma peak"),
            });
        {
            let timestamp_writes =
                self.timestamps
                    .as_ref()
                    .map(|(set, _, _)| wgpu::ComputePassTimestampWrites {
                        query_set: set,
                        beginning_of_pass_write_index: Some(0),
                        end_of_pass_write_index: Some(1),
                    });
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("fma peak"),
                timestamp_writes,
            });
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, &self.bind_group, &[]);
            pass.dispatch_workgroups(groups, 1, 1);
        }
        if let Some((set, resolve, read)) = &self.timestamps {
            encoder.resolve_query_set(set, 0..2, resolve, 0);
            encoder.copy_buffer_to_buffer(resolve, 0, read, 0, 16);
        }
        let start = Instant::now();
        ctx.queue.submit([encoder.finish()]);
        ctx.wait()?;
        let wall = start.elapsed().as_secs_f64();
        let Some((_, _, read)) = &self.timestamps else {
            return Ok(wall);
        };
        let (tx, rx) = mpsc::channel();
        read.slice(..).map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        ctx.wait()?;
        receive_mapping(ctx, &rx)?;
        let ticks: [u64; 2] = {
            let view = read.slice(..).get_mapped_range();
            let v: &[u64] = bytemuck::cast_slice(&view);
            [v[0], v[1]]
        };
        read.unmap();
        let ns = ticks[1].saturating_sub(ticks[0]) as f64 * ctx.timestamp_period_ns;
        // A driver that reports zero-length passes would give an infinite peak.
        Ok(if ns > 0.0 { ns / 1e9 } else { wall })
    }
}
