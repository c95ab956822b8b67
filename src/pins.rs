//! Expected roots ("pins") for profile endpoints, matched by SPKI SHA-256 — never by name, which
//! an interceptor can copy, and never by certificate hash (Google's roots exist in several
//! encodings with one key).
//!
//! The built-in set is Google's roots (data/google-roots); `--pin-file` replaces it.

use crate::chain::{self, CertInfo, read_certificates_unbounded};
use crate::finding::{Evidence, Finding, FindingCode, Severity};
use crate::validate::Trust;

const GOOGLE_ROOTS: [&[u8]; 8] = [
    include_bytes!("../data/google-roots/gts-root-r1.pem"),
    include_bytes!("../data/google-roots/gts-root-r2.pem"),
    include_bytes!("../data/google-roots/gts-root-r3.pem"),
    include_bytes!("../data/google-roots/gts-root-r4.pem"),
    include_bytes!("../data/google-roots/globalsign-root-ca-r1.pem"),
    include_bytes!("../data/google-roots/globalsign-ecc-root-ca-r4.pem"),
    include_bytes!("../data/google-roots/gts-root-r1-cross-signed-by-globalsign-root-ca.pem"),
    include_bytes!("../data/google-roots/gts-root-r4-cross-signed-by-globalsign-root-ca.pem"),
];

/// The roots Google operates and its endpoints chain to (GTS Root R1–R4, GlobalSign ECC Root CA
/// R4): a store that trusts Google's services needs every one of them (Google's advice: trust
/// all of https://pki.goog/roots.pem; chains move between roots without notice).
const GOOGLE_OPERATED: [&[u8]; 5] = [
    include_bytes!("../data/google-roots/gts-root-r1.pem"),
    include_bytes!("../data/google-roots/gts-root-r2.pem"),
    include_bytes!("../data/google-roots/gts-root-r3.pem"),
    include_bytes!("../data/google-roots/gts-root-r4.pem"),
    include_bytes!("../data/google-roots/globalsign-ecc-root-ca-r4.pem"),
];

/// Their names, in the same order.
const GOOGLE_OPERATED_NAMES: [&str; 5] = [
    "GTS Root R1",
    "GTS Root R2",
    "GTS Root R3",
    "GTS Root R4",
    "GlobalSign ECC Root CA - R4",
];

/// Google-operated roots with their names, parsed (GTS Root R1–R4 and GlobalSign ECC Root CA R4).
#[allow(clippy::expect_used)] // The embedded roots are part of the program: a bad one is a bug.
pub(crate) fn google_operated_roots() -> Vec<(&'static str, CertInfo)> {
    GOOGLE_OPERATED
        .iter()
        .zip(GOOGLE_OPERATED_NAMES)
        .map(|(pem, name)| {
            let der = read_certificates_unbounded(pem)
                .ok()
                .and_then(|ders| ders.into_iter().next())
                .expect("invariant: every embedded Google root is a PEM certificate");
            let info = CertInfo::parse(&der).expect("invariant: every embedded Google root parses");
            (name, info)
        })
        .collect()
}

/// A set of expected SPKI SHA-256 hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pins {
    spki_sha256: Vec<String>,
}

impl Pins {
    /// Google's roots: GTS Root R1–R4, GlobalSign Root CA and GlobalSign ECC Root CA R4.
    #[allow(clippy::expect_used)] // The embedded roots are part of the program: a bad one is a bug.
    pub fn google() -> Self {
        let mut pins = Self {
            spki_sha256: Vec::new(),
        };
        for pem in GOOGLE_ROOTS {
            pins.extend(Self::from_pem(pem).expect("invariant: every embedded Google root parses"));
        }
        pins
    }

    /// The SPKIs of every certificate in a PEM file.
    pub fn from_pem(bytes: &[u8]) -> Result<Self, chain::Error> {
        let mut pins = Self {
            spki_sha256: Vec::new(),
        };
        for der in read_certificates_unbounded(bytes)? {
            let info = CertInfo::parse(&der)?;
            pins.spki_sha256.push(info.spki_sha256);
        }
        pins.spki_sha256.dedup();
        Ok(pins)
    }

    fn extend(&mut self, other: Self) {
        for hash in other.spki_sha256 {
            if !self.spki_sha256.contains(&hash) {
                self.spki_sha256.push(hash);
            }
        }
    }

    /// How many distinct keys are pinned.
    pub fn len(&self) -> usize {
        self.spki_sha256.len()
    }

    /// Whether no key is pinned.
    pub fn is_empty(&self) -> bool {
        self.spki_sha256.is_empty()
    }

    /// `unexpected-issuer` when neither a presented certificate nor the anchor has a pinned key.
    pub fn check(&self, certs: &[CertInfo], trust: &Trust) -> Option<Finding> {
        let mut presented: Vec<String> =
            certs.iter().map(|cert| cert.spki_sha256.clone()).collect();
        if let Trust::Trusted {
            anchor_spki_sha256, ..
        } = trust
        {
            presented.push(anchor_spki_sha256.clone());
        }
        if presented.iter().any(|hash| self.spki_sha256.contains(hash)) {
            return None;
        }
        let top = certs.last()?;
        let message = format!(
            "the chain does not end at an expected root: it ends at {} (issuer {})",
            top.subject, top.issuer
        );
        let evidence = Evidence::Pins {
            presented,
            expected_count: self.len(),
        };
        Some(Finding::new(
            FindingCode::UnexpectedIssuer,
            Severity::Warning,
            message,
            evidence,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn google_operates_five_roots() {
        let roots = google_operated_roots();
        assert_eq!(roots.len(), 5);
        for (name, root) in &roots {
            assert!(root.self_signed, "{name}");
            assert!(
                root.subject.contains(name.split(" - ").next().unwrap()),
                "{name}"
            );
        }
    }

    #[test]
    fn google_pins_are_six_keys() {
        // R1–R4, GSR1, GSR4; the cross-signs share R1's and R4's keys.
        let pins = Pins::google();
        assert_eq!(pins.len(), 6);
        // GTS Root R1, from reference/google-roots/fingerprints.csv.
        let r1 = "871a9194f4eed5b312ff40c84c1d524aed2f778bbff25f138cf81f680a7adc67";
        assert!(pins.spki_sha256.iter().any(|hash| hash == r1));
    }
}
