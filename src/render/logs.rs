//! Renderers for `logs`, answer first: the problems table (code, severity, attempts, incidents,
//! first and last seen, ongoing, advice, the first and latest example), then the latest state per
//! host, then the compacted timeline, then the files read. JSON is one document; JSON Lines is a
//! line per problem and per host, then a summary line. Every string from a log passes through
//! `sanitize`.

use std::io::{self, Write};

use serde::Serialize;

use super::json::{write_document, write_line};
use super::text::TextOptions;
use crate::clock::{humanize_duration, rfc3339};
use crate::logs::{LOGS_SCHEMA_VERSION, LogReport, LogSummary, ProblemReport, QUIET_SECONDS};
use crate::sanitize::sanitize;

/// Writes the log report as one JSON document.
pub fn write_logs_json(report: &LogReport, out: &mut impl Write) -> io::Result<()> {
    write_document(report, out)
}

/// A `problem` line: the problem and its latest finding.
#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct ProblemLine<'a> {
    #[serde(flatten)]
    pub(super) problem: &'a ProblemReport,
    pub(super) finding: &'a crate::finding::Finding,
}

/// Writes one line per problem (`"type": "problem"`) and per host (`"type": "host"`), then a
/// summary line.
pub fn write_logs_jsonl(report: &LogReport, out: &mut impl Write) -> io::Result<()> {
    fn line<T: Serialize>(out: &mut impl Write, kind: &'static str, body: &T) -> io::Result<()> {
        write_line(out, kind, LOGS_SCHEMA_VERSION, body)
    }
    for (problem, finding) in report.problems.iter().zip(&report.findings) {
        line(out, "problem", &ProblemLine { problem, finding })?;
    }
    for host in &report.hosts {
        line(out, "host", host)?;
    }
    line::<LogSummary>(out, "summary", &report.summary)
}

/// Writes the log report as text.
pub fn write_logs_text(
    report: &LogReport,
    out: &mut impl Write,
    options: TextOptions,
) -> io::Result<()> {
    let summary = &report.summary;
    if report.problems.is_empty() {
        let within = if report.since.is_some() || report.until.is_some() {
            " in the window asked for (the files' own spans are listed below)"
        } else {
            ""
        };
        writeln!(out, "No network or TLS incident found{within}.")?;
    } else {
        write_problems(report, out, options)?;
        write_hosts(report, out)?;
        write_timeline(report, out)?;
    }
    writeln!(out, "\nFiles")?;
    for file in &report.files {
        let counts = &file.counts;
        let span = match (file.first, file.last) {
            (Some(first), Some(last)) => format!(", {} .. {}", rfc3339(first), rfc3339(last)),
            _ => String::new(),
        };
        writeln!(
            out,
            "  {}: {} lines, {} records ({} errors/warnings), {} unknown lines, {} truncated \
             lines{span}",
            sanitize(&file.path),
            group(counts.lines),
            group(counts.records),
            group(counts.problem_records),
            group(counts.unknown_lines),
            group(counts.truncated_lines),
        )?;
        if let Some(note) = &file.note {
            writeln!(out, "    {note}")?;
        }
    }
    for skipped in &report.skipped {
        writeln!(
            out,
            "  skipped {}: {}",
            sanitize(&skipped.path),
            skipped.reason
        )?;
    }
    let window = match (report.since, report.until) {
        (None, None) => String::new(),
        (since, until) => format!(
            " between {} and {} ({} outside)",
            since.map_or_else(|| "the start".to_owned(), rfc3339),
            until.map_or_else(|| "the end".to_owned(), rfc3339),
            group(summary.attempts_outside_window)
        ),
    };
    writeln!(
        out,
        "\n{} problem{} ({} ongoing, {} errors) in {} failed attempts{window}, {} incidents; {} \
         lines in {} file{}{}",
        summary.problems,
        plural(summary.problems as u64),
        summary.ongoing,
        summary.errors,
        group(summary.attempts),
        group(summary.incidents),
        group(summary.counts.lines),
        summary.files,
        plural(summary.files as u64),
        match (summary.first, summary.last) {
            (Some(first), Some(last)) =>
                format!(", log time {} .. {}", rfc3339(first), rfc3339(last)),
            _ => String::new(),
        }
    )?;
    if summary.undiagnosed_attempts > 0 {
        writeln!(
            out,
            "{} failed attempt{} matched no rule (counted, in no problem)",
            group(summary.undiagnosed_attempts),
            plural(summary.undiagnosed_attempts)
        )?;
    }
    Ok(())
}

fn write_problems(
    report: &LogReport,
    out: &mut impl Write,
    options: TextOptions,
) -> io::Result<()> {
    let summary = &report.summary;
    writeln!(
        out,
        "Problems: {} ({} still happening when the log ended)",
        report.problems.len(),
        summary.ongoing
    )?;
    writeln!(
        out,
        "  {:<3} {:<24} {:<8} {:>9} {:>9}  {:<20}  {:<20}  ONGOING",
        "#", "CODE", "SEVERITY", "ATTEMPTS", "INCIDENTS", "FIRST SEEN", "LAST SEEN"
    )?;
    for problem in &report.problems {
        let severity = format!("{:<8}", problem.severity.as_str());
        let severity = options.severity_text(problem.severity, &severity);
        writeln!(
            out,
            "  {:<3} {:<24} {severity} {:>9} {:>9}  {:<20}  {:<20}  {}",
            problem.id,
            problem.code.as_str(),
            group(problem.attempts),
            group(problem.incidents),
            rfc3339(problem.first),
            rfc3339(problem.last),
            if problem.ongoing { "yes" } else { "no" }
        )?;
        writeln!(out, "      cause: {}", sanitize(&problem.cause))?;
        writeln!(out, "      {}", sanitize(&problem.message))?;
        writeln!(out, "      advice: {}", problem.advice)?;
        let first = problem.evidence.first().map(|e| sanitize(e).into_owned());
        let latest = problem
            .latest_example
            .citations
            .first()
            .map(|e| sanitize(e).into_owned());
        writeln!(
            out,
            "      first: {}   latest: {}",
            first.as_deref().unwrap_or("-"),
            latest.as_deref().unwrap_or("-")
        )?;
    }
    Ok(())
}

fn write_hosts(report: &LogReport, out: &mut impl Write) -> io::Result<()> {
    let Some(end) = report.summary.last else {
        return Ok(());
    };
    writeln!(out, "\nLatest state per host ({})", report.hosts.len())?;
    for host in &report.hosts {
        let state = if host.failing_at_end {
            "failing when the log ended".to_owned()
        } else {
            format!(
                "no failure logged in the {} before the log ended",
                humanize_duration((end - host.last_failure).unsigned_abs())
            )
        };
        writeln!(
            out,
            "  {:<32} last failure {}  {:<22}  {state}",
            sanitize(&host.host),
            rfc3339(host.last_failure),
            host.last_problem.as_str()
        )?;
    }
    if report.summary.other_host_attempts > 0 {
        writeln!(
            out,
            "  ({} failed attempts to further hosts are counted in the problems only)",
            group(report.summary.other_host_attempts)
        )?;
    }
    writeln!(
        out,
        "  (the log records failures only: a host is \"failing\" when its latest failure is within \
         {} of the log's end)",
        humanize_duration(std::time::Duration::from_secs(QUIET_SECONDS.unsigned_abs()))
    )
}

fn write_timeline(report: &LogReport, out: &mut impl Write) -> io::Result<()> {
    let incidents = report.summary.incidents;
    writeln!(
        out,
        "\nTimeline ({} row{} for {} incident{}{})",
        report.timeline.len(),
        plural(report.timeline.len() as u64),
        group(incidents),
        plural(incidents),
        if (report.timeline.len() as u64) < incidents {
            "; neighbouring incidents merged, --timeline all shows every one kept"
        } else {
            ""
        }
    )?;
    for row in &report.timeline {
        let span = if row.run.first == row.run.last {
            rfc3339(row.run.first)
        } else {
            format!("{} .. {}", rfc3339(row.run.first), rfc3339(row.run.last))
        };
        writeln!(
            out,
            "  {span:<44} x{:<8} #{} {} ({})",
            group(row.run.attempts),
            row.problem,
            row.code.as_str(),
            sanitize(&row.cause)
        )?;
    }
    if report.summary.timeline_omitted > 0 {
        writeln!(
            out,
            "  ({} shorter runs not shown: more problems than rows)",
            report.summary.timeline_omitted
        )?;
    }
    Ok(())
}

fn plural(count: u64) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// `16600000` -> `16,600,000`.
fn group(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(16_600_000), "16,600,000");
    }
}
