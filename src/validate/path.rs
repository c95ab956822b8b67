//! Path building with rustls-webpki (RFC 5280 §6.1) against one anchor set.
//!
//! Trust and time are judged apart. The path is built first at the evaluation instant, where
//! webpki tries every alternative (a valid path beside an expired intermediate is found). When
//! only time stands in the way, it is built again at instants inside the leaf's validity window
//! (the evaluation instant clamped into the presented windows, then the window bounds of the other
//! certificates): an expired leaf then reads "expired" and, independently, "trusted" or not. When
//! no instant works and time is the only obstacle, the presented windows never overlap.

use rustls_pki_types::{CertificateDer, UnixTime};
use time::OffsetDateTime;
use webpki::{EndEntityCert, KeyUsage};

use super::anchors::AnchorSet;
use super::reject::is_time_error;
use crate::chain::CertInfo;
use crate::clock::unix_time;

/// The most instants a path is tried at when only time stands in the way.
const MAX_INSTANTS: usize = 8;

/// A path that was built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BuiltPath {
    /// Index of the anchor in its set.
    pub(crate) anchor_index: usize,
    /// Whether the fetched (AIA) intermediate is part of the path.
    pub(crate) uses_fetched: bool,
    /// The presented certificates in the path (the leaf, then intermediates), by position.
    pub(crate) presented: Vec<usize>,
}

/// What path building found.
#[derive(Debug, Clone)]
pub(super) enum Outcome {
    /// A path to an anchor.
    Built(BuiltPath),
    /// No path; the validator's most specific reason that is not about time.
    Refused(webpki::Error),
    /// No instant lies inside every window a path needs: only time stood in the way.
    WindowsDisjoint,
}

/// Builds a path from the leaf of `chain` through the other presented certificates (and
/// `fetched`) to an anchor of `set`, at `at` or, when only time stands in the way, at another
/// instant inside the leaf's window.
pub(crate) fn search(
    leaf: &EndEntityCert<'_>,
    set: &AnchorSet,
    chain: &[CertificateDer<'static>],
    fetched: Option<&CertificateDer<'static>>,
    certs: &[CertInfo],
    at: OffsetDateTime,
) -> Outcome {
    match build(leaf, set, chain, fetched, unix_time(at)) {
        Ok(path) => return Outcome::Built(path),
        Err(error) if !is_time_error(&error) => return Outcome::Refused(error),
        Err(_) => {}
    }
    let mut refused = None;
    for instant in instants(certs, at) {
        match build(leaf, set, chain, fetched, unix_time(instant)) {
            Ok(path) => return Outcome::Built(path),
            Err(error) if is_time_error(&error) => {}
            Err(error) => {
                refused.get_or_insert(error);
            }
        }
    }
    match refused {
        Some(error) => Outcome::Refused(error),
        None => Outcome::WindowsDisjoint,
    }
}

/// One attempt at one instant.
fn build(
    leaf: &EndEntityCert<'_>,
    set: &AnchorSet,
    chain: &[CertificateDer<'static>],
    fetched: Option<&CertificateDer<'static>>,
    at: UnixTime,
) -> Result<BuiltPath, webpki::Error> {
    let mut intermediates: Vec<CertificateDer<'static>> = chain[1..].to_vec();
    intermediates.extend(fetched.cloned());
    let path = leaf.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        set.anchors(),
        &intermediates,
        at,
        KeyUsage::server_auth(),
        None,
        None,
    )?;
    let mut presented = vec![0];
    let mut uses_fetched = false;
    for cert in path.intermediate_certificates() {
        match chain[1..]
            .iter()
            .position(|der| der.as_ref() == cert.der().as_ref())
        {
            Some(index) => presented.push(index + 1),
            None => uses_fetched = true,
        }
    }
    // Invariant: webpki returns one of the anchors it was given.
    let anchor_index = set.position(path.anchor()).unwrap_or(0);
    Ok(BuiltPath {
        anchor_index,
        uses_fetched,
        presented,
    })
}

/// The instants worth trying besides `at`, all inside the leaf's window: `at` clamped into the
/// presented certificates' common window (or the leaf's), then the bounds of the others' windows.
fn instants(certs: &[CertInfo], at: OffsetDateTime) -> Vec<OffsetDateTime> {
    let Some(leaf) = certs.first() else {
        return Vec::new();
    };
    let inside_leaf = |instant: &OffsetDateTime| leaf.is_valid_at(*instant);
    let latest_start = certs.iter().map(|cert| cert.not_before).max();
    let earliest_end = certs.iter().map(|cert| cert.not_after).min();
    let mut instants = Vec::new();
    if let (Some(start), Some(end)) = (latest_start, earliest_end)
        && start <= end
    {
        instants.push(at.clamp(start, end));
    }
    if leaf.not_before <= leaf.not_after {
        instants.push(at.clamp(leaf.not_before, leaf.not_after));
    }
    for cert in &certs[1..] {
        instants.extend(
            [cert.not_before, cert.not_after]
                .into_iter()
                .filter(inside_leaf),
        );
    }
    instants.retain(|instant| *instant != at);
    instants.dedup();
    instants.truncate(MAX_INSTANTS);
    instants
}
