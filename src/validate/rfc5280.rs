//! RFC 5280 path validation (§6.1, without policies) for the chains rustls-webpki refuses for
//! want of a feature, not for a fault: names that match by RFC 5280 §7.1's comparison but not
//! byte for byte (case, white space, PrintableString rolled over to UTF8String), a validity time
//! before 1970, issuer and subject unique identifiers. OpenSSL, browsers' verifiers and CryptoAPI
//! accept such paths.
//!
//! It is asked only once webpki has refused, and a path it builds counts only when it needs one
//! of those features (a [`Gap`]); otherwise webpki's refusal stands. It is never more lenient than
//! webpki on anything else: every certificate must decode as strict DER; issuers must be CAs
//! whose key usage allows keyCertSign, within their path length (self-issued ones counted, as
//! webpki counts them), valid at the instant, with serverAuth in any EKU; signatures must verify
//! with an algorithm webpki accepts (no SHA-1); the end entity must not be a CA; and any critical
//! extension other than name constraints, basic constraints, key usage, extended key
//! usage and subject alternative names, makes it give up. E-mail and URI name constraints, which
//! webpki refuses to process, are judged here ([`super::constraints`]); any other form of name
//! constraint makes it give up.

use rustls_pki_types::{CertificateDer, TrustAnchor};
use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::oid_registry::{
    OID_X509_EXT_BASIC_CONSTRAINTS, OID_X509_EXT_EXTENDED_KEY_USAGE, OID_X509_EXT_KEY_USAGE,
    OID_X509_EXT_NAME_CONSTRAINTS, OID_X509_EXT_SUBJECT_ALT_NAME,
};
use x509_parser::prelude::FromDer;

use super::anchors::AnchorSet;
use super::constraints::Constraints;
use super::path::BuiltPath;
use crate::chain::names::same_name;
use crate::chain::{asn1, signature, wrap_sequence};

/// The most intermediates a path may have (webpki's bound too).
const MAX_INTERMEDIATES: usize = 6;
/// The most signatures one search verifies.
const MAX_SIGNATURES: usize = 100;

/// Why webpki could not build a path this module built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Gap {
    /// The presented certificate concerned.
    pub(crate) index: usize,
    /// What webpki lacks, in words.
    pub(crate) what: String,
}

/// A path built here, and the features of it webpki lacks.
#[derive(Debug, Clone)]
pub(crate) struct Rfc5280Path {
    /// The path.
    pub(crate) built: BuiltPath,
    /// Why webpki refused it (never empty).
    pub(crate) gaps: Vec<Gap>,
}

/// One presented certificate as this module reads it.
struct Parsed<'a> {
    der: &'a [u8],
    cert: X509Certificate<'a>,
}

impl<'a> Parsed<'a> {
    /// Reads a certificate that decodes as strict DER; `None` otherwise. (The strict decoder
    /// cannot represent a time before 1970 either: that one refusal is left to [`before_1970`].)
    fn new(der: &'a [u8]) -> Option<Self> {
        let strict = <x509_cert::Certificate as der::Decode>::from_der(der);
        let (rest, cert) = X509Certificate::from_der(der).ok()?;
        let parsed = Self { der, cert };
        let strict = match strict {
            Ok(_) => true,
            Err(error) => {
                let time = [der::Tag::UtcTime, der::Tag::GeneralizedTime]
                    .iter()
                    .any(|tag| error.kind() == der::ErrorKind::Value { tag: *tag });
                (time || error.kind() == der::ErrorKind::DateTime) && before_1970(&parsed)
            }
        };
        (strict && rest.is_empty()).then_some(parsed)
    }

    fn valid_at(&self, at: OffsetDateTime) -> bool {
        let validity = self.cert.validity();
        validity.not_before.to_datetime() <= at && at <= validity.not_after.to_datetime()
    }

    /// No critical extension beyond those this module checks, and name constraints only on
    /// e-mail addresses and URIs.
    fn extensions_understood(&self) -> bool {
        self.cert.extensions().iter().all(|extension| {
            let oid = &extension.oid;
            if *oid == OID_X509_EXT_NAME_CONSTRAINTS {
                return Constraints::of(&self.cert) != Constraints::NotJudged;
            }
            !extension.critical
                || *oid == OID_X509_EXT_BASIC_CONSTRAINTS
                || *oid == OID_X509_EXT_KEY_USAGE
                || *oid == OID_X509_EXT_EXTENDED_KEY_USAGE
                || *oid == OID_X509_EXT_SUBJECT_ALT_NAME
        })
    }

    fn is_ca(&self) -> bool {
        matches!(self.cert.basic_constraints(), Ok(Some(constraints)) if constraints.value.ca)
    }

    /// Whether an EKU, when present, allows serverAuth.
    fn serves_tls(&self) -> bool {
        match self.cert.extended_key_usage() {
            Ok(None) => true,
            Ok(Some(usage)) => usage.value.server_auth,
            Err(_) => false,
        }
    }

    /// Whether it may issue a certificate with `below` intermediates under it, at `at`.
    fn may_issue(&self, below: usize, at: OffsetDateTime) -> bool {
        let Ok(Some(constraints)) = self.cert.basic_constraints() else {
            return false;
        };
        let within_length = constraints
            .value
            .path_len_constraint
            .is_none_or(|length| usize::try_from(length).is_ok_and(|length| below <= length));
        let key_usage = match self.cert.key_usage() {
            Ok(None) => true,
            Ok(Some(usage)) => usage.value.key_cert_sign(),
            Err(_) => false,
        };
        constraints.value.ca
            && within_length
            && key_usage
            && self.valid_at(at)
            && self.serves_tls()
            && self.extensions_understood()
    }

    fn issuer(&self) -> &[u8] {
        self.cert.issuer().as_raw()
    }

    fn subject(&self) -> &[u8] {
        self.cert.subject().as_raw()
    }
}

/// Whether the key of `spki` (a full SubjectPublicKeyInfo) signed `der` with an algorithm webpki
/// accepts.
fn signed_by(der: &[u8], spki: &[u8], budget: &mut usize) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    let Some(signed) = asn1::signed(der) else {
        return false;
    };
    signature::verify_signed(&signed, spki).is_ok_and(|verified| !verified.weak)
}

/// Builds a path from the leaf of `chain` through the other presented certificates to an anchor
/// of `set`, valid at `at`; `None` unless one exists and webpki lacks a feature it needs.
pub(crate) fn build(
    chain: &[CertificateDer<'static>],
    set: &AnchorSet,
    at: OffsetDateTime,
) -> Option<Rfc5280Path> {
    let certs: Vec<Option<Parsed<'_>>> = chain.iter().map(|der| Parsed::new(der)).collect();
    let leaf = certs.first()?.as_ref()?;
    if leaf.is_ca() || !leaf.valid_at(at) || !leaf.serves_tls() || !leaf.extensions_understood() {
        return None;
    }
    let mut path = vec![0];
    let mut budget = MAX_SIGNATURES;
    let anchor_index = extend(&mut path, &certs, set.anchors(), at, &mut budget)?;
    let anchor = &set.anchors()[anchor_index];
    let mut gaps = gaps(chain, &certs, &path, anchor)?;
    gaps.extend(constrained(&certs, &path)?);
    (!gaps.is_empty()).then_some(Rfc5280Path {
        built: BuiltPath {
            anchor_index,
            uses_fetched: false,
            presented: path,
        },
        gaps,
    })
}

/// Extends `path` (leaf first) to an anchor: its index, with `path` holding the presented
/// certificates used; depth first, the anchors tried before the intermediates at each step.
fn extend(
    path: &mut Vec<usize>,
    certs: &[Option<Parsed<'_>>],
    anchors: &[TrustAnchor<'_>],
    at: OffsetDateTime,
    budget: &mut usize,
) -> Option<usize> {
    let current = certs[*path.last()?].as_ref()?;
    for (index, anchor) in anchors.iter().enumerate() {
        if anchor.name_constraints.is_some()
            || !same_name(&wrap_sequence(anchor.subject.as_ref()), current.issuer())
        {
            continue;
        }
        let spki = wrap_sequence(anchor.subject_public_key_info.as_ref());
        if signed_by(current.der, &spki, budget) {
            return Some(index);
        }
    }
    let below = path.len() - 1;
    if below >= MAX_INTERMEDIATES {
        return None;
    }
    for (index, candidate) in certs.iter().enumerate().skip(1) {
        let Some(candidate) = candidate else {
            continue;
        };
        if path.contains(&index)
            || !same_name(candidate.subject(), current.issuer())
            || !candidate.may_issue(below, at)
            || !signed_by(current.der, candidate.cert.public_key().raw, budget)
        {
            continue;
        }
        path.push(index);
        if let Some(anchor) = extend(path, certs, anchors, at, budget) {
            return Some(anchor);
        }
        path.pop();
    }
    None
}

/// What of the path webpki lacks: names that match only by §7.1's comparison, and certificates
/// webpki cannot read for a reason that is a missing feature. `None` when webpki cannot read a
/// certificate of the path for another reason (its refusal then stands).
fn gaps(
    chain: &[CertificateDer<'static>],
    certs: &[Option<Parsed<'_>>],
    path: &[usize],
    anchor: &TrustAnchor<'_>,
) -> Option<Vec<Gap>> {
    let mut gaps = Vec::new();
    for (position, &index) in path.iter().enumerate() {
        let cert = certs[index].as_ref()?;
        if let Err(error) = webpki::EndEntityCert::try_from(&chain[index]) {
            gaps.push(Gap {
                index,
                what: unreadable_feature(cert, &error)?,
            });
        } else if before_1970(cert) {
            // webpki reads the certificate but refuses the time when it checks validity.
            gaps.push(Gap {
                index,
                what: BEFORE_1970.to_owned(),
            });
        }
        let issuer_name = match path.get(position + 1) {
            Some(&above) => certs[above].as_ref()?.subject().to_vec(),
            None => wrap_sequence(anchor.subject.as_ref()),
        };
        if issuer_name != cert.issuer() {
            gaps.push(Gap {
                index,
                what: "its issuer name matches its issuer's subject only as RFC 5280 §7.1 \
                       compares names (case, white space or string type differ), not byte for \
                       byte as rustls-webpki compares them"
                    .to_owned(),
            });
        }
    }
    Some(gaps)
}

/// The CAs of the path whose e-mail or URI name constraints bind the certificates below them
/// (self-issued ones included, as webpki applies them); `None` when a name is outside them.
fn constrained(certs: &[Option<Parsed<'_>>], path: &[usize]) -> Option<Vec<Gap>> {
    let mut gaps = Vec::new();
    for (position, &index) in path.iter().enumerate().skip(1) {
        let constraints = Constraints::of(&certs[index].as_ref()?.cert);
        if constraints == Constraints::None {
            continue;
        }
        for &below in &path[..position] {
            if !constraints.allow(&certs[below].as_ref()?.cert) {
                return None;
            }
        }
        let mut what = "its name constraints are on e-mail addresses or URIs, which \
                        rustls-webpki does not process"
            .to_owned();
        if constraints.bind_uris() {
            what.push_str(" (nor does Chrome's verifier process URI constraints)");
        }
        gaps.push(Gap { index, what });
    }
    Some(gaps)
}

/// What webpki lacks to judge a validity before 1970.
const BEFORE_1970: &str =
    "its validity starts or ends before 1970, which rustls-webpki cannot represent";

fn before_1970(cert: &Parsed<'_>) -> bool {
    let validity = cert.cert.validity();
    [validity.not_before, validity.not_after]
        .iter()
        .any(|time| time.to_datetime().year() < 1970)
}

/// The feature webpki lacks that makes it refuse to read `cert`; `None` for any other refusal.
fn unreadable_feature(cert: &Parsed<'_>, error: &webpki::Error) -> Option<String> {
    let tbs = &cert.cert.tbs_certificate;
    let unique_ids = tbs.issuer_uid.is_some() || tbs.subject_uid.is_some();
    match error {
        webpki::Error::BadDerTime if before_1970(cert) => Some(BEFORE_1970.to_owned()),
        webpki::Error::TrailingData(_) if unique_ids => Some(
            "it carries issuer or subject unique identifiers, which rustls-webpki cannot read"
                .to_owned(),
        ),
        _ => None,
    }
}
