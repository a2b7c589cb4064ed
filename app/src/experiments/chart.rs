//! Small SVG charts generated as strings (the same markup on the server and in
//! the browser). Colours are CSS custom properties so dark mode stays readable.

use std::fmt::Write;

pub(crate) const W: f64 = 640.0;
const H: f64 = 340.0;
const LEFT: f64 = 72.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 36.0;
const BOTTOM: f64 = 52.0;

pub struct Axis {
    pub label: String,
    pub log: bool,
}

pub struct Series {
    pub name: String,
    /// A CSS colour, e.g. `var(--gpu)`.
    pub colour: &'static str,
    pub points: Vec<(f64, f64)>,
    /// Dashed line without markers (a fit), instead of measured points.
    pub dashed: bool,
}

pub struct LineChart {
    pub title: String,
    pub x: Axis,
    pub y: Axis,
    pub series: Vec<Series>,
}

/// Escapes text for SVG/HTML content and attributes.
pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A compact tick label: 1, 10, 1k, 100k, 0.5, 2.5M.
pub fn tick_label(v: f64) -> String {
    let a = v.abs();
    let (x, suffix) = if a >= 1e9 {
        (v / 1e9, "G")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    // Whole numbers and values ≥ 10 need no decimal; below 1, enough
    // decimals for two significant digits (0.02, not "0.0").
    let s = if x.fract().abs() < 1e-9 || x.abs() >= 10.0 {
        format!("{x:.0}")
    } else if x.abs() >= 1.0 {
        format!("{x:.1}")
    } else {
        let decimals = (1 - x.abs().log10().floor() as i32).clamp(1, 9) as usize;
        let t = format!("{x:.decimals$}");
        // 0.50 → 0.5: a trailing zero adds nothing to a tick.
        if t.contains('.') {
            t.trim_end_matches('0').to_string()
        } else {
            t
        }
    };
    format!("{s}{suffix}")
}

/// Domain and tick positions of one axis.
pub(crate) struct Scale {
    lo: f64,
    hi: f64,
    log: bool,
    pub(crate) ticks: Vec<f64>,
}

impl Scale {
    pub(crate) fn new(values: impl Iterator<Item = f64>, log: bool) -> Scale {
        let vals: Vec<f64> = values
            .filter(|v| v.is_finite() && (!log || *v > 0.0))
            .collect();
        let (mut lo, mut hi) = vals
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
                (l.min(v), h.max(v))
            });
        if !lo.is_finite() {
            (lo, hi) = if log { (1.0, 10.0) } else { (0.0, 1.0) };
        }
        if log {
            let (a, b) = (
                lo.log10().floor() as i32,
                hi.log10().ceil().max(lo.log10().floor() + 1.0) as i32,
            );
            let ticks = (a..=b).map(|e| 10f64.powi(e)).collect();
            Scale {
                lo: 10f64.powi(a),
                hi: 10f64.powi(b),
                log,
                ticks,
            }
        } else {
            lo = lo.min(0.0);
            if hi <= lo {
                hi = lo + 1.0;
            }
            let step = nice_step((hi - lo) / 5.0);
            let hi = (hi / step).ceil() * step;
            let ticks = (0..=((hi - lo) / step).round() as usize)
                .map(|i| lo + i as f64 * step)
                .collect();
            Scale { lo, hi, log, ticks }
        }
    }

    /// 0..=1 along the axis.
    pub(crate) fn frac(&self, v: f64) -> f64 {
        if self.log {
            (v.max(self.lo * 1e-3).log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        }
    }
}

fn nice_step(raw: f64) -> f64 {
    let mag = 10f64.powf(raw.log10().floor());
    let n = raw / mag;
    mag * if n <= 1.0 {
        1.0
    } else if n <= 2.0 {
        2.0
    } else if n <= 5.0 {
        5.0
    } else {
        10.0
    }
}

/// Where a chart draws: its whole height, and the plot area inside it.
pub(crate) struct Frame {
    pub height: f64,
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub plot_height: f64,
}

impl Frame {
    /// A chart `height` units high with the usual margins.
    pub(crate) fn new(height: f64) -> Frame {
        Frame {
            height,
            left: LEFT,
            top: TOP,
            width: W - LEFT - RIGHT,
            plot_height: height - TOP - BOTTOM,
        }
    }

    /// The x coordinate of `v` on `xs`, kept inside the plot.
    pub(crate) fn x(&self, xs: &Scale, v: f64) -> f64 {
        self.left + xs.frac(v).clamp(0.0, 1.0) * self.width
    }

    /// The y coordinate of `v` on `ys`, kept inside the plot.
    pub(crate) fn y(&self, ys: &Scale, v: f64) -> f64 {
        self.top + self.plot_height - ys.frac(v).clamp(0.0, 1.0) * self.plot_height
    }

    /// Grid lines with their tick labels on both axes, then the two axis labels.
    pub(crate) fn axes(
        &self,
        svg: &mut String,
        xs: &Scale,
        ys: &Scale,
        x_label: &str,
        y_label: &str,
    ) {
        let bottom = self.top + self.plot_height;
        for &t in &xs.ticks {
            let x = self.x(xs, t);
            let _ = write!(
                svg,
                r#"<line class="grid" x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{bottom:.1}" style="stroke: var(--border)"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" style="fill: var(--text)">{}</text>"#,
                self.top,
                bottom + 16.0,
                tick_label(t)
            );
        }
        for &t in &ys.ticks {
            let y = self.y(ys, t);
            let _ = write!(
                svg,
                r#"<line class="grid" x1="{}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" style="stroke: var(--border)"/><text x="{:.1}" y="{:.1}" text-anchor="end" style="fill: var(--text)">{}</text>"#,
                self.left,
                self.left + self.width,
                self.left - 6.0,
                y + 4.0,
                tick_label(t)
            );
        }
        let _ = write!(
            svg,
            r#"<text class="axis-label" x="{:.1}" y="{:.1}" text-anchor="middle" style="fill: var(--text)">{}</text><text class="axis-label" transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle" style="fill: var(--text)">{}</text>"#,
            self.left + self.width / 2.0,
            self.height - 10.0,
            esc(x_label),
            self.top + self.plot_height / 2.0,
            esc(y_label)
        );
    }
}

/// A number for a chart's text alternative: three significant digits.
pub(crate) fn spoken(v: f64) -> String {
    if !v.is_finite() {
        return "no value".into();
    }
    let digits = if v == 0.0 {
        0
    } else {
        (2 - v.abs().log10().floor() as i32).max(0) as usize
    };
    format!("{v:.digits$}")
}

impl LineChart {
    /// The chart in words, for screen readers (its `aria-label`): every point.
    pub fn describe(&self) -> String {
        let series: Vec<String> = self
            .series
            .iter()
            .map(|s| {
                let points: Vec<String> = s
                    .points
                    .iter()
                    .map(|&(x, y)| format!("{} at {}", spoken(y), spoken(x)))
                    .collect();
                format!("{}: {}", s.name, points.join(", "))
            })
            .collect();
        format!(
            "{}. {} against {}. {}.",
            self.title,
            self.y.label,
            self.x.label,
            series.join("; ")
        )
    }

    pub fn to_svg(&self) -> String {
        let xs = Scale::new(
            self.series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.0)),
            self.x.log,
        );
        let ys = Scale::new(
            self.series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.1)),
            self.y.log,
        );
        let frame = Frame::new(H);
        let px = |v: f64| frame.x(&xs, v);
        let py = |v: f64| frame.y(&ys, v);

        let mut svg = String::new();
        let _ = write!(
            svg,
            r#"<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{d}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
            t = esc(&self.title),
            d = esc(&self.describe())
        );
        frame.axes(&mut svg, &xs, &ys, &axis_text(&self.x), &axis_text(&self.y));
        // Series.
        for s in &self.series {
            let pts: Vec<String> = s
                .points
                .iter()
                .filter(|p| {
                    p.0.is_finite()
                        && p.1.is_finite()
                        && (!xs.log || p.0 > 0.0)
                        && (!ys.log || p.1 > 0.0)
                })
                .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
                .collect();
            let dash = if s.dashed {
                "; stroke-dasharray: 6 4"
            } else {
                ""
            };
            let _ = write!(
                svg,
                r#"<polyline fill="none" points="{}" style="stroke: {}; stroke-width: 2{dash}"><title>{}</title></polyline>"#,
                pts.join(" "),
                s.colour,
                esc(&s.name)
            );
            if !s.dashed {
                for p in &pts {
                    let (x, y) = p.split_once(',').unwrap_or(("0", "0"));
                    let _ = write!(
                        svg,
                        r#"<circle cx="{x}" cy="{y}" r="3.5" style="fill: {}"/>"#,
                        s.colour
                    );
                }
            }
        }
        // Legend along the top.
        let mut lx = LEFT;
        for s in &self.series {
            let dash = if s.dashed {
                "; stroke-dasharray: 6 4"
            } else {
                ""
            };
            let _ = write!(
                svg,
                r#"<line x1="{lx:.1}" y1="18" x2="{:.1}" y2="18" style="stroke: {}; stroke-width: 3{dash}"/><text x="{:.1}" y="22" style="fill: var(--text)">{}</text>"#,
                lx + 20.0,
                s.colour,
                lx + 26.0,
                esc(&s.name)
            );
            lx += 40.0 + 7.0 * s.name.chars().count() as f64;
        }
        svg.push_str("</svg>");
        svg
    }
}

fn axis_text(a: &Axis) -> String {
    if a.log {
        format!("{} (log scale)", a.label)
    } else {
        a.label.clone()
    }
}

/// One stacked bar of a horizontal bar chart.
pub struct Bar {
    pub label: String,
    /// (segment name, CSS colour, value).
    pub segments: Vec<(String, &'static str, f64)>,
}

/// Horizontal stacked bars on a linear axis from zero (e.g. phase times per device).
pub struct BarChart {
    pub title: String,
    pub unit: String,
    pub bars: Vec<Bar>,
}

impl BarChart {
    /// The chart in words, for screen readers (its `aria-label`): every segment.
    pub fn describe(&self) -> String {
        let bars: Vec<String> = self
            .bars
            .iter()
            .map(|b| {
                let segments: Vec<String> = b
                    .segments
                    .iter()
                    .map(|(name, _, v)| format!("{name} {} {}", spoken(*v), self.unit))
                    .collect();
                format!("{}: {}", b.label, segments.join(", "))
            })
            .collect();
        format!("{}. {}.", self.title, bars.join("; "))
    }

    pub fn to_svg(&self) -> String {
        let row = 34.0;
        let h = TOP + row * self.bars.len() as f64 + BOTTOM;
        let left = 130.0;
        let pw = W - left - RIGHT;
        let total_max = self
            .bars
            .iter()
            .map(|b| b.segments.iter().map(|s| s.2.max(0.0)).sum::<f64>())
            .fold(0.0, f64::max);
        let scale = Scale::new([0.0, total_max].into_iter(), false);
        let px = |v: f64| left + scale.frac(v) * pw;
        let mut svg = String::new();
        let _ = write!(
            svg,
            r#"<svg class="chart" viewBox="0 0 {W} {h}" role="img" aria-label="{d}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
            t = esc(&self.title),
            d = esc(&self.describe())
        );
        let plot_bottom = TOP + row * self.bars.len() as f64;
        for &t in &scale.ticks {
            let x = px(t);
            let _ = write!(
                svg,
                r#"<line class="grid" x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{plot_bottom:.1}" style="stroke: var(--border)"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" style="fill: var(--text)">{}</text>"#,
                plot_bottom + 16.0,
                tick_label(t)
            );
        }
        let _ = write!(
            svg,
            r#"<text class="axis-label" x="{:.1}" y="{:.1}" text-anchor="middle" style="fill: var(--text)">{}</text>"#,
            left + pw / 2.0,
            h - 10.0,
            esc(&self.unit)
        );
        let mut legend: Vec<(&str, &str)> = Vec::new();
        for (i, bar) in self.bars.iter().enumerate() {
            let y = TOP + row * i as f64 + 6.0;
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="end" style="fill: var(--text)">{}</text>"#,
                left - 8.0,
                y + 15.0,
                esc(&bar.label)
            );
            let mut start = 0.0;
            for (name, colour, value) in &bar.segments {
                let v = value.max(0.0);
                let (x0, x1) = (px(start), px(start + v));
                let _ = write!(
                    svg,
                    r#"<rect x="{x0:.1}" y="{y:.1}" width="{:.1}" height="22" style="fill: {colour}"><title>{}: {}</title></rect>"#,
                    (x1 - x0).max(0.0),
                    esc(name),
                    esc(&format!("{v:.3} {}", self.unit))
                );
                start += v;
                if !legend.iter().any(|(n, _)| n == name) {
                    legend.push((name, colour));
                }
            }
        }
        let mut lx = left;
        for (name, colour) in legend {
            let _ = write!(
                svg,
                r#"<rect x="{lx:.1}" y="10" width="12" height="12" style="fill: {colour}"/><text x="{:.1}" y="21" style="fill: var(--text)">{}</text>"#,
                lx + 16.0,
                esc(name)
            );
            lx += 30.0 + 7.0 * name.chars().count() as f64;
        }
        svg.push_str("</svg>");
        svg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_axis_spans_whole_decades() {
        let s = Scale::new([10.0, 100_000.0].into_iter(), true);
        assert_eq!(s.ticks, vec![10.0, 100.0, 1_000.0, 10_000.0, 100_000.0]);
        assert!((s.frac(1_000.0) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn linear_axis_has_nice_ticks_from_zero() {
        let s = Scale::new([0.3, 7.2].into_iter(), false);
        assert_eq!(s.ticks.first(), Some(&0.0));
        assert_eq!(s.hi, 8.0);
    }

    #[test]
    fn svg_is_labelled_and_uses_css_colours() {
        let chart = LineChart {
            title: "Time vs n".into(),
            x: Axis {
                label: "n (items)".into(),
                log: true,
            },
            y: Axis {
                label: "time (ms)".into(),
                log: true,
            },
            series: vec![Series {
                name: "GPU <sw>".into(),
                colour: "var(--gpu)",
                points: vec![(10.0, 1.0), (100.0, 5.0)],
                dashed: false,
            }],
        };
        let svg = chart.to_svg();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("n (items) (log scale)"));
        assert!(
            svg.contains("var(--gpu)")
                && svg.contains("var(--border)")
                && svg.contains("var(--text)")
        );
        assert!(svg.contains("GPU &lt;sw&gt;"));
        assert!(!svg.contains("NaN"));
        assert!(
            svg.contains(r#"aria-label="Time vs n. time (ms) against n (items). GPU &lt;sw&gt;: 1.00 at 10.0, 5.00 at 100."#),
            "{svg}"
        );
    }

    #[test]
    fn tick_labels_are_compact() {
        assert_eq!(tick_label(100_000.0), "100k");
        assert_eq!(tick_label(0.5), "0.5");
        assert_eq!(tick_label(2.5e6), "2.5M");
        // Sub-millisecond axes keep their ticks apart (they all read "0.0").
        assert_eq!(tick_label(0.02), "0.02");
        assert_eq!(tick_label(0.005), "0.005");
        assert_eq!(tick_label(0.015), "0.015");
        assert_eq!(tick_label(0.1), "0.1");
        assert_eq!(tick_label(1.5), "1.5");
    }
}
