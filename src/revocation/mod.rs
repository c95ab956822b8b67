//! Revocation. This first part applies CRLs given as bytes (`inspect --crl-file`) to the leaf of a
//! chain, through rustls-webpki, which verifies the CRL's signature by the leaf's issuer and its
//! freshness (RFC 5280 §6.3). Fetching CRLs, OCSP and stapled responses come later (issue 3);
//! nothing here reports "not revoked" unless a verified, fresh CRL from the issuer says so.

mod crl;

pub use crl::{CrlOutcome, check_leaf_with_crls, read_crls};

/// Why revocation data could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A PEM file is damaged.
    #[error("malformed PEM: {0}")]
    Pem(String),
    /// The input holds no CRL.
    #[error("no CRL found")]
    Empty,
}
