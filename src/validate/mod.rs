//! Validation of a captured chain, at an explicit instant: one module for every command.
//!
//! Input is the chain exactly as presented (DER, wire order); output is the parsed certificates,
//! the trust outcome and findings. Nothing here touches the network: when an issuer is missing,
//! [`Validation::fetch_urls`] says which AIA URLs the caller may fetch, and the caller validates
//! again with [`AiaOutcome`].

mod anchors;
mod checks;
mod path;

use rustls_pki_types::CertificateDer;
use serde::Serialize;
use time::OffsetDateTime;

pub use anchors::{AnchorSet, AnchorSource, Anchors};
pub use checks::MIN_RSA_BITS;

use crate::chain::{self, CertInfo, dn_to_string, sha256_hex, wrap_sequence};
use crate::clock::unix_time;
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

/// Validates a presented chain.
pub fn validate(input: &ValidationInput<'_>) -> Validation {
    let mut certs = Vec::with_capacity(input.chain.len());
    let mut findings = Vec::new();
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
    findings.extend(checks::validity(&certs, input.at));
    findings.extend(checks::crypto(&certs));
    findings.extend(checks::usage(leaf));
    if let Some(host) = input.host {
        findings.extend(checks::name(&input.chain[0], leaf, host));
    }
    let (trust, trust_findings, fetch_urls) = judge_trust(input, &certs);
    findings.extend(trust_findings);
    Validation {
        certs,
        trust,
        findings,
        fetch_urls,
    }
}

/// Builds the path and turns its outcome into a [`Trust`] and findings.
fn judge_trust(
    input: &ValidationInput<'_>,
    certs: &[CertInfo],
) -> (Trust, Vec<Finding>, Vec<String>) {
    let leaf_der = &input.chain[0];
    let Ok(leaf) = webpki::EndEntityCert::try_from(leaf_der) else {
        return (
            Trust::Unknown {
                reason: "the leaf is not a valid end-entity certificate".into(),
            },
            Vec::new(),
            Vec::new(),
        );
    };
    let at = unix_time(path::trust_instant(certs, input.at));
    let fetched = match &input.aia {
        AiaOutcome::Fetched { der, .. } => Some(der),
        _ => None,
    };
    let intermediates = &input.chain[1..];
    let primary = input.anchors.primary();
    let mut findings = Vec::new();
    let error = match path::build(&leaf, primary, intermediates, fetched, at) {
        Ok(built) => {
            if built.uses_fetched {
                findings.push(missing_issuer_finding(certs, &input.aia, Severity::Error));
            }
            return (trusted(primary, built), findings, Vec::new());
        }
        Err(error) => error,
    };
    if let Some(system) = input.anchors.system()
        && let Ok(built) = path::build(&leaf, system, intermediates, fetched, at)
    {
        let spki = system.spki_sha256(built.anchor_index).unwrap_or_default();
        if !input.anchors.is_mozilla_spki(spki) {
            findings.push(locally_trusted(system, built));
        }
        if built.uses_fetched {
            findings.push(missing_issuer_finding(certs, &input.aia, Severity::Error));
        }
        return (trusted(system, built), findings, Vec::new());
    }
    untrusted(input, certs, error)
}

fn trusted(set: &AnchorSet, built: path::BuiltPath) -> Trust {
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

fn locally_trusted(system: &AnchorSet, built: path::BuiltPath) -> Finding {
    let anchor = &system.anchors()[built.anchor_index];
    let subject = dn_to_string(&wrap_sequence(anchor.subject.as_ref()));
    let spki_sha256 = sha256_hex(&wrap_sequence(anchor.subject_public_key_info.as_ref()));
    let message = format!(
        "the chain is trusted only through {subject}, a root of this machine's store that is not \
         in Mozilla's set"
    );
    Finding::new(
        FindingCode::LocallyTrustedRoot,
        Severity::Warning,
        message,
        Evidence::Anchor {
            subject,
            spki_sha256,
        },
    )
}

/// Classifies a failed path build (RFC 5280 §6.1) into the most specific finding.
#[allow(deprecated)] // webpki still returns the context-less variants in some paths.
fn untrusted(
    input: &ValidationInput<'_>,
    certs: &[CertInfo],
    error: webpki::Error,
) -> (Trust, Vec<Finding>, Vec<String>) {
    let leaf = &certs[0];
    let top_index = certs.len() - 1;
    let top = &certs[top_index];
    let detail = format!("{error:?}");
    let path_evidence = || Evidence::Path {
        top_subject: top.subject.clone(),
        top_issuer: top.issuer.clone(),
        detail: detail.clone(),
    };
    let reason = match error {
        webpki::Error::UnknownIssuer if leaf.self_signed => {
            let message = format!("the leaf certificate ({}) is self-signed", leaf.subject);
            let finding = Finding::new(
                FindingCode::SelfSigned,
                Severity::Error,
                message,
                path_evidence(),
            )
            .at_cert(0);
            return (
                Trust::Untrusted {
                    reason: "self-signed leaf".into(),
                },
                vec![finding],
                Vec::new(),
            );
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
            return (
                Trust::Untrusted {
                    reason: "unknown root".into(),
                },
                vec![finding],
                Vec::new(),
            );
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
            return (
                Trust::Untrusted {
                    reason: "issuer not found".into(),
                },
                findings,
                fetch_urls,
            );
        }
        webpki::Error::RequiredEkuNotFound | webpki::Error::RequiredEkuNotFoundContext(_) => {
            return (
                Trust::Unknown {
                    reason: "the leaf is not for TLS servers".into(),
                },
                Vec::new(),
                Vec::new(),
            );
        }
        webpki::Error::UnsupportedSignatureAlgorithm
        | webpki::Error::UnsupportedSignatureAlgorithmContext(_)
        | webpki::Error::UnsupportedSignatureAlgorithmForPublicKey
        | webpki::Error::UnsupportedSignatureAlgorithmForPublicKeyContext(_)
            if certs.iter().any(CertInfo::has_weak_signature) =>
        {
            return (
                Trust::Unknown {
                    reason: "a signature algorithm cannot be verified".into(),
                },
                Vec::new(),
                Vec::new(),
            );
        }
        _ => "the chain does not verify",
    };
    let message = format!("{reason}: {detail}");
    let finding = Finding::new(
        FindingCode::UntrustedRoot,
        Severity::Error,
        message,
        path_evidence(),
    );
    (
        Trust::Untrusted { reason: detail },
        vec![finding],
        Vec::new(),
    )
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
