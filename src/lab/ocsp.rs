//! The lab's OCSP responder (RFC 6960) and its stapled responses, built with x509-ocsp's
//! response builder and signed by a delegated responder certificate ("Lab WR2 OCSP Responder",
//! issued by the lab intermediate with id-kp-OCSPSigning), as large CAs do.
//!
//! The responder answers by serial from a fixed table; a serial it does not know is `unknown`.
//! It echoes the request's nonce. One table entry answers with a corrupted signature.

use std::collections::HashMap;
use std::time::SystemTime;

use der::asn1::{BitString, ObjectIdentifier};
use der::{Decode, Encode};
use rcgen::KeyPair;
use rustls_pki_types::CertificateDer;
use spki::{AlgorithmIdentifierRef, SignatureAlgorithmIdentifier, SignatureBitStringEncoding};
use x509_cert::Certificate;
use x509_cert::ext::pkix::crl::CrlReason;
use x509_ocsp::builder::OcspResponseBuilder;
use x509_ocsp::ext::Nonce;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspGeneralizedTime, OcspRequest, OcspResponse,
    RevokedInfo, SingleResponse,
};

use super::Error;
use super::pki::Issued;
use crate::clock::{Clock, SystemClock};

const ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

/// What the responder says about a serial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// good
    Good,
    /// revoked (keyCompromise, at the response's thisUpdate minus a day)
    Revoked,
    /// good, but the signature is corrupted
    BadSignature,
}

/// Signs with an rcgen ECDSA P-256 key, for x509-ocsp's builder.
struct LabSigner<'a>(&'a KeyPair);

/// A DER ECDSA signature.
struct LabSignature(Vec<u8>);

impl SignatureBitStringEncoding for LabSignature {
    fn to_bitstring(&self) -> der::Result<BitString> {
        BitString::from_bytes(&self.0)
    }
}

impl SignatureAlgorithmIdentifier for LabSigner<'_> {
    type Params = der::AnyRef<'static>;
    const SIGNATURE_ALGORITHM_IDENTIFIER: AlgorithmIdentifierRef<'static> =
        AlgorithmIdentifierRef {
            oid: ECDSA_SHA256,
            parameters: None,
        };
}

impl signature::Signer<LabSignature> for LabSigner<'_> {
    fn try_sign(&self, message: &[u8]) -> Result<LabSignature, signature::Error> {
        rcgen::SigningKey::sign(self.0, message)
            .map(LabSignature)
            .map_err(|_| signature::Error::new())
    }
}

/// The responder's state: its certificate and key, and the answers by serial.
#[derive(Debug)]
pub struct Responder {
    cert: Certificate,
    key_der: Vec<u8>,
    answers: HashMap<Vec<u8>, Answer>,
}

impl Responder {
    /// A responder signing with `signer` (a delegated responder certificate).
    pub fn new(signer: &Issued, answers: HashMap<Vec<u8>, Answer>) -> Result<Self, Error> {
        let cert = Certificate::from_der(signer.der.as_ref()).map_err(lab_error)?;
        Ok(Self {
            cert,
            key_der: signer.key_der().to_vec(),
            answers,
        })
    }

    /// Answers a DER OCSP request: one SingleResponse per CertID, the nonce echoed.
    pub fn answer(&self, request_der: &[u8]) -> Vec<u8> {
        let Ok(request) = OcspRequest::from_der(request_der) else {
            return OcspResponse::malformed_request()
                .to_der()
                .unwrap_or_default();
        };
        let ids: Vec<CertId> = request
            .tbs_request
            .request_list
            .iter()
            .map(|single| single.req_cert.clone())
            .collect();
        self.respond(&ids, request.nonce(), SystemTime::from(SystemClock.now()))
            .unwrap_or_else(|_| OcspResponse::internal_error().to_der().unwrap_or_default())
    }

    /// A signed response about `ids` produced at `now` (thisUpdate an hour before, nextUpdate
    /// a week after).
    pub(crate) fn respond(
        &self,
        ids: &[CertId],
        nonce: Option<Nonce>,
        now: SystemTime,
    ) -> Result<Vec<u8>, Error> {
        let hour = std::time::Duration::from_secs(3600);
        let this_update = OcspGeneralizedTime::try_from(now - hour).map_err(lab_error)?;
        let next_update = OcspGeneralizedTime::try_from(now + 168 * hour).map_err(lab_error)?;
        let revoked_at = OcspGeneralizedTime::try_from(now - 24 * hour).map_err(lab_error)?;
        let mut corrupt = false;
        let mut builder = OcspResponseBuilder::new(self.cert.tbs_certificate.subject.clone());
        for id in ids {
            let serial = strip_zeros(id.serial_number.as_bytes());
            let status = match self.answers.get(serial) {
                Some(Answer::Good) => CertStatus::good(),
                Some(Answer::BadSignature) => {
                    corrupt = true;
                    CertStatus::good()
                }
                Some(Answer::Revoked) => CertStatus::revoked(RevokedInfo {
                    revocation_time: revoked_at,
                    revocation_reason: Some(CrlReason::KeyCompromise),
                }),
                None => CertStatus::unknown(),
            };
            builder = builder.with_single_response(
                SingleResponse::new(id.clone(), status, this_update).with_next_update(next_update),
            );
        }
        if let Some(nonce) = nonce {
            builder = builder.with_extension(nonce).map_err(lab_error)?;
        }
        let key = KeyPair::try_from(self.key_der.as_slice())?;
        let response = builder
            .sign(
                &mut LabSigner(&key),
                Some(vec![self.cert.clone()]),
                OcspGeneralizedTime::try_from(now).map_err(lab_error)?,
            )
            .map_err(lab_error)?;
        let response = if corrupt {
            corrupt_signature(response)?
        } else {
            response
        };
        response.to_der().map_err(lab_error)
    }

    /// A response about `leaf` issued by `issuer`, produced at `at` (a staple, or a saved
    /// response for `testcerts/`).
    pub fn response_for(
        &self,
        leaf: &CertificateDer<'_>,
        issuer: &CertificateDer<'_>,
        at: SystemTime,
    ) -> Result<Vec<u8>, Error> {
        let leaf = Certificate::from_der(leaf.as_ref()).map_err(lab_error)?;
        let issuer = Certificate::from_der(issuer.as_ref()).map_err(lab_error)?;
        let id = CertId::from_issuer::<sha1::Sha1>(&issuer, leaf.tbs_certificate.serial_number)
            .map_err(lab_error)?;
        self.respond(&[id], None, at)
    }
}

/// The same response with one bit of its signature flipped.
fn corrupt_signature(response: OcspResponse) -> Result<OcspResponse, Error> {
    let Some(bytes) = &response.response_bytes else {
        return Ok(response);
    };
    let mut basic = BasicOcspResponse::from_der(bytes.response.as_bytes()).map_err(lab_error)?;
    let mut signature = basic.signature.raw_bytes().to_vec();
    if let Some(last) = signature.last_mut() {
        *last ^= 0x01;
    }
    basic.signature = BitString::from_bytes(&signature).map_err(lab_error)?;
    OcspResponse::successful(basic).map_err(lab_error)
}

/// A serial without leading zero bytes, as the responder keys its table.
pub(super) fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let skip = bytes.iter().take_while(|byte| **byte == 0).count();
    &bytes[skip.min(bytes.len().saturating_sub(1))..]
}

fn lab_error(error: impl std::fmt::Display) -> Error {
    Error::Io(std::io::Error::other(error.to_string()))
}
