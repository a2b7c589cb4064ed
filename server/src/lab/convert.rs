//! The engine adaptor: engine types ↔ the app's plain DTOs, engine errors → `LabError`.

use app::experiments::lab::LabError;
use app::experiments::types as dto;
use lab_engine as engine;

pub fn run_params(p: &dto::RunParams) -> engine::RunParams {
    engine::RunParams {
        model: preset(p.model),
        n: p.n,
        batch: p.batch,
        device: device(p.device),
        cpu_threads: p.cpu_threads,
        repeats: p.repeats,
        warmup: p.warmup,
        kernel: kernel(p.kernel),
        visible_devices: p.visible_devices.clone(),
    }
}

pub fn timing_params(p: &dto::TimingParams) -> engine::TimingDemoParams {
    engine::TimingDemoParams {
        model: preset(p.model),
        batch: p.batch,
        kernel: kernel(p.kernel),
        warm_calls: p.warm_calls,
        visible_devices: p.visible_devices.clone(),
    }
}

fn preset(m: dto::ModelPreset) -> engine::Preset {
    match m {
        dto::ModelPreset::Tiny => engine::Preset::Tiny,
        dto::ModelPreset::Medium => engine::Preset::Medium,
        dto::ModelPreset::Large => engine::Preset::Large,
    }
}

fn preset_view(m: engine::Preset) -> dto::ModelPreset {
    match m {
        engine::Preset::Tiny => dto::ModelPreset::Tiny,
        engine::Preset::Medium => dto::ModelPreset::Medium,
        engine::Preset::Large => dto::ModelPreset::Large,
    }
}

fn device(d: dto::DeviceChoice) -> engine::DeviceChoice {
    match d {
        dto::DeviceChoice::Gpu => engine::DeviceChoice::Gpu,
        dto::DeviceChoice::Cpu => engine::DeviceChoice::Cpu,
        dto::DeviceChoice::Both => engine::DeviceChoice::Both,
    }
}

fn kernel(k: dto::KernelChoice) -> engine::Kernel {
    match k {
        dto::KernelChoice::Tiled => engine::Kernel::Tiled,
        dto::KernelChoice::Naive => engine::Kernel::Naive,
    }
}

fn summary(s: &engine::Summary) -> dto::Summary {
    dto::Summary {
        samples: s.samples,
        median_ms: s.median_ms,
        p10_ms: s.p10_ms,
        p90_ms: s.p90_ms,
        min_ms: s.min_ms,
        max_ms: s.max_ms,
        mean_ms: s.mean_ms,
    }
}

fn cold_start(c: &engine::ColdStart) -> dto::ColdStart {
    dto::ColdStart {
        device_ms: c.device_ms,
        pipeline_ms: c.pipeline_ms,
        weights_ms: c.weights_ms,
        buffers_ms: c.buffers_ms,
        first_batch_ms: c.first_batch_ms,
        total_ms: c.total_ms,
    }
}

fn device_result(r: &engine::DeviceResult) -> dto::DeviceResult {
    dto::DeviceResult {
        device: match r.device {
            engine::DeviceKind::Gpu => dto::DeviceKind::Gpu,
            engine::DeviceKind::Cpu => dto::DeviceKind::Cpu,
        },
        name: r.name.clone(),
        backend: r.backend.clone(),
        software: r.software,
        label: r.label.clone(),
        threads: r.threads,
        cold_start: cold_start(&r.cold_start),
        wall: summary(&r.wall),
        phases: dto::Phases {
            upload: summary(&r.phases.upload),
            compute: summary(&r.phases.compute),
            readback: summary(&r.phases.readback),
            kernel: r.phases.kernel.as_ref().map(summary),
        },
        items_per_s: r.items_per_s,
        gflops: r.gflops,
        kernel_gflops: r.kernel_gflops,
        timing_method: r.timing_method.clone(),
    }
}

fn agreement(a: &engine::Agreement) -> dto::Agreement {
    dto::Agreement {
        items_compared: a.items_compared,
        all_items: a.all_items,
        max_abs_error: a.max_abs_error,
        max_abs_output: a.max_abs_output,
        argmax_agreement: a.argmax_agreement,
        matches: a.matches,
    }
}

/// The report of a run, with the parameters as the client sent them.
pub fn run_view(params: dto::RunParams, r: &engine::RunReport) -> dto::RunView {
    dto::RunView {
        params,
        model: dto::ModelInfo {
            preset: preset_view(r.model.preset),
            widths: r.model.widths.clone(),
            parameters: r.model.parameters,
            flops_per_item: r.model.flops_per_item,
        },
        n: r.n,
        batch: r.batch,
        batches: r.batches,
        last_batch: r.last_batch,
        results: r.results.iter().map(device_result).collect(),
        agreement: r.agreement.as_ref().map(agreement),
        notes: r.notes.clone(),
    }
}

pub fn timing_view(r: &engine::TimingDemoReport) -> dto::TimingView {
    dto::TimingView {
        adapter: r.adapter.clone(),
        software: r.software,
        label: r.label.clone(),
        model: preset_view(r.model),
        batch: r.batch,
        submit_only_ms: r.submit_only_ms,
        submit_and_wait_ms: r.submit_and_wait_ms,
        cold_first_call_ms: r.cold_first_call_ms,
        cold_breakdown: cold_start(&r.cold_breakdown),
        warm_call: summary(&r.warm_call),
        explanation: r.explanation.clone(),
    }
}

pub fn devices_view(d: &engine::DeviceList) -> dto::DevicesView {
    dto::DevicesView {
        adapters: d
            .adapters
            .iter()
            .map(|a| dto::AdapterView {
                physical_index: a.physical_index,
                visible_index: a.visible_index,
                name: a.name.clone(),
                backend: a.backend.clone(),
                device_type: a.device_type.clone(),
                driver: a.driver.clone(),
                software: a.software,
                label: a.label.clone(),
            })
            .collect(),
        visibility_spec: d.visibility.spec.clone(),
        visibility_source: match d.visibility_source {
            engine::VisibilitySource::RequestOverride => "request_override",
            engine::VisibilitySource::ServerSetting => "server_setting",
            engine::VisibilitySource::Unset => "unset",
        }
        .to_string(),
        visible: d.visibility.visible.clone(),
        explanation: d.visibility.explanation.clone(),
        no_gpu_message: d.visibility.visible.is_empty().then(|| d.no_gpu_message()),
        cpu_threads: d.cpu_threads,
    }
}

pub fn lab_error(e: engine::EngineError) -> LabError {
    match e {
        engine::EngineError::InvalidParam { field, message } => LabError::InvalidParam {
            field: field.to_string(),
            message,
        },
        engine::EngineError::LimitExceeded { field, message } => LabError::LimitExceeded {
            field: field.to_string(),
            message,
        },
        engine::EngineError::NoGpuVisible(message) => LabError::NoGpuVisible(message),
        engine::EngineError::Gpu(detail) => LabError::Internal(format!("GPU: {detail}")),
        engine::EngineError::Internal(detail) => LabError::Internal(detail),
    }
}
