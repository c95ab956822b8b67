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

/// Writes `<host>_<port>.pem` per endpoint that presented a chain.
fn save_chains(report: &Report, dir: &Path) -> Result<(), CliError> {
    let write_error = |source| tlsinspect::Error::Write {
        path: dir.to_owned(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(write_error)?;
    for endpoint in report
        .endpoints
        .iter()
        .filter(|endpoint| !endpoint.certificates.is_empty())
    {
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
        let path = dir.join(format!("{safe}_{}.pem", endpoint.port.unwrap_or(0)));
        let mut pem = String::new();
        for cert in &endpoint.certificates {
            let der = base64_decode(&cert.der_base64);
            pem.push_str(&encode_pem(&der));
        }
        std::fs::write(&path, pem).map_err(|source| tlsinspect::Error::Write {
            path: path.clone(),
            source,
        })?;
    }
    Ok(())
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap_or_default()
}
