//! Per-certificate checks that need no path: validity window, weak signature and key, EKU, and
//! the host name (RFC 9525 via rustls-webpki, which matches on the SAN only; a wildcard over a
//! public suffix matches nothing, as in browsers).

use rustls_pki_types::CertificateDer;
use time::OffsetDateTime;

use crate::chain::CertInfo;
use crate::clock::{humanize_delta, rfc3339};
use crate::finding::{Evidence, Finding, FindingCode, Severity};
use crate::target::Host;

/// The smallest RSA modulus not reported as weak.
pub const MIN_RSA_BITS: usize = 2048;

/// The smallest elliptic curve not reported as weak, in bits.
pub const MIN_EC_BITS: usize = 256;

/// `expired` / `not-yet-valid` for each certificate (by its position in the presented chain)
/// outside its window at `at`. Windows have a granularity of one second (RFC 5280 §4.1.2.5), so
/// `at` is compared to the second.
pub(crate) fn validity<'a>(
    certs: impl IntoIterator<Item = (usize, &'a CertInfo)>,
    at: OffsetDateTime,
) -> Vec<Finding> {
    let at = at.replace_nanosecond(0).unwrap_or(at);
    let mut findings = Vec::new();
    for (index, cert) in certs {
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

/// `expired` / `not-yet-valid` for the trust anchor a path ends at (when its certificate is
/// known): clients that check roots' validity (Windows, OpenSSL) refuse such a chain.
pub(crate) fn anchor_validity(anchor: &CertInfo, at: OffsetDateTime) -> Option<Finding> {
    let at = at.replace_nanosecond(0).unwrap_or(at);
    let (code, message) = if at > anchor.not_after {
        (
            FindingCode::Expired,
            format!(
                "the root {} (the trust anchor of the path) expired {} (notAfter {})",
                anchor.subject,
                humanize_delta(anchor.not_after, at),
                rfc3339(anchor.not_after)
            ),
        )
    } else if at < anchor.not_before {
        (
            FindingCode::NotYetValid,
            format!(
                "the root {} (the trust anchor of the path) is not valid until {} ({})",
                anchor.subject,
                rfc3339(anchor.not_before),
                humanize_delta(anchor.not_before, at)
            ),
        )
    } else {
        return None;
    };
    let evidence = Evidence::Validity {
        at: rfc3339(at),
        not_before: rfc3339(anchor.not_before),
        not_after: rfc3339(anchor.not_after),
    };
    Some(Finding::new(code, Severity::Error, message, evidence))
}

/// `weak-signature` (MD5/SHA-1 on a certificate whose signature matters) and `weak-key` (RSA
/// under 2048 bits, a curve under 256 bits, DSA).
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
        let weak = match cert.key.algorithm.as_str() {
            "RSA" if cert.key.bits < MIN_RSA_BITS => Some(format!(
                "a {}-bit RSA key (minimum {MIN_RSA_BITS})",
                cert.key.bits
            )),
            "EC" if cert.key.bits < MIN_EC_BITS => Some(format!(
                "a key on a {}-bit curve (minimum {MIN_EC_BITS}: P-256)",
                cert.key.bits
            )),
            "DSA" => Some("a DSA key, which TLS clients no longer accept".to_owned()),
            _ => None,
        };
        if let Some(weak) = weak {
            let message = format!("{} has {weak}", role(index, cert));
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

/// `name-mismatch` when no SAN of the leaf matches `host`, or only a wildcard over a public
/// suffix does (`*.co.uk`: browsers never let one match).
pub(crate) fn name(leaf_der: &CertificateDer<'_>, leaf: &CertInfo, host: &Host) -> Option<Finding> {
    let end_entity = webpki::EndEntityCert::try_from(leaf_der).ok()?;
    let matched = end_entity
        .verify_is_valid_for_subject_name(&host.server_name())
        .is_ok();
    let suffix_wildcard = matched
        .then(|| public_suffix_wildcard(leaf, host))
        .flatten();
    if matched && suffix_wildcard.is_none() {
        return None;
    }
    let presented = leaf.names();
    let message = if let Some(wildcard) = suffix_wildcard {
        format!(
            "the certificate's only match for {host} is {wildcard}, a wildcard over a public \
             suffix, which clients never accept (CA/Browser Forum BR 3.2.2.6)"
        )
    } else if presented.is_empty() {
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

/// The SAN wildcard that matches `host`, when it is the only match and covers a public suffix.
fn public_suffix_wildcard(leaf: &CertInfo, host: &Host) -> Option<String> {
    let Host::Dns(name) = host else {
        return None;
    };
    if leaf
        .dns_names
        .iter()
        .any(|san| san.eq_ignore_ascii_case(name))
    {
        return None;
    }
    let (_, parent) = name.split_once('.')?;
    leaf.dns_names
        .iter()
        .find(|san| {
            san.strip_prefix("*.").is_some_and(|base| {
                base.eq_ignore_ascii_case(parent)
                    && psl::suffix(base.to_ascii_lowercase().as_bytes()).is_some_and(|suffix| {
                        suffix.is_known() && suffix.as_bytes().len() == base.len()
                    })
            })
        })
        .cloned()
}

/// `invalid-chain` for each issuing certificate of the path whose key usage is present without
/// keyCertSign (RFC 5280 §6.1.4 (n)), critical or not: OpenSSL, NSS, Chrome's verifier and
/// CryptoAPI refuse such a path; rustls-webpki does not check it. `issuers` are the path's
/// certificates above the leaf: their position (the presented chain, or past its end for the
/// intermediate fetched from an AIA URL), DER and view. The anchor is not judged (RFC 5280 §6.1.1
/// (d): a trust anchor's own certificate is not part of the path).
pub(crate) fn issuer_key_usage<'a>(
    issuers: impl IntoIterator<Item = (usize, &'a [u8], &'a CertInfo)>,
) -> Vec<Finding> {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let mut findings = Vec::new();
    for (index, der, cert) in issuers {
        let Ok((_, parsed)) = X509Certificate::from_der(der) else {
            continue;
        };
        let Ok(Some(usage)) = parsed.key_usage() else {
            continue;
        };
        if usage.value.key_cert_sign() {
            continue;
        }
        let critical = if usage.critical {
            "critical"
        } else {
            "non-critical"
        };
        let message = format!(
            "{} signed the certificate below it, but its {critical} key usage ({}) lacks \
             keyCertSign: it may not sign certificates, so browsers and OpenSSL refuse the path \
             (RFC 5280 §6.1.4 (n))",
            role(index, cert),
            usage.value
        );
        let evidence = Evidence::Path {
            top_subject: cert.subject.clone(),
            top_issuer: cert.issuer.clone(),
            detail: format!("key usage without keyCertSign: {}", usage.value),
        };
        findings.push(
            Finding::new(
                FindingCode::InvalidChain,
                Severity::Error,
                message,
                evidence,
            )
            .at_cert(index),
        );
    }
    findings
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
