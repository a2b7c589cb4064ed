//! Resource limits of a sandbox process (Linux; elsewhere they are no-ops and
//! only the supervisor's deadline bounds a kernel).

use std::io;

/// Cores dumped by a killed sandbox would be disk a learner fills at will.
#[cfg(unix)]
pub fn no_core_dumps() -> io::Result<()> {
    set(libc::RLIMIT_CORE, 0, 0)
}

/// The address space may grow by at most `bytes` beyond what the process maps
/// now (the driver's own mappings included): a kernel's checks and driver
/// compile cannot take more memory than that, whatever the source asks for.
#[cfg(unix)]
pub fn address_space_growth(bytes: u64) -> io::Result<u64> {
    let now = virtual_size().unwrap_or(0);
    let limit = now.saturating_add(bytes);
    set(libc::RLIMIT_AS, limit, limit)?;
    Ok(limit)
}

/// Lets the process run `seconds` more of CPU time (all its threads together)
/// before the kernel stops it with SIGXCPU: a backstop behind the
/// supervisor's wall-clock deadline. Only the soft limit moves, so it can be
/// raised again for the next job.
#[cfg(unix)]
pub fn cpu_seconds_from_now(seconds: u64) -> io::Result<()> {
    // SAFETY: getrusage writes into the struct we pass and nothing else.
    let used = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_SELF, &mut usage) != 0 {
            return Err(io::Error::last_os_error());
        }
        (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) as u64
    };
    set(
        libc::RLIMIT_CPU,
        used.saturating_add(seconds),
        libc::RLIM_INFINITY,
    )
}

#[cfg(unix)]
fn set(resource: RlimitResource, soft: u64, hard: u64) -> io::Result<()> {
    let limit = libc::rlimit {
        rlim_cur: soft as libc::rlim_t,
        rlim_max: hard as libc::rlim_t,
    };
    // SAFETY: setrlimit reads the struct we pass.
    if unsafe { libc::setrlimit(resource, &limit) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(all(unix, target_os = "linux"))]
type RlimitResource = libc::__rlimit_resource_t;
#[cfg(all(unix, not(target_os = "linux")))]
type RlimitResource = libc::c_int;

/// The process's mapped address space in bytes (`VmSize`), where the system says.
pub fn virtual_size() -> Option<u64> {
    status_kib("VmSize:").map(|k| k * 1024)
}

/// The process's peak resident memory in bytes (`VmHWM`), where the system says.
pub fn peak_resident() -> Option<u64> {
    status_kib("VmHWM:").map(|k| k * 1024)
}

fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

#[cfg(not(unix))]
pub fn no_core_dumps() -> io::Result<()> {
    Ok(())
}

#[cfg(not(unix))]
pub fn address_space_growth(_: u64) -> io::Result<u64> {
    Ok(u64::MAX)
}

#[cfg(not(unix))]
pub fn cpu_seconds_from_now(_: u64) -> io::Result<()> {
    Ok(())
}
