//! A parsed view of one certificate: names, validity, key, extensions and fingerprints.
//!
//! Built with x509-parser; a malformed extension is skipped (its facts stay empty) rather than
//! failing the whole certificate, as x509-parser itself does. Nothing here decides validity.

use base64::Engine;
use serde::Serialize;
use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::der_parser::asn1_rs::Tag;
use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};
use x509_parser::objects::{oid_registry, oid2abbrev};
use x509_parser::oid_registry::{
    OID_PKIX_ACCESS_DESCRIPTOR_CA_ISSUERS, OID_PKIX_ACCESS_DESCRIPTOR_OCSP,
};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::{AttributeTypeAndValue, X509Name};

use super::{Error, sha256_hex};
use crate::clock::serde_time;

/// The public key of a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct KeyInfo {
    /// `RSA`, `EC`, `Ed25519`, or the algorithm OID.
    pub algorithm: String,
    /// Key size in bits (0 when unknown).
    pub bits: usize,
}

impl std::fmt::Display for KeyInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.bits == 0 {
            f.write_str(&self.algorithm)
        } else {
            write!(f, "{} {}", self.algorithm, self.bits)
        }
    }
}

/// What one certificate says about itself.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CertInfo {
    /// Subject DN in RFC 4514-like order as x509-parser prints it.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// The subject's attribute values in encoded order (how the Sync log prints them).
    pub subject_values: Vec<String>,
    /// The issuer's attribute values in encoded order.
    pub issuer_values: Vec<String>,
    /// Serial number, lowercase hex.
    pub serial: String,
    /// notBefore.
    #[serde(with = "serde_time")]
    #[schemars(with = "String")]
    pub not_before: OffsetDateTime,
    /// notAfter.
    #[serde(with = "serde_time")]
    #[schemars(with = "String")]
    pub not_after: OffsetDateTime,
    /// SAN DNS names.
    pub dns_names: Vec<String>,
    /// SAN IP addresses.
    pub ip_addresses: Vec<String>,
    /// The public key.
    pub key: KeyInfo,
    /// Signature algorithm name (`sha256WithRSAEncryption`, `ecdsa-with-SHA256`, …) or OID.
    pub signature_algorithm: String,
    /// Whether that algorithm hashes with MD2, MD5 or SHA-1 (by its OID).
    #[serde(skip)]
    #[schemars(skip)]
    weak_signature_hash: bool,
    /// Extended key usages, when the extension is present.
    pub extended_key_usage: Option<Vec<String>>,
    /// basicConstraints cA.
    pub is_ca: bool,
    /// Subject equals issuer.
    pub self_issued: bool,
    /// Self-issued and the signature verifies with its own key.
    pub self_signed: bool,
    /// AIA caIssuers URLs.
    pub ca_issuers: Vec<String>,
    /// AIA OCSP URLs.
    pub ocsp_urls: Vec<String>,
    /// CRL distribution point URLs.
    pub crl_urls: Vec<String>,
    /// Embedded SCTs.
    pub sct_count: usize,
    /// When each embedded SCT was logged (the CT log's signed timestamp; a CA logs a
    /// precertificate just before issuing it).
    #[serde(with = "crate::clock::serde_time::list")]
    #[schemars(with = "Vec<String>")]
    pub sct_timestamps: Vec<OffsetDateTime>,
    /// SHA-256 of the certificate, hex.
    pub sha256: String,
    /// SHA-1 of the certificate, hex: the thumbprint Windows shows and its stores are keyed by.
    pub sha1: String,
    /// SHA-256 of the SubjectPublicKeyInfo, hex.
    pub spki_sha256: String,
    /// SHA-1 of the subjectPublicKey bits, hex: the key identifier of RFC 5280 §4.2.1.2 method 1,
    /// to compare with an authority key identifier.
    pub key_id_sha1: String,
    /// The authorityKeyIdentifier keyIdentifier, hex.
    pub authority_key_id: Option<String>,
    /// The certificate, DER, base64.
    pub der_base64: String,
}

/// What the certificate parser found wrong, in words (its own text names parser internals such
/// as `NomError(Eof)`).
fn describe(error: &x509_parser::nom::Err<x509_parser::error::X509Error>) -> String {
    use x509_parser::error::X509Error as E;
    use x509_parser::nom::Err;
    let error = match error {
        Err::Incomplete(_) => return "the data ends before the certificate does".to_owned(),
        Err::Error(error) | Err::Failure(error) => error,
    };
    match error {
        E::NomError(x509_parser::nom::error::ErrorKind::Eof)
        | E::Der(x509_parser::der_parser::error::BerError::Incomplete(_)) => {
            "the data ends before the certificate does"
        }
        E::Der(_) => "its DER encoding is invalid",
        E::InvalidVersion => "its version field is invalid",
        E::InvalidSerial => "its serial number is invalid",
        E::InvalidAlgorithmIdentifier => "an algorithm identifier is invalid",
        E::InvalidX509Name => "a name is invalid",
        E::InvalidDate => "a validity date is invalid",
        E::InvalidSPKI => "its public key is invalid",
        E::InvalidExtensions | E::DuplicateExtensions => "its extensions are invalid",
        E::InvalidSignatureValue => "its signature value is invalid",
        _ => "it is not structured as an X.509 certificate",
    }
    .to_owned()
}

impl CertInfo {
    /// Parses one DER certificate.
    pub fn parse(der: &[u8]) -> Result<Self, Error> {
        let (rest, cert) =
            X509Certificate::from_der(der).map_err(|error| Error::Malformed(describe(&error)))?;
        if !rest.is_empty() {
            return Err(Error::Malformed(format!("{} trailing bytes", rest.len())));
        }
        let signature_oid = cert.signature_algorithm.algorithm.to_id_string();
        // Named and judged by OID; an algorithm the table lacks is shown as its OID.
        let signature = SIGNATURES.iter().find(|known| known.oid == signature_oid);
        let mut info = Self {
            subject: format_name(cert.subject()),
            issuer: format_name(cert.issuer()),
            subject_values: name_values(cert.subject()),
            issuer_values: name_values(cert.issuer()),
            serial: cert
                .raw_serial()
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect(),
            not_before: asn1_time(cert.validity().not_before.timestamp()),
            not_after: asn1_time(cert.validity().not_after.timestamp()),
            dns_names: Vec::new(),
            ip_addresses: Vec::new(),
            key: key_info(&cert),
            signature_algorithm: signature
                .map_or_else(|| signature_oid, |known| known.name.to_owned()),
            weak_signature_hash: signature.is_some_and(|known| known.weak_hash),
            extended_key_usage: None,
            is_ca: false,
            self_issued: cert.subject().as_raw() == cert.issuer().as_raw(),
            self_signed: false,
            ca_issuers: Vec::new(),
            ocsp_urls: Vec::new(),
            crl_urls: Vec::new(),
            sct_count: 0,
            sct_timestamps: Vec::new(),
            sha256: sha256_hex(der),
            sha1: hex(ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, der).as_ref()),
            spki_sha256: sha256_hex(cert.public_key().raw),
            key_id_sha1: hex(ring::digest::digest(
                &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
                &cert.public_key().subject_public_key.data,
            )
            .as_ref()),
            authority_key_id: None,
            der_base64: base64::engine::general_purpose::STANDARD.encode(der),
        };
        info.self_signed = info.self_issued && cert.verify_signature(None).is_ok();
        for extension in cert.extensions() {
            info.read_extension(extension.parsed_extension());
        }
        Ok(info)
    }

    /// Whether `at` lies inside the validity window (both ends inclusive, RFC 5280 §4.1.2.5).
    pub(crate) fn is_valid_at(&self, at: OffsetDateTime) -> bool {
        self.not_before <= at && at <= self.not_after
    }

    /// SAN DNS names and IP addresses, for messages.
    pub fn names(&self) -> Vec<String> {
        self.dns_names
            .iter()
            .chain(&self.ip_addresses)
            .cloned()
            .collect()
    }

    /// Whether the signature uses a broken hash (MD2, MD5, SHA-1).
    pub(crate) fn has_weak_signature(&self) -> bool {
        self.weak_signature_hash
    }

    fn read_extension(&mut self, extension: &ParsedExtension<'_>) {
        match extension {
            ParsedExtension::SubjectAlternativeName(san) => {
                for name in &san.general_names {
                    match name {
                        GeneralName::DNSName(dns) => self.dns_names.push((*dns).to_owned()),
                        GeneralName::IPAddress(bytes) => {
                            if let Some(ip) = ip_from_bytes(bytes) {
                                self.ip_addresses.push(ip.to_string());
                            }
                        }
                        _ => {}
                    }
                }
            }
            ParsedExtension::ExtendedKeyUsage(eku) => {
                let mut usages = Vec::new();
                let known = [
                    (eku.any, "any"),
                    (eku.server_auth, "serverAuth"),
                    (eku.client_auth, "clientAuth"),
                    (eku.code_signing, "codeSigning"),
                    (eku.email_protection, "emailProtection"),
                    (eku.time_stamping, "timeStamping"),
                    (eku.ocsp_signing, "OCSPSigning"),
                ];
                usages.extend(
                    known
                        .iter()
                        .filter(|(set, _)| *set)
                        .map(|(_, name)| name.to_string()),
                );
                usages.extend(eku.other.iter().map(|oid| oid.to_id_string()));
                self.extended_key_usage = Some(usages);
            }
            ParsedExtension::BasicConstraints(constraints) => self.is_ca = constraints.ca,
            ParsedExtension::AuthorityInfoAccess(aia) => {
                for description in &aia.accessdescs {
                    let GeneralName::URI(uri) = description.access_location else {
                        continue;
                    };
                    if description.access_method == OID_PKIX_ACCESS_DESCRIPTOR_CA_ISSUERS {
                        self.ca_issuers.push(uri.to_owned());
                    } else if description.access_method == OID_PKIX_ACCESS_DESCRIPTOR_OCSP {
                        self.ocsp_urls.push(uri.to_owned());
                    }
                }
            }
            ParsedExtension::CRLDistributionPoints(points) => {
                for point in points.iter() {
                    if let Some(DistributionPointName::FullName(names)) = &point.distribution_point
                    {
                        for name in names {
                            if let GeneralName::URI(uri) = name {
                                self.crl_urls.push((*uri).to_owned());
                            }
                        }
                    }
                }
            }
            ParsedExtension::SCT(scts) => {
                self.sct_count = scts.len();
                self.sct_timestamps = scts
                    .iter()
                    .filter_map(|sct| {
                        let millis = i128::from(sct.timestamp);
                        OffsetDateTime::from_unix_timestamp_nanos(millis * 1_000_000).ok()
                    })
                    .collect();
            }
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                self.authority_key_id = aki.key_identifier.as_ref().map(|id| hex(id.0));
            }
            _ => {}
        }
    }
}

/// The attribute values of a DN, in encoded order; non-string values are shown as `#hex`.
fn name_values(name: &X509Name<'_>) -> Vec<String> {
    name.iter_attributes().map(attribute_text).collect()
}

/// A DN as `C=US, O=…, CN=…` (RDNs in encoded order, multi-valued ones joined by ` + `), every
/// string type decoded: UTF8String, PrintableString, IA5String and the like as text,
/// TeletexString (T61String) as Latin-1, BMPString as UTF-16, UniversalString as UTF-32.
pub(crate) fn format_name(name: &X509Name<'_>) -> String {
    name.iter_rdn()
        .map(|rdn| {
            rdn.iter()
                .map(|attribute| {
                    let kind = attribute.attr_type();
                    let label = oid2abbrev(kind, oid_registry())
                        .map(str::to_owned)
                        .unwrap_or_else(|_| kind.to_id_string());
                    format!("{label}={}", attribute_text(attribute))
                })
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One attribute value as text; a value that is not a string is `#hex`.
fn attribute_text(attribute: &AttributeTypeAndValue<'_>) -> String {
    let value = attribute.attr_value();
    let data = value.data;
    let units = |size: usize| data.chunks_exact(size).len() * size == data.len();
    match value.tag() {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::VisibleString
        | Tag::NumericString
        | Tag::GeneralString
        | Tag::GraphicString => String::from_utf8_lossy(data).into_owned(),
        // T.61 is close enough to Latin-1 for the names CAs wrote in it.
        Tag::T61String | Tag::VideotexString => data.iter().map(|&byte| char::from(byte)).collect(),
        Tag::BmpString if units(2) => char::decode_utf16(
            data.chunks_exact(2)
                .map(|pair| u16::from_be_bytes([pair[0], pair[1]])),
        )
        .map(|c| c.unwrap_or('\u{fffd}'))
        .collect(),
        Tag::UniversalString if units(4) => data
            .chunks_exact(4)
            .map(|quad| {
                char::from_u32(u32::from_be_bytes([quad[0], quad[1], quad[2], quad[3]]))
                    .unwrap_or('\u{fffd}')
            })
            .collect(),
        _ => format!("#{}", hex(attribute.as_slice())),
    }
}

/// Parses a DER-encoded Name (with its SEQUENCE header) into a printable DN.
pub(crate) fn dn_to_string(der: &[u8]) -> String {
    match X509Name::from_der(der) {
        Ok((_, name)) => format_name(&name),
        Err(_) => "(unparsable name)".to_owned(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn asn1_time(timestamp: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(timestamp).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn ip_from_bytes(bytes: &[u8]) -> Option<std::net::IpAddr> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes).ok().map(std::net::IpAddr::from),
        16 => <[u8; 16]>::try_from(bytes).ok().map(std::net::IpAddr::from),
        _ => None,
    }
}

fn key_info(cert: &X509Certificate<'_>) -> KeyInfo {
    let (algorithm, bits) = match cert.public_key().parsed() {
        Ok(PublicKey::RSA(rsa)) => ("RSA".to_owned(), rsa_bits(rsa.modulus)),
        Ok(PublicKey::EC(point)) => ("EC".to_owned(), ec_bits(point.data().len())),
        Ok(PublicKey::DSA(_)) => ("DSA".to_owned(), 0),
        _ => {
            let oid = cert.public_key().algorithm.algorithm.to_id_string();
            let name = match oid.as_str() {
                "1.3.101.112" => "Ed25519".to_owned(),
                "1.3.101.113" => "Ed448".to_owned(),
                _ => oid,
            };
            (name, 0)
        }
    };
    KeyInfo { algorithm, bits }
}

/// RSA modulus size in bits, ignoring leading zero bytes.
fn rsa_bits(modulus: &[u8]) -> usize {
    let trimmed: &[u8] = match modulus.iter().position(|byte| *byte != 0) {
        Some(start) => &modulus[start..],
        None => return 0,
    };
    trimmed.len() * 8 - trimmed[0].leading_zeros() as usize
}

/// EC field size from the uncompressed point length (0x04 || X || Y).
fn ec_bits(point_len: usize) -> usize {
    match point_len {
        65 => 256,
        97 => 384,
        133 => 521,
        _ => point_len.saturating_sub(1) / 2 * 8,
    }
}

/// A signature algorithm this tool names, by OID.
struct Signature {
    oid: &'static str,
    name: &'static str,
    /// Hashes with MD2, MD5 or SHA-1.
    weak_hash: bool,
}

const fn signature(oid: &'static str, name: &'static str, weak_hash: bool) -> Signature {
    Signature {
        oid,
        name,
        weak_hash,
    }
}

const SIGNATURES: [Signature; 13] = [
    signature("1.2.840.113549.1.1.2", "md2WithRSAEncryption", true),
    signature("1.2.840.113549.1.1.4", "md5WithRSAEncryption", true),
    signature("1.2.840.113549.1.1.5", "sha1WithRSAEncryption", true),
    signature("1.2.840.113549.1.1.10", "rsassaPss", false),
    signature("1.2.840.113549.1.1.11", "sha256WithRSAEncryption", false),
    signature("1.2.840.113549.1.1.12", "sha384WithRSAEncryption", false),
    signature("1.2.840.113549.1.1.13", "sha512WithRSAEncryption", false),
    signature("1.2.840.10045.4.1", "ecdsa-with-SHA1", true),
    signature("1.2.840.10045.4.3.2", "ecdsa-with-SHA256", false),
    signature("1.2.840.10045.4.3.3", "ecdsa-with-SHA384", false),
    signature("1.2.840.10045.4.3.4", "ecdsa-with-SHA512", false),
    signature("1.2.840.10040.4.3", "dsa-with-sha1", true),
    signature("1.3.101.112", "Ed25519", false),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsa_sizes_ignore_leading_zeros() {
        let cases: &[(&[u8], usize)] = &[
            (&[0x00, 0x80, 0x00], 16),
            (&[0x01, 0x00], 9),
            (&[0x00], 0),
            (&[], 0),
        ];
        for (modulus, bits) in cases {
            assert_eq!(rsa_bits(modulus), *bits);
        }
    }

    #[test]
    fn signature_names_flag_weak_hashes() {
        for (oid, weak) in [
            ("1.2.840.113549.1.1.5", true),
            ("1.2.840.113549.1.1.4", true),
            ("1.2.840.10045.4.1", true),
            ("1.2.840.113549.1.1.11", false),
            ("1.2.840.10045.4.3.2", false),
        ] {
            let known = SIGNATURES.iter().find(|known| known.oid == oid).unwrap();
            assert_eq!(known.weak_hash, weak, "{oid}");
            // The names say the same as the flags.
            let name = known.name.to_ascii_lowercase();
            assert_eq!(name.contains("sha1") || name.contains("md5"), weak, "{oid}");
        }
    }

    #[test]
    fn names_in_every_string_type_are_decoded() {
        // Name ::= SEQUENCE OF SET OF { OID 2.5.4.3 (CN), value }, one RDN per string type.
        let rdn = |tag: u8, value: &[u8]| {
            let mut attribute = vec![0x06, 0x03, 0x55, 0x04, 0x03, tag, value.len() as u8];
            attribute.extend_from_slice(value);
            let mut sequence = vec![0x30, attribute.len() as u8];
            sequence.extend(attribute);
            let mut set = vec![0x31, sequence.len() as u8];
            set.extend(sequence);
            set
        };
        let bmp: Vec<u8> = "Zürich ✓"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        let universal: Vec<u8> = "日本"
            .chars()
            .flat_map(|c| (c as u32).to_be_bytes())
            .collect();
        let body = [
            rdn(0x14, b"M\xfcnchen"),
            rdn(0x1e, &bmp),
            rdn(0x1c, &universal),
            rdn(0x0c, "plain".as_bytes()),
        ]
        .concat();
        let mut der = vec![0x30, body.len() as u8];
        der.extend(body);
        assert_eq!(
            dn_to_string(&der),
            "CN=München, CN=Zürich ✓, CN=日本, CN=plain"
        );
    }

    #[test]
    fn garbage_is_a_typed_error_not_a_panic() {
        for bytes in [
            &b""[..],
            b"\x30\x03\x02\x01",
            b"\x30\x80\x00\x00",
            &[0xff; 64],
        ] {
            assert!(CertInfo::parse(bytes).is_err());
        }
    }
}
