//! The host CPU's last-level cache, read from Linux's sysfs: the streaming
//! probes size their arrays to several times it, so a pass cannot be
//! served from cache and the bandwidth measured is the memory's.

use std::path::Path;

const CACHE_DIR: &str = "/sys/devices/system/cpu/cpu0/cache";

/// The size of the highest-level data or unified cache of CPU 0, bytes;
/// `None` where sysfs does not say (not Linux, some containers).
pub fn last_level_cache_bytes() -> Option<u64> {
    last_level_in(Path::new(CACHE_DIR))
}

/// `last_level_cache_bytes` over a directory of `index*` entries (a test
/// points it at a made-up one).
pub(crate) fn last_level_in(dir: &Path) -> Option<u64> {
    let read = |p: &Path, f: &str| std::fs::read_to_string(p.join(f)).ok();
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("index"))
        .filter_map(|e| {
            let p = e.path();
            // An instruction cache never holds the arrays.
            if read(&p, "type")?.trim() == "Instruction" {
                return None;
            }
            let level: u32 = read(&p, "level")?.trim().parse().ok()?;
            Some((level, parse_size(&read(&p, "size")?)?))
        })
        .max()
        .map(|(_, bytes)| bytes)
}

/// Parses sysfs's cache sizes: "32768K", "1M", "48K", a plain byte count.
pub(crate) fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let (digits, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => t.split_at(i),
        None => (t, ""),
    };
    let scale: u64 = match unit.trim() {
        "" | "B" => 1,
        "K" | "KB" | "KiB" => 1 << 10,
        "M" | "MB" | "MiB" => 1 << 20,
        "G" | "GB" | "GiB" => 1 << 30,
        _ => return None,
    };
    digits.parse::<u64>().ok()?.checked_mul(scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_their_units() {
        assert_eq!(parse_size("32768K\n"), Some(32 << 20));
        assert_eq!(parse_size("1M"), Some(1 << 20));
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("K"), None);
        assert_eq!(parse_size("12Q"), None);
        assert_eq!(parse_size(""), None);
        assert_eq!(parse_size("99999999999999999999G"), None);
    }

    #[test]
    fn the_highest_data_level_wins() {
        let dir = std::env::temp_dir().join(format!("lab-cache-{}", std::process::id()));
        let entry = |name: &str, level: &str, ty: &str, size: &str| {
            let d = dir.join(name);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join("level"), level).unwrap();
            std::fs::write(d.join("type"), ty).unwrap();
            std::fs::write(d.join("size"), size).unwrap();
        };
        entry("index0", "1\n", "Data\n", "48K\n");
        entry("index1", "1\n", "Instruction\n", "32K\n");
        entry("index2", "2\n", "Unified\n", "1024K\n");
        assert_eq!(last_level_in(&dir), Some(1 << 20));
        entry("index3", "3\n", "Unified\n", "32768K\n");
        // A made-up level-4 instruction cache must not count.
        entry("index4", "4\n", "Instruction\n", "1M\n");
        assert_eq!(last_level_in(&dir), Some(32 << 20));
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(last_level_in(&dir), None);
    }
}
