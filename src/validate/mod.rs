//! Validation of a captured chain, at an explicit instant: one module for every command.
//!
//! Input is the chain exactly as presented (DER, wire order); output is the parsed certificates,
//! the trust outcome and findings. Nothing here touches the network: when an issuer is missing,
//! [`Validation::fetch_urls`] says which AIA URLs the caller may fetch, and the caller validates
//! again with [`AiaOutcome`].

mod anchors;
mod checks;
mod constraints;
mod lint;
mod path;
mod reject;
mod rfc5280;

use rustls_pki_types::CertificateDer;
use serde::Serialize;
use time::OffsetDateTime;

pub use anchors::{AnchorSet, AnchorSource, Anchors};
pub use checks::{MIN_EC_BITS, MIN_RSA_BITS};
pub(crate) use reject::error_words;

use crate::chain::{self, CertInfo, dn_to_string, sha256_hex, wrap_sequence};
use crate::clock::rfc3339;
use crate::finding::{Evidence, Finding, FindingCode, Severity};
use crate::target::Host;

/// What became of fetching the missing issuer from its AIA caIssuers URL.
#[derive(Debug, Clone, Default)]
pub enum AiaOutcome {
    /// The fetch failed.
    Failed {
        /// The URL tried.
        url: String,
        /// Why it failed.
        reason: String,
    },
    /// The certificate was fetched.
    Fetched {
        /// The URL.
        url: String,
        /// The certificate fetched.
        der: CertificateDer<'static>,
    },
    /// No fetch was attempted (offline, or no URL).
    #[default]
    NotTried,
}

/// What to validate.
#[derive(Debug, Clone)]
pub struct ValidationInput<'a> {
    /// The chain as presented, leaf first.
    pub chain: &'a [CertificateDer<'static>],
    /// The host for the name check (none: no name check).
    pub host: Option<&'a Host>,
    /// The evaluation instant.
    pub at: OffsetDateTime,
    /// The anchors.
    pub anchors: &'a Anchors,
    /// The missing issuer, if it was fetched.
    pub aia: AiaOutcome,
}

/// Whether the chain leads to a trusted anchor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Trust {
    /// A path to an anchor was built.
    Trusted {
        /// Which anchor set.
        source: AnchorSource,
        /// The anchor's subject.
        anchor_subject: String,
        /// The anchor's SPKI SHA-256, hex.
        anchor_spki_sha256: String,
        /// The path needed the intermediate fetched from the AIA URL.
        via_fetched_intermediate: bool,
    },
    /// The check could not complete (the reason says why); never read this as trusted.
    Unknown {
        /// Why.
        reason: String,
    },
    /// No path to any anchor.
    Untrusted {
        /// Why.
        reason: String,
    },
}

/// The result of validating one chain.
#[derive(Debug, Clone)]
pub struct Validation {
    /// The presented certificates that could be parsed, in wire order.
    pub certs: Vec<CertInfo>,
    /// Trust outcome.
    pub trust: Trust,
    /// Problems found.
    pub findings: Vec<Finding>,
    /// AIA URLs worth fetching to complete the chain (empty when nothing is missing or a fetch
    /// was already tried).
    pub fetch_urls: Vec<String>,
}

impl Validation {
    /// A validation whose trust could not be judged.
    fn undetermined(certs: Vec<CertInfo>, findings: Vec<Finding>, reason: &str) -> Self {
        let trust = Trust::Unknown {
            reason: reason.to_owned(),
        };
        Self {
            certs,
            trust,
            findings,
            fetch_urls: Vec::new(),
        }
    }
}

/// Validates a presented chain. A chain longer than [`chain::MAX_CHAIN_LEN`] is not validated
/// (no valid chain is that long, and a hostile one would cost path building dearly).
pub fn validate(input: &ValidationInput<'_>) -> Validation {
    let mut certs = Vec::with_capacity(input.chain.len());
    let mut findings = Vec::new();
    if input.chain.len() > chain::MAX_CHAIN_LEN {
        let message = format!(
            "the server sent {} certificates; no valid chain needs more than {}, so it was not \
             validated (clients give up on such a chain)",
            input.chain.len(),
            chain::MAX_CHAIN_LEN
        );
        let evidence = Evidence::Tls {
            detail: format!("{} certificates presented", input.chain.len()),
        };
        findings.push(Finding::new(
            FindingCode::InvalidChain,
            Severity::Error,
            message,
            evidence,
        ));
        certs.extend(
            input.chain[..chain::MAX_CHAIN_LEN]
                .iter()
                .filter_map(|der| CertInfo::parse(der).ok()),
        );
        return Validation::undetermined(certs, findings, "too many certificates presented");
    }
    for (index, der) in input.chain.iter().enumerate() {
        match CertInfo::parse(der) {
            Ok(info) => certs.push(info),
            Err(error) => {
                let message = format!("certificate {index} cannot be parsed: {error}");
                let evidence = Evidence::Tls {
                    detail: error.to_string(),
                };
                findings.push(
                    Finding::new(
                        FindingCode::MalformedCertificate,
                        Severity::Error,
                        message,
                        evidence,
                    )
                    .at_cert(index),
                );
                return Validation::undetermined(certs, findings, "a certificate cannot be parsed");
            }
        }
    }
    let Some(leaf) = certs.first() else {
        return Validation::undetermined(certs, findings, "no certificate was presented");
    };
    let unreadable = unreadable_by_webpki(input.chain, &certs);
    findings.extend(checks::crypto(&certs));
    findings.extend(checks::usage(leaf));
    if let Some(host) = input.host {
        findings.extend(checks::name(&input.chain[0], leaf, host));
    }
    let leaf_unreadable = unreadable.iter().any(|(index, _)| *index == 0);
    // With the leaf unreadable by webpki, only RFC 5280 validation could judge it — and not its
    // name, which only webpki matches.
    let judged = if leaf_unreadable && input.host.is_some() {
        None
    } else {
        Some(judge_trust(input, &certs))
    };
    // A certificate the path needs only through a feature webpki lacks carries that gap as a
    // warning instead of its refusal.
    let bridged: &[usize] = judged.as_ref().map_or(&[], |judged| &judged.bridged);
    findings.extend(
        unreadable
            .iter()
            .filter(|(index, _)| !bridged.contains(index))
            .map(|(_, finding)| finding.clone()),
    );
    let judged = match judged {
        Some(judged) if !(leaf_unreadable && judged.path.is_none()) => judged,
        _ => {
            findings.extend(checks::validity(certs.iter().enumerate(), input.at));
            return Validation::undetermined(
                certs,
                findings,
                "the validator cannot read the server's certificate",
            );
        }
    };
    findings.extend(judged.findings);
    // Validity counts for the certificates of the path built; a presented certificate the
    // path does not need (an expired cross-sign beside a valid one) does not matter.
    match &judged.path {
        Some(path) => {
            findings.extend(checks::validity(
                path.presented.iter().map(|&index| (index, &certs[index])),
                input.at,
            ));
            // The path's issuers: the presented intermediates it uses, then the fetched one
            // (numbered past the presented chain).
            let fetched = fetched_in_path(input, path);
            let issuers = path
                .presented
                .iter()
                .filter(|&&index| index > 0)
                .map(|&index| (index, input.chain[index].as_ref(), &certs[index]))
                .chain(
                    fetched
                        .as_ref()
                        .map(|(der, info)| (input.chain.len(), *der, info)),
                );
            findings.extend(checks::issuer_key_usage(issuers));
        }
        None => findings.extend(checks::validity(certs.iter().enumerate(), input.at)),
    }
    let anchor = input.anchors.certificate_of(&judged.trust);
    if let Some(anchor) = anchor.and_then(|der| CertInfo::parse(der).ok()) {
        findings.extend(checks::anchor_validity(&anchor, input.at));
    }
    findings.extend(lint::lint(&certs, anchor));
    Validation {
        certs,
        trust: judged.trust,
        findings,
        fetch_urls: judged.fetch_urls,
    }
}

/// The intermediate fetched from an AIA URL, when the built path uses it: its DER and view.
fn fetched_in_path<'a>(
    input: &'a ValidationInput<'_>,
    path: &path::BuiltPath,
) -> Option<(&'a [u8], CertInfo)> {
    match &input.aia {
        AiaOutcome::Fetched { der, .. } if path.uses_fetched => {
            Some((der.as_ref(), CertInfo::parse(der).ok()?))
        }
        _ => None,
    }
}

/// The presented certificates rustls-webpki cannot read, as findings: an error for the leaf
/// (no client can use it), a warning for others (clients skip them when building the path).
fn unreadable_by_webpki(
    chain: &[CertificateDer<'static>],
    certs: &[CertInfo],
) -> Vec<(usize, Finding)> {
    chain
        .iter()
        .enumerate()
        .filter_map(|(index, der)| {
            let error = webpki::EndEntityCert::try_from(der).err()?;
            let rejection = reject::describe(&error);
            let severity = if index == 0 {
                Severity::Error
            } else {
                Severity::Warning
            };
            let message = format!(
                "{} is refused by the validator: {}",
                checks::role(index, &certs[index]),
                rejection.what
            );
            let evidence = Evidence::Tls {
                detail: format!("rustls-webpki {}: {}", rejection.name, rejection.what),
            };
            let finding = Finding::new(
                FindingCode::MalformedCertificate,
                severity,
                message,
                evidence,
            )
            .at_cert(index);
            Some((index, finding))
        })
        .collect()
}

/// What judging trust found.
struct Judged {
    trust: Trust,
    findings: Vec<Finding>,
    fetch_urls: Vec<String>,
    path: Option<path::BuiltPath>,
    /// Presented certificates webpki cannot read that the path uses through a gap of webpki's.
    bridged: Vec<usize>,
}

/// Builds the path and turns its outcome into a [`Trust`] and findings: webpki's path first,
/// then — when webpki cannot read the leaf or its refusal may be a feature it lacks — RFC
/// 5280's where only such a feature stood in the way.
fn judge_trust(input: &ValidationInput<'_>, certs: &[CertInfo]) -> Judged {
    let by_webpki = judge_by_webpki(input, certs);
    if by_webpki.judged.path.is_none()
        && by_webpki.gap_possible
        && let Some(judged) = judge_by_rfc5280(input, certs)
    {
        return judged;
    }
    by_webpki.judged
}

/// webpki's judgement, and whether a feature webpki lacks may explain its refusal (it cannot
/// read the leaf, finds no issuer, cannot read a time, or meets a name constraint).
struct ByWebpki {
    judged: Judged,
    gap_possible: bool,
}

/// A path RFC 5280 validation builds where webpki lacks a feature: trusted, with a warning per
/// gap (rustls-based clients refuse the path).
fn judge_by_rfc5280(input: &ValidationInput<'_>, certs: &[CertInfo]) -> Option<Judged> {
    let sets = std::iter::once((input.anchors.primary(), false))
        .chain(input.anchors.system().map(|system| (system, true)));
    let (set, is_system, found) = sets
        .filter_map(|(set, is_system)| {
            Some((set, is_system, rfc5280::build(input.chain, set, input.at)?))
        })
        .next()?;
    let mut findings: Vec<Finding> = found
        .gaps
        .iter()
        .map(|gap| {
            let cert = &certs[gap.index];
            let message = format!(
                "{} is refused by rustls-webpki: {}; the path is valid by RFC 5280 (OpenSSL accepts \
                 it), but clients built on rustls refuse it",
                checks::role(gap.index, cert),
                gap.what
            );
            let evidence = Evidence::Path {
                top_subject: cert.subject.clone(),
                top_issuer: cert.issuer.clone(),
                detail: gap.what.clone(),
            };
            Finding::new(
                FindingCode::NonconformingCertificate,
                Severity::Warning,
                message,
                evidence,
            )
            .at_cert(gap.index)
        })
        .collect();
    if is_system {
        findings.extend(locally_trusted(input, set, &found.built));
    }
    Some(Judged {
        trust: trusted(set, &found.built),
        findings,
        fetch_urls: Vec::new(),
        bridged: found.gaps.iter().map(|gap| gap.index).collect(),
        path: Some(found.built),
    })
}

/// webpki's path (primary anchors, then the system's) and its outcome.
fn judge_by_webpki(input: &ValidationInput<'_>, certs: &[CertInfo]) -> ByWebpki {
    let judged = |trust, findings, fetch_urls, path| Judged {
        trust,
        findings,
        fetch_urls,
        path,
        bridged: Vec::new(),
    };
    let done = |judged| ByWebpki {
        judged,
        gap_possible: false,
    };
    let Ok(leaf) = webpki::EndEntityCert::try_from(&input.chain[0]) else {
        let trust = Trust::Unknown {
            reason: "the leaf is not a valid end-entity certificate".into(),
        };
        return ByWebpki {
            judged: judged(trust, Vec::new(), Vec::new(), None),
            gap_possible: true,
        };
    };
    let fetched = match &input.aia {
        AiaOutcome::Fetched { der, .. } => Some(der),
        _ => None,
    };
    let primary = input.anchors.primary();
    let mut findings = Vec::new();
    let outcome = path::search(&leaf, primary, input.chain, fetched, certs, input.at);
    let outcome = match outcome {
        path::Outcome::Built(built) => {
            if built.uses_fetched {
                findings.push(missing_issuer_finding(certs, &input.aia, Severity::Error));
            }
            let trust = trusted(primary, &built);
            return done(judged(trust, findings, Vec::new(), Some(built)));
        }
        other => other,
    };
    if let Some(system) = input.anchors.system()
        && let path::Outcome::Built(built) =
            path::search(&leaf, system, input.chain, fetched, certs, input.at)
    {
        findings.extend(locally_trusted(input, system, &built));
        if built.uses_fetched {
            findings.push(missing_issuer_finding(certs, &input.aia, Severity::Error));
        }
        let trust = trusted(system, &built);
        return done(judged(trust, findings, Vec::new(), Some(built)));
    }
    let gap_possible = matches!(
        outcome,
        path::Outcome::Refused(
            webpki::Error::UnknownIssuer
                | webpki::Error::BadDerTime
                | webpki::Error::NameConstraintViolation
        )
    );
    let (trust, findings, fetch_urls) = match outcome {
        path::Outcome::Refused(error) => untrusted(input, certs, error),
        _ => disjoint_windows(certs),
    };
    ByWebpki {
        judged: judged(trust, findings, fetch_urls, None),
        gap_possible,
    }
}

fn trusted(set: &AnchorSet, built: &path::BuiltPath) -> Trust {
    let anchor = &set.anchors()[built.anchor_index];
    Trust::Trusted {
        source: set.source(),
        anchor_subject: dn_to_string(&wrap_sequence(anchor.subject.as_ref())),
        anchor_spki_sha256: set
            .spki_sha256(built.anchor_index)
            .unwrap_or_default()
            .to_owned(),
        via_fetched_intermediate: built.uses_fetched,
    }
}

/// `locally-trusted-root` when a path through the system's anchors ends at a root outside
/// Mozilla's set.
fn locally_trusted(
    input: &ValidationInput<'_>,
    system: &AnchorSet,
    built: &path::BuiltPath,
) -> Option<Finding> {
    let spki = system.spki_sha256(built.anchor_index).unwrap_or_default();
    if input.anchors.is_mozilla_spki(spki) {
        return None;
    }
    let anchor = &system.anchors()[built.anchor_index];
    let subject = dn_to_string(&wrap_sequence(anchor.subject.as_ref()));
    let spki_sha256 = sha256_hex(&wrap_sequence(anchor.subject_public_key_info.as_ref()));
    let locations = system.locations(built.anchor_index).to_vec();
    let stores = if locations.is_empty() {
        String::new()
    } else {
        format!(" ({})", locations.join(", "))
    };
    let message = format!(
        "the chain is trusted only through {subject}, a root of this machine's store{stores} \
         that is not in Mozilla's set"
    );
    Some(Finding::new(
        FindingCode::LocallyTrustedRoot,
        Severity::Warning,
        message,
        Evidence::Anchor {
            subject,
            spki_sha256,
            locations,
        },
    ))
}

/// `invalid-chain` when no instant lies inside the windows a path needs: which windows do not
/// overlap (the leaf's and those of the certificates that could issue it).
fn disjoint_windows(certs: &[CertInfo]) -> (Trust, Vec<Finding>, Vec<String>) {
    let leaf = &certs[0];
    let disjoint: Vec<(usize, &CertInfo)> = certs
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, cert)| cert.not_after < leaf.not_before || cert.not_before > leaf.not_after)
        .collect();
    let issuers: Vec<&(usize, &CertInfo)> = disjoint
        .iter()
        .filter(|(_, cert)| cert.subject == leaf.issuer)
        .collect();
    let named = if issuers.is_empty() {
        disjoint.iter().collect::<Vec<_>>()
    } else {
        issuers
    };
    let window = |cert: &CertInfo| {
        format!(
            "{} .. {}",
            rfc3339(cert.not_before),
            rfc3339(cert.not_after)
        )
    };
    let others = named
        .iter()
        .map(|(index, cert)| format!("{} (valid {})", checks::role(*index, cert), window(cert)))
        .collect::<Vec<_>>();
    let message = format!(
        "no instant lies inside every validity window the path needs: {} is valid {}{}; no \
         client accepts this chain at any time, whatever its clock says",
        checks::role(0, leaf),
        window(leaf),
        if others.is_empty() {
            String::new()
        } else {
            format!(", but {}", others.join(" and "))
        }
    );
    let top = &certs[certs.len() - 1];
    let evidence = Evidence::Path {
        top_subject: top.subject.clone(),
        top_issuer: top.issuer.clone(),
        detail: "the validity windows do not overlap".to_owned(),
    };
    let finding = Finding::new(
        FindingCode::InvalidChain,
        Severity::Error,
        message,
        evidence,
    );
    let trust = Trust::Untrusted {
        reason: "the validity windows of the chain do not overlap".to_owned(),
    };
    (trust, vec![finding], Vec::new())
}

/// Classifies a failed path build (RFC 5280 §6.1) into the most specific finding.
fn untrusted(
    input: &ValidationInput<'_>,
    certs: &[CertInfo],
    error: webpki::Error,
) -> (Trust, Vec<Finding>, Vec<String>) {
    let leaf = &certs[0];
    let top_index = certs.len() - 1;
    let top = &certs[top_index];
    let rejection = reject::describe(&error);
    let path_evidence = || Evidence::Path {
        top_subject: top.subject.clone(),
        top_issuer: top.issuer.clone(),
        detail: format!("rustls-webpki {}: {}", rejection.name, rejection.what),
    };
    match error {
        webpki::Error::UnknownIssuer if leaf.self_signed => {
            let message = format!("the leaf certificate ({}) is self-signed", leaf.subject);
            let finding = Finding::new(
                FindingCode::SelfSigned,
                Severity::Error,
                message,
                path_evidence(),
            )
            .at_cert(0);
            let trust = Trust::Untrusted {
                reason: "self-signed leaf".into(),
            };
            return (trust, vec![finding], Vec::new());
        }
        webpki::Error::UnknownIssuer if top.self_signed => {
            let message = format!(
                "the chain ends at {}, which is not a trusted root",
                top.subject
            );
            let finding = Finding::new(
                FindingCode::UntrustedRoot,
                Severity::Error,
                message,
                path_evidence(),
            )
            .at_cert(top_index);
            let trust = Trust::Untrusted {
                reason: "unknown root".into(),
            };
            return (trust, vec![finding], Vec::new());
        }
        webpki::Error::UnknownIssuer => {
            let fetch_urls = match input.aia {
                AiaOutcome::NotTried => top.ca_issuers.clone(),
                _ => Vec::new(),
            };
            let mut findings = vec![missing_issuer_finding(certs, &input.aia, Severity::Error)];
            if let AiaOutcome::Fetched { .. } = input.aia {
                let message = format!(
                    "even with the issuer fetched from its AIA URL, the chain of {} does not \
                     lead to a trusted root",
                    leaf.subject
                );
                findings.push(Finding::new(
                    FindingCode::UntrustedRoot,
                    Severity::Error,
                    message,
                    path_evidence(),
                ));
            }
            let trust = Trust::Untrusted {
                reason: "issuer not found".into(),
            };
            return (trust, findings, fetch_urls);
        }
        _ => {}
    }
    // A weak signature or a non-TLS EKU is already a finding of its own; the path's refusal
    // repeats it unless it says more.
    let repeated = match rejection.code {
        FindingCode::WrongUsage => checks::usage(leaf).is_some(),
        _ => false,
    } || (rejection.name.starts_with("UnsupportedSignatureAlgorithm")
        && certs.iter().any(CertInfo::has_weak_signature));
    let reason = format!("{}: {}", rejection.name, rejection.what);
    if repeated {
        // Whether the root is trusted could not be judged past that refusal.
        return (Trust::Unknown { reason }, Vec::new(), Vec::new());
    }
    let trust = Trust::Untrusted { reason };
    let message = format!("the validator refuses the chain: {}", rejection.what);
    let finding = Finding::new(rejection.code, Severity::Error, message, path_evidence());
    (trust, vec![finding], Vec::new())
}

/// `incomplete-chain`: the topmost presented certificate's issuer was not sent.
fn missing_issuer_finding(certs: &[CertInfo], aia: &AiaOutcome, severity: Severity) -> Finding {
    let top_index = certs.len() - 1;
    let top = &certs[top_index];
    let (fetched_subject, fetch_error) = match aia {
        AiaOutcome::Fetched { der, .. } => match CertInfo::parse(der) {
            Ok(info) => (Some(info.subject), None),
            Err(error) => (None, Some(error.to_string())),
        },
        AiaOutcome::Failed { url, reason } => (None, Some(format!("{url}: {reason}"))),
        AiaOutcome::NotTried if top.ca_issuers.is_empty() => (
            None,
            Some("the certificate names no AIA caIssuers URL".to_owned()),
        ),
        AiaOutcome::NotTried => (None, Some("not fetched".to_owned())),
    };
    let message = match &fetched_subject {
        Some(subject) => format!(
            "the server did not send the intermediate certificate {subject}; it was fetched from \
             the AIA URL, which many clients (including WinHTTP without network access) do not do"
        ),
        None => format!(
            "the server did not send the issuer of {} ({}), and it is not a trusted root",
            top.subject, top.issuer
        ),
    };
    let evidence = Evidence::MissingIssuer {
        issuer: top.issuer.clone(),
        aia_urls: top.ca_issuers.clone(),
        fetched_subject,
        fetch_error,
    };
    Finding::new(FindingCode::IncompleteChain, severity, message, evidence).at_cert(top_index)
}

/// Loads anchors from a PEM file's bytes (`--ca-file`).
pub fn anchors_from_pem(bytes: &[u8]) -> Result<Anchors, chain::Error> {
    Ok(Anchors::only(AnchorSet::from_pem(bytes)?))
}
