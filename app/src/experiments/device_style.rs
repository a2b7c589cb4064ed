//! How a device is drawn: the same colour in tables, legends and charts.

use lab_types::DeviceKind;

/// CSS custom property of the device's colour (light and dark themes differ).
pub fn colour(device: DeviceKind) -> &'static str {
    match device {
        DeviceKind::Gpu => "var(--gpu)",
        DeviceKind::Cpu => "var(--cpu)",
    }
}
