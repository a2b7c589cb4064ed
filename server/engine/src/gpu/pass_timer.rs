//! Times one compute pass: by GPU timestamps around the pass when the
//! device has them, else by the host clock around submit + wait (which then
//! includes the submit's own cost). Shared by the probes that measure the
//! device's ceilings (`fma_probe`, `roofs::gpu_memory`).

use std::sync::mpsc;
use std::time::Instant;

use crate::error::EngineError;
use crate::gpu::context::GpuContext;
use crate::gpu::slot::receive_mapping;

pub(crate) struct PassTimer {
    label: &'static str,
    /// Query set, resolve target and the mappable copy of it.
    timestamps: Option<(wgpu::QuerySet, wgpu::Buffer, wgpu::Buffer)>,
}

impl PassTimer {
    /// Allocates the queries (call inside `ctx.scoped`).
    pub fn new(ctx: &GpuContext, label: &'static str) -> PassTimer {
        let device = &ctx.device;
        let timestamps = ctx.timestamps.then(|| {
            let buffer = |usage| {
                device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some(label),
                    size: 16,
                    usage,
                    mapped_at_creation: false,
                })
            };
            (
                device.create_query_set(&wgpu::QuerySetDescriptor {
                    label: Some(label),
                    ty: wgpu::QueryType::Timestamp,
                    count: 2,
                }),
                buffer(wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC),
                buffer(wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST),
            )
        });
        PassTimer { label, timestamps }
    }

    pub fn by_timestamps(&self) -> bool {
        self.timestamps.is_some()
    }

    /// How the passes are timed, in the words a report shows.
    pub fn method(&self) -> &'static str {
        if self.by_timestamps() {
            "GPU timestamps around the pass"
        } else {
            "the host clock around submit + wait (no timestamp queries)"
        }
    }

    /// Records one compute pass with `record`, submits it, waits (bounded by
    /// the context's wait limit) and returns how long the pass took, seconds.
    pub fn time(
        &self,
        ctx: &GpuContext,
        record: impl FnOnce(&mut wgpu::ComputePass<'_>),
    ) -> Result<f64, EngineError> {
        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some(self.label),
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
                label: Some(self.label),
                timestamp_writes,
            });
            record(&mut pass);
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
        // A driver that reports zero-length passes would give an infinite rate.
        Ok(if ns > 0.0 { ns / 1e9 } else { wall })
    }
}
