//! The command line: clap definitions, the one-time conversion into library types, the exit
//! codes and one module per subcommand. No TLS or PKI logic lives here.

mod args;
mod commands;
mod config;
mod exit;
mod progress;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use tlsinspect::sanitize::sanitize;

pub(crate) use exit::{CliError, Exit};

/// Runs the program.
pub(crate) fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return parse_failed(&error),
    };
    let verbosity = cli.verbosity();
    init_tracing(verbosity);
    tlsinspect::install_crypto_provider();
    let outcome = commands::run(cli);
    match outcome {
        Ok(exit) => exit.into(),
        Err(CliError::BrokenPipe) => Exit::Clean.into(),
        Err(error) => {
            say(&format!(
                "tlsinspect: error: {}",
                tlsinspect::cause::with_sources(&error)
            ));
            Exit::Operational.into()
        }
    }
}

/// Help and version go to stdout (exit 0); a usage error goes to stderr, each line sanitised
/// (clap echoes the value it refused), with exit code 2.
fn parse_failed(error: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let text = error.render().to_string();
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        // A reader that left is no failure; a full disk is (exit 2, said on stderr).
        if let Err(error) = config::write_stdout(text.as_bytes()) {
            say(&format!("tlsinspect: error: cannot write output: {error}"));
            return Exit::Operational.into();
        }
        return Exit::Clean.into();
    }
    text.lines().for_each(say);
    Exit::Operational.into()
}

/// Writes one line on stderr, sanitised: paths, option values and peer data reach stderr too,
/// and one sanitiser serves it and the reports.
pub(crate) fn say(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{}", sanitize(line));
}

/// Logs go to stderr through tracing: `-v` for info, `-vv` for debug, or `RUST_LOG`.
fn init_tracing(verbosity: u8) {
    let default = match verbosity {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(
            std::io::IsTerminal::is_terminal(&std::io::stderr())
                && config::env("NO_COLOR").is_none(),
        )
        .without_time()
        .try_init();
}
