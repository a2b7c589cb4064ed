//! The browser's files (WASM, its JS glue, the CSS) under content-hashed names,
//! and how long browsers may keep them.
//!
//! `make site` names them `inference-lab.<hash>.wasm` / `.js` / `.css` and lists
//! the hashes in `<site root>/hash.txt` (the Makefile's `hash_site`). A file
//! whose content changes gets a new name, so a hashed file can be cached for a
//! year without revalidation: a second page view fetches no WASM at all. The
//! WASM and its JS share one hash because leptos names both from one stem
//! (`LeptosOptions::output_name`). Without `hash.txt` (cargo-leptos' watch
//! mode writes plain names) the plain names are used and revalidated.

use std::path::Path;

use axum::extract::Request;
use axum::http::header::CACHE_CONTROL;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

/// The name leptos gives the site's files (LEPTOS_OUTPUT_NAME).
pub const OUTPUT_NAME: &str = "inference-lab";
/// For files whose name changes with their content.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For everything else the server sends: use a stored copy only after asking.
pub const REVALIDATE: &str = "no-cache";

/// The names the page links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteAssets {
    /// `LeptosOptions::output_name`: `inference-lab.<hash>` (or `inference-lab`).
    pub stem: String,
    /// The stylesheet's address, `/pkg/inference-lab.<hash>.css`.
    pub css_href: String,
}

impl SiteAssets {
    /// The plain names (no `hash.txt`).
    pub fn plain() -> SiteAssets {
        SiteAssets {
            stem: OUTPUT_NAME.into(),
            css_href: format!("/pkg/{OUTPUT_NAME}.css"),
        }
    }

    /// Reads `<site_root>/hash.txt`; the plain names when it is missing, and a
    /// warning plus the plain names when it is broken or names files that are
    /// not there (a half-built site would otherwise serve pages whose WASM 404s).
    pub fn read(site_root: &Path) -> SiteAssets {
        let Ok(text) = std::fs::read_to_string(site_root.join("hash.txt")) else {
            return SiteAssets::plain();
        };
        match Self::parse(&text) {
            Some(assets)
                if assets
                    .files()
                    .all(|f| site_root.join("pkg").join(&f).is_file()) =>
            {
                assets
            }
            _ => {
                tracing::warn!(
                    site_root = %site_root.display(),
                    "hash.txt is broken or names missing files: serving the plain names (run `make site`)"
                );
                SiteAssets::plain()
            }
        }
    }

    /// `wasm: H\njs: H\ncss: C`, hashes of at least 8 hex digits, the WASM's
    /// and the JS's equal.
    fn parse(text: &str) -> Option<SiteAssets> {
        let hash = |key: &str| {
            text.lines()
                .filter_map(|l| l.split_once(':'))
                .find(|(k, _)| k.trim() == key)
                .map(|(_, v)| v.trim().to_string())
                .filter(|v| v.len() >= 8 && v.chars().all(|c| c.is_ascii_hexdigit()))
        };
        let (wasm, js, css) = (hash("wasm")?, hash("js")?, hash("css")?);
        (wasm == js).then(|| SiteAssets {
            stem: format!("{OUTPUT_NAME}.{wasm}"),
            css_href: format!("/pkg/{OUTPUT_NAME}.{css}.css"),
        })
    }

    fn files(&self) -> impl Iterator<Item = String> + '_ {
        let css = self.css_href.trim_start_matches("/pkg/").to_string();
        [
            format!("{}.wasm", self.stem),
            format!("{}.js", self.stem),
            css,
        ]
        .into_iter()
    }
}

/// Whether a file under `/pkg` carries a content hash in its name
/// (`inference-lab.<hex>.wasm`, `.js`, `.css`, or their `.gz`).
pub fn is_hashed(file: &str) -> bool {
    let Some(rest) = file
        .strip_prefix(OUTPUT_NAME)
        .and_then(|r| r.strip_prefix('.'))
    else {
        return false;
    };
    let rest = rest.strip_suffix(".gz").unwrap_or(rest);
    match rest.split_once('.') {
        Some((hash, ext)) => {
            hash.len() >= 8
                && hash.chars().all(|c| c.is_ascii_hexdigit())
                && matches!(ext, "wasm" | "js" | "css")
        }
        None => false,
    }
}

/// Middleware for `/pkg`: hashed files are kept for a year, the rest revalidated.
pub async fn pkg_cache_control(req: Request, next: Next) -> Response {
    let hashed = is_hashed(req.uri().path().trim_start_matches('/'));
    let mut res = next.run(req).await;
    if res.status().is_success() || res.status() == axum::http::StatusCode::NOT_MODIFIED {
        let value = if hashed { IMMUTABLE } else { REVALIDATE };
        res.headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static(value));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_txt_names_the_files() {
        let a = SiteAssets::parse(
            "wasm: 0123abcd0123abcd\njs: 0123abcd0123abcd\ncss: ffee0011ffee0011\n",
        )
        .expect("parses");
        assert_eq!(a.stem, "inference-lab.0123abcd0123abcd");
        assert_eq!(a.css_href, "/pkg/inference-lab.ffee0011ffee0011.css");
        // The JS and the WASM must share the stem; hashes are hex only.
        let (a8, b8) = ("aaaaaaaa", "bbbbbbbb");
        assert_eq!(
            SiteAssets::parse(&format!("wasm: {a8}\njs: {b8}\ncss: {b8}")),
            None
        );
        assert_eq!(
            SiteAssets::parse(&format!("wasm: {a8}\njs: {a8}\ncss: bb")),
            None
        );
        assert_eq!(
            SiteAssets::parse("wasm: aaaaaaa\"\njs: aaaaaaa\"\ncss: bbbbbbbb"),
            None
        );
        assert_eq!(SiteAssets::parse(&format!("wasm: {a8}\njs: {a8}")), None);
    }

    #[test]
    fn a_missing_or_broken_hash_txt_keeps_the_plain_names() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(SiteAssets::read(dir.path()), SiteAssets::plain());
        // Names files that are not there.
        let hashes = "wasm: abababab\njs: abababab\ncss: cdcdcdcd\n";
        std::fs::write(dir.path().join("hash.txt"), hashes).unwrap();
        assert_eq!(SiteAssets::read(dir.path()), SiteAssets::plain());
        let pkg = dir.path().join("pkg");
        std::fs::create_dir(&pkg).unwrap();
        for f in [
            "inference-lab.abababab.wasm",
            "inference-lab.abababab.js",
            "inference-lab.cdcdcdcd.css",
        ] {
            std::fs::write(pkg.join(f), "x").unwrap();
        }
        assert_eq!(SiteAssets::read(dir.path()).stem, "inference-lab.abababab");
    }

    #[test]
    fn only_hashed_names_are_immutable() {
        assert!(is_hashed("inference-lab.0123abcd0123abcd.wasm"));
        assert!(is_hashed("inference-lab.0123abcd0123abcd.js.gz"));
        assert!(is_hashed("inference-lab.ffee0011ffee0011.css"));
        assert!(!is_hashed("inference-lab.wasm"));
        assert!(!is_hashed("inference-lab.css"));
        assert!(!is_hashed("inference-lab.nothex12.wasm"));
        assert!(!is_hashed("inference-lab.0123abcd0123abcd.html"));
        assert!(!is_hashed("other.0123abcd0123abcd.js"));
    }
}
