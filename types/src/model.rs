//! The lab's model shapes.

use serde::{Deserialize, Serialize};

/// Named model shapes offered by the lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// 64-128-10: launch overhead dominates, the GPU cannot win.
    Tiny,
    /// 784-1024-1024-10 (MNIST-shaped).
    #[default]
    Medium,
    /// 1024-4096-4096-1024: enough arithmetic per item for a real GPU to shine.
    Large,
}

/// A name that is none of the allowed ones (`"huge"` for a preset).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} '{name}' (expected {expected})")]
pub struct UnknownName {
    pub what: &'static str,
    pub name: String,
    pub expected: &'static str,
}

impl Preset {
    pub const ALL: [Preset; 3] = [Preset::Tiny, Preset::Medium, Preset::Large];

    /// Layer widths, input first.
    pub fn widths(self) -> &'static [usize] {
        match self {
            Preset::Tiny => &[64, 128, 10],
            Preset::Medium => &[784, 1024, 1024, 10],
            Preset::Large => &[1024, 4096, 4096, 1024],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Preset::Tiny => "tiny",
            Preset::Medium => "medium",
            Preset::Large => "large",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }

    /// "784 → 1024 → 1024 → 10".
    pub fn shape(self) -> String {
        let widths: Vec<String> = self.widths().iter().map(usize::to_string).collect();
        widths.join(" → ")
    }
}

impl std::str::FromStr for Preset {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Preset::from_name(&s.trim().to_ascii_lowercase()).ok_or_else(|| UnknownName {
            what: "preset",
            name: s.trim().to_string(),
            expected: "tiny, medium or large",
        })
    }
}

/// The model a run used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    pub preset: Preset,
    pub widths: Vec<usize>,
    pub parameters: usize,
    /// 2·in·out summed over layers.
    pub flops_per_item: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_shapes_come_from_widths() {
        for p in Preset::ALL {
            assert_eq!(p.name().parse::<Preset>(), Ok(p));
            assert_eq!(
                p.shape().split(" → ").count(),
                p.widths().len(),
                "{}",
                p.shape()
            );
        }
        assert_eq!(Preset::Medium.shape(), "784 → 1024 → 1024 → 10");
        assert_eq!(" Large ".parse::<Preset>(), Ok(Preset::Large));
        let err = "huge".parse::<Preset>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown preset 'huge' (expected tiny, medium or large)"
        );
    }
}
