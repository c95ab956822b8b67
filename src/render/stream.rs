//! Streaming renderers for `check`: each endpoint is written as soon as it is judged, in the
//! order endpoints finish; then the amendments that the verdicts across endpoints (shared leaf
//! keys and issuers, the clock) make to endpoints already written; then the summary. Nothing is
//! kept but what the writer is given.
//!
//! - JSON Lines: `{"type":"endpoint","id":N,…}` per endpoint (`id`: the target's position in
//!   the run, from 0), `{"type":"amendment","id":N,…}` per endpoint a later verdict changes
//!   (findings added and removed, signals, consequences, the new status and headline), then
//!   `{"type":"summary",…}` with the totals after amendments.
//! - Text: the endpoint blocks, an "Across endpoints" section with the amendments, the
//!   diagnosis paragraph and the totals line.

use std::io::{self, Write};

use time::OffsetDateTime;

use super::TextOptions;
use super::json::{Numbered, write_line};
use super::text::{write_diagnosis, write_endpoint, write_finding, write_totals};
use crate::detect::Amendment;
use crate::report::{EndpointReport, SCHEMA_VERSION, Summary};
use crate::sanitize::sanitize;

/// How a stream is written.
#[derive(Debug, Clone, Copy)]
pub enum StreamFormat {
    /// For people.
    Text(TextOptions),
    /// JSON Lines.
    Jsonl,
}

/// Writes a run as it happens; every call flushes, so a reader sees each endpoint at once.
#[derive(Debug)]
pub struct StreamWriter<W: Write> {
    out: W,
    format: StreamFormat,
}

impl<W: Write> StreamWriter<W> {
    /// A writer to `out`.
    pub fn new(out: W, format: StreamFormat) -> Self {
        Self { out, format }
    }

    /// Writes one judged endpoint (`id`: its position in the run).
    pub fn endpoint(&mut self, id: usize, endpoint: &EndpointReport) -> io::Result<()> {
        match self.format {
            StreamFormat::Jsonl => write_line(
                &mut self.out,
                "endpoint",
                SCHEMA_VERSION,
                &Numbered { id, endpoint },
            )?,
            StreamFormat::Text(options) => {
                write_endpoint(endpoint, &mut self.out, options)?;
                writeln!(self.out)?;
            }
        }
        self.out.flush()
    }

    /// Writes what the verdicts across endpoints changed.
    pub fn amendments(&mut self, amendments: &[Amendment]) -> io::Result<()> {
        match self.format {
            StreamFormat::Jsonl => {
                for amendment in amendments {
                    write_line(&mut self.out, "amendment", SCHEMA_VERSION, amendment)?;
                }
            }
            StreamFormat::Text(options) if !amendments.is_empty() => {
                writeln!(self.out, "Across endpoints (changes to endpoints above):")?;
                for amendment in amendments {
                    write_amendment(amendment, &mut self.out, options)?;
                }
                writeln!(self.out)?;
            }
            StreamFormat::Text(_) => {}
        }
        self.out.flush()
    }

    /// Writes the summary and ends the run.
    pub fn finish(&mut self, summary: &Summary, evaluated_at: OffsetDateTime) -> io::Result<()> {
        match self.format {
            StreamFormat::Jsonl => write_line(&mut self.out, "summary", SCHEMA_VERSION, summary)?,
            StreamFormat::Text(_) => {
                write_diagnosis(summary, &mut self.out)?;
                write_totals(summary, evaluated_at, &mut self.out)?;
            }
        }
        self.out.flush()
    }
}

fn write_amendment(
    amendment: &Amendment,
    out: &mut impl Write,
    options: TextOptions,
) -> io::Result<()> {
    let headline = amendment.headline.map(|code| code.as_str()).unwrap_or("ok");
    writeln!(
        out,
        "{} {} (now {headline})",
        options.status(amendment.status),
        sanitize(&amendment.target)
    )?;
    for finding in &amendment.added {
        write_finding(finding, out, options)?;
    }
    for code in &amendment.removed {
        writeln!(out, "  replaces {code}")?;
    }
    if !amendment.signals.is_empty() && amendment.removed.is_empty() {
        writeln!(
            out,
            "  interception, more signals: {}",
            sanitize(&amendment.signals.join("; "))
        )?;
    }
    if !amendment.consequences.is_empty() {
        let numbers: Vec<String> = amendment
            .consequences
            .iter()
            .map(|index| format!("#{}", index + 1))
            .collect();
        writeln!(
            out,
            "  finding {} above: a consequence of the wrong local clock",
            numbers.join(", ")
        )?;
    }
    Ok(())
}
