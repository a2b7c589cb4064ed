//! `content/references/*.toml`: production libraries measured on the lab's own
//! model shapes, with where, when and how (server only). The lab shows them
//! beside its own numbers so a learner sees how far the teaching kernels are
//! from production, and how the crossover moves.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lab_types::{DeviceKind, Preset};
use serde::Deserialize;

use super::error::{files_with_ext, ContentError};

/// One file: its provenance and its rows.
#[derive(Debug, Clone)]
pub struct ReferenceSet {
    pub file: PathBuf,
    pub provenance: Provenance,
    pub rows: Vec<ReferenceRow>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Provenance {
    /// ISO 8601 time of the measurement.
    pub measured_at: String,
    pub machine: String,
    /// Library and version, e.g. "onnxruntime 1.32.0 (PyPI), CPUExecutionProvider".
    pub library: String,
    pub device: DeviceKind,
    pub method: String,
    #[serde(default)]
    pub note: Option<String>,
    /// Versions, thread counts, load averages: shown as recorded.
    #[serde(flatten)]
    pub details: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceRow {
    pub preset: Preset,
    pub batch: usize,
    pub gflops: f64,
    pub items_per_s: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    provenance: Provenance,
    rows: Vec<ReferenceRow>,
}

/// Loads every `*.toml` in `dir` (a missing folder means no references).
pub fn load_dir(dir: &Path) -> Result<Vec<ReferenceSet>, ContentError> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    files_with_ext(dir, "toml")?
        .iter()
        .map(|file| load_file(file))
        .collect()
}

fn load_file(file: &Path) -> Result<ReferenceSet, ContentError> {
    let text = std::fs::read_to_string(file).map_err(|e| ContentError::io(file, e))?;
    let raw: RawFile = toml::from_str(&text)
        .map_err(|e| ContentError::invalid(file, "toml", e.message().to_string()))?;
    for (field, value) in [
        ("provenance.measured_at", &raw.provenance.measured_at),
        ("provenance.machine", &raw.provenance.machine),
        ("provenance.library", &raw.provenance.library),
        ("provenance.method", &raw.provenance.method),
    ] {
        if value.trim().is_empty() {
            return Err(ContentError::invalid(file, field, "must not be empty"));
        }
    }
    if raw.rows.is_empty() {
        return Err(ContentError::invalid(file, "rows", "no rows"));
    }
    for (i, row) in raw.rows.iter().enumerate() {
        check_row(row).map_err(|m| ContentError::invalid(file, format!("rows[{i}]"), m))?;
    }
    Ok(ReferenceSet {
        file: file.to_path_buf(),
        provenance: raw.provenance,
        rows: raw.rows,
    })
}

/// A row's rate must be positive and its two units must agree: items/s ×
/// FLOPs per item = GFLOP/s (within rounding).
fn check_row(row: &ReferenceRow) -> Result<(), String> {
    if row.batch == 0 {
        return Err("batch must be at least 1".into());
    }
    if !(row.gflops.is_finite() && row.gflops > 0.0 && row.items_per_s.is_finite()) {
        return Err("gflops and items_per_s must be positive numbers".into());
    }
    let flops_per_item: f64 = row
        .preset
        .widths()
        .windows(2)
        .map(|w| 2.0 * w[0] as f64 * w[1] as f64)
        .sum();
    let implied = row.items_per_s * flops_per_item / 1e9;
    if (implied / row.gflops - 1.0).abs() > 0.05 {
        return Err(format!(
            "items_per_s = {} means {implied:.1} GFLOP/s on {}, but gflops = {}",
            row.items_per_s,
            row.preset.name(),
            row.gflops
        ));
    }
    Ok(())
}

impl ReferenceSet {
    /// The row for `preset` whose batch is nearest `batch` (on a log scale).
    pub fn nearest(&self, preset: Preset, batch: usize) -> Option<&ReferenceRow> {
        let distance = |b: usize| ((b.max(1) as f64).ln() - (batch.max(1) as f64).ln()).abs();
        self.rows
            .iter()
            .filter(|r| r.preset == preset)
            .min_by(|a, b| distance(a.batch).total_cmp(&distance(b.batch)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(preset: Preset, batch: usize, gflops: f64, items_per_s: f64) -> ReferenceRow {
        ReferenceRow {
            preset,
            batch,
            gflops,
            items_per_s,
        }
    }

    #[test]
    fn both_units_must_agree() {
        // tiny: 18,944 FLOPs per item.
        assert!(check_row(&row(Preset::Tiny, 64, 16.9, 892_064.0)).is_ok());
        let wrong = check_row(&row(Preset::Tiny, 64, 169.0, 892_064.0)).unwrap_err();
        assert!(wrong.contains("gflops = 169"), "{wrong}");
        assert!(check_row(&row(Preset::Tiny, 0, 16.9, 892_064.0)).is_err());
        assert!(check_row(&row(Preset::Tiny, 1, f64::NAN, 1.0)).is_err());
    }

    #[test]
    fn the_nearest_batch_is_picked_on_a_log_scale() {
        let set = ReferenceSet {
            file: PathBuf::from("x.toml"),
            provenance: toml::from_str(
                "measured_at = 't'\nmachine = 'm'\nlibrary = 'l'\ndevice = 'cpu'\nmethod = 'x'",
            )
            .unwrap(),
            rows: vec![
                row(Preset::Tiny, 8, 4.6, 242_821.0),
                row(Preset::Tiny, 64, 16.9, 892_064.0),
                row(Preset::Medium, 32, 1.0, 268.6),
            ],
        };
        assert_eq!(set.nearest(Preset::Tiny, 20).map(|r| r.batch), Some(8));
        assert_eq!(set.nearest(Preset::Tiny, 30).map(|r| r.batch), Some(64));
        assert_eq!(set.nearest(Preset::Large, 30).map(|r| r.batch), None);
    }
}
