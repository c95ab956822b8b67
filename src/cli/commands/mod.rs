//! One module per subcommand, and the report writer they share.

mod audit_proxy;
mod check;
mod decode;
mod demo;
mod inspect;
mod lab;
mod logs;
mod shell;
mod trust;

use std::io::Write;

use tlsinspect::Report;
use tlsinspect::clock::{Clock, SystemClock};
use tlsinspect::render::{
    write_ecs, write_html, write_json, write_jsonl, write_prometheus, write_text,
};

use super::args::{Cli, Command, Format};
use super::config::Output;
use super::{CliError, Exit};

/// Runs the chosen command (`check` when none is named).
pub(crate) fn run(cli: Cli) -> Result<Exit, CliError> {
    match cli.command {
        None => {
            check::reject_command_typos(&cli.check.targets)?;
            check::run(&cli.check)
        }
        Some(Command::AuditProxy(args)) => audit_proxy::run(&args),
        Some(Command::Check(args)) => check::run(&args),
        Some(Command::Decode(args)) => decode::run(&args),
        Some(Command::Demo(args)) => demo::run(&args),
        Some(Command::Inspect(args)) => inspect::run(&args),
        Some(Command::Lab(args)) => lab::run(&args),
        Some(Command::Logs(args)) => logs::run(&args),
        Some(Command::Trust(args)) => trust::run(&args),
        Some(Command::Completions(args)) => shell::completions(args.shell),
        Some(Command::Man) => shell::man(),
    }
}

/// Writes the report to stdout in the chosen format.
pub(super) fn write_report(report: &Report, output: &Output) -> Result<(), CliError> {
    let mut stdout = output.stdout();
    match output.format {
        Format::Json => write_json(report, &mut stdout)?,
        Format::Jsonl => write_jsonl(report, &mut stdout)?,
        Format::Text => write_text(report, &mut stdout, output.text)?,
        Format::Html => write_html(report, &mut stdout)?,
        Format::Ecs => write_ecs(report, &mut stdout, SystemClock.now())?,
        Format::Prometheus => write_prometheus(report, &mut stdout)?,
    }
    stdout.flush()?;
    Ok(())
}

/// 1 when a finding reaches `fail_on` (`worst`: the run's highest severity), else 0.
pub(super) fn exit_for(worst: Option<tlsinspect::Severity>, fail_on: tlsinspect::Severity) -> Exit {
    match worst {
        Some(worst) if worst >= fail_on => Exit::Findings,
        _ => Exit::Clean,
    }
}

/// A multi-threaded runtime for the network commands.
/// Lets servers run in the foreground: for `secs` seconds, or until the process is interrupted.
pub(super) fn run_for(secs: Option<u64>) {
    match secs {
        Some(secs) => std::thread::sleep(std::time::Duration::from_secs(secs)),
        None => loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        },
    }
}

pub(super) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .map_err(CliError::Runtime)
}
