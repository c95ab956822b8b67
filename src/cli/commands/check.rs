//! `check`: audit endpoints (the workspace profile by default).

use std::path::Path;
use std::sync::Arc;

use tlsinspect::Inspector;
use tlsinspect::chain::encode_pem;
use tlsinspect::clock::SystemClock;
use tlsinspect::net::SystemResolver;
use tlsinspect::render::{StreamFormat, StreamWriter};
use tlsinspect::report::{EndpointReport, Status, Tally};

use super::{exit_for, runtime, write_report};
use crate::cli::args::{CheckArgs, Format};
use crate::cli::config::CheckConfig;
use crate::cli::progress::Progress;
use crate::cli::{CliError, Exit};

/// Targets queued ahead of the checks (the list itself is read as they are taken).
const QUEUED_TARGETS: usize = 1024;

pub(crate) fn run(args: &CheckArgs) -> Result<Exit, CliError> {
    let CheckConfig {
        targets,
        profile,
        inspector,
        save_chain,
        fail_on,
        output,
    } = CheckConfig::from_args(args)?;
    let timeout = inspector.net.timeout.as_secs();
    if !output.quiet {
        match targets.total {
            Some(total) => eprintln!(
                "tlsinspect: checking {total} endpoint{} (timeout {timeout}s per step)…",
                if total == 1 { "" } else { "s" },
            ),
            None => eprintln!(
                "tlsinspect: checking the endpoints listed on stdin (timeout {timeout}s per step)…"
            ),
        }
    }
    let mut progress = Progress::endpoints(targets.total, !output.quiet);
    let inspector = Inspector::new(inspector, Arc::new(SystemResolver), Arc::new(SystemClock));
    let at = inspector.evaluation_instant();
    let (sender, receiver) = tokio::sync::mpsc::channel(QUEUED_TARGETS);
    // The list is read on its own thread: a slow stdin never stalls the checks in flight.
    let feeder =
        std::thread::spawn(move || targets.feed(|target| sender.blocking_send(target).is_ok()));
    let runtime = runtime()?;
    let mut failure: Option<CliError> = None;
    let mut keep = |result: Result<(), CliError>| {
        if let Err(error) = result {
            failure.get_or_insert(error);
        }
    };
    // JSON, HTML and ECS hold the run to write it with the amendments applied; text and JSONL
    // stream.
    let worst = if matches!(
        output.format,
        Format::Json | Format::Html | Format::Ecs | Format::Prometheus
    ) {
        let mut endpoints = Vec::new();
        let amendments = runtime.block_on(inspector.check_each(receiver, at, |id, endpoint| {
            progress.endpoint(endpoint.status == Status::Error);
            keep(save(save_chain.as_deref(), &endpoint));
            endpoints.push((id, endpoint));
        }));
        progress.finish();
        let report = tlsinspect::check::report_of_run(profile, at, endpoints, &amendments);
        keep(write_report(&report, &output));
        report.worst()
    } else {
        let format = match output.format {
            Format::Jsonl => StreamFormat::Jsonl,
            _ => StreamFormat::Text(output.text),
        };
        let mut writer = StreamWriter::new(output.stdout(), format);
        let mut tally = Tally::default();
        let amendments = runtime.block_on(inspector.check_each(receiver, at, |id, endpoint| {
            progress.endpoint(endpoint.status == Status::Error);
            tally.add(&endpoint);
            keep(save(save_chain.as_deref(), &endpoint));
            keep(writer.endpoint(id, &endpoint).map_err(CliError::from));
        }));
        progress.finish();
        for amendment in &amendments {
            tally.amend(amendment.was(), amendment.status, &amendment.added);
        }
        keep(writer.amendments(&amendments).map_err(CliError::from));
        keep(writer.finish(&tally.summary(), at).map_err(CliError::from));
        tally.worst()
    };
    // The feeder ends once the list is read or the checks stopped taking targets.
    match feeder.join() {
        Ok(fed) => keep(fed),
        Err(_) => keep(Err(CliError::Usage("the target list reader failed".into()))),
    }
    if let Some(error) = failure {
        return Err(error);
    }
    Ok(exit_for(worst, fail_on))
}

fn save(dir: Option<&Path>, endpoint: &EndpointReport) -> Result<(), CliError> {
    match dir {
        Some(dir) => save_chain(endpoint, dir),
        None => Ok(()),
    }
}

/// With no command named, targets come first on the line: a word that is no host name (no dot,
/// not an address, not `localhost`) is a mistyped command, not a name to look up.
pub(crate) fn reject_command_typos(targets: &[String]) -> Result<(), CliError> {
    use clap::CommandFactory;
    let Some(first) = targets.first() else {
        return Ok(());
    };
    if let Some(command) = command_for_file(first) {
        return Err(CliError::Usage(format!(
            "{first:?} is a file, not a host name: to read it, run `tlsinspect {command} \
             {first}`"
        )));
    }
    let hostlike = first.contains(['.', ':', '/', '['])
        || first.eq_ignore_ascii_case("localhost")
        || first.parse::<std::net::IpAddr>().is_ok();
    if hostlike {
        return Ok(());
    }
    let command = crate::cli::args::Cli::command();
    let closest = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_owned())
        .min_by_key(|name| edit_distance(name, first));
    let hint = closest
        .filter(|name| edit_distance(name, first) <= 2)
        .map(|name| format!(" (did you mean `tlsinspect {name}`?)"))
        .unwrap_or_default();
    Err(CliError::Usage(format!(
        "{first:?} is neither a command nor a host name{hint}; to check a host without a dot, \
         write `tlsinspect check {first}`"
    )))
}

/// The command that reads `word` when it names a file (an existing one, or one named like a
/// certificate or a log): never a name to look up in DNS.
fn command_for_file(word: &str) -> Option<&'static str> {
    let lower = word.to_ascii_lowercase();
    let log = lower.ends_with(".log") || lower.ends_with(".txt");
    let certificate = [".pem", ".crt", ".cer", ".der", ".p7b", ".crl", ".key"]
        .iter()
        .any(|extension| lower.ends_with(extension));
    let exists = Path::new(word).is_file();
    match (log, certificate || exists) {
        (true, _) => Some("logs"),
        (false, true) => Some("inspect"),
        (false, false) => None,
    }
}

/// Levenshtein distance, for command suggestions.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// Writes `<host>_<port>.pem` for an endpoint that presented a chain. The folder is created
/// only when there is something to save; a link planted in it is refused and never followed
/// ([`tlsinspect::output`]).
fn save_chain(endpoint: &EndpointReport, dir: &Path) -> Result<(), CliError> {
    use tlsinspect::output::{self, Access};
    if endpoint.certificates.is_empty() {
        return Ok(());
    }
    output::folder(dir)?;
    let host = endpoint.host.as_deref().unwrap_or("endpoint");
    let safe: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let name = format!("{safe}_{}.pem", endpoint.port.unwrap_or(0));
    let mut pem = String::new();
    for cert in &endpoint.certificates {
        pem.push_str(&encode_pem(&base64_decode(&cert.der_base64)));
    }
    output::write(&dir.join(name), pem.as_bytes(), Access::Public)?;
    Ok(())
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap_or_default()
}
