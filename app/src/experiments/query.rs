//! Panel settings ↔ the page URL query (`/lab?model=medium&n=4096&b=64&device=both`),
//! so that a link reproduces a setup.

use leptos_router::params::ParamsMap;

use lab_types::{DeviceChoice, LoopStyle, Preset, RunParams, Sizing, SweepParams};

/// What the panel's controls hold. Numbers stay text until submitted, so a bad
/// value is reported by name instead of silently replaced.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelSettings {
    pub model: Preset,
    pub n: String,
    pub b: String,
    pub device: DeviceChoice,
    pub threads: String,
    pub repeats: String,
    /// The GPU loop style of runs and sweeps.
    pub loop_style: LoopStyle,
}

impl Default for PanelSettings {
    /// A hardware GPU's run defaults (the JSON API's).
    fn default() -> Self {
        Self::run(Sizing::Hardware)
    }
}

impl PanelSettings {
    fn of_run(p: RunParams) -> Self {
        PanelSettings {
            model: p.model,
            n: p.n.to_string(),
            b: p.batch.to_string(),
            device: p.device,
            threads: p.cpu_threads.to_string(),
            repeats: p.repeats.to_string(),
            loop_style: p.loop_style,
        }
    }

    fn of_sweep(s: SweepParams) -> Self {
        PanelSettings {
            model: s.model,
            n: s.n.to_string(),
            b: s.batch.to_string(),
            device: s.device,
            threads: s.cpu_threads.to_string(),
            repeats: s.repeats.to_string(),
            loop_style: s.loop_style,
        }
    }

    /// A single run's defaults on this server's adapter.
    pub fn run(sizing: Sizing) -> Self {
        Self::of_run(sizing.run())
    }

    /// Defaults of the n-sweep demo: b = 32 as in lesson 1's table.
    pub fn n_sweep(sizing: Sizing) -> Self {
        Self::of_sweep(sizing.n_sweep())
    }

    /// Defaults of the batch-sweep demo (n is the fixed item count).
    pub fn batch_sweep(sizing: Sizing) -> Self {
        Self::of_sweep(sizing.batch_sweep())
    }

    /// Reads the query, keeping the adapter's defaults for anything missing or unknown.
    pub fn from_query(q: &ParamsMap, sizing: Sizing) -> Self {
        let d = Self::run(sizing);
        PanelSettings {
            model: q
                .get("model")
                .and_then(|m| Preset::from_name(&m))
                .unwrap_or(d.model),
            n: q.get("n").unwrap_or(d.n),
            b: q.get("b").unwrap_or(d.b),
            device: q
                .get("device")
                .and_then(|m| DeviceChoice::from_name(&m))
                .unwrap_or(d.device),
            threads: q.get("threads").unwrap_or(d.threads),
            repeats: q.get("repeats").unwrap_or(d.repeats),
            loop_style: q
                .get("loop")
                .and_then(|l| LoopStyle::from_name(&l))
                .unwrap_or(d.loop_style),
        }
    }

    /// The loop style is named only when it is not the default, so older
    /// links and their tests keep their exact form.
    pub fn to_query(&self) -> String {
        let loop_style = match self.loop_style {
            LoopStyle::RoundTrips => String::new(),
            other => format!("&loop={}", other.name()),
        };
        format!(
            "model={}&n={}&b={}&device={}&threads={}&repeats={}{loop_style}",
            self.model.name(),
            encode(self.n.trim()),
            encode(self.b.trim()),
            self.device.name(),
            encode(self.threads.trim()),
            encode(self.repeats.trim())
        )
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_round_trip() {
        let mut q = ParamsMap::new();
        q.insert("model", "tiny".to_string());
        q.insert("n", "100".to_string());
        q.insert("device", "gpu".to_string());
        let s = PanelSettings::from_query(&q, Sizing::Hardware);
        assert_eq!(s.model, Preset::Tiny);
        assert_eq!(s.n, "100");
        assert_eq!(s.b, "64");
        assert_eq!(
            s.to_query(),
            "model=tiny&n=100&b=64&device=gpu&threads=0&repeats=5"
        );
        assert_eq!(encode("a b&c"), "a%20b%26c");
        q.insert("loop", "one-submit".to_string());
        let s = PanelSettings::from_query(&q, Sizing::Hardware);
        assert_eq!(s.loop_style, LoopStyle::OneSubmit);
        assert!(s.to_query().ends_with("&repeats=5&loop=one-submit"));
        // A software adapter's defaults fill what the query leaves out.
        let mut q = ParamsMap::new();
        q.insert("model", "tiny".to_string());
        let s = PanelSettings::from_query(&q, Sizing::Software);
        let sw = Sizing::Software.run();
        assert_eq!((s.n, s.repeats), (sw.n.to_string(), sw.repeats.to_string()));
    }
}
