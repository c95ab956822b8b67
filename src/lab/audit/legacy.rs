//! RSA keys for the audit cases ring cannot sign: certificates signed with SHA-1 or MD5, and a
//! TLS server whose leaf key is RSA-1024. Keys are generated at run time (none ships in the
//! binary) with the `rsa` crate.
//!
//! rcgen knows only SHA-256-and-up RSA signatures, so [`LegacySigner`] signs as
//! sha256WithRSAEncryption would and rewrites the algorithm: the OIDs differ in their last byte
//! only (`…01 01 0b` SHA-256, `…01 01 05` SHA-1, `…01 01 04` MD5), so lengths are unchanged. The
//! TBS is rewritten before it is hashed and signed, and [`LegacyDigest::patch_certificate`]
//! makes the same change to the finished certificate, whose signature then matches.

use std::sync::Arc;

use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::pkcs8::EncodePrivateKey;
use rsa::rand_core::OsRng;
use rsa::{Pkcs1v15Sign, Pss, RsaPrivateKey};
use rustls::SignatureScheme;
use sha2::Digest;

use super::super::Error;

/// The DER of the sha256WithRSAEncryption OID (with its tag and length) rcgen writes.
const SHA256_WITH_RSA: [u8; 11] = [
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b,
];

/// The digest a legacy certificate signature uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegacyDigest {
    /// sha1WithRSAEncryption.
    Sha1,
    /// md5WithRSAEncryption.
    Md5,
}

impl LegacyDigest {
    /// The last byte of the algorithm's OID (`1.2.840.113549.1.1.x`).
    fn oid_last_byte(self) -> u8 {
        match self {
            Self::Sha1 => 0x05,
            Self::Md5 => 0x04,
        }
    }

    /// Rewrites the first `count` sha256WithRSAEncryption OIDs in `der` to this digest's.
    fn patch(self, der: &mut [u8], count: usize) -> usize {
        let mut patched = 0;
        let mut at = 0;
        while patched < count && at + SHA256_WITH_RSA.len() <= der.len() {
            if der[at..].starts_with(&SHA256_WITH_RSA) {
                der[at + SHA256_WITH_RSA.len() - 1] = self.oid_last_byte();
                patched += 1;
                at += SHA256_WITH_RSA.len();
            } else {
                at += 1;
            }
        }
        patched
    }

    /// Rewrites a certificate rcgen signed with a [`LegacySigner`]: the algorithm in the TBS and
    /// in the outer `signatureAlgorithm`.
    pub(crate) fn patch_certificate(self, der: &mut [u8]) -> Result<(), Error> {
        match self.patch(der, 2) {
            2 => Ok(()),
            found => Err(legacy_error(format!(
                "expected 2 signature algorithm identifiers, found {found}"
            ))),
        }
    }

    fn digest_info(self, message: &[u8]) -> (Pkcs1v15Sign, Vec<u8>) {
        match self {
            Self::Sha1 => (
                Pkcs1v15Sign::new::<sha1::Sha1>(),
                sha1::Sha1::digest(message).to_vec(),
            ),
            Self::Md5 => (
                Pkcs1v15Sign::new::<md5::Md5>(),
                md5::Md5::digest(message).to_vec(),
            ),
        }
    }
}

/// An RSA key pair.
#[derive(Debug, Clone)]
pub struct RsaKey {
    key: RsaPrivateKey,
    public_pkcs1: Vec<u8>,
}

impl RsaKey {
    /// A fresh key of `bits` bits.
    pub fn generate(bits: usize) -> Result<Self, Error> {
        let key = RsaPrivateKey::new(&mut OsRng, bits).map_err(legacy_error)?;
        let public_pkcs1 = key
            .to_public_key()
            .to_pkcs1_der()
            .map_err(legacy_error)?
            .into_vec();
        Ok(Self { key, public_pkcs1 })
    }

    /// The private key, PKCS#8 DER.
    pub fn pkcs8_der(&self) -> Result<Vec<u8>, Error> {
        Ok(self
            .key
            .to_pkcs8_der()
            .map_err(legacy_error)?
            .as_bytes()
            .to_vec())
    }

    /// A signer for rcgen that makes `digest` signatures (see the module docs).
    pub(crate) fn certificate_signer(&self, digest: LegacyDigest) -> LegacySigner<'_> {
        LegacySigner { key: self, digest }
    }

    /// This key as a rustls server key (PKCS#1 v1.5 or PSS with SHA-256), for keys ring refuses.
    pub(crate) fn tls_key(&self) -> Arc<dyn rustls::sign::SigningKey> {
        Arc::new(TlsRsaKey(Arc::new(self.key.clone())))
    }
}

impl rcgen::PublicKeyData for RsaKey {
    fn der_bytes(&self) -> &[u8] {
        &self.public_pkcs1
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_RSA_SHA256
    }
}

/// Signs certificates with SHA-1 or MD5 (see the module docs).
#[derive(Debug)]
pub struct LegacySigner<'a> {
    key: &'a RsaKey,
    digest: LegacyDigest,
}

impl rcgen::PublicKeyData for LegacySigner<'_> {
    fn der_bytes(&self) -> &[u8] {
        &self.key.public_pkcs1
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_RSA_SHA256
    }
}

impl rcgen::SigningKey for LegacySigner<'_> {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        let mut tbs = message.to_vec();
        if self.digest.patch(&mut tbs, 1) != 1 {
            return Err(rcgen::Error::RemoteKeyError);
        }
        let (padding, hashed) = self.digest.digest_info(&tbs);
        self.key
            .key
            .sign(padding, &hashed)
            .map_err(|_| rcgen::Error::RemoteKeyError)
    }
}

/// A rustls server key backed by the `rsa` crate.
#[derive(Debug)]
struct TlsRsaKey(Arc<RsaPrivateKey>);

impl rustls::sign::SigningKey for TlsRsaKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn rustls::sign::Signer>> {
        [
            SignatureScheme::RSA_PSS_SHA256,
            SignatureScheme::RSA_PKCS1_SHA256,
        ]
        .into_iter()
        .find(|scheme| offered.contains(scheme))
        .map(|scheme| {
            Box::new(TlsRsaSigner {
                key: Arc::clone(&self.0),
                scheme,
            }) as Box<dyn rustls::sign::Signer>
        })
    }

    fn algorithm(&self) -> rustls::SignatureAlgorithm {
        rustls::SignatureAlgorithm::RSA
    }
}

#[derive(Debug)]
struct TlsRsaSigner {
    key: Arc<RsaPrivateKey>,
    scheme: SignatureScheme,
}

impl rustls::sign::Signer for TlsRsaSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        let hashed = sha2::Sha256::digest(message);
        let signed = if self.scheme == SignatureScheme::RSA_PSS_SHA256 {
            self.key
                .sign_with_rng(&mut OsRng, Pss::new::<sha2::Sha256>(), &hashed)
        } else {
            self.key.sign(Pkcs1v15Sign::new::<sha2::Sha256>(), &hashed)
        };
        signed.map_err(|error| rustls::Error::General(error.to_string()))
    }

    fn scheme(&self) -> SignatureScheme {
        self.scheme
    }
}

fn legacy_error(error: impl std::fmt::Display) -> Error {
    Error::Io(std::io::Error::other(format!("legacy RSA: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

    fn verify(
        der: &[u8],
        issuer_spki_key: &[u8],
        algorithm: &'static dyn ring::signature::VerificationAlgorithm,
    ) -> bool {
        let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
            return false;
        };
        let key = ring::signature::UnparsedPublicKey::new(algorithm, issuer_spki_key);
        key.verify(cert.tbs_certificate.as_ref(), &cert.signature_value.data)
            .is_ok()
    }

    #[test]
    fn sha1_certificates_carry_the_sha1_oid_and_a_signature_that_verifies() {
        let ca_key = RsaKey::generate(2048).unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.distinguished_name.push(DnType::CommonName, "legacy");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let issuer = Issuer::new(ca, ca_key.certificate_signer(LegacyDigest::Sha1));
        let leaf_key = KeyPair::generate().unwrap();
        let params = CertificateParams::new(vec!["sha1.test".to_owned()]).unwrap();
        let mut der = params.signed_by(&leaf_key, &issuer).unwrap().der().to_vec();
        LegacyDigest::Sha1.patch_certificate(&mut der).unwrap();
        let (_, cert) = x509_parser::parse_x509_certificate(&der).unwrap();
        assert_eq!(
            cert.signature_algorithm.algorithm.to_id_string(),
            "1.2.840.113549.1.1.5"
        );
        assert!(verify(
            &der,
            &ca_key.public_pkcs1,
            &ring::signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY
        ));
        assert!(!verify(
            &der,
            &ca_key.public_pkcs1,
            &ring::signature::RSA_PKCS1_2048_8192_SHA256
        ));
    }
}
