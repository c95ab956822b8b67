//! `logs` as HTML: the problems table (code, severity, attempts, first and last seen, cause,
//! advice, cited lines) and a timeline chart in inline SVG — one lane per problem, one bar per
//! timeline run over the log's time span, darker for more attempts.

use std::io::{self, Write};

use time::OffsetDateTime;

use super::{Page, esc, findings_list, severity_class};
use crate::clock::rfc3339;
use crate::logs::LogReport;

const WIDTH: f64 = 900.0;
const LABELS: f64 = 180.0;
const LANE: f64 = 22.0;
/// The narrowest bar (a run within one instant).
const MIN_BAR: f64 = 3.0;

/// Writes the log report as one HTML page.
pub fn write_logs_html(report: &LogReport, out: &mut impl Write) -> io::Result<()> {
    let mut page = Page::new("tlsinspect logs report");
    let summary = &report.summary;
    page.push(format_args!(
        "<section class=\"summary\"><p class=\"counts\"><strong>{}</strong> problem{} \
         ({} ongoing, {} errors) in {} failed attempts, {} incidents; {} lines in {} file{}{}.</p>\n",
        summary.problems,
        if summary.problems == 1 { "" } else { "s" },
        summary.ongoing,
        summary.errors,
        summary.attempts,
        summary.incidents,
        summary.counts.lines,
        summary.files,
        if summary.files == 1 { "" } else { "s" },
        match (summary.first, summary.last) {
            (Some(first), Some(last)) =>
                format!(", log time {} .. {}", rfc3339(first), rfc3339(last)),
            _ => String::new(),
        }
    ));
    if report.problems.is_empty() {
        page.push(format_args!(
            "<p class=\"ok\">No network or TLS incident found.</p>\n"
        ));
    }
    page.push(format_args!("</section>\n"));
    if !report.problems.is_empty() {
        problems(&mut page, report);
        timeline(&mut page, report);
        page.push(format_args!(
            "<section><h2>Latest finding per problem</h2>\n"
        ));
        findings_list(&mut page, &report.findings);
        page.push(format_args!("</section>\n"));
    }
    files(&mut page, report);
    page.write(out)
}

fn problems(page: &mut Page, report: &LogReport) {
    page.push(format_args!(
        "<section><h2>Problems</h2>\n<table class=\"problems\"><thead><tr><th>#</th><th>code</th>\
         <th>severity</th><th>attempts</th><th>incidents</th><th>first seen</th><th>last seen</th>\
         <th>ongoing</th><th>cause and advice</th></tr></thead><tbody>\n"
    ));
    for problem in &report.problems {
        let class = severity_class(problem.severity);
        page.push(format_args!(
            "<tr class=\"{class}\" data-code=\"{code}\"><td>{id}</td><td><code>{code}</code></td>\
             <td><span class=\"badge {class}\">{class}</span></td><td class=\"num\">{attempts}</td>\
             <td class=\"num\">{incidents}</td><td>{first}</td><td>{last}</td><td>{ongoing}</td>\
             <td>{cause}<div>{message}</div><div class=\"advice\">{advice}</div>{cited}</td></tr>\n",
            id = problem.id,
            code = problem.code,
            attempts = problem.attempts,
            incidents = problem.incidents,
            first = rfc3339(problem.first),
            last = rfc3339(problem.last),
            ongoing = if problem.ongoing { "yes" } else { "no" },
            cause = esc(&problem.cause),
            message = esc(&problem.message),
            advice = esc(problem.advice),
            cited = problem
                .evidence
                .first()
                .map(|line| format!("<pre class=\"cited\">{}</pre>", esc(line)))
                .unwrap_or_default(),
        ));
    }
    page.push(format_args!("</tbody></table></section>\n"));
}

/// The chart: x is log time, y one lane per problem.
fn timeline(page: &mut Page, report: &LogReport) {
    let (Some(start), Some(end)) = (
        report.timeline.iter().map(|row| row.run.first).min(),
        report.timeline.iter().map(|row| row.run.last).max(),
    ) else {
        return;
    };
    let span = (end - start).as_seconds_f64().max(1.0);
    // The plot ends a bar's width before the edge, so that the latest runs stay visible.
    let x = |at: OffsetDateTime| {
        LABELS + (at - start).as_seconds_f64() / span * (WIDTH - LABELS - MIN_BAR)
    };
    let most = report
        .timeline
        .iter()
        .map(|row| row.run.attempts)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let height = LANE * report.problems.len() as f64 + 30.0;
    page.push(format_args!(
        "<section><h2>Timeline</h2>\n<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" \
         viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"failed attempts per problem over time\">\n"
    ));
    for (lane, problem) in report.problems.iter().enumerate() {
        let y = LANE * lane as f64;
        page.push(format_args!(
            "<text x=\"4\" y=\"{:.1}\" class=\"lane\">#{} {}</text>\
             <line x1=\"{LABELS}\" x2=\"{WIDTH}\" y1=\"{:.1}\" y2=\"{:.1}\" class=\"grid\"/>\n",
            y + 15.0,
            problem.id,
            problem.code,
            y + LANE,
            y + LANE
        ));
    }
    for row in &report.timeline {
        let Some(lane) = report.problems.iter().position(|p| p.id == row.problem) else {
            continue;
        };
        let left = x(row.run.first);
        let width = (x(row.run.last) - left).max(MIN_BAR);
        // Opacity grows with the log of the attempts, so one burst does not hide the rest.
        let weight = 0.35 + 0.65 * ((row.run.attempts as f64).ln_1p() / most.ln_1p());
        let class = severity_class(
            report
                .problems
                .get(lane)
                .map_or(crate::finding::Severity::Warning, |p| p.severity),
        );
        page.push(format_args!(
            "<rect class=\"bar {class}\" data-code=\"{code}\" x=\"{left:.1}\" y=\"{:.1}\" \
             width=\"{width:.1}\" height=\"{:.1}\" fill-opacity=\"{weight:.2}\">\
             <title>#{} {code}: {} attempts, {} .. {}</title></rect>\n",
            LANE * lane as f64 + 4.0,
            LANE - 8.0,
            row.problem,
            row.run.attempts,
            rfc3339(row.run.first),
            rfc3339(row.run.last),
            code = row.code,
        ));
    }
    let axis = height - 10.0;
    page.push(format_args!(
        "<text x=\"{LABELS}\" y=\"{axis}\" class=\"axis\">{}</text>\
         <text x=\"{WIDTH}\" y=\"{axis}\" class=\"axis\" text-anchor=\"end\">{}</text>\n</svg>\n",
        rfc3339(start),
        rfc3339(end)
    ));
    if report.summary.timeline_omitted > 0 {
        page.push(format_args!(
            "<p class=\"muted\">{} shorter runs not drawn (more problems than rows; \
             <code>--timeline all</code> keeps every one).</p>\n",
            report.summary.timeline_omitted
        ));
    }
    page.push(format_args!("</section>\n"));
}

fn files(page: &mut Page, report: &LogReport) {
    page.push(format_args!(
        "<section><h2>Files</h2><ul class=\"files\">\n"
    ));
    for file in &report.files {
        page.push(format_args!(
            "<li><code>{}</code>: {} lines, {} records, {} unknown lines{}</li>\n",
            esc(&file.path),
            file.counts.lines,
            file.counts.records,
            file.counts.unknown_lines,
            file.note
                .as_deref()
                .map(|note| format!(" — {}", esc(note)))
                .unwrap_or_default()
        ));
    }
    for skipped in &report.skipped {
        page.push(format_args!(
            "<li>skipped <code>{}</code>: {}</li>\n",
            esc(&skipped.path),
            esc(&skipped.reason.to_string())
        ));
    }
    page.push(format_args!("</ul></section>\n"));
}
