//! The sandbox process: `inference-lab kernel-sandbox --role check|run`.
//!
//! It limits itself (no core dumps; its address space may grow by at most
//! `--memory-mib` once it is ready; each job gets `--cpu-s` of CPU time),
//! says `Ready`, then answers one request per line until its stdin closes.
//! It never runs a tokio runtime and touches no database: its whole world is
//! the line it reads and the line it writes.

use std::io::{self, BufReader};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, ValueEnum};
use lab_engine::playground;
use lab_engine::{Engine, EngineConfig, EngineError};
use lab_types::{LabError, PuzzleOutcome};

use super::limits;
use super::protocol::{cut_message, read_line, write_line, Reply, Request, MAX_REQUEST_LINE};

/// What a sandbox process does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Role {
    /// naga only: parses, validates and bounds kernels; opens no device.
    Check,
    /// Opens the playground's GPU device and runs kernels on it.
    Run,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Check => "check",
            Role::Run => "run",
        }
    }
}

/// Arguments of the hidden `kernel-sandbox` command (the supervisor passes them).
#[derive(Debug, Clone, Args)]
pub struct SandboxArgs {
    #[arg(long, value_enum)]
    pub role: Role,
    /// GPU visibility (`LAB_VISIBLE_DEVICES` of the server).
    #[arg(long)]
    pub visible_devices: Option<String>,
    /// Seconds one wait for the GPU may take.
    #[arg(long, default_value_t = 60)]
    pub gpu_wait_s: u64,
    /// How much the address space may grow once the process is ready.
    #[arg(long, default_value_t = 1024)]
    pub memory_mib: u64,
    /// CPU seconds (all threads) one job may use.
    #[arg(long, default_value_t = 60)]
    pub cpu_s: u64,
}

pub fn main(args: SandboxArgs) -> ExitCode {
    crate::telemetry::init();
    if let Err(e) = limits::no_core_dumps() {
        tracing::warn!(error = %e, "sandbox: cannot turn core dumps off");
    }
    let engine = (args.role == Role::Run).then(|| {
        Engine::new(EngineConfig {
            visible_devices: args.visible_devices.clone(),
            gpu_wait_limit: Duration::from_secs(args.gpu_wait_s.max(1)),
            ..Default::default()
        })
    });
    let adapter = match &engine {
        Some(engine) => match engine.open_playground(None) {
            Ok(name) => Some(name),
            Err(e) => {
                tracing::error!(error = %e, "sandbox: the playground's GPU does not open");
                return ExitCode::FAILURE;
            }
        },
        None => None,
    };
    match limits::address_space_growth(args.memory_mib.saturating_mul(1 << 20)) {
        Ok(limit) => tracing::debug!(
            role = args.role.name(),
            limit,
            "sandbox: address space limited"
        ),
        Err(e) => tracing::warn!(error = %e, "sandbox: cannot limit the address space"),
    }

    let mut input = BufReader::new(io::stdin().lock());
    let mut output = io::stdout().lock();
    if write_line(&mut output, &Reply::Ready { adapter }).is_err() {
        return ExitCode::FAILURE;
    }
    loop {
        let line = match read_line(&mut input, MAX_REQUEST_LINE) {
            Ok(Some(line)) => line,
            Ok(None) => return ExitCode::SUCCESS, // the supervisor let go
            Err(e) => {
                tracing::error!(error = %e, "sandbox: unreadable request");
                return ExitCode::FAILURE;
            }
        };
        let request: Request = match serde_json::from_slice(&line) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "sandbox: malformed request");
                return ExitCode::FAILURE;
            }
        };
        if let Err(e) = limits::cpu_seconds_from_now(args.cpu_s) {
            tracing::warn!(error = %e, "sandbox: cannot limit CPU time");
        }
        let reply = match (request, &engine) {
            (Request::Check { task, limits }, _) => Reply::Checked(
                playground::check(&task, limits)
                    .map(|e| e.map(cut_message))
                    .map_err(lab_error),
            ),
            (Request::Run { task }, Some(engine)) => Reply::Ran(
                engine
                    .run_puzzle(&task, None)
                    .map(cut_outcome)
                    .map_err(lab_error),
            ),
            (Request::Run { .. }, None) => Reply::Ran(Err(LabError::internal(
                "a run was sent to a checking sandbox",
            ))),
        };
        if write_line(&mut output, &reply).is_err() {
            return ExitCode::FAILURE;
        }
    }
}

/// The error as the web process sees it; an internal detail does not cross
/// the pipe (it is not serialised), so it is logged here.
fn lab_error(e: EngineError) -> LabError {
    let e = LabError::from(e);
    if let Some(detail) = e.log_detail() {
        tracing::error!(%detail, "sandbox: kernel failed");
    }
    e
}

fn cut_outcome(outcome: PuzzleOutcome) -> PuzzleOutcome {
    match outcome {
        PuzzleOutcome::CompileError(e) => PuzzleOutcome::CompileError(cut_message(e)),
        other => other,
    }
}
