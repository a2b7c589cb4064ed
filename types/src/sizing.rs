//! What the lab's run and sweep forms start with on this server: sizes that
//! answer within about 5 s on the adapter it has, so a newcomer's first click
//! is answered while they still watch. A software adapter (lavapipe: the CPU
//! running the shaders) gets fewer items and repeats than a hardware GPU;
//! every field stays one edit away, and the JSON API's defaults
//! (`RunParams::default()`) do not change. The timing demo and the cost
//! calculator (one batch size each) answer within that on either as they are.
//! The times behind each choice are in the README ("The first click").

use serde::{Deserialize, Serialize};

use crate::devices::DeviceList;
use crate::params::{RunParams, SweepKind, SweepParams};

/// Which defaults the forms use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Sizing {
    /// A hardware GPU: the full defaults (medium, n = 4096, 5 repeats).
    #[default]
    Hardware,
    /// A software adapter, or no GPU visible: smaller n, fewer repeats.
    Software,
}

impl Sizing {
    /// From the server's device list: what GPU 0 (the first visible adapter,
    /// where runs go) is.
    pub fn of(devices: &DeviceList) -> Sizing {
        let first = devices.adapters.iter().find(|a| a.visible_index == Some(0));
        match first {
            Some(a) if !a.software => Sizing::Hardware,
            _ => Sizing::Software,
        }
    }

    /// A single run (`/lab`'s and the run demo's form).
    pub fn run(self) -> RunParams {
        match self {
            Sizing::Hardware => RunParams::default(),
            Sizing::Software => RunParams {
                n: 1024,
                repeats: 3,
                ..RunParams::default()
            },
        }
    }

    /// Lesson 1's n sweep: n = 10 … 100,000 at b = 32 (its table's batch size).
    pub fn n_sweep(self) -> SweepParams {
        let s = SweepParams {
            kind: SweepKind::N,
            batch: 32,
            ..SweepParams::default()
        };
        // Its prediction is scored against the p10–p90 spread of the repeats,
        // which one repeat does not have. Three is the fewest with a true
        // median (five would pass the lab's 20,000-batch budget for a sweep);
        // a software adapter keeps two, as three took 6.3–8.5 s on the 2-core
        // VM (two 4.7–6.7 s, one 3.2–3.8 s; README, "The first click").
        match self {
            Sizing::Hardware => SweepParams { repeats: 3, ..s },
            Sizing::Software => SweepParams { repeats: 2, ..s },
        }
    }

    /// Lesson 4's batch sweep: b = 1 … 1,024 at a fixed n. The same on either
    /// adapter: `SweepParams::default()`'s three repeats, the fewest with a
    /// true median (a software adapter had two: 2.4–3.7 s; three 3.1–4.4 s).
    pub fn batch_sweep(self) -> SweepParams {
        SweepParams {
            kind: SweepKind::Batch,
            ..SweepParams::default()
        }
    }

    /// One plain sentence for beside a form.
    pub fn note(self) -> &'static str {
        match self {
            Sizing::Hardware => {
                "These settings are sized for this server's GPU: they answer in a few seconds."
            }
            Sizing::Software => {
                "This server's GPU is software emulation on its CPU, so these settings are \
                 smaller than on a real GPU (fewer items, fewer repeats) to answer in about \
                 5 seconds. Larger runs are one edit away; they take proportionally longer."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::{AdapterEntry, Visibility, VisibilitySource};

    fn list(software: &[bool], visible: Vec<usize>) -> DeviceList {
        let adapters = software
            .iter()
            .enumerate()
            .map(|(i, &s)| AdapterEntry {
                physical_index: i,
                visible_index: visible.iter().position(|&p| p == i),
                name: format!("gpu {i}"),
                backend: "Vulkan".into(),
                device_type: if s { "Cpu" } else { "DiscreteGpu" }.into(),
                driver: String::new(),
                driver_info: String::new(),
                vendor_id: 0,
                device_id: 0,
                software: s,
                label: String::new(),
            })
            .collect();
        let visibility = Visibility {
            spec: None,
            visible,
            stopped_at: None,
            explanation: String::new(),
        };
        DeviceList::new(adapters, visibility, VisibilitySource::Unset, 2)
    }

    #[test]
    fn the_adapter_runs_go_to_decides() {
        assert_eq!(Sizing::of(&list(&[false], vec![0])), Sizing::Hardware);
        assert_eq!(Sizing::of(&list(&[true], vec![0])), Sizing::Software);
        // GPU 0 is what runs: a hidden hardware GPU does not count.
        assert_eq!(Sizing::of(&list(&[false, true], vec![1])), Sizing::Software);
        assert_eq!(
            Sizing::of(&list(&[true, false], vec![1, 0])),
            Sizing::Hardware
        );
        assert_eq!(Sizing::of(&list(&[false], vec![])), Sizing::Software);
    }

    #[test]
    fn hardware_keeps_the_full_defaults_and_software_is_smaller() {
        assert_eq!(Sizing::Hardware.run(), RunParams::default());
        let (hw, sw) = (Sizing::Hardware.run(), Sizing::Software.run());
        assert!(sw.n < hw.n && sw.repeats < hw.repeats);
        assert_eq!((sw.model, sw.batch), (hw.model, hw.batch));
        assert!(Sizing::Software.n_sweep().repeats < Sizing::Hardware.n_sweep().repeats);
        // A spread to score the n sweep's prediction against, on either adapter.
        for sizing in [Sizing::Software, Sizing::Hardware] {
            assert!(sizing.n_sweep().repeats >= 2 && sizing.batch_sweep().repeats >= 3);
        }
        assert_eq!(Sizing::Hardware.n_sweep().batch, 32);
        assert_eq!(Sizing::Software.batch_sweep().kind, SweepKind::Batch);
    }
}
