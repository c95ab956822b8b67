//! Revocation (RFC 5280 §6.3 CRLs, RFC 6960 OCSP): for each certificate of the validated path
//! (`--revocation-depth`), the stapled OCSP response or the AIA OCSP responder, and the CRLs of
//! its distribution points — or, offline, saved CRLs and OCSP responses. Each source is judged
//! on its own (`crl`, `ocsp`: signature by the issuer or its delegated responder, scope,
//! freshness), reported separately, then combined per certificate (`outcome`). Nothing here
//! reports "not revoked" unless a verified, fresh answer says so.

mod crl;
mod crl_list;
mod links;
mod live;
mod ocsp;
mod outcome;
mod scope;

pub(crate) use crl::count_entries;
pub use crl::read_crls;
pub use links::{Depth, IssuerKey, Link, Subject, links};
pub use live::{OcspAnswers, check_live};
pub use ocsp::{NONCE_LEN, request as ocsp_request};
pub use outcome::{
    CertRevocation, NonceState, Overall, RevocationReport, SourceFacts, SourceKind, SourceResult,
    Status, Unavailable,
};

use std::collections::HashSet;

use rustls_pki_types::{CertificateDer, CertificateRevocationListDer};
use time::{Duration, OffsetDateTime};

use crate::finding::{Evidence, Finding, FindingCode, Severity};
use crate::validate::{Anchors, Trust};

/// Why revocation data could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A PEM file is damaged.
    #[error("malformed PEM: {0}")]
    Pem(String),
    /// The input holds no CRL.
    #[error("no CRL found")]
    Empty,
    /// The input holds no OCSP response.
    #[error("no OCSP response found (expected DER, or PEM \"OCSP RESPONSE\")")]
    NoOcspResponse,
}

/// How unavailable revocation is treated (`--revocation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationPolicy {
    /// Unavailable revocation is an error.
    Hard,
    /// No revocation traffic at all.
    Off,
    /// Unavailable revocation is a warning (the default).
    Soft,
}

/// Everything that shapes a revocation check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevocationOptions {
    /// `--revocation`.
    pub policy: RevocationPolicy,
    /// `--revocation-depth`.
    pub depth: Depth,
    /// `--ocsp-leeway`: tolerance on thisUpdate/nextUpdate.
    pub leeway: Duration,
    /// Send an OCSP nonce (`--no-ocsp-nonce` turns it off).
    pub nonce: bool,
}

impl Default for RevocationOptions {
    fn default() -> Self {
        Self {
            policy: RevocationPolicy::Soft,
            depth: Depth::Chain,
            leeway: Duration::minutes(5),
            nonce: true,
        }
    }
}

/// Reads an OCSP response file: DER, or PEM with an `OCSP RESPONSE` block.
pub(crate) fn read_ocsp_response(bytes: Vec<u8>) -> Result<Vec<u8>, Error> {
    const BEGIN: &str = "-----BEGIN OCSP RESPONSE-----";
    const END: &str = "-----END OCSP RESPONSE-----";
    if bytes.first() == Some(&0x30) {
        return Ok(bytes);
    }
    let text = String::from_utf8_lossy(&bytes);
    let body = text
        .split_once(BEGIN)
        .and_then(|(_, rest)| rest.split_once(END))
        .map(|(body, _)| body.split_whitespace().collect::<String>())
        .ok_or(Error::NoOcspResponse)?;
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|error| Error::Pem(error.to_string()))
}

/// Applies saved revocation data to `links`: each CRL to the certificates its issuer signed
/// and covers, each OCSP response to the certificates its CertIDs name. A certificate the
/// given data is expected to answer for — the leaf, one that names a CRL distribution point or
/// an OCSP responder, and under `--revocation hard` every certificate checked — and that no
/// given CRL or response applies to gets why each did not apply (never "good" by silence: a CRL
/// from another issuer or another partition is not an answer). Data about no certificate at all
/// is reported against the leaf, so it is never silently ignored.
pub fn check_saved(
    links: &[Link],
    crls: &[CertificateRevocationListDer<'static>],
    ocsp_responses: &[Vec<u8>],
    at: OffsetDateTime,
    leeway: Duration,
    policy: RevocationPolicy,
) -> Vec<SourceResult> {
    let mut answers = Vec::new();
    // Delta CRLs update the complete CRLs they name.
    let given = crl::GivenCrls::split(crls.iter().map(|crl| crl.as_ref()));
    for crl in given.judged() {
        answers.extend(ask_each(links, SourceKind::Crl, |link, _| {
            crl::check(crl, given.deltas(), link, None, at, leeway)
        }));
    }
    for response in ocsp_responses {
        answers.extend(ask_each(links, SourceKind::Ocsp, |link, issuer| {
            ocsp::check(response, &link.subject, issuer, None, at, leeway)
        }));
    }
    // Per certificate, once: has a source answered for it, and is one expected to?
    let answered: HashSet<usize> = answers
        .iter()
        .filter(|answer| !not_for_it(&answer.status))
        .map(|answer| answer.cert_index)
        .collect();
    let expects_answer = |subject: &Subject| {
        policy == RevocationPolicy::Hard
            || subject.index == 0
            || !subject.crl_urls.is_empty()
            || !subject.ocsp_urls.is_empty()
            || subject
                .distribution_points
                .as_ref()
                .is_none_or(|points| !points.is_empty())
    };
    let expected: HashSet<usize> = links
        .iter()
        .filter(|link| expects_answer(&link.subject))
        .map(|link| link.subject.index)
        .collect();
    let keep = |answer: &SourceResult| {
        if answered.contains(&answer.cert_index) {
            !not_for_it(&answer.status)
        } else {
            expected.contains(&answer.cert_index)
        }
    };
    if !answers.iter().any(keep) {
        return answers.into_iter().take(1).collect();
    }
    answers.into_iter().filter(keep).collect()
}

/// `judge`'s answer for every certificate with a known issuer.
fn ask_each(
    links: &[Link],
    source: SourceKind,
    judge: impl Fn(&Link, &IssuerKey) -> (Status, SourceFacts),
) -> Vec<SourceResult> {
    links
        .iter()
        .filter_map(|link| {
            let (status, facts) = judge(link, link.issuer.as_ref()?);
            Some(SourceResult {
                cert_index: link.subject.index,
                source,
                status,
                facts,
            })
        })
        .collect()
}

/// Answers that say nothing about this certificate in particular (about other certificates,
/// or unreadable): they count only where no source answers for the certificate.
fn not_for_it(status: &Status) -> bool {
    matches!(
        status,
        Status::Unavailable {
            reason: Unavailable::NotForThisCertificate | Unavailable::Malformed,
            ..
        }
    )
}

/// The links of a trusted chain (none when it is not trusted: revocation data cannot be
/// verified without a trusted issuer). `fetched` is an issuer fetched from an AIA URL.
pub(crate) fn links_for(
    chain: &[CertificateDer<'static>],
    fetched: Option<&CertificateDer<'static>>,
    anchors: &Anchors,
    trust: &Trust,
    depth: Depth,
) -> Option<Vec<Link>> {
    let anchor = anchors.anchor_of(trust)?;
    let certificate = anchors.certificate_of(trust);
    Some(links(chain, fetched, Some(anchor), certificate, depth))
}

/// Combines the sources' answers and derives the findings.
pub(crate) fn conclude(
    links: &[Link],
    sources: Vec<SourceResult>,
    policy: RevocationPolicy,
    is_workspace_host: &dyn Fn(&str) -> bool,
) -> (Option<RevocationReport>, Vec<Finding>) {
    let report = RevocationReport::combine(certificates(links), sources);
    let found = report
        .as_ref()
        .map(|report| findings(report, policy, is_workspace_host))
        .unwrap_or_default();
    (report, found)
}

/// The certificates of `links`, before combination.
pub fn certificates(links: &[Link]) -> Vec<CertRevocation> {
    links
        .iter()
        .map(|link| CertRevocation {
            cert_index: link.subject.index,
            subject: link.subject.name.clone(),
            serial: link.subject.serial_hex.clone(),
            status: Status::Good,
        })
        .collect()
}

/// `revoked` (an error) for each revoked certificate, `revocation-unavailable` (severity by
/// `policy`) for each certificate without a usable answer. `is_workspace_host` picks the hosts
/// whose unreachability is the article's Step 1 problem.
pub fn findings(
    report: &RevocationReport,
    policy: RevocationPolicy,
    is_workspace_host: &dyn Fn(&str) -> bool,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for cert in &report.certificates {
        let which = if cert.cert_index == 0 {
            format!("the leaf ({}, serial {})", cert.subject, cert.serial)
        } else {
            format!("the intermediate {} (serial {})", cert.subject, cert.serial)
        };
        let sources: Vec<SourceResult> = report
            .sources
            .iter()
            .filter(|source| source.cert_index == cert.cert_index)
            .cloned()
            .collect();
        let evidence = Evidence::Revocation {
            certificate: cert.cert_index,
            sources: sources.clone(),
        };
        match &cert.status {
            Status::Good => {}
            Status::Revoked { reason, revoked_at } => {
                let by: Vec<&str> = sources
                    .iter()
                    .filter(|s| matches!(s.status, Status::Revoked { .. }))
                    .map(|s| s.source.describe())
                    .collect();
                let message = format!(
                    "{which} is revoked ({}){}{}",
                    by.join(", "),
                    revoked_at
                        .map(|at| format!(" since {}", crate::clock::rfc3339(at)))
                        .unwrap_or_default(),
                    reason
                        .as_deref()
                        .map(|r| format!(", reason {r}"))
                        .unwrap_or_default()
                );
                findings.push(
                    Finding::new(FindingCode::Revoked, Severity::Error, message, evidence)
                        .at_cert(cert.cert_index),
                );
            }
            Status::Unavailable { detail, .. } => {
                let severity = if policy == RevocationPolicy::Hard {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                let mut message = format!("the revocation status of {which} is unknown: {detail}");
                let blocked = blocked_hosts(&sources, is_workspace_host);
                if !blocked.is_empty() {
                    message.push_str(&format!(
                        ". The revocation servers {} cannot be reached on port 80: the Sync \
                         client then fails with CERT_REV_FAILED; allow them through the firewall \
                         or proxy (the article's Step 1)",
                        blocked.join(", ")
                    ));
                }
                findings.push(
                    Finding::new(
                        FindingCode::RevocationUnavailable,
                        severity,
                        message,
                        evidence,
                    )
                    .at_cert(cert.cert_index),
                );
            }
        }
    }
    findings
}

/// The workspace revocation hosts among the sources that failed on the network path.
fn blocked_hosts(
    sources: &[SourceResult],
    is_workspace_host: &dyn Fn(&str) -> bool,
) -> Vec<String> {
    let mut hosts = Vec::new();
    for source in sources.iter().filter(|s| s.failed_on_the_network()) {
        let Some(Ok(target)) = source.facts.url.as_deref().map(str::parse::<crate::Target>) else {
            continue;
        };
        let host = target.host.to_string();
        if is_workspace_host(&host) && !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    hosts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::{LabPki, Scenario};

    /// Every truncation of a valid CRL and OCSP response is refused, and every single-byte
    /// corruption is judged without a panic.
    #[test]
    fn damaged_revocation_data_never_panics_and_truncated_data_is_never_good() {
        let pki = LabPki::generate().unwrap_or_else(|_| unreachable!());
        let certs = pki
            .scenario(Scenario::Good)
            .unwrap_or_else(|| unreachable!());
        let anchor =
            webpki::anchor_from_trusted_cert(&pki.root.der).unwrap_or_else(|_| unreachable!());
        let links = links(&certs.served, None, Some(&anchor), None, Depth::Leaf);
        let serial: Vec<u8> = links[0]
            .subject
            .serial
            .iter()
            .copied()
            .skip_while(|b| *b == 0)
            .collect();
        let answers = std::collections::HashMap::from([(serial, crate::lab::Answer::Good)]);
        let responder = crate::lab::Responder::new(&pki.ocsp_signer, answers)
            .unwrap_or_else(|_| unreachable!());
        let inter = certs.inter.clone().unwrap_or_else(|| unreachable!());
        let at = time::macros::datetime!(2030-01-01 00:00 UTC);
        let response = responder
            .response_for(&certs.leaf.der, &inter, std::time::SystemTime::from(at))
            .unwrap_or_else(|_| unreachable!());
        let leeway = Duration::minutes(5);
        let judge = |crl: Option<Vec<u8>>, ocsp: Option<Vec<u8>>| {
            let crls: Vec<_> = crl
                .into_iter()
                .map(CertificateRevocationListDer::from)
                .collect();
            let responses: Vec<_> = ocsp.into_iter().collect();
            check_saved(
                &links,
                &crls,
                &responses,
                at,
                leeway,
                RevocationPolicy::Soft,
            )
        };
        // Whole, both are good: the cuts below start from a good answer.
        let whole = judge(Some(pki.crl.clone()), Some(response.clone()));
        assert_eq!(whole.len(), 2);
        assert!(whole.iter().all(|r| r.status == Status::Good), "{whole:?}");
        for end in 0..pki.crl.len() {
            let results = judge(Some(pki.crl[..end].to_vec()), None);
            assert!(
                results.iter().all(|r| r.status != Status::Good),
                "CRL cut at {end}"
            );
        }
        for end in 0..response.len() {
            let results = judge(None, Some(response[..end].to_vec()));
            assert!(
                results.iter().all(|r| r.status != Status::Good),
                "OCSP cut at {end}"
            );
        }
        for index in 0..pki.crl.len().max(response.len()) {
            let flip = |bytes: &[u8]| {
                let mut damaged = bytes.to_vec();
                if let Some(byte) = damaged.get_mut(index) {
                    *byte ^= 0xa5;
                }
                damaged
            };
            let _ = judge(Some(flip(&pki.crl)), Some(flip(&response)));
        }
    }
}
