//! Writing files where a user points (`lab gen-certs DIR`, `lab --dir`, the audit root,
//! `--save-chain`): never through a link planted there. Each file is written under a fresh
//! name (created, never opened if it exists) and renamed into place, so a planted link is
//! replaced, never followed; a folder that is a link is refused. Private keys are created
//! readable by their owner only.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Who may read a file written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (certificates, CRLs): mode 0644 on Unix.
    Public,
    /// Its owner only (private keys): mode 0600 on Unix.
    Private,
}

/// Why a file could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {reason}")]
pub struct Error {
    /// The file or folder.
    pub path: PathBuf,
    /// Why.
    pub reason: String,
}

fn error(path: &Path, reason: impl ToString) -> Error {
    Error {
        path: path.to_owned(),
        reason: reason.to_string(),
    }
}

/// Makes `dir` (and its parents) unless it exists; an existing `dir` must be a real folder, not
/// a link to one.
pub fn folder(dir: &Path) -> Result<(), Error> {
    match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.file_type().is_symlink() => Err(error(
            dir,
            "it is a link (a link is never followed when writing)",
        )),
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(error(dir, "it exists and is not a folder")),
        Err(_) => std::fs::create_dir_all(dir).map_err(|source| error(dir, source)),
    }
}

/// Writes `bytes` to `path` (its folder must exist): under a fresh name in the same folder,
/// then renamed over `path`. A `path` that exists and is not a regular file (a link, a folder)
/// is refused.
pub fn write(path: &Path, bytes: &[u8], access: Access) -> Result<(), Error> {
    if let Ok(existing) = std::fs::symlink_metadata(path)
        && !existing.file_type().is_file()
    {
        return Err(error(
            path,
            "it exists and is not a regular file (a link is never followed)",
        ));
    }
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(match access {
            Access::Public => 0o644,
            Access::Private => 0o600,
        });
    }
    #[cfg(not(unix))]
    let _ = access;
    let written = options
        .open(&temporary)
        .and_then(|mut file| file.write_all(bytes))
        .and_then(|()| std::fs::rename(&temporary, path));
    written.map_err(|source| {
        let _ = std::fs::remove_file(&temporary);
        error(path, source)
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_planted_link_is_refused_and_its_target_untouched_and_keys_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("tlsinspect-output-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        folder(&dir).unwrap_or_else(|_| unreachable!());
        let victim = dir.join("victim");
        std::fs::write(&victim, "keep").unwrap_or_else(|_| unreachable!());
        std::os::unix::fs::symlink(&victim, dir.join("leaf.key"))
            .unwrap_or_else(|_| unreachable!());
        assert!(write(&dir.join("leaf.key"), b"secret", Access::Private).is_err());
        assert_eq!(
            std::fs::read_to_string(&victim).ok().as_deref(),
            Some("keep")
        );
        std::os::unix::fs::symlink(&dir, dir.join("sub")).unwrap_or_else(|_| unreachable!());
        assert!(folder(&dir.join("sub")).is_err());
        write(&dir.join("new.key"), b"secret", Access::Private).unwrap_or_else(|_| unreachable!());
        let mode = std::fs::metadata(dir.join("new.key"))
            .map(|meta| meta.permissions().mode())
            .unwrap_or_default();
        assert_eq!(mode & 0o777, 0o600);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
