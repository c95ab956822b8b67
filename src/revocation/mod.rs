//! Revocation. This first part applies CRLs given as bytes (`inspect --crl-file`) to the leaf of a
//! chain, through rustls-webpki, which verifies the CRL's signature by the leaf's issuer and its
//! freshness (RFC 5280 §6.3). Fetching CRLs, OCSP and stapled responses come later (issue 3);
//! nothing here reports "not revoked" unless a verified, fresh CRL from the issuer says so.

mod crl;

pub use crl::{CrlOutcome, check_leaf_with_crls, read_crls};

use crate::finding::{Evidence, Finding, FindingCode, Severity};

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

/// How unavailable revocation is treated (`--revocation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationPolicy {
    /// Unavailable revocation is an error.
    Hard,
    /// No revocation traffic at all.
    Off,
    /// Unavailable revocation is a warning (the default).
    Soft,
}

/// `revoked` (an error) or `revocation-unavailable` (severity by `policy`) from a CRL outcome.
pub fn crl_finding(outcome: CrlOutcome, policy: RevocationPolicy) -> Option<Finding> {
    let (code, severity, message) = match &outcome {
        CrlOutcome::Good => return None,
        CrlOutcome::Revoked {
            serial,
            reason,
            revoked_at,
        } => (
            FindingCode::Revoked,
            Severity::Error,
            format!(
                "the leaf (serial {serial}) is revoked by its issuer's CRL since {revoked_at}{}",
                reason
                    .as_deref()
                    .map(|r| format!(" (reason: {r})"))
                    .unwrap_or_default()
            ),
        ),
        CrlOutcome::Unavailable { reason } => (
            FindingCode::RevocationUnavailable,
            if policy == RevocationPolicy::Hard {
                Severity::Error
            } else {
                Severity::Warning
            },
            format!("the CRL gives no usable answer: {reason}"),
        ),
    };
    let evidence = Evidence::Revocation {
        source: "crl".to_owned(),
        outcome,
    };
    Some(Finding::new(code, severity, message, evidence).at_cert(0))
}
