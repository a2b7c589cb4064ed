//! Human-readable numbers and titles (both sides).

use lab_types::{ExperimentRequest, LoopStyle, RunParams, SweepKind};

/// "1,024" style thousands separators.
pub fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Milliseconds with about three significant digits.
pub fn ms(v: f64) -> String {
    if !v.is_finite() {
        "–".to_string()
    } else if v >= 100.0 {
        format!("{v:.0} ms")
    } else if v >= 10.0 {
        format!("{v:.1} ms")
    } else if v >= 1.0 {
        format!("{v:.2} ms")
    } else {
        format!("{:.1} µs", v * 1e3)
    }
}

/// A large rate with an SI suffix: "12.3 k", "4.56 M".
pub fn si(v: f64) -> String {
    let (x, suffix) = if v >= 1e9 {
        (v / 1e9, " G")
    } else if v >= 1e6 {
        (v / 1e6, " M")
    } else if v >= 1e3 {
        (v / 1e3, " k")
    } else {
        (v, " ")
    };
    let digits = if x >= 100.0 {
        0
    } else if x >= 10.0 {
        1
    } else {
        2
    };
    format!("{x:.digits$}{suffix}").trim_end().to_string()
}

/// A GPU loop style other than the default, as a title's suffix: ", one-submit".
fn loop_suffix(uses_gpu: bool, style: LoopStyle) -> String {
    match style {
        LoopStyle::RoundTrips => String::new(),
        _ if !uses_gpu => String::new(),
        other => format!(", {}", other.name()),
    }
}

pub fn run_title(p: &RunParams) -> String {
    format!(
        "{}, n = {}, b = {}, {}{}",
        p.model.name(),
        grouped(p.n),
        grouped(p.batch),
        p.device.name(),
        loop_suffix(p.device.uses_gpu(), p.loop_style)
    )
}

pub fn request_title(r: &ExperimentRequest) -> String {
    match r {
        ExperimentRequest::Run(p) => run_title(p),
        ExperimentRequest::Sweep(s) => match s.kind {
            SweepKind::N => format!(
                "n sweep: {}, b = {}, {}{}",
                s.model.name(),
                grouped(s.batch),
                s.device.name(),
                loop_suffix(s.device.uses_gpu(), s.loop_style)
            ),
            SweepKind::Batch => format!(
                "batch sweep: {}, n = {}, {}{}",
                s.model.name(),
                grouped(s.n),
                s.device.name(),
                loop_suffix(s.device.uses_gpu(), s.loop_style)
            ),
            SweepKind::LoopStyle => format!(
                "GPU loop styles: {}, n = {}, b = {}, {}",
                s.model.name(),
                grouped(s.n),
                grouped(s.batch),
                s.device.name()
            ),
        },
    }
}

/// A ratio with two significant digits however small: "3.2×", "0.0038×".
pub fn ratio(r: f64) -> String {
    if !r.is_finite() || r <= 0.0 {
        return "—".into();
    }
    if r >= 10.0 {
        return format!("{r:.0}×");
    }
    let decimals = (1 - r.log10().floor() as i32).max(1) as usize;
    format!("{r:.decimals$}×")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(grouped(100_000), "100,000");
        assert_eq!(grouped(10), "10");
        assert_eq!(ms(0.0123), "12.3 µs");
        assert_eq!(ms(12.345), "12.3 ms");
        assert_eq!(si(12_345.0), "12.3 k");
        assert_eq!(si(5.0), "5.00");
    }

    #[test]
    fn titles_name_a_gpu_loop_style_other_than_round_trips() {
        use lab_types::{DeviceChoice, SweepParams};
        let mut p = RunParams::default();
        assert_eq!(run_title(&p), "medium, n = 4,096, b = 64, both");
        p.loop_style = LoopStyle::Pipelined;
        assert_eq!(run_title(&p), "medium, n = 4,096, b = 64, both, pipelined");
        p.device = DeviceChoice::Cpu;
        assert_eq!(run_title(&p), "medium, n = 4,096, b = 64, cpu");
        let s = SweepParams {
            kind: SweepKind::LoopStyle,
            n: 96,
            batch: 32,
            ..SweepParams::default()
        };
        assert_eq!(
            request_title(&ExperimentRequest::Sweep(s)),
            "GPU loop styles: tiny, n = 96, b = 32, both"
        );
    }

    #[test]
    fn small_ratios_keep_two_significant_digits() {
        assert_eq!(super::ratio(262.4), "262×");
        assert_eq!(super::ratio(3.21), "3.2×");
        assert_eq!(super::ratio(0.0038), "0.0038×");
        assert_eq!(super::ratio(0.42), "0.42×");
        assert_eq!(super::ratio(0.0), "—");
    }
}
