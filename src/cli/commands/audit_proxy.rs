//! `audit-proxy`: grade an SSL-inspection proxy through the lab's origins.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tlsinspect::audit::{AuditReport, AuditRequest, Grade, Verdict, audit_proxy};
use tlsinspect::clock::{Clock, SystemClock};
use tlsinspect::lab::audit::AuditRoot;
use tlsinspect::net::SystemResolver;
use tlsinspect::render::{write_audit_html, write_audit_json, write_audit_jsonl, write_audit_text};

use super::runtime;
use crate::cli::args::{AuditProxyArgs, MinGrade};
use crate::cli::config::{DocumentFormat, Output, anchors, env, usage};
use crate::cli::{CliError, Exit};

pub(crate) fn run(args: &AuditProxyArgs) -> Result<Exit, CliError> {
    let output = Output::from_args(&args.output);
    let format = output.document_format("audit-proxy")?;
    let proxy = args.proxy.parse().map_err(tlsinspect::Error::from)?;
    if args.listen.is_unspecified() {
        // The origins' address is what the proxy is asked to CONNECT to: "any address" is no
        // destination (a remote proxy would connect to itself).
        return Err(usage(format!(
            "--listen {}: give the address the proxy reaches this machine at, not the \
             unspecified address",
            args.listen
        )));
    }
    let lab_dir = match &args.lab_dir {
        // A folder named by the user is made, never its missing parents (a typo in the path
        // would otherwise leave a tree of folders behind before the proxy is even tried).
        Some(dir)
            if dir
                .parent()
                .is_some_and(|parent| !parent.as_os_str().is_empty() && !parent.is_dir()) =>
        {
            return Err(usage(format!(
                "--lab-dir {}: its parent folder does not exist",
                dir.display()
            )));
        }
        Some(dir) => dir.clone(),
        None => default_lab_dir().ok_or_else(|| {
            usage(
                "no data folder for the audit root (HOME / LOCALAPPDATA unset): pass --lab-dir"
                    .into(),
            )
        })?,
    };
    let now = SystemClock.now();
    let root = AuditRoot::load_or_create_for(&lab_dir, &args.domain, now)
        .map_err(tlsinspect::Error::from)?;
    if root.created && !args.output.quiet {
        crate::cli::say(&format!(
            "tlsinspect: created the audit root {}; import it into the proxy's upstream trust store",
            root.path.display()
        ));
    }
    let request = AuditRequest {
        proxy,
        listen: args.listen,
        anchors: anchors(args.ca_file.as_deref())?,
        timeout: Duration::from_secs(args.timeout),
        concurrency: usize::try_from(args.concurrency).unwrap_or(4),
        resolver: Arc::new(SystemResolver),
        clock: Arc::new(SystemClock),
        connect_by_name: args.connect_by_name,
    };
    let report = runtime()?
        .block_on(audit_proxy(&request, &root, now))
        .map_err(tlsinspect::Error::from)?;
    let mut stdout = output.stdout();
    match format {
        DocumentFormat::Html => write_audit_html(&report, &mut stdout)?,
        DocumentFormat::Json => write_audit_json(&report, &mut stdout)?,
        DocumentFormat::Jsonl => write_audit_jsonl(&report, &mut stdout)?,
        DocumentFormat::Text => write_audit_text(&report, &mut stdout, output.text)?,
    }
    stdout.flush()?;
    Ok(exit_for(&report, args.min_grade))
}

/// 0 at or above the minimum (or nothing intercepted), 1 below it, 2 when inconclusive.
fn exit_for(report: &AuditReport, min_grade: MinGrade) -> Exit {
    let min = match min_grade {
        MinGrade::A => Grade::A,
        MinGrade::B => Grade::B,
        MinGrade::C => Grade::C,
        MinGrade::F => Grade::F,
    };
    match &report.verdict {
        Verdict::Graded(grading) if grading.grade > min => Exit::Findings,
        Verdict::Graded(_) | Verdict::NotIntercepting { .. } => Exit::Clean,
        Verdict::NotGraded { .. } => Exit::Operational,
    }
}

/// `%LOCALAPPDATA%\tlsinspect\audit` on Windows; `$XDG_DATA_HOME/tlsinspect/audit` or
/// `~/.local/share/tlsinspect/audit` elsewhere.
fn default_lab_dir() -> Option<PathBuf> {
    let base = if cfg!(windows) {
        PathBuf::from(env("LOCALAPPDATA")?)
    } else {
        env("XDG_DATA_HOME")
            .map(PathBuf::from)
            .or_else(|| env("HOME").map(|home| PathBuf::from(home).join(".local/share")))?
    };
    Some(base.join("tlsinspect").join("audit"))
}
