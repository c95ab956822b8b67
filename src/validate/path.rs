//! Path building with rustls-webpki (RFC 5280 §6.1) against one anchor set at one instant.
//!
//! Only trust is decided here. Validity windows are judged separately (`checks`), so the path is
//! built at an instant inside the presented certificates' windows: an expired leaf then reads as
//! "expired" and, independently, "trusted" or not.

use rustls_pki_types::{CertificateDer, UnixTime};
use time::OffsetDateTime;
use webpki::{EndEntityCert, KeyUsage};

use super::anchors::AnchorSet;
use crate::chain::CertInfo;

/// A path that was built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BuiltPath {
    /// Index of the anchor in its set.
    pub(crate) anchor_index: usize,
    /// Whether the fetched (AIA) intermediate is part of the path.
    pub(crate) uses_fetched: bool,
}

/// Builds a path from `leaf` through `intermediates` (and `fetched`) to an anchor of `set`.
pub(crate) fn build(
    leaf: &EndEntityCert<'_>,
    set: &AnchorSet,
    intermediates: &[CertificateDer<'static>],
    fetched: Option<&CertificateDer<'static>>,
    at: UnixTime,
) -> Result<BuiltPath, webpki::Error> {
    let mut all: Vec<CertificateDer<'static>> = intermediates.to_vec();
    all.extend(fetched.cloned());
    let path = leaf.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        set.anchors(),
        &all,
        at,
        KeyUsage::server_auth(),
        None,
        None,
    )?;
    let uses_fetched = fetched.is_some_and(|fetched| {
        path.intermediate_certificates()
            .any(|cert| cert.der().as_ref() == fetched.as_ref())
    });
    // Invariant: webpki returns one of the anchors it was given.
    let anchor_index = set.position(path.anchor()).unwrap_or(0);
    Ok(BuiltPath {
        anchor_index,
        uses_fetched,
    })
}

/// The instant at which trust is judged: `at` clamped into the intersection of the presented
/// certificates' validity windows (or `at` itself when the windows do not overlap).
pub(crate) fn trust_instant(certs: &[CertInfo], at: OffsetDateTime) -> OffsetDateTime {
    let latest_start = certs.iter().map(|cert| cert.not_before).max();
    let earliest_end = certs.iter().map(|cert| cert.not_after).min();
    match (latest_start, earliest_end) {
        (Some(start), Some(end)) if start <= end => at.clamp(start, end),
        _ => at,
    }
}
