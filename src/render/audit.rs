//! Renderers for `audit-proxy`: text with the verdict first, then a table per case (what a
//! safe proxy does, what this one did), the two legs and what differs between them; one JSON
//! document; JSON Lines with a line per case, then the legs and the verdict. Every string that
//! came from a peer (names, suites, status lines) passes through `sanitize`.

use std::io::{self, Write};

use serde::Serialize;

use super::json::{write_document, write_line};
use super::text::TextOptions;
use crate::audit::{
    AUDIT_SCHEMA_VERSION, AuditMode, AuditReport, CaseResult, ClientHelloSummary, ClientLeg,
    Outcome, UpstreamLeg, Verdict,
};
use crate::finding::Severity;
use crate::lab::audit::Flaw;
use crate::sanitize::sanitize;

/// The most cipher suites listed in text (all are in JSON).
const LISTED_SUITES: usize = 8;

/// Writes the report as one JSON document.
pub fn write_audit_json(report: &AuditReport, out: &mut impl Write) -> io::Result<()> {
    write_document(report, out)
}

/// The last line of `audit-proxy --format jsonl`: the legs and the verdict.
#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct AuditSummaryLine<'a> {
    pub(super) mode: AuditMode,
    pub(super) proxy: Option<&'a str>,
    pub(super) listen: &'a str,
    pub(super) origins: &'a str,
    pub(super) attribution: Option<&'a str>,
    pub(super) upstream: &'a UpstreamLeg,
    pub(super) client: &'a ClientLeg,
    pub(super) verdict: &'a Verdict,
}

/// Writes a line per case, then one with the legs and the verdict.
pub fn write_audit_jsonl(report: &AuditReport, out: &mut impl Write) -> io::Result<()> {
    for case in &report.cases {
        write_line::<CaseResult>(out, "case", AUDIT_SCHEMA_VERSION, case)?;
    }
    let summary = AuditSummaryLine {
        mode: report.mode,
        proxy: report.proxy.as_deref(),
        listen: &report.listen,
        origins: &report.origins,
        attribution: report.attribution.as_deref(),
        upstream: &report.upstream,
        client: &report.client,
        verdict: &report.verdict,
    };
    write_line(out, "summary", AUDIT_SCHEMA_VERSION, &summary)
}

/// Writes the report as text.
pub fn write_audit_text(
    report: &AuditReport,
    out: &mut impl Write,
    options: TextOptions,
) -> io::Result<()> {
    writeln!(
        out,
        "Audit of {} (origins on {}; audit root {}{})\n",
        sanitize(&report.subject()),
        sanitize(&report.origins),
        if report.audit_root.path.is_empty() {
            "in memory"
        } else {
            &report.audit_root.path
        },
        if report.audit_root.created && !report.audit_root.path.is_empty() {
            ", created by this run"
        } else {
            ""
        }
    )?;
    write_verdict(&report.verdict, out, options)?;
    writeln!(
        out,
        "\n{:<27} {:<16} {:<32} result",
        "case", "a safe proxy", "this proxy"
    )?;
    for case in &report.cases {
        write_case(case, out, options)?;
    }
    write_legs(report, out)
}

/// The two legs and what differs: a heading line per section, then its lines indented by two
/// spaces (`label: value`, or `- note`). The HTML page lays out the same lines.
pub(crate) fn write_legs(report: &AuditReport, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "\nUpstream leg (the proxy to the lab's origins)")?;
    if let Some(attribution) = &report.attribution {
        writeln!(out, "  attribution: {}", sanitize(attribution))?;
    }
    write_upstream(&report.upstream, out)?;
    writeln!(out, "\nClient leg (the proxy to this machine)")?;
    write_client(&report.client, out)?;
    if !report.client.differences.is_empty() {
        writeln!(out, "\nWhat differs")?;
        for note in &report.client.differences {
            writeln!(out, "  - {}", sanitize(note))?;
        }
    }
    Ok(())
}

fn write_verdict(verdict: &Verdict, out: &mut impl Write, options: TextOptions) -> io::Result<()> {
    match verdict {
        Verdict::Graded(grading) => {
            let severity = match grading.grade {
                crate::audit::Grade::A => Severity::Info,
                crate::audit::Grade::B => Severity::Warning,
                _ => Severity::Error,
            };
            let headline = format!("Grade {} ({})", grading.grade.as_str(), grading.label);
            writeln!(out, "{}", options.severity_text(severity, &headline))?;
            for reason in &grading.reasons {
                let cases = if reason.cases.is_empty() {
                    String::new()
                } else {
                    format!(": {}", reason.cases.join(", "))
                };
                writeln!(
                    out,
                    "  {}  {}{cases}",
                    reason.grade.as_str(),
                    sanitize(&reason.text)
                )?;
            }
        }
        Verdict::NotIntercepting { note } => {
            writeln!(out, "{}", options.paint_ok("Not intercepting: not graded"))?;
            writeln!(out, "  {note}")?;
        }
        Verdict::NotGraded { reason, advice } => {
            writeln!(
                out,
                "{}",
                options.severity_text(Severity::Error, "Not graded: the audit is inconclusive")
            )?;
            writeln!(out, "  {}", sanitize(reason))?;
            writeln!(out, "  what to do: {advice}")?;
        }
    }
    Ok(())
}

/// What a safe proxy does with the case's upstream (text and HTML).
pub(super) fn what_safe_proxy_does(case: &CaseResult) -> &'static str {
    match case.flaw {
        Flaw::None => "let it through",
        Flaw::Revoked => "block it",
        flaw if flaw.is_weak_upstream() => "refuse or signal",
        _ => "block or signal",
    }
}

/// What this proxy did, in words (text and HTML).
pub(super) fn what_proxy_did(case: &CaseResult) -> &'static str {
    match (case.outcome, case.masked) {
        (Outcome::Blocked, _) => "blocked",
        (Outcome::PassedThrough, _) => "passed it through",
        (Outcome::ForgedTrusted, true) => "MASKED it (forged, trusted)",
        (Outcome::ForgedTrusted, false) => "forged (trusted here)",
        (Outcome::ForgedUntrusted, _) => "signalled it (untrusted forgery)",
        (Outcome::NotRun, _) => "not run here",
    }
}

/// The case's result: how bad (none when safe) and the word shown.
pub(super) fn case_result(case: &CaseResult) -> (Option<Severity>, &'static str) {
    if case.outcome == Outcome::NotRun {
        (Some(Severity::Warning), "NOT RUN")
    } else if case.safe {
        (None, "ok")
    } else if case.flaw == Flaw::None {
        (Some(Severity::Warning), "inconclusive")
    } else {
        (Some(Severity::Error), "UNSAFE")
    }
}

fn write_case(case: &CaseResult, out: &mut impl Write, options: TextOptions) -> io::Result<()> {
    let (safe, did) = (what_safe_proxy_does(case), what_proxy_did(case));
    let result = match case_result(case) {
        (None, word) => options.paint_ok(word),
        (Some(severity), word) => options.severity_text(severity, word),
    };
    writeln!(out, "{:<27} {safe:<16} {did:<32} {result}", case.case)?;
    writeln!(out, "    {}", sanitize(&case.detail))?;
    if let Some(altered) = &case.answer_altered {
        writeln!(out, "    answer: {}", sanitize(altered))?;
    }
    match (&case.upstream_handshake, case.flaw.is_weak_upstream()) {
        (Some(handshake), true) => writeln!(out, "    upstream: {}", sanitize(handshake)),
        _ => Ok(()),
    }
}

fn write_upstream(leg: &UpstreamLeg, out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "  connections: {}; distinct ClientHellos: {}{}",
        leg.connections,
        leg.distinct_hellos,
        if leg.unreadable > 0 {
            format!("; unreadable: {}", leg.unreadable)
        } else {
            String::new()
        }
    )?;
    if !leg.passed_through.is_empty() {
        writeln!(
            out,
            "  left out: {} (tunnelled: the origin saw this machine's ClientHello, not the proxy's)",
            leg.passed_through.join(", ")
        )?;
    }
    let Some(hello) = &leg.hello else {
        return writeln!(out, "  no ClientHello reached the origins");
    };
    write_hello(hello, out)?;
    write_negotiated(leg.negotiated.as_ref(), out)
}

/// The version and suite negotiated for the `good` case, on either leg.
fn write_negotiated(negotiated: Option<&(String, String)>, out: &mut impl Write) -> io::Result<()> {
    match negotiated {
        Some((version, suite)) => writeln!(
            out,
            "  negotiated for good: {} {}",
            sanitize(version),
            sanitize(suite)
        ),
        None => Ok(()),
    }
}

fn write_hello(hello: &ClientHelloSummary, out: &mut impl Write) -> io::Result<()> {
    let versions = if hello.supported_versions.is_empty() {
        hello.legacy_version.clone()
    } else {
        hello.supported_versions.join(", ")
    };
    writeln!(out, "  versions offered: {versions}")?;
    let suites: Vec<String> = hello
        .cipher_suites
        .iter()
        .take(LISTED_SUITES)
        .map(|suite| {
            let name = suite.name.as_deref().unwrap_or(&suite.id);
            match suite.class {
                Some(class) => format!("{} [{class}]", sanitize(name)),
                None => sanitize(name).into_owned(),
            }
        })
        .collect();
    let more = hello.cipher_suites.len().saturating_sub(LISTED_SUITES);
    writeln!(
        out,
        "  cipher suites ({}, NDSS class in brackets): {}{}",
        hello.cipher_suites.len(),
        suites.join(", "),
        if more > 0 {
            format!(", … {more} more")
        } else {
            String::new()
        }
    )?;
    writeln!(
        out,
        "  extensions: {}",
        sanitize(&hello.extensions.join(", "))
    )?;
    writeln!(
        out,
        "  SNI: {}; OCSP stapling asked: {}; ALPN: {}; compression: {}",
        hello
            .sni
            .as_deref()
            .map_or_else(|| "none".to_owned(), |sni| sanitize(sni).into_owned()),
        yes_no(hello.ocsp_stapling_requested),
        if hello.alpn.is_empty() {
            "none".to_owned()
        } else {
            sanitize(&hello.alpn.join(", ")).into_owned()
        },
        if hello.compression.is_empty() {
            "none".to_owned()
        } else {
            format!("{:?}", hello.compression)
        }
    )
}

fn write_client(leg: &ClientLeg, out: &mut impl Write) -> io::Result<()> {
    write_negotiated(leg.negotiated.as_ref(), out)?;
    let Some(ca) = &leg.ca else {
        return writeln!(out, "  nothing was forged");
    };
    writeln!(
        out,
        "  proxy CA: {} ({}{}{})",
        sanitize(&ca.subject),
        if ca.trusted_here {
            "trusted here"
        } else {
            "not trusted here"
        },
        ca.product
            .as_deref()
            .map(|product| format!("; {}", sanitize(product)))
            .unwrap_or_default(),
        ca.leaked_key
            .as_deref()
            .map(|leak| format!("; PRIVATE KEY PUBLIC: {}", sanitize(leak)))
            .unwrap_or_default()
    )?;
    writeln!(
        out,
        "  forged: {} case{}; leaf keys: {}; signatures: {}; leaf lifetime: {}",
        leg.forged,
        if leg.forged == 1 { "" } else { "s" },
        leg.leaf_keys.join(", "),
        sanitize(&leg.signature_algorithms.join(", ")),
        leg.leaf_lifetime_days
            .map_or_else(|| "unknown".to_owned(), |days| format!("{days} days"))
    )?;
    if let Some(one_key) = leg.one_key_for_every_host {
        writeln!(
            out,
            "  one key for every host: {}{}",
            yes_no(one_key),
            if leg.leaf_key_is_ca_key {
                " (the CA's own key)"
            } else {
                ""
            }
        )?;
    }
    Ok(())
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}
