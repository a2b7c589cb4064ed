//! The roofline as an SVG string (the same markup on the server and in the
//! browser): log–log, intensity across, GFLOP/s up; per device its memory
//! roof (bandwidth × intensity) rising to its compute roof, the ridge point
//! where they meet, and the measurements under them.

use std::fmt::Write;

use lab_types::DeviceRoofs;

use super::points::{RoofPath, RoofPoint, Source};
use crate::experiments::chart::{esc, spoken, tick_label, Frame, Scale, W};
use crate::experiments::device_style::colour;

const H: f64 = 380.0;

pub struct RooflineChart<'a> {
    pub title: String,
    pub roofs: &'a [DeviceRoofs],
    pub points: &'a [RoofPoint],
    pub paths: &'a [RoofPath],
}

impl RooflineChart<'_> {
    fn all_points(&self) -> impl Iterator<Item = &RoofPoint> {
        self.points
            .iter()
            .chain(self.paths.iter().flat_map(|p| p.points.iter()))
            .filter(|p| p.intensity > 0.0 && p.gflops > 0.0)
    }

    /// The chart in words (its `aria-label`); the table beside it has every number.
    pub fn describe(&self) -> String {
        let roofs: Vec<String> = self
            .roofs
            .iter()
            .map(|r| {
                format!(
                    "{} ({}): memory roof {} GB/s, compute roof {} GFLOP/s, ridge point at {} FLOP per byte",
                    r.device.label(),
                    r.name,
                    spoken(r.memory.value),
                    spoken(r.compute.value),
                    spoken(r.ridge())
                )
            })
            .collect();
        let points: Vec<String> = self
            .all_points()
            .map(|p| {
                format!(
                    "{} {}: {} GFLOP/s at {} FLOP per byte",
                    p.device.label(),
                    p.label,
                    spoken(p.gflops),
                    spoken(p.intensity)
                )
            })
            .collect();
        format!(
            "{}. Attainable GFLOP/s against arithmetic intensity, both on log scales. {}. {}.",
            self.title,
            roofs.join("; "),
            if points.is_empty() {
                "No measurements yet".to_string()
            } else {
                points.join("; ")
            }
        )
    }

    /// The axes' ranges: every point, every ridge, a decade of each roof's slope.
    fn scales(&self) -> (Scale, Scale) {
        let mut xs: Vec<f64> = self.all_points().map(|p| p.intensity).collect();
        let mut ys: Vec<f64> = self.all_points().map(|p| p.gflops).collect();
        for r in self.roofs {
            let ridge = r.ridge();
            if ridge.is_finite() && ridge > 0.0 {
                xs.extend([ridge / 10.0, ridge * 10.0]);
                ys.extend([r.compute.value, r.compute.value / 10.0]);
            }
        }
        (
            Scale::new(xs.into_iter(), true),
            Scale::new(ys.into_iter(), true),
        )
    }

    pub fn to_svg(&self) -> String {
        let (xs, ys) = self.scales();
        let frame = Frame::new(H);
        let px = |v: f64| frame.x(&xs, v);
        let py = |v: f64| frame.y(&ys, v);
        let (x_lo, x_hi) = (
            xs.ticks.first().copied().unwrap_or(0.1),
            xs.ticks.last().copied().unwrap_or(1000.0),
        );

        let mut svg = String::new();
        let _ = write!(
            svg,
            r#"<svg class="chart roofline-chart" viewBox="0 0 {W} {H}" role="img" aria-label="{d}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
            t = esc(&self.title),
            d = esc(&self.describe())
        );
        frame.axes(
            &mut svg,
            &xs,
            &ys,
            "Arithmetic intensity, FLOP per byte (log scale)",
            "GFLOP/s (log scale)",
        );

        // Roofs: the slope, the flat top, the ridge marked.
        for r in self.roofs {
            let (bw, peak, ridge) = (r.memory.value, r.compute.value, r.ridge());
            if !(bw > 0.0 && peak > 0.0 && ridge.is_finite()) {
                continue;
            }
            let c = colour(r.device);
            let start = x_lo.max(ys.ticks.first().copied().unwrap_or(0.0) / bw);
            let _ = write!(
                svg,
                r#"<polyline class="roof" fill="none" points="{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" style="stroke: {c}; stroke-width: 2.5"><title>{} roofs: {} GB/s, {} GFLOP/s</title></polyline>"#,
                px(start),
                py(bw * start),
                px(ridge),
                py(peak),
                px(x_hi),
                py(peak),
                esc(r.device.label()),
                spoken(bw),
                spoken(peak)
            );
            let _ = write!(
                svg,
                r#"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" style="stroke: {c}; stroke-dasharray: 3 4"/><text x="{:.1}" y="{:.1}" style="fill: var(--text)">{} ridge {}</text>"#,
                py(peak),
                frame.top + frame.plot_height,
                px(ridge) + 4.0,
                py(peak) - 6.0,
                esc(r.device.label()),
                tick_label(ridge),
                x = px(ridge),
            );
        }

        // A batch sweep's path, then the single points.
        for path in self.paths {
            let pts: Vec<String> = path
                .points
                .iter()
                .filter(|p| p.intensity > 0.0 && p.gflops > 0.0)
                .map(|p| format!("{:.1},{:.1}", px(p.intensity), py(p.gflops)))
                .collect();
            let _ = write!(
                svg,
                r#"<polyline class="sweep-path" fill="none" points="{}" style="stroke: {}; stroke-width: 1.5; stroke-dasharray: 6 3"/>"#,
                pts.join(" "),
                colour(path.device)
            );
        }
        for p in self.all_points() {
            let (x, y, c) = (px(p.intensity), py(p.gflops), colour(p.device));
            let tip = esc(&format!(
                "{} {}: {} GFLOP/s at {} FLOP/B",
                p.device.label(),
                p.label,
                spoken(p.gflops),
                spoken(p.intensity)
            ));
            match p.source {
                // A recorded row is a hollow square with its name: not measured here.
                Source::Reference => {
                    let _ = write!(
                        svg,
                        r#"<rect class="reference-point" x="{:.1}" y="{:.1}" width="8" height="8" style="fill: none; stroke: {c}; stroke-width: 2"><title>{tip}</title></rect><text x="{:.1}" y="{:.1}" font-size="11" style="fill: var(--text)">{}</text>"#,
                        x - 4.0,
                        y - 4.0,
                        x + 7.0,
                        y + 4.0,
                        esc(&p.label)
                    );
                }
                Source::Kernel | Source::Wall => {
                    let _ = write!(
                        svg,
                        r#"<circle class="run-point" cx="{x:.1}" cy="{y:.1}" r="4" style="fill: {c}"><title>{tip}</title></circle>"#
                    );
                }
            }
        }

        // Legend: one entry per device with roofs.
        let mut lx = frame.left;
        for r in self.roofs {
            let name = format!("{} roofs", r.device.label());
            let _ = write!(
                svg,
                r#"<line x1="{lx:.1}" y1="18" x2="{:.1}" y2="18" style="stroke: {}; stroke-width: 3"/><text x="{:.1}" y="22" style="fill: var(--text)">{}</text>"#,
                lx + 20.0,
                colour(r.device),
                lx + 26.0,
                esc(&name)
            );
            lx += 40.0 + 7.0 * name.chars().count() as f64;
        }
        if self.all_points().any(|p| p.source == Source::Reference) {
            let _ = write!(
                svg,
                r#"<rect x="{lx:.1}" y="12" width="8" height="8" style="fill: none; stroke: var(--text); stroke-width: 2"/><text x="{:.1}" y="22" style="fill: var(--text)">recorded elsewhere</text>"#,
                lx + 14.0
            );
        }
        svg.push_str("</svg>");
        svg
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lab_types::{DeviceKind, Roof};

    fn roofs(device: DeviceKind, gflops: f64, gb_s: f64) -> DeviceRoofs {
        let roof = |value| Roof {
            value,
            spread: None,
            method: String::new(),
        };
        DeviceRoofs {
            device,
            name: "test".into(),
            software: false,
            compute: roof(gflops),
            memory: roof(gb_s),
            cache_bytes: None,
            took_ms: 0.0,
        }
    }

    fn point(device: DeviceKind, intensity: f64, gflops: f64, source: Source) -> RoofPoint {
        RoofPoint {
            device,
            adapter: "test".into(),
            label: "medium, b = 1".into(),
            intensity,
            gflops,
            source,
        }
    }

    #[test]
    fn draws_each_roof_its_ridge_and_every_point() {
        let roofs = [
            roofs(DeviceKind::Gpu, 100.0, 4.0),
            roofs(DeviceKind::Cpu, 500.0, 50.0),
        ];
        let points = [
            point(DeviceKind::Gpu, 0.5, 1.0, Source::Kernel),
            point(DeviceKind::Cpu, 0.5, 20.0, Source::Wall),
            point(DeviceKind::Gpu, 139.0, 8000.0, Source::Reference),
        ];
        let chart = RooflineChart {
            title: "Roofline".into(),
            roofs: &roofs,
            points: &points,
            paths: &[],
        };
        let svg = chart.to_svg();
        assert_eq!(svg.matches("class=\"roof\"").count(), 2, "{svg}");
        // Ridge points: 100 / 4 = 25 and 500 / 50 = 10 FLOP/B.
        assert!(
            svg.contains("GPU ridge 25") && svg.contains("CPU ridge 10"),
            "{svg}"
        );
        assert_eq!(svg.matches("class=\"run-point\"").count(), 2);
        assert_eq!(svg.matches("class=\"reference-point\"").count(), 1);
        assert!(svg.contains("recorded elsewhere"));
        let words = chart.describe();
        assert!(
            words.contains("ridge point at 25.0 FLOP per byte"),
            "{words}"
        );
        assert!(
            words.contains("CPU medium, b = 1: 20.0 GFLOP/s at 0.500 FLOP per byte"),
            "{words}"
        );
        // The y axis reaches the highest point: 8,000 GFLOP/s needs the 10k tick.
        assert!(svg.contains(">10k</text>"), "{svg}");
    }

    #[test]
    fn without_roofs_or_points_it_still_draws_axes() {
        let chart = RooflineChart {
            title: "Empty".into(),
            roofs: &[],
            points: &[],
            paths: &[],
        };
        let svg = chart.to_svg();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(chart.describe().contains("No measurements yet"));
    }
}
