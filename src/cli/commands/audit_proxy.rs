//! `audit-proxy`: grade an SSL-inspection proxy through the lab's origins.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tlsinspect::audit::{
    AuditReport, AuditRequest, Grade, Verdict, ViaProxy, audit_proxy, audit_transparent,
};
use tlsinspect::clock::{Clock, SystemClock};
use tlsinspect::lab::audit::{AuditLab, AuditRoot, ServeAddrs};
use tlsinspect::net::SystemResolver;
use tlsinspect::render::{write_audit_html, write_audit_json, write_audit_jsonl, write_audit_text};

use super::runtime;
use crate::cli::args::{AuditAction, AuditProxyArgs, AuditServeArgs, MinGrade};
use crate::cli::config::{DocumentFormat, Output, anchors, env, usage};
use crate::cli::{CliError, Exit};

pub(crate) fn run(args: &AuditProxyArgs) -> Result<Exit, CliError> {
    if let Some(AuditAction::Serve(serve)) = &args.action {
        return run_serve(serve);
    }
    let output = Output::from_args(&args.output);
    let format = output.document_format("audit-proxy")?;
    let request = AuditRequest {
        anchors: anchors(args.ca_file.as_deref())?,
        timeout: Duration::from_secs(args.timeout),
        concurrency: usize::try_from(args.concurrency).unwrap_or(4),
        resolver: Arc::new(SystemResolver),
        clock: Arc::new(SystemClock),
    };
    let now = SystemClock.now();
    let report = match (&args.origins, &args.proxy) {
        (Some(origins), _) if args.transparent => {
            let mut origins = origins.clone();
            origins.http_port = args.http_port;
            origins.connect_to = args
                .connect_to
                .iter()
                .map(|rule| rule.parse())
                .collect::<Result<_, _>>()
                .map_err(tlsinspect::Error::from)?;
            runtime()?
                .block_on(audit_transparent(&request, &origins, &args.domain, now))
                .map_err(tlsinspect::Error::from)?
        }
        (_, Some(proxy)) => {
            let via = ViaProxy {
                proxy: proxy.parse().map_err(tlsinspect::Error::from)?,
                listen: args.listen,
                connect_by_name: args.connect_by_name,
            };
            if args.listen.is_unspecified() {
                // The origins' address is what the proxy is asked to CONNECT to: "any address"
                // is no destination (a remote proxy would connect to itself).
                return Err(usage(format!(
                    "--listen {}: give the address the proxy reaches this machine at, not the \
                     unspecified address",
                    args.listen
                )));
            }
            let root = load_root(args.lab_dir.as_ref(), &args.domain, now, args.output.quiet)?;
            runtime()?
                .block_on(audit_proxy(&request, &via, &root, now))
                .map_err(tlsinspect::Error::from)?
        }
        _ => {
            return Err(usage(
                "name the proxy (--proxy URL) or the origins of an inline box (--transparent \
                 --origins HOST)"
                    .into(),
            ));
        }
    };
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

/// The audit root of `domain`, kept in `--lab-dir` (or the default data folder).
fn load_root(
    lab_dir: Option<&PathBuf>,
    domain: &str,
    now: time::OffsetDateTime,
    quiet: bool,
) -> Result<AuditRoot, CliError> {
    let lab_dir = match lab_dir {
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
    let root =
        AuditRoot::load_or_create_for(&lab_dir, domain, now).map_err(tlsinspect::Error::from)?;
    if root.created && !quiet {
        crate::cli::say(&format!(
            "tlsinspect: created the audit root {}; import it into the proxy's upstream trust store",
            root.path.display()
        ));
    }
    Ok(root)
}

/// `audit-proxy serve`: the origins in the foreground, until interrupted or `--duration` ends.
fn run_serve(args: &AuditServeArgs) -> Result<Exit, CliError> {
    let now = SystemClock.now();
    let root = load_root(args.lab_dir.as_ref(), &args.domain, now, args.quiet)?;
    let addrs = ServeAddrs {
        origins: args.listen,
        http: SocketAddr::new(args.listen.ip(), args.http_port),
    };
    let lab = AuditLab::serve(&root, addrs, now).map_err(tlsinspect::Error::from)?;
    if !args.quiet {
        let mut stdout = std::io::stdout().lock();
        writeln!(
            stdout,
            "tlsinspect audit origins: {} cases on {} (TLS; the name asked for picks the case: \
             <case>.{}), CRL, OCSP, manifest and audit root on http://{}",
            lab.origins().len(),
            lab.addr(),
            root.domain,
            lab.http_addr()
        )?;
        writeln!(
            stdout,
            "audit root: {} (SHA-256 {}): the box must trust it upstream",
            root.path.display(),
            tlsinspect::chain::sha256_hex(&root.der)
        )?;
        for (case, why) in &lab.not_run {
            writeln!(stdout, "not served: {}: {why}", case.name())?;
        }
        writeln!(
            stdout,
            "behind the box: tlsinspect audit-proxy --transparent --origins HOST --domain {}",
            root.domain
        )?;
        writeln!(stdout, "Press Ctrl-C to stop.")?;
        stdout.flush()?;
    }
    super::run_for(args.duration);
    drop(lab);
    Ok(Exit::Clean)
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
