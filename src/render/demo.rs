//! `demo --format json|jsonl`: one `scenario` line per lab scenario (expected and actual
//! headline, the endpoint), then one `audit` line per proxy audited (expected and actual
//! verdict, the audit).

use std::io::{self, Write};

use serde::Serialize;

use super::json::write_line;
use crate::audit::AuditReport;
use crate::demo::{AuditDemoRow, DemoRow, headline_name as show};
use crate::report::{EndpointReport, SCHEMA_VERSION};

/// A `scenario` line.
#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct ScenarioLine<'a> {
    scenario: &'static str,
    /// The headline it should get (`no finding` for none).
    expected: &'static str,
    /// The headline it got.
    got: &'static str,
    matched: bool,
    endpoint: &'a EndpointReport,
}

/// An `audit` line.
#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct AuditLine<'a> {
    scenario: &'static str,
    /// The verdict it should get.
    expected: &'static str,
    /// The verdict it got.
    got: &'static str,
    matched: bool,
    audit: &'a AuditReport,
}

/// Writes the demo's rows as JSON Lines.
pub fn write_demo_jsonl(
    rows: &[DemoRow],
    audits: &[AuditDemoRow],
    out: &mut impl Write,
) -> io::Result<()> {
    for row in rows {
        let line = ScenarioLine {
            scenario: row.scenario.name(),
            expected: show(row.expected),
            got: show(row.got),
            matched: row.matched(),
            endpoint: &row.endpoint,
        };
        write_line(out, "scenario", SCHEMA_VERSION, &line)?;
    }
    for row in audits {
        let line = AuditLine {
            scenario: row.name,
            expected: row.expected,
            got: row.got(),
            matched: row.matched(),
            audit: &row.report,
        };
        write_line(out, "audit", SCHEMA_VERSION, &line)?;
    }
    Ok(())
}
