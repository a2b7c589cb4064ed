//! Learners' kernels run in sandbox processes, never in the web process.
//!
//! A kernel is untrusted code in two ways: its text (naga's front end and
//! validator run on it, and a few bytes can ask them for gigabytes) and its
//! program (a driver compiles it, and it runs on the GPU). So both happen in
//! child processes of this same binary (`inference-lab kernel-sandbox`):
//!
//! - a **checker** (`--role check`) parses, validates and bounds kernels; it
//!   opens no device, so it starts in milliseconds;
//! - a **runner** (`--role run`) opens the playground's GPU once at start-up
//!   and then compiles and runs kernel after kernel on it.
//!
//! Each process limits its own address space (growth beyond start-up) and
//! CPU time per job ([`limits`]); the supervisor in the web process gives
//! every request one wall-clock deadline and kills and replaces a process
//! that passes it, dies or answers nonsense ([`supervisor`]). Killing the
//! process is the portable way to stop a runaway GPU context or a driver
//! compile that never ends. The lab holds a kernel's queue place until its
//! process has answered or is gone, so the next job never measures on a GPU
//! still busy with the last one.
//!
//! The request and reply types ([`protocol`]) are the runner interface a lab
//! worker process can host later: it would feed the same child the same lines.

pub mod child;
pub mod limits;
pub mod protocol;
pub mod supervisor;

pub use child::{Role, SandboxArgs};
pub use supervisor::{Sandbox, SandboxConfig, SandboxError};
