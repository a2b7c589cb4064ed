//! The modules below the features must not import them: a feature may use the
//! server state, the limits and the request plumbing, never the other way
//! round, or the state becomes a bag that every feature reaches back into.
//! This test reads the source, so a new `use crate::quiz::…` in `state.rs`
//! fails here rather than in a review.

use std::path::{Path, PathBuf};

/// Shared by the features; may import each other.
const BASE: [&str; 6] = [
    "state.rs",
    "limits",
    "request",
    "lab.rs",
    "clock.rs",
    "kept_html",
];

/// Feature modules (one folder each).
const FEATURES: [&str; 9] = [
    "lessons",
    "quiz",
    "experiments",
    "progress",
    "review",
    "classes",
    "transfer",
    "puzzles",
    "predictions",
];

fn rust_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).unwrap() {
        files.extend(rust_files(&entry.unwrap().path()));
    }
    files.retain(|f| f.extension().is_some_and(|e| e == "rs"));
    files
}

/// The first path segment of every `crate::…` path in `code` (including each
/// name in a `crate::{a, b::c}` group), outside comments and test modules.
fn crate_imports(code: &str) -> Vec<String> {
    let code = code.split("#[cfg(test)]").next().unwrap_or_default();
    let code: String = code
        .lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = group.split('}').next().unwrap_or_default();
            found.extend(group.split(',').map(ident).filter(|s| !s.is_empty()));
        } else {
            found.push(ident(rest));
        }
    }
    found
}

#[test]
fn modules_below_the_features_do_not_import_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut wrong = Vec::new();
    for base in BASE {
        let files = rust_files(&src.join(base));
        assert!(!files.is_empty(), "{base} is missing: update BASE");
        for file in files {
            let code = std::fs::read_to_string(&file).unwrap();
            for module in crate_imports(&code) {
                if FEATURES.contains(&module.as_str()) {
                    wrong.push(format!("{} imports crate::{module}", file.display()));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn the_scan_sees_plain_and_grouped_imports_but_not_comments_or_tests() {
    let code = "use crate::quiz::Thing;\nuse crate::{lab, review::Clock};\n\
                // crate::classes in a comment\nfn f() { crate::puzzles::x(); }\n\
                #[cfg(test)]\nmod tests { use crate::transfer; }\n";
    assert_eq!(
        crate_imports(code),
        ["quiz", "lab", "review", "puzzles"].map(String::from)
    );
}
