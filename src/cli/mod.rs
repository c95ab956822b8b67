//! The command line: clap definitions, the one-time conversion into library types, the exit
//! codes and one module per subcommand. No TLS or PKI logic lives here.

mod args;
mod commands;
mod config;
mod exit;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

pub(crate) use exit::{CliError, Exit};

/// Runs the program.
pub(crate) fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let verbosity = cli.verbosity();
    init_tracing(verbosity);
    tlsinspect::install_crypto_provider();
    let outcome = commands::run(cli);
    match outcome {
        Ok(exit) => exit.into(),
        Err(CliError::BrokenPipe) => Exit::Clean.into(),
        Err(error) => {
            let mut stderr = std::io::stderr().lock();
            let _ = write!(stderr, "tlsinspect: error: {error}");
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                let _ = write!(stderr, ": {cause}");
                source = cause.source();
            }
            let _ = writeln!(stderr);
            Exit::Operational.into()
        }
    }
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
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .without_time()
        .try_init();
}
