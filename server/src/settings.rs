//! Typed settings from flags and environment variables, with defaults that just work
//! from a fresh clone (`make run` needs none of them).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use lab_storage::pool::{PoolShape, Target};

use crate::edge::public_origin::PublicOrigin;
use crate::edge::trusted_proxies::TrustedProxies;

/// How many experiments may wait behind the running ones by default.
pub const DEFAULT_QUEUE_CAPACITY: usize = 8;

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address to serve on.
    #[arg(long, env = "LAB_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// SQLite database file, created with its folder on first start; or a
    /// PostgreSQL URL (`postgres://user:password@host/db`), which several
    /// instances can share.
    #[arg(long, env = "LAB_DATABASE", default_value = "data/inference-lab.db")]
    pub database: Target,

    /// The server secret (32 random bytes, created on first start). Default:
    /// beside a SQLite file (`data/inference-lab.secret`); with PostgreSQL,
    /// `data/inference-lab.secret`, and every instance sharing the database
    /// needs the same file.
    #[arg(long, env = "LAB_SECRET_FILE")]
    pub secret_file: Option<PathBuf>,

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

    /// Limits and protections of the HTTP edge.
    #[command(flatten)]
    pub edge: EdgeSettings,

    /// Waits, shares and retention of a lab shared by a class.
    #[command(flatten)]
    pub lab: LabSettings,

    /// What anonymous requests may write: rates per client, quotas, class retention.
    #[command(flatten)]
    pub bounds: crate::write_bounds::WriteBounds,

    /// The database pool's size and its writers' wait for the lock.
    #[command(flatten)]
    pub pool: PoolSettings,
}

/// The SQLite pool. SQLite has one writer at a time: more connections help
/// readers, and a writer waits up to the busy timeout for the lock.
#[derive(Debug, Clone, Args)]
pub struct PoolSettings {
    /// Connections in the database pool.
    #[arg(long, env = "LAB_DB_MAX_CONNECTIONS", default_value_t = PoolShape::default().max_connections)]
    pub db_max_connections: u32,

    /// Milliseconds a write waits for SQLite's lock (and a request for a free
    /// connection) before it fails.
    #[arg(long, env = "LAB_DB_BUSY_TIMEOUT_MS", default_value_t = PoolShape::default().busy_timeout.as_millis() as u64)]
    pub db_busy_timeout_ms: u64,
}

impl Default for PoolSettings {
    fn default() -> Self {
        let shape = PoolShape::default();
        PoolSettings {
            db_max_connections: shape.max_connections,
            db_busy_timeout_ms: shape.busy_timeout.as_millis() as u64,
        }
    }
}

impl PoolSettings {
    pub fn shape(&self) -> PoolShape {
        PoolShape {
            max_connections: self.db_max_connections.max(1),
            busy_timeout: Duration::from_millis(self.db_busy_timeout_ms),
        }
    }
}

/// How one server stays usable by a whole class: every wait has a limit,
/// every stored thing an end. The defaults suit a class of about 30.
#[derive(Debug, Clone, Args)]
pub struct LabSettings {
    /// Seconds an experiment may wait for a device before it fails.
    #[arg(long, env = "LAB_QUEUE_WAIT_S", default_value_t = DEFAULT_QUEUE_WAIT_S)]
    pub queue_wait_s: u64,

    /// Seconds a job is kept after its last client left (the page closed, the
    /// request dropped) before it is cancelled.
    #[arg(long, env = "LAB_ABANDONED_JOB_GRACE_S", default_value_t = DEFAULT_ABANDONED_JOB_GRACE_S)]
    pub abandoned_job_grace_s: u64,

    /// Seconds one wait for the GPU may take before the job fails and the
    /// device is reopened for the next one.
    #[arg(long, env = "LAB_GPU_WAIT_S", default_value_t = DEFAULT_GPU_WAIT_S)]
    pub gpu_wait_s: u64,

    /// Days a saved run is kept (its page and JSON disappear afterwards).
    #[arg(long, env = "LAB_RUN_RETENTION_DAYS", default_value_t = DEFAULT_RUN_RETENTION_DAYS)]
    pub run_retention_days: u32,

    /// Days a learner (progress, answers, runs) is kept after their last answer or run.
    #[arg(long, env = "LAB_LEARNER_RETENTION_DAYS", default_value_t = DEFAULT_LEARNER_RETENTION_DAYS)]
    pub learner_retention_days: u32,

    /// Experiments and kernels one client (an address, or an IPv6 /64) may have
    /// running and waiting at once, whatever its cookies; more get 429. A class
    /// behind one NAT shares these places.
    #[arg(long, env = "LAB_CLIENT_SHARE", default_value_t = DEFAULT_CLIENT_SHARE)]
    pub client_share: usize,

    /// Answers one learner may send per minute; more get 429.
    #[arg(long, env = "LAB_ANSWERS_PER_MINUTE", default_value_t = DEFAULT_ANSWERS_PER_MINUTE)]
    pub answers_per_minute: u32,

    /// The binary whose `kernel-sandbox` command checks and runs learners'
    /// kernels in child processes (default: this binary itself).
    #[arg(long, env = "LAB_KERNEL_SANDBOX")]
    pub kernel_sandbox: Option<PathBuf>,

    /// Seconds one learner kernel may take in its sandbox process, from parse
    /// to its last launch; the process is killed and replaced past it.
    /// Default: 5 on a hardware GPU, 20 on a software one (lavapipe).
    #[arg(long, env = "LAB_KERNEL_DEADLINE_S")]
    pub kernel_deadline_s: Option<u64>,

    /// MiB a sandbox process's address space may grow by once it is ready.
    #[arg(long, env = "LAB_KERNEL_MEMORY_MIB", default_value_t = DEFAULT_KERNEL_MEMORY_MIB)]
    pub kernel_memory_mib: u64,

    /// Turns the kernel playground off: learners' WGSL kernels are then never
    /// compiled or run on this server, and /puzzles answers 404.
    #[arg(long, env = "LAB_NO_PLAYGROUND", default_value_t = false)]
    pub no_playground: bool,

    /// Whether the GPU's tiled kernel times its configurations per layer
    /// shape and keeps the fastest: `auto` on hardware GPUs only (a software
    /// one would time its own busy CPU cores), `on` (or `1`) everywhere,
    /// `off` (or `0`) never (the shape rule picks).
    #[arg(long, env = "LAB_AUTOTUNE", value_enum, default_value_t = Autotune::Auto)]
    pub autotune: Autotune,

    /// Where this web instance's experiments run: `queue` puts them in the
    /// database's `lab_jobs` for lab workers (`inference-lab worker`, or
    /// `--with-worker`) to run, so several instances share one queue;
    /// `embedded` runs them in this process (one instance). `auto`: queue
    /// with PostgreSQL, embedded with SQLite.
    #[arg(long, env = "LAB_MODE", value_enum, default_value_t = LabMode::Auto)]
    pub lab_mode: LabMode,

    /// In queue mode, also run a lab worker in this process: one host that
    /// serves pages and measures.
    #[arg(long, env = "LAB_WITH_WORKER", default_value_t = false)]
    pub with_worker: bool,

    /// A lab worker's name in `lab_workers` (default: the host name and
    /// process id).
    #[arg(long, env = "LAB_WORKER_ID")]
    pub worker_id: Option<String>,

    /// Seconds a lab worker's claim on a job lasts without a heartbeat (it
    /// beats five times per lease): how long a job of a worker that died
    /// waits before the reaper puts it back in line.
    #[arg(long, env = "LAB_JOB_LEASE_S", default_value_t = DEFAULT_JOB_LEASE_S)]
    pub job_lease_s: u64,
}

pub const DEFAULT_JOB_LEASE_S: u64 = 15;

/// The `--lab-mode` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LabMode {
    Auto,
    Embedded,
    Queue,
}

pub const DEFAULT_QUEUE_WAIT_S: u64 = 300;
pub const DEFAULT_ABANDONED_JOB_GRACE_S: u64 = 10;
pub const DEFAULT_GPU_WAIT_S: u64 = 60;
pub const DEFAULT_RUN_RETENTION_DAYS: u32 = 30;
pub const DEFAULT_LEARNER_RETENTION_DAYS: u32 = 180;
pub const DEFAULT_ANSWERS_PER_MINUTE: u32 = 30;
/// Half of the default queue: one network can never fill it alone.
pub const DEFAULT_CLIENT_SHARE: usize = 4;
pub const DEFAULT_KERNEL_MEMORY_MIB: u64 = 1024;

impl Default for LabSettings {
    fn default() -> Self {
        LabSettings {
            queue_wait_s: DEFAULT_QUEUE_WAIT_S,
            abandoned_job_grace_s: DEFAULT_ABANDONED_JOB_GRACE_S,
            gpu_wait_s: DEFAULT_GPU_WAIT_S,
            run_retention_days: DEFAULT_RUN_RETENTION_DAYS,
            learner_retention_days: DEFAULT_LEARNER_RETENTION_DAYS,
            answers_per_minute: DEFAULT_ANSWERS_PER_MINUTE,
            client_share: DEFAULT_CLIENT_SHARE,
            kernel_sandbox: None,
            kernel_deadline_s: None,
            kernel_memory_mib: DEFAULT_KERNEL_MEMORY_MIB,
            no_playground: false,
            autotune: Autotune::Auto,
            lab_mode: LabMode::Auto,
            with_worker: false,
            worker_id: None,
            job_lease_s: DEFAULT_JOB_LEASE_S,
        }
    }
}

/// The `--autotune` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Autotune {
    Auto,
    #[value(alias = "1")]
    On,
    #[value(alias = "0")]
    Off,
}

impl Autotune {
    /// The engine's form: `None` leaves the choice to the adapter's kind.
    pub fn choice(self) -> Option<bool> {
        match self {
            Autotune::Auto => None,
            Autotune::On => Some(true),
            Autotune::Off => Some(false),
        }
    }
}

/// The HTTP edge: timeouts, sizes and whether the site is served over https.
/// The defaults suit `make run`; see `docs/api.md` for what clients see.
#[derive(Debug, Clone, Args)]
pub struct EdgeSettings {
    /// Seconds a request may take before it is answered 408 (progress streams
    /// are exempt). Long enough for the largest run a plain form waits for.
    #[arg(long, env = "LAB_REQUEST_TIMEOUT_S", default_value_t = DEFAULT_REQUEST_TIMEOUT_S)]
    pub request_timeout_s: u64,

    /// Seconds a client has to send a request's headers (also the idle time of
    /// a kept-alive connection) before the connection is closed.
    #[arg(long, env = "LAB_HEADER_READ_TIMEOUT_S", default_value_t = DEFAULT_HEADER_READ_TIMEOUT_S)]
    pub header_read_timeout_s: u64,

    /// Largest request body in bytes; larger ones are answered 413.
    #[arg(long, env = "LAB_MAX_BODY_BYTES", default_value_t = DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,

    /// Connections served at once. In the last eighth below it, requests on
    /// new connections are answered 503 with `Retry-After` (`/healthz`
    /// excepted); past it, new connections get a minimal 503 and are closed.
    #[arg(long, env = "LAB_MAX_CONNECTIONS", default_value_t = DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,

    /// Connections one client (an address, or an IPv6 /64) may hold at once;
    /// more are closed at once. Trusted proxies are exempt.
    #[arg(long, env = "LAB_MAX_CONNECTIONS_PER_CLIENT", default_value_t = DEFAULT_MAX_CONNECTIONS_PER_CLIENT)]
    pub max_connections_per_client: usize,

    /// Seconds a request's whole body may take to arrive once its headers
    /// are read; a slower one is answered 408 and its connection closed.
    #[arg(long, env = "LAB_BODY_TIMEOUT_S", default_value_t = DEFAULT_BODY_TIMEOUT_S)]
    pub body_timeout_s: u64,

    /// Proxies whose `Forwarded` / `X-Forwarded-For` name the client: a
    /// comma-separated list of addresses and networks (`10.0.0.1,fd00::/8`).
    /// Empty: every client is its socket's peer, and those headers are ignored.
    #[arg(long, env = "LAB_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: TrustedProxies,

    /// The origin clients use when it is not an address of this server
    /// (`https://lab.school.example` behind a proxy): its host is allowed in
    /// `Host`, and it counts as this site's origin.
    #[arg(long, env = "LAB_PUBLIC_ORIGIN")]
    pub public_origin: Option<PublicOrigin>,

    /// Set when clients reach the site over https (e.g. behind a TLS proxy):
    /// the learner cookie gets `Secure` and the `__Host-` prefix, and only
    /// https origins count as this site.
    #[arg(long, env = "LAB_HTTPS", default_value_t = false)]
    pub https: bool,
}

/// 2 minutes: a plain form post waits for its run, and runs are bounded well below.
pub const DEFAULT_REQUEST_TIMEOUT_S: u64 = 120;
pub const DEFAULT_HEADER_READ_TIMEOUT_S: u64 = 10;
/// The largest real request is a puzzle kernel: at most 16 KiB of WGSL, which
/// form encoding can make up to three times longer. 64 KiB leaves room for the
/// app's own checks to answer an over-long kernel with a message naming it.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;
/// A class of 30 behind one NAT opening ~6 connections each (a browser's
/// per-host limit) is 180, at most a third of this.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// That class, 30 × 6 = 180, plus a little room.
pub const DEFAULT_MAX_CONNECTIONS_PER_CLIENT: usize = 192;
/// A 64 KiB body in 10 s needs 6.4 KB/s, far below any classroom network.
pub const DEFAULT_BODY_TIMEOUT_S: u64 = 10;

impl Default for EdgeSettings {
    fn default() -> Self {
        EdgeSettings {
            request_timeout_s: DEFAULT_REQUEST_TIMEOUT_S,
            header_read_timeout_s: DEFAULT_HEADER_READ_TIMEOUT_S,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_connections_per_client: DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
            body_timeout_s: DEFAULT_BODY_TIMEOUT_S,
            trusted_proxies: TrustedProxies::default(),
            public_origin: None,
            https: false,
        }
    }
}

impl EdgeSettings {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_s.max(1))
    }

    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_secs(self.header_read_timeout_s.max(1))
    }

    pub fn body_timeout(&self) -> Duration {
        Duration::from_secs(self.body_timeout_s.max(1))
    }
}

impl Settings {
    /// Relative paths are taken from the working directory when they exist there,
    /// otherwise from the nearest folder above it that has them, so the binary
    /// also works when started from inside the checkout (tests, `cargo run -p`
    /// from `server/`). Nothing of the build machine is compiled in: a binary
    /// copied elsewhere looks only around where it is run.
    pub fn resolved(mut self) -> Self {
        let cwd = std::env::current_dir().ok();
        self.content_dir = from_ancestors_if_missing(self.content_dir, cwd.as_deref());
        self.site_root = from_ancestors_if_missing(self.site_root, cwd.as_deref());
        self
    }

    /// Where the server secret lives: `--secret-file`, else beside the SQLite
    /// file, else (PostgreSQL) `data/inference-lab.secret`.
    pub fn secret_path(&self) -> PathBuf {
        match (&self.secret_file, &self.database) {
            (Some(path), _) => path.clone(),
            (None, Target::File(db)) => crate::secret_file::path_beside(db),
            (None, Target::Postgres(_)) => PathBuf::from("data/inference-lab.secret"),
        }
    }
}

/// How many folders above the working directory are searched.
const ANCESTORS_SEARCHED: usize = 3;

fn from_ancestors_if_missing(path: PathBuf, cwd: Option<&Path>) -> PathBuf {
    if path.is_absolute() || path.exists() {
        return path;
    }
    cwd.into_iter()
        .flat_map(|dir| dir.ancestors().skip(1).take(ANCESTORS_SEARCHED))
        .map(|dir| dir.join(&path))
        .find(|candidate| candidate.exists())
        .unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(clap::Parser)]
    struct LabOnly {
        #[command(flatten)]
        lab: LabSettings,
    }

    #[test]
    fn autotune_takes_words_and_the_old_digits() {
        use clap::Parser;
        let parse = |args: &[&str]| {
            LabOnly::try_parse_from(std::iter::once("lab").chain(args.iter().copied()))
                .map(|p| p.lab.autotune.choice())
        };
        assert_eq!(parse(&[]).unwrap(), None, "auto by default");
        assert_eq!(parse(&["--autotune", "0"]).unwrap(), Some(false));
        assert_eq!(parse(&["--autotune", "off"]).unwrap(), Some(false));
        assert_eq!(parse(&["--autotune", "1"]).unwrap(), Some(true));
        assert_eq!(parse(&["--autotune", "auto"]).unwrap(), None);
        assert!(parse(&["--autotune", "maybe"]).is_err(), "a clear refusal");
    }

    #[test]
    fn a_missing_relative_path_is_found_in_a_folder_above() {
        let root = tempfile::tempdir().unwrap();
        let deep = root.path().join("server/sub");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::create_dir_all(root.path().join("lab-content-under-test")).unwrap();
        let found = from_ancestors_if_missing("lab-content-under-test".into(), Some(&deep));
        assert_eq!(found, root.path().join("lab-content-under-test"));
        // Absolute paths, and paths found nowhere, stay as given.
        let absolute = root.path().join("elsewhere");
        assert_eq!(
            from_ancestors_if_missing(absolute.clone(), Some(&deep)),
            absolute
        );
        assert_eq!(
            from_ancestors_if_missing("nowhere-under-test".into(), Some(&deep)),
            PathBuf::from("nowhere-under-test")
        );
        // Only so many folders up: four levels below, it is not found.
        let deeper = deep.join("a/b");
        std::fs::create_dir_all(&deeper).unwrap();
        assert_eq!(
            from_ancestors_if_missing("lab-content-under-test".into(), Some(&deeper)),
            PathBuf::from("lab-content-under-test")
        );
    }
}
