//! Arguments (and the proxy / colour environment) turned into library types, once. Commands see
//! these types, never clap's.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::time::Duration;

use time::OffsetDateTime;
use tlsinspect::check::PinPolicy;
use tlsinspect::clock::parse_rfc3339;
use tlsinspect::detect::IpRanges;
use tlsinspect::input::{MAX_BUNDLE_FILE, MAX_CHAIN_FILE, MAX_RANGES_FILE, read_file};
use tlsinspect::net::{ConnectTo, NetOptions, NoProxy, ProxyUrl};
use tlsinspect::pins::Pins;
use tlsinspect::profile::{Profile, workspace};
use tlsinspect::render::TextOptions;
use tlsinspect::revocation::{Depth, RevocationOptions, RevocationPolicy};
use tlsinspect::target::{TargetList, TargetSpec, redact_credentials};
use tlsinspect::validate::{Anchors, anchors_from_pem};
use tlsinspect::{InspectorConfig, Severity, Target};

use super::CliError;
use super::args::{
    CheckArgs, ColorChoice, FailOn, Format, OutputArgs, Revocation, RevocationArgs, RevocationDepth,
};

/// How to write the report.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Output {
    pub(crate) format: Format,
    pub(crate) text: TextOptions,
    pub(crate) quiet: bool,
}

/// Where a report is written: stdout, buffered (a report is many small writes), with colour
/// handled by anstream, and tolerant of a reader that leaves ([`ReaderGone`]).
pub(crate) type ReportStream =
    std::io::BufWriter<ReaderGone<anstream::AutoStream<std::io::StdoutLock<'static>>>>;

impl Output {
    /// Stdout for the report: on Windows consoles, colour escapes are turned on (or translated)
    /// by anstream; without colour, any escape is stripped.
    pub(crate) fn stdout(&self) -> ReportStream {
        let choice = if self.text.color {
            anstream::ColorChoice::Always
        } else {
            anstream::ColorChoice::Never
        };
        let stream = anstream::AutoStream::new(std::io::stdout().lock(), choice);
        std::io::BufWriter::with_capacity(64 * 1024, ReaderGone::new(stream))
    }

    pub(crate) fn from_args(args: &OutputArgs) -> Self {
        let color = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => std::io::stdout().is_terminal() && env("NO_COLOR").is_none(),
        };
        Self {
            format: args.format,
            text: TextOptions {
                color,
                verbose: args.verbose > 0,
            },
            quiet: args.quiet,
        }
    }
}

/// The formats of a report that is not a list of endpoints (`logs`, `trust`, `audit-proxy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DocumentFormat {
    Html,
    Json,
    Jsonl,
    Text,
}

impl Output {
    /// The format of a report that is not a list of endpoints; ECS (one event per endpoint) is
    /// refused, before any work is done.
    pub(crate) fn document_format(&self, command: &str) -> Result<DocumentFormat, CliError> {
        match self.format {
            Format::Html => Ok(DocumentFormat::Html),
            Format::Json => Ok(DocumentFormat::Json),
            Format::Jsonl => Ok(DocumentFormat::Jsonl),
            Format::Text => Ok(DocumentFormat::Text),
            Format::Ecs => Err(usage(format!(
                "--format ecs writes one event per endpoint, for `check`, `inspect` and `demo`; \
                 `{command}` writes text, json, jsonl or html"
            ))),
            Format::Prometheus => Err(usage(format!(
                "--format prometheus writes metrics for `check`, `inspect`, `demo` and `trust`; \
                 `{command}` writes text, json, jsonl or html"
            ))),
        }
    }
}

/// Where `check`'s targets come from: arguments (targets, port lists, ranges) and a list
/// read line by line from a file or stdin (`--targets-file -`), or the built-in profile.
#[derive(Debug)]
pub(crate) struct TargetSource {
    specs: Vec<TargetSpec>,
    file: Option<PathBuf>,
    /// How many targets, when known before the run (not for stdin).
    pub(crate) total: Option<u128>,
}

impl TargetSource {
    fn from_args(args: &CheckArgs, profile: &Profile) -> Result<Self, CliError> {
        let mut specs = args
            .targets
            .iter()
            .map(|text| {
                text.parse::<TargetSpec>().map_err(|error| {
                    usage(format!("target {:?}: {error}", redact_credentials(text)))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let from_args: u128 = specs.iter().map(TargetSpec::len).sum();
        let file = args.targets_file.clone();
        let total = match &file {
            // stdin, a FIFO or a pipe (`<(…)`) is read once, as it streams.
            Some(path) if is_streamed(path) => None,
            Some(path) => {
                // Read once to check every line (and count) before anything is sent.
                let listed = count_targets(path)?;
                // An empty list must not fall back to the built-in profile (traffic to Google).
                if listed == 0 {
                    return Err(usage(format!(
                        "{} holds no target (only blank lines or comments)",
                        path.display()
                    )));
                }
                Some(from_args + listed)
            }
            None => {
                if specs.is_empty() {
                    specs = profile
                        .targets
                        .iter()
                        .cloned()
                        .map(TargetSpec::One)
                        .collect();
                }
                Some(specs.iter().map(TargetSpec::len).sum())
            }
        };
        Ok(Self { specs, file, total })
    }

    /// Whether the targets are the built-in profile's.
    fn is_profile(args: &CheckArgs) -> bool {
        args.targets.is_empty() && args.targets_file.is_none()
    }

    /// Gives every target to `send`, in order, until it returns false; a bad line of the list
    /// ends the feed with its error (what came before it has been sent). For stdin, a list
    /// with no target is an error too.
    pub(crate) fn feed(self, mut send: impl FnMut(Target) -> bool) -> Result<(), CliError> {
        for spec in self.specs {
            for target in spec.into_targets() {
                if !send(target) {
                    return Ok(());
                }
            }
        }
        let Some(path) = self.file else {
            return Ok(());
        };
        let streamed = is_streamed(&path);
        let reader: Box<dyn BufRead> = if path.as_os_str() == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            Box::new(open_list(&path)?)
        };
        let mut sent = 0u64;
        for item in TargetList::new(reader) {
            let target = item.map_err(|error| usage(format!("{}: {error}", path.display())))?;
            sent += 1;
            if !send(target) {
                return Ok(());
            }
        }
        // A file with no target was refused before the run; a stream is known only now.
        if streamed && sent == 0 {
            let name = if path.as_os_str() == "-" {
                "stdin".to_owned()
            } else {
                path.display().to_string()
            };
            return Err(usage(format!(
                "{name} held no target (only blank lines or comments)"
            )));
        }
        Ok(())
    }
}

/// Whether a target list is read as it streams, once: stdin (`-`), a FIFO or a pipe. A regular
/// file is read twice (every line is checked and counted before anything is sent).
fn is_streamed(path: &Path) -> bool {
    path.as_os_str() == "-" || tlsinspect::input::is_special(path)
}

fn open_list(path: &Path) -> Result<std::io::BufReader<std::fs::File>, CliError> {
    Ok(std::io::BufReader::new(tlsinspect::input::open_stream(
        path,
    )?))
}

/// How many targets a list file names, every line checked.
fn count_targets(path: &Path) -> Result<u128, CliError> {
    let mut list = TargetList::new(open_list(path)?);
    let mut total = 0u128;
    while let Some(spec) = list.next_spec() {
        let spec = spec.map_err(|error| usage(format!("{}: {error}", path.display())))?;
        total += spec.len();
    }
    Ok(total)
}

/// Endpoints checked at once: as asked, else all of a short list at once (the workspace audit
/// then ends when its slowest endpoint does) and 64 for long lists or stdin, where a scan
/// spends its time waiting on the network. Never more than this process's file descriptors
/// allow ([`descriptor_cap`]): running out would read as endpoints that cannot be reached.
fn concurrency(asked: Option<u64>, total: Option<u128>) -> usize {
    const LONG: usize = 64;
    let wanted = match (asked, total) {
        (Some(asked), _) => usize::try_from(asked).unwrap_or(usize::MAX),
        (None, Some(total)) if total <= LONG as u128 => usize::try_from(total).unwrap_or(LONG),
        (None, _) => LONG,
    };
    let cap = descriptor_cap();
    if wanted > cap && asked.is_some() {
        eprintln!(
            "tlsinspect: --concurrency {wanted} lowered to {cap}: this process may open too few \
             files (ulimit -n) for more"
        );
    }
    wanted.clamp(1, cap)
}

/// How many endpoints the open-file limit allows at once: each may hold a few sockets (the
/// endpoint, its revocation servers, an AIA fetch), plus a reserve for the process itself. On
/// Linux the soft limit is read from /proc/self/limits; elsewhere there is no cap.
fn descriptor_cap() -> usize {
    const PER_ENDPOINT: u64 = 8;
    const RESERVE: u64 = 32;
    let limit = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|text| {
            let line = text
                .lines()
                .find(|line| line.starts_with("Max open files"))?;
            line.split_whitespace().nth(3)?.parse::<u64>().ok()
        });
    match limit {
        Some(limit) => usize::try_from((limit.saturating_sub(RESERVE) / PER_ENDPOINT).max(1))
            .unwrap_or(usize::MAX),
        None => usize::MAX,
    }
}

/// A `check` run, ready for the library.
#[derive(Debug)]
pub(crate) struct CheckConfig {
    pub(crate) targets: TargetSource,
    pub(crate) profile: Option<&'static str>,
    pub(crate) inspector: InspectorConfig,
    pub(crate) save_chain: Option<PathBuf>,
    pub(crate) fail_on: Severity,
    pub(crate) output: Output,
}

impl CheckConfig {
    pub(crate) fn from_args(args: &CheckArgs) -> Result<Self, CliError> {
        let profile = workspace();
        let targets = TargetSource::from_args(args, &profile)?;
        let profile_name = TargetSource::is_profile(args).then_some(profile.name);
        let inspector = InspectorConfig {
            net: net_options(args)?,
            anchors: anchors(args.ca_file.as_deref())?,
            pins: pin_policy(args)?,
            profile,
            at: parse_at(args.at.as_deref())?,
            concurrency: concurrency(args.concurrency, targets.total),
            ip_ranges: ip_ranges(args.ip_ranges.as_deref())?,
            revocation: revocation_options(&args.revocation),
        };
        Ok(Self {
            targets,
            profile: profile_name,
            inspector,
            save_chain: args.save_chain.clone(),
            fail_on: fail_on(args.fail_on),
            output: Output::from_args(&args.output),
        })
    }
}

pub(crate) fn revocation_options(args: &RevocationArgs) -> RevocationOptions {
    RevocationOptions {
        policy: match args.revocation {
            Revocation::Hard => RevocationPolicy::Hard,
            Revocation::Off => RevocationPolicy::Off,
            Revocation::Soft => RevocationPolicy::Soft,
        },
        depth: match args.revocation_depth {
            RevocationDepth::Chain => Depth::Chain,
            RevocationDepth::Leaf => Depth::Leaf,
        },
        leeway: time::Duration::seconds(i64::try_from(args.ocsp_leeway).unwrap_or(300)),
        nonce: !args.no_ocsp_nonce,
    }
}

pub(crate) fn fail_on(choice: FailOn) -> Severity {
    match choice {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
    }
}

pub(crate) fn usage(message: String) -> CliError {
    CliError::Usage(message)
}

/// `--ca-file`, or Mozilla's roots plus the system store.
pub(crate) fn anchors(ca_file: Option<&Path>) -> Result<Anchors, CliError> {
    match ca_file {
        Some(path) => anchors_from_pem(&read_file(path, MAX_BUNDLE_FILE)?).map_err(|source| {
            tlsinspect::Error::Certificates {
                path: path.to_owned(),
                source,
            }
            .into()
        }),
        None => Ok(Anchors::mozilla_and_system()),
    }
}

/// Reads a PEM file of pinned roots.
pub(crate) fn read_pins(path: &Path) -> Result<Pins, CliError> {
    Pins::from_pem(&read_file(path, MAX_CHAIN_FILE)?).map_err(|source| {
        tlsinspect::Error::Certificates {
            path: path.to_owned(),
            source,
        }
        .into()
    })
}

fn pin_policy(args: &CheckArgs) -> Result<PinPolicy, CliError> {
    if args.no_pins {
        return Ok(PinPolicy::Off);
    }
    match &args.pin_file {
        Some(path) => Ok(PinPolicy::Pins(read_pins(path)?)),
        None => Ok(PinPolicy::Pins(Pins::google())),
    }
}

/// `--ip-ranges FILE` (goog.json format), or the embedded snapshot.
fn ip_ranges(path: Option<&Path>) -> Result<IpRanges, CliError> {
    let Some(path) = path else {
        return Ok(IpRanges::builtin());
    };
    let text = String::from_utf8_lossy(&read_file(path, MAX_RANGES_FILE)?).into_owned();
    IpRanges::from_json(&text)
        .map_err(|error| usage(format!("--ip-ranges {}: {error}", path.display())))
}

/// `--at`, or none (the clock).
pub(crate) fn parse_at(at: Option<&str>) -> Result<Option<OffsetDateTime>, CliError> {
    parse_instant("--at", at)
}

/// An RFC 3339 option value (`--at`, `--since`, `--until`).
pub(crate) fn parse_instant(
    option: &str,
    text: Option<&str>,
) -> Result<Option<OffsetDateTime>, CliError> {
    text.map(|text| {
        parse_rfc3339(text).map_err(|error| {
            usage(format!(
                "{option} {text:?}: {error} (expected RFC 3339, e.g. 2030-01-01T00:00:00Z)"
            ))
        })
    })
    .transpose()
}

fn net_options(args: &CheckArgs) -> Result<NetOptions, CliError> {
    let connect_to = args
        .connect_to
        .iter()
        .map(|rule| {
            rule.parse::<ConnectTo>()
                .map_err(|error| usage(error.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let parse_proxy = |text: String| {
        text.parse::<ProxyUrl>()
            .map_err(|error| usage(error.to_string()))
    };
    let (https_proxy, http_proxy, no_proxy) = if args.no_proxy {
        (None, None, NoProxy::default())
    } else if let Some(proxy) = &args.proxy {
        let proxy = parse_proxy(proxy.clone())?;
        (Some(proxy.clone()), Some(proxy), no_proxy_env())
    } else {
        let https = env("HTTPS_PROXY")
            .or_else(|| env("https_proxy"))
            .map(parse_proxy)
            .transpose()?;
        let http = env("HTTP_PROXY")
            .or_else(|| env("http_proxy"))
            .map(parse_proxy)
            .transpose()?;
        (https, http, no_proxy_env())
    };
    let timeout = Duration::from_secs(args.timeout);
    let system_proxy = (!args.no_proxy && https_proxy.is_none() && http_proxy.is_none())
        .then(|| system_proxy(timeout))
        .flatten();
    Ok(NetOptions {
        connect_to,
        https_proxy,
        http_proxy,
        no_proxy,
        system_proxy,
        timeout,
    })
}

/// The proxy settings of this system, asked per URL when no proxy is given: WinHTTP's on
/// Windows (what the Sync client uses); none elsewhere (the environment variables are read above).
#[cfg(windows)]
fn system_proxy(timeout: Duration) -> Option<std::sync::Arc<dyn tlsinspect::net::SystemProxy>> {
    Some(std::sync::Arc::new(
        tlsinspect::net::WinHttpProxy::from_system(timeout),
    ))
}

#[cfg(not(windows))]
fn system_proxy(_timeout: Duration) -> Option<std::sync::Arc<dyn tlsinspect::net::SystemProxy>> {
    None
}

fn no_proxy_env() -> NoProxy {
    NoProxy::parse(
        &env("NO_PROXY")
            .or_else(|| env("no_proxy"))
            .unwrap_or_default(),
    )
}

/// A non-empty environment variable. The CLI is the only reader of the environment.
#[allow(clippy::disallowed_methods)] // Configuration comes from the environment here, by design.
pub(crate) fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

/// A writer whose reader may leave (`tlsinspect … | head -1`): once a write meets a broken pipe,
/// what follows is dropped and the run goes on, so its exit status is still the verdict's (a
/// closed pipe never turns "findings" into "clean"). Any other write error is returned.
#[derive(Debug)]
pub(crate) struct ReaderGone<W> {
    inner: W,
    gone: bool,
}

impl<W> ReaderGone<W> {
    pub(crate) fn new(inner: W) -> Self {
        Self { inner, gone: false }
    }

    /// `result` of a write or flush, or `dropped` once the reader has left (a broken pipe now or
    /// before).
    fn tolerate<T>(&mut self, result: std::io::Result<T>, dropped: T) -> std::io::Result<T> {
        match result {
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {
                self.gone = true;
                Ok(dropped)
            }
            other => other,
        }
    }
}

impl<W: std::io::Write> std::io::Write for ReaderGone<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.gone {
            return Ok(bytes.len());
        }
        let result = self.inner.write(bytes);
        self.tolerate(result, bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.gone {
            return Ok(());
        }
        let result = self.inner.flush();
        self.tolerate(result, ())
    }
}

/// Writes `bytes` on stdout: a reader that left is no failure, a full disk is.
pub(crate) fn write_stdout(bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut stdout = ReaderGone::new(std::io::stdout().lock());
    stdout.write_all(bytes)?;
    stdout.flush()
}
