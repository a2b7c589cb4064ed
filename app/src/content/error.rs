use std::path::{Path, PathBuf};

/// Why the content could not be loaded. Always names the file, and the field where
/// one is at fault, so a teacher editing `content/` can fix it without reading code.
#[derive(Debug, thiserror::Error)]
pub enum ContentError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: {field}: {message}")]
    Invalid {
        file: PathBuf,
        field: String,
        message: String,
    },
}

impl ContentError {
    pub fn invalid(file: &Path, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            file: file.to_path_buf(),
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Lists `dir`'s files with the given extension, sorted so start-up is deterministic.
pub(super) fn files_with_ext(dir: &Path, ext: &str) -> Result<Vec<PathBuf>, ContentError> {
    let entries = std::fs::read_dir(dir).map_err(|e| ContentError::io(dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| ContentError::io(dir, e))?.path();
        if path.extension().is_some_and(|e| e == ext) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Slugs and ids end up in URLs and HTML ids: keep them to a safe alphabet.
pub(super) fn check_ident(file: &Path, field: &str, value: &str) -> Result<(), ContentError> {
    let ok = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(ContentError::invalid(
            file,
            field,
            format!("'{value}' must be non-empty and use only a-z, 0-9 and '-'"),
        ))
    }
}

pub(super) fn check_non_empty(file: &Path, field: &str, value: &str) -> Result<(), ContentError> {
    if value.trim().is_empty() {
        Err(ContentError::invalid(file, field, "must not be empty"))
    } else {
        Ok(())
    }
}
