//! Which certificates of a validated chain are checked, and by whose key: each certificate is
//! paired with its issuer (the next presented certificate with that subject, the fetched AIA
//! issuer, or the trust anchor), from the leaf up to the last certificate below the anchor.

use rustls_pki_types::{CertificateDer, TrustAnchor};
use spki::SubjectPublicKeyInfoRef;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::name::Name;

use crate::chain::{CertInfo, wrap_sequence};

/// How far up the chain revocation is checked (`--revocation-depth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Depth {
    /// The leaf only.
    Leaf,
    /// The leaf and every intermediate (the default).
    #[default]
    Chain,
}

/// A certificate whose revocation status is asked.
#[derive(Debug, Clone)]
pub struct Subject {
    /// Position in the presented chain (0 = leaf).
    pub index: usize,
    /// Its subject, for display.
    pub name: String,
    /// Its subject, DER (to find the certificates it issued).
    pub name_der: Vec<u8>,
    /// Its serial number: the INTEGER contents.
    pub serial: Vec<u8>,
    /// The same, hex (as the certificate view shows it).
    pub serial_hex: String,
    /// Its issuer's name, DER.
    pub issuer_name: Vec<u8>,
    /// It is a CA.
    pub is_ca: bool,
    /// CRL distribution point URLs.
    pub crl_urls: Vec<String>,
    /// Its CRL distribution points, for a CRL's scope (none when it has none; `None` when the
    /// extension cannot be read).
    pub distribution_points: Option<Vec<DistPoint>>,
    /// OCSP responder URLs.
    pub ocsp_urls: Vec<String>,
}

impl Subject {
    /// Reads a certificate; `None` when it cannot be parsed.
    pub fn parse(index: usize, der: &[u8]) -> Option<Self> {
        let (_, cert) = X509Certificate::from_der(der).ok()?;
        let info = CertInfo::parse(der).ok()?;
        Some(Self {
            index,
            name: info.subject,
            name_der: cert.subject().as_raw().to_vec(),
            serial: cert.raw_serial().to_vec(),
            serial_hex: info.serial,
            issuer_name: cert.issuer().as_raw().to_vec(),
            is_ca: cert.is_ca(),
            crl_urls: info.crl_urls,
            ocsp_urls: info.ocsp_urls,
            distribution_points: distribution_points(&cert),
        })
    }
}

/// One CRL distribution point of a certificate (RFC 5280 §4.2.1.13), as a CRL's scope check
/// reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistPoint {
    /// Its name: the fullName, or nameRelativeToCRLIssuer joined to the issuer's name as a
    /// directoryName; `None` when it has no name.
    pub names: Option<Vec<GeneralName>>,
    /// It names a cRLIssuer: its CRL is an indirect CRL, signed by another authority.
    pub names_crl_issuer: bool,
}

/// The certificate's CRL distribution points; `None` when the extension or the issuer's name
/// cannot be read (as x509-cert types, which the CRL's issuing distribution point is read as).
fn distribution_points(cert: &X509Certificate<'_>) -> Option<Vec<DistPoint>> {
    use der::Decode;
    use x509_cert::ext::pkix::CrlDistributionPoints;
    let Some(extension) = cert.extensions().iter().find(|extension| {
        extension.oid == x509_parser::oid_registry::OID_X509_EXT_CRL_DISTRIBUTION_POINTS
    }) else {
        return Some(Vec::new());
    };
    let points = CrlDistributionPoints::from_der(extension.value).ok()?;
    let issuer = Name::from_der(cert.issuer().as_raw()).ok()?;
    Some(
        points
            .0
            .iter()
            .map(|point| DistPoint {
                names: point
                    .distribution_point
                    .as_ref()
                    .map(|name| full_name(name, &issuer)),
                names_crl_issuer: point.crl_issuer.is_some(),
            })
            .collect(),
    )
}

/// A distribution point's names in full: a relative name is joined to `issuer`'s name (RFC
/// 5280 §4.2.1.13: the CRL issuer's name, which is the certificate's issuer for a direct CRL).
pub(super) fn full_name(name: &DistributionPointName, issuer: &Name) -> Vec<GeneralName> {
    match name {
        DistributionPointName::FullName(names) => names.clone(),
        DistributionPointName::NameRelativeToCRLIssuer(relative) => {
            let mut full = issuer.clone();
            full.0.push(relative.clone());
            vec![GeneralName::DirectoryName(full)]
        }
    }
}

/// The key and name that sign a certificate's revocation data.
#[derive(Debug, Clone)]
pub struct IssuerKey {
    /// The issuer's subject name, DER.
    pub name: Vec<u8>,
    /// Its SubjectPublicKeyInfo, DER.
    pub spki: Vec<u8>,
    /// The subjectPublicKey BIT STRING contents (what an OCSP CertID hashes).
    pub key_bits: Vec<u8>,
    /// Its key usage allows signing CRLs (true when it has no key usage, or it is unknown).
    pub may_sign_crls: bool,
}

impl IssuerKey {
    /// From a CA certificate.
    pub(crate) fn from_certificate(der: &[u8]) -> Option<Self> {
        let (_, cert) = X509Certificate::from_der(der).ok()?;
        let may_sign_crls = match cert.key_usage() {
            Ok(Some(usage)) => usage.value.crl_sign(),
            _ => true,
        };
        Some(Self {
            name: cert.subject().as_raw().to_vec(),
            spki: cert.public_key().raw.to_vec(),
            key_bits: cert.public_key().subject_public_key.data.to_vec(),
            may_sign_crls,
        })
    }

    /// From a trust anchor (webpki keeps its name and SPKI without their SEQUENCE header).
    pub(crate) fn from_anchor(anchor: &TrustAnchor<'_>) -> Option<Self> {
        use der::Decode;
        let spki = wrap_sequence(anchor.subject_public_key_info.as_ref());
        let key_bits = SubjectPublicKeyInfoRef::from_der(&spki)
            .ok()?
            .subject_public_key
            .raw_bytes()
            .to_vec();
        Some(Self {
            name: wrap_sequence(anchor.subject.as_ref()),
            spki,
            key_bits,
            may_sign_crls: true,
        })
    }
}

/// A certificate to check and its issuer (none when the issuer is unknown).
#[derive(Debug, Clone)]
pub struct Link {
    /// The certificate.
    pub subject: Subject,
    /// Its issuer.
    pub issuer: Option<IssuerKey>,
}

/// Pairs the certificates of `chain` (plus a `fetched` issuer) with their issuers, up to
/// `anchor` (read from its certificate when that is known). Self-signed certificates (roots) are
/// not checked.
pub fn links(
    chain: &[CertificateDer<'_>],
    fetched: Option<&CertificateDer<'_>>,
    anchor: Option<&TrustAnchor<'_>>,
    anchor_certificate: Option<&CertificateDer<'_>>,
    depth: Depth,
) -> Vec<Link> {
    let anchor_name = anchor.map(|anchor| wrap_sequence(anchor.subject.as_ref()));
    let candidates: Vec<(usize, &[u8])> = chain
        .iter()
        .enumerate()
        .map(|(index, der)| (index, der.as_ref()))
        .chain(fetched.map(|der| (chain.len(), der.as_ref())))
        .collect();
    let subjects: Vec<Option<Subject>> = candidates
        .iter()
        .map(|(index, der)| Subject::parse(*index, der))
        .collect();
    let mut out = Vec::new();
    let mut current = 0;
    for _ in 0..candidates.len() {
        let Some(Some(subject)) = subjects.get(current) else {
            break;
        };
        if subject.issuer_name == subject.name_der {
            break; // a root
        }
        if anchor_name.as_deref() == Some(subject.issuer_name.as_slice()) {
            let issuer = anchor_certificate
                .and_then(|der| IssuerKey::from_certificate(der))
                .or_else(|| anchor.and_then(IssuerKey::from_anchor));
            out.push(Link {
                subject: subject.clone(),
                issuer,
            });
            break;
        }
        let next = subjects.iter().position(|candidate| {
            candidate.as_ref().is_some_and(|other| {
                other.index != subject.index && other.name_der == subject.issuer_name
            })
        });
        let issuer = next.and_then(|position| IssuerKey::from_certificate(candidates[position].1));
        out.push(Link {
            subject: subject.clone(),
            issuer,
        });
        match (next, depth) {
            (Some(position), Depth::Chain) => current = position,
            _ => break,
        }
    }
    out
}
