//! Per-certificate checks that need no path: validity window, weak signature and key, EKU, and
//! the host name (RFC 9525 via rustls-webpki, which matches on the SAN only).

use rustls_pki_types::CertificateDer;
use time::OffsetDateTime;

use crate::chain::CertInfo;
use crate::clock::{humanize_delta, rfc3339};
use crate::finding::{Evidence, Finding, FindingCode, Severity};
use crate::target::Host;

/// The smallest RSA modulus not reported as weak.
pub const MIN_RSA_BITS: usize = 2048;

/// `expired` / `not-yet-valid` for every presented certificate outside its window at `at`.
pub(crate) fn validity(certs: &[CertInfo], at: OffsetDateTime) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (index, cert) in certs.iter().enumerate() {
        let (code, message) = if at > cert.not_after {
            let when = humanize_delta(cert.not_after, at);
            (
                FindingCode::Expired,
                format!(
                    "{} expired {when} (notAfter {})",
                    role(index, cert),
                    rfc3339(cert.not_after)
                ),
            )
        } else if at < cert.not_before {
            let when = humanize_delta(cert.not_before, at);
            (
                FindingCode::NotYetValid,
                format!(
                    "{} is not valid until {} ({when})",
                    role(index, cert),
                    rfc3339(cert.not_before)
                ),
            )
        } else {
            continue;
        };
        let evidence = Evidence::Validity {
            at: rfc3339(at),
            not_before: rfc3339(cert.not_before),
            not_after: rfc3339(cert.not_after),
        };
        findings.push(Finding::new(code, Severity::Error, message, evidence).at_cert(index));
    }
    findings
}

/// `weak-signature` (MD5/SHA-1 on a certificate whose signature matters) and `weak-key`.
pub(crate) fn crypto(certs: &[CertInfo]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (index, cert) in certs.iter().enumerate() {
        // A root's self-signature is never checked by clients; its hash does not matter.
        if cert.has_weak_signature() && !(cert.self_signed && index > 0) {
            let message = format!(
                "{} is signed with {}, which clients reject",
                role(index, cert),
                cert.signature_algorithm
            );
            let evidence = Evidence::Crypto {
                algorithm: cert.signature_algorithm.clone(),
            };
            findings.push(
                Finding::new(
                    FindingCode::WeakSignature,
                    Severity::Error,
                    message,
                    evidence,
                )
                .at_cert(index),
            );
        }
        if cert.key.algorithm == "RSA" && cert.key.bits < MIN_RSA_BITS {
            let message = format!(
                "{} has a {}-bit RSA key (minimum {MIN_RSA_BITS})",
                role(index, cert),
                cert.key.bits
            );
            let evidence = Evidence::Crypto {
                algorithm: cert.key.to_string(),
            };
            findings.push(
                Finding::new(FindingCode::WeakKey, Severity::Error, message, evidence)
                    .at_cert(index),
            );
        }
    }
    findings
}

/// `wrong-usage` when the leaf's EKU is present and allows neither serverAuth nor any usage.
pub(crate) fn usage(leaf: &CertInfo) -> Option<Finding> {
    let usages = leaf.extended_key_usage.as_ref()?;
    if usages
        .iter()
        .any(|usage| usage == "serverAuth" || usage == "any")
    {
        return None;
    }
    let message = format!(
        "the leaf certificate is not for TLS servers (extended key usage: {})",
        if usages.is_empty() {
            "empty".to_owned()
        } else {
            usages.join(", ")
        }
    );
    let evidence = Evidence::Usage {
        present: usages.clone(),
    };
    Some(Finding::new(FindingCode::WrongUsage, Severity::Error, message, evidence).at_cert(0))
}

/// `name-mismatch` when no SAN of the leaf matches `host`.
pub(crate) fn name(leaf_der: &CertificateDer<'_>, leaf: &CertInfo, host: &Host) -> Option<Finding> {
    let end_entity = webpki::EndEntityCert::try_from(leaf_der).ok()?;
    if end_entity
        .verify_is_valid_for_subject_name(&host.server_name())
        .is_ok()
    {
        return None;
    }
    let presented = leaf.names();
    let message = if presented.is_empty() {
        format!("the certificate names no host in its SAN; {host} was asked for")
    } else {
        format!("the certificate is for {}, not {host}", shorten(&presented))
    };
    let evidence = Evidence::Names {
        expected: host.to_string(),
        presented,
    };
    Some(
        Finding::new(
            FindingCode::NameMismatch,
            Severity::Error,
            message,
            evidence,
        )
        .at_cert(0),
    )
}

/// "the leaf certificate (CN=…)" / "certificate 2 (CN=…)".
pub(crate) fn role(index: usize, cert: &CertInfo) -> String {
    match index {
        0 => format!("the leaf certificate ({})", cert.subject),
        _ => format!("certificate {index} ({})", cert.subject),
    }
}

fn shorten(names: &[String]) -> String {
    const SHOWN: usize = 4;
    let mut text = names
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    text
}
