//! One kernel on the device: its pipeline, the buffers of one problem size,
//! a checked run and a timed run.

use std::borrow::Cow;
use std::sync::mpsc;
use std::time::Instant;

use lab_types::{PuzzleReference, PuzzleSize, Summary};
use wgpu::util::DeviceExt;

use super::reference::{self, Inputs};
use crate::error::EngineError;
use crate::gpu::kernels::LayerParams;
use crate::gpu::slot::receive_mapping;
use crate::gpu::GpuContext;

/// Warm-up and timed launches of a correct kernel (on the largest size):
/// up to `REPEATS`, but no more once `TIME_BUDGET` is spent and `MIN_REPEATS`
/// are in (a software GPU is slow, and the queue is shared).
pub const WARMUP: usize = 1;
pub const REPEATS: usize = 7;
pub const MIN_REPEATS: usize = 3;
pub const TIME_BUDGET: std::time::Duration = std::time::Duration::from_millis(1500);

/// The kernel's shader, as the device got it.
pub enum Shader<'a> {
    /// A learner's module, validated and loop-bounded.
    Learner(Box<wgpu::naga::Module>),
    /// A built-in kernel's WGSL.
    Builtin(&'a str),
}

/// A device rejected the pipeline (learner's fault) or failed (machine's).
pub enum PipelineError {
    Rejected(String),
    Engine(EngineError),
}

/// Compiles `shader` against the lab's dense-layer bindings (x, w, bias, y,
/// params), always through wgpu's checked path: bounds checks stay on.
pub fn pipeline(
    ctx: &GpuContext,
    shader: Shader<'_>,
) -> Result<wgpu::ComputePipeline, PipelineError> {
    let device = &ctx.device;
    device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
    device.push_error_scope(wgpu::ErrorFilter::Validation);
    let source = match shader {
        Shader::Learner(module) => wgpu::ShaderSource::Naga(Cow::Owned(*module)),
        Shader::Builtin(wgsl) => wgpu::ShaderSource::Wgsl(wgsl.into()),
    };
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("playground"),
        source,
    });
    let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some("playground"),
        bind_group_layouts: &[&ctx.pipelines.layout],
        push_constant_ranges: &[],
    });
    let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some("playground"),
        layout: Some(&layout),
        module: &module,
        entry_point: Some(super::compile::ENTRY_POINT),
        compilation_options: Default::default(),
        cache: None,
    });
    let validation = pollster::block_on(device.pop_error_scope());
    let oom = pollster::block_on(device.pop_error_scope());
    if let Some(e) = oom {
        return Err(PipelineError::Engine(EngineError::Gpu(format!(
            "out of GPU memory compiling a playground kernel: {e}"
        ))));
    }
    if let Some(e) = validation {
        return Err(PipelineError::Rejected(binding_help(&e.to_string())));
    }
    ctx.check_errors().map_err(PipelineError::Engine)?;
    Ok(pipeline)
}

/// wgpu's message for a shader that does not fit the fixed bindings.
fn binding_help(message: &str) -> String {
    format!(
        "the kernel does not fit the puzzle's bindings (x: binding 0, w: 1, bias: 2 — all \
         `var<storage, read>` arrays of f32 —, y: binding 3, `var<storage, read_write>`, p: binding 4, \
         `var<uniform>` Params {{ m, k, n, relu: u32 }}, all in group 0): {message}"
    )
}

/// A problem size's buffers on the device, ready to launch.
pub struct Problem {
    bind_group: wgpu::BindGroup,
    y: wgpu::Buffer,
    staging: wgpu::Buffer,
    y_bytes: u64,
    pub expected: Vec<f64>,
    pub scale: Vec<f64>,
}

fn storage(ctx: &GpuContext, label: &str, data: &[f32]) -> wgpu::Buffer {
    ctx.device
        .create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: bytemuck::cast_slice(data),
            usage: wgpu::BufferUsages::STORAGE,
        })
}

impl Problem {
    pub fn new(
        ctx: &GpuContext,
        r: PuzzleReference,
        s: PuzzleSize,
    ) -> Result<Problem, EngineError> {
        let Inputs { x, w, bias, y_len } = reference::inputs(r, s);
        let (expected, scale) = reference::expected(
            r,
            s,
            &Inputs {
                x: x.clone(),
                w: w.clone(),
                bias: bias.clone(),
                y_len,
            },
        );
        let y_bytes = (y_len * 4) as u64;
        ctx.scoped("playground buffers", || {
            let params = LayerParams {
                m: s.m,
                k: s.k,
                n: s.n,
                relu: r.relu(),
            };
            let x = storage(ctx, "x", &x);
            let w = storage(ctx, "w", &w);
            let bias = storage(ctx, "bias", &bias);
            let y = ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("y"),
                size: y_bytes,
                usage: wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::COPY_SRC
                    | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            let p = ctx
                .device
                .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some("params"),
                    contents: bytemuck::bytes_of(&params),
                    usage: wgpu::BufferUsages::UNIFORM,
                });
            let staging = ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("y readback"),
                size: y_bytes,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            let entries: Vec<wgpu::BindGroupEntry> = [&x, &w, &bias, &y, &p]
                .iter()
                .enumerate()
                .map(|(i, b)| wgpu::BindGroupEntry {
                    binding: i as u32,
                    resource: b.as_entire_binding(),
                })
                .collect();
            let bind_group = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("playground"),
                layout: &ctx.pipelines.layout,
                entries: &entries,
            });
            Problem {
                bind_group,
                y,
                staging,
                y_bytes,
                expected,
                scale,
            }
        })
    }

    fn encode(
        &self,
        ctx: &GpuContext,
        pipeline: &wgpu::ComputePipeline,
        groups: [u32; 3],
        stamps: Option<&Stamps>,
    ) -> wgpu::CommandEncoder {
        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("playground"),
            });
        {
            let timestamp_writes = stamps.map(|s| wgpu::ComputePassTimestampWrites {
                query_set: &s.set,
                beginning_of_pass_write_index: Some(0),
                end_of_pass_write_index: Some(1),
            });
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("playground"),
                timestamp_writes,
            });
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, &self.bind_group, &[]);
            pass.dispatch_workgroups(groups[0], groups[1], groups[2]);
        }
        if let Some(s) = stamps {
            encoder.resolve_query_set(&s.set, 0..2, &s.resolve, 0);
            encoder.copy_buffer_to_buffer(&s.resolve, 0, &s.read, 0, 16);
        }
        encoder
    }

    /// One launch on `y` filled with NaN (so unwritten outputs show), then its outputs.
    pub fn run(
        &self,
        ctx: &GpuContext,
        pipeline: &wgpu::ComputePipeline,
        groups: [u32; 3],
    ) -> Result<Vec<f32>, EngineError> {
        let nan = vec![f32::NAN; (self.y_bytes / 4) as usize];
        ctx.queue
            .write_buffer(&self.y, 0, bytemuck::cast_slice(&nan));
        let mut encoder = self.encode(ctx, pipeline, groups, None);
        encoder.copy_buffer_to_buffer(&self.y, 0, &self.staging, 0, self.y_bytes);
        ctx.queue.submit([encoder.finish()]);
        let (tx, rx) = mpsc::channel();
        self.staging
            .slice(..)
            .map_async(wgpu::MapMode::Read, move |r| {
                let _ = tx.send(r);
            });
        ctx.wait()?;
        receive_mapping(ctx, &rx)?;
        let out = {
            let view = self.staging.slice(..).get_mapped_range();
            bytemuck::cast_slice::<u8, f32>(&view).to_vec()
        };
        self.staging.unmap();
        Ok(out)
    }

    /// Kernel time of launches after a warm-up: GPU timestamps around the
    /// compute pass where the adapter has them, else the wall clock around
    /// submit + wait. Answers the summary and how it was measured.
    pub fn time(
        &self,
        ctx: &GpuContext,
        pipeline: &wgpu::ComputePipeline,
        groups: [u32; 3],
    ) -> Result<(Summary, &'static str), EngineError> {
        let stamps = ctx.timestamps.then(|| Stamps::new(ctx));
        let (mut wall, mut gpu) = (Vec::with_capacity(REPEATS), Vec::with_capacity(REPEATS));
        let started = Instant::now();
        for i in 0..WARMUP + REPEATS {
            let t = Instant::now();
            let encoder = self.encode(ctx, pipeline, groups, stamps.as_ref());
            ctx.queue.submit([encoder.finish()]);
            ctx.wait()?;
            let elapsed = t.elapsed().as_secs_f64() * 1e3;
            let kernel = match &stamps {
                Some(s) => s.read_ms(ctx)?,
                None => None,
            };
            if i >= WARMUP {
                wall.push(elapsed);
                gpu.extend(kernel);
            }
            if wall.len() >= MIN_REPEATS && started.elapsed() > TIME_BUDGET {
                break;
            }
        }
        // Timestamps only count when every launch gave a plausible one.
        if !gpu.is_empty() && gpu.len() == wall.len() {
            Ok((
                Summary::from_ms(&gpu),
                "GPU timestamps around the compute pass",
            ))
        } else {
            Ok((Summary::from_ms(&wall), "wall clock around submit + wait"))
        }
    }
}

/// A timestamp query pair and the buffers that bring it back.
struct Stamps {
    set: wgpu::QuerySet,
    resolve: wgpu::Buffer,
    read: wgpu::Buffer,
}

impl Stamps {
    fn new(ctx: &GpuContext) -> Stamps {
        Stamps {
            set: ctx.device.create_query_set(&wgpu::QuerySetDescriptor {
                label: Some("playground pass"),
                ty: wgpu::QueryType::Timestamp,
                count: 2,
            }),
            resolve: ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("playground timestamps"),
                size: 16,
                usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            }),
            read: ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("playground timestamps readback"),
                size: 16,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
        }
    }

    /// The last launch's kernel time in ms (`None` when the ticks make no sense).
    fn read_ms(&self, ctx: &GpuContext) -> Result<Option<f64>, EngineError> {
        let (tx, rx) = mpsc::channel();
        self.read
            .slice(..)
            .map_async(wgpu::MapMode::Read, move |r| {
                let _ = tx.send(r);
            });
        ctx.wait()?;
        receive_mapping(ctx, &rx)?;
        let ticks: [u64; 2] = {
            let view = self.read.slice(..).get_mapped_range();
            let t: &[u64] = bytemuck::cast_slice(&view);
            [t[0], t[1]]
        };
        self.read.unmap();
        Ok(ticks[1]
            .checked_sub(ticks[0])
            .filter(|&d| d > 0)
            .map(|d| d as f64 * ctx.timestamp_period_ns / 1e6))
    }
}
