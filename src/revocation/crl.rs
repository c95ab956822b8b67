//! CRLs: reading them (PEM `X509 CRL` blocks or DER) and asking one about one certificate.
//!
//! The CRL is never decoded whole: its outer fields are read with [`super::asn1`], the entries
//! are searched lazily by rustls-webpki (`BorrowedCertRevocationList::find_serial`), so a CRL of a
//! million entries costs one pass for the signature and one for the lookup, and no copy.
//! The checks, in order (RFC 5280 §6.3): the CRL's issuer is the certificate's issuer, its
//! signature verifies with the issuer's key, its scope (issuing distribution point) covers the
//! certificate, it is fresh (thisUpdate/nextUpdate with the leeway), then the serial lookup.

use der::Decode;
use der::asn1::Ia5String;
use rustls_pki_types::CertificateRevocationListDer;
use rustls_pki_types::pem::PemObject;
use time::{Duration, OffsetDateTime};
use webpki::{BorrowedCertRevocationList, CertRevocationList};
use x509_cert::ext::pkix::crl::dp::IssuingDistributionPoint;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::Name;

use super::Error;
use super::asn1::{self, Tlv};
use super::links::{IssuerKey, Subject};
use super::outcome::{SourceFacts, Status, Unavailable, outside_window};
use super::signature;
use crate::chain::wrap_sequence;

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

/// The outer fields of a CRL.
struct Outer<'a> {
    signed: asn1::Signed<'a>,
    /// The issuer's name, DER (the whole SEQUENCE).
    issuer: &'a [u8],
    this_update: OffsetDateTime,
    next_update: Option<OffsetDateTime>,
    /// The CRL number extension: absent, or whether it is marked critical.
    crl_number: Option<bool>,
}

/// id-ce-cRLNumber (2.5.29.20), as encoded.
const CRL_NUMBER_OID: &[u8] = &[0x55, 0x1d, 0x14];

fn outer(der: &[u8]) -> Option<Outer<'_>> {
    let signed = asn1::signed(der)?;
    // TBSCertList: version INTEGER OPTIONAL, signature, issuer, thisUpdate, nextUpdate OPTIONAL,
    // revokedCertificates SEQUENCE OPTIONAL (skipped whole), crlExtensions [0] OPTIONAL.
    let mut fields = signed.tbs.contents;
    if let Some((_, rest)) = asn1::expect(fields, 0x02) {
        fields = rest;
    }
    let (_, rest) = asn1::expect(fields, 0x30)?;
    let (issuer, rest) = asn1::expect(rest, 0x30)?;
    let (this_update, mut rest) = read_time(rest)?;
    let mut next_update = None;
    if let Some((time, after)) = read_time(rest) {
        next_update = Some(time);
        rest = after;
    }
    if let Some((_, after)) = asn1::expect(rest, 0x30) {
        rest = after;
    }
    let crl_number = asn1::expect(rest, 0xa0)
        .and_then(|(explicit, _)| asn1::expect(explicit.contents, 0x30))
        .and_then(|(extensions, _)| crl_number(extensions.contents));
    Some(Outer {
        signed,
        issuer: issuer.whole,
        this_update,
        next_update,
        crl_number,
    })
}

/// Whether the extensions hold a CRL number, and whether it is critical.
fn crl_number(mut extensions: &[u8]) -> Option<bool> {
    while let Some((extension, rest)) = asn1::expect(extensions, 0x30) {
        extensions = rest;
        let Some((oid, after)) = asn1::expect(extension.contents, 0x06) else {
            continue;
        };
        if oid.contents == CRL_NUMBER_OID {
            let critical = asn1::expect(after, 0x01)
                .is_some_and(|(flag, _)| flag.contents.first().is_some_and(|byte| *byte != 0));
            return Some(critical);
        }
    }
    None
}

fn read_time(input: &[u8]) -> Option<(OffsetDateTime, &[u8])> {
    let (tlv, rest): (Tlv<'_>, _) = asn1::read(input)?;
    Some((asn1::time(&tlv)?, rest))
}

/// What one CRL says about `subject`, judged at `at` with `leeway` on its validity window;
/// `url` is where it came from (a partitioned CRL must name that URL in its scope).
pub(super) fn check(
    der: &[u8],
    subject: &Subject,
    issuer: &IssuerKey,
    url: Option<&str>,
    at: OffsetDateTime,
    leeway: Duration,
) -> (Status, SourceFacts) {
    let mut facts = SourceFacts {
        url: url.map(str::to_owned),
        bytes: Some(der.len()),
        ..SourceFacts::default()
    };
    let status = judge(der, subject, issuer, url, at, leeway, &mut facts);
    (status, facts)
}

fn judge(
    der: &[u8],
    subject: &Subject,
    issuer: &IssuerKey,
    url: Option<&str>,
    at: OffsetDateTime,
    leeway: Duration,
    facts: &mut SourceFacts,
) -> Status {
    let Some(outer) = outer(der) else {
        return Status::unavailable(Unavailable::Malformed, asn1::describe_garbage("a CRL", der));
    };
    // Both names are whole DER SEQUENCEs, compared as encoded (RFC 5280 §6.3.3 (b)(1)).
    let same_issuer = outer.issuer == issuer.name.as_slice();
    let list = match BorrowedCertRevocationList::from_der(der) {
        Ok(list) => CertRevocationList::from(list),
        // A delta CRL of the certificate's issuer may revoke what its base CRL does not list:
        // not merging it, the base CRL's "not revoked" is no answer (RFC 5280 §5.2.4).
        Err(webpki::Error::UnsupportedDeltaCrl) if same_issuer => {
            return Status::unavailable(
                Unavailable::DeltaCrl,
                "a delta CRL of the issuer applies, which this tool does not merge with its base \
                 CRL: the base CRL alone may be out of date, so it is not read as good",
            );
        }
        Err(webpki::Error::UnsupportedDeltaCrl) => {
            return Status::unavailable(
                Unavailable::NotForThisCertificate,
                "a delta CRL issued by another CA than the certificate's issuer",
            );
        }
        Err(error) => {
            return Status::unavailable(
                Unavailable::Unsupported,
                format!(
                    "the CRL cannot be used: {}",
                    crate::validate::error_words(&error)
                ),
            );
        }
    };
    if !same_issuer {
        return Status::unavailable(
            Unavailable::NotForThisCertificate,
            "the CRL is issued by another CA than the certificate's issuer",
        );
    }
    match signature::verify(
        &issuer.spki,
        outer.signed.algorithm,
        outer.signed.tbs.whole,
        outer.signed.signature,
    ) {
        Ok(verified) => {
            facts.signature_algorithm = Some(verified.algorithm);
            facts.authenticated = true;
            facts.this_update = Some(outer.this_update);
            facts.next_update = outer.next_update;
            facts.responder = Some("issuer".to_owned());
        }
        Err(error) => {
            return Status::unavailable(
                Unavailable::BadSignature,
                format!("the CRL's signature is not the issuer's: {error}"),
            );
        }
    }
    if !issuer.may_sign_crls {
        return Status::unavailable(
            Unavailable::BadSignature,
            "the CRL's signer may not sign CRLs: its key usage lacks cRLSign (RFC 5280 §4.2.1.3)",
        );
    }
    match outer.crl_number {
        None => {
            return Status::unavailable(
                Unavailable::Malformed,
                "the CRL has no CRL number, which every CRL must carry (RFC 5280 §5.2.3)",
            );
        }
        Some(true) => {
            return Status::unavailable(
                Unavailable::Malformed,
                "the CRL's CRL number is marked critical, which RFC 5280 §5.2.3 forbids",
            );
        }
        Some(false) => {}
    }
    if let Some(idp) = list.issuing_distribution_point()
        && let Err(why) = covers(idp, subject, url)
    {
        return Status::unavailable(Unavailable::NotForThisCertificate, why);
    }
    let Some(next_update) = outer.next_update else {
        return Status::unavailable(Unavailable::Stale, "the CRL has no nextUpdate");
    };
    if let Some(status) =
        outside_window("the CRL", outer.this_update, Some(next_update), at, leeway)
    {
        return status;
    }
    match list.find_serial(&subject.serial) {
        Ok(None) => Status::Good,
        Ok(Some(entry)) => Status::Revoked {
            reason: entry.reason_code.map(|reason| format!("{reason:?}")),
            revoked_at: OffsetDateTime::from_unix_timestamp(
                i64::try_from(entry.revocation_date.as_secs()).unwrap_or(i64::MAX),
            )
            .ok(),
        },
        Err(error) => Status::unavailable(
            Unavailable::Malformed,
            format!(
                "a CRL entry cannot be read: {}",
                crate::validate::error_words(&error)
            ),
        ),
    }
}

/// Whether the CRL's issuing distribution point covers `subject` fetched from `url` (RFC 5280
/// §6.3.3 (b), as OpenSSL reads it): the CRL's kind of certificates and reasons, then its
/// distribution point's names against the certificate's. A CRL whose distribution point is
/// named is a partition: it covers a certificate one of whose distribution points shares a name
/// with it (URI, directory name or any other form, compared whole; a URL the CRL was fetched
/// from counts), or names none; a certificate with no distribution point is covered only by a
/// CRL that names none. A certificate whose every distribution point names a cRLIssuer is
/// revoked by an indirect CRL, which this tool does not read, so no direct CRL covers it.
fn covers(idp: &[u8], subject: &Subject, url: Option<&str>) -> Result<(), String> {
    let idp = IssuingDistributionPoint::from_der(idp)
        .or_else(|_| IssuingDistributionPoint::from_der(&wrap_sequence(idp)))
        .map_err(|_| "the CRL's issuing distribution point cannot be read".to_owned())?;
    if idp.only_contains_user_certs && subject.is_ca {
        return Err("the CRL covers end-entity certificates only".into());
    }
    if idp.only_contains_ca_certs && !subject.is_ca {
        return Err("the CRL covers CA certificates only".into());
    }
    if idp.only_some_reasons.is_some() {
        return Err("the CRL covers only some revocation reasons".into());
    }
    if idp.indirect_crl || idp.only_contains_attribute_certs {
        return Err("indirect and attribute-certificate CRLs are not supported".into());
    }
    let Some(points) = &subject.distribution_points else {
        return Err("the certificate's CRL distribution points cannot be read".into());
    };
    let Some(idp_name) = &idp.distribution_point else {
        return Ok(());
    };
    let issuer = Name::from_der(&subject.issuer_name)
        .map_err(|_| "the certificate's issuer name cannot be read".to_owned())?;
    let scope = super::links::full_name(idp_name, &issuer);
    let fetched_from = url.and_then(|url| Ia5String::new(url).ok());
    let covered = points
        .iter()
        .filter(|point| !point.names_crl_issuer)
        .any(|point| match &point.names {
            None => true,
            Some(names) => scope.iter().any(|name| {
                names.contains(name)
                    || matches!((name, &fetched_from),
                        (GeneralName::UniformResourceIdentifier(uri), Some(url)) if uri == url)
            }),
        });
    if covered {
        Ok(())
    } else if points.is_empty() {
        Err(format!(
            "the CRL is a partition for {} and the certificate names no CRL distribution point",
            describe_names(&scope)
        ))
    } else if points.iter().all(|point| point.names_crl_issuer) {
        Err("the certificate names another CRL issuer (an indirect CRL, not supported)".into())
    } else {
        Err(format!(
            "the CRL is a partition for {} and the certificate names none of them",
            describe_names(&scope)
        ))
    }
}

/// General names as a reader knows them: URIs as they are, directory names as DNs.
fn describe_names(names: &[GeneralName]) -> String {
    names
        .iter()
        .map(|name| match name {
            GeneralName::UniformResourceIdentifier(uri) => uri.to_string(),
            GeneralName::DirectoryName(dn) => dn.to_string(),
            GeneralName::DnsName(dns) => dns.to_string(),
            _ => "a name of another form".to_owned(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
