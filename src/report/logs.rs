//! Renderers for `logs`: text (a short timeline, then the diagnosis) and JSON. Every string
//! from a log passes through `sanitize`.

use std::io::{self, Write};

use super::sanitize::sanitize;
use super::text::TextOptions;
use crate::clock::{rfc3339, rfc3339_with_offset};
use crate::trace::LogReport;

/// Writes the log report as one JSON document.
pub fn write_logs_json(report: &LogReport, out: &mut impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}

/// Writes the log report as text.
pub fn write_logs_text(
    report: &LogReport,
    out: &mut impl Write,
    options: TextOptions,
) -> io::Result<()> {
    for file in &report.files {
        let stats = &file.stats;
        writeln!(
            out,
            "{}: {} lines, {} records ({} errors/warnings), {} unknown lines, {} truncated lines",
            sanitize(&file.path),
            stats.lines,
            stats.records,
            stats.problem_records,
            stats.unknown_lines,
            stats.truncated_lines
        )?;
    }
    if report.incidents.is_empty() {
        writeln!(out, "\nNo network or TLS incident found.")?;
        return Ok(());
    }
    writeln!(out, "\nTimeline")?;
    for incident in &report.incidents {
        let destination = match (&incident.destination, &incident.destination_name) {
            (Some(address), Some(name)) => format!("{} ({})", sanitize(address), sanitize(name)),
            (Some(address), None) => sanitize(address).into_owned(),
            _ => "destination not logged".to_owned(),
        };
        let times = if incident.first == incident.last {
            rfc3339_with_offset(incident.first)
        } else {
            format!(
                "{} .. {}",
                rfc3339_with_offset(incident.first),
                rfc3339_with_offset(incident.last)
            )
        };
        writeln!(
            out,
            "  #{} {times} x{} {destination}",
            incident.id, incident.count
        )?;
        if let (Some(status), Some(info)) = (&incident.status, &incident.info) {
            let status_name = incident.status_name.unwrap_or("unknown status");
            writeln!(
                out,
                "      Status {status} ({status_name}), Info {info}: {}",
                incident.flags.join(" | ")
            )?;
        }
        for (label, value, name) in [
            ("hr", &incident.hresult, incident.hresult_name),
            ("Code", &incident.code, incident.code_name),
        ] {
            if let Some(value) = value {
                writeln!(out, "      {label} {value} ({})", name.unwrap_or("unknown"))?;
            }
        }
        if let Some(cert) = &incident.certificate {
            let window = match (cert.not_before, cert.not_after) {
                (Some(start), Some(end)) => {
                    format!(" valid {} .. {}", rfc3339(start), rfc3339(end))
                }
                _ => String::new(),
            };
            writeln!(
                out,
                "      certificate: {} / issuer {}{window}",
                sanitize(&cert.subject.join(", ")),
                sanitize(&cert.issuer.join(", "))
            )?;
        }
    }
    writeln!(out, "\nDiagnosis")?;
    for incident in &report.incidents {
        for finding in &incident.findings {
            let severity = finding.severity.as_str();
            let severity = if options.color && severity == "error" {
                format!("\x1b[1;31m{severity}\x1b[0m")
            } else {
                severity.to_owned()
            };
            writeln!(
                out,
                "  #{} {severity} {}: {}",
                incident.id,
                finding.code,
                sanitize(&finding.message)
            )?;
            writeln!(
                out,
                "      evidence: {}",
                sanitize(&compact_citations(&incident.citations))
            )?;
            writeln!(out, "      advice: {}", finding.advice())?;
        }
    }
    let summary = &report.summary;
    writeln!(
        out,
        "\n{} incident{}, {} with errors, from {} lines ({} unknown)",
        summary.incidents,
        if summary.incidents == 1 { "" } else { "s" },
        summary.errors,
        summary.lines,
        summary.unknown_lines
    )
}

/// `a.log:1-6,12` from `a.log:1`, …, `a.log:6`, `a.log:12`.
fn compact_citations(citations: &[String]) -> String {
    let mut groups: Vec<(String, Vec<(u64, u64)>)> = Vec::new();
    for citation in citations {
        let Some((file, line)) = citation.rsplit_once(':') else {
            continue;
        };
        let Ok(line) = line.parse::<u64>() else {
            continue;
        };
        match groups.last_mut() {
            Some((last_file, ranges)) if last_file == file => match ranges.last_mut() {
                Some((_, end)) if *end + 1 == line => *end = line,
                _ => ranges.push((line, line)),
            },
            _ => groups.push((file.to_owned(), vec![(line, line)])),
        }
    }
    groups
        .iter()
        .map(|(file, ranges)| {
            let ranges: Vec<String> = ranges
                .iter()
                .map(|(start, end)| {
                    if start == end {
                        start.to_string()
                    } else {
                        format!("{start}-{end}")
                    }
                })
                .collect();
            format!("{file}:{}", ranges.join(","))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citations_are_compacted_into_ranges() {
        let citations: Vec<String> = ["a.log:1", "a.log:2", "a.log:3", "a.log:7", "b.log:2"]
            .map(String::from)
            .to_vec();
        assert_eq!(compact_citations(&citations), "a.log:1-3,7; b.log:2");
    }
}
