//! `demo`: every lab scenario, checked in-process; exit 0 only if each is diagnosed as expected.

use std::io::Write;
use std::sync::Arc;

use tlsinspect::Report;
use tlsinspect::clock::{Clock, SystemClock};
use tlsinspect::demo::run_demo;
use tlsinspect::report::sanitize::sanitize;
use tlsinspect::report::write_text;

use super::runtime;
use crate::cli::args::{DemoArgs, Format};
use crate::cli::config::Output;
use crate::cli::{CliError, Exit};

pub(crate) fn run(args: &DemoArgs) -> Result<Exit, CliError> {
    let output = Output::from_args(&args.output);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let rows = runtime()?.block_on(run_demo(Arc::clone(&clock)))?;
    let all_matched = rows.iter().all(|row| row.matched());
    let mut stdout = std::io::stdout().lock();
    let show = |code: Option<tlsinspect::FindingCode>| {
        code.map(|code| code.as_str()).unwrap_or("no finding")
    };
    match output.format {
        Format::Json | Format::Jsonl => {
            for row in &rows {
                let line = serde_json::json!({
                    "type": "scenario",
                    "scenario": row.scenario.name(),
                    "expected": show(row.expected),
                    "got": show(row.got),
                    "matched": row.matched(),
                    "endpoint": row.endpoint,
                });
                serde_json::to_writer(&mut stdout, &line).map_err(std::io::Error::from)?;
                writeln!(stdout)?;
            }
        }
        Format::Text => {
            if output.text.verbose {
                let endpoints = rows.iter().map(|row| row.endpoint.clone()).collect();
                let report = Report::new("demo", None, clock.now(), endpoints);
                write_text(&report, &mut stdout, output.text)?;
                writeln!(stdout)?;
            }
            writeln!(
                stdout,
                "{:<18} {:<20} {:<20} result",
                "scenario", "expected", "got"
            )?;
            for row in &rows {
                let result = if row.matched() { "ok" } else { "MISMATCH" };
                writeln!(
                    stdout,
                    "{:<18} {:<20} {:<20} {result}",
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
            let matched = rows.iter().filter(|row| row.matched()).count();
            writeln!(
                stdout,
                "{matched} of {} scenarios diagnosed as expected",
                rows.len()
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
