//! Every connection is a file descriptor, and many systems start processes
//! with a soft limit of 1,024 of them (the hard limit is usually far higher).
//! At start-up the soft limit is raised to the hard one, so the connection cap,
//! not the descriptor limit, decides how many clients are served.

/// Never asks for more than this, even when the hard limit is "unlimited"
/// (Linux refuses a soft limit above `fs.nr_open`, 1,048,576 by default).
#[cfg(unix)]
const CEILING: u64 = 1 << 20;

/// Raises the soft `RLIMIT_NOFILE` to the hard limit; returns the soft limit
/// in force afterwards (`None` where the system does not say).
#[cfg(unix)]
#[allow(clippy::unnecessary_cast)] // `rlim_t` is u64 on Linux, not everywhere
pub fn raise_to_hard_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass and nothing else.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return None;
    }
    let hard = if limit.rlim_max == libc::RLIM_INFINITY {
        CEILING
    } else {
        (limit.rlim_max as u64).min(CEILING)
    };
    let soft = limit.rlim_cur as u64;
    if soft >= hard {
        return Some(soft);
    }
    let raised = libc::rlimit {
        rlim_cur: hard as libc::rlim_t,
        rlim_max: limit.rlim_max,
    };
    // SAFETY: setrlimit reads the struct we pass.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } != 0 {
        tracing::warn!(
            error = %std::io::Error::last_os_error(),
            soft, hard, "could not raise the open-files limit"
        );
        return Some(soft);
    }
    Some(hard)
}

#[cfg(not(unix))]
pub fn raise_to_hard_limit() -> Option<u64> {
    None
}

#[cfg(all(test, unix))]
mod tests {
    #[test]
    fn the_soft_limit_ends_at_the_hard_one_and_stays_there() {
        let first = super::raise_to_hard_limit().expect("Linux says");
        assert!(first >= 1024, "{first}");
        assert_eq!(super::raise_to_hard_limit(), Some(first));
    }
}
