//! `inspect`: validate a chain read from files, offline.

use tlsinspect::clock::{Clock, SystemClock};
use tlsinspect::{InspectRequest, inspect_files};

use super::{exit_for, write_report};
use crate::cli::args::InspectArgs;
use crate::cli::config::{
    Output, anchors, fail_on, parse_at, read_pins, revocation_options, usage,
};
use crate::cli::{CliError, Exit};

pub(crate) fn run(args: &InspectArgs) -> Result<Exit, CliError> {
    let host = args
        .host
        .as_deref()
        .map(|host| {
            host.parse()
                .map_err(|error| usage(format!("--host {host:?}: {error}")))
        })
        .transpose()?;
    let request = InspectRequest {
        files: args.files.clone(),
        host,
        at: parse_at(args.at.as_deref())?.unwrap_or_else(|| SystemClock.now()),
        pins: args.pin_file.as_deref().map(read_pins).transpose()?,
        crl_files: args.crl_file.clone(),
        ocsp_files: args.ocsp_response.clone(),
        revocation: revocation_options(&args.revocation),
    };
    let report = inspect_files(&request, &anchors(args.ca_file.as_deref())?)?;
    write_report(&report, &Output::from_args(&args.output))?;
    Ok(exit_for(report.worst(), fail_on(args.fail_on)))
}
