//! OCSP (RFC 6960): building a request for one certificate, and judging a response about it.
//!
//! A response is used only when its signature verifies with the issuer's key, or with a
//! delegated responder certificate that the issuer signed, that carries id-kp-OCSPSigning and
//! that was valid when the response was produced (the local clock plays no part in trusting the
//! signer, so a machine with a wrong clock still learns the responder's time). Then the CertID
//! must match (hash algorithm OID, name and key hashes, serial — never the algorithm's
//! parameters, which responders encode differently), the nonce must be ours if echoed, and
//! thisUpdate/nextUpdate must hold `at` within the leeway. The signature is checked over the
//! tbsResponseData bytes as sent.

use der::asn1::{Null, ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use ring::digest;
use spki::AlgorithmIdentifierOwned;
use time::{Duration, OffsetDateTime};
use x509_cert::serial_number::SerialNumber;
use x509_ocsp::builder::OcspRequestBuilder;
use x509_ocsp::ext::Nonce;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspGeneralizedTime, OcspResponse, OcspResponseStatus,
    Request, SingleResponse, Version,
};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use super::links::{IssuerKey, Subject};
use super::outcome::{NonceState, SourceFacts, Status, Unavailable, outside_window};
use crate::chain::CertInfo;
use crate::chain::asn1;
use crate::chain::signature;
use crate::clock::rfc3339;

const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
const BASIC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");

/// Bytes of nonce sent (RFC 8954: 1 to 32).
pub const NONCE_LEN: usize = 16;

/// The DER OCSP request for `subject` (CertID with SHA-1, as every responder accepts), with
/// `nonce` when given.
pub fn request(
    subject: &Subject,
    issuer: &IssuerKey,
    nonce: Option<&[u8]>,
) -> Result<Vec<u8>, String> {
    let encode_error = |error: der::Error| format!("the OCSP request cannot be encoded: {error}");
    let hash = |bytes: &[u8]| {
        OctetString::new(
            digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, bytes)
                .as_ref()
                .to_vec(),
        )
    };
    let cert_id = CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: SHA1,
            parameters: Some(Null.into()),
        },
        issuer_name_hash: hash(&issuer.name).map_err(encode_error)?,
        issuer_key_hash: hash(&issuer.key_bits).map_err(encode_error)?,
        serial_number: SerialNumber::new(strip_zeros(&subject.serial)).map_err(encode_error)?,
    };
    let mut builder = OcspRequestBuilder::new(Version::V1).with_request(Request::new(cert_id));
    if let Some(nonce) = nonce {
        let nonce = Nonce::new(nonce).map_err(encode_error)?;
        builder = builder
            .with_extension(nonce)
            .map_err(|error| format!("the OCSP nonce cannot be encoded: {error}"))?;
    }
    builder.build().to_der().map_err(encode_error)
}

/// What a response says about `subject`, judged at `at` with `leeway`; `sent_nonce` is the
/// nonce of our request (none for staples and saved responses).
pub(super) fn check(
    bytes: &[u8],
    subject: &Subject,
    issuer: &IssuerKey,
    sent_nonce: Option<&[u8]>,
    at: OffsetDateTime,
    leeway: Duration,
) -> (Status, SourceFacts) {
    let mut facts = SourceFacts {
        bytes: Some(bytes.len()),
        nonce: Some(NonceState::NotSent),
        ..SourceFacts::default()
    };
    let status = judge(bytes, subject, issuer, sent_nonce, at, leeway, &mut facts);
    (status, facts)
}

fn judge(
    bytes: &[u8],
    subject: &Subject,
    issuer: &IssuerKey,
    sent_nonce: Option<&[u8]>,
    at: OffsetDateTime,
    leeway: Duration,
    facts: &mut SourceFacts,
) -> Status {
    let Ok(response) = OcspResponse::from_der(bytes) else {
        return Status::unavailable(
            Unavailable::Malformed,
            asn1::describe_garbage("an OCSP response", bytes),
        );
    };
    if response.response_status != OcspResponseStatus::Successful {
        let name = match response.response_status {
            OcspResponseStatus::MalformedRequest => "malformedRequest",
            OcspResponseStatus::InternalError => "internalError",
            OcspResponseStatus::TryLater => "tryLater",
            OcspResponseStatus::SigRequired => "sigRequired",
            OcspResponseStatus::Unauthorized => "unauthorized",
            OcspResponseStatus::Successful => "successful",
        };
        return Status::unavailable(
            Unavailable::ResponderError,
            format!("the responder answered {name}"),
        );
    }
    let Some(response_bytes) = response.response_bytes else {
        return Status::unavailable(
            Unavailable::Malformed,
            "a successful OCSP response without a body",
        );
    };
    if response_bytes.response_type != BASIC {
        return Status::unavailable(
            Unavailable::Unsupported,
            format!(
                "OCSP response type {} is not id-pkix-ocsp-basic",
                response_bytes.response_type
            ),
        );
    }
    let basic_der = response_bytes.response.as_bytes();
    // The signature is checked over the parts as sent, not over a re-encoding.
    let (Ok(basic), Some(signed)) = (
        BasicOcspResponse::from_der(basic_der),
        asn1::signed(basic_der),
    ) else {
        return Status::unavailable(
            Unavailable::Malformed,
            "the BasicOCSPResponse cannot be decoded",
        );
    };
    let data = &basic.tbs_response_data;
    let produced_at = to_time(&data.produced_at);
    facts.produced_at = Some(produced_at);
    let Some(single) = data
        .responses
        .iter()
        .find(|single| matches(single, subject, issuer))
    else {
        return Status::unavailable(
            Unavailable::NotForThisCertificate,
            "the response is about other certificates (no matching CertID)",
        );
    };
    match signer(&signed, issuer, produced_at) {
        Ok((responder, verified)) => {
            facts.responder = Some(responder);
            facts.signature_algorithm = Some(verified.algorithm);
            facts.authenticated = true;
        }
        Err(why) => return Status::unavailable(Unavailable::BadSignature, why),
    }
    let this_update = to_time(&single.this_update);
    facts.this_update = Some(this_update);
    facts.next_update = single.next_update.as_ref().map(to_time);
    if let Some(sent) = sent_nonce {
        match basic.nonce() {
            Some(echoed) if echoed.0.as_bytes() == sent => facts.nonce = Some(NonceState::Echoed),
            Some(_) => {
                return Status::unavailable(
                    Unavailable::NonceMismatch,
                    "the response carries another request's nonce",
                );
            }
            None => facts.nonce = Some(NonceState::Ignored),
        }
    }
    if let Some(status) = outside_window("the response", this_update, facts.next_update, at, leeway)
    {
        return status;
    }
    match &single.cert_status {
        CertStatus::Good(_) => Status::Good,
        CertStatus::Revoked(info) => Status::Revoked {
            reason: info.revocation_reason.map(|reason| format!("{reason:?}")),
            revoked_at: Some(to_time(&info.revocation_time)),
        },
        CertStatus::Unknown(_) => Status::unavailable(
            Unavailable::UnknownStatus,
            "the certificate is unknown to the responder",
        ),
    }
}

/// Who signed: the issuer itself, or a delegated responder among the response's certificates
/// (read as sent, so their signatures are checked over their own bytes).
fn signer(
    signed: &asn1::Signed<'_>,
    issuer: &IssuerKey,
    produced_at: OffsetDateTime,
) -> Result<(String, signature::Verified), String> {
    let verify = |spki: &[u8]| signature::verify_signed(signed, spki);
    if let Ok(verified) = verify(&issuer.spki) {
        return Ok(("issuer".to_owned(), verified));
    }
    let mut reasons = Vec::new();
    for der in embedded_certificates(signed.rest) {
        match delegated(der, issuer, produced_at) {
            Ok((name, spki)) => match verify(&spki) {
                Ok(verified) => return Ok((format!("delegated responder {name}"), verified)),
                Err(error) => reasons.push(format!("{name}: {error}")),
            },
            Err(why) => reasons.push(why),
        }
    }
    Err(if reasons.is_empty() {
        "the response's signature verifies with neither the issuer's key nor a delegated responder's".to_owned()
    } else {
        format!(
            "the response is not signed by the issuer, and no delegated responder qualifies ({})",
            reasons.join("; ")
        )
    })
}

/// The certificates of a BasicOCSPResponse (`certs [0] EXPLICIT SEQUENCE OF Certificate`), as
/// sent; at most 16 are read.
fn embedded_certificates(rest: &[u8]) -> Vec<&[u8]> {
    let Some((list, _)) =
        asn1::expect(rest, 0xa0).and_then(|(tagged, _)| asn1::expect(tagged.contents, 0x30))
    else {
        return Vec::new();
    };
    let mut certs = Vec::new();
    let mut remaining = list.contents;
    while certs.len() < 16
        && let Some((cert, next)) = asn1::expect(remaining, 0x30)
    {
        certs.push(cert.whole);
        remaining = next;
    }
    certs
}

/// A delegated responder: issued and signed by `issuer`, EKU id-kp-OCSPSigning, valid at
/// `produced_at`. Returns its subject and SPKI.
fn delegated(
    der: &[u8],
    issuer: &IssuerKey,
    produced_at: OffsetDateTime,
) -> Result<(String, Vec<u8>), String> {
    let (_, cert) = X509Certificate::from_der(der)
        .map_err(|_| "a responder certificate cannot be parsed".to_owned())?;
    let name = CertInfo::parse(der)
        .map(|info| info.subject)
        .unwrap_or_default();
    if cert.issuer().as_raw() != issuer.name.as_slice() {
        return Err(format!("{name} is not issued by the certificate's issuer"));
    }
    let signed = asn1::signed(der).ok_or_else(|| format!("{name} cannot be parsed"))?;
    signature::verify_signed(&signed, &issuer.spki)
        .map_err(|error| format!("{name} is not signed by the issuer: {error}"))?;
    let ocsp_signing = cert
        .extended_key_usage()
        .ok()
        .flatten()
        .is_some_and(|eku| eku.value.ocsp_signing);
    if !ocsp_signing {
        return Err(format!(
            "{name} lacks the id-kp-OCSPSigning extended key usage"
        ));
    }
    let validity = cert.validity();
    let (not_before, not_after) = (
        validity.not_before.to_datetime(),
        validity.not_after.to_datetime(),
    );
    if produced_at < not_before || produced_at > not_after {
        return Err(format!(
            "{name} was not valid when the response was produced ({})",
            rfc3339(produced_at)
        ));
    }
    Ok((name, cert.public_key().raw.to_vec()))
}

/// Whether a SingleResponse's CertID is `subject`'s (algorithm OID, hashes, serial).
fn matches(single: &SingleResponse, subject: &Subject, issuer: &IssuerKey) -> bool {
    let id = &single.cert_id;
    let algorithm = match id.hash_algorithm.oid {
        SHA1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
        SHA256 => &digest::SHA256,
        SHA384 => &digest::SHA384,
        SHA512 => &digest::SHA512,
        _ => return false,
    };
    id.issuer_name_hash.as_bytes() == digest::digest(algorithm, &issuer.name).as_ref()
        && id.issuer_key_hash.as_bytes() == digest::digest(algorithm, &issuer.key_bits).as_ref()
        && strip_zeros(id.serial_number.as_bytes()) == strip_zeros(&subject.serial)
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let skip = bytes.iter().take_while(|byte| **byte == 0).count();
    if skip == bytes.len() {
        &bytes[bytes.len().saturating_sub(1)..]
    } else {
        &bytes[skip..]
    }
}

fn to_time(time: &OcspGeneralizedTime) -> OffsetDateTime {
    let secs = time.0.to_unix_duration().as_secs();
    OffsetDateTime::from_unix_timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::lab::{Answer, LabPki, Responder, Scenario};
    use crate::revocation::links::{Depth, links};

    /// The revoked-by-ocsp leaf's link, a response about it (nonce `nonce`) and the time.
    fn setup(nonce: Option<&[u8]>) -> (crate::revocation::Link, Vec<u8>, OffsetDateTime) {
        let pki = LabPki::generate().unwrap_or_else(|_| unreachable!());
        let certs = pki
            .scenario(Scenario::RevokedByOcsp)
            .unwrap_or_else(|| unreachable!());
        let anchor =
            webpki::anchor_from_trusted_cert(&pki.root.der).unwrap_or_else(|_| unreachable!());
        let link = links(&certs.served, None, Some(&anchor), None, Depth::Leaf).remove(0);
        let issuer = link.issuer.clone().unwrap_or_else(|| unreachable!());
        let request = request(&link.subject, &issuer, nonce).unwrap_or_else(|_| unreachable!());
        let serial = strip_zeros(&link.subject.serial).to_vec();
        let responder = Responder::new(&pki.ocsp_signer, HashMap::from([(serial, Answer::Good)]))
            .unwrap_or_else(|_| unreachable!());
        let at = time::macros::datetime!(2030-01-01 00:00 UTC);
        (link, responder.answer(&request), at)
    }

    /// Checks `response` as an answer to a request that carried `sent`.
    fn answer(
        link: &crate::revocation::Link,
        response: &[u8],
        sent: &[u8],
        at: OffsetDateTime,
    ) -> (Status, SourceFacts) {
        let issuer = link.issuer.as_ref().unwrap_or_else(|| unreachable!());
        check(
            response,
            &link.subject,
            issuer,
            Some(sent),
            at,
            Duration::days(3650),
        )
    }

    #[test]
    fn a_nonce_is_echoed_by_the_lab_responder_and_checked() {
        let (link, response, at) = setup(Some(b"0123456789abcdef"));
        let (status, facts) = answer(&link, &response, b"0123456789abcdef", at);
        assert_eq!(
            (status, facts.nonce),
            (Status::Good, Some(NonceState::Echoed))
        );
        // Another request's nonce is refused.
        let (status, _) = answer(&link, &response, b"fedcba9876543210", at);
        assert!(matches!(
            status,
            Status::Unavailable {
                reason: Unavailable::NonceMismatch,
                ..
            }
        ));
    }

    #[test]
    fn a_responder_ignoring_the_nonce_is_accepted_and_said_so() {
        let (link, response, at) = setup(None);
        let (status, facts) = answer(&link, &response, b"0123456789abcdef", at);
        assert_eq!(
            (status, facts.nonce),
            (Status::Good, Some(NonceState::Ignored))
        );
    }

    #[test]
    fn responder_errors_are_named() {
        let (link, _, at) = setup(None);
        let issuer = link.issuer.as_ref().unwrap_or_else(|| unreachable!());
        for (code, name) in [
            (1u8, "malformedRequest"),
            (3, "tryLater"),
            (6, "unauthorized"),
        ] {
            let (status, _) = check(
                &[0x30, 0x03, 0x0a, 0x01, code],
                &link.subject,
                issuer,
                None,
                at,
                Duration::ZERO,
            );
            let Status::Unavailable { reason, detail } = status else {
                unreachable!("an error status is never good")
            };
            assert_eq!(reason, Unavailable::ResponderError);
            assert!(detail.contains(name), "{detail}");
        }
    }
}
