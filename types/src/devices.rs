//! The machine's adapters and which of them a visibility setting shows.

use serde::{Deserialize, Serialize};

/// Label used for software adapters (lavapipe, SwiftShader, WARP...).
pub const SOFTWARE_LABEL: &str = "software GPU emulation running on the CPU";

/// One physical adapter as shown to users.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdapterEntry {
    pub physical_index: usize,
    /// Index under the visibility setting (`None` = hidden).
    pub visible_index: Option<usize>,
    pub name: String,
    pub backend: String,
    /// wgpu's device type: DiscreteGpu, IntegratedGpu, VirtualGpu, Cpu, Other.
    pub device_type: String,
    pub driver: String,
    pub driver_info: String,
    pub vendor_id: u32,
    pub device_id: u32,
    /// True for CPU-emulated adapters; their numbers measure the CPU.
    pub software: bool,
    /// Plain-language description ("software GPU emulation running on the CPU").
    pub label: String,
}

/// Where the visibility string that applied came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisibilitySource {
    /// The request's own `visible_devices`.
    RequestOverride,
    /// The server's `LAB_VISIBLE_DEVICES`.
    ServerSetting,
    /// Neither was given: every GPU is visible.
    Unset,
}

impl VisibilitySource {
    /// The setting a learner would change.
    pub fn setting_name(self) -> &'static str {
        match self {
            VisibilitySource::RequestOverride => "visible_devices",
            VisibilitySource::ServerSetting | VisibilitySource::Unset => "LAB_VISIBLE_DEVICES",
        }
    }
}

/// Why parsing stopped before the end of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StopReason {
    /// No leading digits, or a negative number (e.g. `abc`, `all`, `-1`, an empty token).
    NotAnIndex,
    /// Looks like a GPU UUID; cannot be matched (wgpu exposes no UUID).
    UuidUnsupported,
    /// An index ≥ the number of physical GPUs.
    OutOfRange { count: usize },
    /// The index was already listed: the whole list is void, no GPU is visible.
    Duplicate,
}

/// The token that ended enumeration, with its 0-based position in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoppedAt {
    pub position: usize,
    pub token: String,
    pub reason: StopReason,
}

/// Result of applying a visibility string to the physical GPUs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visibility {
    /// The raw setting (`None` = unset).
    pub spec: Option<String>,
    /// Physical indices in visible order: `visible[i]` is the physical GPU
    /// that appears as index `i`.
    pub visible: Vec<usize>,
    /// Set when a token ended enumeration early.
    pub stopped_at: Option<StoppedAt>,
    /// One-sentence explanation for the lesson UI.
    pub explanation: String,
}

impl Visibility {
    /// Visible index of a physical GPU, if it is visible.
    pub fn visible_index_of(&self, physical: usize) -> Option<usize> {
        self.visible.iter().position(|&p| p == physical)
    }
}

/// Every adapter, which are visible, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceList {
    pub adapters: Vec<AdapterEntry>,
    #[serde(flatten)]
    pub visibility: Visibility,
    pub visibility_source: VisibilitySource,
    /// Why a GPU run would fail, when no GPU is visible.
    pub no_gpu_message: Option<String>,
    /// Cores available to the CPU backend.
    pub cpu_threads: usize,
}

impl DeviceList {
    pub fn new(
        adapters: Vec<AdapterEntry>,
        visibility: Visibility,
        visibility_source: VisibilitySource,
        cpu_threads: usize,
    ) -> DeviceList {
        let no_gpu_message = visibility
            .visible
            .is_empty()
            .then(|| no_gpu_message(&adapters, &visibility, visibility_source));
        DeviceList {
            adapters,
            visibility,
            visibility_source,
            no_gpu_message,
            cpu_threads,
        }
    }

    /// Adapters in visible order (visible index 0 first).
    pub fn visible(&self) -> impl Iterator<Item = &AdapterEntry> {
        self.visibility
            .visible
            .iter()
            .filter_map(|&p| self.adapters.get(p))
    }

    /// The GPU a run uses: visible index 0, like `cuda:0`.
    pub fn first_visible(&self) -> Option<&AdapterEntry> {
        self.visible().next()
    }
}

fn no_gpu_message(
    adapters: &[AdapterEntry],
    visibility: &Visibility,
    source: VisibilitySource,
) -> String {
    if adapters.is_empty() {
        return "no GPU adapter found on this machine (no Vulkan, Metal or DX12 adapter; \
                on Linux install mesa-vulkan-drivers for lavapipe)"
            .to_string();
    }
    let setting = source.setting_name();
    let spec = visibility.spec.clone().unwrap_or_default();
    if spec.trim().is_empty() {
        format!("no GPU is visible: {setting}='{spec}' hides every GPU")
    } else {
        format!(
            "no GPU is visible: {setting}='{spec}' selects none of the {} GPU(s) ({})",
            adapters.len(),
            visibility.explanation
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adapter(i: usize) -> AdapterEntry {
        AdapterEntry {
            physical_index: i,
            visible_index: None,
            name: format!("gpu{i}"),
            backend: "Vulkan".into(),
            device_type: "Cpu".into(),
            driver: String::new(),
            driver_info: String::new(),
            vendor_id: 0,
            device_id: 0,
            software: true,
            label: SOFTWARE_LABEL.into(),
        }
    }

    fn visibility(spec: &str, visible: Vec<usize>) -> Visibility {
        Visibility {
            spec: Some(spec.into()),
            visible,
            stopped_at: None,
            explanation: "why".into(),
        }
    }

    #[test]
    fn the_message_names_the_setting_only_when_nothing_is_visible() {
        let hidden = DeviceList::new(
            vec![adapter(0)],
            visibility("", vec![]),
            VisibilitySource::RequestOverride,
            2,
        );
        assert_eq!(
            hidden.no_gpu_message.as_deref(),
            Some("no GPU is visible: visible_devices='' hides every GPU")
        );
        let shown = DeviceList::new(
            vec![adapter(0), adapter(1)],
            visibility("1", vec![1]),
            VisibilitySource::ServerSetting,
            2,
        );
        assert_eq!(shown.no_gpu_message, None);
        assert_eq!(shown.first_visible().map(|a| a.name.as_str()), Some("gpu1"));
    }

    #[test]
    fn the_visibility_is_flat_in_json() {
        let list = DeviceList::new(vec![], visibility("0", vec![]), VisibilitySource::Unset, 1);
        let json = serde_json::to_value(&list).unwrap();
        assert_eq!(json["visibility_source"], "unset");
        assert_eq!(json["visible"], serde_json::json!([]));
        assert!(json["no_gpu_message"].is_string());
        let back: DeviceList = serde_json::from_value(json).unwrap();
        assert_eq!(back, list);
    }
}
