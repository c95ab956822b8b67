//! The operation-level error: the run could not be carried out (unreadable input, bad option
//! value, the lab could not start). Facts about endpoints are findings, not errors.

use std::path::PathBuf;

/// Why an operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file the user named could not be read whole.
    #[error(transparent)]
    Input(#[from] crate::input::Error),
    /// A file could not be written where the user pointed.
    #[error(transparent)]
    Output(#[from] crate::output::Error),
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
    /// A trust store could not be read.
    #[error(transparent)]
    Stores(#[from] crate::stores::Error),
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
