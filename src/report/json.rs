//! JSON renderers: one document (`--format json`) or JSON Lines (`--format jsonl`: one object
//! per endpoint tagged `"type": "endpoint"`, then a `"type": "summary"` line).

use std::io::{self, Write};

use serde::Serialize;

use super::{EndpointReport, Report, SCHEMA_VERSION, Summary};

/// Writes the report as one pretty-printed JSON document.
pub fn write_json(report: &Report, out: &mut impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}

#[derive(Serialize)]
struct Line<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    schema_version: u32,
    #[serde(flatten)]
    body: &'a T,
}

/// Writes one line per endpoint, then a summary line.
pub fn write_jsonl(report: &Report, out: &mut impl Write) -> io::Result<()> {
    for endpoint in &report.endpoints {
        let line: Line<'_, EndpointReport> = Line {
            kind: "endpoint",
            schema_version: SCHEMA_VERSION,
            body: endpoint,
        };
        serde_json::to_writer(&mut *out, &line)?;
        writeln!(out)?;
    }
    let line: Line<'_, Summary> = Line {
        kind: "summary",
        schema_version: SCHEMA_VERSION,
        body: &report.summary,
    };
    serde_json::to_writer(&mut *out, &line)?;
    writeln!(out)
}
