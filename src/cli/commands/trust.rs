//! `trust`: audit a trust store (the system's, files, folders).

use std::io::Write;
use std::path::PathBuf;

use tlsinspect::clock::{Clock, SystemClock};
use tlsinspect::input::{MAX_BUNDLE_FILE, read_file};
use tlsinspect::render::{
    write_trust_html, write_trust_json, write_trust_jsonl, write_trust_prometheus, write_trust_text,
};
use tlsinspect::stores::{StoreSpec, SystemOverrides};
use tlsinspect::trust::{Baseline, TrustRequest, audit};

use crate::cli::args::{Format, TrustArgs};
use crate::cli::config::{DocumentFormat, Output, env, fail_on, parse_at};
use crate::cli::{CliError, Exit};

pub(crate) fn run(args: &TrustArgs) -> Result<Exit, CliError> {
    let output = Output::from_args(&args.output);
    // Metrics are a format of `trust` (and of the endpoint reports), not of every document.
    let format = match output.format {
        Format::Prometheus => None,
        _ => Some(output.document_format("trust")?),
    };
    let stores = args
        .stores
        .iter()
        .map(|store| {
            if store.eq_ignore_ascii_case("system") {
                return StoreSpec::System;
            }
            let path = PathBuf::from(store);
            if path.is_dir() {
                StoreSpec::Dir(path)
            } else {
                StoreSpec::File(path)
            }
        })
        .collect();
    let baseline = match &args.baseline {
        Some(path) => Baseline::from_bundle(
            path.display().to_string(),
            &read_file(path, MAX_BUNDLE_FILE)?,
        )
        .map_err(|source| tlsinspect::Error::Certificates {
            path: path.clone(),
            source,
        })?,
        None => Baseline::mozilla(),
    };
    let request = TrustRequest {
        stores,
        overrides: SystemOverrides {
            cert_file: env("SSL_CERT_FILE").map(PathBuf::from),
            cert_dir: env("SSL_CERT_DIR"),
        },
        baseline,
        at: parse_at(args.at.as_deref())?.unwrap_or_else(|| SystemClock.now()),
    };
    let report = audit(&request).map_err(tlsinspect::Error::from)?;
    let mut stdout = output.stdout();
    match format {
        None => write_trust_prometheus(&report, &mut stdout)?,
        Some(DocumentFormat::Html) => write_trust_html(&report, &mut stdout)?,
        Some(DocumentFormat::Json) => write_trust_json(&report, &mut stdout)?,
        Some(DocumentFormat::Jsonl) => write_trust_jsonl(&report, &mut stdout)?,
        Some(DocumentFormat::Text) => write_trust_text(&report, &mut stdout, output.text)?,
    }
    stdout.flush()?;
    Ok(match report.worst() {
        Some(worst) if worst >= fail_on(args.fail_on) => Exit::Findings,
        _ => Exit::Clean,
    })
}
