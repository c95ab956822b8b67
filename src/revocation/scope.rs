//! Whether a CRL's scope covers a certificate (RFC 5280 §6.3.3 (b), §5.2.5): who issued the CRL
//! (the certificate's issuer, or — for an indirect CRL — a cRLIssuer the certificate names),
//! the kinds of certificates and the reasons it covers, and its distribution point against the
//! certificate's.

use der::Decode;
use der::asn1::Ia5String;
use x509_cert::ext::pkix::crl::dp::IssuingDistributionPoint;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::Name;

use super::links::{DistPoint, Subject};
use crate::chain::names::same_name;
use crate::chain::wrap_sequence;

/// Every revocation reason of ReasonFlags (keyCompromise .. aACompromise; bit 0 is unused).
pub(super) const ALL_REASONS: u16 = 0x1fe;

/// What a CRL covers of one certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Covered {
    /// The CRL is indirect: its entries name the issuer they are about.
    pub(super) indirect: bool,
    /// The reasons it answers for (ReasonFlags bits).
    pub(super) reasons: u16,
}

/// Whether the CRL issued by `crl_issuer` (DER name), with issuing distribution point `idp`
/// (its DER value, if any), covers `subject` fetched from `url`: as OpenSSL and RFC 5280 read it.
/// A CRL whose distribution point is named is a partition: it covers a certificate one of whose
/// distribution points (of this CRL issuer) shares a name with it — URI, directory name or any
/// other form, compared whole; a URL the CRL was fetched from counts —, or names none; a
/// certificate with no distribution point is covered only by a direct CRL that names none.
pub(super) fn covers(
    crl_issuer: &[u8],
    idp: Option<&[u8]>,
    subject: &Subject,
    url: Option<&str>,
) -> Result<Covered, String> {
    let idp = idp
        .map(|idp| {
            IssuingDistributionPoint::from_der(idp)
                .or_else(|_| IssuingDistributionPoint::from_der(&wrap_sequence(idp)))
                .map_err(|_| "the CRL's issuing distribution point cannot be read".to_owned())
        })
        .transpose()?;
    let indirect = idp.as_ref().is_some_and(|idp| idp.indirect_crl);
    let direct = same_name(crl_issuer, &subject.issuer_name);
    let Some(points) = &subject.distribution_points else {
        return Err("the certificate's CRL distribution points cannot be read".into());
    };
    // The certificate's distribution points this CRL issuer serves.
    let served: Vec<&DistPoint> = points
        .iter()
        .filter(|point| {
            if point.names_crl_issuer {
                point
                    .crl_issuers
                    .iter()
                    .any(|name| same_name(name, crl_issuer))
            } else {
                direct
            }
        })
        .collect();
    if !direct {
        if !indirect {
            return Err("the CRL is issued by another CA than the certificate's issuer".into());
        }
        if served.is_empty() {
            return Err(
                "the CRL is an indirect CRL of an authority the certificate does not name as \
                 its cRLIssuer"
                    .into(),
            );
        }
    }
    if !points.is_empty() && served.is_empty() {
        return Err(
            "the certificate's distribution points name another CRL issuer (its CRLs are \
             indirect CRLs of that authority)"
                .into(),
        );
    }
    if let Some(idp) = &idp {
        if idp.only_contains_user_certs && subject.is_ca {
            return Err("the CRL covers end-entity certificates only".into());
        }
        if idp.only_contains_ca_certs && !subject.is_ca {
            return Err("the CRL covers CA certificates only".into());
        }
        if idp.only_contains_attribute_certs {
            return Err("the CRL covers attribute certificates only".into());
        }
    }
    let only_some = idp
        .as_ref()
        .and_then(|idp| idp.only_some_reasons)
        .map_or(ALL_REASONS, |reasons| reasons.bits() & ALL_REASONS);
    let named = idp.as_ref().and_then(|idp| idp.distribution_point.as_ref());
    let Some(idp_name) = named else {
        // No partition: it covers every certificate of its issuer, whatever their points say.
        let reasons = if served.is_empty() {
            only_some
        } else {
            only_some & point_reasons(&served)
        };
        return Ok(Covered { indirect, reasons });
    };
    let issuer = Name::from_der(crl_issuer)
        .map_err(|_| "the CRL's issuer name cannot be read".to_owned())?;
    let scope = super::links::full_name(idp_name, &issuer);
    let fetched_from = url.and_then(|url| Ia5String::new(url).ok());
    let matching: Vec<&DistPoint> = served
        .iter()
        .copied()
        .filter(|point| match &point.names {
            None => true,
            Some(names) => scope.iter().any(|name| {
                names.contains(name)
                    || matches!((name, &fetched_from),
                        (GeneralName::UniformResourceIdentifier(uri), Some(url)) if uri == url)
            }),
        })
        .collect();
    if matching.is_empty() {
        return Err(if points.is_empty() {
            format!(
                "the CRL is a partition for {} and the certificate names no CRL distribution point",
                describe_names(&scope)
            )
        } else {
            format!(
                "the CRL is a partition for {} and the certificate names none of them",
                describe_names(&scope)
            )
        });
    }
    Ok(Covered {
        indirect,
        reasons: only_some & point_reasons(&matching),
    })
}

/// The reasons the CRLs of any of `points` answer for.
fn point_reasons(points: &[&DistPoint]) -> u16 {
    points
        .iter()
        .map(|point| point.reasons.unwrap_or(ALL_REASONS))
        .fold(0, |acc, reasons| acc | reasons)
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

/// The reasons of a ReasonFlags mask, by their RFC 5280 names.
pub(super) fn reason_names(mask: u16) -> Vec<&'static str> {
    const NAMES: [&str; 8] = [
        "keyCompromise",
        "cACompromise",
        "affiliationChanged",
        "superseded",
        "cessationOfOperation",
        "certificateHold",
        "privilegeWithdrawn",
        "aACompromise",
    ];
    NAMES
        .iter()
        .enumerate()
        .filter(|(bit, _)| mask & (1 << (bit + 1)) != 0)
        .map(|(_, name)| *name)
        .collect()
}
