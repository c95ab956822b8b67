//! Trust anchors: the bundled Mozilla set (webpki-roots), a PEM file (`--ca-file`), and the
//! system store (rustls-native-certs; on Windows every store CryptoAPI trusts, read by the
//! `trust` command's reader, with where each root was found), each kept with the SPKI hashes
//! pins and reports need.

use std::collections::HashSet;

use rustls_pki_types::{CertificateDer, TrustAnchor};
use serde::Serialize;

use crate::chain::{self, sha256_hex, wrap_sequence};

/// Where an anchor set comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AnchorSource {
    /// A PEM file named by the user.
    File,
    /// Mozilla's set, bundled.
    Mozilla,
    /// The operating system's store.
    System,
}

impl AnchorSource {
    /// The set in words: "the --ca-file anchors", "Mozilla's roots", "this machine's store".
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::File => "the --ca-file anchors",
            Self::Mozilla => "Mozilla's roots",
            Self::System => "this machine's store",
        }
    }
}

/// A set of trust anchors with their SPKI SHA-256 hashes and, when they came from certificates
/// (a file, the system store), the certificates themselves (same order).
#[derive(Debug, Clone)]
pub struct AnchorSet {
    source: AnchorSource,
    anchors: Vec<TrustAnchor<'static>>,
    spki_sha256: Vec<String>,
    certificates: Vec<Option<CertificateDer<'static>>>,
    /// Where each anchor was found, when the platform says (Windows stores); else empty.
    locations: Vec<Vec<String>>,
}

impl AnchorSet {
    /// Mozilla's roots as bundled by webpki-roots.
    pub fn mozilla() -> Self {
        let anchors = webpki_roots::TLS_SERVER_ROOTS.to_vec();
        let certificates = vec![None; anchors.len()];
        Self::from_anchors(AnchorSource::Mozilla, anchors, certificates)
    }

    /// The anchors of a PEM (or DER) file; every certificate in it becomes an anchor.
    pub fn from_pem(bytes: &[u8]) -> Result<Self, chain::Error> {
        let certs = chain::read_certificates_unbounded(bytes)?;
        Self::from_certs(AnchorSource::File, &certs)
    }

    /// The system store; unreadable entries are skipped (the store is advisory).
    #[cfg(not(windows))]
    pub fn system() -> Self {
        let loaded = rustls_native_certs::load_native_certs();
        let (anchors, certificates) = loaded
            .certs
            .into_iter()
            .filter_map(|cert| {
                let anchor = webpki::anchor_from_trusted_cert(&cert).ok()?.to_owned();
                Some((anchor, Some(cert)))
            })
            .unzip();
        Self::from_anchors(AnchorSource::System, anchors, certificates)
    }

    /// The system store as CryptoAPI trusts it for TLS: the roots of the Root, AuthRoot,
    /// Enterprise and Group Policy stores of the user and the machine (the store reader reads
    /// no intermediate store), minus every certificate a Disallowed store holds; each anchor
    /// keeps the stores it is in. Unreadable stores and entries are skipped (the store is
    /// advisory; `trust` reports them).
    #[cfg(windows)]
    pub fn system() -> Self {
        let read = crate::stores::read_stores(
            &[crate::stores::StoreSpec::System],
            &crate::stores::SystemOverrides::default(),
        )
        .unwrap_or_default();
        let mut set = Self::from_anchors(AnchorSource::System, Vec::new(), Vec::new());
        for root in crate::stores::distinct(read.found) {
            if root.disallowed {
                continue;
            }
            let cert = CertificateDer::from(root.der);
            if let Ok(anchor) = webpki::anchor_from_trusted_cert(&cert) {
                set.push(anchor.to_owned(), Some(cert.clone()), root.locations);
            }
        }
        set
    }

    #[cfg(windows)]
    fn push(
        &mut self,
        anchor: TrustAnchor<'static>,
        certificate: Option<CertificateDer<'static>>,
        locations: Vec<String>,
    ) {
        self.spki_sha256.push(spki_hash(&anchor));
        self.anchors.push(anchor);
        self.certificates.push(certificate);
        self.locations.push(locations);
    }

    /// The stores the anchor at `index` was found in (Windows); empty when not known.
    pub fn locations(&self, index: usize) -> &[String] {
        self.locations.get(index).map_or(&[], Vec::as_slice)
    }

    fn from_certs(
        source: AnchorSource,
        certs: &[CertificateDer<'static>],
    ) -> Result<Self, chain::Error> {
        let anchors = certs
            .iter()
            .map(|cert| {
                webpki::anchor_from_trusted_cert(cert)
                    .map(|anchor| anchor.to_owned())
                    .map_err(|error| {
                        chain::Error::Malformed(format!(
                            "not usable as a trust anchor: {}",
                            super::error_words(&error)
                        ))
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let certificates = certs.iter().cloned().map(Some).collect();
        Ok(Self::from_anchors(source, anchors, certificates))
    }

    fn from_anchors(
        source: AnchorSource,
        anchors: Vec<TrustAnchor<'static>>,
        certificates: Vec<Option<CertificateDer<'static>>>,
    ) -> Self {
        let spki_sha256 = anchors.iter().map(spki_hash).collect();
        Self {
            source,
            anchors,
            spki_sha256,
            certificates,
            locations: Vec::new(),
        }
    }

    /// The certificate the anchor at `index` was made from (none for Mozilla's bundled set,
    /// which carries names and keys only).
    pub fn certificate(&self, index: usize) -> Option<&CertificateDer<'static>> {
        self.certificates.get(index).and_then(Option::as_ref)
    }

    /// Where the set comes from.
    pub fn source(&self) -> AnchorSource {
        self.source
    }

    /// The anchors, for webpki.
    pub fn anchors(&self) -> &[TrustAnchor<'static>] {
        &self.anchors
    }

    /// How many anchors.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    /// SPKI SHA-256 (hex) of the anchor at `index`.
    pub fn spki_sha256(&self, index: usize) -> Option<&str> {
        self.spki_sha256.get(index).map(String::as_str)
    }

    /// Whether an anchor with this SPKI SHA-256 is in the set.
    pub fn contains_spki(&self, spki_sha256: &str) -> bool {
        self.spki_sha256.iter().any(|hash| hash == spki_sha256)
    }

    /// The position of `anchor` (matched by subject and key).
    pub fn position(&self, anchor: &TrustAnchor<'_>) -> Option<usize> {
        self.anchors.iter().position(|candidate| {
            candidate.subject.as_ref() == anchor.subject.as_ref()
                && candidate.subject_public_key_info.as_ref()
                    == anchor.subject_public_key_info.as_ref()
        })
    }
}

/// SHA-256 (hex) of an anchor's SubjectPublicKeyInfo.
fn spki_hash(anchor: &TrustAnchor<'_>) -> String {
    sha256_hex(&wrap_sequence(anchor.subject_public_key_info.as_ref()))
}

/// The anchors a validation uses: the primary set, and optionally the system store to tell a
/// chain that is trusted only locally (corporate inspection roots) from one trusted nowhere.
#[derive(Debug, Clone)]
pub struct Anchors {
    primary: AnchorSet,
    system: Option<AnchorSet>,
    mozilla_spki: HashSet<String>,
}

impl Anchors {
    /// Mozilla's set, plus the system store for the `locally-trusted-root` check.
    pub fn mozilla_and_system() -> Self {
        Self::new(AnchorSet::mozilla(), Some(AnchorSet::system()))
    }

    /// Only these anchors (`--ca-file`): the system store is not consulted.
    pub fn only(primary: AnchorSet) -> Self {
        Self::new(primary, None)
    }

    /// A primary set and an optional secondary (system) set.
    pub fn new(primary: AnchorSet, system: Option<AnchorSet>) -> Self {
        // Only the system-store check asks whether an anchor is Mozilla's.
        let mozilla_spki = match system {
            Some(_) => AnchorSet::mozilla().spki_sha256.into_iter().collect(),
            None => HashSet::new(),
        };
        Self {
            primary,
            system,
            mozilla_spki,
        }
    }

    /// The primary set.
    pub(crate) fn primary(&self) -> &AnchorSet {
        &self.primary
    }

    /// The system store, when consulted.
    pub fn system(&self) -> Option<&AnchorSet> {
        self.system.as_ref()
    }

    /// The anchor a trusted chain was built to (none when the chain is not trusted).
    pub(crate) fn anchor_of(&self, trust: &super::Trust) -> Option<&TrustAnchor<'static>> {
        let (set, index) = self.position_of(trust)?;
        set.anchors.get(index)
    }

    /// The certificate of the anchor a trusted chain was built to, when it is known.
    pub(crate) fn certificate_of(&self, trust: &super::Trust) -> Option<&CertificateDer<'static>> {
        let (set, index) = self.position_of(trust)?;
        set.certificate(index)
    }

    fn position_of(&self, trust: &super::Trust) -> Option<(&AnchorSet, usize)> {
        let super::Trust::Trusted {
            source,
            anchor_spki_sha256,
            ..
        } = trust
        else {
            return None;
        };
        let set = match (source, &self.system) {
            (AnchorSource::System, Some(system)) => system,
            _ => &self.primary,
        };
        let index = set
            .spki_sha256
            .iter()
            .position(|hash| hash == anchor_spki_sha256)?;
        Some((set, index))
    }

    /// Whether an SPKI belongs to one of Mozilla's roots.
    pub(crate) fn is_mozilla_spki(&self, spki_sha256: &str) -> bool {
        self.mozilla_spki.contains(spki_sha256)
    }
}
