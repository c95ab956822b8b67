//! Signature checks over signed structures as sent (CRLs, OCSP responses, delegated responder
//! certificates, and the certificates of revocation links and of RFC 5280 path validation): the
//! algorithm identifier and the signer's SPKI pick a ring algorithm.
//!
//! Old OCSP responders still sign with sha1WithRSA, which webpki refuses; it is accepted here and
//! reported as weak, because an answer must be read before it can be judged.

use der::Decode;
use der::asn1::ObjectIdentifier;
use ring::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};

use super::asn1::Signed;

const SHA1_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5");
const SHA256_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const SHA384_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const SHA512_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
const ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum SignatureError {
    /// The signer's public key cannot be read.
    #[error("the signer's public key cannot be parsed")]
    BadKey,
    /// An algorithm this tool does not verify (RSA-PSS, DSA, …).
    #[error("unsupported signature algorithm {0}")]
    Unsupported(String),
    /// The signature does not match the data and key.
    #[error("the signature does not verify with the signer's key")]
    Invalid,
}

/// The name of the algorithm that verified a signature, and whether it is weak (SHA-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Verified {
    /// For example `ecdsa-with-SHA256`.
    pub algorithm: &'static str,
    /// SHA-1 based.
    pub weak: bool,
}

/// Verifies a signed structure (certificate, CRL, OCSP BasicResponse), as sent, with the key of
/// `spki_der` (a full SubjectPublicKeyInfo).
pub(crate) fn verify_signed(
    signed: &Signed<'_>,
    spki_der: &[u8],
) -> Result<Verified, SignatureError> {
    verify(
        spki_der,
        signed.algorithm,
        signed.tbs.whole,
        signed.signature,
    )
}

/// Verifies `signature` over `message` with the key of `spki_der` (a full SubjectPublicKeyInfo),
/// for the algorithm of `algorithm_der` (a full AlgorithmIdentifier).
fn verify(
    spki_der: &[u8],
    algorithm_der: &[u8],
    message: &[u8],
    signature_bytes: &[u8],
) -> Result<Verified, SignatureError> {
    let spki = SubjectPublicKeyInfoRef::from_der(spki_der).map_err(|_| SignatureError::BadKey)?;
    let algorithm = AlgorithmIdentifierRef::from_der(algorithm_der)
        .map_err(|_| SignatureError::Unsupported("(unparsable identifier)".into()))?;
    let key = spki
        .subject_public_key
        .as_bytes()
        .ok_or(SignatureError::BadKey)?;
    let curve = (spki.algorithm.oid == EC_PUBLIC_KEY)
        .then(|| spki.algorithm.parameters_oid().ok())
        .flatten();
    let (name, weak, ring_algorithm): (_, _, &dyn VerificationAlgorithm) =
        match (algorithm.oid, curve) {
            (SHA1_RSA, None) => (
                "sha1WithRSAEncryption",
                true,
                &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
            ),
            (SHA256_RSA, None) => (
                "sha256WithRSAEncryption",
                false,
                &signature::RSA_PKCS1_2048_8192_SHA256,
            ),
            (SHA384_RSA, None) => (
                "sha384WithRSAEncryption",
                false,
                &signature::RSA_PKCS1_2048_8192_SHA384,
            ),
            (SHA512_RSA, None) => (
                "sha512WithRSAEncryption",
                false,
                &signature::RSA_PKCS1_2048_8192_SHA512,
            ),
            (ECDSA_SHA256, Some(P256)) => (
                "ecdsa-with-SHA256",
                false,
                &signature::ECDSA_P256_SHA256_ASN1,
            ),
            (ECDSA_SHA256, Some(P384)) => (
                "ecdsa-with-SHA256",
                false,
                &signature::ECDSA_P384_SHA256_ASN1,
            ),
            (ECDSA_SHA384, Some(P256)) => (
                "ecdsa-with-SHA384",
                false,
                &signature::ECDSA_P256_SHA384_ASN1,
            ),
            (ECDSA_SHA384, Some(P384)) => (
                "ecdsa-with-SHA384",
                false,
                &signature::ECDSA_P384_SHA384_ASN1,
            ),
            (ED25519, None) => ("Ed25519", false, &signature::ED25519),
            (other, _) => return Err(SignatureError::Unsupported(other.to_string())),
        };
    UnparsedPublicKey::new(ring_algorithm, key)
        .verify(message, signature_bytes)
        .map_err(|_| SignatureError::Invalid)?;
    Ok(Verified {
        algorithm: name,
        weak,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_keys_and_algorithms_are_errors_not_panics() {
        assert_eq!(
            verify(b"\x30\x00", b"\x30\x00", b"m", b"s"),
            Err(SignatureError::BadKey)
        );
        let key = rcgen::KeyPair::generate().unwrap_or_else(|_| unreachable!());
        let spki = rcgen::PublicKeyData::subject_public_key_info(&key);
        // md5WithRSAEncryption is not verified.
        let md5 = [
            0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x04, 0x05,
            0x00,
        ];
        assert!(matches!(
            verify(&spki, &md5, b"m", b"s"),
            Err(SignatureError::Unsupported(_))
        ));
    }

    #[test]
    fn an_ecdsa_signature_verifies_and_a_flipped_bit_does_not() {
        let key = rcgen::KeyPair::generate().unwrap_or_else(|_| unreachable!());
        let spki = rcgen::PublicKeyData::subject_public_key_info(&key);
        let algorithm = [
            0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
        ];
        let mut signed =
            rcgen::SigningKey::sign(&key, b"message").unwrap_or_else(|_| unreachable!());
        let verified = verify(&spki, &algorithm, b"message", &signed);
        assert_eq!(verified.map(|v| v.algorithm), Ok("ecdsa-with-SHA256"));
        signed[10] ^= 1;
        assert_eq!(
            verify(&spki, &algorithm, b"message", &signed),
            Err(SignatureError::Invalid)
        );
    }
}
