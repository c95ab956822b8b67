//! JSON renderers: one document (`--format json`) or JSON Lines (`--format jsonl`: one object
//! per endpoint tagged `"type": "endpoint"` with its position as `id`, then a `"type": "summary"`
//! line; `check` streams them: `stream.rs`).

use std::io::{self, Write};

use serde::Serialize;

use super::{EndpointReport, Report, SCHEMA_VERSION, Summary};

/// Writes the report as one pretty-printed JSON document.
pub fn write_json(report: &Report, out: &mut impl Write) -> io::Result<()> {
    write_document(report, out)
}

/// An endpoint line: the endpoint with its position in the run.
#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct Numbered<'a> {
    pub(super) id: usize,
    #[serde(flatten)]
    pub(super) endpoint: &'a EndpointReport,
}

/// Writes one line per endpoint (with its position as `id`), then a summary line.
pub fn write_jsonl(report: &Report, out: &mut impl Write) -> io::Result<()> {
    for (id, endpoint) in report.endpoints.iter().enumerate() {
        write_line(out, "endpoint", SCHEMA_VERSION, &Numbered { id, endpoint })?;
    }
    write_line::<Summary>(out, "summary", SCHEMA_VERSION, &report.summary)
}

/// Writes `value` as one pretty-printed JSON document and a newline (every `--format json`).
pub(crate) fn write_document<T: Serialize>(value: &T, out: &mut impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

/// One JSON Lines record: `{"type": kind, "schema_version": version, …body}` (every
/// `--format jsonl`; `schema.rs` describes each kind from this type).
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct Line<'a, T: Serialize> {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) schema_version: u32,
    #[serde(flatten)]
    pub(crate) body: &'a T,
}

/// Writes one JSON Lines record (a [`Line`]).
pub(crate) fn write_line<T: Serialize>(
    out: &mut impl Write,
    kind: &'static str,
    schema_version: u32,
    body: &T,
) -> io::Result<()> {
    let line = Line {
        kind,
        schema_version,
        body,
    };
    serde_json::to_writer(&mut *out, &line)?;
    writeln!(out)
}
