//! A model resident on one GPU: weights uploaded once, activation and
//! staging buffers sized for the largest batch seen and reused, and the
//! three phases of a batch (upload, compute, readback).

use std::sync::mpsc;
use std::time::{Duration, Instant};

use wgpu::util::DeviceExt;

use crate::error::EngineError;
use crate::gpu::context::GpuContext;
use crate::gpu::kernels::{self, LayerParams};
use crate::model::Mlp;
use lab_types::Kernel;

struct GpuLayer {
    weights: wgpu::Buffer,
    bias: wgpu::Buffer,
    params: wgpu::Buffer,
    k: u32,
    n: u32,
    relu: bool,
    /// Batch size `params` currently holds (rewritten only when it changes,
    /// i.e. for a partial last batch).
    m_written: u32,
}

/// Buffers that depend on the batch capacity.
struct BatchBuffers {
    capacity: usize,
    /// Ping-pong activations; the input is written into `act[0]`.
    act: [wgpu::Buffer; 2],
    /// MAP_READ copy target for the outputs (`outputs.cpu()`).
    staging: wgpu::Buffer,
    bind_groups: Vec<wgpu::BindGroup>,
}

/// Two timestamps (start/end of the compute pass) and their readback.
struct Timestamps {
    set: wgpu::QuerySet,
    resolve: wgpu::Buffer,
    read: wgpu::Buffer,
}

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
    buffers: Option<BatchBuffers>,
    timestamps: Option<Timestamps>,
    /// Milliseconds the weight upload took.
    pub upload_ms: f64,
}

fn f32_bytes(n: usize) -> u64 {
    n as u64 * 4
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
        let layers = ctx.scoped("uploading weights", || {
            mlp.layers
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let relu = i + 1 < n_layers;
                    let params = LayerParams {
                        m: 0,
                        k: l.inputs as u32,
                        n: l.outputs as u32,
                        relu: relu as u32,
                    };
                    GpuLayer {
                        weights: ctx
                            .device
                            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                                label: Some("weights"),
                                contents: bytemuck::cast_slice(&l.weights),
                                usage: wgpu::BufferUsages::STORAGE,
                            }),
                        bias: ctx
                            .device
                            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                                label: Some("bias"),
                                contents: bytemuck::cast_slice(&l.bias),
                                usage: wgpu::BufferUsages::STORAGE,
                            }),
                        params: ctx
                            .device
                            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                                label: Some("layer params"),
                                contents: bytemuck::bytes_of(&params),
                                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                            }),
                        k: l.inputs as u32,
                        n: l.outputs as u32,
                        relu,
                        m_written: 0,
                    }
                })
                .collect::<Vec<_>>()
        })?;
        ctx.queue.submit([]);
        ctx.wait()?;
        let timestamps = if ctx.timestamps {
            Some(ctx.scoped("creating timestamp queries", || Timestamps {
                set: ctx.device.create_query_set(&wgpu::QuerySetDescriptor {
                    label: Some("compute pass"),
                    ty: wgpu::QueryType::Timestamp,
                    count: 2,
                }),
                resolve: ctx.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("timestamp resolve"),
                    size: 16,
                    usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
                    mapped_at_creation: false,
                }),
                read: ctx.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("timestamp read"),
                    size: 16,
                    usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                }),
            })?)
        } else {
            None
        };
        Ok(GpuModel {
            layers,
            in_width: mlp.spec.input_width(),
            out_width: mlp.spec.output_width(),
            max_width: mlp.spec.max_width(),
            buffers: None,
            timestamps,
            upload_ms: start.elapsed().as_secs_f64() * 1e3,
        })
    }

    pub fn out_width(&self) -> usize {
        self.out_width
    }

    /// Makes sure the activation/staging buffers hold `batch` items; they
    /// only ever grow, so a run allocates at most once.
    pub fn ensure_capacity(&mut self, ctx: &GpuContext, batch: usize) -> Result<(), EngineError> {
        if self.buffers.as_ref().is_some_and(|b| b.capacity >= batch) {
            return Ok(());
        }
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
        self.buffers = None;
        let layout = &ctx.pipelines.layout;
        let layers = &self.layers;
        let out_bytes = f32_bytes(batch * self.out_width);
        let buffers = ctx.scoped("allocating activation buffers", || {
            let act = [0, 1].map(|_| {
                ctx.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("activations"),
                    size: act_bytes,
                    usage: wgpu::BufferUsages::STORAGE
                        | wgpu::BufferUsages::COPY_DST
                        | wgpu::BufferUsages::COPY_SRC,
                    mapped_at_creation: false,
                })
            });
            let staging = ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("readback staging"),
                size: out_bytes,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            let bind_groups = layers
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let (src, dst) = (&act[i % 2], &act[(i + 1) % 2]);
                    ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                        label: Some("dense-layer"),
                        layout,
                        entries: &[
                            wgpu::BindGroupEntry {
                                binding: 0,
                                resource: src.as_entire_binding(),
                            },
                            wgpu::BindGroupEntry {
                                binding: 1,
                                resource: l.weights.as_entire_binding(),
                            },
                            wgpu::BindGroupEntry {
                                binding: 2,
                                resource: l.bias.as_entire_binding(),
                            },
                            wgpu::BindGroupEntry {
                                binding: 3,
                                resource: dst.as_entire_binding(),
                            },
                            wgpu::BindGroupEntry {
                                binding: 4,
                                resource: l.params.as_entire_binding(),
                            },
                        ],
                    })
                })
                .collect();
            BatchBuffers {
                capacity: batch,
                act,
                staging,
                bind_groups,
            }
        })?;
        self.buffers = Some(buffers);
        Ok(())
    }

    fn buffers(&self, m: usize) -> Result<&BatchBuffers, EngineError> {
        match &self.buffers {
            Some(b) if b.capacity >= m && m > 0 => Ok(b),
            _ => Err(EngineError::Internal(format!(
                "GPU batch of {m} items without buffers sized for it"
            ))),
        }
    }

    /// `batch.to(device)`: copies `m` input rows into the device buffer and
    /// waits until the copy has executed.
    pub fn upload_inputs(
        &self,
        ctx: &GpuContext,
        input: &[f32],
        m: usize,
    ) -> Result<(), EngineError> {
        let b = self.buffers(m)?;
        let data = input.get(..m * self.in_width).ok_or_else(|| {
            EngineError::Internal(format!(
                "input holds {} floats, {} needed",
                input.len(),
                m * self.in_width
            ))
        })?;
        ctx.queue
            .write_buffer(&b.act[0], 0, bytemuck::cast_slice(data));
        // An empty submit flushes the queued write; waiting makes the phase
        // boundary exact.
        ctx.queue.submit([]);
        ctx.wait()
    }

    /// Records the forward pass for `m` items: one dispatch per layer in one
    /// compute pass (wgpu inserts the barriers between dependent dispatches).
    pub fn encode_forward(
        &mut self,
        ctx: &GpuContext,
        pipeline: &wgpu::ComputePipeline,
        kernel: Kernel,
        m: usize,
    ) -> Result<wgpu::CommandBuffer, EngineError> {
        self.buffers(m)?;
        for l in &mut self.layers {
            if l.m_written != m as u32 {
                let p = LayerParams {
                    m: m as u32,
                    k: l.k,
                    n: l.n,
                    relu: l.relu as u32,
                };
                ctx.queue.write_buffer(&l.params, 0, bytemuck::bytes_of(&p));
                l.m_written = m as u32;
            }
        }
        let b = self.buffers(m)?;
        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("forward"),
            });
        {
            let timestamp_writes =
                self.timestamps
                    .as_ref()
                    .map(|t| wgpu::ComputePassTimestampWrites {
                        query_set: &t.set,
                        beginning_of_pass_write_index: Some(0),
                        end_of_pass_write_index: Some(1),
                    });
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("forward"),
                timestamp_writes,
            });
            pass.set_pipeline(pipeline);
            for (l, bg) in self.layers.iter().zip(&b.bind_groups) {
                let (x, y) = kernels::workgroups(kernel, m as u32, l.n);
                pass.set_bind_group(0, bg, &[]);
                pass.dispatch_workgroups(x, y, 1);
            }
        }
        if let Some(t) = &self.timestamps {
            encoder.resolve_query_set(&t.set, 0..2, &t.resolve, 0);
            encoder.copy_buffer_to_buffer(&t.resolve, 0, &t.read, 0, 16);
        }
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
        let b = self.buffers(m)?;
        let count = m * self.out_width;
        if out.len() < count {
            return Err(EngineError::Internal("output slice too small".into()));
        }
        let bytes = f32_bytes(count);
        // The final layer wrote into act[num_layers % 2].
        let result = &b.act[self.layers.len() % 2];
        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("readback"),
            });
        encoder.copy_buffer_to_buffer(result, 0, &b.staging, 0, bytes);
        ctx.queue.submit([encoder.finish()]);
        map_and_wait(ctx, &b.staging, bytes)?;
        {
            let view = b.staging.slice(..bytes).get_mapped_range();
            out[..count].copy_from_slice(bytemuck::cast_slice(&view));
        }
        b.staging.unmap();
        Ok(())
    }

    /// Kernel time of the last forward pass from the GPU timestamps.
    pub fn read_kernel_ns(&self, ctx: &GpuContext) -> Result<Option<f64>, EngineError> {
        let Some(t) = &self.timestamps else {
            return Ok(None);
        };
        map_and_wait(ctx, &t.read, 16)?;
        let ticks: [u64; 2] = {
            let view = t.read.slice(..16).get_mapped_range();
            let v: &[u64] = bytemuck::cast_slice(&view);
            [v[0], v[1]]
        };
        t.read.unmap();
        Ok(Some(
            ticks[1].saturating_sub(ticks[0]) as f64 * ctx.timestamp_period_ns,
        ))
    }

    /// One full batch with per-phase wall-clock times (each phase is
    /// submitted and waited for, like a synchronous PyTorch loop with
    /// pageable memory), plus the timestamp kernel time when available.
    pub fn run_batch(
        &mut self,
        ctx: &GpuContext,
        pipeline: &wgpu::ComputePipeline,
        kernel: Kernel,
        input: &[f32],
        m: usize,
        out: &mut [f32],
    ) -> Result<BatchTimes, EngineError> {
        let t0 = Instant::now();
        self.upload_inputs(ctx, input, m)?;
        let t1 = Instant::now();
        let cmd = self.encode_forward(ctx, pipeline, kernel, m)?;
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
}

/// Maps `buffer[..bytes]` for reading and blocks until it is mapped.
fn map_and_wait(ctx: &GpuContext, buffer: &wgpu::Buffer, bytes: u64) -> Result<(), EngineError> {
    let (tx, rx) = mpsc::channel();
    buffer.map_async(wgpu::MapMode::Read, ..bytes, move |r| {
        let _ = tx.send(r);
    });
    ctx.wait()?;
    // The wait above ran the callback; a short grace covers a driver that
    // signals the mapping late, and nothing waits forever.
    match rx.recv_timeout(ctx.wait_limit.min(std::time::Duration::from_secs(1))) {
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
