//! `logs`: the Sync client's trace logs, read as a stream in constant memory (bounded lines,
//! bounded incident table), grouped into incidents and diagnosed with the live check's finding
//! codes. It does not touch the network.
//!
//! Pipeline: input (files, folders, stdin; UTF-8 or UTF-16LE) -> lines (capped) -> grammar
//! (headers, facts) -> incident (attempts, grouping) -> diagnose (findings) -> [`LogReport`].

mod diagnose;
mod grammar;
mod incident;
mod input;
pub mod winhttp;

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;
use time::OffsetDateTime;

pub use diagnose::diagnose;
pub use grammar::{Fact, Header, Level, Section, facts, parse_cert_date, parse_header};
pub use incident::{Assembler, Attempt, CertBlock, FileStats, Incident, MAX_INCIDENTS};
pub use input::{Encoding, LineReader, MAX_LINE, decode, expand};

use crate::error::Error;
use crate::finding::{Finding, FindingCode, Severity, headline};
use crate::report::{SCHEMA_VERSION, serde_time};

/// One input as read.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// The path (`-` for stdin).
    pub path: String,
    /// Its encoding.
    pub encoding: Encoding,
    /// Counters.
    #[serde(flatten)]
    pub stats: FileStats,
}

/// One incident, decoded.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentReport {
    /// 1-based id, in order of first appearance.
    pub id: usize,
    /// First log time.
    #[serde(with = "serde_time")]
    pub first: OffsetDateTime,
    /// Last log time.
    #[serde(with = "serde_time")]
    pub last: OffsetDateTime,
    /// Attempts grouped here.
    pub count: u64,
    /// `ip:port`.
    pub destination: Option<String>,
    /// The name logged beside it.
    pub destination_name: Option<String>,
    /// `Status`, hex.
    pub status: Option<String>,
    /// Its name.
    pub status_name: Option<&'static str>,
    /// `Info` flags, hex.
    pub info: Option<String>,
    /// The flags' names.
    pub flags: Vec<String>,
    /// `hr`, hex, and its name.
    pub hresult: Option<String>,
    /// ERROR_WINHTTP_* name of `hr`.
    pub hresult_name: Option<&'static str>,
    /// `Code`, hex.
    pub code: Option<String>,
    /// ERROR_WINHTTP_* name of `Code`.
    pub code_name: Option<&'static str>,
    /// The certificate block.
    pub certificate: Option<CertBlock>,
    /// The client retried without the proxy.
    pub proxy_fallback: bool,
    /// `file:line` of the lines behind it.
    pub citations: Vec<String>,
    /// The diagnosis.
    pub findings: Vec<Finding>,
    /// The most specific finding.
    pub headline: Option<FindingCode>,
}

/// Totals.
#[derive(Debug, Clone, Serialize)]
pub struct LogSummary {
    /// Distinct incidents.
    pub incidents: usize,
    /// Incidents not kept (over [`MAX_INCIDENTS`]).
    pub dropped_incidents: u64,
    /// Lines read, over all files.
    pub lines: u64,
    /// Unknown lines, over all files.
    pub unknown_lines: u64,
    /// Incidents with an error finding.
    pub errors: usize,
}

/// The result of `logs`.
#[derive(Debug, Clone, Serialize)]
pub struct LogReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// `logs`.
    pub command: &'static str,
    /// The inputs.
    pub files: Vec<FileReport>,
    /// The incidents.
    pub incidents: Vec<IncidentReport>,
    /// Every finding, each tagged with its incident in `evidence` citations.
    pub findings: Vec<Finding>,
    /// Totals.
    pub summary: LogSummary,
}

impl LogReport {
    /// The highest severity of any finding.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|finding| finding.severity).max()
    }
}

/// Reads and analyses every input (`-` is stdin). Unreadable inputs are errors.
pub fn analyze(inputs: &[PathBuf], stdin: impl Read + 'static) -> Result<LogReport, Error> {
    let files = expand(inputs).map_err(|source| Error::Read {
        path: inputs.first().cloned().unwrap_or_default(),
        source,
    })?;
    let mut assembler = Assembler::new();
    let mut reports = Vec::new();
    let mut stdin = Some(stdin);
    for path in files {
        let reader: Box<dyn Read> = if path.as_os_str() == "-" {
            match stdin.take() {
                Some(stdin) => Box::new(stdin),
                None => continue,
            }
        } else {
            Box::new(std::fs::File::open(&path).map_err(|source| Error::Read {
                path: path.clone(),
                source,
            })?)
        };
        reports.push(analyze_one(&path, reader, &mut assembler)?);
    }
    let (incidents, dropped) = assembler.into_incidents();
    Ok(build_report(reports, incidents, dropped))
}

fn analyze_one(
    path: &Path,
    reader: Box<dyn Read>,
    assembler: &mut Assembler,
) -> Result<FileReport, Error> {
    let read_error = |source| Error::Read {
        path: path.to_owned(),
        source,
    };
    let (reader, encoding) = decode(reader).map_err(read_error)?;
    let mut lines = LineReader::new(reader);
    let mut stats = FileStats::default();
    let mut buffer = Vec::new();
    let name = path.display().to_string();
    while let Some(truncated) = lines.next_line(&mut buffer).map_err(read_error)? {
        stats.lines += 1;
        if truncated {
            stats.truncated_lines += 1;
        }
        let text = String::from_utf8_lossy(&buffer);
        let number = stats.lines;
        assembler.line(&text, &mut stats, || format!("{name}:{number}"));
    }
    assembler.finish_input();
    Ok(FileReport {
        path: name,
        encoding,
        stats,
    })
}

fn build_report(files: Vec<FileReport>, incidents: Vec<Incident>, dropped: u64) -> LogReport {
    let hex = |value: u32| format!("0x{value:08x}");
    let incidents: Vec<IncidentReport> = incidents
        .iter()
        .enumerate()
        .map(|(index, incident)| {
            let attempt = &incident.attempt;
            let findings = diagnose(incident);
            IncidentReport {
                id: index + 1,
                first: incident.first,
                last: incident.last,
                count: incident.count,
                destination: attempt.destination.clone(),
                destination_name: attempt.destination_name.clone(),
                status: attempt.status.map(hex),
                status_name: attempt.status.and_then(winhttp::status_name),
                info: (attempt.info != 0).then(|| hex(attempt.info)),
                flags: winhttp::decode_flags(attempt.info),
                hresult: attempt.hresult.map(hex),
                hresult_name: attempt.hresult.and_then(winhttp::error_name),
                code: attempt.code.map(hex),
                code_name: attempt.code.and_then(winhttp::error_name),
                certificate: attempt.certificate.clone(),
                proxy_fallback: attempt.proxy_fallback,
                citations: incident.citations.clone(),
                headline: headline(&findings).map(|finding| finding.code),
                findings,
            }
        })
        .collect();
    let findings: Vec<Finding> = incidents
        .iter()
        .flat_map(|incident| incident.findings.clone())
        .collect();
    let summary = LogSummary {
        incidents: incidents.len(),
        dropped_incidents: dropped,
        lines: files.iter().map(|file| file.stats.lines).sum(),
        unknown_lines: files.iter().map(|file| file.stats.unknown_lines).sum(),
        errors: incidents
            .iter()
            .filter(|i| i.findings.iter().any(|f| f.severity == Severity::Error))
            .count(),
    };
    LogReport {
        schema_version: SCHEMA_VERSION,
        command: "logs",
        files,
        incidents,
        findings,
        summary,
    }
}
