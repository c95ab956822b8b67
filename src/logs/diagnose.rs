//! Diagnosis of one attempt with the live check's finding codes and rules: interception (a
//! known product's names, a loopback destination), clock skew (log time far outside the window
//! of a Google-issued certificate), untrusted root, revocation unavailable, name mismatch,
//! expiry, proxy authentication and fallback, and what the `hr` / `Code` values say (by table and
//! by HRESULT family: DNS and connect failures, a 407 as `0x80190197`, certificate errors).
//!
//! Names in the log are hints (the article: they are easy to forge); here they are all the log
//! has, so the evidence says which signals are names and which are not.

use std::net::SocketAddr;

use time::OffsetDateTime;

use super::attempt::{Attempt, CertBlock};
use crate::clock::{humanize_duration, rfc3339};
use crate::detect::identify_product;
use crate::finding::{Evidence, Finding, FindingCode, Severity};
use crate::wincodes::winhttp::{decode_flags, error_name, flag};
use crate::wincodes::{explain_error, explain_hresult};

/// A certificate window this far from the log time is not a server's mistake but the clock's.
const SKEW_SLACK_SECONDS: i64 = 7 * 86_400;

/// The findings for one attempt logged at `time`, most specific first.
pub fn diagnose(attempt: &Attempt, time: OffsetDateTime, citations: &[String]) -> Vec<Finding> {
    let cites = citations.to_vec();
    let trace = |detail: String| Evidence::Trace {
        detail,
        citations: cites.clone(),
    };
    let has = |bit: u32| attempt.info & bit != 0;
    let mut findings = Vec::new();
    let cert = attempt.certificate.as_ref();
    let names: Vec<&str> = cert
        .map(|c| {
            c.subject
                .iter()
                .chain(&c.issuer)
                .map(String::as_str)
                .collect()
        })
        .unwrap_or_default();
    let product = identify_product(names.iter().copied());
    let loopback = attempt
        .destination
        .as_deref()
        .and_then(parse_address)
        .is_some_and(|a| a.ip().is_loopback());
    let google_issuer = cert.is_some_and(|c| c.issuer.iter().any(|v| v.contains("Google")));
    let destination = attempt
        .destination
        .clone()
        .unwrap_or_else(|| "an unlogged address".to_owned());

    if product.is_some() || (loopback && cert.is_some() && !google_issuer) {
        let mut signals = Vec::new();
        if let Some(found) = &product {
            signals.push(format!(
                "certificate names match {} (\"{}\"; names can be forged)",
                found.product, found.keyword
            ));
        }
        if loopback {
            signals.push(format!(
                "the client connected to {destination}, a local proxy, not to Google"
            ));
        }
        if cert.is_some() && !google_issuer {
            signals.push("the issuer is not a Google CA".to_owned());
        }
        let who = product
            .as_ref()
            .map(|p| p.product.clone())
            .unwrap_or_else(|| "an unidentified proxy".to_owned());
        let message = format!("{who} intercepts this connection: {}", signals.join("; "));
        // A log holds names and addresses, no keys: a name and a local destination together
        // are a strong hint, one alone a weak one.
        let confidence = if product.is_some() && loopback {
            "medium"
        } else {
            "low"
        };
        let evidence = Evidence::Interception {
            product: product.as_ref().map(|p| p.product.clone()),
            keyword: product.as_ref().map(|p| p.keyword.clone()),
            confidence: confidence.to_owned(),
            signals,
            citations: cites.clone(),
        };
        findings.push(Finding::new(
            FindingCode::Interception,
            Severity::Error,
            message,
            evidence,
        ));
    }

    let skew = cert
        .filter(|_| google_issuer && product.is_none())
        .and_then(|c| clock_skew(c, time, &cites));
    let skewed = skew.is_some();
    findings.extend(skew);

    if has(flag::INVALID_CA) {
        let issuer = cert
            .map(|c| c.issuer.join(", "))
            .unwrap_or_else(|| "an unlogged issuer".to_owned());
        let message = match &product {
            Some(found) => format!(
                "Windows does not trust {}'s root ({issuer}): INVALID_CA",
                found.product
            ),
            None => {
                format!("Windows does not trust the certificate's issuer ({issuer}): INVALID_CA")
            }
        };
        findings.push(Finding::new(
            FindingCode::UntrustedRoot,
            Severity::Error,
            message,
            trace(flags_detail(attempt.info)),
        ));
    }
    if has(flag::CERT_REV_FAILED) {
        let cause = if skewed {
            " (with the clock this far off, revocation data cannot be current either)"
        } else {
            ""
        };
        let message = format!(
            "the revocation check failed (CERT_REV_FAILED): the CRL/OCSP servers (crl.pki.goog, \
             crls.pki.goog, ocsp.pki.goog, c.pki.goog, o.pki.goog on port 80) were unreachable \
             or their answer could not be used{cause}"
        );
        findings.push(Finding::new(
            FindingCode::RevocationUnavailable,
            Severity::Error,
            message,
            trace(flags_detail(attempt.info)),
        ));
    }
    if has(flag::CERT_REVOKED) {
        findings.push(Finding::new(
            FindingCode::Revoked,
            Severity::Error,
            "the certificate is revoked (CERT_REVOKED)".to_owned(),
            trace(flags_detail(attempt.info)),
        ));
    }
    if has(flag::CERT_CN_INVALID) {
        let subject = cert.map(|c| c.subject.join(", ")).unwrap_or_default();
        let message = format!("the certificate is for another name ({subject}): CERT_CN_INVALID");
        findings.push(Finding::new(
            FindingCode::NameMismatch,
            Severity::Error,
            message,
            trace(flags_detail(attempt.info)),
        ));
    }
    if has(flag::CERT_DATE_INVALID) && !skewed {
        let message = match cert.and_then(|c| c.not_after) {
            Some(end) if end < time => format!(
                "the certificate expired on {} (log time {})",
                rfc3339(end),
                rfc3339(time)
            ),
            _ => "the certificate is outside its validity window (CERT_DATE_INVALID)".to_owned(),
        };
        findings.push(Finding::new(
            FindingCode::Expired,
            Severity::Error,
            message,
            trace(flags_detail(attempt.info)),
        ));
    }
    if has(flag::CERT_WRONG_USAGE) {
        findings.push(Finding::new(
            FindingCode::WrongUsage,
            Severity::Error,
            "the certificate is not for TLS servers (CERT_WRONG_USAGE)".to_owned(),
            trace(flags_detail(attempt.info)),
        ));
    }
    if has(flag::SECURITY_CHANNEL_ERROR) {
        findings.push(Finding::new(
            FindingCode::TlsFailed,
            Severity::Error,
            "the secure channel failed (SECURITY_CHANNEL_ERROR)".to_owned(),
            trace(flags_detail(attempt.info)),
        ));
    }
    if attempt.proxy_auth {
        findings.push(Finding::new(
            FindingCode::ProxyAuthRequired,
            Severity::Error,
            "a proxy asked for authentication (407); the Sync client does not support authenticated proxies".to_owned(),
            trace("407 Proxy Authentication Required".to_owned()),
        ));
    }
    if attempt.proxy_fallback {
        let code = attempt.code.and_then(error_name).unwrap_or("an error");
        let message = format!(
            "the request through the WinHTTP proxy failed ({code}); the client retried without the proxy"
        );
        findings.push(Finding::new(
            FindingCode::ProxyFailed,
            Severity::Warning,
            message,
            trace(code.to_owned()),
        ));
    }
    let explained = attempt
        .hresult
        .map(explain_hresult)
        .into_iter()
        .chain(attempt.code.map(explain_error));
    for explanation in explained {
        let Some(&code) = explanation.findings.first() else {
            continue;
        };
        // The flags (or an earlier value) already said it; a clock-skew explains a date error.
        if findings.iter().any(|f| f.code == code) || (code == FindingCode::Expired && skewed) {
            continue;
        }
        let name = explanation
            .names
            .first()
            .cloned()
            .unwrap_or_else(|| explanation.value.clone());
        let message = format!(
            "{} ({name} = {}) connecting to {destination}",
            explanation.meaning.trim_end_matches('.'),
            explanation.value
        );
        findings.push(Finding::new(
            code,
            Severity::Error,
            message,
            trace(format!("{name}: {}", explanation.meaning)),
        ));
    }
    findings.sort_by_key(|finding| (std::cmp::Reverse(finding.severity), finding.code));
    findings
}

/// `clock-skew` when the log time lies far outside a Google certificate's window: Google's
/// servers do not present certificates years out of date, the machine's clock is wrong.
fn clock_skew(cert: &CertBlock, local: OffsetDateTime, cites: &[String]) -> Option<Finding> {
    let (start, end) = (cert.not_before?, cert.not_after?);
    // The real time lay inside [start, end] when the certificate was served.
    let (direction, min, max) = if (local - end).whole_seconds() > SKEW_SLACK_SECONDS {
        ("ahead", local - end, local - start)
    } else if (start - local).whole_seconds() > SKEW_SLACK_SECONDS {
        ("behind", start - local, end - local)
    } else {
        return None;
    };
    let message = format!(
        "the machine's clock is wrong: it read {} while Google presented a certificate valid from \
         {} to {}; the local clock is {} by {} to {}",
        rfc3339(local),
        rfc3339(start),
        rfc3339(end),
        direction,
        humanize_duration(min.unsigned_abs()),
        humanize_duration(max.unsigned_abs()),
    );
    let evidence = Evidence::ClockSkew {
        local_time: rfc3339(local),
        not_before: rfc3339(start),
        not_after: rfc3339(end),
        direction: direction.to_owned(),
        min_offset_seconds: min.whole_seconds().abs(),
        max_offset_seconds: max.whole_seconds().abs(),
        citations: cites.to_vec(),
    };
    Some(Finding::new(
        FindingCode::ClockSkew,
        Severity::Error,
        message,
        evidence,
    ))
}

fn flags_detail(info: u32) -> String {
    format!("Info 0x{info:08x} = {}", decode_flags(info).join(" | "))
}

fn parse_address(text: &str) -> Option<SocketAddr> {
    text.parse().ok()
}
