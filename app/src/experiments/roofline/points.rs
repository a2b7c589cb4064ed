//! What goes on a roofline chart: each measurement as (arithmetic intensity,
//! achieved GFLOP/s), computed from the run's own shape with the same
//! formulas the lessons teach (`lab_types::model_work`).

use lab_types::{
    model_work, DeviceKind, DeviceResult, DeviceRoofs, ExperimentResult, Placement, RunReport,
    SweepKind,
};
use serde::{Deserialize, Serialize};

/// Where a point's GFLOP/s come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    /// GPU timestamps around the kernels only: what the roofline bounds.
    Kernel,
    /// The wall time of whole passes (uploads and read-backs included on a
    /// GPU), when the adapter has no timestamps, and always on the CPU.
    Wall,
    /// A production library's recorded row (`content/references/`), not
    /// measured on this server.
    Reference,
}

/// One point: a measurement, or a recorded reference row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoofPoint {
    pub device: DeviceKind,
    /// The adapter (or CPU) that produced it, to match it with that device's roofs.
    pub adapter: String,
    /// "medium, b = 64" or "cuBLAS, medium, b = 64".
    pub label: String,
    /// FLOPs per byte of the least memory traffic.
    pub intensity: f64,
    pub gflops: f64,
    pub source: Source,
}

/// A batch sweep on one device, in order of the batch size: the path climbs
/// from the memory roof towards the compute roof.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoofPath {
    pub device: DeviceKind,
    pub adapter: String,
    pub points: Vec<RoofPoint>,
}

/// Intensity of a whole model pass at batch `b` (the weights read once per batch).
pub fn model_intensity(widths: &[usize], b: usize) -> f64 {
    model_work(widths, b).intensity()
}

fn point(run: &RunReport, r: &DeviceResult) -> RoofPoint {
    let (gflops, source) = match r.kernel_gflops {
        Some(k) if k > 0.0 => (k, Source::Kernel),
        _ => (r.gflops, Source::Wall),
    };
    RoofPoint {
        device: r.device,
        adapter: r.name.clone(),
        label: format!("{}, b = {}", run.model.preset.name(), run.batch),
        intensity: model_intensity(&run.model.widths, run.batch),
        gflops,
        source,
    }
}

/// One point per device of a run.
pub fn run_points(run: &RunReport) -> Vec<RoofPoint> {
    run.results
        .iter()
        .filter(|r| r.gflops.is_finite() && r.gflops > 0.0)
        .map(|r| point(run, r))
        .collect()
}

/// The points of a result, and for a batch sweep its path per device.
pub fn result_points(result: &ExperimentResult) -> (Vec<RoofPoint>, Vec<RoofPath>) {
    match result {
        ExperimentResult::Run(run) => (run_points(run), Vec::new()),
        ExperimentResult::Sweep(sweep) if sweep.params.kind == SweepKind::Batch => {
            let mut paths: Vec<RoofPath> = Vec::new();
            for p in &sweep.points {
                for q in run_points(&p.run) {
                    match paths.iter_mut().find(|path| path.device == q.device) {
                        Some(path) => path.points.push(q),
                        None => paths.push(RoofPath {
                            device: q.device,
                            adapter: q.adapter.clone(),
                            points: vec![q],
                        }),
                    }
                }
            }
            for path in &mut paths {
                path.points
                    .sort_by(|a, b| a.intensity.total_cmp(&b.intensity));
            }
            (Vec::new(), paths)
        }
        // An n sweep or a loop-style comparison keeps one shape: its largest
        // run is the one whose fixed costs weigh least.
        ExperimentResult::Sweep(sweep) => (
            sweep
                .points
                .iter()
                .max_by_key(|p| p.run.n)
                .map(|p| run_points(&p.run))
                .unwrap_or_default(),
            Vec::new(),
        ),
    }
}

/// The roofs a measured point sits under: its device's, when they were
/// measured on the adapter that ran it (a run under another visibility
/// setting may have used another GPU). Recorded reference rows come from other
/// machines and sit under none of this server's roofs.
pub fn roofs_for<'a>(roofs: &'a [DeviceRoofs], p: &RoofPoint) -> Option<&'a DeviceRoofs> {
    if p.source == Source::Reference {
        return None;
    }
    roofs
        .iter()
        .find(|r| r.device == p.device && (p.device == DeviceKind::Cpu || r.name == p.adapter))
}

/// Where `p` lands under its roofs, when it has any.
pub fn placement(roofs: &[DeviceRoofs], p: &RoofPoint) -> Option<Placement> {
    roofs_for(roofs, p).map(|r| r.place(p.intensity, p.gflops))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intensity_matches_the_lessons_worked_examples() {
        let medium = lab_types::Preset::Medium.widths();
        assert!((model_intensity(medium, 1) - 0.49869).abs() < 1e-4);
        assert!((model_intensity(medium, 1024) - 138.76).abs() < 0.01);
        // Batching raises intensity: the weights are read once per batch.
        assert!(model_intensity(medium, 64) > 10.0 * model_intensity(medium, 1));
    }

    fn roofs(device: DeviceKind, name: &str) -> DeviceRoofs {
        let roof = |value| lab_types::Roof {
            value,
            spread: None,
            method: String::new(),
        };
        DeviceRoofs {
            device,
            name: name.into(),
            software: false,
            compute: roof(100.0),
            memory: roof(10.0),
            cache_bytes: None,
            took_ms: 0.0,
        }
    }

    fn at(device: DeviceKind, adapter: &str, source: Source) -> RoofPoint {
        RoofPoint {
            device,
            adapter: adapter.into(),
            label: String::new(),
            intensity: 0.5,
            gflops: 2.5,
            source,
        }
    }

    #[test]
    fn points_sit_only_under_the_roofs_of_what_ran_them() {
        let measured = [
            roofs(DeviceKind::Gpu, "llvmpipe"),
            roofs(DeviceKind::Cpu, "CPU, 2 threads"),
        ];
        // 0.5 FLOP/B under a 10 GB/s roof: at most 5 GFLOP/s, so 2.5 is half of it.
        let p = placement(&measured, &at(DeviceKind::Gpu, "llvmpipe", Source::Kernel)).unwrap();
        assert_eq!(p.bound, lab_types::Bound::Memory);
        assert!((p.fraction - 0.5).abs() < 1e-12);
        // Another adapter, or a row recorded elsewhere: no placement.
        assert!(placement(
            &measured,
            &at(DeviceKind::Gpu, "NVIDIA H200", Source::Kernel)
        )
        .is_none());
        assert!(placement(
            &measured,
            &at(DeviceKind::Gpu, "llvmpipe", Source::Reference)
        )
        .is_none());
        // The CPU's result names its backend, not "CPU, 2 threads": one CPU per server.
        assert!(placement(&measured, &at(DeviceKind::Cpu, "gemm panels", Source::Wall)).is_some());
    }
}
