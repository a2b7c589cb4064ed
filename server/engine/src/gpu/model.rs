//! A model resident on one GPU: weights uploaded once, per-batch buffers
//! ([`Slot`]s) sized for the largest batch seen and reused, and the three
//! loop styles a batch can go through:
//! - round trips: upload, compute and readback each submitted and waited for;
//! - one submit: all of it in one command buffer, one wait;
//! - pipelined: one submit per batch, several slots in flight
//!   ([`GpuModel::submit`] / [`GpuModel::collect`]).

use std::collections::VecDeque;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use wgpu::util::DeviceExt;

use crate::error::EngineError;
use crate::gpu::context::GpuContext;
use crate::gpu::kernels::Config;
use crate::gpu::pipeline::KernelSet;
use crate::gpu::slot::{f32_bytes, receive_mapping, GpuLayer, LayerProbe, Slot};
use crate::model::Mlp;

/// Batches the pipelined loop keeps in flight: one being read back, one
/// running, one being recorded.
pub const PIPELINE_DEPTH: usize = 3;

/// Phase durations of one batch.
#[derive(Debug, Clone, Copy, Default)]
pub struct BatchTimes {
    pub upload: Duration,
    pub compute: Duration,
    pub readback: Duration,
    /// Kernel time measured by GPU timestamps (compute pass begin → end).
    pub kernel_ns: Option<f64>,
}

pub struct GpuModel {
    layers: Vec<GpuLayer>,
    in_width: usize,
    out_width: usize,
    max_width: usize,
    /// Items each slot holds (0 before the first `ensure_capacity`).
    capacity: usize,
    slots: Vec<Slot>,
    /// Slot indices of submitted batches, oldest first.
    in_flight: VecDeque<usize>,
    /// Milliseconds the weight upload took.
    pub upload_ms: f64,
}

impl GpuModel {
    /// Uploads the weights (once per model and device) and waits for them.
    pub fn upload(ctx: &GpuContext, mlp: &Mlp) -> Result<GpuModel, EngineError> {
        let start = Instant::now();
        let max_binding = ctx.limits.max_storage_buffer_binding_size as u64;
        for l in &mlp.layers {
            let bytes = f32_bytes(l.weights.len());
            if bytes > max_binding || bytes > ctx.limits.max_buffer_size {
                return Err(EngineError::Gpu(format!(
                    "a {}×{} weight matrix ({} MiB) exceeds the adapter's storage binding limit ({} MiB)",
                    l.inputs,
                    l.outputs,
                    bytes >> 20,
                    max_binding >> 20
                )));
            }
        }
        let n_layers = mlp.layers.len();
        let init = |label, data: &[f32]| {
            ctx.device
                .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some(label),
                    contents: bytemuck::cast_slice(data),
                    usage: wgpu::BufferUsages::STORAGE,
                })
        };
        let layers = ctx.scoped("uploading weights", || {
            mlp.layers
                .iter()
                .enumerate()
                .map(|(i, l)| GpuLayer {
                    weights: init("weights", &l.weights),
                    bias: init("bias", &l.bias),
                    k: l.inputs as u32,
                    n: l.outputs as u32,
                    relu: i + 1 < n_layers,
                })
                .collect::<Vec<_>>()
        })?;
        ctx.queue.submit([]);
        ctx.wait()?;
        Ok(GpuModel {
            layers,
            in_width: mlp.spec.input_width(),
            out_width: mlp.spec.output_width(),
            max_width: mlp.spec.max_width(),
            capacity: 0,
            slots: Vec::new(),
            in_flight: VecDeque::new(),
            upload_ms: start.elapsed().as_secs_f64() * 1e3,
        })
    }

    pub fn out_width(&self) -> usize {
        self.out_width
    }

    /// Batches that can be in flight at once (slots allocated).
    pub fn depth(&self) -> usize {
        self.slots.len()
    }

    /// Makes sure there are `depth` slots holding `batch` items each; they
    /// only ever grow, so a run allocates at most once.
    pub fn ensure_capacity(
        &mut self,
        ctx: &GpuContext,
        batch: usize,
        depth: usize,
    ) -> Result<(), EngineError> {
        // A run that failed halfway may have left batches in flight; their
        // outputs are nobody's now.
        for i in std::mem::take(&mut self.in_flight) {
            self.slots[i].abandon();
        }
        if self.capacity >= batch && self.slots.len() >= depth {
            return Ok(());
        }
        let (batch, depth) = (batch.max(self.capacity), depth.max(self.slots.len()));
        let act_bytes = f32_bytes(batch * self.max_width);
        if act_bytes > ctx.limits.max_storage_buffer_binding_size as u64
            || act_bytes > ctx.limits.max_buffer_size
        {
            return Err(EngineError::Gpu(format!(
                "an activation buffer of {} MiB exceeds the adapter's storage binding limit",
                act_bytes >> 20
            )));
        }
        // Drop the old buffers first so peak memory is not old + new.
        self.slots.clear();
        self.capacity = 0;
        let (layers, max_w, out_w) = (&self.layers, self.max_width, self.out_width);
        self.slots = ctx.scoped("allocating activation buffers", || {
            (0..depth)
                .map(|_| Slot::new(ctx, layers, batch, max_w, out_w))
                .collect()
        })?;
        self.capacity = batch;
        Ok(())
    }

    fn check_batch(&self, m: usize) -> Result<(), EngineError> {
        if m == 0 || m > self.capacity || self.slots.is_empty() {
            return Err(EngineError::Internal(format!(
                "GPU batch of {m} items without buffers sized for it"
            )));
        }
        Ok(())
    }

    fn inputs<'a>(&self, input: &'a [f32], m: usize) -> Result<&'a [f32], EngineError> {
        input.get(..m * self.in_width).ok_or_else(|| {
            EngineError::Internal(format!(
                "input holds {} floats, {} needed",
                input.len(),
                m * self.in_width
            ))
        })
    }

    /// `batch.to(device)`: copies `m` input rows into the device buffer and
    /// waits until the copy has executed.
    pub fn upload_inputs(
        &self,
        ctx: &GpuContext,
        input: &[f32],
        m: usize,
    ) -> Result<(), EngineError> {
        self.check_batch(m)?;
        let data = self.inputs(input, m)?;
        ctx.queue
            .write_buffer(&self.slots[0].act[0], 0, bytemuck::cast_slice(data));
        // An empty submit flushes the queued write; waiting makes the phase
        // boundary exact.
        ctx.queue.submit([]);
        ctx.wait()
    }

    /// Records the forward pass for `m` items on the first slot (the
    /// synchronous loops and the timing demo use only that one).
    pub fn encode_forward(
        &mut self,
        ctx: &GpuContext,
        pipeline: &KernelSet,
        m: usize,
    ) -> Result<wgpu::CommandBuffer, EngineError> {
        self.check_batch(m)?;
        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("forward"),
            });
        self.slots[0].encode_forward(ctx, &mut encoder, pipeline, &self.layers, m);
        Ok(encoder.finish())
    }

    /// `outputs.cpu()`: copies the `m` output rows to the staging buffer,
    /// maps it, waits, and copies them into `out`.
    pub fn read_outputs(
        &self,
        ctx: &GpuContext,
        m: usize,
        out: &mut [f32],
    ) -> Result<(), EngineError> {
        self.check_batch(m)?;
        let count = m * self.out_width;
        if out.len() < count {
            return Err(EngineError::Internal("output slice too small".into()));
        }
        let slot = &self.slots[0];
        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("readback"),
            });
        slot.encode_output_copy(&mut encoder, self.layers.len(), m, self.out_width);
        ctx.queue.submit([encoder.finish()]);
        let bytes = f32_bytes(count);
        map_and_wait(ctx, &slot.staging, 0..bytes)?;
        {
            let view = slot.staging.slice(..bytes).get_mapped_range();
            out[..count].copy_from_slice(bytemuck::cast_slice(&view));
        }
        slot.staging.unmap();
        Ok(())
    }

    /// Kernel time of the last synchronous forward pass from the GPU
    /// timestamps (which `encode_forward` copied to the staging tail).
    pub fn read_kernel_ns(&self, ctx: &GpuContext) -> Result<Option<f64>, EngineError> {
        if !ctx.timestamps {
            return Ok(None);
        }
        let slot = self
            .slots
            .first()
            .ok_or_else(|| EngineError::Internal("no GPU buffers".into()))?;
        let range = slot.ts_offset..slot.ts_offset + 16;
        map_and_wait(ctx, &slot.staging, range.clone())?;
        let ticks: [u64; 2] = {
            let view = slot.staging.slice(range).get_mapped_range();
            let v: &[u64] = bytemuck::cast_slice(&view);
            [v[0], v[1]]
        };
        slot.staging.unmap();
        Ok(Some(
            ticks[1].saturating_sub(ticks[0]) as f64 * ctx.timestamp_period_ns,
        ))
    }

    /// Layer shapes (k, n), input first.
    pub fn layer_shapes(&self) -> Vec<(u32, u32)> {
        self.layers.iter().map(|l| (l.k, l.n)).collect()
    }

    /// Items the buffers hold (0 before the first `ensure_capacity`).
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Runs `dispatches` of layer `layer` for `m` rows with `config` on the
    /// first slot's buffers, in one submit, waits, and returns the kernel
    /// time per dispatch in ns by GPU timestamps (`None` without them).
    /// Outputs are scratch: every batch rewrites its input and activations.
    pub fn time_layer(
        &mut self,
        ctx: &GpuContext,
        layer: usize,
        config: Config,
        pipeline: &wgpu::ComputePipeline,
        m: usize,
        dispatches: u32,
    ) -> Result<Option<f64>, EngineError> {
        self.check_batch(m)?;
        if layer >= self.layers.len() || dispatches == 0 || self.slots[0].busy() {
            return Err(EngineError::Internal(
                "autotune probe on a missing layer or a busy slot".into(),
            ));
        }
        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("autotune probe"),
            });
        let probe = LayerProbe {
            layer,
            m,
            config,
            pipeline,
            dispatches,
        };
        ctx.scoped("timing a kernel configuration", || {
            self.slots[0].encode_layer_probe(ctx, &mut encoder, &self.layers, probe);
            ctx.queue.submit([encoder.finish()]);
        })?;
        ctx.wait()?;
        Ok(self.read_kernel_ns(ctx)?.map(|ns| ns / dispatches as f64))
    }

    /// One full batch in three round trips, with per-phase wall-clock times
    /// (each phase is submitted and waited for, like a synchronous PyTorch
    /// loop with pageable memory), plus the timestamp kernel time.
    pub fn run_batch(
        &mut self,
        ctx: &GpuContext,
        pipeline: &KernelSet,
        input: &[f32],
        m: usize,
        out: &mut [f32],
    ) -> Result<BatchTimes, EngineError> {
        let t0 = Instant::now();
        self.upload_inputs(ctx, input, m)?;
        let t1 = Instant::now();
        let cmd = self.encode_forward(ctx, pipeline, m)?;
        ctx.queue.submit([cmd]);
        ctx.wait()?;
        let t2 = Instant::now();
        // Reading the two timestamps back is bookkeeping: kept out of every phase.
        let kernel_ns = self.read_kernel_ns(ctx)?;
        let t3 = Instant::now();
        self.read_outputs(ctx, m, out)?;
        let t4 = Instant::now();
        Ok(BatchTimes {
            upload: t1 - t0,
            compute: t2 - t1,
            readback: t4 - t3,
            kernel_ns,
        })
    }

    /// One full batch as one submit and one wait. Its phases cannot be told
    /// apart by the host clock, so the whole round trip is reported as compute.
    pub fn run_one_submit(
        &mut self,
        ctx: &GpuContext,
        pipeline: &KernelSet,
        input: &[f32],
        m: usize,
        out: &mut [f32],
    ) -> Result<BatchTimes, EngineError> {
        let t0 = Instant::now();
        self.submit(ctx, pipeline, input, m)?;
        let (_, kernel_ns) = self.collect(ctx, out)?;
        Ok(BatchTimes {
            compute: t0.elapsed(),
            kernel_ns,
            ..BatchTimes::default()
        })
    }

    /// Records and submits one batch on the next free slot, without waiting:
    /// the input write, every layer, the output copy and the timestamp
    /// resolve go in one command buffer. Fails when every slot is in flight
    /// (call [`GpuModel::collect`] first).
    pub fn submit(
        &mut self,
        ctx: &GpuContext,
        pipeline: &KernelSet,
        input: &[f32],
        m: usize,
    ) -> Result<(), EngineError> {
        self.check_batch(m)?;
        let data = self.inputs(input, m)?;
        // Slots are used round-robin, so the next one is the oldest's successor.
        let next = match self.in_flight.back() {
            Some(&last) => (last + 1) % self.slots.len(),
            None => 0,
        };
        let (layers, out_w) = (&self.layers, self.out_width);
        let slot = &mut self.slots[next];
        if slot.busy() {
            return Err(EngineError::Internal(
                "every GPU slot is in flight: collect a batch first".into(),
            ));
        }
        // Staged by wgpu and executed at the start of this submit, after
        // earlier submits in queue order, so in-flight batches are unaffected.
        ctx.queue
            .write_buffer(&slot.act[0], 0, bytemuck::cast_slice(data));
        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("batch"),
            });
        slot.encode_forward(ctx, &mut encoder, pipeline, layers, m);
        slot.encode_output_copy(&mut encoder, layers.len(), m, out_w);
        let index = ctx.queue.submit([encoder.finish()]);
        slot.start_map(m, index);
        self.in_flight.push_back(next);
        Ok(())
    }

    /// Batches submitted and not yet collected.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Waits for the oldest batch in flight, copies its outputs into `out`
    /// and returns its item count and kernel time.
    pub fn collect(
        &mut self,
        ctx: &GpuContext,
        out: &mut [f32],
    ) -> Result<(usize, Option<f64>), EngineError> {
        let i = self
            .in_flight
            .pop_front()
            .ok_or_else(|| EngineError::Internal("no GPU batch in flight".into()))?;
        self.slots[i].finish(ctx, self.out_width, ctx.timestamp_period_ns, out)
    }
}

/// Maps `buffer[range]` for reading and blocks until it is mapped.
fn map_and_wait(
    ctx: &GpuContext,
    buffer: &wgpu::Buffer,
    range: std::ops::Range<u64>,
) -> Result<(), EngineError> {
    let (tx, rx) = mpsc::channel();
    buffer
        .slice(range)
        .map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
    ctx.wait()?;
    receive_mapping(ctx, &rx)
}
