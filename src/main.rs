//! The `tlsinspect` binary: parse arguments, run one command, print the error chain once, and
//! map the outcome to the exit-code contract (0 clean, 1 findings, 2 operational error).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
