//! Typed settings from flags and environment variables, with defaults that just work
//! from a fresh clone (`make run` needs none of them).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::Args;

/// How many experiments may wait behind the running ones by default.
pub const DEFAULT_QUEUE_CAPACITY: usize = 8;

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address to serve on.
    #[arg(long, env = "LAB_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// SQLite database file; created, with its folder, on first start.
    #[arg(long, env = "LAB_DATABASE", default_value = "data/inference-lab.db")]
    pub database: PathBuf,

    /// Folder with `lessons/` and `questions/`.
    #[arg(long, env = "LAB_CONTENT_DIR", default_value = "content")]
    pub content_dir: PathBuf,

    /// Where cargo-leptos put the site (`pkg/` with the WASM, JS and CSS).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// GPU visibility with CUDA_VISIBLE_DEVICES rules: unset = all, "" = none,
    /// "1,0" = those, in that order; enumeration stops at the first invalid index.
    #[arg(long, env = "LAB_VISIBLE_DEVICES")]
    pub visible_devices: Option<String>,

    /// Experiments that may wait for a device; more are refused with 429.
    #[arg(long, env = "LAB_QUEUE_CAPACITY", default_value_t = DEFAULT_QUEUE_CAPACITY)]
    pub queue_capacity: usize,
}

impl Settings {
    /// Relative paths are taken from the working directory when they exist there,
    /// otherwise from the workspace root, so the binary also works when started
    /// from another folder (tests, `cargo run -p`).
    pub fn resolved(mut self) -> Self {
        self.content_dir = from_workspace_if_missing(self.content_dir);
        self.site_root = from_workspace_if_missing(self.site_root);
        self
    }
}

fn from_workspace_if_missing(path: PathBuf) -> PathBuf {
    if path.is_absolute() || path.exists() {
        return path;
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let candidate = workspace.join(&path);
    if candidate.exists() {
        candidate
    } else {
        path
    }
}
