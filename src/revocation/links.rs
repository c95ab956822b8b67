//! Which certificates of a validated chain are checked, and by whose key: each certificate is
//! paired with its issuer (the presented certificate, fetched AIA issuer or trust anchor whose
//! name it names and whose key verifies its signature), from the leaf up to the last certificate
//! below the anchor. Each also gets the other keys that may sign its CRLs (RFC 5280 §6.3.3 (f)):
//! certificates of the path, or presented certificates the path's keys signed, named as its
//! issuer (a key rollover, a separate CRL-signing key) or as the cRLIssuer of one of its
//! distribution points (an indirect CRL). A presented certificate that is such a key and not on
//! the path is checked too, so a revoked CRL signer is found.

use rustls_pki_types::{CertificateDer, TrustAnchor};
use spki::SubjectPublicKeyInfoRef;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use time::OffsetDateTime;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::name::Name;

use crate::chain::asn1;
use crate::chain::names::same_name;
use crate::chain::signature::{self, SignatureError};
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
    /// Its name: the fullName, or nameRelativeToCRLIssuer joined to the CRL issuer's name as a
    /// directoryName; `None` when it has no name.
    pub names: Option<Vec<GeneralName>>,
    /// It names a cRLIssuer: its CRL is an indirect CRL, signed by another authority.
    pub names_crl_issuer: bool,
    /// The cRLIssuer's directory names, DER (the authorities whose CRLs cover this point).
    pub crl_issuers: Vec<Vec<u8>>,
    /// The reasons its CRLs cover (ReasonFlags bits); `None`: every reason.
    pub reasons: Option<u16>,
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
    points
        .0
        .iter()
        .map(|point| {
            let crl_issuers: Vec<&Name> = point
                .crl_issuer
                .iter()
                .flatten()
                .filter_map(|name| match name {
                    GeneralName::DirectoryName(name) => Some(name),
                    _ => None,
                })
                .collect();
            // A relative name is relative to the CRL issuer: the cRLIssuer when there is one.
            let base = crl_issuers.first().copied().unwrap_or(&issuer);
            Some(DistPoint {
                names: point
                    .distribution_point
                    .as_ref()
                    .map(|name| full_name(name, base)),
                names_crl_issuer: point.crl_issuer.is_some(),
                crl_issuers: crl_issuers
                    .iter()
                    .map(|name| der::Encode::to_der(*name).ok())
                    .collect::<Option<_>>()?,
                reasons: point.reasons.map(|reasons| reasons.bits()),
            })
        })
        .collect()
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
    /// The certificate's validity window (none for an anchor known only by name and key).
    pub window: Option<(OffsetDateTime, OffsetDateTime)>,
}

impl IssuerKey {
    /// From a CA certificate.
    pub(crate) fn from_certificate(der: &[u8]) -> Option<Self> {
        let (_, cert) = X509Certificate::from_der(der).ok()?;
        let may_sign_crls = match cert.key_usage() {
            Ok(Some(usage)) => usage.value.crl_sign(),
            _ => true,
        };
        let window = (
            cert.validity().not_before.to_datetime(),
            cert.validity().not_after.to_datetime(),
        );
        Some(Self {
            name: cert.subject().as_raw().to_vec(),
            spki: cert.public_key().raw.to_vec(),
            key_bits: cert.public_key().subject_public_key.data.to_vec(),
            may_sign_crls,
            window: Some(window),
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
            window: None,
        })
    }

    /// Whether the certificate of this key is valid at `at` (an anchor without one is).
    pub(crate) fn valid_at(&self, at: OffsetDateTime) -> bool {
        self.window
            .is_none_or(|(not_before, not_after)| not_before <= at && at <= not_after)
    }

    /// Whether this key issued `subject`, whose certificate is `der`: it names this key's
    /// subject as its issuer and this key signed it (an algorithm this tool does not verify
    /// counts as signed: the validator chose the path; a signature that fails does not).
    fn issued(&self, subject: &Subject, der: &[u8]) -> bool {
        if !same_name(&subject.issuer_name, &self.name) {
            return false;
        }
        let Some(signed) = asn1::signed(der) else {
            return false;
        };
        match signature::verify_signed(&signed, &self.spki) {
            Ok(_) | Err(SignatureError::Unsupported(_)) => true,
            Err(_) => false,
        }
    }
}

/// A certificate to check and its issuer (none when the issuer is unknown).
#[derive(Debug, Clone)]
pub struct Link {
    /// The certificate.
    pub subject: Subject,
    /// Its issuer.
    pub issuer: Option<IssuerKey>,
    /// The other keys that may sign its CRLs: certificates of the path, or presented
    /// certificates a key of the path signed, whose subject is its issuer's name or a cRLIssuer
    /// of its distribution points.
    pub authorities: Vec<IssuerKey>,
}

/// Who issued a certificate of the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IssuedBy {
    /// The trust anchor.
    Anchor,
    /// The presented (or fetched) certificate at this position.
    Presented(usize),
    /// No certificate at hand verifies its signature.
    Unknown,
}

/// A key the path vouches for: a certificate of the path or the anchor (`signer` none), or a
/// presented certificate one of those signed (`signer`: its index among the vouched keys).
struct Vouched {
    /// Its position among the candidates (none: the anchor).
    position: Option<usize>,
    key: IssuerKey,
    signer: Option<usize>,
}

/// Pairs the certificates of `chain` (plus a `fetched` issuer) with their issuers, up to
/// `anchor` (read from its certificate when that is known), and gives each the other keys that
/// may sign its CRLs. Self-signed certificates (roots) are not checked.
pub fn links(
    chain: &[CertificateDer<'_>],
    fetched: Option<&CertificateDer<'_>>,
    anchor: Option<&TrustAnchor<'_>>,
    anchor_certificate: Option<&CertificateDer<'_>>,
    depth: Depth,
) -> Vec<Link> {
    let anchor_key = anchor_certificate
        .and_then(|der| IssuerKey::from_certificate(der))
        .or_else(|| anchor.and_then(IssuerKey::from_anchor));
    let ders: Vec<&[u8]> = chain
        .iter()
        .map(|der| der.as_ref())
        .chain(fetched.map(|der| der.as_ref()))
        .collect();
    let subjects: Vec<Option<Subject>> = ders
        .iter()
        .enumerate()
        .map(|(index, der)| Subject::parse(index, der))
        .collect();
    let keys: Vec<Option<IssuerKey>> = ders
        .iter()
        .map(|der| IssuerKey::from_certificate(der))
        .collect();
    let path = walk(&ders, &subjects, &keys, anchor_key.as_ref(), depth);
    let (vouched, path_keys) = vouched(&ders, &subjects, &keys, &path, anchor_key.clone());
    let mut out: Vec<Link> = path
        .iter()
        .filter_map(|&(position, issued_by)| {
            let subject = subjects[position].clone()?;
            let issuer = match issued_by {
                IssuedBy::Anchor => anchor_key.clone(),
                IssuedBy::Presented(issuer) => keys[issuer].clone(),
                IssuedBy::Unknown => None,
            };
            let authorities = authorities_for(&subject, issuer.as_ref(), &vouched);
            Some(Link {
                subject,
                issuer,
                authorities,
            })
        })
        .collect();
    if depth == Depth::Chain {
        // A presented CRL signer off the path is checked as well, by the key that signed it.
        let used: Vec<&[u8]> = out
            .iter()
            .flat_map(|link| link.authorities.iter().map(|key| key.spki.as_slice()))
            .collect();
        let extra: Vec<Link> = vouched[path_keys..]
            .iter()
            .filter(|vouched| used.contains(&vouched.key.spki.as_slice()))
            .filter_map(|off_path| {
                let subject = subjects[off_path.position?].clone()?;
                let issuer = vouched[off_path.signer?].key.clone();
                let authorities = authorities_for(&subject, Some(&issuer), &vouched);
                Some(Link {
                    subject,
                    issuer: Some(issuer),
                    authorities,
                })
            })
            .collect();
        out.extend(extra);
    }
    out
}

/// The path from the leaf up (`--revocation-depth`): each certificate and who issued it, until
/// the anchor, a self-signed certificate (a root) or an issuer that is not at hand.
fn walk(
    ders: &[&[u8]],
    subjects: &[Option<Subject>],
    keys: &[Option<IssuerKey>],
    anchor_key: Option<&IssuerKey>,
    depth: Depth,
) -> Vec<(usize, IssuedBy)> {
    let mut path: Vec<(usize, IssuedBy)> = Vec::new();
    let mut current = 0;
    for _ in 0..ders.len() {
        let Some(Some(subject)) = subjects.get(current) else {
            break;
        };
        let issued =
            |key: Option<&IssuerKey>| key.is_some_and(|key| key.issued(subject, ders[current]));
        if issued(anchor_key) {
            path.push((current, IssuedBy::Anchor));
            break;
        }
        if issued(keys[current].as_ref()) {
            break; // a root
        }
        let next = (0..ders.len()).find(|&position| {
            position != current
                && !path.iter().any(|(on_path, _)| *on_path == position)
                && subjects[position].is_some()
                && issued(keys[position].as_ref())
        });
        path.push((current, next.map_or(IssuedBy::Unknown, IssuedBy::Presented)));
        match (next, depth) {
            (Some(position), Depth::Chain) => current = position,
            _ => break,
        }
    }
    path
}

/// The keys the path vouches for: its certificates' and the anchor's (the first of the count
/// returned), then presented certificates one of those signed.
fn vouched(
    ders: &[&[u8]],
    subjects: &[Option<Subject>],
    keys: &[Option<IssuerKey>],
    path: &[(usize, IssuedBy)],
    anchor_key: Option<IssuerKey>,
) -> (Vec<Vouched>, usize) {
    let on_path: Vec<usize> = path
        .iter()
        .flat_map(|&(subject, issued_by)| match issued_by {
            IssuedBy::Presented(issuer) => vec![subject, issuer],
            _ => vec![subject],
        })
        .collect();
    let mut vouched: Vec<Vouched> = on_path
        .iter()
        .filter(|position| **position != 0)
        .filter_map(|&position| {
            Some(Vouched {
                position: Some(position),
                key: keys[position].clone()?,
                signer: None,
            })
        })
        .chain(anchor_key.map(|key| Vouched {
            position: None,
            key,
            signer: None,
        }))
        .collect();
    let path_keys = vouched.len();
    for position in (1..ders.len()).filter(|position| !on_path.contains(position)) {
        let (Some(key), Some(subject)) = (&keys[position], &subjects[position]) else {
            continue;
        };
        let signer = vouched[..path_keys]
            .iter()
            .position(|vouched| vouched.key.issued(subject, ders[position]));
        if let Some(signer) = signer {
            vouched.push(Vouched {
                position: Some(position),
                key: key.clone(),
                signer: Some(signer),
            });
        }
    }
    (vouched, path_keys)
}

/// The vouched keys other than `issuer` that may sign `subject`'s CRLs.
fn authorities_for(
    subject: &Subject,
    issuer: Option<&IssuerKey>,
    vouched: &[Vouched],
) -> Vec<IssuerKey> {
    let crl_issuers: Vec<&Vec<u8>> = subject
        .distribution_points
        .iter()
        .flatten()
        .flat_map(|point| &point.crl_issuers)
        .collect();
    let mut authorities: Vec<IssuerKey> = Vec::new();
    // A CRL issuer may answer for its own certificate, when that names it as its cRLIssuer
    // (RFC 5280 §4.2.1.13; PKITS 4.14.30).
    for Vouched { key, .. } in vouched {
        let named = same_name(&key.name, &subject.issuer_name)
            || crl_issuers.iter().any(|name| same_name(name, &key.name));
        let is_issuer = issuer.is_some_and(|issuer| issuer.spki == key.spki);
        let seen = authorities.iter().any(|known| known.spki == key.spki);
        if named && !is_issuer && !seen {
            authorities.push(key.clone());
        }
    }
    authorities
}
