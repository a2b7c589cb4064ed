//! The panel form's fields → an experiment request, naming the field that is wrong.

use lab_types::{DeviceChoice, ExperimentRequest, Preset, RunParams, SweepKind, SweepParams};

/// The raw form fields, as submitted.
#[derive(Debug, Clone, PartialEq)]
pub struct FormInput {
    /// The pressed button: `gpu`, `cpu`, `both`, `n-sweep` or `batch-sweep`.
    pub action: String,
    pub model: String,
    pub n: String,
    pub b: String,
    pub device: String,
    pub threads: String,
    pub repeats: String,
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
                ..RunParams::default()
            })),
            "n-sweep" => Ok(ExperimentRequest::Sweep(SweepParams {
                kind: SweepKind::N,
                model,
                device: device()?,
                batch: number("batch", &self.b)?,
                cpu_threads: threads,
                repeats,
                ..SweepParams::default()
            })),
            "batch-sweep" => Ok(ExperimentRequest::Sweep(SweepParams {
                kind: SweepKind::Batch,
                model,
                device: device()?,
                n: number("n", &self.n)?,
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
    fn bad_fields_are_named() {
        let mut i = input("cpu");
        i.n = "lots".into();
        assert_eq!(i.request().unwrap_err().0, "n");
        let mut i = input("cpu");
        i.model = "huge".into();
        assert_eq!(i.request().unwrap_err().0, "model");
    }
}
