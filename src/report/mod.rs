//! The report model of `check` and `inspect`: what is serialised about each endpoint and the
//! run ([`EndpointReport`], [`Report`]), and the summary counted as endpoints come ([`Tally`]).
//! The model decides nothing: the engines and `detect` fill it in; `render` writes it.

use serde::Serialize;
use time::OffsetDateTime;

use crate::chain::CertInfo;
use crate::clock::serde_time;
use crate::finding::{Finding, FindingCode, Severity, headline};
use crate::net::TlsFacts;
use crate::revocation::RevocationReport;
use crate::target::Scheme;
use crate::validate::Trust;

/// Bumped when a field is renamed or removed; adding one is compatible. 2: `revocation` became
/// per-source and per-certificate, and revocation evidence lists the sources.
pub const SCHEMA_VERSION: u32 = 2;

/// How an endpoint was reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Destination {
    /// `ip:port` connected to (the proxy's, through a proxy).
    pub peer: String,
    /// Reverse-DNS name of the peer, if any.
    pub peer_name: Option<String>,
    /// Every address the name resolved to.
    pub resolved: Vec<String>,
    /// The proxy used, if any (`http://host:port`, without credentials).
    pub proxy: Option<String>,
    /// Which system setting chose the proxy, or chose a direct connection (Windows: `user
    /// settings`, `WinHTTP settings`, `PAC http://…`, a bypass list), with any PAC failure on the
    /// way; absent when the proxy was given (`--proxy`, the environment) or no setting applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_source: Option<String>,
    /// `host:port` after `--connect-to`, when a rule applied.
    pub connect_to: Option<String>,
}

impl Destination {
    /// How the connection was routed, in words: `via proxy http://… (from user settings)`,
    /// `direct (from PAC …: DIRECT)`; `None` for a direct connection no setting chose.
    pub(crate) fn route(&self) -> Option<String> {
        match (&self.proxy, &self.proxy_source) {
            (Some(proxy), Some(source)) => Some(format!("via proxy {proxy} (from {source})")),
            (Some(proxy), None) => Some(format!("via proxy {proxy}")),
            (None, Some(source)) => Some(format!("direct (from {source})")),
            (None, None) => None,
        }
    }
}

/// The HTTP answer on the endpoint (HEAD over TLS, or the plain-HTTP check).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct HttpFacts {
    /// Status code.
    pub status: u16,
    /// Status line as sent.
    pub status_line: String,
    /// The `Date` header, when present and valid.
    #[serde(with = "serde_time::option")]
    #[schemars(with = "Option<String>")]
    pub date: Option<OffsetDateTime>,
    /// The `Date` header as sent, when it is present but not a valid HTTP date (it is then no
    /// time evidence).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_invalid: Option<String>,
}

/// Overall state of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// At least one error finding.
    Error,
    /// No finding.
    Ok,
    /// Warnings only.
    Warning,
}

impl Status {
    /// The status of an endpoint whose findings' highest severity is `worst`.
    pub(crate) fn from_worst(worst: Option<Severity>) -> Self {
        match worst {
            Some(Severity::Error) => Self::Error,
            Some(Severity::Warning) => Self::Warning,
            Some(Severity::Info) | None => Self::Ok,
        }
    }
}

/// Everything learnt about one endpoint.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct EndpointReport {
    /// The target as asked (`https://www.googleapis.com/calendar/`) or the files inspected.
    pub target: String,
    /// `http`/`https`; none for offline inspection.
    pub scheme: Option<Scheme>,
    /// The host (SNI and name check).
    pub host: Option<String>,
    /// The port.
    pub port: Option<u16>,
    /// What the endpoint is for.
    pub purpose: Option<String>,
    /// How it was reached.
    pub destination: Option<Destination>,
    /// TLS parameters.
    pub tls: Option<TlsFacts>,
    /// The HTTP answer.
    pub http: Option<HttpFacts>,
    /// Why the HTTP exchange gave no answer, when it did not (not a finding over TLS).
    pub http_error: Option<String>,
    /// The presented chain, leaf first.
    pub certificates: Vec<CertInfo>,
    /// Trust outcome, when a chain was judged.
    pub trust: Option<Trust>,
    /// What the revocation sources said, per source and per certificate; none when revocation
    /// was not checked (off, no source named, or the chain was not trusted) — never "good".
    pub revocation: Option<RevocationReport>,
    /// Problems found.
    pub findings: Vec<Finding>,
    /// Overall state.
    pub status: Status,
    /// The most specific finding's code.
    pub headline: Option<FindingCode>,
    /// Wall time spent on this endpoint, milliseconds.
    pub elapsed_ms: u64,
}

impl EndpointReport {
    /// An empty report for `target`; fill in the facts, then call [`Self::finish`].
    pub fn new(target: String) -> Self {
        Self {
            target,
            scheme: None,
            host: None,
            port: None,
            purpose: None,
            destination: None,
            tls: None,
            http: None,
            http_error: None,
            certificates: Vec::new(),
            trust: None,
            revocation: None,
            findings: Vec::new(),
            status: Status::Ok,
            headline: None,
            elapsed_ms: 0,
        }
    }

    /// Computes `status` and `headline` from the findings.
    pub fn finish(mut self) -> Self {
        self.refresh();
        self
    }

    /// Recomputes `status` and `headline` after findings changed.
    pub(crate) fn refresh(&mut self) {
        self.headline = headline(&self.findings).map(|finding| finding.code);
        self.status = Status::from_worst(self.findings.iter().map(|f| f.severity).max());
    }

    /// Whether a finding with this code is present.
    pub fn has(&self, code: FindingCode) -> bool {
        self.findings.iter().any(|finding| finding.code == code)
    }
}

/// Counts over all endpoints, and the one-paragraph diagnosis when a single cause explains all.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Summary {
    /// Endpoints checked.
    pub endpoints: usize,
    /// Without findings.
    pub ok: usize,
    /// With warnings only.
    pub warnings: usize,
    /// With at least one error.
    pub errors: usize,
    /// A plain paragraph when one cause explains everything (e.g. no name resolves).
    pub diagnosis: Option<String>,
}

/// The result of a run.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Report {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// `check` or `inspect`.
    pub command: &'static str,
    /// The profile used, if any.
    pub profile: Option<&'static str>,
    /// The instant certificates were judged at.
    #[serde(with = "serde_time")]
    #[schemars(with = "String")]
    pub evaluated_at: OffsetDateTime,
    /// Per endpoint, in input order.
    pub endpoints: Vec<EndpointReport>,
    /// Totals.
    pub summary: Summary,
}

impl Report {
    /// Builds a report and its summary.
    pub fn new(
        command: &'static str,
        profile: Option<&'static str>,
        evaluated_at: OffsetDateTime,
        endpoints: Vec<EndpointReport>,
    ) -> Self {
        let mut tally = Tally::default();
        endpoints.iter().for_each(|endpoint| tally.add(endpoint));
        Self {
            schema_version: SCHEMA_VERSION,
            command,
            profile,
            evaluated_at,
            endpoints,
            summary: tally.summary(),
        }
    }

    /// The highest severity of any finding.
    pub fn worst(&self) -> Option<Severity> {
        self.endpoints
            .iter()
            .flat_map(|e| &e.findings)
            .map(|finding| finding.severity)
            .max()
    }
}

/// The summary of a run, counted as endpoints are judged (and amended), without keeping them.
#[derive(Debug, Clone)]
pub struct Tally {
    endpoints: usize,
    ok: usize,
    warnings: usize,
    errors: usize,
    worst: Option<Severity>,
    all_dns_failed: bool,
    all_proxy_auth: bool,
    skew: Option<String>,
}

impl Default for Tally {
    fn default() -> Self {
        Self {
            endpoints: 0,
            ok: 0,
            warnings: 0,
            errors: 0,
            worst: None,
            all_dns_failed: true,
            all_proxy_auth: true,
            skew: None,
        }
    }
}

impl Tally {
    /// Counts a judged endpoint.
    pub fn add(&mut self, endpoint: &EndpointReport) {
        self.endpoints += 1;
        *self.count(endpoint.status) += 1;
        let worst = endpoint.findings.iter().map(|f| f.severity).max();
        self.worst = self.worst.max(worst);
        self.all_dns_failed &= endpoint.has(FindingCode::DnsFailed);
        self.all_proxy_auth &= endpoint.has(FindingCode::ProxyAuthRequired);
        if self.skew.is_none() {
            self.note_skew(&endpoint.findings);
        }
    }

    /// Counts an amendment to an endpoint already counted with status `was`: its status is
    /// now `now`, and it gained the findings `added`.
    pub fn amend(&mut self, was: Status, now: Status, added: &[Finding]) {
        *self.count(was) -= 1;
        *self.count(now) += 1;
        let worst = added.iter().map(|f| f.severity).max();
        self.worst = self.worst.max(worst);
        if self.skew.is_none() {
            self.note_skew(added);
        }
    }

    /// The highest severity of any finding counted.
    pub fn worst(&self) -> Option<Severity> {
        self.worst
    }

    /// The totals and the one-paragraph diagnosis.
    pub fn summary(&self) -> Summary {
        Summary {
            endpoints: self.endpoints,
            ok: self.ok,
            warnings: self.warnings,
            errors: self.errors,
            diagnosis: self.diagnose(),
        }
    }

    fn count(&mut self, status: Status) -> &mut usize {
        match status {
            Status::Ok => &mut self.ok,
            Status::Warning => &mut self.warnings,
            Status::Error => &mut self.errors,
        }
    }

    fn note_skew(&mut self, findings: &[Finding]) {
        self.skew = findings
            .iter()
            .find(|f| f.code == FindingCode::ClockSkew)
            .map(|f| f.message.clone());
    }

    /// One paragraph when a single cause explains every endpoint.
    fn diagnose(&self) -> Option<String> {
        if self.endpoints == 0 {
            return None;
        }
        if self.all_dns_failed {
            return Some(format!(
                "No name resolves: none of the {} endpoints' host names could be looked up, so \
             nothing else could be checked. This machine has no network, no working DNS, or a \
             firewall that blocks name resolution. Fix that first (article Steps 1 and 2: open \
             ports 80 and 443 and allow Google's URLs), then run the audit again. To see every \
             diagnosis offline, run `tlsinspect demo`.",
                self.endpoints
            ));
        }
        if let Some(skew) = &self.skew {
            return Some(format!(
                "This machine's clock is wrong: {}. Certificates and revocation data are judged \
             against it, so date errors follow from it: set the date, time and time zone right \
             before anything else.",
                skew
            ));
        }
        if self.all_proxy_auth {
            return Some(
                "Every connection goes through a proxy that requires authentication. Google \
             Workspace Sync does not support authenticated proxies (article Step 3)."
                    .to_owned(),
            );
        }
        None
    }
}
