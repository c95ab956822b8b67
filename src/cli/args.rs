//! clap definitions. The first doc line of each item is its short help, the rest its long help.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit status:
  0  no finding at or above --fail-on (default: error)
  1  at least one such finding (demo: a scenario was not diagnosed as expected)
  2  usage error, unreadable input, or the run could not be carried out

With no command, `tlsinspect` audits the built-in `workspace` profile: every URL that Google
Workspace Sync for Microsoft Outlook needs, on ports 443 and 80. Run `tlsinspect demo` to see
every diagnosis on a machine without network.";

/// `--version`: the package version and the commit it was built from (build.rs).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("TLSINSPECT_COMMIT"),
    ")"
);

/// TLS interception and certificate inspector.
///
/// Tells whether the TLS path from this machine to a set of services is clean, and if not,
/// exactly why: firewall, authenticated proxy, HTTPS-inspecting proxy, wrong clock, expired or
/// untrusted certificate.
#[derive(Debug, Parser)]
#[command(name = "tlsinspect", version = VERSION, after_help = EXIT_CODES, args_conflicts_with_subcommands = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
    #[command(flatten)]
    pub(crate) check: CheckArgs,
}

impl Cli {
    /// The `-v` count of whichever command runs.
    pub(crate) fn verbosity(&self) -> u8 {
        match &self.command {
            Some(Command::Check(args)) => args.output.verbose,
            Some(Command::Inspect(args)) => args.output.verbose,
            Some(Command::Demo(args)) => args.output.verbose,
            Some(Command::Logs(args)) => args.output.verbose,
            Some(Command::Trust(args)) => match &args.action {
                Some(TrustAction::Diff { output, .. }) => output.verbose,
                None => args.output.verbose,
            },
            Some(Command::AuditProxy(args)) => args.output.verbose,
            Some(Command::Lab(_) | Command::Decode(_) | Command::Completions(_) | Command::Man) => {
                0
            }
            None => self.check.output.verbose,
        }
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Audit endpoints (default: the workspace profile).
    Check(CheckArgs),
    /// Validate a chain from PEM/DER files, offline.
    Inspect(InspectArgs),
    /// Analyse Sync trace logs (files, folders, `-` for stdin): incidents and diagnosis.
    Logs(LogsArgs),
    /// Run the local scenario servers in the foreground, or write the test PKI.
    Lab(LabArgs),
    /// Audit a trust store: each root, where it was found, and why it is a problem.
    ///
    /// Finds roots whose private key is public, inspection products' roots, roots browsers
    /// distrusted, roots added locally (outside Mozilla's set or --baseline), expired, weak or
    /// non-CA roots and duplicates, and says whether Google's roots are there (the Sync client
    /// trusts this store).
    Trust(TrustArgs),
    /// Grade an SSL-inspection proxy: does it let invalid upstream certificates through?
    ///
    /// Starts the lab's origins on --listen (one port, a case per name: expired, wrong host,
    /// self-signed, revoked, SHA-1, MD5, RSA-1024, weak upstreams, …, all below an audit root kept
    /// in --lab-dir), connects through the proxy to each, and says whether the proxy blocked the
    /// case, passed it through, or forged a certificate that masks the problem from this machine.
    /// Shows the ClientHello the proxy sends upstream beside what this machine was given, and
    /// grades the proxy A (optimal), B (suboptimal), C (known attack) or F (severely broken) as
    /// Durumeric et al., NDSS 2017, with every reason. Import the audit root into the proxy's
    /// upstream trust store once: without it the proxy should refuse even the good case, and
    /// nothing is graded.
    ///
    /// An inline (transparent) box, which no CONNECT reaches: run `audit-proxy serve` on the far
    /// side of it, then `audit-proxy --transparent --origins HOST` inside.
    #[command(after_help = AUDIT_EXIT_CODES, args_conflicts_with_subcommands = true)]
    AuditProxy(AuditProxyArgs),
    /// Name and explain WinHTTP Status / Info flags, error codes and HRESULTs from a log.
    ///
    /// Values as a log prints them: `0x80190197`, `hr=0x80072f8f`, `Status: 0x00010000`,
    /// `Info 0x00000009`, `Code: 0x00002f8f`, `12175`, `-2145844841`. Unlabelled values get
    /// every reading that names something.
    Decode(DecodeArgs),
    /// Start the lab in-process, check every scenario, and show the report.
    ///
    /// Exits 0 only if every scenario was diagnosed as expected. Needs no network.
    Demo(DemoArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) on stdout.
    ///
    /// bash: `tlsinspect completions bash > ~/.local/share/bash-completion/completions/tlsinspect`;
    /// zsh: into a folder of `$fpath` as `_tlsinspect`; fish: `~/.config/fish/completions/
    /// tlsinspect.fish`; PowerShell: `tlsinspect completions powershell | Out-String |
    /// Invoke-Expression` in `$PROFILE`.
    Completions(CompletionsArgs),
    /// Print the manual page (roff) on stdout: `tlsinspect man > tlsinspect.1`.
    Man,
}

/// `completions` options.
#[derive(Debug, Clone, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum, value_name = "SHELL")]
    pub(crate) shell: clap_complete::Shell,
}

const AUDIT_EXIT_CODES: &str = "\
Exit status:
  0  graded at or above --min-grade, or the proxy intercepts nothing
  1  graded below --min-grade
  2  the audit could not run or is inconclusive (the proxy refused the good case, or this
     machine does not trust the proxy's CA: pass it with --ca-file)";

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// One JSON document.
    Json,
    /// JSON Lines: one object per endpoint, then a summary line.
    Jsonl,
    /// Text, for people.
    Text,
    /// One self-contained HTML file (summary, findings, each chain drawn), for people.
    Html,
    /// Elastic Common Schema NDJSON: one event per endpoint (`check`, `inspect`), for a SIEM.
    Ecs,
    /// Prometheus text exposition, for node_exporter's textfile collector (`check`, `inspect`,
    /// `trust`).
    Prometheus,
}

/// `decode`'s output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DecodeFormat {
    /// One JSON document.
    #[value(alias = "jsonl")]
    Json,
    /// Text, for people.
    Text,
}

/// When to colour text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    /// Always.
    Always,
    /// When stdout is a terminal and NO_COLOR is unset.
    Auto,
    /// Never.
    Never,
}

/// Which findings make the exit status 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FailOn {
    /// Errors only.
    Error,
    /// Warnings and errors.
    Warning,
}

/// What to do about revocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Revocation {
    /// An unavailable answer is an error.
    Hard,
    /// No revocation traffic at all.
    Off,
    /// An unavailable answer is a warning.
    Soft,
}

/// How far up the chain revocation is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RevocationDepth {
    /// The leaf and every intermediate.
    Chain,
    /// The leaf only.
    Leaf,
}

/// Revocation options shared by `check` and `inspect`.
#[derive(Debug, Clone, Args)]
pub(crate) struct RevocationArgs {
    /// Revocation (staple, OCSP, CRLs): `soft` makes an unavailable answer a warning, `hard` an
    /// error, `off` sends no revocation traffic and applies no revocation data.
    #[arg(long, value_enum, default_value_t = Revocation::Soft, value_name = "MODE")]
    pub(crate) revocation: Revocation,
    /// Which certificates are checked.
    #[arg(long, value_enum, default_value_t = RevocationDepth::Chain, value_name = "DEPTH")]
    pub(crate) revocation_depth: RevocationDepth,
    /// Tolerance on OCSP and CRL thisUpdate/nextUpdate, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub(crate) ocsp_leeway: u64,
    /// Send OCSP requests without a nonce (some responders reject nonces).
    #[arg(long)]
    pub(crate) no_ocsp_nonce: bool,
}

/// Options shared by every reporting command.
#[derive(Debug, Clone, Args)]
pub(crate) struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text, value_name = "FORMAT")]
    pub(crate) format: Format,
    /// Colour text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub(crate) color: ColorChoice,
    /// No progress messages on stderr.
    #[arg(short = 'q', long)]
    pub(crate) quiet: bool,
    /// More detail: every certificate in text output; logs on stderr (-vv for debug).
    #[arg(short = 'v', long, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
}

/// `check` options.
#[derive(Debug, Clone, Args)]
pub(crate) struct CheckArgs {
    /// Targets: host, host:port, or URL (https:// for the TLS audit, http:// for port 80).
    #[arg(value_name = "TARGET")]
    pub(crate) targets: Vec<String>,
    /// Read targets from a file, one per line (`#` comments).
    #[arg(long, value_name = "FILE")]
    pub(crate) targets_file: Option<PathBuf>,
    /// Connect to ADDR:PORT when HOST:PORT is asked for (curl semantics). Repeatable.
    #[arg(long, value_name = "HOST:PORT:ADDR:PORT")]
    pub(crate) connect_to: Vec<String>,
    /// Use only the anchors in this PEM file (default: Mozilla's roots).
    #[arg(long, value_name = "FILE")]
    pub(crate) ca_file: Option<PathBuf>,
    /// The roots profile endpoints must chain to (default: Google's roots).
    #[arg(long, value_name = "FILE", conflicts_with = "no_pins")]
    pub(crate) pin_file: Option<PathBuf>,
    /// Do not check profile endpoints against expected roots.
    #[arg(long)]
    pub(crate) no_pins: bool,
    /// HTTP CONNECT proxy, http://[user:pass@]host:port (default: HTTPS_PROXY / HTTP_PROXY).
    #[arg(long, value_name = "URL", conflicts_with = "no_proxy")]
    pub(crate) proxy: Option<String>,
    /// Ignore proxy environment variables.
    #[arg(long)]
    pub(crate) no_proxy: bool,
    /// Judge as if the local clock read this instant (RFC 3339).
    #[arg(long, value_name = "RFC3339")]
    pub(crate) at: Option<String>,
    /// Timeout per step (DNS, connect, handshake, request), in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub(crate) timeout: u64,
    /// Endpoints checked in parallel [default: 8; 64 for lists of more than 64 targets or stdin].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub(crate) concurrency: Option<u64>,
    #[command(flatten)]
    pub(crate) revocation: RevocationArgs,
    /// Google's address ranges in goog.json format, replacing the embedded 2024 snapshot.
    #[arg(long, value_name = "FILE")]
    pub(crate) ip_ranges: Option<PathBuf>,
    /// Write each presented chain as PEM into this folder.
    #[arg(long, value_name = "DIR")]
    pub(crate) save_chain: Option<PathBuf>,
    /// Lowest severity that makes the exit status 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "SEVERITY")]
    pub(crate) fail_on: FailOn,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

/// `inspect` options.
#[derive(Debug, Clone, Args)]
pub(crate) struct InspectArgs {
    /// PEM or DER files; together they form one chain, leaf first.
    #[arg(value_name = "FILE", required = true)]
    pub(crate) files: Vec<PathBuf>,
    /// Check the leaf against this host name.
    #[arg(long, value_name = "NAME")]
    pub(crate) host: Option<String>,
    /// Judge at this instant (RFC 3339; default: now).
    #[arg(long, value_name = "RFC3339")]
    pub(crate) at: Option<String>,
    /// Use only the anchors in this PEM file (default: Mozilla's roots).
    #[arg(long, value_name = "FILE")]
    pub(crate) ca_file: Option<PathBuf>,
    /// A saved CRL (PEM or DER), applied to the certificate its issuer signed; repeatable.
    #[arg(long, value_name = "FILE")]
    pub(crate) crl_file: Vec<PathBuf>,
    /// A saved OCSP response (DER, or PEM "OCSP RESPONSE"), applied to the certificate it
    /// names; repeatable.
    #[arg(long, value_name = "FILE")]
    pub(crate) ocsp_response: Vec<PathBuf>,
    #[command(flatten)]
    pub(crate) revocation: RevocationArgs,
    /// The roots the chain must end at (checked only when given).
    #[arg(long, value_name = "FILE")]
    pub(crate) pin_file: Option<PathBuf>,
    /// Lowest severity that makes the exit status 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "SEVERITY")]
    pub(crate) fail_on: FailOn,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

/// How many timeline rows `logs` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimelineRows {
    /// Every incident.
    All,
    /// At most this many rows.
    Rows(usize),
}

impl std::str::FromStr for TimelineRows {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.eq_ignore_ascii_case("all") {
            return Ok(Self::All);
        }
        match text.parse::<usize>() {
            Ok(rows) if rows > 0 => Ok(Self::Rows(rows)),
            _ => Err("expected a number of rows (at least 1) or `all`".to_owned()),
        }
    }
}

/// `logs` options.
#[derive(Debug, Clone, Args)]
pub(crate) struct LogsArgs {
    /// Trace logs: files, folders (every *.log, recursively), or `-` for stdin. Default: the
    /// Sync client's and the migration tool's trace folders under %LOCALAPPDATA% (Windows; on
    /// another system, set LOCALAPPDATA to a copied profile's AppData\Local).
    #[arg(value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
    /// Only attempts logged at or after this instant (RFC 3339).
    #[arg(long, value_name = "RFC3339")]
    pub(crate) since: Option<String>,
    /// Only attempts logged at or before this instant (RFC 3339).
    #[arg(long, value_name = "RFC3339")]
    pub(crate) until: Option<String>,
    /// Timeline rows: neighbouring incidents of a problem merge until at most N rows remain
    /// (`all`: one row per incident).
    #[arg(long, value_name = "N|all", default_value = "50")]
    pub(crate) timeline: TimelineRows,
    /// Lowest severity that makes the exit status 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "SEVERITY")]
    pub(crate) fail_on: FailOn,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

/// `trust` options.
#[derive(Debug, Clone, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct TrustArgs {
    #[command(subcommand)]
    pub(crate) action: Option<TrustAction>,
    /// A store: `system` (what this machine's TLS clients trust; SSL_CERT_FILE / SSL_CERT_DIR
    /// honoured), a file (PEM bundle, DER, or a Java JKS keystore), a folder (OpenSSL's hashed
    /// names) or an NSS database folder (`cert9.db`, read with NSS's certutil). Repeatable.
    #[arg(long = "store", value_name = "system|FILE|DIR")]
    pub(crate) stores: Vec<String>,
    /// Find every store of this machine and audit each: the system store, every Java
    /// runtime's cacerts, NSS databases (listed, not read), Python certifi bundles, bundles
    /// named by REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, NODE_EXTRA_CA_CERTS, … and by git's, pip's,
    /// npm's and conda's settings; then which roots each trusts, what breaks, and the fixes.
    #[arg(long, conflicts_with = "stores")]
    pub(crate) discover: bool,
    /// With --discover: a virtualenv (or Python prefix) to look in too. Repeatable.
    #[arg(long, value_name = "DIR", requires = "discover")]
    pub(crate) venv: Vec<PathBuf>,
    /// With --discover: look under DIR as if it were `/` (a mounted disk image, a container's
    /// files): the system bundle, Java runtimes, Python folders, configuration and the home
    /// folder there, and the paths its configuration names; this machine's environment
    /// variables are not used.
    #[arg(long, value_name = "DIR", requires = "discover")]
    pub(crate) root: Option<PathBuf>,
    /// Compare with the roots of this bundle instead of Mozilla's set (an approved list, another
    /// machine's export).
    #[arg(long, value_name = "FILE")]
    pub(crate) baseline: Option<PathBuf>,
    /// Judge validity as if the clock read this instant (RFC 3339).
    #[arg(long, value_name = "RFC3339")]
    pub(crate) at: Option<String>,
    /// Lowest severity that makes the exit status 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "SEVERITY")]
    pub(crate) fail_on: FailOn,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

/// `trust` actions.
#[derive(Debug, Clone, Subcommand)]
pub(crate) enum TrustAction {
    /// Compare two `trust --format json` (or `trust --discover --format json`) outputs: the
    /// roots added, removed and changed per store, and the problems AFTER adds (exit 1) or
    /// resolves.
    Diff {
        /// The output before the change (or of one machine).
        #[arg(value_name = "BEFORE")]
        before: PathBuf,
        /// The output after it (or of the other machine).
        #[arg(value_name = "AFTER")]
        after: PathBuf,
        /// Lowest severity of a new problem that makes the exit status 1.
        #[arg(long, value_enum, default_value_t = FailOn::Warning, value_name = "SEVERITY")]
        fail_on: FailOn,
        #[command(flatten)]
        output: OutputArgs,
    },
}

/// `audit-proxy` options.
#[derive(Debug, Clone, Args)]
pub(crate) struct AuditProxyArgs {
    #[command(subcommand)]
    pub(crate) action: Option<AuditAction>,
    /// The proxy to audit: `http://[user:pass@]host:port` (HTTP CONNECT).
    #[arg(
        long,
        value_name = "URL",
        required_unless_present = "transparent",
        conflicts_with = "transparent"
    )]
    pub(crate) proxy: Option<String>,
    /// Audit an inline box instead: connect straight to the origins `audit-proxy serve` runs
    /// on the far side of it (--origins), with each case's name, and let the box do what it does.
    #[arg(long, requires = "origins")]
    pub(crate) transparent: bool,
    /// Where `audit-proxy serve` runs: `HOST[:PORT]` (443). An address routes every case's name
    /// to it; a name lets the cases' names resolve as any client's would (the audit domain's
    /// wildcard record).
    #[arg(long, value_name = "HOST[:PORT]", requires = "transparent", value_parser = clap::value_parser!(tlsinspect::audit::inline::OriginsAt))]
    pub(crate) origins: Option<tlsinspect::audit::inline::OriginsAt>,
    /// The origins' plain-HTTP port (manifest, CRL, OCSP, audit root).
    #[arg(
        long,
        value_name = "PORT",
        default_value_t = 80,
        requires = "transparent"
    )]
    pub(crate) http_port: u16,
    /// Connect `HOST:PORT` to `HOST2:PORT2` instead (transparent audits; repeatable; as curl).
    #[arg(long, value_name = "HOST:PORT:HOST2:PORT2", requires = "transparent")]
    pub(crate) connect_to: Vec<String>,
    /// Where the audit root is kept (created on first use; import `audit-root.pem` from it into
    /// the proxy's upstream trust store). Default: tlsinspect/audit in the user's data folder.
    #[arg(long, value_name = "DIR", conflicts_with = "transparent")]
    pub(crate) lab_dir: Option<PathBuf>,
    /// The address the origins listen on: the default serves a proxy on this machine; give an
    /// interface address for a network middlebox.
    #[arg(
        long,
        value_name = "ADDR",
        default_value = "127.0.0.1",
        conflicts_with = "transparent"
    )]
    pub(crate) listen: std::net::IpAddr,
    /// Exit 1 when the grade is below this one.
    #[arg(long, value_enum, default_value_t = MinGrade::B, value_name = "GRADE", ignore_case = true)]
    pub(crate) min_grade: MinGrade,
    /// What this machine trusts, instead of Mozilla's roots and the system store (add the
    /// proxy's root here when it is not installed on this machine).
    #[arg(long, value_name = "FILE")]
    pub(crate) ca_file: Option<PathBuf>,
    /// Per-step timeout, seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub(crate) timeout: u64,
    /// Cases probed at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub(crate) concurrency: u64,
    /// CONNECT to `<case>.<domain>:PORT` instead of the origin's address, as browsers do; the
    /// proxy must resolve those names to --listen (a hosts entry, or a wildcard DNS record).
    #[arg(long, conflicts_with = "transparent")]
    pub(crate) connect_by_name: bool,
    /// The domain the cases are named under: a subdomain used only for the audit. The audit root
    /// is constrained to it (one root per domain in --lab-dir).
    #[arg(long, value_name = "DOMAIN", default_value = "audit.tlsinspect.test", value_parser = tlsinspect::lab::audit::parse_domain)]
    pub(crate) domain: String,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

/// `audit-proxy` actions.
#[derive(Debug, Clone, Subcommand)]
pub(crate) enum AuditAction {
    /// Run only the origins, on the far side of an inline box: every case on one port, told
    /// apart by the name asked for (`<case>.<domain>`), the CRL, OCSP, manifest and audit root
    /// on a plain-HTTP port; until interrupted or --duration ends.
    ///
    /// Point a wildcard DNS record `*.<domain>` at this host, import the audit root (printed,
    /// and served at http://HOST/audit-root.pem) into the box's upstream trust store, then run
    /// `audit-proxy --transparent --origins HOST` behind the box.
    Serve(AuditServeArgs),
}

/// `audit-proxy serve` options.
#[derive(Debug, Clone, Args)]
pub(crate) struct AuditServeArgs {
    /// Where the origins listen: `ADDR[:PORT]` (443); `0.0.0.0` for every interface.
    #[arg(long, value_name = "ADDR[:PORT]", value_parser = parse_listen)]
    pub(crate) listen: std::net::SocketAddr,
    /// The plain-HTTP port on the same address: CRL, OCSP, manifest, audit root.
    #[arg(long, value_name = "PORT", default_value_t = 80)]
    pub(crate) http_port: u16,
    /// The domain the cases are named under (see `audit-proxy --domain`).
    #[arg(long, value_name = "DOMAIN", default_value = "audit.tlsinspect.test", value_parser = tlsinspect::lab::audit::parse_domain)]
    pub(crate) domain: String,
    /// Where the audit root is kept (see `audit-proxy --lab-dir`).
    #[arg(long, value_name = "DIR")]
    pub(crate) lab_dir: Option<PathBuf>,
    /// Stop after this many seconds (default: run until interrupted).
    #[arg(long, value_name = "SECS")]
    pub(crate) duration: Option<u64>,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub(crate) quiet: bool,
}

/// `ADDR[:PORT]`, 443 when no port is given.
fn parse_listen(text: &str) -> Result<std::net::SocketAddr, String> {
    text.parse::<std::net::SocketAddr>()
        .or_else(|_| {
            text.trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .map(|ip| std::net::SocketAddr::new(ip, 443))
        })
        .map_err(|_| format!("{text:?} is not ADDR or ADDR:PORT"))
}

/// The lowest acceptable grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum MinGrade {
    /// Optimal.
    A,
    /// Suboptimal.
    B,
    /// Known attack.
    C,
    /// Severely broken (any grade passes).
    F,
}

/// `decode` options.
#[derive(Debug, Clone, Args)]
pub(crate) struct DecodeArgs {
    /// Values pasted from a log.
    #[arg(value_name = "VALUE", required = true, allow_hyphen_values = true)]
    pub(crate) values: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DecodeFormat::Text, value_name = "FORMAT")]
    pub(crate) format: DecodeFormat,
}

/// `lab` options.
#[derive(Debug, Clone, Args)]
pub(crate) struct LabArgs {
    #[command(subcommand)]
    pub(crate) action: Option<LabAction>,
    /// Where to write the lab root (default: a folder in the temp directory).
    #[arg(long, value_name = "DIR")]
    pub(crate) dir: Option<PathBuf>,
    /// Stop after this many seconds (default: run until interrupted).
    #[arg(long, value_name = "SECS")]
    pub(crate) duration: Option<u64>,
}

/// `lab` actions.
#[derive(Debug, Clone, Subcommand)]
pub(crate) enum LabAction {
    /// Write the lab PKI as checked-in test certificates (testcerts/).
    GenCerts {
        /// The folder to write.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

/// `demo` options.
#[derive(Debug, Clone, Args)]
pub(crate) struct DemoArgs {
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("tlsinspect").chain(args.iter().copied()))
    }

    #[test]
    fn the_command_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn audit_proxy_is_explicit_transparent_or_serve_never_two_at_once() {
        let Some(Command::AuditProxy(args)) = parse(&["audit-proxy", "serve", "--listen", "::"])
            .unwrap()
            .command
        else {
            panic!("not audit-proxy");
        };
        let Some(AuditAction::Serve(serve)) = args.action else {
            panic!("not serve");
        };
        assert_eq!(serve.listen, "[::]:443".parse().unwrap());
        assert_eq!(serve.http_port, 80);
        assert_eq!(
            parse_listen("10.0.0.1:8443"),
            Ok("10.0.0.1:8443".parse().unwrap())
        );
        assert!(parse_listen("host.example").is_err());
        assert!(parse(&["audit-proxy", "--transparent", "--origins", "10.99.2.10"]).is_ok());
        for wrong in [
            &["audit-proxy"][..],
            &["audit-proxy", "--transparent"],
            &["audit-proxy", "--origins", "10.99.2.10"],
            &[
                "audit-proxy",
                "--proxy",
                "http://p:3128",
                "--transparent",
                "--origins",
                "h",
            ],
            &[
                "audit-proxy",
                "--transparent",
                "--origins",
                "h",
                "--listen",
                "10.0.0.1",
            ],
            &[
                "audit-proxy",
                "--proxy",
                "http://p:3128",
                "--connect-to",
                "a:443:b:443",
            ],
        ] {
            assert!(parse(wrong).is_err(), "{wrong:?}");
        }
    }

    #[test]
    fn no_command_means_check_with_defaults() {
        let cli = parse(&[]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.check.timeout, 10);
        assert_eq!(cli.check.concurrency, None);
        assert_eq!(cli.check.output.format, Format::Text);
        assert_eq!(cli.check.fail_on, FailOn::Error);
        let cli = parse(&["--format", "json", "www.google.com"]).unwrap();
        assert_eq!(cli.check.output.format, Format::Json);
        assert_eq!(cli.check.targets, ["www.google.com"]);
    }

    #[test]
    fn flags_parse_and_bad_values_are_rejected() {
        let cli = parse(&[
            "check",
            "--connect-to",
            "a:443:127.0.0.1:1",
            "--connect-to",
            "b:80:127.0.0.1:2",
            "--timeout",
            "3",
            "-q",
        ])
        .unwrap();
        let Some(Command::Check(args)) = cli.command else {
            panic!("check expected")
        };
        assert_eq!(args.connect_to.len(), 2);
        assert_eq!(args.timeout, 3);
        assert!(args.output.quiet);
        for bad in [
            &["check", "--format", "xml"][..],
            &["check", "--timeout", "0"],
            &["check", "--concurrency", "0"],
            &["check", "--pin-file", "x", "--no-pins"],
            &["check", "--proxy", "http://p:1", "--no-proxy"],
            &["inspect"],
            &["check", "--color", "sometimes"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn logs_and_decode_parse() {
        let cli = parse(&[
            "logs",
            "a.log",
            "--timeline",
            "all",
            "--since",
            "2024-01-01T00:00:00Z",
        ])
        .unwrap();
        let Some(Command::Logs(args)) = cli.command else {
            panic!("logs expected")
        };
        assert_eq!(args.timeline, TimelineRows::All);
        assert_eq!(args.since.as_deref(), Some("2024-01-01T00:00:00Z"));
        let cli = parse(&["logs", "a.log"]).unwrap();
        let Some(Command::Logs(args)) = cli.command else {
            panic!("logs expected")
        };
        assert_eq!(args.timeline, TimelineRows::Rows(50));
        assert!(parse(&["logs", "a.log", "--timeline", "0"]).is_err());
        assert!(parse(&["logs", "a.log", "--timeline", "many"]).is_err());
        let cli = parse(&["decode", "0x80190197", "-2145844841"]).unwrap();
        let Some(Command::Decode(args)) = cli.command else {
            panic!("decode expected")
        };
        assert_eq!(args.values, ["0x80190197", "-2145844841"]);
        assert!(parse(&["decode"]).is_err());
    }

    #[test]
    fn inspect_and_lab_parse() {
        let cli = parse(&[
            "inspect",
            "a.pem",
            "b.pem",
            "--host",
            "www.google.com",
            "--at",
            "2030-01-01T00:00:00Z",
        ])
        .unwrap();
        let Some(Command::Inspect(args)) = cli.command else {
            panic!("inspect expected")
        };
        assert_eq!(args.files.len(), 2);
        let cli = parse(&["lab", "gen-certs", "testcerts"]).unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Lab(LabArgs {
                action: Some(LabAction::GenCerts { .. }),
                ..
            }))
        ));
    }
}
