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

/// A PEM error in words (the library's own text prints byte lists).
pub(crate) fn describe_pem_error(error: &rustls_pki_types::pem::Error) -> String {
    use rustls_pki_types::pem::Error as Pem;
    let quoted = |bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes);
        let short: String = text.chars().take(60).collect();
        crate::report::sanitize::sanitize(&short).into_owned()
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
        Pem::Base64Decode(detail) => format!("a section is not valid base64 ({detail})"),
        other => other.to_string(),
    }
}

/// Encodes one DER certificate as PEM.
pub fn encode_pem(der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
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
