//! One wgpu device on one adapter: creation, error capture and waiting.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::EngineError;
use crate::gpu::pipeline::Pipelines;

/// A device + queue with the pipelines compiled for it.
pub struct GpuContext {
    pub info: wgpu::AdapterInfo,
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub limits: wgpu::Limits,
    /// `Features::TIMESTAMP_QUERY` was available and enabled.
    pub timestamps: bool,
    /// Nanoseconds per timestamp tick.
    pub timestamp_period_ns: f64,
    pub pipelines: Pipelines,
    /// Milliseconds `request_device` took (part of the first cold start).
    pub device_ms: f64,
    /// The longest any one wait for the GPU may take (a wedged driver call
    /// must not hold the device, the queue and shutdown forever).
    pub wait_limit: Duration,
    /// wgpu reports some errors asynchronously; they land here instead of
    /// panicking (wgpu's default handler) and are turned into `EngineError::Gpu`.
    errors: Arc<Mutex<Option<String>>>,
}

impl GpuContext {
    /// Opens a device on `adapter`, asking for the adapter's own limits (the
    /// defaults are too small for `large` at batch 1024 on some adapters)
    /// and for timestamp queries and subgroup operations when the adapter has
    /// them (the register tile for software adapters shares x by subgroup
    /// broadcast).
    pub fn new(adapter: &wgpu::Adapter, wait_limit: Duration) -> Result<GpuContext, EngineError> {
        let start = Instant::now();
        let info = adapter.get_info();
        let available = adapter.features();
        let timestamps = available.contains(wgpu::Features::TIMESTAMP_QUERY);
        let mut required_features = if timestamps {
            wgpu::Features::TIMESTAMP_QUERY
        } else {
            wgpu::Features::empty()
        };
        if available.contains(wgpu::Features::SUBGROUP) {
            // Nothing else changes with it on: kernels that use subgroups
            // are compiled only where they are.
            required_features |= wgpu::Features::SUBGROUP;
        }
        let limits = adapter.limits();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("lab-engine"),
            required_features,
            required_limits: limits.clone(),
            experimental_features: wgpu::ExperimentalFeatures::disabled(),
            memory_hints: wgpu::MemoryHints::Performance,
            trace: wgpu::Trace::Off,
        }))
        .map_err(|e| {
            EngineError::Gpu(format!("could not open a device on '{}': {e}", info.name))
        })?;

        let errors: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
        let sink = errors.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            tracing::error!("wgpu error: {e}");
            if let Ok(mut slot) = sink.lock() {
                slot.get_or_insert_with(|| e.to_string());
            }
        }));
        let timestamp_period_ns = queue.get_timestamp_period() as f64;
        let pipelines = Pipelines::new(&device, crate::devices::is_software(&info));
        Ok(GpuContext {
            info,
            device,
            queue,
            limits,
            timestamps,
            timestamp_period_ns,
            pipelines,
            device_ms: start.elapsed().as_secs_f64() * 1e3,
            wait_limit,
            errors,
        })
    }

    /// Returns (and clears) an error wgpu reported asynchronously.
    pub fn check_errors(&self) -> Result<(), EngineError> {
        let taken = self.errors.lock().ok().and_then(|mut e| e.take());
        match taken {
            Some(msg) => Err(EngineError::Gpu(msg)),
            None => Ok(()),
        }
    }

    /// Blocks until all submitted work has finished (the analogue of
    /// `torch.cuda.synchronize()`), then surfaces any pending error.
    /// Gives up after `wait_limit` with `GpuTimeout`.
    pub fn wait(&self) -> Result<(), EngineError> {
        let wait = wgpu::PollType::Wait {
            submission_index: None,
            timeout: Some(self.wait_limit),
        };
        match self.device.poll(wait) {
            Ok(_) => {}
            Err(wgpu::PollError::Timeout) => return Err(self.timed_out("its work")),
            Err(e) => return Err(EngineError::Gpu(format!("waiting for the GPU failed: {e}"))),
        }
        self.check_errors()
    }

    /// Blocks until submission `index` (and everything before it) has
    /// finished and its callbacks have run, leaving later submissions in
    /// flight: the pipelined loop's wait. Bounded by `wait_limit` like `wait`.
    pub fn wait_for(&self, index: wgpu::SubmissionIndex) -> Result<(), EngineError> {
        let wait = wgpu::PollType::Wait {
            submission_index: Some(index),
            timeout: Some(self.wait_limit),
        };
        match self.device.poll(wait) {
            Ok(_) => {}
            Err(wgpu::PollError::Timeout) => return Err(self.timed_out("a batch in flight")),
            Err(e) => return Err(EngineError::Gpu(format!("waiting for the GPU failed: {e}"))),
        }
        self.check_errors()
    }

    pub fn timed_out(&self, what: &'static str) -> EngineError {
        EngineError::GpuTimeout {
            what,
            limit_s: self.wait_limit.as_secs_f64(),
        }
    }

    /// Whether every submitted command buffer has finished, without waiting
    /// (the analogue of `torch.cuda.Event.query()` / `cudaStreamQuery`).
    pub fn work_done_now(&self) -> Result<bool, EngineError> {
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = done.clone();
        self.queue
            .on_submitted_work_done(move || flag.store(true, std::sync::atomic::Ordering::SeqCst));
        // A non-blocking poll runs the callbacks of work that has completed.
        self.device
            .poll(wgpu::PollType::Poll)
            .map_err(|e| EngineError::Gpu(format!("polling the GPU failed: {e}")))?;
        Ok(done.load(std::sync::atomic::Ordering::SeqCst))
    }

    /// Runs `f` inside validation + out-of-memory error scopes, so allocation
    /// failures come back as errors rather than asynchronously.
    pub fn scoped<T>(&self, what: &str, f: impl FnOnce() -> T) -> Result<T, EngineError> {
        self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let value = f();
        let validation = pollster::block_on(self.device.pop_error_scope());
        let oom = pollster::block_on(self.device.pop_error_scope());
        if let Some(e) = oom {
            return Err(EngineError::Gpu(format!("{what}: out of GPU memory: {e}")));
        }
        if let Some(e) = validation {
            return Err(EngineError::Gpu(format!("{what}: {e}")));
        }
        self.check_errors()?;
        Ok(value)
    }
}
