//! Certificates as presented: DER kept in wire order, plus a parsed view of each one.
//!
//! This module reads and describes certificates; it does not judge them (`validate` does).

pub(crate) mod asn1;
mod cert;
mod der;
pub(crate) mod names;
mod pem;
pub(crate) mod signature;

pub(crate) use cert::dn_to_string;
pub use cert::{CertInfo, KeyInfo};
pub use der::{sha256_hex, wrap_sequence};
pub(crate) use pem::describe_pem_error;
pub use pem::{
    TrustedCertificate, encode_pem, encode_pem_block, read_certificates,
    read_certificates_unbounded, read_trusted_certificates,
};

/// Why certificates could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not a DER certificate.
    #[error("malformed certificate: {0}")]
    Malformed(String),
    /// A PEM file is damaged.
    #[error("malformed PEM: {0}")]
    Pem(String),
    /// The input holds no certificate.
    #[error("no certificate found")]
    Empty,
    /// More certificates than a chain may hold.
    #[error("{count} certificates exceed the limit of {limit}")]
    TooMany {
        /// How many were found.
        count: usize,
        /// The limit.
        limit: usize,
    },
}

/// The most certificates accepted in one chain or file (hostile input bound).
pub const MAX_CHAIN_LEN: usize = 16;
