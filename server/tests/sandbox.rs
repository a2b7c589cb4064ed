//! The kernel sandbox's supervisor against stand-in children (shell scripts
//! that hang, die or talk nonsense) and against the real `kernel-sandbox`
//! command: every failure ends in a stopped, reaped and replaced child, and
//! the real child runs under its limits.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use inference_lab::sandbox::protocol::{Reply, Request};
use inference_lab::sandbox::{Role, Sandbox, SandboxConfig, SandboxError};
use lab_engine::playground::KernelLimits;
use lab_types::{PuzzleReference, PuzzleSize, PuzzleTask};

const READY: &str = r#"{"Ready":{"adapter":null}}"#;

/// A stand-in child: says it is ready, then does `then` for every request.
fn script(dir: &Path, name: &str, then: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!("#!/bin/sh\necho '{READY}'\nwhile read line; do\n{then}\ndone\n"),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn sandbox(program: PathBuf, args: &[&str]) -> std::sync::Arc<Sandbox> {
    Sandbox::new(SandboxConfig {
        program,
        role: Role::Check,
        args: args.iter().map(|a| a.to_string()).collect(),
        start_limit: Duration::from_secs(30),
        wait_limit: Duration::from_secs(30),
    })
}

fn task(source: &str) -> PuzzleTask {
    PuzzleTask {
        reference: PuzzleReference::Map,
        sizes: vec![PuzzleSize {
            m: 1,
            k: 1,
            n: 1000,
        }],
        needs_workgroup_memory: false,
        source: source.into(),
    }
}

fn check(source: &str) -> Request {
    Request::Check {
        task: task(source),
        limits: KernelLimits::SOFTWARE,
    }
}

/// Waits until the sandbox has started `n` children (restarts run in the background).
async fn until_started(s: &Sandbox, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while s.starts().0 < n {
        assert!(Instant::now() < deadline, "only {} starts", s.starts().0);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn alive(pid: u32) -> bool {
    // A reaped process has no /proc entry; a zombie would still have one.
    Path::new(&format!("/proc/{pid}")).exists()
}

#[tokio::test]
async fn a_child_past_its_deadline_is_killed_reaped_and_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let s = sandbox(script(dir.path(), "hang", "sleep 600"), &[]);
    let t = Instant::now();
    let e = s
        .call(&check("x"), Duration::from_millis(300))
        .await
        .expect_err("it never answers");
    assert!(matches!(e, SandboxError::Deadline(_)), "{e}");
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    until_started(&s, 2).await;
    // The replacement is a different, live process; the old one is gone.
    let pid = s.pid().await.expect("a fresh child");
    assert!(alive(pid));
}

#[tokio::test]
async fn a_child_that_dies_or_talks_nonsense_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let s = sandbox(script(dir.path(), "die", "exit 3"), &[]);
    let e = s
        .call(&check("x"), Duration::from_secs(10))
        .await
        .unwrap_err();
    assert!(
        matches!(e, SandboxError::Died(ref why) if why.contains('3')),
        "{e}"
    );
    until_started(&s, 2).await;

    let s = sandbox(script(dir.path(), "babble", "echo 'not json'"), &[]);
    let e = s
        .call(&check("x"), Duration::from_secs(10))
        .await
        .unwrap_err();
    assert!(matches!(e, SandboxError::Protocol(_)), "{e}");
    until_started(&s, 2).await;

    // A reply far over the line bound is refused, not buffered.
    let s = sandbox(
        script(
            dir.path(),
            "flood",
            "head -c 3000000 /dev/zero | tr '\\\\0' a; echo",
        ),
        &[],
    );
    let e = s
        .call(&check("x"), Duration::from_secs(30))
        .await
        .unwrap_err();
    assert!(matches!(e, SandboxError::Died(_)), "{e}");
}

#[tokio::test]
async fn a_child_that_cannot_start_is_an_error_not_a_hang() {
    let s = sandbox(PathBuf::from("/nonexistent/inference-lab"), &[]);
    let e = s
        .call(&check("x"), Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(matches!(e, SandboxError::Start(_)), "{e}");
}

#[tokio::test]
async fn the_real_checker_answers_and_runs_under_its_limits() {
    let s = sandbox(
        PathBuf::from(env!("CARGO_BIN_EXE_inference-lab")),
        &["--memory-mib", "256", "--cpu-s", "7"],
    );
    let ok = "@group(0) @binding(3) var<storage, read_write> y: array<f32>;\n\
        @compute @workgroup_size(64)\nfn main(@builtin(global_invocation_id) g: vec3<u32>) { y[g.x] = 1.0; }\n";
    match s.call(&check(ok), Duration::from_secs(10)).await.unwrap() {
        Reply::Checked(Ok(None)) => {}
        other => panic!("a valid kernel: {other:?}"),
    }
    match s
        .call(&check("fn main() { let x = ; }"), Duration::from_secs(10))
        .await
        .unwrap()
    {
        Reply::Checked(Ok(Some(e))) => assert_eq!(e.line, Some(1)),
        other => panic!("a syntax error: {other:?}"),
    }
    let pid = s.pid().await.expect("the checker runs");
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let row = |name: &str| -> Vec<String> {
        limits
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} in {limits}"))
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    assert_eq!(row("Max core file size")[4], "0", "no core dumps");
    let address_space: u64 = row("Max address space")[3]
        .parse()
        .expect("a limited address space");
    assert!(address_space < 8 << 30, "{address_space}");
    let cpu: u64 = row("Max cpu time")[3].parse().expect("a CPU-time limit");
    assert!((7..60).contains(&cpu), "{cpu}");
}
