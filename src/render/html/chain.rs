//! The chain drawn: a box per certificate from the trust anchor down to the leaf, each coloured
//! by its own state (validity at the evaluation instant, revocation, the findings naming it), the
//! link to the anchor marked broken when the chain is not trusted, and each box's fingerprints
//! below it (and on hover).

use time::OffsetDateTime;

use super::{Page, esc};
use crate::chain::CertInfo;
use crate::finding::{Finding, Severity};
use crate::report::EndpointReport;
use crate::revocation::{RevocationReport, Status as Revocation};
use crate::validate::Trust;

/// Draws `endpoint`'s chain judged at `at`.
pub(super) fn draw(page: &mut Page, endpoint: &EndpointReport, at: OffsetDateTime) {
    page.push(format_args!(
        "<figure class=\"chain\">\n<figcaption>Chain, from the root to the leaf</figcaption>\n"
    ));
    anchor(page, endpoint);
    for (index, cert) in endpoint.certificates.iter().enumerate().rev() {
        certificate(page, index, cert, endpoint, at);
        if index > 0 {
            page.push(format_args!(
                "<div class=\"link\" aria-hidden=\"true\">&#x2193; issued</div>\n"
            ));
        }
    }
    page.push(format_args!("</figure>\n"));
}

/// The top of the chain: the anchor it reached, or the broken link and why.
fn anchor(page: &mut Page, endpoint: &EndpointReport) {
    // Findings about the chain as a whole (no certificate named): they are the top link's.
    let codes: Vec<&str> = endpoint
        .findings
        .iter()
        .filter(|f| f.cert_index.is_none() && f.severity == Severity::Error)
        .map(|f| f.code.as_str())
        .collect();
    let (class, text) = match &endpoint.trust {
        Some(Trust::Trusted {
            source,
            anchor_subject,
            via_fetched_intermediate,
            ..
        }) => (
            "anchor trusted",
            format!(
                "Trust anchor: {} <small>in {}{}</small>",
                esc(anchor_subject),
                source.describe(),
                if *via_fetched_intermediate {
                    ", through an intermediate fetched by AIA"
                } else {
                    ""
                }
            ),
        ),
        Some(Trust::Untrusted { reason }) => (
            "anchor broken failing",
            format!("&#x2717; No trusted root: {}", esc(reason)),
        ),
        Some(Trust::Unknown { reason }) => (
            "anchor unknown",
            format!("? Trust not determined: {}", esc(reason)),
        ),
        None => return,
    };
    page.push(format_args!(
        "<div class=\"cert {class}\" data-role=\"anchor\" data-codes=\"{}\">{text}",
        codes.join(" ")
    ));
    if !codes.is_empty() {
        page.push(format_args!(
            "<div class=\"marks\">{}</div>",
            codes
                .iter()
                .map(|code| format!("<code>{code}</code>"))
                .collect::<String>()
        ));
    }
    page.push(format_args!("</div>\n"));
    if !endpoint.certificates.is_empty() {
        let broken = !matches!(endpoint.trust, Some(Trust::Trusted { .. }));
        page.push(format_args!(
            "<div class=\"link{}\" aria-hidden=\"true\">{}</div>\n",
            if broken { " broken" } else { "" },
            if broken {
                "&#x2193; &#x2717; no path"
            } else {
                "&#x2193; issued"
            }
        ));
    }
}

/// One certificate's box.
fn certificate(
    page: &mut Page,
    index: usize,
    cert: &CertInfo,
    endpoint: &EndpointReport,
    at: OffsetDateTime,
) {
    let own: Vec<&Finding> = endpoint
        .findings
        .iter()
        .filter(|f| f.cert_index == Some(index))
        .collect();
    let validity = if at < cert.not_before {
        ("bad", format!("not valid before {}", rfc(cert.not_before)))
    } else if at > cert.not_after {
        ("bad", format!("expired {}", rfc(cert.not_after)))
    } else {
        ("good", format!("valid until {}", rfc(cert.not_after)))
    };
    let revocation = revocation(endpoint.revocation.as_ref(), index);
    let worst = own.iter().map(|f| f.severity).max();
    let state = if worst == Some(Severity::Error) || validity.0 == "bad" || revocation.0 == "bad" {
        "bad failing"
    } else if worst == Some(Severity::Warning) || revocation.0 == "warn" {
        "warn"
    } else if matches!(endpoint.trust, Some(Trust::Trusted { .. })) {
        "good"
    } else {
        "neutral"
    };
    let role = if index == 0 {
        "leaf"
    } else if cert.self_signed {
        "root"
    } else {
        "intermediate"
    };
    let codes: Vec<&str> = own.iter().map(|f| f.code.as_str()).collect();
    page.push(format_args!(
        "<div class=\"cert {state}\" data-role=\"{role}\" data-index=\"{index}\" \
         data-codes=\"{codes}\" title=\"SHA-256 {sha}&#10;SPKI SHA-256 {spki}&#10;SHA-1 {sha1}\">\
         <div class=\"subject\"><span class=\"role\">[{index}] {role}</span> {subject}</div>\
         <div class=\"issuer\">issued by {issuer}</div>\
         <div class=\"states\"><span class=\"{vclass}\">{vtext}</span> \
         <span class=\"{rclass}\">{rtext}</span> <span>{key}, {alg}</span></div>",
        codes = codes.join(" "),
        sha = cert.sha256,
        spki = cert.spki_sha256,
        sha1 = cert.sha1,
        subject = esc(&cert.subject),
        issuer = esc(&cert.issuer),
        vclass = validity.0,
        vtext = validity.1,
        rclass = revocation.0,
        rtext = revocation.1,
        key = esc(&cert.key.to_string()),
        alg = esc(&cert.signature_algorithm),
    ));
    if !own.is_empty() {
        page.push(format_args!(
            "<div class=\"marks\">{}</div>",
            own.iter()
                .map(|f| format!(
                    "<code class=\"{}\">{}</code>",
                    super::severity_class(f.severity),
                    f.code
                ))
                .collect::<String>()
        ));
    }
    page.push(format_args!(
        "<div class=\"fingerprint\">SHA-256 {}</div></div>\n",
        cert.sha256
    ));
}

/// The certificate's revocation state: (class, words).
fn revocation(report: Option<&RevocationReport>, index: usize) -> (&'static str, String) {
    let Some(cert) = report.and_then(|r| r.certificates.iter().find(|c| c.cert_index == index))
    else {
        return ("muted", "revocation not checked".to_owned());
    };
    match &cert.status {
        Revocation::Good => ("good", "not revoked (verified)".to_owned()),
        Revocation::Revoked { revoked_at, .. } => (
            "bad",
            revoked_at.map_or_else(|| "REVOKED".to_owned(), |at| format!("REVOKED {}", rfc(at))),
        ),
        Revocation::Unavailable { .. } => ("warn", "revocation unknown".to_owned()),
    }
}

fn rfc(at: OffsetDateTime) -> String {
    crate::clock::rfc3339(at)
}
