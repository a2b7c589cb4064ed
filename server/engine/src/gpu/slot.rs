//! The buffers one batch in flight needs: activations, per-layer uniforms,
//! bind groups, a readback staging buffer and timestamp queries. One slot
//! serves the synchronous loops; the pipelined loop rotates through several
//! so a batch can be recorded while earlier ones still run.

use std::sync::mpsc;
use std::time::Duration;

use wgpu::util::DeviceExt;

use crate::error::EngineError;
use crate::gpu::context::GpuContext;
use crate::gpu::kernels::LayerParams;
use crate::gpu::pipeline::KernelSet;

/// A layer's weights on the device (shared by every slot).
pub(crate) struct GpuLayer {
    pub weights: wgpu::Buffer,
    pub bias: wgpu::Buffer,
    pub k: u32,
    pub n: u32,
    pub relu: bool,
}

/// One layer run with one configuration, repeated: what autotune times.
pub(crate) struct LayerProbe<'a> {
    pub layer: usize,
    pub m: usize,
    pub config: crate::gpu::kernels::Config,
    pub pipeline: &'a wgpu::ComputePipeline,
    pub dispatches: u32,
}

/// A submitted batch whose staging buffer is being mapped.
struct Pending {
    m: usize,
    index: wgpu::SubmissionIndex,
    mapped: mpsc::Receiver<Result<(), wgpu::BufferAsyncError>>,
}

pub(crate) struct Slot {
    /// Ping-pong activations; the input is written into `act[0]`.
    pub act: [wgpu::Buffer; 2],
    /// Per-layer `LayerParams`, and the batch size each currently holds
    /// (rewritten only when it changes, i.e. for a partial last batch).
    params: Vec<(wgpu::Buffer, u32)>,
    bind_groups: Vec<wgpu::BindGroup>,
    /// MAP_READ target: outputs at 0, the two timestamps at `ts_offset`, so
    /// one map brings back both.
    pub staging: wgpu::Buffer,
    pub ts_offset: u64,
    timestamps: Option<(wgpu::QuerySet, wgpu::Buffer)>,
    pending: Option<Pending>,
}

/// How long a mapping may lag behind the wait that completed its submission
/// (wgpu runs the callback inside that wait, so this is only a safety net).
const MAP_GRACE: Duration = Duration::from_secs(1);

pub(crate) fn f32_bytes(n: usize) -> u64 {
    n as u64 * 4
}

fn entry(binding: u32, buffer: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: buffer.as_entire_binding(),
    }
}

impl Slot {
    /// Allocates a slot for `capacity` items (call inside `ctx.scoped`).
    pub fn new(
        ctx: &GpuContext,
        layers: &[GpuLayer],
        capacity: usize,
        max_width: usize,
        out_width: usize,
    ) -> Slot {
        let act = [0, 1].map(|_| {
            ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("activations"),
                // Whole vec4s: the 128×128 kernel binds activations as array<vec4<f32>>.
                size: f32_bytes(capacity * max_width).next_multiple_of(16),
                usage: wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::COPY_DST
                    | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            })
        });
        let params: Vec<(wgpu::Buffer, u32)> = layers
            .iter()
            .map(|l| {
                let p = LayerParams {
                    m: 0,
                    k: l.k,
                    n: l.n,
                    relu: l.relu as u32,
                };
                let buf = ctx
                    .device
                    .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                        label: Some("layer params"),
                        contents: bytemuck::bytes_of(&p),
                        usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                    });
                (buf, 0)
            })
            .collect();
        let bind_groups = layers
            .iter()
            .zip(&params)
            .enumerate()
            .map(|(i, (l, (p, _)))| {
                ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("dense-layer"),
                    layout: &ctx.pipelines.layout,
                    entries: &[
                        entry(0, &act[i % 2]),
                        entry(1, &l.weights),
                        entry(2, &l.bias),
                        entry(3, &act[(i + 1) % 2]),
                        entry(4, p),
                    ],
                })
            })
            .collect();
        // Timestamps are u64: their place in the mapped range must be 8-aligned.
        let ts_offset = f32_bytes(capacity * out_width).next_multiple_of(8);
        let staging = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback staging"),
            size: ts_offset + 16,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let timestamps = ctx.timestamps.then(|| {
            (
                ctx.device.create_query_set(&wgpu::QuerySetDescriptor {
                    label: Some("compute pass"),
                    ty: wgpu::QueryType::Timestamp,
                    count: 2,
                }),
                ctx.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("timestamp resolve"),
                    size: 16,
                    usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
                    mapped_at_creation: false,
                }),
            )
        });
        Slot {
            act,
            params,
            bind_groups,
            staging,
            ts_offset,
            timestamps,
            pending: None,
        }
    }

    pub fn busy(&self) -> bool {
        self.pending.is_some()
    }

    /// Sets every layer's uniform to `m` rows where it holds another count.
    fn write_params(&mut self, ctx: &GpuContext, layers: &[GpuLayer], m: usize) {
        for (l, (buf, written)) in layers.iter().zip(&mut self.params) {
            if *written != m as u32 {
                let p = LayerParams {
                    m: m as u32,
                    k: l.k,
                    n: l.n,
                    relu: l.relu as u32,
                };
                // Lands before this batch's submit (queue writes are staged).
                ctx.queue.write_buffer(buf, 0, bytemuck::bytes_of(&p));
                *written = m as u32;
            }
        }
    }

    /// Records `dispatches` runs of layer `layer` for `m` rows with
    /// `config`'s `pipeline` in one timestamped pass (autotune's probe),
    /// and the timestamps' copy into the staging tail. Without timestamp
    /// queries it records the dispatches only.
    pub fn encode_layer_probe(
        &mut self,
        ctx: &GpuContext,
        encoder: &mut wgpu::CommandEncoder,
        layers: &[GpuLayer],
        probe: LayerProbe<'_>,
    ) {
        self.write_params(ctx, layers, probe.m);
        let l = &layers[probe.layer];
        let (x, y) = probe.config.workgroups(probe.m as u32, l.n);
        {
            let timestamp_writes =
                self.timestamps
                    .as_ref()
                    .map(|(set, _)| wgpu::ComputePassTimestampWrites {
                        query_set: set,
                        beginning_of_pass_write_index: Some(0),
                        end_of_pass_write_index: Some(1),
                    });
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("autotune probe"),
                timestamp_writes,
            });
            pass.set_pipeline(probe.pipeline);
            pass.set_bind_group(0, &self.bind_groups[probe.layer], &[]);
            for _ in 0..probe.dispatches {
                pass.dispatch_workgroups(x, y, 1);
            }
        }
        if let Some((set, resolve)) = &self.timestamps {
            encoder.resolve_query_set(set, 0..2, resolve, 0);
            encoder.copy_buffer_to_buffer(resolve, 0, &self.staging, self.ts_offset, 16);
        }
    }

    /// Records the forward pass for `m` items: one dispatch per layer in one
    /// compute pass (wgpu inserts the barriers between dependent dispatches),
    /// then the timestamps' resolve and their copy into the staging tail.
    pub fn encode_forward(
        &mut self,
        ctx: &GpuContext,
        encoder: &mut wgpu::CommandEncoder,
        kernels: &KernelSet,
        layers: &[GpuLayer],
        m: usize,
    ) {
        self.write_params(ctx, layers, m);
        {
            let timestamp_writes =
                self.timestamps
                    .as_ref()
                    .map(|(set, _)| wgpu::ComputePassTimestampWrites {
                        query_set: set,
                        beginning_of_pass_write_index: Some(0),
                        end_of_pass_write_index: Some(1),
                    });
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("forward"),
                timestamp_writes,
            });
            for (l, bg) in layers.iter().zip(&self.bind_groups) {
                // Each layer gets the configuration that suits its shape.
                let (config, pipeline) = kernels.for_layer(m as u32, l.k, l.n);
                let (x, y) = config.workgroups(m as u32, l.n);
                pass.set_pipeline(pipeline);
                pass.set_bind_group(0, bg, &[]);
                pass.dispatch_workgroups(x, y, 1);
            }
        }
        if let Some((set, resolve)) = &self.timestamps {
            encoder.resolve_query_set(set, 0..2, resolve, 0);
            encoder.copy_buffer_to_buffer(resolve, 0, &self.staging, self.ts_offset, 16);
        }
    }

    /// Records the copy of `m` output rows (in the buffer the last of
    /// `n_layers` wrote) into the staging buffer.
    pub fn encode_output_copy(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        n_layers: usize,
        m: usize,
        out_width: usize,
    ) {
        let result = &self.act[n_layers % 2];
        encoder.copy_buffer_to_buffer(result, 0, &self.staging, 0, f32_bytes(m * out_width));
    }

    /// Starts mapping the whole staging buffer once submission `index` is done.
    pub fn start_map(&mut self, m: usize, index: wgpu::SubmissionIndex) {
        let (tx, rx) = mpsc::channel();
        self.staging
            .slice(..)
            .map_async(wgpu::MapMode::Read, move |r| {
                let _ = tx.send(r);
            });
        self.pending = Some(Pending {
            m,
            index,
            mapped: rx,
        });
    }

    /// Forgets the pending batch (unmapping cancels a mapping still pending).
    pub fn abandon(&mut self) {
        if self.pending.take().is_some() {
            self.staging.unmap();
        }
    }

    /// Waits for the pending batch, copies its outputs into `out` and
    /// returns its item count and kernel time (when timestamps exist).
    pub fn finish(
        &mut self,
        ctx: &GpuContext,
        out_width: usize,
        timestamp_period_ns: f64,
        out: &mut [f32],
    ) -> Result<(usize, Option<f64>), EngineError> {
        let p = self
            .pending
            .take()
            .ok_or_else(|| EngineError::Internal("no batch in flight in this slot".into()))?;
        ctx.wait_for(p.index)?;
        receive_mapping(ctx, &p.mapped)?;
        let count = p.m * out_width;
        let kernel_ns = {
            let view = self.staging.slice(..).get_mapped_range();
            let outputs: &[f32] = bytemuck::cast_slice(&view[..count * 4]);
            out.get_mut(..count)
                .ok_or_else(|| EngineError::Internal("output slice too small".into()))?
                .copy_from_slice(outputs);
            let t = self.ts_offset as usize;
            let ticks: &[u64] = bytemuck::cast_slice(&view[t..t + 16]);
            self.timestamps
                .is_some()
                .then(|| ticks[1].saturating_sub(ticks[0]) as f64 * timestamp_period_ns)
        };
        self.staging.unmap();
        Ok((p.m, kernel_ns))
    }
}

/// The mapping's outcome, once the wait that ran its callback has returned.
pub(crate) fn receive_mapping(
    ctx: &GpuContext,
    rx: &mpsc::Receiver<Result<(), wgpu::BufferAsyncError>>,
) -> Result<(), EngineError> {
    // The wait ran the callback; a short grace covers a driver that signals
    // the mapping late, and nothing waits forever.
    match rx.recv_timeout(ctx.wait_limit.min(MAP_GRACE)) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(EngineError::Gpu(format!(
            "mapping a readback buffer failed: {e}"
        ))),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(ctx.timed_out("mapping a readback buffer")),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(EngineError::Gpu(
            "the GPU never finished mapping a readback buffer".into(),
        )),
    }
}
