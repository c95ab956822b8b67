//! Reading the files a user names (certificates, CRLs, OCSP responses, bundles, lists): bounded
//! in size, bounded in time where the file is not a regular one (a FIFO nobody opens for
//! writing blocks its reader forever), read once (a pipe's second read is empty), and with a
//! UTF-8 byte-order mark skipped (Windows editors and PowerShell 5 write one; before a PEM
//! block it hid the block).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// The most read from a file of certificates forming one chain (`inspect`, `--pin-file`).
pub const MAX_CHAIN_FILE: u64 = 4 << 20;
/// The most read from a bundle of roots (`--ca-file`, `trust --store FILE`).
pub const MAX_BUNDLE_FILE: u64 = 64 << 20;
/// The most read from a saved CRL (as for a downloaded one).
pub(crate) const MAX_CRL_FILE: u64 = 64 << 20;
/// The most read from a saved OCSP response.
pub(crate) const MAX_OCSP_FILE: u64 = 1 << 20;
/// The most read from an address-ranges file (`--ip-ranges`).
pub const MAX_RANGES_FILE: u64 = 16 << 20;

/// How long a FIFO or pipe may stay silent (nobody opened it for writing, or nothing was
/// written) before the read is given up.
pub const MAX_SILENCE: Duration = Duration::from_secs(30);

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be opened or read.
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A file is larger than any input of its kind can be (`/dev/zero`, a wrong file).
    #[error("{path} is larger than {limit} bytes, the most accepted for this input")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit, bytes.
        limit: u64,
    },
    /// A FIFO or pipe stayed silent: nobody opened it for writing, or nothing more came.
    #[error(
        "{path} is not a regular file and nothing was written to it for {} s (a FIFO with no \
         writer?); gave up reading it",
        silence.as_secs()
    )]
    Silent {
        /// The file.
        path: PathBuf,
        /// How long it stayed silent.
        silence: Duration,
    },
}

/// `bytes` without a leading UTF-8 byte-order mark.
pub(crate) fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(BOM).unwrap_or(bytes)
}

/// A program the user names in the environment variable `variable`, else `name` (`.exe` on
/// Windows) in a folder of PATH; none when neither is set or found.
pub fn program(variable: &str, name: &str) -> Option<PathBuf> {
    if let Some(named) = std::env::var_os(variable) {
        return Some(PathBuf::from(named));
    }
    let file = if cfg!(windows) {
        format!("{name}.exe")
    } else {
        name.to_owned()
    };
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(&file))
        .find(|candidate| candidate.is_file())
}

/// Whether `path` names something other than a regular file (a FIFO, a pipe such as `<(…)`
/// or `/dev/stdin`, a device). A path that cannot be looked up counts as regular: opening it
/// then says why.
pub fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|meta| !meta.is_file())
}

/// Reads at most `limit` bytes of a file, naming it on failure; a longer file (or an endless
/// one, such as `/dev/zero`) is refused after `limit + 1` bytes, never read whole. A file that
/// is not a regular one is given up after [`MAX_SILENCE`] without a byte. A leading UTF-8
/// byte-order mark is dropped.
pub fn read_file(path: &Path, limit: u64) -> Result<Vec<u8>, Error> {
    let mut bytes = if is_special(path) {
        read_special(path, limit, MAX_SILENCE)?
    } else {
        let file = std::fs::File::open(path).map_err(|source| Error::read(path, source))?;
        read_capped(file, path, limit)?
    };
    if bytes.starts_with(BOM) {
        bytes.drain(..BOM.len());
    }
    Ok(bytes)
}

/// Opens `path` for reading as a stream (a list read a line at a time). A FIFO that nobody
/// opens for writing within [`MAX_SILENCE`] is given up; after that the stream is read as it
/// comes, like stdin.
pub fn open_stream(path: &Path) -> Result<std::fs::File, Error> {
    if !is_special(path) {
        return std::fs::File::open(path).map_err(|source| Error::read(path, source));
    }
    let (send, receive) = mpsc::channel();
    let owned = path.to_owned();
    // A FIFO's open blocks until a writer comes; the thread is left behind if none does.
    std::thread::spawn(move || {
        let _ = send.send(std::fs::File::open(owned));
    });
    match receive.recv_timeout(MAX_SILENCE) {
        Ok(opened) => opened.map_err(|source| Error::read(path, source)),
        Err(_) => Err(Error::Silent {
            path: path.to_owned(),
            silence: MAX_SILENCE,
        }),
    }
}

impl Error {
    /// `path` could not be read: `source` says why.
    pub fn read(path: &Path, source: std::io::Error) -> Self {
        Self::Read {
            path: path.to_owned(),
            source,
        }
    }
}

fn read_capped(reader: impl Read, path: &Path, limit: u64) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| Error::read(path, source))?;
    if bytes.len() as u64 > limit {
        return Err(Error::TooLarge {
            path: path.to_owned(),
            limit,
        });
    }
    Ok(bytes)
}

/// Reads a non-regular file on a thread that hands over what it reads chunk by chunk; the
/// caller gives up when `silence` passes without a chunk (the thread, blocked in `open` or
/// `read`, is left behind: the run ends with the error).
fn read_special(path: &Path, limit: u64, silence: Duration) -> Result<Vec<u8>, Error> {
    const CHUNK: usize = 64 * 1024;
    let (send, receive) = mpsc::sync_channel::<std::io::Result<Vec<u8>>>(4);
    let owned = path.to_owned();
    let cap = limit.saturating_add(1);
    std::thread::spawn(move || {
        let mut file = match std::fs::File::open(&owned) {
            Ok(file) => file.take(cap),
            Err(error) => {
                let _ = send.send(Err(error));
                return;
            }
        };
        loop {
            let mut chunk = vec![0; CHUNK];
            match file.read(&mut chunk) {
                Ok(0) => {
                    let _ = send.send(Ok(Vec::new()));
                    return;
                }
                Ok(read) => {
                    chunk.truncate(read);
                    if send.send(Ok(chunk)).is_err() {
                        return;
                    }
                }
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => {
                    let _ = send.send(Err(error));
                    return;
                }
            }
        }
    });
    let mut bytes = Vec::new();
    loop {
        match receive.recv_timeout(silence) {
            Ok(Ok(chunk)) if chunk.is_empty() => break,
            Ok(Ok(chunk)) => {
                bytes.extend_from_slice(&chunk);
                if bytes.len() as u64 > limit {
                    return Err(Error::TooLarge {
                        path: path.to_owned(),
                        limit,
                    });
                }
            }
            Ok(Err(source)) => return Err(Error::read(path, source)),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                return Err(Error::Silent {
                    path: path.to_owned(),
                    silence,
                });
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bom_is_dropped_once_and_only_at_the_start() {
        assert_eq!(without_bom(b"\xEF\xBB\xBF-----BEGIN"), b"-----BEGIN");
        assert_eq!(without_bom(b"x\xEF\xBB\xBF"), b"x\xEF\xBB\xBF");
        assert_eq!(without_bom(b""), b"");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_with_no_writer_is_given_up_after_the_silence() {
        let dir = std::env::temp_dir().join(format!("tlsinspect-fifo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|_| unreachable!());
        let fifo = dir.join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|status| status.success()), "mkfifo");
        let started = std::time::Instant::now();
        let error = read_special(&fifo, 1024, Duration::from_millis(300));
        assert!(matches!(error, Err(Error::Silent { .. })), "{error:?}");
        assert!(started.elapsed() < Duration::from_secs(10));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
