//! The live check: for each target, connect, capture, ask over HTTP, validate, compare with the
//! expected roots — and turn every failure on the way into a finding. Endpoints run in parallel
//! (bounded by `concurrency`); the report keeps input order.
//!
//! Data flow: target -> connect (DNS, --connect-to, proxy) -> handshake (capture) -> HEAD (Date)
//! -> validate (+ AIA fetch of a missing issuer) -> pins -> peer signals -> revocation (staple,
//! OCSP, CRLs) -> EndpointReport; then, across endpoints, shared keys and issuers and the clock.

use std::sync::Arc;
use std::time::Instant;

use rustls_pki_types::CertificateDer;
use time::OffsetDateTime;
use tokio::sync::{Semaphore, mpsc};

use crate::chain::read_certificates;
use crate::clock::Clock;
use crate::detect::{
    self, Amendment, GOOGLE_REVERSE_DOMAIN, IpRanges, RunFacts, address_signal, fresh_leaf_signal,
    in_run_order, strengthen,
};
use crate::finding::{ConnectFailure, Evidence, Finding, FindingCode, Severity};
use crate::flight::SingleFlight;
use crate::net::http::{self, Method};
use crate::net::{
    self, Connected, Connector, Fetcher, NetOptions, Recorder, Resolver, Step, handshake,
};
use crate::pins::Pins;
use crate::profile::Profile;
use crate::report::{Destination, EndpointReport, HttpFacts, Report};
use crate::revocation::{self, RevocationOptions, RevocationPolicy};
use crate::target::{Scheme, Target};
use crate::validate::{AiaOutcome, Anchors, ValidationInput, validate};

/// The largest AIA certificate accepted.
const MAX_AIA_BYTES: usize = 64 * 1024;

/// Whether and which roots profile endpoints must chain to.
#[derive(Debug, Clone)]
pub enum PinPolicy {
    /// No expectation (`--no-pins`).
    Off,
    /// These keys (Google's roots by default, `--pin-file` to replace them).
    Pins(Pins),
}

/// Everything a check needs besides the targets.
#[derive(Debug, Clone)]
pub struct InspectorConfig {
    /// Connection options.
    pub net: NetOptions,
    /// Trust anchors.
    pub anchors: Anchors,
    /// Expected roots for profile endpoints.
    pub pins: PinPolicy,
    /// The profile whose hosts the pins apply to.
    pub profile: Profile,
    /// Judge as if the clock read this instant (`--at`).
    pub at: Option<OffsetDateTime>,
    /// Endpoints checked at once.
    pub concurrency: usize,
    /// Google's address ranges, for the peer-address signal.
    pub ip_ranges: IpRanges,
    /// What to do about revocation (`--revocation`, `--revocation-depth`, `--ocsp-leeway`,
    /// `--no-ocsp-nonce`).
    pub revocation: RevocationOptions,
}

/// The report of a `check` run whose endpoints came back in any order with their positions,
/// once the cross-endpoint `amendments` are applied.
pub fn report_of_run(
    profile: Option<&'static str>,
    evaluated_at: OffsetDateTime,
    endpoints: Vec<(usize, EndpointReport)>,
    amendments: &[Amendment],
) -> Report {
    let endpoints = in_run_order(endpoints, amendments);
    Report::new("check", profile, evaluated_at, endpoints)
}

/// Checks live endpoints.
#[derive(Debug, Clone)]
pub struct Inspector {
    config: Arc<InspectorConfig>,
    connector: Connector,
    fetcher: Fetcher,
    answers: revocation::OcspAnswers,
    peer_names: SingleFlight<std::net::IpAddr, Option<String>>,
    clock: Arc<dyn Clock>,
}

/// Distinct peer addresses whose reverse names a run remembers.
const REMEMBERED_PEER_NAMES: usize = 4096;

impl Inspector {
    /// An inspector resolving names with `resolver` and reading time from `clock`.
    pub fn new(
        config: InspectorConfig,
        resolver: Arc<dyn Resolver>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let connector = Connector::new(config.net.clone(), resolver);
        Self {
            config: Arc::new(config),
            fetcher: Fetcher::new(connector.clone()),
            answers: revocation::OcspAnswers::default(),
            peer_names: SingleFlight::new(REMEMBERED_PEER_NAMES),
            connector,
            clock,
        }
    }

    /// The instant a run judges certificates at: `--at`, or the clock now.
    pub fn evaluation_instant(&self) -> OffsetDateTime {
        self.config.at.unwrap_or_else(|| self.clock.now())
    }

    /// Checks every target and builds the report (`profile` names the profile they came from).
    pub async fn check(&self, targets: Vec<Target>, profile: Option<&'static str>) -> Report {
        let at = self.evaluation_instant();
        let (sender, receiver) = mpsc::channel(targets.len().max(1));
        for target in targets {
            // The channel holds them all: sending cannot fail or wait.
            let _ = sender.try_send(target);
        }
        drop(sender);
        let mut endpoints = Vec::new();
        let amendments = self
            .check_each(receiver, at, |id, endpoint| endpoints.push((id, endpoint)))
            .await;
        report_of_run(profile, at, endpoints, &amendments)
    }

    /// Checks targets as they arrive (at most `concurrency` at once, taking the next only when
    /// one finishes, so a long list is never held whole) and gives each endpoint to `each` with
    /// its position as soon as it is judged — in the order they finish. Only compact facts are
    /// kept for the verdicts across endpoints, which come back as amendments at the end.
    pub async fn check_each(
        &self,
        mut targets: mpsc::Receiver<Target>,
        at: OffsetDateTime,
        mut each: impl FnMut(usize, EndpointReport),
    ) -> Vec<Amendment> {
        let semaphore = Arc::new(Semaphore::new(self.config.concurrency.max(1)));
        let (done, mut finished) = mpsc::channel(self.config.concurrency.max(1));
        let dispatch = async move {
            let mut id = 0;
            while let Some(target) = targets.recv().await {
                let Ok(permit) = Arc::clone(&semaphore).acquire_owned().await else {
                    break;
                };
                let inspector = self.clone();
                let done = done.clone();
                tokio::spawn(async move {
                    let endpoint = inspector.check_one(target, at).await;
                    drop(permit);
                    let _ = done.send((id, endpoint)).await;
                });
                id += 1;
            }
        };
        let mut facts = RunFacts::default();
        let collect = async {
            while let Some((id, endpoint)) = finished.recv().await {
                facts.add(id, &endpoint, at);
                each(id, endpoint);
            }
        };
        tokio::join!(dispatch, collect);
        tracing::info!(
            kept = facts.kept(),
            "facts kept for the verdicts across endpoints"
        );
        facts.amendments(at)
    }

    /// Checks one target.
    pub(crate) async fn check_one(&self, target: Target, at: OffsetDateTime) -> EndpointReport {
        let started = Instant::now();
        tracing::info!(target = %target, "checking");
        let mut report = EndpointReport::new(target.to_string());
        report.scheme = Some(target.scheme);
        report.host = Some(target.host.to_string());
        report.port = Some(target.port);
        report.purpose = target.purpose.clone();
        match target.scheme {
            Scheme::Https => self.check_https(&target, at, &mut report).await,
            Scheme::Http => self.check_http(&target, &mut report).await,
        }
        report.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::info!(target = %target, findings = report.findings.len(), elapsed_ms = report.elapsed_ms, "checked");
        report.finish()
    }

    async fn check_http(&self, target: &Target, report: &mut EndpointReport) {
        let Some((mut connected, peer_name)) = self.connect(target, report).await else {
            return;
        };
        let request_target = self.fetcher.request_target(target, &connected);
        let host_header = target.authority_for_header();
        let exchange = http::request(
            &mut connected.stream,
            Method::Head,
            &request_target,
            &host_header,
            0,
        );
        match self.connector.bounded(Step::HttpRequest, exchange).await {
            Ok(Ok(response)) => report.http = Some(http_facts(&response)),
            Ok(Err(error)) => report
                .findings
                .push(http_failed(target, &error.to_string())),
            Err(error) => report
                .findings
                .push(http_failed(target, &error.to_string())),
        }
        name_peer(report, peer_name).await;
    }

    async fn check_https(&self, target: &Target, at: OffsetDateTime, report: &mut EndpointReport) {
        let Some((connected, peer_name)) = self.connect(target, report).await else {
            return;
        };
        let recorder = Recorder::new();
        let shaken = self
            .connector
            .bounded(
                Step::TlsHandshake,
                handshake(connected.stream, connected.peer, &target.host, &recorder),
            )
            .await;
        let captured = recorder.take();
        match shaken {
            Ok(Ok((mut tls, mut facts))) => {
                facts.stapled_ocsp = captured.staple.is_some();
                facts.stapled_ocsp_base64 = captured.staple.as_deref().map(|der| {
                    use base64::Engine;
                    base64::engine::general_purpose::STANDARD.encode(der)
                });
                report.tls = Some(facts);
                let host_header = target.authority_for_header();
                let exchange = http::request(&mut tls, Method::Head, &target.path, &host_header, 0);
                match self.connector.bounded(Step::HttpHead, exchange).await {
                    Ok(Ok(response)) => report.http = Some(http_facts(&response)),
                    Ok(Err(error)) => report.http_error = Some(error.to_string()),
                    Err(error) => report.http_error = Some(error.to_string()),
                }
            }
            Ok(Err(error)) | Err(error) => report.findings.push(net_finding(target, &error)),
        }
        name_peer(report, peer_name).await;
        if !captured.chain.is_empty() {
            let fetched = self.judge(target, &captured.chain, at, report).await;
            self.peer_signals(target, at, report).await;
            self.check_revocation(
                &captured.chain,
                fetched.as_ref(),
                captured.staple.as_deref(),
                at,
                report,
            )
            .await;
        }
    }

    /// Validates a captured chain, fetching a missing issuer once, then applies the pins.
    /// Returns the fetched issuer, if one was fetched.
    async fn judge(
        &self,
        target: &Target,
        chain: &[CertificateDer<'static>],
        at: OffsetDateTime,
        report: &mut EndpointReport,
    ) -> Option<CertificateDer<'static>> {
        let mut input = ValidationInput {
            chain,
            host: Some(&target.host),
            at,
            anchors: &self.config.anchors,
            aia: AiaOutcome::NotTried,
        };
        let mut validation = validate(&input);
        if let Some(url) = validation
            .fetch_urls
            .iter()
            .find(|url| url.starts_with("http://"))
        {
            tracing::debug!(url, "fetching the missing issuer from its AIA URL");
            input.aia = self.fetch_issuer(url).await;
            validation = validate(&input);
        }
        let pins = match &self.config.pins {
            PinPolicy::Pins(pins) if self.config.profile.covers(&target.host) => Some(pins),
            _ => None,
        };
        detect::judge_chain(report, validation, pins);
        match input.aia {
            AiaOutcome::Fetched { der, .. } => Some(der),
            _ => None,
        }
    }

    /// Interception signals of a profile endpoint: where its peer is (an address the user
    /// chose with `--connect-to` is the user's choice, not evidence; an address outside Google's
    /// ranges is Google's all the same when its `*.1e100.net` name resolves back to it), and a
    /// leaf minted minutes before `at`.
    async fn peer_signals(&self, target: &Target, at: OffsetDateTime, report: &mut EndpointReport) {
        if !self.config.profile.covers(&target.host) {
            return;
        }
        let mut signals = Vec::new();
        if let Some(leaf) = report.certificates.first() {
            signals.extend(fresh_leaf_signal(leaf, at));
        }
        if let Some(destination) = report
            .destination
            .as_ref()
            .filter(|d| d.connect_to.is_none())
            && let Ok(peer) = destination.peer.parse::<std::net::SocketAddr>()
        {
            let class = self.config.ip_ranges.classify(peer.ip());
            let name = destination.peer_name.as_deref();
            let confirmed = match name {
                Some(name) if name.ends_with(GOOGLE_REVERSE_DOMAIN) => {
                    self.resolves_to(name, peer).await
                }
                _ => false,
            };
            signals.extend(address_signal(
                &target.host.to_string(),
                peer,
                class,
                destination.proxy.as_deref(),
                name,
                confirmed,
            ));
        }
        if !signals.is_empty() {
            strengthen(report, &signals, true);
        }
    }

    /// Whether `name` resolves (forward) to `peer`'s address.
    async fn resolves_to(&self, name: &str, peer: std::net::SocketAddr) -> bool {
        let lookup = self.connector.resolver().lookup(name, peer.port());
        matches!(
            self.connector.bounded(Step::ForwardDns, lookup).await,
            Ok(Ok(addrs)) if addrs.iter().any(|addr| addr.ip() == peer.ip())
        )
    }

    /// Fetches an AIA caIssuers certificate (plain HTTP, bounded).
    async fn fetch_issuer(&self, url: &str) -> AiaOutcome {
        let fetched = self.fetcher.get(url, MAX_AIA_BYTES, Step::AiaFetch).await;
        let body = match fetched {
            Ok(answer) if answer.status == 200 => answer.body,
            Ok(answer) => {
                return AiaOutcome::Failed {
                    url: url.to_owned(),
                    reason: format!("HTTP status {}", answer.status),
                };
            }
            Err(error) => {
                let reason = error.to_string();
                return AiaOutcome::Failed {
                    url: url.to_owned(),
                    reason,
                };
            }
        };
        match read_certificates(&body) {
            Ok(mut certs) => AiaOutcome::Fetched {
                url: url.to_owned(),
                der: certs.remove(0),
            },
            Err(error) => AiaOutcome::Failed {
                url: url.to_owned(),
                reason: error.to_string(),
            },
        }
    }

    /// Checks each certificate of the validated path (`--revocation-depth`) with its staple or
    /// OCSP responder and its CRLs. A chain that is not trusted, or certificates that name no
    /// source, get no claim.
    async fn check_revocation(
        &self,
        chain: &[CertificateDer<'static>],
        fetched: Option<&CertificateDer<'static>>,
        staple: Option<&[u8]>,
        at: OffsetDateTime,
        report: &mut EndpointReport,
    ) {
        let options = self.config.revocation;
        let Some(trust) = &report.trust else {
            return;
        };
        if options.policy == RevocationPolicy::Off {
            return;
        }
        let Some(links) =
            revocation::links_for(chain, fetched, &self.config.anchors, trust, options.depth)
        else {
            return;
        };
        let sources =
            revocation::check_live(&self.fetcher, &self.answers, &links, staple, &options, at)
                .await;
        let profile = &self.config.profile;
        let is_workspace_host = |host: &str| {
            host.parse::<crate::target::Host>()
                .is_ok_and(|host| profile.covers(&host))
        };
        let (revocation, findings) =
            revocation::conclude(&links, sources, options.policy, &is_workspace_host);
        report.findings.extend(findings);
        report.revocation = revocation;
    }

    /// Connects, records the destination, and starts the peer's reverse lookup (once per
    /// address per run), which runs beside the handshake and the request ([`name_peer`] waits
    /// for it); a failure becomes a finding and `None`.
    async fn connect(
        &self,
        target: &Target,
        report: &mut EndpointReport,
    ) -> Option<(Connected, PeerName)> {
        let (dest_host, dest_port) = self.connector.destination(&target.host, target.port);
        let connect_to = (dest_host != target.host || dest_port != target.port)
            .then(|| format!("{dest_host}:{dest_port}"));
        match self
            .connector
            .open(&target.host, target.port, target.scheme)
            .await
        {
            Ok(connected) => {
                // One lookup per address per run: a scan of many ports on one host asks once.
                let (connector, names) = (self.connector.clone(), self.peer_names.clone());
                let ip = connected.peer.ip();
                let peer_name = tokio::spawn(async move {
                    let lookup = async {
                        connector
                            .bounded(Step::ReverseDns, connector.resolver().reverse(ip))
                            .await
                            .ok()
                            .flatten()
                    };
                    names.get_or_compute(ip, lookup).await
                });
                report.destination = Some(Destination {
                    peer: connected.peer.to_string(),
                    peer_name: None,
                    resolved: connected.resolved.iter().map(ToString::to_string).collect(),
                    proxy: connected.proxy.as_ref().map(ToString::to_string),
                    proxy_source: connected.proxy_source.clone(),
                    connect_to,
                });
                Some((connected, peer_name))
            }
            Err(error) => {
                report.findings.push(net_finding(target, &error));
                None
            }
        }
    }
}

/// The reverse lookup of an endpoint's peer, under way.
type PeerName = tokio::task::JoinHandle<Option<String>>;

/// Records the peer's reverse name once its lookup (bounded by the step timeout) ends.
async fn name_peer(report: &mut EndpointReport, peer_name: PeerName) {
    let name = peer_name.await.ok().flatten();
    if let Some(destination) = &mut report.destination {
        destination.peer_name = name;
    }
}

fn http_facts(response: &http::Response) -> HttpFacts {
    HttpFacts {
        status: response.status,
        status_line: response.status_line.clone(),
        date: response.date(),
        date_invalid: response.invalid_date().map(str::to_owned),
    }
}

/// A plain-HTTP check whose exchange failed after the connection was made.
fn http_failed(target: &Target, detail: &str) -> Finding {
    let message = format!("port {} answers but not with HTTP: {detail}", target.port);
    let evidence = Evidence::Connect {
        address: target.authority(),
        failure: ConnectFailure::Other,
        detail: detail.to_owned(),
        proxy: false,
        chosen_by: None,
    };
    Finding::new(
        FindingCode::ConnectFailed,
        Severity::Error,
        message,
        evidence,
    )
}

/// ` (chosen by user settings)` after a proxy's name, when a system setting chose it.
fn chosen_by_words(chosen_by: Option<&str>) -> String {
    chosen_by
        .map(|setting| format!(" (chosen by {setting})"))
        .unwrap_or_default()
}

/// Turns a network error into the finding the Sync client would hit for the same cause.
pub(crate) fn net_finding(target: &Target, error: &net::Error) -> Finding {
    let port = target.port;
    match error {
        net::Error::Dns { host, detail } => Finding::new(
            FindingCode::DnsFailed,
            Severity::Error,
            format!("{host} does not resolve ({detail})"),
            Evidence::Dns {
                host: host.clone(),
                detail: detail.clone(),
            },
        ),
        net::Error::Connect {
            addr,
            failure: ConnectFailure::Reset,
            detail,
            proxy: false,
            ..
        } if target.scheme == Scheme::Https => Finding::new(
            FindingCode::TlsFailed,
            Severity::Error,
            format!(
                "{addr} (port {port}) accepted the connection, then reset it before the TLS \
                 handshake completed: a firewall, proxy or filter that cuts TLS, or a server \
                 that is not serving TLS there"
            ),
            Evidence::Tls {
                detail: detail.clone(),
            },
        ),
        net::Error::Connect {
            addr,
            failure,
            detail,
            proxy,
            chosen_by,
        } => {
            let what = match failure {
                ConnectFailure::Reset => "was accepted, then reset",
                ConnectFailure::Other => "failed",
                ConnectFailure::Refused => "was refused",
                ConnectFailure::TimedOut => "timed out",
                ConnectFailure::Unreachable => "is unreachable",
                ConnectFailure::LocalLimit => "could not be opened on this machine",
            };
            let message = if *proxy {
                format!(
                    "TCP connection to the proxy {addr}{} {what} (asked for {}): {detail}",
                    chosen_by_words(chosen_by.as_deref()),
                    target.authority()
                )
            } else {
                format!("TCP connection to {addr} (port {port}) {what}: {detail}")
            };
            let mut finding = Finding::new(
                FindingCode::ConnectFailed,
                Severity::Error,
                message,
                Evidence::Connect {
                    address: addr.to_string(),
                    failure: *failure,
                    detail: detail.clone(),
                    proxy: *proxy,
                    chosen_by: chosen_by.clone(),
                },
            );
            if *failure == ConnectFailure::TimedOut {
                finding.winhttp_flag = Some("ERROR_WINHTTP_TIMEOUT");
            }
            finding
        }
        net::Error::ProxyAuthRequired {
            proxy,
            chosen_by,
            schemes,
        } => Finding::new(
            FindingCode::ProxyAuthRequired,
            Severity::Error,
            format!(
                "the proxy {proxy}{} requires authentication ({}); Google Workspace Sync does not \
                 support authenticated proxies",
                chosen_by_words(chosen_by.as_deref()),
                if schemes.is_empty() {
                    "no scheme named".to_owned()
                } else {
                    schemes.join(", ")
                }
            ),
            Evidence::Proxy {
                proxy: proxy.clone(),
                status_line: Some("407".into()),
                schemes: schemes.clone(),
                chosen_by: chosen_by.clone(),
            },
        ),
        net::Error::ProxyRefused {
            proxy,
            chosen_by,
            status_line,
        } => Finding::new(
            FindingCode::ProxyFailed,
            Severity::Error,
            format!(
                "the proxy {proxy}{} refused the tunnel to {}: {status_line}",
                chosen_by_words(chosen_by.as_deref()),
                target.authority()
            ),
            Evidence::Proxy {
                proxy: proxy.clone(),
                status_line: Some(status_line.clone()),
                schemes: Vec::new(),
                chosen_by: chosen_by.clone(),
            },
        ),
        net::Error::ProxyBroken {
            proxy,
            chosen_by,
            source,
        } => Finding::new(
            FindingCode::ProxyFailed,
            Severity::Error,
            format!(
                "the proxy {proxy}{} broke the tunnel to {}: {source}",
                chosen_by_words(chosen_by.as_deref()),
                target.authority()
            ),
            Evidence::Proxy {
                proxy: proxy.clone(),
                status_line: None,
                schemes: Vec::new(),
                chosen_by: chosen_by.clone(),
            },
        ),
        net::Error::SystemProxy(detail) => Finding::new(
            FindingCode::ProxyFailed,
            Severity::Error,
            format!(
                "the system's proxy for {} could not be determined: {detail}",
                target.authority()
            ),
            Evidence::Proxy {
                proxy: "(system proxy settings)".to_owned(),
                status_line: None,
                schemes: Vec::new(),
                chosen_by: None,
            },
        ),
        net::Error::Timeout { step, secs } if *step != Step::TlsHandshake => {
            let mut finding = Finding::new(
                FindingCode::ConnectFailed,
                Severity::Error,
                format!("{step} for {} timed out after {secs}s", target.authority()),
                Evidence::Connect {
                    address: target.authority(),
                    failure: ConnectFailure::TimedOut,
                    detail: error.to_string(),
                    proxy: false,
                    chosen_by: None,
                },
            );
            finding.winhttp_flag = Some("ERROR_WINHTTP_TIMEOUT");
            finding
        }
        other => Finding::new(
            FindingCode::TlsFailed,
            Severity::Error,
            format!(
                "the TLS handshake with {} failed: {other}",
                target.authority()
            ),
            Evidence::Tls {
                detail: other.to_string(),
            },
        ),
    }
}
