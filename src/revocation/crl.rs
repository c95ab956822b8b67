//! CRLs: reading them (PEM `X509 CRL` blocks or DER) and asking one about one certificate.
//!
//! The CRL is never decoded whole ([`super::crl_list`]): a CRL of a million entries costs one
//! pass for the signature and one for the lookup, and no copy. The checks, in order (RFC 5280
//! §6.3): its scope covers the certificate ([`super::scope`]: its issuer or, for an indirect CRL,
//! a cRLIssuer the certificate names; its kinds, reasons and distribution point), its signature
//! verifies with a key of that authority the path vouches for (the certificate's issuer, or
//! another certificate of the same name: a key rollover, a separate CRL key), that key may sign
//! CRLs and is valid, it is fresh (thisUpdate/nextUpdate with the leeway), then the serial
//! lookup, merged with the delta CRLs given for it (RFC 5280 §5.2.4).

use rustls_pki_types::CertificateRevocationListDer;
use rustls_pki_types::pem::PemObject;
use time::{Duration, OffsetDateTime};
use x509_cert::ext::pkix::CrlReason;

use super::Error;
use super::crl_list::{CrlList, Entry, REMOVE_FROM_CRL, Unreadable, compare_numbers};
use super::links::{Link, Subject};
use super::outcome::{SourceFacts, Status, Unavailable, outside_window};
use super::scope::{self, ALL_REASONS, Covered};
use crate::chain::asn1;
use crate::chain::names::same_name;
use crate::chain::signature;

/// Reads every CRL in `bytes`: PEM `X509 CRL` blocks, or one DER CRL (kept without a copy: a
/// CRL can be tens of megabytes).
pub fn read_crls(bytes: Vec<u8>) -> Result<Vec<CertificateRevocationListDer<'static>>, Error> {
    let crls: Vec<_> = if bytes.windows(11).any(|window| window == b"-----BEGIN ") {
        CertificateRevocationListDer::pem_slice_iter(&bytes)
            .collect::<Result<_, _>>()
            .map_err(|error| Error::Pem(crate::chain::describe_pem_error(&error)))?
    } else if bytes.first() == Some(&0x30) {
        vec![CertificateRevocationListDer::from(bytes)]
    } else {
        Vec::new()
    };
    if crls.is_empty() {
        Err(Error::Empty)
    } else {
        Ok(crls)
    }
}

/// Reads every entry of `der` without judging the CRL: how many there are (`None` when the CRL
/// or an entry cannot be read). For the fuzz target, which cannot sign what it mutates.
pub(crate) fn count_entries(der: &[u8]) -> Option<usize> {
    CrlList::parse(der)
        .ok()?
        .entries()
        .try_fold(0, |count, entry| entry.ok().map(|_| count + 1))
}

/// The CRLs given to judge a chain: the complete ones (and those that cannot be read, which say
/// so when judged), and the delta CRLs, read once, that update them.
pub(super) struct GivenCrls<'a> {
    complete: Vec<&'a [u8]>,
    delta_ders: Vec<&'a [u8]>,
    deltas: Vec<CrlList<'a>>,
}

impl<'a> GivenCrls<'a> {
    /// Sorts `crls` into complete and delta CRLs.
    pub(super) fn split(crls: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut given = Self {
            complete: Vec::new(),
            delta_ders: Vec::new(),
            deltas: Vec::new(),
        };
        for der in crls {
            match CrlList::parse(der) {
                Ok(list) if list.delta_base.is_some() => {
                    given.delta_ders.push(der);
                    given.deltas.push(list);
                }
                _ => given.complete.push(der),
            }
        }
        given
    }

    /// The CRLs each certificate is judged by: the complete ones, or — when only delta CRLs
    /// were given — those, which then say why they cannot answer.
    pub(super) fn judged(&self) -> &[&'a [u8]] {
        if self.complete.is_empty() {
            &self.delta_ders
        } else {
            &self.complete
        }
    }

    /// The delta CRLs, to merge with the complete CRL they update.
    pub(super) fn deltas(&self) -> &[CrlList<'a>] {
        &self.deltas
    }
}

/// What one complete CRL, updated by the `deltas` that apply to it, says about `link`'s
/// certificate, judged at `at` with `leeway` on the validity windows; `url` is where it came
/// from (a partitioned CRL must name that URL in its scope).
pub(super) fn check(
    der: &[u8],
    deltas: &[CrlList<'_>],
    link: &Link,
    url: Option<&str>,
    at: OffsetDateTime,
    leeway: Duration,
) -> (Status, SourceFacts) {
    let mut facts = SourceFacts {
        url: url.map(str::to_owned),
        bytes: Some(der.len()),
        ..SourceFacts::default()
    };
    let status = judge(der, deltas, link, url, at, leeway, &mut facts);
    (status, facts)
}

fn judge(
    der: &[u8],
    deltas: &[CrlList<'_>],
    link: &Link,
    url: Option<&str>,
    at: OffsetDateTime,
    leeway: Duration,
    facts: &mut SourceFacts,
) -> Status {
    let subject = &link.subject;
    let list = match CrlList::parse(der) {
        Ok(list) => list,
        Err(why) => return unreadable(&why, der),
    };
    if list.delta_base.is_some() {
        let same_issuer = same_name(list.issuer, &subject.issuer_name);
        return if same_issuer {
            Status::unavailable(
                Unavailable::DeltaCrl,
                "a delta CRL of the issuer was given without its base CRL: it only says what \
                 changed since that CRL, so the status cannot be read from it",
            )
        } else {
            Status::unavailable(
                Unavailable::NotForThisCertificate,
                "a delta CRL issued by another CA than the certificate's issuer",
            )
        };
    }
    let covered = match scope::covers(list.issuer, list.issuing_distribution_point, subject, url) {
        Ok(covered) => covered,
        Err(why) => return Status::unavailable(Unavailable::NotForThisCertificate, why),
    };
    if let Err(status) = vet(&list, link, at, leeway, facts) {
        return status;
    }
    let mut status = match lookup(&list, subject, covered) {
        Ok(found) => found,
        Err(status) => return status,
    };
    for delta in deltas {
        match merge_delta(delta, &list, link, covered, at, leeway, status) {
            Ok(merged) => status = merged,
            Err(unusable) => return unusable,
        }
    }
    if status == Status::Good && covered.reasons != ALL_REASONS {
        let reasons = scope::reason_names(covered.reasons);
        let detail = format!(
            "the CRL answers only for some revocation reasons ({})",
            reasons.join(", ")
        );
        facts.reasons = Some(reasons.into_iter().map(str::to_owned).collect());
        return Status::unavailable(Unavailable::SomeReasons, detail);
    }
    status
}

/// What makes a CRL (complete or delta) usable once it is in scope: its signature by an
/// authority key, its CRL number, its freshness.
fn vet(
    list: &CrlList<'_>,
    link: &Link,
    at: OffsetDateTime,
    leeway: Duration,
    facts: &mut SourceFacts,
) -> Result<(), Status> {
    authenticate(list, link, at, facts)?;
    numbered(list)?;
    fresh(list, at, leeway).map_or(Ok(()), Err)
}

/// Verifies the CRL's signature with the issuer's key or another key of the same authority
/// the path vouches for; that key must be valid at `at` and may sign CRLs.
fn authenticate(
    list: &CrlList<'_>,
    link: &Link,
    at: OffsetDateTime,
    facts: &mut SourceFacts,
) -> Result<(), Status> {
    let candidates = link
        .issuer
        .iter()
        .map(|key| (key, true))
        .chain(link.authorities.iter().map(|key| (key, false)))
        .filter(|(key, _)| same_name(&key.name, list.issuer));
    let mut last_error = None;
    for (key, is_issuer) in candidates {
        match signature::verify_signed(&list.signed, &key.spki) {
            Ok(verified) => {
                if !key.may_sign_crls {
                    return Err(Status::unavailable(
                        Unavailable::BadSignature,
                        "the CRL's signer may not sign CRLs: its key usage lacks cRLSign (RFC \
                         5280 §4.2.1.3)",
                    ));
                }
                if !key.valid_at(at) {
                    return Err(Status::unavailable(
                        Unavailable::BadSignature,
                        "the certificate of the CRL's signing key is outside its validity",
                    ));
                }
                facts.signature_algorithm = Some(verified.algorithm);
                facts.authenticated = true;
                facts.this_update = Some(list.this_update);
                facts.next_update = list.next_update;
                facts.responder = Some(if is_issuer {
                    "issuer".to_owned()
                } else {
                    format!("CRL issuer {}", crate::chain::dn_to_string(&key.name))
                });
                return Ok(());
            }
            Err(error) => last_error = Some(error),
        }
    }
    Err(Status::unavailable(
        Unavailable::BadSignature,
        match last_error {
            Some(error) => format!("the CRL's signature is not the issuer's: {error}"),
            None => "no certificate of the CRL's issuer is known to verify its signature".into(),
        },
    ))
}

/// The CRL number every CRL must carry, never critical (RFC 5280 §5.2.3).
fn numbered(list: &CrlList<'_>) -> Result<(), Status> {
    match list.number {
        None => Err(Status::unavailable(
            Unavailable::Malformed,
            "the CRL has no CRL number, which every CRL must carry (RFC 5280 §5.2.3)",
        )),
        Some((_, true)) => Err(Status::unavailable(
            Unavailable::Malformed,
            "the CRL's CRL number is marked critical, which RFC 5280 §5.2.3 forbids",
        )),
        Some((_, false)) => Ok(()),
    }
}

/// `None` when the CRL is inside its window at `at`, else why not.
fn fresh(list: &CrlList<'_>, at: OffsetDateTime, leeway: Duration) -> Option<Status> {
    let Some(next_update) = list.next_update else {
        return Some(Status::unavailable(
            Unavailable::Stale,
            "the CRL has no nextUpdate",
        ));
    };
    outside_window("the CRL", list.this_update, Some(next_update), at, leeway)
}

/// The entry for `subject` in `list`: in an indirect CRL, only an entry about the
/// certificate's issuer (each entry's certificateIssuer, or the one before it, or the CRL's
/// issuer) counts.
fn find<'a>(
    list: &CrlList<'a>,
    subject: &Subject,
    indirect: bool,
) -> Result<Option<Entry<'a>>, Unreadable> {
    let mut about = None::<&[u8]>;
    for entry in list.entries() {
        let entry = entry?;
        if indirect && let Some(names) = entry.certificate_issuer {
            about = Some(names);
        }
        if entry.serial != subject.serial.as_slice() {
            continue;
        }
        let issuer_matches = !indirect
            || match about {
                None => same_name(list.issuer, &subject.issuer_name),
                Some(names) => names_directory(names, &subject.issuer_name),
            };
        if issuer_matches {
            return Ok(Some(entry));
        }
    }
    Ok(None)
}

/// Whether a GeneralNames value holds `name` as a directoryName.
fn names_directory(general_names: &[u8], name: &[u8]) -> bool {
    let mut rest = general_names;
    if let Some((sequence, _)) = asn1::expect(rest, 0x30) {
        rest = sequence.contents;
    }
    while let Some((general, after)) = asn1::read(rest) {
        rest = after;
        // directoryName [4] EXPLICIT Name.
        if general.tag == 0xa4 && same_name(general.contents, name) {
            return true;
        }
    }
    false
}

/// The base CRL's answer for `subject`.
fn lookup(list: &CrlList<'_>, subject: &Subject, covered: Covered) -> Result<Status, Status> {
    match find(list, subject, covered.indirect) {
        Ok(None) => Ok(Status::Good),
        Ok(Some(entry)) if entry.reason == Some(REMOVE_FROM_CRL) => Err(Status::unavailable(
            Unavailable::Malformed,
            "the CRL lists the certificate as removeFromCRL, which only a delta CRL may say",
        )),
        Ok(Some(entry)) => Ok(revoked(&entry)),
        Err(why) => Err(unreadable(&why, &[])),
    }
}

fn revoked(entry: &Entry<'_>) -> Status {
    Status::Revoked {
        reason: entry.reason.map(describe_reason),
        revoked_at: entry.revoked_at,
    }
}

/// A reason code by the name OCSP answers give it (x509-cert's `CrlReason`, RFC 5280 §5.3.1).
fn describe_reason(code: u8) -> String {
    CrlReason::try_from(u32::from(code))
        .map_or_else(|_| format!("code {code}"), |reason| format!("{reason:?}"))
}

/// Applies the delta CRL `delta` to the base CRL's answer `base` when it updates that CRL (same
/// issuer and scope, a base no newer than the CRL): an entry it lists revokes, removeFromCRL
/// reinstates; a delta that applies but cannot be used makes the answer unavailable.
fn merge_delta(
    delta: &CrlList<'_>,
    base_list: &CrlList<'_>,
    link: &Link,
    covered: Covered,
    at: OffsetDateTime,
    leeway: Duration,
    base: Status,
) -> Result<Status, Status> {
    let Some(delta_base) = delta.delta_base else {
        return Ok(base);
    };
    if !same_name(delta.issuer, base_list.issuer)
        || delta.issuing_distribution_point != base_list.issuing_distribution_point
    {
        return Ok(base);
    }
    let unusable = |why: String| {
        Status::unavailable(
            Unavailable::DeltaCrl,
            format!("a delta CRL of the issuer applies but cannot be used: {why}"),
        )
    };
    let base_number = base_list.number.map(|(number, _)| number).unwrap_or(&[]);
    if compare_numbers(base_number, delta_base).is_lt() {
        return Err(unusable(
            "it updates a newer base CRL than the one given".to_owned(),
        ));
    }
    match vet(delta, link, at, leeway, &mut SourceFacts::default()) {
        Ok(()) => {}
        Err(Status::Unavailable { detail, .. }) => return Err(unusable(detail)),
        Err(other) => return Err(other),
    }
    match find(delta, &link.subject, covered.indirect) {
        Ok(None) => Ok(base),
        Ok(Some(entry)) if entry.reason == Some(REMOVE_FROM_CRL) => Ok(Status::Good),
        Ok(Some(entry)) => Ok(revoked(&entry)),
        Err(why) => Err(unusable(describe_unreadable(&why))),
    }
}

fn unreadable(why: &Unreadable, der: &[u8]) -> Status {
    match why {
        Unreadable::NotACrl => {
            Status::unavailable(Unavailable::Malformed, asn1::describe_garbage("a CRL", der))
        }
        Unreadable::CriticalExtension(_) => Status::unavailable(
            Unavailable::Unsupported,
            format!("the CRL cannot be used: {}", describe_unreadable(why)),
        ),
        Unreadable::Damaged(_) => Status::unavailable(
            Unavailable::Malformed,
            format!("the CRL cannot be read: {}", describe_unreadable(why)),
        ),
    }
}

fn describe_unreadable(why: &Unreadable) -> String {
    match why {
        Unreadable::NotACrl => "not a CRL".to_owned(),
        Unreadable::CriticalExtension(what) => {
            format!("it carries {what}, which this tool does not process (RFC 5280 §5.2)")
        }
        Unreadable::Damaged(what) => format!("{what} does not decode"),
    }
}
