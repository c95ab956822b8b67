//! `trust`: audit a trust store (the system's, files, folders).

use std::io::Write;
use std::path::PathBuf;

use tlsinspect::clock::{Clock, SystemClock};
use tlsinspect::finding::Severity;
use tlsinspect::input::{MAX_BUNDLE_FILE, read_file};
use tlsinspect::render::{
    write_diff_json, write_diff_text, write_discovery_html, write_discovery_json,
    write_discovery_jsonl, write_discovery_text, write_trust_html, write_trust_json,
    write_trust_jsonl, write_trust_prometheus, write_trust_text,
};
use tlsinspect::stores::{Environment, StoreSpec, SystemOverrides, system_bundle};
use tlsinspect::trust::{Baseline, DiscoveryRequest, TrustRequest, audit, audit_discovered};

use crate::cli::args::{FailOn, Format, OutputArgs, TrustAction, TrustArgs};
use crate::cli::config::{DocumentFormat, Output, env, fail_on, parse_at};
use crate::cli::{CliError, Exit};

/// The environment variables `--discover` reads (the bundles programs are pointed at, and
/// where runtimes and profiles live).
const DISCOVER_VARIABLES: [&str; 11] = [
    "SSL_CERT_FILE",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
    "GIT_SSL_CAINFO",
    "PIP_CERT",
    "AWS_CA_BUNDLE",
    "JAVA_HOME",
    "VIRTUAL_ENV",
    "LOCALAPPDATA",
    "APPDATA",
];

pub(crate) fn run(args: &TrustArgs) -> Result<Exit, CliError> {
    if let Some(TrustAction::Diff {
        before,
        after,
        fail_on: threshold,
        output,
    }) = &args.action
    {
        return diff(before, after, *threshold, output);
    }
    if args.discover {
        return discover(args);
    }
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
            if path.join("cert9.db").is_file() {
                StoreSpec::Nss(path)
            } else if path.is_dir() {
                StoreSpec::Dir(path)
            } else if is_java_keystore(&path) {
                StoreSpec::Keystore(path)
            } else {
                StoreSpec::File(path)
            }
        })
        .collect();
    let baseline = baseline(args)?;
    let overrides = overrides();
    let request = TrustRequest {
        stores,
        overrides,
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
    Ok(exit(report.worst(), args.fail_on))
}

/// `trust --discover`: every store of this machine, audited and compared.
fn discover(args: &TrustArgs) -> Result<Exit, CliError> {
    let output = Output::from_args(&args.output);
    let format = match output.format {
        Format::Prometheus => {
            return Err(CliError::Usage(
                "--discover writes text, json, jsonl or html (Prometheus metrics: trust --store \
                 per store)"
                    .to_owned(),
            ));
        }
        _ => output.document_format("trust")?,
    };
    let overrides = overrides();
    let vars: Vec<(String, String)> = DISCOVER_VARIABLES
        .iter()
        .filter_map(|name| env(name).map(|value| ((*name).to_owned(), value)))
        .collect();
    let home = env("HOME")
        .or_else(|| env("USERPROFILE"))
        .map(PathBuf::from);
    // Under --root, the system store is the root's default bundle, not this machine's override.
    let bundle = match &args.root {
        Some(_) => system_bundle(&SystemOverrides::default()),
        None => system_bundle(&overrides),
    };
    let environment = Environment::new(vars, home, bundle, &args.venv, args.root.as_deref());
    let request = DiscoveryRequest {
        stores: tlsinspect::stores::discover(&environment),
        overrides,
        baseline: baseline(args)?,
        at: parse_at(args.at.as_deref())?.unwrap_or_else(|| SystemClock.now()),
    };
    let report = audit_discovered(&request);
    let mut stdout = output.stdout();
    match format {
        DocumentFormat::Html => write_discovery_html(&report, &mut stdout)?,
        DocumentFormat::Json => write_discovery_json(&report, &mut stdout)?,
        DocumentFormat::Jsonl => write_discovery_jsonl(&report, &mut stdout)?,
        DocumentFormat::Text => write_discovery_text(&report, &mut stdout, output.text)?,
    }
    stdout.flush()?;
    Ok(exit(report.worst(), args.fail_on))
}

/// `trust diff BEFORE AFTER`.
fn diff(
    before: &std::path::Path,
    after: &std::path::Path,
    threshold: FailOn,
    output: &OutputArgs,
) -> Result<Exit, CliError> {
    let output = Output::from_args(output);
    let format = match output.format {
        Format::Text => DocumentFormat::Text,
        Format::Json => DocumentFormat::Json,
        _ => {
            return Err(CliError::Usage("trust diff writes text or json".to_owned()));
        }
    };
    let read = |path: &std::path::Path| read_file(path, MAX_DIFF_INPUT);
    let (before_bytes, after_bytes) = (read(before)?, read(after)?);
    let report = tlsinspect::trust::diff(
        (&before.display().to_string(), &before_bytes),
        (&after.display().to_string(), &after_bytes),
    )
    .map_err(|error| CliError::Usage(error.to_string()))?;
    let mut stdout = output.stdout();
    match format {
        DocumentFormat::Json => write_diff_json(&report, &mut stdout)?,
        _ => write_diff_text(&report, &mut stdout, output.text)?,
    }
    stdout.flush()?;
    Ok(exit(report.worst_new(), threshold))
}

/// The most read of a `trust` JSON output (a store of 100,000 roots writes about 150 MB).
const MAX_DIFF_INPUT: u64 = 512 << 20;

/// Whether a file is a Java keystore: the JKS magic number, or a PKCS#12 name (`.p12`,
/// `.pfx`) or the JDK's `cacerts`.
fn is_java_keystore(path: &std::path::Path) -> bool {
    use std::io::Read;
    let named = path
        .file_name()
        .map(|name| name.to_string_lossy().to_ascii_lowercase())
        .is_some_and(|name| name == "cacerts" || name.ends_with(".p12") || name.ends_with(".pfx"));
    let mut head = [0u8; 4];
    let jks = std::fs::File::open(path)
        .and_then(|mut file| file.read_exact(&mut head))
        .is_ok()
        && matches!(head, [0xfe, 0xed, 0xfe, 0xed] | [0xce, 0xce, 0xce, 0xce]);
    named || jks
}

fn overrides() -> SystemOverrides {
    SystemOverrides {
        cert_file: env("SSL_CERT_FILE").map(PathBuf::from),
        cert_dir: env("SSL_CERT_DIR"),
    }
}

fn exit(worst: Option<Severity>, threshold: FailOn) -> Exit {
    match worst {
        Some(worst) if worst >= fail_on(threshold) => Exit::Findings,
        _ => Exit::Clean,
    }
}

fn baseline(args: &TrustArgs) -> Result<Baseline, CliError> {
    Ok(match &args.baseline {
        Some(path) => Baseline::from_bundle(
            path.display().to_string(),
            &read_file(path, MAX_BUNDLE_FILE)?,
        )
        .map_err(|source| tlsinspect::Error::Certificates {
            path: path.clone(),
            source,
        })?,
        None => Baseline::mozilla(),
    })
}
