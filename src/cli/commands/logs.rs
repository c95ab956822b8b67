//! `logs`: analyse Sync/Migration trace logs (files, folders, `-` for stdin).

use std::io::Write;

use tlsinspect::report::{write_logs_json, write_logs_text};
use tlsinspect::trace::analyze;

use crate::cli::args::{Format, LogsArgs};
use crate::cli::config::{Output, fail_on};
use crate::cli::{CliError, Exit};

pub(crate) fn run(args: &LogsArgs) -> Result<Exit, CliError> {
    let output = Output::from_args(&args.output);
    let report = analyze(&args.paths, std::io::stdin())?;
    let mut stdout = std::io::stdout().lock();
    match output.format {
        Format::Json | Format::Jsonl => write_logs_json(&report, &mut stdout)?,
        Format::Text => write_logs_text(&report, &mut stdout, output.text)?,
    }
    stdout.flush()?;
    Ok(match report.worst() {
        Some(worst) if worst >= fail_on(args.fail_on) => Exit::Findings,
        _ => Exit::Clean,
    })
}
