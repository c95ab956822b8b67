//! The audit PKI: a root kept in the lab folder (an operator imports it once into the proxy's
//! upstream trust store) and, on every run, fresh intermediates and one leaf per case.
//!
//! The root is name-constrained to its audit domain ([`AUDIT_DOMAIN`] unless the operator names
//! another): even if its key (kept on disk, mode 0600) leaked, it could vouch for no name outside
//! that domain. Everything below it is issued for the run and
//! dated around `now`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, GeneralSubtree, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    NameConstraints, PublicKeyData,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::{Duration, OffsetDateTime};

use super::super::Error;
use super::super::pki::{
    AccessMethod, Issued, aia_extension, crl_points, issued, permitted_dns_subtree,
};
use super::case::{AUDIT_DOMAIN, AuditCase};
use super::legacy::{LegacyDigest, RsaKey};
use crate::output::{self, Access};

/// The audit root's certificate in the lab folder.
pub const AUDIT_ROOT_FILE: &str = "audit-root.pem";
/// The audit root's private key in the lab folder (PKCS#8 PEM, readable by its owner only).
pub const AUDIT_ROOT_KEY_FILE: &str = "audit-root.key";
/// The audit root's common name.
pub const AUDIT_ROOT_NAME: &str = "tlsinspect Audit Root (TEST ONLY)";
/// How long a new audit root is valid.
const ROOT_LIFETIME: Duration = Duration::days(5 * 365);
/// The largest root or key file read back.
const MAX_ROOT_FILE: u64 = 64 * 1024;

/// The persisted audit root.
#[derive(Debug)]
pub struct AuditRoot {
    /// Its certificate.
    pub der: CertificateDer<'static>,
    /// Where its certificate is.
    pub path: PathBuf,
    /// Whether this run created it (the proxy cannot trust it yet).
    pub created: bool,
    /// The domain it is constrained to; every case is a name under it.
    pub domain: String,
    issuer: Issuer<'static, KeyPair>,
}

/// The file names of the root of `domain` in the lab folder: `audit-root.pem` and
/// `audit-root.key` for [`AUDIT_DOMAIN`], `audit-root-DOMAIN.pem` and `.key` for another.
fn root_files(domain: &str) -> (String, String) {
    if domain == AUDIT_DOMAIN {
        (AUDIT_ROOT_FILE.to_owned(), AUDIT_ROOT_KEY_FILE.to_owned())
    } else {
        (
            format!("audit-root-{domain}.pem"),
            format!("audit-root-{domain}.key"),
        )
    }
}

impl AuditRoot {
    /// The root of [`AUDIT_DOMAIN`] in `dir`, created there (with the folder) when absent.
    pub fn load_or_create(dir: &Path, now: OffsetDateTime) -> Result<Self, Error> {
        Self::load_or_create_for(dir, AUDIT_DOMAIN, now)
    }

    /// The root of `domain` in `dir` (`audit-root-DOMAIN.pem` and `.key`, or `audit-root.pem`
    /// and `.key` for [`AUDIT_DOMAIN`]), created there when absent.
    pub fn load_or_create_for(
        dir: &Path,
        domain: &str,
        now: OffsetDateTime,
    ) -> Result<Self, Error> {
        let (cert_file, key_file) = root_files(domain);
        let cert_path = dir.join(&cert_file);
        let key_path = dir.join(&key_file);
        match (cert_path.exists(), key_path.exists()) {
            (true, true) => Self::load(&cert_path, &key_path, domain, now),
            (false, false) => Self::create(dir, &cert_path, &key_path, domain, now),
            _ => Err(root_error(
                &cert_path,
                format!("{cert_file} and {key_file} must both be present or both absent"),
            )),
        }
    }

    /// A root of [`AUDIT_DOMAIN`] that lives only in memory (tests and `demo`).
    pub fn ephemeral(now: OffsetDateTime) -> Result<Self, Error> {
        let (der, _, issuer) = Self::generate(AUDIT_DOMAIN, now)?;
        Ok(Self {
            der,
            path: PathBuf::new(),
            created: true,
            domain: AUDIT_DOMAIN.to_owned(),
            issuer,
        })
    }

    fn generate(
        domain: &str,
        now: OffsetDateTime,
    ) -> Result<(CertificateDer<'static>, String, Issuer<'static, KeyPair>), Error> {
        let key = KeyPair::generate()?;
        let mut params = ca_params(
            AUDIT_ROOT_NAME,
            now - Duration::days(1),
            now + ROOT_LIFETIME,
        );
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.custom_extensions.push(permitted_dns_subtree(domain));
        let der = params.self_signed(&key)?.der().clone();
        let key_pem = key.serialize_pem();
        Ok((der, key_pem, Issuer::new(params, key)))
    }

    fn create(
        dir: &Path,
        cert_path: &Path,
        key_path: &Path,
        domain: &str,
        now: OffsetDateTime,
    ) -> Result<Self, Error> {
        output::folder(dir)?;
        let (der, key_pem, issuer) = Self::generate(domain, now)?;
        output::write(key_path, key_pem.as_bytes(), Access::Private)?;
        let pem = crate::chain::encode_pem(&der);
        output::write(cert_path, pem.as_bytes(), Access::Public)?;
        Ok(Self {
            der,
            path: cert_path.to_owned(),
            created: true,
            domain: domain.to_owned(),
            issuer,
        })
    }

    fn load(
        cert_path: &Path,
        key_path: &Path,
        domain: &str,
        now: OffsetDateTime,
    ) -> Result<Self, Error> {
        let read = |path: &Path| {
            crate::input::read_file(path, MAX_ROOT_FILE)
                .map_err(|error| root_error(path, error.to_string()))
        };
        let cert_pem = String::from_utf8(read(cert_path)?)
            .map_err(|_| root_error(cert_path, "not a PEM file".to_owned()))?;
        let key_pem = String::from_utf8(read(key_path)?)
            .map_err(|_| root_error(key_path, "not a PEM file".to_owned()))?;
        let key = KeyPair::from_pem(&key_pem)
            .map_err(|error| root_error(key_path, format!("unreadable key: {error}")))?;
        let certificate = pem_certificate(&cert_pem)
            .ok_or_else(|| root_error(cert_path, "no certificate in it".to_owned()))?;
        let (_, parsed) = x509_parser::parse_x509_certificate(&certificate)
            .map_err(|error| root_error(cert_path, format!("unreadable certificate: {error}")))?;
        if parsed.tbs_certificate.subject_pki.raw != key.subject_public_key_info().as_slice() {
            return Err(root_error(
                key_path,
                format!(
                    "this key does not belong to the certificate in {}",
                    cert_path.display()
                ),
            ));
        }
        if let Some(why) = not_an_audit_root(&parsed, domain) {
            return Err(root_error(cert_path, why));
        }
        if let Some(why) = readable_by_others(key_path) {
            return Err(root_error(key_path, why));
        }
        let not_after = parsed.validity().not_after.timestamp();
        if not_after <= now.unix_timestamp() {
            return Err(root_error(
                cert_path,
                "it has expired: delete both files to make a new root, and import that one"
                    .to_owned(),
            ));
        }
        let der = CertificateDer::from(certificate);
        let issuer = Issuer::from_ca_cert_der(&der, key)?;
        Ok(Self {
            der,
            path: cert_path.to_owned(),
            created: false,
            domain: domain.to_owned(),
            issuer,
        })
    }

    /// An issuer with this root's name and key identifier but another key.
    fn impostor(&self) -> Result<Issuer<'static, KeyPair>, Error> {
        Ok(Issuer::from_ca_cert_der(&self.der, KeyPair::generate()?)?)
    }
}

/// The first certificate of a PEM text.
fn pem_certificate(pem: &str) -> Option<Vec<u8>> {
    use rustls_pki_types::pem::PemObject;
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .next()?
        .ok()
        .map(|der| der.to_vec())
}

/// Why a certificate is not one this tool makes as its audit root: a CA (basicConstraints
/// CA:TRUE) that may sign certificates, constrained to the audit domain's names alone. A root
/// planted in the lab folder without the constraint would make this machine's proxy trust any
/// name signed by whoever holds its key.
fn not_an_audit_root(
    cert: &x509_parser::certificate::X509Certificate<'_>,
    domain: &str,
) -> Option<String> {
    use x509_parser::extensions::GeneralName;
    if !cert.is_ca() {
        return Some("it is not a CA certificate (basicConstraints CA:TRUE)".to_owned());
    }
    if let Ok(Some(usage)) = cert.key_usage()
        && !usage.value.key_cert_sign()
    {
        return Some("its key usage does not allow signing certificates".to_owned());
    }
    let constraints = match cert.name_constraints() {
        Ok(Some(constraints)) => constraints.value,
        _ => {
            return Some(format!(
                "it has no name constraint to {domain}: tlsinspect's audit root is always \
                 constrained; delete both files to make one"
            ));
        }
    };
    let permitted: Vec<&GeneralName<'_>> = constraints
        .permitted_subtrees
        .iter()
        .flatten()
        .map(|subtree| &subtree.base)
        .collect();
    let only_the_domain =
        matches!(permitted.as_slice(), [GeneralName::DNSName(name)] if *name == domain);
    if !only_the_domain {
        return Some(format!(
            "its name constraint is not to {domain} alone: delete both files to make a \
             root constrained as tlsinspect makes it"
        ));
    }
    None
}

/// Why a private key file is unsafe to use: on Unix, readable or writable by others than its
/// owner (tlsinspect creates it with mode 0600).
fn readable_by_others(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode();
        (mode & 0o077 != 0).then(|| {
            format!(
                "the key is open to other users (mode {:o}): whoever reads it can mint \
                 certificates this machine's proxy trusts; run chmod 600 on it, or delete both \
                 files to make a new root",
                mode & 0o777
            )
        })
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

fn root_error(path: &Path, reason: String) -> Error {
    Error::AuditRoot {
        path: path.to_owned(),
        reason,
    }
}

/// Where the revocation cases' CRL and OCSP responder are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationUrls {
    /// The CRL of the audit CA (lists the revoked-crl leaf).
    pub crl: String,
    /// The OCSP responder of the audit CA (says the revoked-ocsp leaf is revoked).
    pub ocsp: String,
}

/// What one case's origin presents.
#[derive(Debug, Clone)]
pub struct CaseChain {
    /// The case.
    pub case: AuditCase,
    /// What the origin sends, leaf first.
    pub served: Vec<CertificateDer<'static>>,
    /// The leaf's key.
    pub key: Arc<dyn rustls::sign::SigningKey>,
    /// The leaf's private key as PKCS#8 DER, for the weak-upstream cases, which OpenSSL's
    /// `s_server` serves (an RSA key: static RSA key exchange needs one).
    pub pkcs8: Option<Vec<u8>>,
}

/// The certificates of one run.
#[derive(Debug)]
pub struct AuditPki {
    /// The root the proxy must trust.
    pub root: CertificateDer<'static>,
    /// The audit CA (issues most leaves, signs the CRL and the OCSP answers).
    pub ca: Issued,
    /// One chain per case, in [`AuditCase::ALL`] order.
    pub chains: Vec<CaseChain>,
}

impl AuditPki {
    /// Issues the run's intermediates and leaves below `root`, dated around `now`.
    pub fn issue(
        root: &AuditRoot,
        urls: &RevocationUrls,
        now: OffsetDateTime,
    ) -> Result<Self, Error> {
        let year = now + Duration::days(365);
        let (ca, ca_issuer) = intermediate(
            "tlsinspect Audit CA",
            &root.issuer,
            Some(0),
            (now - Duration::days(2), year),
        )?;
        let mut chains = Vec::with_capacity(AuditCase::ALL.len());
        // One RSA key serves every weak-upstream origin (only the handshake differs).
        let mut weak_key: Option<RsaKey> = None;
        for case in AuditCase::ALL {
            let leaf = LeafSpec::new(case, &root.domain, now);
            if case.flaw().is_weak_upstream() {
                let key = match &weak_key {
                    Some(key) => key.clone(),
                    None => weak_key.insert(RsaKey::generate(2048)?).clone(),
                };
                let der = leaf
                    .params(urls)?
                    .signed_by(&key, &ca_issuer)?
                    .der()
                    .clone();
                chains.push(CaseChain {
                    case,
                    served: vec![der, ca.der.clone()],
                    key: key.tls_key(),
                    pkcs8: Some(key.pkcs8_der()?),
                });
                continue;
            }
            let served = match case {
                AuditCase::SelfSigned => {
                    let key = KeyPair::generate()?;
                    let der = leaf.params(urls)?.self_signed(&key)?.der().clone();
                    (vec![der], ecdsa_key(&key)?)
                }
                AuditCase::UntrustedRoot => {
                    let key = KeyPair::generate()?;
                    let mut params = ca_params(
                        "tlsinspect Audit Untrusted Root",
                        now - Duration::days(2),
                        year,
                    );
                    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
                    let other_root = params.self_signed(&key)?.der().clone();
                    let (der, key) = leaf.sign(urls, &Issuer::new(params, key))?;
                    (vec![der, other_root], key)
                }
                AuditCase::ImpostorRoot => {
                    let (der, key) = leaf.sign(urls, &root.impostor()?)?;
                    (vec![der], key)
                }
                AuditCase::ExpiredIntermediate
                | AuditCase::NoCaIntermediate
                | AuditCase::NameConstraints => {
                    let (inter, inter_issuer) = case_intermediate(case, root, now)?;
                    let (der, key) = leaf.sign(urls, &inter_issuer)?;
                    (vec![der, inter.der], key)
                }
                AuditCase::PathLen => {
                    let (sub, sub_issuer) = intermediate(
                        "tlsinspect Audit Sub-CA (beyond pathLen 0)",
                        &ca_issuer,
                        None,
                        (now - Duration::days(2), year),
                    )?;
                    let (der, key) = leaf.sign(urls, &sub_issuer)?;
                    (vec![der, sub.der, ca.der.clone()], key)
                }
                AuditCase::Sha1 | AuditCase::Md5 => {
                    let digest = if case == AuditCase::Sha1 {
                        LegacyDigest::Sha1
                    } else {
                        LegacyDigest::Md5
                    };
                    let legacy_key = RsaKey::generate(2048)?;
                    let mut params = ca_params(
                        "tlsinspect Audit Legacy RSA CA",
                        now - Duration::days(2),
                        year,
                    );
                    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
                    params.use_authority_key_identifier_extension = true;
                    let legacy_ca = params.signed_by(&legacy_key, &root.issuer)?.der().clone();
                    let legacy = Issuer::new(params, legacy_key.certificate_signer(digest));
                    let key = KeyPair::generate()?;
                    let mut der = leaf.params(urls)?.signed_by(&key, &legacy)?.der().to_vec();
                    digest.patch_certificate(&mut der)?;
                    (vec![CertificateDer::from(der), legacy_ca], ecdsa_key(&key)?)
                }
                AuditCase::Rsa1024 => {
                    let key = RsaKey::generate(1024)?;
                    let der = leaf
                        .params(urls)?
                        .signed_by(&key, &ca_issuer)?
                        .der()
                        .clone();
                    (vec![der, ca.der.clone()], key.tls_key())
                }
                _ => {
                    let (der, key) = leaf.sign(urls, &ca_issuer)?;
                    (vec![der, ca.der.clone()], key)
                }
            };
            chains.push(CaseChain {
                case,
                served: served.0,
                key: served.1,
                pkcs8: None,
            });
        }
        Ok(Self {
            root: root.der.clone(),
            ca,
            chains,
        })
    }

    /// The chain of one case.
    pub fn chain(&self, case: AuditCase) -> Option<&CaseChain> {
        self.chains.iter().find(|chain| chain.case == case)
    }
}

/// The leaf of one case: its name, dates, usages and extensions.
struct LeafSpec {
    case: AuditCase,
    domain: String,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
}

impl LeafSpec {
    fn new(case: AuditCase, domain: &str, now: OffsetDateTime) -> Self {
        let (start, end) = match case {
            AuditCase::Expired => (-90, -30),
            AuditCase::NotYetValid => (30, 90),
            _ => (-1, 30),
        };
        Self {
            case,
            domain: domain.to_owned(),
            not_before: now + Duration::days(start),
            not_after: now + Duration::days(end),
        }
    }

    fn params(&self, urls: &RevocationUrls) -> Result<CertificateParams, Error> {
        let name = match self.case {
            AuditCase::WrongHost => format!("other.{}", self.domain),
            _ => self.case.host(&self.domain),
        };
        let mut params = CertificateParams::new(vec![name.clone()])?;
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        if self.case.flaw().is_weak_upstream() {
            // Static RSA key exchange encrypts to the leaf's key.
            params.key_usages.push(KeyUsagePurpose::KeyEncipherment);
        }
        params.extended_key_usages = vec![match self.case {
            AuditCase::ClientAuthEku => ExtendedKeyUsagePurpose::ClientAuth,
            _ => ExtendedKeyUsagePurpose::ServerAuth,
        }];
        params.use_authority_key_identifier_extension = self.case != AuditCase::SelfSigned;
        params.not_before = self.not_before;
        params.not_after = self.not_after;
        match self.case {
            AuditCase::RevokedCrl => params.crl_distribution_points = crl_points(Some(&urls.crl)),
            AuditCase::RevokedOcsp => params
                .custom_extensions
                .push(aia_extension(&[(AccessMethod::Ocsp, &urls.ocsp)])),
            AuditCase::UnknownCriticalExtension => {
                // RFC 7229's test OID 1.3.6.1.5.5.7.13.1, used as an extension nobody defines.
                let mut unknown = CustomExtension::from_oid_content(
                    &[1, 3, 6, 1, 5, 5, 7, 13, 1],
                    vec![0x05, 0x00],
                );
                unknown.set_criticality(true);
                params.custom_extensions.push(unknown);
            }
            _ => {}
        }
        Ok(params)
    }

    /// A fresh ECDSA P-256 leaf signed by `issuer`.
    fn sign(
        &self,
        urls: &RevocationUrls,
        issuer: &Issuer<'_, impl rcgen::SigningKey>,
    ) -> Result<(CertificateDer<'static>, Arc<dyn rustls::sign::SigningKey>), Error> {
        let key = KeyPair::generate()?;
        let der = self.params(urls)?.signed_by(&key, issuer)?.der().clone();
        Ok((der, ecdsa_key(&key)?))
    }
}

/// The intermediate that makes a case invalid, issued by the root.
fn case_intermediate(
    case: AuditCase,
    audit_root: &AuditRoot,
    now: OffsetDateTime,
) -> Result<(Issued, Issuer<'static, KeyPair>), Error> {
    let root = &audit_root.issuer;
    let year = now + Duration::days(365);
    let key = KeyPair::generate()?;
    let mut params = match case {
        AuditCase::ExpiredIntermediate => ca_params(
            "tlsinspect Audit CA (expired)",
            now - Duration::days(730),
            now - Duration::days(30),
        ),
        AuditCase::NoCaIntermediate => ca_params(
            "tlsinspect Audit non-CA issuer",
            now - Duration::days(2),
            year,
        ),
        _ => ca_params(
            "tlsinspect Audit CA (one permitted name only)",
            now - Duration::days(2),
            year,
        ),
    };
    params.use_authority_key_identifier_extension = true;
    params.is_ca = match case {
        AuditCase::NoCaIntermediate => IsCa::ExplicitNoCa,
        _ => IsCa::Ca(BasicConstraints::Constrained(0)),
    };
    if case == AuditCase::NameConstraints {
        params.name_constraints = Some(NameConstraints {
            permitted_subtrees: vec![GeneralSubtree::DnsName(format!(
                "permitted.{}",
                audit_root.domain
            ))],
            excluded_subtrees: Vec::new(),
        });
    }
    let der = params.signed_by(&key, root)?.der().clone();
    Ok((issued(der, &key), Issuer::new(params, key)))
}

/// A CA below `parent` with an optional pathLenConstraint.
fn intermediate(
    common_name: &str,
    parent: &Issuer<'_, impl rcgen::SigningKey>,
    path_len: Option<u8>,
    (not_before, not_after): (OffsetDateTime, OffsetDateTime),
) -> Result<(Issued, Issuer<'static, KeyPair>), Error> {
    let key = KeyPair::generate()?;
    let mut params = ca_params(common_name, not_before, not_after);
    params.is_ca = IsCa::Ca(match path_len {
        Some(len) => BasicConstraints::Constrained(len),
        None => BasicConstraints::Unconstrained,
    });
    params.use_authority_key_identifier_extension = true;
    let der = params.signed_by(&key, parent)?.der().clone();
    Ok((issued(der, &key), Issuer::new(params, key)))
}

fn ca_params(
    common_name: &str,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = lab_name(common_name);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = not_before;
    params.not_after = not_after;
    params
}

fn lab_name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CountryName, "US");
    name.push(DnType::OrganizationName, "tlsinspect lab (TEST ONLY)");
    name.push(DnType::CommonName, common_name);
    name
}

fn ecdsa_key(key: &KeyPair) -> Result<Arc<dyn rustls::sign::SigningKey>, Error> {
    let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    rustls::crypto::ring::sign::any_supported_type(&der).map_err(Error::Tls)
}
