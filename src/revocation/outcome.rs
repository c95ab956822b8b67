//! What revocation sources said: one [`SourceResult`] per source (CRL, OCSP, stapled OCSP) and
//! certificate, their combination per certificate, and the endpoint's [`RevocationReport`].
//!
//! Combination rules: a `revoked` from any source wins; an OCSP `unknown` is never good (it makes
//! the certificate's status unavailable even when a CRL answered); otherwise one good answer from
//! a verified, fresh source is enough.

use serde::Serialize;
use time::OffsetDateTime;

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// A CRL (downloaded or from `--crl-file`).
    Crl,
    /// An OCSP response fetched from the responder (or from `--ocsp-response`).
    Ocsp,
    /// The OCSP response the server stapled to the handshake.
    StapledOcsp,
}

impl SourceKind {
    /// As written in reports.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Crl => "CRL",
            Self::Ocsp => "OCSP",
            Self::StapledOcsp => "stapled OCSP",
        }
    }
}

/// Why a source gave no usable answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Unavailable {
    /// The host could not be resolved or reached.
    Unreachable,
    /// A step timed out.
    Timeout,
    /// The connection was refused.
    Refused,
    /// The answer is larger than the cap.
    TooLarge,
    /// The server answered with an HTTP error (or a page that is not revocation data).
    HttpError,
    /// The bytes are not a CRL / OCSP response.
    Malformed,
    /// The signature does not verify, or the signer is not authorised.
    BadSignature,
    /// Past its nextUpdate.
    Stale,
    /// Its thisUpdate is in the future.
    NotYetValid,
    /// The responder does not know the certificate.
    UnknownStatus,
    /// The responder answered tryLater, unauthorized, malformedRequest, internalError or
    /// sigRequired.
    ResponderError,
    /// The response echoes a different nonce.
    NonceMismatch,
    /// The answer is about other certificates (CertID, CRL issuer or scope).
    NotForThisCertificate,
    /// The issuer needed to check the answer is not known.
    NoIssuer,
    /// An algorithm this tool does not verify.
    Unsupported,
    /// This machine could not open a socket to ask (out of file descriptors): not the network.
    LocalLimit,
    /// A delta CRL of the issuer applies, which is not merged: the base CRL's answer may be out
    /// of date, so no "good" is read while it stands (like an OCSP "unknown").
    DeltaCrl,
}

impl Unavailable {
    /// Whether the cause is the network path (what the article's Step 1 is about).
    pub fn is_network(self) -> bool {
        matches!(self, Self::Unreachable | Self::Timeout | Self::Refused)
    }
}

/// One source's answer about one certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Status {
    /// Not revoked, by a verified and fresh answer.
    Good,
    /// Revoked.
    Revoked {
        /// The reason code, if given.
        #[serde(rename = "revocation_reason")]
        reason: Option<String>,
        /// When.
        #[serde(with = "crate::report::serde_time::option")]
        #[schemars(with = "Option<String>")]
        revoked_at: Option<OffsetDateTime>,
    },
    /// No usable answer; never read this as good.
    Unavailable {
        /// The kind of failure.
        reason: Unavailable,
        /// What exactly happened.
        detail: String,
    },
}

impl Status {
    /// An unavailable status.
    pub fn unavailable(reason: Unavailable, detail: impl Into<String>) -> Self {
        Self::Unavailable {
            reason,
            detail: detail.into(),
        }
    }
}

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

/// Whether the nonce we sent came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NonceState {
    /// We sent none (`--no-ocsp-nonce`, a staple, or a saved response).
    NotSent,
    /// The response carries it back.
    Echoed,
    /// The responder ignored it (allowed; a cached, pre-signed answer).
    Ignored,
}

impl NonceState {
    /// As written in reports.
    pub fn describe(self) -> &'static str {
        match self {
            Self::NotSent => "not sent",
            Self::Echoed => "echoed",
            Self::Ignored => "ignored by the responder",
        }
    }
}

/// The facts of one source, for the JSON report and for clock evidence.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct SourceFacts {
    /// Where it was fetched from (none for staples and files).
    pub url: Option<String>,
    /// `GET` or `POST`, for OCSP.
    pub method: Option<&'static str>,
    /// The HTTP status.
    pub http_status: Option<u16>,
    /// Size of the answer, bytes.
    pub bytes: Option<usize>,
    /// OCSP producedAt.
    #[serde(with = "crate::report::serde_time::option")]
    #[schemars(with = "Option<String>")]
    pub produced_at: Option<OffsetDateTime>,
    /// thisUpdate (CRL or OCSP).
    #[serde(with = "crate::report::serde_time::option")]
    #[schemars(with = "Option<String>")]
    pub this_update: Option<OffsetDateTime>,
    /// nextUpdate (CRL or OCSP).
    #[serde(with = "crate::report::serde_time::option")]
    #[schemars(with = "Option<String>")]
    pub next_update: Option<OffsetDateTime>,
    /// Who signed: `issuer`, or `delegated responder <subject>`.
    pub responder: Option<String>,
    /// The OCSP nonce.
    pub nonce: Option<NonceState>,
    /// The signature algorithm that verified.
    pub signature_algorithm: Option<&'static str>,
    /// The signature verified with the issuer's key (or its delegated responder's): the times
    /// above come from the validated PKI, not from whoever is on the path.
    pub authenticated: bool,
}

/// One source's result for one certificate of the path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct SourceResult {
    /// Position in the presented chain (0 = leaf).
    pub cert_index: usize,
    /// The source.
    pub source: SourceKind,
    /// What it said.
    #[serde(flatten)]
    pub status: Status,
    /// Its facts.
    #[serde(flatten)]
    pub facts: SourceFacts,
}

impl SourceResult {
    /// Whether the source could not be reached (what the article's Step 1 is about).
    pub fn failed_on_the_network(&self) -> bool {
        matches!(&self.status, Status::Unavailable { reason, .. } if reason.is_network())
    }
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
    pub fn combine(
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
