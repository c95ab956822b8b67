//! Renderers for `trust`: text with the problems first (errors, then warnings, each with where
//! the root was found and what to do), then the roots added locally, Google's roots and a
//! one-line summary; `-v` lists every root. JSON is one document; JSON Lines a line per root
//! (`"type": "root"`, its findings with it), then the summary line. Every string from a
//! certificate or a path passes through `sanitize`.

use std::io::{self, Write};

use serde::Serialize;

use super::json::{write_document, write_line};
use super::text::TextOptions;
use crate::clock::rfc3339;
use crate::finding::{Finding, Severity};
use crate::sanitize::sanitize;
use crate::trust::{GoogleRootStatus, RootReport, TRUST_SCHEMA_VERSION, TrustReport, TrustSummary};

/// Writes the report as one JSON document.
pub fn write_trust_json(report: &TrustReport, out: &mut impl Write) -> io::Result<()> {
    write_document(report, out)
}

/// A `root` line: the root and the findings about it.
#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct RootLine<'a> {
    #[serde(flatten)]
    pub(super) root: &'a RootReport,
    pub(super) findings: Vec<&'a Finding>,
}

/// Writes a line per root, with its findings, then the summary.
pub fn write_trust_jsonl(report: &TrustReport, out: &mut impl Write) -> io::Result<()> {
    // Findings grouped by root once: a scan per root made 100 k roots take minutes.
    let mut by_root: Vec<Vec<&Finding>> = vec![Vec::new(); report.roots.len()];
    for finding in &report.findings {
        if let Some(list) = finding.cert_index.and_then(|index| by_root.get_mut(index)) {
            list.push(finding);
        }
    }
    for (root, findings) in report.roots.iter().zip(by_root) {
        write_line(
            out,
            "root",
            TRUST_SCHEMA_VERSION,
            &RootLine { root, findings },
        )?;
    }
    write_line::<TrustSummary>(out, "summary", TRUST_SCHEMA_VERSION, &report.summary)
}

/// Writes the report as text.
pub fn write_trust_text(
    report: &TrustReport,
    out: &mut impl Write,
    options: TextOptions,
) -> io::Result<()> {
    writeln!(
        out,
        "Trust store audit at {}, against {} ({} keys)",
        rfc3339(report.evaluated_at),
        report.baseline.name,
        report.baseline.roots
    )?;
    for source in &report.sources {
        writeln!(
            out,
            "  read {} {}: {} certificate{}",
            source.kind,
            sanitize(&source.location),
            source.certificates,
            if source.certificates == 1 { "" } else { "s" }
        )?;
    }
    for entry in &report.unreadable {
        writeln!(out, "  unreadable: {}", sanitize(entry))?;
    }
    let problems: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.severity > Severity::Info)
        .collect();
    writeln!(out, "\nProblems ({})", problems.len())?;
    if problems.is_empty() {
        writeln!(out, "  none")?;
    }
    for finding in problems {
        write_finding(report, finding, out, options)?;
    }
    let added: Vec<&RootReport> = report
        .roots
        .iter()
        .filter(|root| !root.in_baseline && !root.disallowed)
        .collect();
    writeln!(
        out,
        "\nRoots added locally ({}, not in the baseline)",
        added.len()
    )?;
    for root in added {
        write_root(root, out)?;
    }
    let disallowed: Vec<&RootReport> = report.roots.iter().filter(|r| r.disallowed).collect();
    if !disallowed.is_empty() {
        writeln!(out, "\nExplicitly distrusted here ({})", disallowed.len())?;
        for root in disallowed {
            write_root(root, out)?;
        }
    }
    writeln!(out, "\nGoogle's roots")?;
    for google in &report.google_roots {
        let state = match google.status {
            GoogleRootStatus::Present => options.paint_ok("present"),
            GoogleRootStatus::Expired => options.severity_text(Severity::Error, "not valid now"),
            GoogleRootStatus::Disallowed => options.severity_text(Severity::Error, "disallowed"),
            GoogleRootStatus::Missing => options.severity_text(Severity::Error, "MISSING"),
        };
        let place = google
            .locations
            .first()
            .map(|location| format!(" ({})", sanitize(location)))
            .unwrap_or_default();
        writeln!(out, "  {:<34} {state}{place}", google.name)?;
    }
    if options.verbose {
        writeln!(out, "\nEvery root ({})", report.roots.len())?;
        for root in &report.roots {
            write_root(root, out)?;
        }
    }
    writeln!(out, "\n{}", report.summary.line)
}

fn write_finding(
    report: &TrustReport,
    finding: &Finding,
    out: &mut impl Write,
    options: TextOptions,
) -> io::Result<()> {
    writeln!(
        out,
        "  {} {}: {}",
        options.severity_column(finding.severity),
        finding.code,
        sanitize(&finding.message)
    )?;
    if let Some(root) = finding.cert_index.and_then(|index| report.roots.get(index)) {
        writeln!(
            out,
            "          found in {}; SPKI SHA-256 {}",
            sanitize(&root.locations.join(", ")),
            root.certificate.spki_sha256
        )?;
    }
    writeln!(out, "          advice: {}", finding.advice())
}

fn write_root(root: &RootReport, out: &mut impl Write) -> io::Result<()> {
    let cert = &root.certificate;
    writeln!(
        out,
        "  {} — {}, until {}, SHA-1 {}",
        sanitize(&cert.subject),
        cert.key,
        rfc3339(cert.not_after),
        cert.sha1
    )?;
    writeln!(
        out,
        "      found in {}",
        sanitize(&root.locations.join(", "))
    )
}
