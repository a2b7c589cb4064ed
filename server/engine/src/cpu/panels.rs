//! The weights rearranged once per model into the layout gemm's kernel reads
//! in place, as onnxruntime packs its constant weights at session creation.
//!
//! gemm turns `Y = X·W` (row-major Y) into `Yᵀ = Wᵀ·Xᵀ` and vectorises along
//! W's output columns: its AVX2 f32 kernel takes 16 output columns × 6 items
//! per step and, unless told otherwise, first copies ("packs") each 16-column
//! slice of W into a scratch buffer, on every call. From the row-major W that
//! copy reads 64 bytes per row of W, one row (16 KB for `large`) apart: a
//! page-crossing gather the prefetchers do not follow. Here each 16-column
//! panel is stored contiguously instead (`k` rows of 16 floats), so with
//! packing switched off the kernel streams each panel straight from memory.

use std::sync::{Arc, Mutex, Weak};

use crate::model::{Layer, Mlp};

/// Output columns per panel: the rows of gemm's f32 AVX2/FMA micro-kernel
/// (2 × 8 lanes). `split::COL_ALIGN` is the same, so strips hold whole panels.
pub const PANEL: usize = 16;

/// One layer's weights as consecutive panels: panel `p` covers output
/// columns `p·PANEL ..` (the last one may be narrower), stored row by row.
#[derive(Debug)]
pub struct PanelLayer {
    pub inputs: usize,
    pub outputs: usize,
    data: Vec<f32>,
}

impl PanelLayer {
    pub fn new(layer: &Layer) -> PanelLayer {
        let (k, n) = (layer.inputs, layer.outputs);
        let mut data = Vec::with_capacity(k * n);
        for c0 in (0..n).step_by(PANEL) {
            let width = PANEL.min(n - c0);
            for row in layer.weights.chunks_exact(n) {
                data.extend_from_slice(&row[c0..c0 + width]);
            }
        }
        PanelLayer {
            inputs: k,
            outputs: n,
            data,
        }
    }

    /// The panel starting at output column `c0` (a multiple of [`PANEL`]):
    /// `inputs × width` row-major, and its width.
    pub fn panel(&self, c0: usize) -> (&[f32], usize) {
        debug_assert!(c0.is_multiple_of(PANEL) && c0 < self.outputs);
        let width = PANEL.min(self.outputs - c0);
        let start = c0 * self.inputs;
        (&self.data[start..start + self.inputs * width], width)
    }
}

/// Models already rearranged, held as long as their `Mlp` lives (the engine
/// keeps its presets for the whole process, so each is rearranged once).
type Cache = Vec<(Weak<Mlp>, Arc<[PanelLayer]>)>;
static CACHE: Mutex<Cache> = Mutex::new(Vec::new());

/// `mlp`'s layers as panels, built on first use and shared by every runner.
pub fn panels(mlp: &Arc<Mlp>) -> Arc<[PanelLayer]> {
    // A panic elsewhere while holding the lock leaves the list intact.
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    cache.retain(|(m, _)| m.strong_count() > 0);
    if let Some((_, p)) = cache.iter().find(|(m, _)| m.as_ptr() == Arc::as_ptr(mlp)) {
        return p.clone();
    }
    let p: Arc<[PanelLayer]> = mlp.layers.iter().map(PanelLayer::new).collect();
    cache.push((Arc::downgrade(mlp), p.clone()));
    p
}

/// Stops gemm copying the panels it is given (see the module comment): the
/// LHS packing threshold counts items in units of the kernel's 6 columns, and
/// 256 (gemm's maximum) keeps every call of up to 1536 items unpacked.
pub fn read_panels_in_place() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| gemm_common::gemm::set_lhs_packing_threshold_single_thread(256));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelSpec;

    #[test]
    fn panels_hold_every_weight_once_in_place() {
        let mlp = Mlp::new(
            ModelSpec {
                widths: vec![5, 37, 16, 3],
            },
            1,
        );
        for layer in &mlp.layers {
            let p = PanelLayer::new(layer);
            let (k, n) = (layer.inputs, layer.outputs);
            assert_eq!(p.data.len(), k * n);
            for c0 in (0..n).step_by(PANEL) {
                let (panel, width) = p.panel(c0);
                assert_eq!(width, PANEL.min(n - c0), "n={n} c0={c0}");
                for r in 0..k {
                    for c in 0..width {
                        assert_eq!(panel[r * width + c], layer.weights[r * n + c0 + c]);
                    }
                }
            }
        }
    }

    #[test]
    fn each_model_is_rearranged_once_and_forgotten_with_it() {
        let spec = ModelSpec {
            widths: vec![4, 20, 2],
        };
        let a = Arc::new(Mlp::new(spec.clone(), 1));
        let b = Arc::new(Mlp::new(spec, 2));
        let pa = panels(&a);
        assert!(
            Arc::ptr_eq(&pa, &panels(&a)),
            "the same model reuses its panels"
        );
        assert!(!Arc::ptr_eq(&pa, &panels(&b)), "another model gets its own");
        let weak = Arc::downgrade(&pa);
        drop((pa, a));
        panels(&b); // prunes entries of dropped models
        assert!(
            weak.upgrade().is_none(),
            "a dropped model's panels are freed"
        );
    }
}
