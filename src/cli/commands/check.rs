//! `check`: audit endpoints (the workspace profile by default).

use std::path::Path;
use std::sync::Arc;

use tlsinspect::chain::encode_pem;
use tlsinspect::clock::SystemClock;
use tlsinspect::net::SystemResolver;
use tlsinspect::{Inspector, Report};

use super::{exit_for, runtime, write_report};
use crate::cli::args::CheckArgs;
use crate::cli::config::CheckConfig;
use crate::cli::{CliError, Exit};

pub(crate) fn run(args: &CheckArgs) -> Result<Exit, CliError> {
    let config = CheckConfig::from_args(args)?;
    if !config.output.quiet {
        eprintln!(
            "tlsinspect: checking {} endpoint{} (timeout {}s per step)…",
            config.targets.len(),
            if config.targets.len() == 1 { "" } else { "s" },
            config.inspector.net.timeout.as_secs()
        );
    }
    let inspector = Inspector::new(
        config.inspector,
        Arc::new(SystemResolver),
        Arc::new(SystemClock),
    );
    let report = runtime()?.block_on(inspector.check(config.targets, config.profile));
    if let Some(dir) = &config.save_chain {
        save_chains(&report, dir)?;
    }
    write_report(&report, &config.output)?;
    Ok(exit_for(&report, config.fail_on))
}

/// With no command named, targets come first on the line: a word that is no host name (no dot,
/// not an address, not `localhost`) is a mistyped command, not a name to look up.
pub(crate) fn reject_command_typos(targets: &[String]) -> Result<(), CliError> {
    use clap::CommandFactory;
    let Some(first) = targets.first() else {
        return Ok(());
    };
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

/// Writes `<host>_<port>.pem` per endpoint that presented a chain. The folder is created only
/// when there is something to save; each file is written under a fresh name (created, never
/// opened if it exists) and renamed into place, so a link planted in the folder is refused and
/// never followed.
fn save_chains(report: &Report, dir: &Path) -> Result<(), CliError> {
    let write_error = |path: &Path, source| tlsinspect::Error::Write {
        path: path.to_owned(),
        source,
    };
    let endpoints: Vec<_> = report
        .endpoints
        .iter()
        .filter(|endpoint| !endpoint.certificates.is_empty())
        .collect();
    if endpoints.is_empty() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|source| write_error(dir, source))?;
    for endpoint in endpoints {
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
        let path = dir.join(&name);
        if let Ok(existing) = std::fs::symlink_metadata(&path)
            && !existing.file_type().is_file()
        {
            let refused = std::io::Error::other(
                "it exists and is not a regular file (a link is never followed)",
            );
            return Err(write_error(&path, refused).into());
        }
        let mut pem = String::new();
        for cert in &endpoint.certificates {
            pem.push_str(&encode_pem(&base64_decode(&cert.der_base64)));
        }
        let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)
            .and_then(|mut file| std::io::Write::write_all(&mut file, pem.as_bytes()))
            .and_then(|()| std::fs::rename(&temporary, &path));
        if let Err(source) = written {
            let _ = std::fs::remove_file(&temporary);
            return Err(write_error(&path, source).into());
        }
    }
    Ok(())
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap_or_default()
}
