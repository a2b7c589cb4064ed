//! Learners' kernels, checked and run in the sandbox processes: the lab's
//! side of `check_puzzle` and `run_puzzle`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lab_engine::playground::KernelLimits;
use lab_types::{CompileError, LabError, PuzzleOutcome, PuzzleTask};

use crate::sandbox::protocol::{Reply, Request};
use crate::sandbox::{Role, Sandbox, SandboxConfig, SandboxError};

/// A check is naga's work on at most 16 KiB: milliseconds, unless the text
/// is a bomb.
pub(crate) const CHECK_DEADLINE: Duration = Duration::from_secs(5);
/// A kernel's deadline on a hardware GPU: compile and every launch.
pub(crate) const HARDWARE_DEADLINE: Duration = Duration::from_secs(5);
/// The same on a software GPU (lavapipe), where compiles and launches of the
/// puzzles' own solutions take seconds on two cores.
pub(crate) const SOFTWARE_DEADLINE: Duration = Duration::from_secs(20);
/// How long a check may wait for the checker (another check, a restart).
const CHECK_WAIT: Duration = Duration::from_secs(15);
/// How long a runner may take to open its GPU.
const RUNNER_START: Duration = Duration::from_secs(60);

/// How the sandboxes are started.
#[derive(Debug, Clone)]
pub(crate) struct KernelSettings {
    pub program: PathBuf,
    pub visible_devices: Option<String>,
    pub gpu_wait_s: u64,
    pub memory_mib: u64,
    /// `None`: by adapter (see the deadlines above).
    pub deadline: Option<Duration>,
}

pub(crate) struct Kernels {
    checker: Arc<Sandbox>,
    runner: Arc<Sandbox>,
    memory_mib: u64,
    deadline: Option<Duration>,
}

impl Kernels {
    pub(crate) fn new(s: &KernelSettings) -> Self {
        let deadline_s = s
            .deadline
            .unwrap_or(SOFTWARE_DEADLINE)
            .max(CHECK_DEADLINE)
            .as_secs();
        let common = vec![
            "--memory-mib".to_string(),
            s.memory_mib.to_string(),
            // CPU time is a backstop behind the wall clock: a few cores' worth.
            "--cpu-s".to_string(),
            (deadline_s * 4 + 10).to_string(),
        ];
        let mut run_args = common.clone();
        run_args.extend(["--gpu-wait-s".to_string(), s.gpu_wait_s.to_string()]);
        if let Some(v) = &s.visible_devices {
            run_args.extend(["--visible-devices".to_string(), v.clone()]);
        }
        Kernels {
            checker: Sandbox::new(SandboxConfig {
                program: s.program.clone(),
                role: Role::Check,
                args: common,
                start_limit: Duration::from_secs(10),
                wait_limit: CHECK_WAIT,
            }),
            runner: Sandbox::new(SandboxConfig {
                program: s.program.clone(),
                role: Role::Run,
                args: run_args,
                start_limit: RUNNER_START,
                // The queue already lets one kernel at a time onto the GPU.
                wait_limit: RUNNER_START,
            }),
            memory_mib: s.memory_mib,
            deadline: s.deadline,
        }
    }

    /// The runner's deadline on this adapter.
    pub(crate) fn deadline(&self, software_gpu: bool) -> Duration {
        self.deadline.unwrap_or(if software_gpu {
            SOFTWARE_DEADLINE
        } else {
            HARDWARE_DEADLINE
        })
    }

    /// Children started and the last start's duration: (checker, runner).
    pub(crate) fn starts(&self) -> [(u64, Duration); 2] {
        [self.checker.starts(), self.runner.starts()]
    }

    /// Parses, validates and bounds `task` in the checker. The call runs in
    /// a task of its own, so a client that goes away does not leave the
    /// checker's deadline unenforced.
    pub(crate) async fn check(
        &self,
        task: PuzzleTask,
        limits: KernelLimits,
    ) -> Result<Option<CompileError>, LabError> {
        let checker = self.checker.clone();
        let memory = self.memory_mib;
        tokio::spawn(async move {
            match checker
                .call(&Request::Check { task, limits }, CHECK_DEADLINE)
                .await
            {
                Ok(Reply::Checked(result)) => result,
                Ok(other) => Err(unexpected(&other)),
                Err(e) => Err(refusal(e, "checking", memory)),
            }
        })
        .await
        .map_err(|e| LabError::failed("kernel check task", e))?
    }

    /// Compiles and runs `task` in the runner, for at most `deadline`. The
    /// caller holds the GPU's queue place in `hold` until the runner has
    /// answered or its process is gone, even if the client goes away.
    pub(crate) async fn run<H: Send + 'static>(
        &self,
        task: PuzzleTask,
        deadline: Duration,
        hold: H,
    ) -> Result<PuzzleOutcome, LabError> {
        let runner = self.runner.clone();
        let memory = self.memory_mib;
        tokio::spawn(async move {
            let _hold = hold;
            match runner.call(&Request::Run { task }, deadline).await {
                Ok(Reply::Ran(Ok(outcome))) => Ok(outcome),
                Ok(Reply::Ran(Err(e))) => {
                    // A device that timed out or failed is not trusted with
                    // the next kernel: its process goes, and a fresh one opens it.
                    if matches!(
                        e,
                        LabError::DeviceTimeout { .. } | LabError::Internal { .. }
                    ) {
                        runner.replace().await;
                    }
                    Err(e)
                }
                Ok(other) => Err(unexpected(&other)),
                Err(e) => Err(refusal(e, "running", memory)),
            }
        })
        .await
        .map_err(|e| LabError::failed("kernel run task", e))?
    }
}

fn unexpected(reply: &Reply) -> LabError {
    LabError::internal(format!(
        "the kernel sandbox answered out of turn: {reply:?}"
    ))
}

/// What the learner is told when the sandbox had to be stopped. A deadline
/// or a death is the kernel's doing (422); the sandbox failing to start or
/// to speak is the server's (500, logged).
fn refusal(e: SandboxError, doing: &str, memory_mib: u64) -> LabError {
    match e {
        SandboxError::Deadline(d) => LabError::LimitExceeded {
            field: "deadline".into(),
            message: format!(
                "{doing} your kernel took longer than {} s, so its sandbox process was stopped \
                 and replaced: make it do less work (fewer or shorter loops, smaller constant \
                 arrays)",
                d.as_secs()
            ),
        },
        SandboxError::Died(detail) => {
            tracing::warn!(%detail, "a kernel ended its sandbox process");
            LabError::LimitExceeded {
                field: "sandbox".into(),
                message: format!(
                    "{doing} your kernel ended its sandbox process (most likely it needed more \
                     than the {memory_mib} MiB a kernel may use, or crashed the GPU driver); a \
                     fresh one was started"
                ),
            }
        }
        SandboxError::Busy => LabError::QueueTimeout {
            waited_s: CHECK_WAIT.as_secs(),
        },
        e @ (SandboxError::Start(_) | SandboxError::Protocol(_)) => {
            LabError::failed("kernel sandbox", e)
        }
    }
}
