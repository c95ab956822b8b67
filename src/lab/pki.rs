//! The lab's fake "Google" PKI, built with rcgen: a trusted root and intermediate, an unknown
//! root and intermediate, and one leaf per scenario with fixed dates (CAs 2020→2050, leaves
//! 2024→2040 unless time is the point). Keys are fresh on every build and are test-only.
//!
//! This module uses rcgen and DER only — never the validation code it is meant to test.

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CrlDistributionPoint,
    CustomExtension, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, RevocationReason, RevokedCertParams, SerialNumber, date_time_ymd,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use super::Error;
use super::scenario::{LAB_HOST, Scenario};

/// The AIA caIssuers URL the incomplete-chain leaf names; `--connect-to` points it at the lab.
pub const AIA_URL: &str = "http://aia.tlsinspect.test/lab-wr2.der";
/// The lab intermediate's CRL (lists the revoked-by-crl leaf; named by it and by ocsp-unknown).
pub const CRL_URL: &str = "http://crl.tlsinspect.test/lab-wr2.crl";
/// The CRL the stale-crl leaf names (nextUpdate 2021).
pub const STALE_CRL_URL: &str = "http://crl.tlsinspect.test/lab-wr2-stale.crl";
/// The root's CRL, named by the revoked intermediate "Lab WR3" (it lists WR3).
pub const ROOT_CRL_URL: &str = "http://crl.tlsinspect.test/lab-root.crl";
/// The CRL host, for `--connect-to` rules.
pub const CRL_HOST: &str = "crl.tlsinspect.test";
/// The lab OCSP responder, named by the OCSP scenarios' leaves.
pub const OCSP_URL: &str = "http://ocsp.tlsinspect.test";
/// The OCSP host, for `--connect-to` rules.
pub const OCSP_HOST: &str = "ocsp.tlsinspect.test";
/// The revocation-unreachable leaf's CRL: a workspace revocation host, pointed at a closed port.
pub const UNREACHABLE_CRL_URL: &str = "http://c.pki.goog/lab/unreachable.crl";
/// The revocation-unreachable leaf's OCSP responder, likewise.
pub const UNREACHABLE_OCSP_URL: &str = "http://o.pki.goog/lab";
/// The AIA host, for `--connect-to` rules.
pub const AIA_HOST: &str = "aia.tlsinspect.test";
/// The SANs besides the scenario host (STYLE.md).
const LOCAL_NAMES: [&str; 4] = ["localhost", "127.0.0.1", "::1", "server.tlsinspect.test"];

/// A certificate with its key.
#[derive(Debug)]
pub struct Issued {
    /// The certificate.
    pub der: CertificateDer<'static>,
    /// Its private key, PKCS#8 PEM.
    pub key_pem: String,
    key_der: Vec<u8>,
}

impl Issued {
    /// The private key, PKCS#8 DER.
    pub(crate) fn key_der(&self) -> &[u8] {
        &self.key_der
    }

    /// The private key for rustls.
    pub fn key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone()))
    }
}

/// What one scenario's server presents, and the certificates behind it.
#[derive(Debug)]
pub struct ScenarioCerts {
    /// The scenario.
    pub scenario: Scenario,
    /// The leaf and its key.
    pub leaf: Issued,
    /// The intermediate that issued the leaf (none for self-signed).
    pub inter: Option<CertificateDer<'static>>,
    /// The root at the top of the leaf's chain (the leaf itself when self-signed).
    pub root: CertificateDer<'static>,
    /// What the server sends, leaf first.
    pub served: Vec<CertificateDer<'static>>,
}

/// The whole lab PKI.
#[derive(Debug)]
pub struct LabPki {
    /// The trusted lab root (pass it as `--ca-file` and `--pin-file`).
    pub root: Issued,
    /// The trusted lab intermediate ("Lab WR2"), served at [`AIA_URL`].
    pub inter: Issued,
    /// The delegated OCSP responder ("Lab WR2 OCSP Responder", issued by `inter`,
    /// id-kp-OCSPSigning).
    pub ocsp_signer: Issued,
    /// The revoked intermediate "Lab WR3" (issued by the root, listed on [`ROOT_CRL_URL`]).
    pub revoked_inter: Issued,
    /// Per scenario.
    pub scenarios: Vec<ScenarioCerts>,
    /// The CRL at [`CRL_URL`] (lists the revoked-by-crl leaf; 2024 → 2040).
    pub crl: Vec<u8>,
    /// The CRL at [`STALE_CRL_URL`] (empty; 2020 → 2021).
    pub stale_crl: Vec<u8>,
    /// The CRL at [`ROOT_CRL_URL`] (lists Lab WR3; 2024 → 2040).
    pub root_crl: Vec<u8>,
}

impl LabPki {
    /// Generates the PKI (fresh keys).
    pub fn generate() -> Result<Self, Error> {
        let (root, root_issuer) = ca("tlsinspect Lab Root R1", None, None)?;
        let (inter, inter_issuer) = ca("Lab WR2", Some(&root_issuer), None)?;
        let (revoked_inter, revoked_inter_issuer) =
            ca("Lab WR3 (revoked)", Some(&root_issuer), Some(ROOT_CRL_URL))?;
        let (other_root, other_root_issuer) = ca("Unknown Inspection Root", None, None)?;
        let (other_inter, other_inter_issuer) =
            ca("Unknown Inspection CA", Some(&other_root_issuer), None)?;
        let ocsp_signer = ocsp_signer(&inter_issuer)?;
        let mut scenarios = Vec::new();
        for scenario in Scenario::servers() {
            let certs = match scenario {
                Scenario::SelfSigned => {
                    let key = KeyPair::generate()?;
                    let cert = leaf_params(scenario, &[])?.self_signed(&key)?;
                    let leaf = issued(cert.der().clone(), &key);
                    let served = vec![leaf.der.clone()];
                    ScenarioCerts {
                        scenario,
                        root: leaf.der.clone(),
                        inter: None,
                        leaf,
                        served,
                    }
                }
                Scenario::UntrustedRoot => {
                    let leaf = sign_leaf(scenario, &other_inter_issuer)?;
                    let served = vec![
                        leaf.der.clone(),
                        other_inter.der.clone(),
                        other_root.der.clone(),
                    ];
                    ScenarioCerts {
                        scenario,
                        leaf,
                        inter: Some(other_inter.der.clone()),
                        root: other_root.der.clone(),
                        served,
                    }
                }
                Scenario::RevokedIntermediate => {
                    let leaf = sign_leaf(scenario, &revoked_inter_issuer)?;
                    let served = vec![leaf.der.clone(), revoked_inter.der.clone()];
                    ScenarioCerts {
                        scenario,
                        leaf,
                        inter: Some(revoked_inter.der.clone()),
                        root: root.der.clone(),
                        served,
                    }
                }
                _ => {
                    let leaf = sign_leaf(scenario, &inter_issuer)?;
                    let served = if scenario == Scenario::IncompleteChain {
                        vec![leaf.der.clone()]
                    } else {
                        vec![leaf.der.clone(), inter.der.clone()]
                    };
                    ScenarioCerts {
                        scenario,
                        leaf,
                        inter: Some(inter.der.clone()),
                        root: root.der.clone(),
                        served,
                    }
                }
            };
            scenarios.push(certs);
        }
        let revoked: Vec<&CertificateDer<'static>> = scenarios
            .iter()
            .filter(|certs| certs.scenario == Scenario::RevokedByCrl)
            .map(|certs| &certs.leaf.der)
            .collect();
        let crl = sign_crl(&inter, &revoked, (2024, 1, 1), (2040, 1, 1))?;
        let stale_crl = sign_crl(&inter, &[], (2020, 1, 1), (2021, 1, 1))?;
        let root_crl = sign_crl(&root, &[&revoked_inter.der], (2024, 1, 1), (2040, 1, 1))?;
        Ok(Self {
            root,
            inter,
            ocsp_signer,
            revoked_inter,
            scenarios,
            crl,
            stale_crl,
            root_crl,
        })
    }

    /// The certificates of one scenario.
    pub fn scenario(&self, scenario: Scenario) -> Option<&ScenarioCerts> {
        self.scenarios
            .iter()
            .find(|certs| certs.scenario == scenario)
    }
}

pub(super) fn issued(der: CertificateDer<'static>, key: &KeyPair) -> Issued {
    Issued {
        der,
        key_pem: key.serialize_pem(),
        key_der: key.serialize_der(),
    }
}

fn name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CountryName, "US");
    name.push(DnType::OrganizationName, "tlsinspect lab (TEST ONLY)");
    name.push(DnType::CommonName, common_name);
    name
}

/// A CA valid 2020→2050, self-signed or issued by `parent`, naming `crl` as its CRL.
fn ca(
    common_name: &str,
    parent: Option<&Issuer<'static, KeyPair>>,
    crl: Option<&str>,
) -> Result<(Issued, Issuer<'static, KeyPair>), Error> {
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.distinguished_name = name(common_name);
    params.is_ca = IsCa::Ca(match parent {
        Some(_) => BasicConstraints::Constrained(0),
        None => BasicConstraints::Unconstrained,
    });
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = date_time_ymd(2020, 1, 1);
    params.not_after = date_time_ymd(2050, 1, 1);
    params.crl_distribution_points = crl_points(crl);
    params.use_authority_key_identifier_extension = parent.is_some();
    let cert = match parent {
        Some(parent) => params.signed_by(&key, parent)?,
        None => params.self_signed(&key)?,
    };
    let issued = issued(cert.der().clone(), &key);
    Ok((issued, Issuer::new(params, key)))
}

/// The delegated OCSP responder certificate (2024→2040), issued by `issuer`.
fn ocsp_signer(issuer: &Issuer<'static, KeyPair>) -> Result<Issued, Error> {
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.distinguished_name = name("Lab WR2 OCSP Responder");
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::OcspSigning];
    params.use_authority_key_identifier_extension = true;
    params.not_before = date_time_ymd(2024, 1, 1);
    params.not_after = date_time_ymd(2040, 1, 1);
    let cert = params.signed_by(&key, issuer)?;
    Ok(issued(cert.der().clone(), &key))
}

pub(super) fn crl_points(url: Option<&str>) -> Vec<CrlDistributionPoint> {
    url.map(|url| {
        vec![CrlDistributionPoint {
            uris: vec![url.to_owned()],
        }]
    })
    .unwrap_or_default()
}

fn leaf_params(
    scenario: Scenario,
    aia: &[(AccessMethod, &str)],
) -> Result<CertificateParams, Error> {
    let names: Vec<String> = match scenario {
        Scenario::WrongHost => vec!["wrong.tlsinspect.test".to_owned()],
        _ => std::iter::once(LAB_HOST)
            .chain(LOCAL_NAMES)
            .map(str::to_owned)
            .collect(),
    };
    let mut params = CertificateParams::new(names)?;
    let common_name = if scenario == Scenario::WrongHost {
        "wrong.tlsinspect.test"
    } else {
        LAB_HOST
    };
    params.distinguished_name = DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let (start, end) = match scenario {
        Scenario::Expired => ((2020, 1, 1), (2021, 1, 1)),
        Scenario::NotYetValid => ((2035, 1, 1), (2040, 1, 1)),
        _ => ((2024, 1, 1), (2040, 1, 1)),
    };
    params.not_before = date_time_ymd(start.0, start.1, start.2);
    params.not_after = date_time_ymd(end.0, end.1, end.2);
    if !aia.is_empty() {
        params.custom_extensions.push(aia_extension(aia));
    }
    Ok(params)
}

fn sign_leaf(scenario: Scenario, issuer: &Issuer<'static, KeyPair>) -> Result<Issued, Error> {
    let key = KeyPair::generate()?;
    let mut aia = Vec::new();
    if scenario == Scenario::IncompleteChain {
        aia.push((AccessMethod::CaIssuers, AIA_URL));
    }
    let ocsp = match scenario {
        Scenario::RevokedByOcsp
        | Scenario::OcspUnknown
        | Scenario::OcspBadSignature
        | Scenario::StapledOcspGood
        | Scenario::StapledOcspRevoked => Some(OCSP_URL),
        Scenario::RevocationUnreachable => Some(UNREACHABLE_OCSP_URL),
        _ => None,
    };
    if let Some(url) = ocsp {
        aia.push((AccessMethod::Ocsp, url));
    }
    let mut params = leaf_params(scenario, &aia)?;
    let crl = match scenario {
        Scenario::RevokedByCrl | Scenario::OcspUnknown => Some(CRL_URL),
        Scenario::StaleCrl => Some(STALE_CRL_URL),
        Scenario::RevocationUnreachable => Some(UNREACHABLE_CRL_URL),
        _ => None,
    };
    params.crl_distribution_points = crl_points(crl);
    let cert = params.signed_by(&key, issuer)?;
    Ok(issued(cert.der().clone(), &key))
}

/// An AuthorityInfoAccess access method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AccessMethod {
    /// caIssuers: where the issuer's certificate is.
    CaIssuers,
    /// OCSP: the responder.
    Ocsp,
}

/// AuthorityInfoAccess (RFC 5280 §4.2.2.1) with URI entries, DER-encoded by hand.
pub(super) fn aia_extension(entries: &[(AccessMethod, &str)]) -> CustomExtension {
    const CA_ISSUERS: [u8; 10] = [0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02];
    const OCSP: [u8; 10] = [0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01];
    let mut descriptions = Vec::new();
    for (method, url) in entries {
        let oid = match method {
            AccessMethod::CaIssuers => CA_ISSUERS,
            AccessMethod::Ocsp => OCSP,
        };
        let mut uri = vec![0x86];
        push_len(&mut uri, url.len());
        uri.extend_from_slice(url.as_bytes());
        descriptions.push(0x30);
        push_len(&mut descriptions, oid.len() + uri.len());
        descriptions.extend_from_slice(&oid);
        descriptions.extend_from_slice(&uri);
    }
    let mut value = vec![0x30];
    push_len(&mut value, descriptions.len());
    value.extend_from_slice(&descriptions);
    CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], value)
}

/// NameConstraints (RFC 5280 §4.2.1.10) permitting the names under `domain` alone, DER-encoded by
/// hand and **not critical**: RFC 5280 asks for critical, but stacks that implement no name
/// constraints (mbedTLS 2.28, which Debian's proxies built on it use) then refuse to load the
/// certificate at all; every stack that implements them (OpenSSL, GnuTLS, NSS, Java, webpki)
/// enforces them either way. The CA/Browser Forum's requirements allow a non-critical one for
/// the same reason.
pub(super) fn permitted_dns_subtree(domain: &str) -> CustomExtension {
    let tlv = |tag: u8, content: &[u8]| {
        let mut out = vec![tag];
        push_len(&mut out, content.len());
        out.extend_from_slice(content);
        out
    };
    let name = tlv(0x82, domain.as_bytes()); // dNSName [2] IA5String
    let subtree = tlv(0x30, &name); // GeneralSubtree ::= SEQUENCE { base GeneralName }
    let permitted = tlv(0xa0, &subtree); // permittedSubtrees [0] GeneralSubtrees
    let mut extension = CustomExtension::from_oid_content(&[2, 5, 29, 30], tlv(0x30, &permitted));
    extension.set_criticality(false);
    extension
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8); // fits: < 128
    } else {
        out.push(0x81);
        out.push((len & 0xff) as u8); // lab URLs and audit domains are under 256 bytes
    }
}

/// A CRL signed by `issuer`, valid from `this_update` to `next_update`, listing `revoked` leaves
/// (revoked at `this_update`, reason keyCompromise).
pub fn sign_crl(
    issuer: &Issued,
    revoked: &[&CertificateDer<'static>],
    this_update: (i32, u8, u8),
    next_update: (i32, u8, u8),
) -> Result<Vec<u8>, Error> {
    sign_crl_between(
        issuer,
        revoked,
        date_time_ymd(this_update.0, this_update.1, this_update.2),
        date_time_ymd(next_update.0, next_update.1, next_update.2),
    )
}

/// A CRL signed by `issuer`, valid from `this_update` to `next_update`, listing `revoked` leaves
/// (revoked at `this_update`, reason keyCompromise).
pub(super) fn sign_crl_between(
    issuer: &Issued,
    revoked: &[&CertificateDer<'static>],
    this_update: time::OffsetDateTime,
    next_update: time::OffsetDateTime,
) -> Result<Vec<u8>, Error> {
    let key = KeyPair::try_from(issuer.key_der.as_slice())?;
    let issuer = Issuer::from_ca_cert_der(&issuer.der, key)?;
    let mut revoked_certs = Vec::new();
    for cert in revoked {
        let (_, parsed) = x509_parser::parse_x509_certificate(cert.as_ref())
            .map_err(|error| Error::Io(std::io::Error::other(error.to_string())))?;
        revoked_certs.push(RevokedCertParams {
            serial_number: SerialNumber::from_slice(parsed.raw_serial()),
            revocation_time: this_update,
            reason_code: Some(RevocationReason::KeyCompromise),
            invalidity_date: None,
        });
    }
    let params = CertificateRevocationListParams {
        this_update,
        next_update,
        crl_number: SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs,
        key_identifier_method: rcgen::KeyIdMethod::Sha256,
    };
    Ok(params.signed_by(&issuer)?.der().to_vec())
}
