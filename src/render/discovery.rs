//! `trust --discover` as text, JSON and JSON Lines: the problems first (each with the store it
//! is about and the commands that fix it), then the roots that matter × stores, then the stores
//! with what uses each.

use std::io::{self, Write};

use serde::Serialize;

use super::json::{write_document, write_line};
use super::text::TextOptions;
use crate::clock::rfc3339;
use crate::sanitize::sanitize;
use crate::trust::{
    DISCOVERY_SCHEMA_VERSION, DiscoveryReport, DiscoverySummary, MatrixRow, Presence, Problem,
    StoreAudit,
};

/// Writes the report as one JSON document.
pub fn write_discovery_json(report: &DiscoveryReport, out: &mut impl Write) -> io::Result<()> {
    write_document(report, out)
}

/// A `store` line: the store without its roots (they are in its own `trust --store` output).
#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct StoreLine<'a> {
    pub(super) number: usize,
    pub(super) name: &'a str,
    pub(super) kind: crate::stores::StoreKind,
    pub(super) location: &'a str,
    pub(super) used_by: &'a [String],
    pub(super) not_read: Option<&'a str>,
    pub(super) summary: Option<&'a crate::trust::TrustSummary>,
}

/// Writes a line per store, per root that matters and per problem, then the summary.
pub fn write_discovery_jsonl(report: &DiscoveryReport, out: &mut impl Write) -> io::Result<()> {
    for store in &report.stores {
        let line = StoreLine {
            number: store.number,
            name: &store.name,
            kind: store.kind,
            location: &store.location,
            used_by: &store.used_by,
            not_read: store.not_read.as_deref(),
            summary: store.report.as_ref().map(|report| &report.summary),
        };
        write_line(out, "store", DISCOVERY_SCHEMA_VERSION, &line)?;
    }
    for row in &report.matrix {
        write_line::<MatrixRow>(out, "root", DISCOVERY_SCHEMA_VERSION, row)?;
    }
    for problem in &report.problems {
        write_line::<Problem>(out, "problem", DISCOVERY_SCHEMA_VERSION, problem)?;
    }
    write_line::<DiscoverySummary>(out, "summary", DISCOVERY_SCHEMA_VERSION, &report.summary)
}

/// The one-character mark of a root's state in a store (text matrix).
pub(super) fn mark(presence: Presence) -> &'static str {
    match presence {
        Presence::Trusted => "yes",
        Presence::Expired => "exp",
        Presence::Disallowed => "dis",
        Presence::Absent => "-",
        Presence::NotRead => "?",
    }
}

/// Writes the report as text.
pub fn write_discovery_text(
    report: &DiscoveryReport,
    out: &mut impl Write,
    options: TextOptions,
) -> io::Result<()> {
    writeln!(
        out,
        "Trust across the stores of this machine at {}, against {} ({} keys)",
        rfc3339(report.evaluated_at),
        report.baseline.name,
        report.baseline.roots
    )?;
    let shown: Vec<&Problem> = report
        .problems
        .iter()
        .filter(|problem| {
            options.verbose || problem.finding.severity > crate::finding::Severity::Info
        })
        .collect();
    writeln!(out, "\nProblems ({})", shown.len())?;
    if shown.is_empty() {
        writeln!(out, "  none")?;
    }
    for problem in shown {
        let finding = &problem.finding;
        writeln!(
            out,
            "  {} [{}] {}: {}",
            options.severity_column(finding.severity),
            problem.store,
            finding.code,
            sanitize(&finding.message)
        )?;
        for command in &problem.remediation {
            writeln!(out, "          fix: {}", sanitize(command))?;
        }
    }
    writeln!(
        out,
        "\nRoots that matter × stores (yes trusted, - absent, exp expired, dis disallowed, ? not read)"
    )?;
    let header: Vec<String> = report
        .stores
        .iter()
        .map(|store| format!("[{}]", store.number))
        .collect();
    writeln!(out, "  {:<52} {}", "root (why)", header.join(" "))?;
    for row in &report.matrix {
        let label: String = format!("{} ({})", row.subject, row.why.join(", "))
            .chars()
            .take(52)
            .collect();
        let cells: Vec<String> = row
            .presence
            .iter()
            .zip(&header)
            .map(|(presence, head)| format!("{:^width$}", mark(*presence), width = head.len()))
            .collect();
        writeln!(out, "  {:<52} {}", sanitize(&label), cells.join(" "))?;
    }
    writeln!(out, "\nStores")?;
    for store in &report.stores {
        write_store(store, out)?;
    }
    writeln!(out, "\n{}", report.summary.line)
}

fn write_store(store: &StoreAudit, out: &mut impl Write) -> io::Result<()> {
    let state = match (&store.report, &store.not_read) {
        (Some(report), _) => format!("{} roots", report.summary.roots),
        (None, Some(why)) => format!("NOT READ: {why}"),
        (None, None) => "not read".to_owned(),
    };
    writeln!(
        out,
        "  [{}] {} — {} — {state}",
        store.number,
        sanitize(&store.name),
        sanitize(&store.location)
    )?;
    writeln!(out, "      used by {}", sanitize(&store.used_by.join("; ")))
}
