//! Exit codes (the contract in `--help`) and the CLI's error type.

use std::process::ExitCode;

/// What the process returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// 0: no finding at or above `--fail-on`.
    Clean,
    /// 1: at least one such finding (or a demo scenario was misdiagnosed).
    Findings,
    /// 2: usage error, unreadable input, or the run could not be carried out.
    Operational,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        match exit {
            Exit::Clean => Self::from(0),
            Exit::Findings => Self::from(1),
            Exit::Operational => Self::from(2),
        }
    }
}

/// Why a command could not run.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// stdout was closed by the reader (`| head`): exit quietly.
    #[error("broken pipe")]
    BrokenPipe,
    /// Writing the report failed.
    #[error("cannot write output")]
    Output(#[source] std::io::Error),
    /// The library could not carry out the operation.
    #[error(transparent)]
    Library(#[from] tlsinspect::Error),
    /// An option value is invalid.
    #[error("{0}")]
    Usage(String),
    /// The async runtime could not start.
    #[error("cannot start the runtime")]
    Runtime(#[source] std::io::Error),
}

impl From<tlsinspect::input::Error> for CliError {
    fn from(error: tlsinspect::input::Error) -> Self {
        Self::Library(error.into())
    }
}

impl From<tlsinspect::output::Error> for CliError {
    fn from(error: tlsinspect::output::Error) -> Self {
        Self::Library(error.into())
    }
}

impl From<std::io::Error> for CliError {
    fn from(error: std::io::Error) -> Self {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            Self::BrokenPipe
        } else {
            Self::Output(error)
        }
    }
}
