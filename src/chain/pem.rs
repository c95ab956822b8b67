//! Reading certificates from PEM or DER bytes, and writing PEM.

use base64::Engine;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use super::{Error, MAX_CHAIN_LEN};

/// Reads a chain from `bytes`: PEM (`CERTIFICATE` blocks, other blocks skipped) or a single
/// DER certificate; at most [`MAX_CHAIN_LEN`] certificates.
pub fn read_certificates(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, Error> {
    read_at_most(bytes, MAX_CHAIN_LEN)
}

/// Reads a bundle of any size (trust-anchor files hold hundreds of roots).
pub fn read_certificates_unbounded(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, Error> {
    read_at_most(bytes, usize::MAX)
}

fn read_at_most(bytes: &[u8], limit: usize) -> Result<Vec<CertificateDer<'static>>, Error> {
    // A byte-order mark before the first block would hide it from the PEM reader.
    let bytes = crate::input::without_bom(bytes);
    let certs = if bytes.windows(11).any(|window| window == b"-----BEGIN ") {
        let mut certs = Vec::new();
        for cert in CertificateDer::pem_slice_iter(bytes) {
            certs.push(cert.map_err(|error| Error::Pem(describe_pem_error(&error)))?);
            if certs.len() > limit {
                // Say how many there are, not how many were read before stopping.
                let count =
                    memchr::memmem::find_iter(bytes, b"-----BEGIN CERTIFICATE-----").count();
                return Err(Error::TooMany { count, limit });
            }
        }
        certs
    } else if bytes.first() == Some(&0x30) {
        vec![CertificateDer::from(bytes.to_vec())]
    } else {
        Vec::new()
    };
    if certs.is_empty() {
        Err(Error::Empty)
    } else {
        Ok(certs)
    }
}

/// One `TRUSTED CERTIFICATE` block (what `openssl x509 -trustout` writes): a certificate
/// followed by OpenSSL's trust settings (`X509_CERT_AUX`: trusted and rejected uses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedCertificate {
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// Why OpenSSL would not trust it for TLS servers; `None` when it would.
    pub rejected_for_tls: Option<String>,
}

/// id-kp-serverAuth and anyExtendedKeyUsage: the uses that make OpenSSL trust a root for TLS.
const SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
const ANY_EKU: &str = "2.5.29.37.0";

/// Every `TRUSTED CERTIFICATE` block of `bytes`, each read as OpenSSL reads it for a TLS
/// server (`X509_check_trust`): a use rejected (serverAuth or any) is rejected; a list of
/// trusted uses that names neither is rejected too; no settings at all is trusted. A block that
/// cannot be read gives its reason.
pub fn read_trusted_certificates(bytes: &[u8]) -> Vec<Result<TrustedCertificate, String>> {
    const BEGIN: &[u8] = b"-----BEGIN TRUSTED CERTIFICATE-----";
    const END: &[u8] = b"-----END TRUSTED CERTIFICATE-----";
    let mut blocks = Vec::new();
    let mut rest = crate::input::without_bom(bytes);
    while let Some(start) = memchr::memmem::find(rest, BEGIN) {
        let body = &rest[start + BEGIN.len()..];
        let Some(end) = memchr::memmem::find(body, END) else {
            blocks.push(Err("a TRUSTED CERTIFICATE block has no END line".to_owned()));
            break;
        };
        blocks.push(trusted_block(&body[..end]));
        rest = &body[end + END.len()..];
    }
    blocks
}

fn trusted_block(body: &[u8]) -> Result<TrustedCertificate, String> {
    use der::{Decode, Reader};
    let text: Vec<u8> = body
        .iter()
        .copied()
        .filter(|byte| !byte.is_ascii_whitespace())
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| "a TRUSTED CERTIFICATE block is not valid base64".to_owned())?;
    // The certificate is the first TLV, as encoded; OpenSSL's trust settings follow it.
    let certificate_length = der::SliceReader::new(&der)
        .and_then(|mut reader| {
            der::asn1::AnyRef::decode(&mut reader)?;
            Ok(reader.position())
        })
        .ok()
        .and_then(|length| usize::try_from(u32::from(length)).ok())
        .ok_or_else(|| {
            "a TRUSTED CERTIFICATE block does not start with a certificate".to_owned()
        })?;
    let (certificate, aux) = der.split_at(certificate_length);
    Ok(TrustedCertificate {
        der: certificate.to_vec(),
        rejected_for_tls: tls_rejection(aux)?,
    })
}

/// Reads `X509_CERT_AUX ::= SEQUENCE { trust SEQUENCE OF OID OPTIONAL, reject [0] SEQUENCE OF
/// OID OPTIONAL, alias, keyid, other }` (OpenSSL's own structure) for a TLS server's use.
fn tls_rejection(aux: &[u8]) -> Result<Option<String>, String> {
    use der::Decode;
    use der::Tagged;
    use der::asn1::{AnyRef, ObjectIdentifier};
    if aux.is_empty() {
        return Ok(None);
    }
    let unreadable = |_| "the trust settings of a TRUSTED CERTIFICATE block cannot be read";
    let fields: Vec<AnyRef<'_>> = Vec::from_der(aux).map_err(unreadable)?;
    let oids = |field: &AnyRef<'_>| -> Result<Vec<String>, String> {
        let list: Vec<ObjectIdentifier> =
            Vec::from_der(&super::wrap_sequence(field.value())).map_err(unreadable)?;
        Ok(list.iter().map(ToString::to_string).collect())
    };
    let tls = |uses: &[String]| uses.iter().any(|oid| oid == SERVER_AUTH || oid == ANY_EKU);
    let mut trusted = None;
    for field in &fields {
        let tag = field.tag();
        if tag == der::Tag::Sequence {
            trusted = Some(oids(field)?);
        } else if tag.is_context_specific() && tag.octet() & 0x1f == 0 {
            let rejected = oids(field)?;
            if tls(&rejected) {
                return Ok(Some(format!(
                    "its trust settings reject TLS server authentication ({})",
                    rejected.join(", ")
                )));
            }
        }
    }
    Ok(match trusted {
        Some(uses) if !tls(&uses) => Some(format!(
            "its trust settings trust it only for other uses ({}), not TLS server authentication",
            if uses.is_empty() {
                "none".to_owned()
            } else {
                uses.join(", ")
            }
        )),
        _ => None,
    })
}

/// A PEM error in words (the library's own text prints byte lists).
pub(crate) fn describe_pem_error(error: &rustls_pki_types::pem::Error) -> String {
    use rustls_pki_types::pem::Error as Pem;
    let quoted = |bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes);
        let short: String = text.chars().take(60).collect();
        crate::sanitize::sanitize(&short).into_owned()
    };
    match error {
        Pem::MissingSectionEnd { end_marker } => {
            format!(
                "a section has no end line (\"-----END {}-----\")",
                quoted(end_marker)
            )
        }
        Pem::IllegalSectionStart { line } => {
            format!("a BEGIN line is malformed: \"{}\"", quoted(line))
        }
        Pem::Base64Decode(detail) => {
            // The decoder says `InvalidCharacter(33)` or `InvalidLength`: say it in words.
            let character = detail
                .strip_prefix("InvalidCharacter(")
                .and_then(|rest| rest.strip_suffix(')'))
                .and_then(|code| code.parse::<u8>().ok());
            match character {
                Some(byte) => format!(
                    "a section is not valid base64: it holds {}, which base64 has no place for",
                    quoted(&[b'\'', byte, b'\''])
                ),
                None if detail.contains("Length") => {
                    "a section is not valid base64: it ends in the middle of a group".to_owned()
                }
                None => "a section is not valid base64".to_owned(),
            }
        }
        other => other.to_string(),
    }
}

/// Encodes one DER certificate as PEM.
pub fn encode_pem(der: &[u8]) -> String {
    encode_pem_block("CERTIFICATE", der)
}

/// Encodes DER as a PEM block with `label` (`CERTIFICATE`, `PRIVATE KEY`), 64 columns.
pub fn encode_pem_block(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_round_trips_and_der_is_accepted() {
        let der = vec![0x30, 0x03, 0x02, 0x01, 0x01];
        let pem = encode_pem(&der);
        assert_eq!(
            read_certificates(pem.as_bytes()).unwrap()[0].as_ref(),
            &der[..]
        );
        assert_eq!(read_certificates(&der).unwrap()[0].as_ref(), &der[..]);
    }

    #[test]
    fn empty_or_garbage_input_is_an_error() {
        assert!(matches!(read_certificates(b""), Err(Error::Empty)));
        assert!(matches!(read_certificates(b"hello"), Err(Error::Empty)));
        let broken = b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        assert!(read_certificates(broken).is_err());
    }

    #[test]
    fn too_many_certificates_are_refused_and_counted() {
        let pem = encode_pem(&[0x30, 0x00]).repeat(101);
        assert!(matches!(
            read_certificates(pem.as_bytes()),
            Err(Error::TooMany {
                count: 101,
                limit: MAX_CHAIN_LEN
            })
        ));
    }

    #[test]
    fn pem_errors_are_said_in_words() {
        let error = read_certificates(b"-----BEGIN CERTIFICATE-----\nMIIB\n").unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("no end line (\"-----END CERTIFICATE-----\")"),
            "{text}"
        );
        assert!(!text.contains("[45"), "{text}");
    }
}
