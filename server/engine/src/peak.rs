//! fp32 peak throughput of adapters whose SM count and clock are known, so
//! "% of peak" is computed from the card actually used, not from a family
//! name (an H100 PCIe has 114 SMs at 1.755 GHz, an H100 SXM 132 at 1.98).

/// A known adapter's fp32 peak.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Peak {
    pub tflops: f64,
    /// Where the number comes from: SMs × FP32 lanes per SM × 2 (FMA) × clock.
    pub basis: &'static str,
}

/// Lower-cased name fragments, most specific first; `None` marks a variant
/// whose clocks differ from its family's and are not in this table.
const KNOWN: &[(&str, Option<Peak>)] = &[
    (
        "h100 pcie",
        Some(Peak {
            tflops: 51.2,
            basis: "114 SMs × 128 FP32 lanes × 2 × 1.755 GHz boost",
        }),
    ),
    ("h100 nvl", None),
    (
        // The SXM5 part reports itself as "H100 80GB HBM3" under Vulkan.
        "h100 80gb hbm3",
        Some(Peak {
            tflops: 66.9,
            basis: "H100 SXM5: 132 SMs × 128 FP32 lanes × 2 × 1.98 GHz boost",
        }),
    ),
    (
        "h100 sxm",
        Some(Peak {
            tflops: 66.9,
            basis: "132 SMs × 128 FP32 lanes × 2 × 1.98 GHz boost",
        }),
    ),
    ("h200 nvl", None),
    (
        "h200",
        Some(Peak {
            tflops: 66.9,
            basis: "132 SMs × 128 FP32 lanes × 2 × 1.98 GHz boost",
        }),
    ),
];

/// The fp32 peak of the adapter called `name`, when this table knows it.
pub fn fp32_peak(name: &str) -> Option<Peak> {
    let name = name.to_ascii_lowercase();
    KNOWN
        .iter()
        .find(|(fragment, _)| name.contains(fragment))
        .and_then(|(_, peak)| *peak)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn h100_variants_are_told_apart() {
        assert_eq!(fp32_peak("NVIDIA H100 PCIe").map(|p| p.tflops), Some(51.2));
        assert_eq!(
            fp32_peak("NVIDIA H100 80GB HBM3").map(|p| p.tflops),
            Some(66.9)
        );
        assert_eq!(fp32_peak("NVIDIA H200").map(|p| p.tflops), Some(66.9));
        assert_eq!(fp32_peak("NVIDIA H200 NVL"), None, "not the SXM clocks");
        assert_eq!(fp32_peak("NVIDIA H100 NVL"), None);
        assert_eq!(fp32_peak("llvmpipe (LLVM 15.0.6, 256 bits)"), None);
    }
}
