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
            certs.push(cert.map_err(|error| Error::Pem(error.to_string()))?);
            if certs.len() > limit {
                return Err(Error::TooMany {
                    count: certs.len(),
                    limit,
                });
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
    fn too_many_certificates_are_refused() {
        let pem = encode_pem(&[0x30, 0x00]).repeat(MAX_CHAIN_LEN + 1);
        assert!(matches!(
            read_certificates(pem.as_bytes()),
            Err(Error::TooMany { .. })
        ));
    }
}
