//! Logging: `RUST_LOG` filters (default: info for this app, warn for the rest).

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new("info,inference_lab=info,app=info,wgpu=warn,naga=warn,sqlx=warn")
    });
    // `try_init`: tests start many apps in one process; only the first installs it.
    // Logs go to stderr: stdout carries what a command prints (bench JSON).
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}
