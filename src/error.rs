//! The operation-level error: the run could not be carried out (unreadable input, bad option
//! value, the lab could not start). Facts about endpoints are findings, not errors.

use std::path::PathBuf;

/// Why an operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
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
    /// A file could not be written.
    #[error("cannot write {path}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A file holds no usable certificates.
    #[error("{path}: unusable certificates")]
    Certificates {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: crate::chain::Error,
    },
    /// A file holds no usable revocation data.
    #[error("{path}: unusable revocation data")]
    Revocation {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: crate::revocation::Error,
    },
    /// `audit-proxy` could not run.
    #[error(transparent)]
    Audit(#[from] crate::audit::Error),
    /// The lab could not start.
    #[error("the lab could not start")]
    Lab(#[from] crate::lab::Error),
    /// A network option is invalid.
    #[error(transparent)]
    Net(#[from] crate::net::Error),
    /// A target is invalid.
    #[error(transparent)]
    Target(#[from] crate::target::TargetError),
}

/// The most read from a file of certificates forming one chain (`inspect`, `--pin-file`).
pub const MAX_CHAIN_FILE: u64 = 4 << 20;
/// The most read from a bundle of roots (`--ca-file`, `trust --store FILE`).
pub const MAX_BUNDLE_FILE: u64 = 64 << 20;
/// The most read from a saved CRL (as for a downloaded one).
pub const MAX_CRL_FILE: u64 = 64 << 20;
/// The most read from a saved OCSP response.
pub const MAX_OCSP_FILE: u64 = 1 << 20;
/// The most read from an address-ranges file (`--ip-ranges`).
pub const MAX_RANGES_FILE: u64 = 16 << 20;

/// Reads at most `limit` bytes of a file, naming it on failure; a longer file (or an endless
/// one, such as `/dev/zero`) is refused after `limit + 1` bytes, never read whole.
pub fn read_file(path: &std::path::Path, limit: u64) -> Result<Vec<u8>, Error> {
    use std::io::Read;
    let read_error = |source| Error::Read {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > limit {
        return Err(Error::TooLarge {
            path: path.to_owned(),
            limit,
        });
    }
    Ok(bytes)
}
