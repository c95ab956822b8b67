//! `demo`: every lab scenario, checked in-process; exit 0 only if each is diagnosed as expected.

use std::io::Write;
use std::sync::Arc;

use tlsinspect::Report;
use tlsinspect::clock::{Clock, SystemClock};
use tlsinspect::demo::{AuditDemoRow, headline_name as show, run_audit_demo, run_demo};
use tlsinspect::render::{write_demo_jsonl, write_ecs, write_html, write_prometheus, write_text};
use tlsinspect::sanitize::sanitize;

use super::runtime;
use crate::cli::args::{DemoArgs, Format};
use crate::cli::config::Output;
use crate::cli::{CliError, Exit};

pub(crate) fn run(args: &DemoArgs) -> Result<Exit, CliError> {
    let output = Output::from_args(&args.output);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let runtime = runtime()?;
    let rows = runtime.block_on(run_demo(Arc::clone(&clock)))?;
    let audits = runtime.block_on(run_audit_demo(Arc::clone(&clock)))?;
    let all_matched =
        rows.iter().all(|row| row.matched()) && audits.iter().all(AuditDemoRow::matched);
    let mut stdout = output.stdout();
    let report = || {
        let endpoints = rows.iter().map(|row| row.endpoint.clone()).collect();
        Report::new("demo", None, clock.now(), endpoints)
    };
    match output.format {
        Format::Ecs => write_ecs(&report(), &mut stdout, clock.now())?,
        Format::Prometheus => write_prometheus(&report(), &mut stdout)?,
        Format::Html => write_html(&report(), &mut stdout)?,
        Format::Json | Format::Jsonl => write_demo_jsonl(&rows, &audits, &mut stdout)?,
        Format::Text => {
            if output.text.verbose {
                write_text(&report(), &mut stdout, output.text)?;
                writeln!(stdout)?;
            }
            writeln!(
                stdout,
                "{:<20} {:<20} {:<20} result",
                "scenario", "expected", "got"
            )?;
            for row in &rows {
                let result = if row.matched() { "ok" } else { "MISMATCH" };
                writeln!(
                    stdout,
                    "{:<20} {:<20} {:<20} {result}",
                    row.scenario.name(),
                    show(row.expected),
                    show(row.got)
                )?;
                let headline = row
                    .endpoint
                    .findings
                    .iter()
                    .find(|f| Some(f.code) == row.got);
                if let Some(finding) = headline {
                    writeln!(stdout, "    {}", sanitize(&finding.message))?;
                }
            }
            for row in &audits {
                let result = if row.matched() { "ok" } else { "MISMATCH" };
                writeln!(
                    stdout,
                    "{:<20} {:<20} {:<20} {result}",
                    row.name,
                    row.expected,
                    row.got()
                )?;
                writeln!(stdout, "    audit-proxy: {}", audit_summary(&row.report))?;
            }
            let matched = rows.iter().filter(|row| row.matched()).count()
                + audits.iter().filter(|row| row.matched()).count();
            writeln!(
                stdout,
                "{matched} of {} scenarios diagnosed as expected",
                rows.len() + audits.len()
            )?;
        }
    }
    stdout.flush()?;
    Ok(if all_matched {
        Exit::Clean
    } else {
        Exit::Findings
    })
}

/// The grade's first reason, or why there is none.
fn audit_summary(report: &tlsinspect::audit::AuditReport) -> String {
    use tlsinspect::audit::Verdict;
    match &report.verdict {
        Verdict::Graded(grading) => grading
            .reasons
            .first()
            .map(|reason| sanitize(&reason.text).into_owned())
            .unwrap_or_default(),
        Verdict::NotIntercepting { note } => note.clone(),
        Verdict::NotGraded { reason, .. } => sanitize(reason).into_owned(),
    }
}
