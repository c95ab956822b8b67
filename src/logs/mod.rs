//! `logs`: the Sync client's trace logs, read as a stream in bounded memory, diagnosed with the
//! live check's finding codes and aggregated into problems. It does not touch the network.
//!
//! Pipeline: input (folders, files, stdin; UTF-8 or UTF-16; files in order of their first log
//! time) -> chunks of whole lines -> scan, on every core (classify lines, copy out the few
//! lines of problem records) -> in input order: assembler (records -> attempts) -> diagnose
//! (attempt -> findings) -> problems (aggregated by code and cause, with incidents, hosts and a
//! compacted timeline) -> [`LogReport`].

mod attempt;
mod diagnose;
mod grammar;
mod input;
mod problems;
mod scan;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;
use time::OffsetDateTime;

pub use attempt::{Assembler, Attempt, CertBlock, ClosedAttempt};
pub use diagnose::diagnose;
pub use grammar::{
    Fact, Header, Level, Section, facts, header_level, header_time, parse_cert_date, parse_header,
};
pub use input::{CHUNK, Chunker, Encoding, Inputs, MAX_DEPTH, MAX_LINE, Skipped, as_utf8, expand};
pub use problems::{
    Aggregated, Aggregator, AttemptReport, HostReport, IncidentReport, LISTED_INCIDENTS, MAX_HOSTS,
    MAX_PROBLEMS, MAX_RUNS, ProblemReport, QUIET_SECONDS, Run, TimelineRow, timeline,
};
pub use scan::LineCounts;

use crate::clock::serde_time;
use crate::finding::{Finding, Severity};
use crate::input as user_input;

/// The version of the `logs` JSON. 3: problems, hosts, a compacted timeline and bounded
/// incidents replace the incident table.
pub const LOGS_SCHEMA_VERSION: u32 = 3;
/// Timeline rows shown by default (`--timeline`).
pub(crate) const DEFAULT_TIMELINE_ROWS: usize = 50;

/// Where Google's Windows clients keep their trace logs, under a profile's `%LOCALAPPDATA%`:
/// the Sync client's `Tracing` folder (its `Trace-*.log` and the `Identity` folder) and the
/// migration tool's `Tracing\ClientMigration` (Google's troubleshooting pages name both).
pub fn default_trace_folders(local_app_data: &Path) -> [PathBuf; 2] {
    let google = local_app_data.join("Google");
    [
        google.join("Google Apps Sync").join("Tracing"),
        google
            .join("Google Apps Migration")
            .join("Tracing")
            .join("ClientMigration"),
    ]
}

/// What to analyse, and how.
#[derive(Debug, Clone)]
pub struct LogRequest {
    /// Files, folders, or `-` for stdin.
    pub inputs: Vec<PathBuf>,
    /// Only attempts at or after this instant.
    pub since: Option<OffsetDateTime>,
    /// Only attempts at or before this instant.
    pub until: Option<OffsetDateTime>,
    /// Timeline rows (none: every incident).
    pub timeline: Option<usize>,
    /// Threads scanning (1: everything on the calling thread).
    pub workers: usize,
    /// Bytes read so far, updated as input is read (for a progress line).
    pub bytes_read: Arc<AtomicU64>,
}

impl LogRequest {
    /// Every input, no window, the default timeline, one worker per core (at most 4).
    pub fn new(inputs: Vec<PathBuf>) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self {
            inputs,
            since: None,
            until: None,
            timeline: Some(DEFAULT_TIMELINE_ROWS),
            workers: cores.min(4),
            bytes_read: Arc::default(),
        }
    }

    fn in_window(&self, at: OffsetDateTime) -> bool {
        self.since.is_none_or(|since| at >= since) && self.until.is_none_or(|until| at <= until)
    }
}

/// One input as read.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FileReport {
    /// The path (`-` for stdin).
    pub path: String,
    /// Its encoding.
    pub encoding: Encoding,
    /// Bytes read (after decoding).
    pub bytes: u64,
    /// Counters.
    #[serde(flatten)]
    pub counts: LineCounts,
    /// Its first and last log time.
    #[serde(with = "serde_time::option")]
    #[schemars(with = "Option<String>")]
    pub first: Option<OffsetDateTime>,
    /// Its last log time.
    #[serde(with = "serde_time::option")]
    #[schemars(with = "Option<String>")]
    pub last: Option<OffsetDateTime>,
    /// Said when the file held nothing this command could read.
    pub note: Option<String>,
}

/// Totals, exact whatever the input size.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct LogSummary {
    /// Files read.
    pub files: usize,
    /// Lines, records, unknown and truncated lines, over all files.
    #[serde(flatten)]
    pub counts: LineCounts,
    /// Failed attempts diagnosed (inside the window).
    pub attempts: u64,
    /// Failed attempts outside `--since` / `--until`.
    pub attempts_outside_window: u64,
    /// Attempts no rule could diagnose (counted, not in any problem).
    pub undiagnosed_attempts: u64,
    /// Problems found.
    pub problems: usize,
    /// Problems of severity error.
    pub errors: usize,
    /// Problems still happening when the log ended.
    pub ongoing: usize,
    /// Incidents in all.
    pub incidents: u64,
    /// Incidents listed in `incidents` (the first and the most recent).
    pub incidents_listed: usize,
    /// Hosts listed in `hosts`.
    pub hosts: usize,
    /// Failed attempts to hosts beyond the host table (counted in the problems).
    pub other_host_attempts: u64,
    /// Runs left out of the timeline (more problems than rows).
    pub timeline_omitted: usize,
    /// The first log time of the analysis.
    #[serde(with = "serde_time::option")]
    #[schemars(with = "Option<String>")]
    pub first: Option<OffsetDateTime>,
    /// Its last log time (the end the `ongoing` flags refer to).
    #[serde(with = "serde_time::option")]
    #[schemars(with = "Option<String>")]
    pub last: Option<OffsetDateTime>,
}

/// The result of `logs`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct LogReport {
    /// [`LOGS_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// `logs`.
    pub command: &'static str,
    /// `--since`.
    #[serde(with = "serde_time::option")]
    #[schemars(with = "Option<String>")]
    pub since: Option<OffsetDateTime>,
    /// `--until`.
    #[serde(with = "serde_time::option")]
    #[schemars(with = "Option<String>")]
    pub until: Option<OffsetDateTime>,
    /// The inputs, in the order analysed.
    pub files: Vec<FileReport>,
    /// Paths not read, and why.
    pub skipped: Vec<Skipped>,
    /// Problems: most severe first, then most attempts.
    pub problems: Vec<ProblemReport>,
    /// The latest state per host, latest failure first.
    pub hosts: Vec<HostReport>,
    /// The timeline, compacted to `--timeline` rows.
    pub timeline: Vec<TimelineRow>,
    /// Incidents: the first 100 and the 100 most recent (`summary.incidents` counts them all).
    pub incidents: Vec<IncidentReport>,
    /// Each problem's latest finding, in the order of `problems`.
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
pub fn analyze(
    request: &LogRequest,
    stdin: impl Read + Send + 'static,
) -> Result<LogReport, user_input::Error> {
    let found =
        expand(&request.inputs).map_err(|(path, source)| user_input::Error::read(&path, source))?;
    let mut stdin: Option<Box<dyn Read + Send>> = Some(Box::new(stdin));
    let mut run = Analysis::new(request);
    let mut files = Vec::new();
    for path in in_time_order(found.files) {
        let reader: Box<dyn Read + Send> = if path.as_os_str() == "-" {
            match stdin.take() {
                Some(stdin) => stdin,
                None => continue,
            }
        } else {
            Box::new(open(&path)?)
        };
        let reader = Box::new(Counting {
            inner: reader,
            count: Arc::clone(&request.bytes_read),
        });
        files.push(run.file(&path, reader)?);
    }
    Ok(run.finish(files, found.skipped))
}

/// The size of every file the inputs name, when none is stdin (for a progress line); a file
/// that cannot be read counts as empty here and is reported by [`analyze`].
pub fn input_bytes(inputs: &[PathBuf]) -> Option<u64> {
    let found = expand(inputs).ok()?;
    let mut total = 0u64;
    for path in &found.files {
        if path.as_os_str() == "-" {
            return None;
        }
        total += std::fs::metadata(path).map_or(0, |meta| meta.len());
    }
    Some(total)
}

/// A reader that adds what it reads to a shared count.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.count.fetch_add(read as u64, Ordering::Relaxed);
        Ok(read)
    }
}

fn open(path: &Path) -> Result<std::fs::File, user_input::Error> {
    // A FIFO nobody writes to is given up, not waited on forever.
    user_input::open_stream(path)
}

/// Files in order of their first log time (a file whose start cannot be read keeps its place
/// relative to the others, first); stdin stays where it was given.
fn in_time_order(files: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut keyed: Vec<(Option<OffsetDateTime>, usize, PathBuf)> = files
        .into_iter()
        .enumerate()
        .map(|(index, path)| (first_time(&path), index, path))
        .collect();
    if keyed.iter().any(|(_, _, path)| is_stream(path)) {
        return keyed.into_iter().map(|(_, _, path)| path).collect();
    }
    keyed.sort_by_key(|(time, index, _)| (*time, *index));
    keyed.into_iter().map(|(_, _, path)| path).collect()
}

/// Whether `path` is read once as it streams (stdin, a FIFO, a pipe such as `<(…)`): never
/// peeked at for its first time, which would consume what the analysis must read.
fn is_stream(path: &Path) -> bool {
    path.as_os_str() == "-" || user_input::is_special(path)
}

/// The time of the first header in a file's first chunk.
fn first_time(path: &Path) -> Option<OffsetDateTime> {
    if is_stream(path) {
        return None;
    }
    let (reader, _) = as_utf8(std::fs::File::open(path).ok()?).ok()?;
    let mut chunk = Vec::new();
    Chunker::new(reader.take(CHUNK as u64))
        .next_chunk(&mut chunk)
        .ok()?;
    scan::scan(&chunk).first_time
}

/// The state of one analysis across its files.
struct Analysis<'a> {
    request: &'a LogRequest,
    assembler: Assembler,
    aggregator: Aggregator,
    summary: LogSummary,
}

impl<'a> Analysis<'a> {
    fn new(request: &'a LogRequest) -> Self {
        Self {
            request,
            assembler: Assembler::new(),
            aggregator: Aggregator::new(),
            summary: LogSummary::default(),
        }
    }

    fn file(
        &mut self,
        path: &Path,
        reader: Box<dyn Read + Send>,
    ) -> Result<FileReport, user_input::Error> {
        let read_error = |source| user_input::Error::read(path, source);
        let (reader, encoding) = as_utf8(reader).map_err(read_error)?;
        let name = path.display().to_string();
        let mut chunker = Chunker::new(reader);
        let mut report = FileReport {
            path: name.clone(),
            encoding,
            bytes: 0,
            counts: LineCounts::default(),
            first: None,
            last: None,
            note: None,
        };
        let mut bytes = 0u64;
        scan::scan_all(
            self.request.workers,
            |chunk| {
                let more = chunker.next_chunk(chunk)?;
                bytes += chunk.len() as u64;
                Ok(more)
            },
            |scanned| self.merge(&scanned, &name, &mut report),
        )
        .map_err(read_error)?;
        self.assembler.finish_input();
        self.take_attempts();
        report.bytes = bytes;
        if report.counts.records == 0 {
            report.note = Some(if report.counts.lines == 0 {
                "the file is empty".to_owned()
            } else {
                "no trace-log record found: not a Sync or Migration trace log?".to_owned()
            });
        }
        Ok(report)
    }

    /// Feeds one scanned chunk, in input order, to the assembler.
    fn merge(&mut self, scanned: &scan::Scanned, name: &str, report: &mut FileReport) {
        let base = report.counts.lines;
        report.counts.add(&scanned.counts);
        for entry in &scanned.entries {
            let number = base + entry.line + 1;
            let cite = || format!("{name}:{number}");
            let text = scanned.text(entry);
            match entry.kind {
                scan::Kind::Problem(time) => self.assembler.problem(time, text, cite),
                scan::Kind::EndOfProblem => self.assembler.other_record(),
                scan::Kind::Continuation => {
                    if !self.assembler.continuation(text, cite) {
                        report.counts.unknown_lines += 1;
                    }
                }
            }
        }
        if scanned.ends_in == Some(Level::Info) {
            self.assembler.other_record();
        }
        report.first = report.first.or(scanned.first_time);
        report.last = scanned.last_time.or(report.last);
        self.take_attempts();
    }

    /// Diagnoses the attempts the assembler closed and aggregates them.
    fn take_attempts(&mut self) {
        for closed in self.assembler.drain() {
            if !self.request.in_window(closed.first) {
                self.summary.attempts_outside_window += 1;
                continue;
            }
            self.summary.attempts += 1;
            let findings = diagnose(&closed.attempt, closed.first, &closed.citations);
            if findings.is_empty() {
                self.summary.undiagnosed_attempts += 1;
            }
            self.aggregator.add(closed, &findings);
        }
    }

    fn finish(self, files: Vec<FileReport>, skipped: Vec<Skipped>) -> LogReport {
        let mut summary = self.summary;
        let clamp = |at: OffsetDateTime| {
            let at = self.request.since.map_or(at, |since| at.max(since));
            self.request.until.map_or(at, |until| at.min(until))
        };
        summary.first = files.iter().filter_map(|f| f.first).min().map(clamp);
        summary.last = files.iter().filter_map(|f| f.last).max().map(clamp);
        let aggregated = self.aggregator.finish(summary.last);
        let (timeline_rows, omitted) = timeline(&aggregated.problems, self.request.timeline);
        summary.files = files.len();
        for file in &files {
            summary.counts.add(&file.counts);
        }
        summary.problems = aggregated.problems.len();
        summary.errors = aggregated
            .problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count();
        summary.ongoing = aggregated.problems.iter().filter(|p| p.ongoing).count();
        summary.incidents = aggregated.incidents_total;
        summary.incidents_listed = aggregated.incidents.len();
        summary.hosts = aggregated.hosts.len();
        summary.other_host_attempts = aggregated.other_host_attempts;
        summary.timeline_omitted = omitted;
        LogReport {
            schema_version: LOGS_SCHEMA_VERSION,
            command: "logs",
            since: self.request.since,
            until: self.request.until,
            files,
            skipped,
            findings: aggregated
                .problems
                .iter()
                .map(|p| p.finding.clone())
                .collect(),
            problems: aggregated.problems,
            hosts: aggregated.hosts,
            timeline: timeline_rows,
            incidents: aggregated.incidents,
            summary,
        }
    }
}
