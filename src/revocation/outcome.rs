//! What revocation sources said: one [`SourceResult`] per source (CRL, OCSP, stapled OCSP) and
//! certificate, their combination per certificate, and the endpoint's [`RevocationReport`].
//!
//! Combination rules: a `revoked` from any source wins; an OCSP `unknown` is never good (it makes
//! the certificate's status unavailable even when a CRL answered); otherwise one good answer from
//! a verified, fresh source is enough.

use serde::Serialize;
use time::OffsetDateTime;

pub use crate::finding::revocation::{
    NonceState, SourceFacts, SourceKind, SourceResult, Status, Unavailable,
};

/// Whether `at` lies in a validity window (thisUpdate .. nextUpdate, with `leeway` at both
/// ends): `None` when it does, else why not. `what` names the source ("the CRL").
pub(super) fn outside_window(
    what: &str,
    this_update: OffsetDateTime,
    next_update: Option<OffsetDateTime>,
    at: OffsetDateTime,
    leeway: time::Duration,
) -> Option<Status> {
    use crate::clock::rfc3339;
    if this_update > at + leeway {
        return Some(Status::unavailable(
            Unavailable::NotYetValid,
            format!(
                "{what}'s thisUpdate {} is after {}",
                rfc3339(this_update),
                rfc3339(at)
            ),
        ));
    }
    let next = next_update.filter(|next| *next + leeway < at)?;
    Some(Status::unavailable(
        Unavailable::Stale,
        format!(
            "{what} is stale: its nextUpdate {} has passed",
            rfc3339(next)
        ),
    ))
}

/// The combined status of one certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct CertRevocation {
    /// Position in the presented chain (0 = leaf).
    pub cert_index: usize,
    /// Its subject.
    pub subject: String,
    /// Its serial, hex.
    pub serial: String,
    /// The combination of its sources.
    #[serde(flatten)]
    pub status: Status,
}

/// The endpoint's overall revocation status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Overall {
    /// Every checked certificate has a verified good answer.
    Good,
    /// Some certificate is revoked.
    Revoked,
    /// Some certificate has no usable answer.
    Unavailable,
}

/// Everything revocation checking learned about one chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct RevocationReport {
    /// The worst of the certificates.
    pub status: Overall,
    /// Per certificate checked (those that name no source and had no staple are absent).
    pub certificates: Vec<CertRevocation>,
    /// Every source's answer.
    pub sources: Vec<SourceResult>,
}

impl RevocationReport {
    /// Combines per-source results; `None` when no certificate had any source.
    pub(crate) fn combine(
        mut certificates: Vec<CertRevocation>,
        sources: Vec<SourceResult>,
    ) -> Option<Self> {
        certificates.retain(|cert| sources.iter().any(|s| s.cert_index == cert.cert_index));
        if certificates.is_empty() {
            return None;
        }
        for cert in &mut certificates {
            cert.status = combine_one(sources.iter().filter(|s| s.cert_index == cert.cert_index));
        }
        let status = if certificates
            .iter()
            .any(|cert| matches!(cert.status, Status::Revoked { .. }))
        {
            Overall::Revoked
        } else if certificates
            .iter()
            .any(|cert| matches!(cert.status, Status::Unavailable { .. }))
        {
            Overall::Unavailable
        } else {
            Overall::Good
        };
        Some(Self {
            status,
            certificates,
            sources,
        })
    }
}

/// Revoked from any source wins; then an OCSP "unknown" or a delta CRL not merged; then any
/// good; else the failures.
fn combine_one<'a>(sources: impl Iterator<Item = &'a SourceResult> + Clone) -> Status {
    if let Some(revoked) = sources
        .clone()
        .find(|s| matches!(s.status, Status::Revoked { .. }))
    {
        return revoked.status.clone();
    }
    if let Some(unknown) = sources.clone().find(|s| {
        matches!(
            s.status,
            Status::Unavailable {
                reason: Unavailable::UnknownStatus | Unavailable::DeltaCrl,
                ..
            }
        )
    }) {
        return unknown.status.clone();
    }
    if sources.clone().any(|s| s.status == Status::Good) {
        return Status::Good;
    }
    // CRLs partitioned by reason answer together: good when the reasons they cover add up to
    // every reason (RFC 5280 §6.3.3 (j)).
    let covered: std::collections::BTreeSet<&str> = sources
        .clone()
        .filter(|s| {
            matches!(
                s.status,
                Status::Unavailable {
                    reason: Unavailable::SomeReasons,
                    ..
                }
            )
        })
        .flat_map(|s| s.facts.reasons.iter().flatten().map(String::as_str))
        .collect();
    if super::scope::reason_names(super::scope::ALL_REASONS)
        .iter()
        .all(|reason| covered.contains(reason))
    {
        return Status::Good;
    }
    let mut first = None;
    let mut details = Vec::new();
    for source in sources {
        if let Status::Unavailable { reason, detail } = &source.status {
            first.get_or_insert(*reason);
            details.push(format!("{}: {detail}", source.source.describe()));
        }
    }
    Status::unavailable(first.unwrap_or(Unavailable::Malformed), details.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(source: SourceKind, status: Status) -> SourceResult {
        SourceResult {
            cert_index: 0,
            source,
            status,
            facts: SourceFacts::default(),
        }
    }

    fn cert() -> CertRevocation {
        CertRevocation {
            cert_index: 0,
            subject: "CN=leaf".into(),
            serial: "01".into(),
            status: Status::Good,
        }
    }

    #[test]
    fn revoked_from_any_source_wins() {
        let revoked = Status::Revoked {
            reason: None,
            revoked_at: None,
        };
        let report = RevocationReport::combine(
            vec![cert()],
            vec![
                result(SourceKind::Crl, Status::Good),
                result(SourceKind::Ocsp, revoked.clone()),
            ],
        );
        assert_eq!(
            report.map(|r| (r.status, r.certificates[0].status.clone())),
            Some((Overall::Revoked, revoked))
        );
    }

    #[test]
    fn ocsp_unknown_is_not_good_even_when_the_crl_answered() {
        let unknown = Status::unavailable(Unavailable::UnknownStatus, "unknown to the responder");
        let report = RevocationReport::combine(
            vec![cert()],
            vec![
                result(SourceKind::Crl, Status::Good),
                result(SourceKind::Ocsp, unknown),
            ],
        );
        assert_eq!(report.map(|r| r.status), Some(Overall::Unavailable));
    }

    #[test]
    fn one_good_source_is_enough_and_no_source_is_no_claim() {
        let report = RevocationReport::combine(
            vec![cert()],
            vec![
                result(
                    SourceKind::Crl,
                    Status::unavailable(Unavailable::Refused, "refused"),
                ),
                result(SourceKind::Ocsp, Status::Good),
            ],
        );
        assert_eq!(report.map(|r| r.status), Some(Overall::Good));
        assert_eq!(RevocationReport::combine(vec![cert()], Vec::new()), None);
    }
}
