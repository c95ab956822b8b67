//! `logs`: analyse Sync/Migration trace logs (files, folders, `-` for stdin).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use tlsinspect::logs::{LogRequest, analyze, default_trace_folders};
use tlsinspect::render::{write_logs_html, write_logs_json, write_logs_jsonl, write_logs_text};

use crate::cli::args::{LogsArgs, TimelineRows};
use crate::cli::config::{DocumentFormat, Output, env, fail_on, parse_instant, usage};
use crate::cli::progress::Progress;
use crate::cli::{CliError, Exit};

pub(crate) fn run(args: &LogsArgs) -> Result<Exit, CliError> {
    let output = Output::from_args(&args.output);
    let format = output.document_format("logs")?;
    let mut request = LogRequest::new(inputs(args, output.quiet)?);
    request.since = parse_instant("--since", args.since.as_deref())?;
    request.until = parse_instant("--until", args.until.as_deref())?;
    if let (Some(since), Some(until)) = (request.since, request.until)
        && since > until
    {
        // An empty window would read as a clean log.
        return Err(usage(format!(
            "--since {} is later than --until {}: no time lies between them",
            tlsinspect::clock::rfc3339(since),
            tlsinspect::clock::rfc3339(until)
        )));
    }
    request.timeline = match args.timeline {
        TimelineRows::All => None,
        TimelineRows::Rows(rows) => Some(rows),
    };
    let progress = tlsinspect::logs::input_bytes(&request.inputs)
        .map(|total| Progress::bytes(total, !output.quiet));
    let report = std::thread::scope(|scope| {
        let analysis = scope.spawn(|| analyze(&request, std::io::stdin()));
        while !analysis.is_finished() {
            if let Some(progress) = &progress {
                progress.set(request.bytes_read.load(Ordering::Relaxed));
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        if let Some(progress) = &progress {
            progress.finish();
        }
        analysis.join()
    })
    .map_err(|_| CliError::Usage("the log analysis failed".into()))??;
    let mut stdout = output.stdout();
    match format {
        DocumentFormat::Html => write_logs_html(&report, &mut stdout)?,
        DocumentFormat::Json => write_logs_json(&report, &mut stdout)?,
        DocumentFormat::Jsonl => write_logs_jsonl(&report, &mut stdout)?,
        DocumentFormat::Text => write_logs_text(&report, &mut stdout, output.text)?,
    }
    stdout.flush()?;
    Ok(match report.worst() {
        Some(worst) if worst >= fail_on(args.fail_on) => Exit::Findings,
        _ => Exit::Clean,
    })
}

/// The paths given, or the trace folders of the profile `%LOCALAPPDATA%` names that exist (said
/// on stderr); an error naming the folders looked for when there is none.
fn inputs(args: &LogsArgs, quiet: bool) -> Result<Vec<PathBuf>, CliError> {
    if !args.paths.is_empty() {
        return Ok(args.paths.clone());
    }
    let Some(local) = env("LOCALAPPDATA") else {
        return Err(usage(
            "name the trace logs to read (files, folders, or - for stdin); with none, the \
             folders under %LOCALAPPDATA% are read, and LOCALAPPDATA is not set"
                .to_owned(),
        ));
    };
    let candidates = default_trace_folders(Path::new(&local));
    let found: Vec<PathBuf> = candidates
        .iter()
        .filter(|dir| dir.is_dir())
        .cloned()
        .collect();
    if found.is_empty() {
        let looked: Vec<String> = candidates.iter().map(|d| d.display().to_string()).collect();
        return Err(usage(format!(
            "no trace folder here: looked for {} (Google Workspace Sync and the migration tool \
             write there once tracing ran); name the logs to read instead",
            looked.join(" and ")
        )));
    }
    if !quiet {
        for dir in &found {
            crate::cli::say(&format!(
                "tlsinspect: reading the trace folder {}",
                dir.display()
            ));
        }
    }
    Ok(found)
}
