//! The server secret on disk: 32 random bytes in a file beside the database
//! (`data/inference-lab.secret` beside `data/inference-lab.db`), created with
//! mode 0600 on first start and read at every start after. Copying the
//! database without it leaves the transfer-code hashes useless; deleting it
//! only ends the transfer codes and signed form errors in flight.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use lab_storage::secret::{ServerSecret, SECRET_BYTES};

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("cannot read or create the server secret {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the server secret {path} is not {SECRET_BYTES} bytes long (delete it to make a new one)"
    )]
    Malformed { path: PathBuf },
    #[error("no random numbers for the server secret: {0}")]
    Random(#[source] lab_storage::codes::RandomError),
}

/// Where the secret of the database at `database` lives.
pub fn path_beside(database: &Path) -> PathBuf {
    database.with_extension("secret")
}

/// Reads the secret at `path`, or creates it (readable by its owner only)
/// when there is none. Two servers starting at once agree: only one creates.
pub fn load_or_create(path: &Path) -> Result<ServerSecret, SecretError> {
    let io = |source| SecretError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            let secret = ServerSecret::generate().map_err(SecretError::Random)?;
            file.write_all(secret.as_bytes()).map_err(io)?;
            file.sync_all().map_err(io)?;
            tracing::info!(path = %path.display(), "server secret created");
            Ok(secret)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read(path),
        Err(e) => Err(io(e)),
    }
}

fn read(path: &Path) -> Result<ServerSecret, SecretError> {
    let io = |source| SecretError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    warn_if_shared(&file, path);
    let mut bytes = Vec::with_capacity(SECRET_BYTES + 1);
    // One byte more than a secret: a longer file is refused, not cut.
    file.take(SECRET_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    let bytes: [u8; SECRET_BYTES] = bytes.try_into().map_err(|_| SecretError::Malformed {
        path: path.to_path_buf(),
    })?;
    Ok(ServerSecret::from_bytes(bytes))
}

#[cfg(unix)]
fn warn_if_shared(file: &std::fs::File, path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = file.metadata() {
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(path = %path.display(), "the server secret is readable by others: chmod 600 it");
        }
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_: &std::fs::File, _: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_beside(&dir.path().join("data").join("lab.db"));
        assert_eq!(path.file_name().unwrap(), "lab.secret");
        let first = load_or_create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            load_or_create(&path).unwrap(),
            first,
            "the same after a restart"
        );
        std::fs::write(&path, b"short").unwrap();
        assert!(matches!(
            load_or_create(&path),
            Err(SecretError::Malformed { .. })
        ));
    }
}
