//! The panel form's fields → an experiment request, naming the field that is wrong.

use lab_types::{
    DeviceChoice, ExperimentRequest, LoopStyle, Preset, RunParams, SweepKind, SweepParams,
};

/// The raw form fields, as submitted.
#[derive(Debug, Clone, PartialEq)]
pub struct FormInput {
    /// The pressed button: `gpu`, `cpu`, `both`, `n-sweep`, `batch-sweep` or
    /// `loop-styles` (the same run once per GPU loop style).
    pub action: String,
    pub model: String,
    pub n: String,
    pub b: String,
    pub device: String,
    pub threads: String,
    pub repeats: String,
    /// The GPU loop style of runs and sweeps; empty = round trips (forms
    /// without the control). A loop-style comparison sets its own.
    pub loop_style: String,
}

type FieldError = (&'static str, String);

fn number(field: &'static str, value: &str) -> Result<usize, FieldError> {
    value.trim().parse().map_err(|_| {
        (
            field,
            format!("{field} must be a whole number ≥ 0, not '{}'", value.trim()),
        )
    })
}

impl FormInput {
    pub fn request(&self) -> Result<ExperimentRequest, FieldError> {
        let model = Preset::from_name(self.model.trim()).ok_or((
            "model",
            format!(
                "unknown model '{}' (expected tiny, medium or large)",
                self.model.trim()
            ),
        ))?;
        let device = || {
            DeviceChoice::from_name(self.device.trim()).ok_or((
                "device",
                format!(
                    "unknown device '{}' (expected gpu, cpu or both)",
                    self.device.trim()
                ),
            ))
        };
        let loop_style = match self.loop_style.trim() {
            "" => LoopStyle::default(),
            name => LoopStyle::from_name(name).ok_or((
                "loop_style",
                format!(
                    "unknown loop style '{name}' (expected round-trips, one-submit or pipelined)"
                ),
            ))?,
        };
        let threads = number("cpu_threads", &self.threads)?;
        let repeats = number("repeats", &self.repeats)?;
        match self.action.as_str() {
            "gpu" | "cpu" | "both" => Ok(ExperimentRequest::Run(RunParams {
                model,
                n: number("n", &self.n)?,
                batch: number("batch", &self.b)?,
                device: DeviceChoice::from_name(&self.action).unwrap_or_default(),
                cpu_threads: threads,
                repeats,
                loop_style,
                ..RunParams::default()
            })),
            "n-sweep" => Ok(ExperimentRequest::Sweep(SweepParams {
                kind: SweepKind::N,
                model,
                device: device()?,
                batch: number("batch", &self.b)?,
                cpu_threads: threads,
                repeats,
                loop_style,
                ..SweepParams::default()
            })),
            "batch-sweep" => Ok(ExperimentRequest::Sweep(SweepParams {
                kind: SweepKind::Batch,
                model,
                device: device()?,
                n: number("n", &self.n)?,
                cpu_threads: threads,
                repeats,
                loop_style,
                ..SweepParams::default()
            })),
            "loop-styles" => Ok(ExperimentRequest::Sweep(SweepParams {
                kind: SweepKind::LoopStyle,
                model,
                device: device()?,
                n: number("n", &self.n)?,
                batch: number("batch", &self.b)?,
                cpu_threads: threads,
                repeats,
                ..SweepParams::default()
            })),
            other => Err(("action", format!("unknown action '{other}'"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(action: &str) -> FormInput {
        FormInput {
            action: action.into(),
            model: "tiny".into(),
            n: "100".into(),
            b: "8".into(),
            device: "both".into(),
            threads: "0".into(),
            repeats: "2".into(),
            loop_style: String::new(),
        }
    }

    #[test]
    fn buttons_choose_the_device_of_a_run() {
        let ExperimentRequest::Run(p) = input("gpu").request().unwrap() else {
            panic!("a run")
        };
        assert_eq!(
            (p.device, p.n, p.batch, p.repeats),
            (DeviceChoice::Gpu, 100, 8, 2)
        );
    }

    #[test]
    fn sweeps_use_the_device_field() {
        let ExperimentRequest::Sweep(s) = input("batch-sweep").request().unwrap() else {
            panic!("a sweep")
        };
        assert_eq!(
            (s.kind, s.n, s.device),
            (SweepKind::Batch, 100, DeviceChoice::Both)
        );
    }

    #[test]
    fn the_loop_style_comparison_keeps_n_and_b_and_a_run_takes_the_chosen_style() {
        let ExperimentRequest::Sweep(s) = input("loop-styles").request().unwrap() else {
            panic!("a sweep")
        };
        assert_eq!((s.kind, s.n, s.batch), (SweepKind::LoopStyle, 100, 8));
        let mut i = input("gpu");
        i.loop_style = "pipelined".into();
        let ExperimentRequest::Run(p) = i.request().unwrap() else {
            panic!("a run")
        };
        assert_eq!(p.loop_style, LoopStyle::Pipelined);
        i.loop_style = "warp".into();
        assert_eq!(i.request().unwrap_err().0, "loop_style");
    }

    #[test]
    fn bad_fields_are_named() {
        let mut i = input("cpu");
        i.n = "lots".into();
        assert_eq!(i.request().unwrap_err().0, "n");
        let mut i = input("cpu");
        i.model = "huge".into();
        assert_eq!(i.request().unwrap_err().0, "model");
    }
}
