//! `audit-proxy`: grade an SSL-inspection proxy end to end.
//!
//! Data flow: audit root (lab folder) -> audit lab (one origin per case, CRL and OCSP servers,
//! on the listen address) -> per case, CONNECT through the proxy to the case's origin with the
//! case's SNI (`probe`) -> blocked / passed through / forged, the forgery judged by `validate`
//! against this machine's anchors -> the two legs (`legs`: the origins' recorded ClientHellos,
//! the forged chains) -> verdict: not gradable, not intercepting, or the NDSS 2017 grade with
//! its reasons (`grade`).

mod grade;
mod hello;
pub mod inline;
mod legs;
mod probe;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;
use tokio::sync::Semaphore;

pub use grade::{ClientLegFlaws, Grade, Grading, Masked, Reason, grade, suite_class};
pub use hello::{ClientHelloSummary, HelloError, SuiteOffer, parse_client_hello, version_name};
pub use legs::{ClientLeg, ProxyCa, UpstreamLeg, client_leg, upstream_leg};
pub use probe::{Observation, Outcome};

use crate::chain::CertInfo;
use crate::clock::{Clock, serde_time};
use crate::finding::FindingCode;
use crate::lab::audit::{AuditCase, AuditLab, AuditRoot, Flaw, UpstreamConnection};
use crate::net::{ConnectTo, Connector, NetOptions, ProxyUrl, Resolver, TlsFacts};
use crate::target::Host;
use crate::validate::Anchors;

/// The version of the `audit-proxy` JSON.
pub const AUDIT_SCHEMA_VERSION: u32 = 1;

/// Why an audit could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The audit lab could not start.
    #[error("the audit lab could not start")]
    Lab(#[from] crate::lab::Error),
    /// The origins of a transparent audit could not be used.
    #[error("cannot use the origins at {origins}: {reason}")]
    Origins {
        /// The origins, as `--origins` named them.
        origins: String,
        /// Why.
        reason: String,
    },
    /// The proxy could not be reached, or wants credentials.
    #[error("cannot use the proxy {proxy}")]
    Proxy {
        /// The proxy, credentials redacted.
        proxy: String,
        /// Why.
        #[source]
        source: crate::net::Error,
    },
}

/// How the audit runs, whichever way the probes reach the origins.
#[derive(Debug, Clone)]
pub struct AuditRequest {
    /// What this machine trusts (the forged chains are judged against it).
    pub anchors: Anchors,
    /// Per-step timeout.
    pub timeout: Duration,
    /// Cases probed at once.
    pub concurrency: usize,
    /// Resolves the proxy's name (explicit) or the origins' and the cases' names (transparent).
    pub resolver: Arc<dyn Resolver>,
    /// Reads the instant each forgery arrives, which it is judged at.
    pub clock: Arc<dyn Clock>,
}

/// An explicit proxy, with the origins on this machine.
#[derive(Debug, Clone)]
pub struct ViaProxy {
    /// The proxy (HTTP CONNECT).
    pub proxy: ProxyUrl,
    /// Where the origins listen (the proxy must reach it).
    pub listen: IpAddr,
    /// CONNECT to `<case>.<domain>:PORT` (the proxy resolves the names: a hosts entry or a
    /// wildcard record pointing at `listen`) instead of to the origin's address: for proxies
    /// that name their forgeries after the CONNECT authority or check the upstream name against
    /// it, as browsers CONNECT by name.
    pub connect_by_name: bool,
}

/// Which way the probes went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AuditMode {
    /// Through an explicit proxy (HTTP CONNECT) to origins on this machine.
    Explicit,
    /// Straight to origins on the far side of an inline box (`audit-proxy serve`).
    Transparent,
}

/// One case's result.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CaseResult {
    /// The case.
    pub case: &'static str,
    /// The name asked for.
    pub host: String,
    /// What the origin presents.
    pub upstream: &'static str,
    /// What is wrong with it.
    pub flaw: Flaw,
    /// What a safe proxy does.
    pub safe_behaviour: &'static str,
    /// What this proxy did.
    pub outcome: Outcome,
    /// How, in words.
    pub detail: String,
    /// Whether that is safe.
    pub safe: bool,
    /// Whether the proxy hid a flawed upstream behind a chain this machine trusts.
    pub masked: bool,
    /// The client leg's parameters, when the handshake completed.
    pub client_tls: Option<TlsFacts>,
    /// The chain this machine received.
    pub presented: Vec<CertInfo>,
    /// What this machine's validation says of a forged chain.
    pub problems: Vec<FindingCode>,
    /// Connections the proxy opened to this case's origin.
    pub upstream_connections: usize,
    /// How the proxy's handshake with the origin went, in words (the first that completed,
    /// else the last): version and suite the origin chose, completed or who ended it.
    pub upstream_handshake: Option<String>,
    /// How the origin's answer arrived altered (rewritten, stripped, another case's, not this
    /// run's), when it did.
    pub answer_altered: Option<String>,
}

/// The audit's conclusion.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Verdict {
    /// Graded.
    Graded(Grading),
    /// The proxy intercepted nothing: every case reached this machine untouched or was refused.
    NotIntercepting {
        /// In words.
        note: String,
    },
    /// The audit ran but cannot be graded.
    NotGraded {
        /// Why.
        reason: String,
        /// What to do.
        advice: String,
    },
}

impl Verdict {
    /// The verdict in a word or two: the grade's letter, `not intercepting`, `not graded`.
    pub fn word(&self) -> &'static str {
        match self {
            Self::Graded(grading) => grading.grade.as_str(),
            Self::NotIntercepting { .. } => "not intercepting",
            Self::NotGraded { .. } => "not graded",
        }
    }
}

/// The audit root as the report names it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RootInfo {
    /// Its file (empty for an in-memory root).
    pub path: String,
    /// Whether this run created it.
    pub created: bool,
    /// Its SHA-256 fingerprint.
    pub sha256: String,
}

/// Everything `audit-proxy` found.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AuditReport {
    /// [`AUDIT_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// `audit-proxy`.
    pub command: &'static str,
    /// When.
    #[serde(with = "serde_time")]
    #[schemars(with = "String")]
    pub at: OffsetDateTime,
    /// How the probes reached the origins.
    pub mode: AuditMode,
    /// The proxy, credentials redacted (explicit mode).
    pub proxy: Option<String>,
    /// Where the origins listened: this machine's address (explicit), or the origins named by
    /// `--origins` (transparent).
    pub listen: String,
    /// The origins' address: `IP:PORT` on this machine, or `HOST:PORT` as `--origins` named it.
    pub origins: String,
    /// How the upstream connections were attributed to this run, in transparent mode: the
    /// origins return what came from the address the box connected from, within a window.
    pub attribution: Option<String>,
    /// The root the proxy must trust upstream.
    pub audit_root: RootInfo,
    /// Per case.
    pub cases: Vec<CaseResult>,
    /// The upstream leg.
    pub upstream: UpstreamLeg,
    /// The client leg.
    pub client: ClientLeg,
    /// The OpenSSL whose `s_server` served the weak-upstream cases (`OpenSSL 3.0.19`); none
    /// when no `openssl` program was found, and those cases did not run.
    pub openssl: Option<String>,
    /// The conclusion.
    pub verdict: Verdict,
}

impl AuditReport {
    /// What was audited, in words: `the proxy URL`, or the inline box on the way to the
    /// origins.
    pub fn subject(&self) -> String {
        match (&self.mode, &self.proxy) {
            (AuditMode::Explicit, Some(proxy)) => format!("the proxy {proxy}"),
            _ => format!(
                "the path to the origins at {} (transparent: whatever box sits in it)",
                self.origins
            ),
        }
    }

    /// The grade, when there is one.
    pub fn grade(&self) -> Option<Grade> {
        match &self.verdict {
            Verdict::Graded(grading) => Some(grading.grade),
            _ => None,
        }
    }
}

/// Runs the audit through an explicit proxy: starts the audit lab below `root` on this
/// machine, probes every case through the proxy, grades.
pub async fn audit_proxy(
    request: &AuditRequest,
    via: &ViaProxy,
    root: &AuditRoot,
    at: OffsetDateTime,
) -> Result<AuditReport, Error> {
    let lab = AuditLab::start(root, via.listen, at)?;
    let addr = lab.addr();
    // By address: each case's name is routed to the origins, and the CONNECT names the address.
    // By name: no route; the CONNECT names `<case>.<domain>:PORT` and the proxy resolves it.
    let connect_to = if via.connect_by_name {
        Vec::new()
    } else {
        AuditCase::ALL
            .iter()
            .map(|case| ConnectTo::new(Host::Dns(case.host(&root.domain)), 443, addr))
            .collect()
    };
    let connector = Connector::new(
        NetOptions {
            connect_to,
            https_proxy: Some(via.proxy.clone()),
            timeout: request.timeout,
            ..NetOptions::default()
        },
        Arc::clone(&request.resolver),
    );
    // The same targets a transparent audit reads from the manifest; by name the tunnel goes
    // to the origins' own port, by address to the routed 443.
    let (mut targets, not_run) = inline::targets(&lab.manifest, addr.port());
    if !via.connect_by_name {
        for target in &mut targets {
            target.connect_port = 443;
        }
    }
    let setup = Setup {
        mode: AuditMode::Explicit,
        connector,
        targets,
        not_run,
        run: lab.run.clone(),
        domain: root.domain.clone(),
        root: RootInfo {
            path: root.path.display().to_string(),
            created: root.created,
            sha256: crate::chain::sha256_hex(&root.der),
        },
        openssl: lab.openssl.clone(),
        proxy: Some(via.proxy.to_string()),
        listen: via.listen.to_string(),
        origins: addr.to_string(),
    };
    let proxy = via.proxy.to_string();
    let observations = gather(request, &setup)
        .await
        .map_err(|source| Error::Proxy { proxy, source })?;
    let records = lab
        .origins()
        .iter()
        .map(|origin| (origin.chain.case, origin.log.connections()))
        .collect();
    Ok(conclude(request, &setup, observations, records, None, at).await)
}

/// Runs the audit through an inline box: reads the manifest of the origins `audit-proxy
/// serve` runs at `origins`, probes every case straight at them (the box in the path does what
/// it does), asks the origins for what reached them from the box's address, grades.
pub async fn audit_transparent(
    request: &AuditRequest,
    origins: &inline::OriginsAt,
    domain: &str,
    at: OffsetDateTime,
) -> Result<AuditReport, Error> {
    let started = std::time::Instant::now();
    let connector = Connector::new(
        NetOptions {
            connect_to: origins.routes(domain),
            timeout: request.timeout,
            ..NetOptions::default()
        },
        Arc::clone(&request.resolver),
    );
    let manifest = inline::manifest(&connector, origins, domain).await?;
    let (targets, not_run) = inline::targets(&manifest, origins.port);
    let setup = Setup {
        mode: AuditMode::Transparent,
        connector,
        targets,
        not_run,
        run: crate::lab::audit::run_token()?,
        domain: domain.to_owned(),
        root: RootInfo {
            path: origins.root_url(),
            created: false,
            sha256: manifest.audit_root_sha256.clone(),
        },
        openssl: manifest.openssl.clone(),
        proxy: None,
        listen: origins.to_string(),
        origins: origins.to_string(),
    };
    let observations = gather(request, &setup)
        .await
        .map_err(|source| Error::Origins {
            origins: origins.to_string(),
            reason: source.to_string(),
        })?;
    let fetched = inline::records(&setup.connector, &setup, started.elapsed()).await;
    let attribution = Some(fetched.attribution);
    Ok(conclude(
        request,
        &setup,
        observations,
        fetched.records,
        attribution,
        at,
    )
    .await)
}

/// What the probes need of the origins, wherever they run.
struct Setup {
    mode: AuditMode,
    connector: Connector,
    targets: Vec<CaseTarget>,
    not_run: Vec<(AuditCase, String)>,
    /// This run's token: every request names it, and the origins' answers echo it.
    run: String,
    domain: String,
    root: RootInfo,
    openssl: Option<String>,
    proxy: Option<String>,
    listen: String,
    origins: String,
}

/// One case as the probes reach it.
struct CaseTarget {
    case: AuditCase,
    leaf_sha256: String,
    marker: String,
    /// The port the origins listen on (named in `Host`).
    port: u16,
    /// The port the connection (or the CONNECT) goes to.
    connect_port: u16,
}

/// Probes every case; the cases not run join the observations, in case order.
async fn gather(
    request: &AuditRequest,
    setup: &Setup,
) -> Result<Vec<(AuditCase, Observation)>, crate::net::Error> {
    let mut observations = probe_all(request, setup).await?;
    observations.extend(
        setup
            .not_run
            .iter()
            .map(|(case, why)| (*case, probe::not_run(why))),
    );
    observations.sort_by_key(|(case, _)| AuditCase::ALL.iter().position(|all| all == case));
    Ok(observations)
}

/// From what the probes saw (`observations`) and what the origins recorded (`records`) to the
/// report: tunnels found, both legs, each case, the verdict.
async fn conclude(
    request: &AuditRequest,
    setup: &Setup,
    mut observations: Vec<(AuditCase, Observation)>,
    records: Vec<(AuditCase, Vec<UpstreamConnection>)>,
    attribution: Option<String>,
    at: OffsetDateTime,
) -> AuditReport {
    let own = own_hello(&setup.domain, request.timeout).await;
    find_tunnels(&mut observations, &records, own.as_ref());
    // A tunnelled case's origin saw this machine's ClientHello, not the proxy's.
    let tunnelled: Vec<AuditCase> = observations
        .iter()
        .filter(|(_, seen)| seen.outcome == Outcome::PassedThrough)
        .map(|(case, _)| *case)
        .collect();
    let proxied: Vec<_> = records
        .iter()
        .filter(|(case, _)| !tunnelled.contains(case))
        .cloned()
        .collect();
    let mut upstream = upstream_leg(&proxied, &setup.domain);
    upstream.passed_through = tunnelled.iter().map(|case| case.name()).collect();
    let mut client = client_leg(&observations, &upstream);
    let altered: Vec<&str> = observations
        .iter()
        .filter(|(_, seen)| seen.answer.is_some())
        .map(|(case, _)| case.name())
        .collect();
    if !altered.is_empty() {
        client.differences.push(format!(
            "the origins' answers arrived altered for {} case(s): {}",
            altered.len(),
            altered.join(", ")
        ));
    }
    let cases: Vec<CaseResult> = observations
        .iter()
        .map(|(case, seen)| {
            let connections = records
                .iter()
                .find(|(recorded, _)| recorded == case)
                .map_or(&[][..], |(_, connections)| connections.as_slice());
            case_result(*case, &setup.domain, seen, connections)
        })
        .collect();
    let verdict = verdict(&cases, &upstream, &client, &observations, setup);
    AuditReport {
        schema_version: AUDIT_SCHEMA_VERSION,
        command: "audit-proxy",
        at,
        mode: setup.mode,
        proxy: setup.proxy.clone(),
        listen: setup.listen.clone(),
        origins: setup.origins.clone(),
        attribution,
        audit_root: setup.root.clone(),
        cases,
        upstream,
        client,
        openssl: setup.openssl.clone(),
        verdict,
    }
}

/// This machine's own ClientHello, as the probes send it: one handshake to a listener on
/// 127.0.0.1 that reads the hello and closes.
async fn own_hello(domain: &str, timeout: Duration) -> Option<ClientHelloSummary> {
    let listener = tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))
        .await
        .ok()?;
    let addr = listener.local_addr().ok()?;
    let host = Host::Dns(AuditCase::Good.host(domain));
    let reader = async {
        let (mut stream, _) = listener.accept().await.ok()?;
        crate::lab::audit::client_hello(&mut stream).await
    };
    // The reader closes once it has the hello, which ends the handshake.
    let writer = async {
        if let Ok(stream) = tokio::net::TcpStream::connect(addr).await {
            let _ = crate::net::handshake(stream, addr, &host, &crate::net::Recorder::new()).await;
        }
    };
    let (hello, ()) = tokio::time::timeout(timeout, async { tokio::join!(reader, writer) })
        .await
        .ok()?;
    parse_client_hello(&hello?).ok()
}

/// A case that looked refused may have been tunnelled: the proxy passed this machine's
/// ClientHello to the origin (which recorded it) and this machine's TLS refused the origin
/// (a weak-upstream case). Those are passed through. Unless the proxy's own hellos (the
/// forged cases') look like this machine's, when the two cannot be told apart.
fn find_tunnels(
    observations: &mut [(AuditCase, Observation)],
    records: &[(AuditCase, Vec<UpstreamConnection>)],
    own: Option<&ClientHelloSummary>,
) {
    let Some(own) = own.map(ClientHelloSummary::shape) else {
        return;
    };
    let shapes = |case: &AuditCase| -> Vec<String> {
        records
            .iter()
            .filter(|(recorded, _)| recorded == case)
            .flat_map(|(_, connections)| connections)
            .filter_map(|connection| connection.client_hello.as_deref())
            .filter_map(|bytes| parse_client_hello(bytes).ok())
            .map(|hello| hello.shape())
            .collect()
    };
    let forged = |seen: &Observation| {
        matches!(
            seen.outcome,
            Outcome::ForgedTrusted | Outcome::ForgedUntrusted
        )
    };
    let proxy_looks_like_us = observations
        .iter()
        .filter(|(_, seen)| forged(seen))
        .any(|(case, _)| shapes(case).contains(&own));
    if proxy_looks_like_us {
        return;
    }
    for (case, seen) in observations.iter_mut() {
        if seen.outcome == Outcome::Blocked && shapes(case).contains(&own) {
            seen.outcome = Outcome::PassedThrough;
            seen.detail = format!(
                "tunnelled: the origin received this machine's own ClientHello, and this \
                 machine's TLS ended the handshake ({})",
                seen.detail
            );
        }
    }
}

/// Probes every case, a few at a time, in case order.
async fn probe_all(
    request: &AuditRequest,
    setup: &Setup,
) -> Result<Vec<(AuditCase, Observation)>, crate::net::Error> {
    let semaphore = Arc::new(Semaphore::new(request.concurrency.max(1)));
    let anchors = Arc::new(request.anchors.clone());
    let mut tasks = tokio::task::JoinSet::new();
    for (index, target) in setup.targets.iter().enumerate() {
        let case = target.case;
        let (semaphore, anchors, connector, clock) = (
            Arc::clone(&semaphore),
            Arc::clone(&anchors),
            setup.connector.clone(),
            Arc::clone(&request.clock),
        );
        let (leaf, marker, run) = (
            target.leaf_sha256.clone(),
            target.marker.clone(),
            setup.run.clone(),
        );
        let (port, connect_port) = (target.port, target.connect_port);
        let host = case.host(&setup.domain);
        tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            let origin = probe::Origin {
                host: &host,
                port,
                connect_port,
                leaf_sha256: &leaf,
                marker: &marker,
                run: &run,
                answers_json: !case.flaw().is_weak_upstream(),
            };
            let seen = probe::probe(&connector, &origin, &anchors, clock.as_ref()).await;
            (index, case, seen)
        });
    }
    let mut observations = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        // A probe task does not panic, and none is cancelled: a panic is a bug, resumed here.
        let (index, case, seen) =
            joined.unwrap_or_else(|error| std::panic::resume_unwind(error.into_panic()));
        match seen {
            Ok(seen) => observations.push((index, case, seen)),
            Err(probe::ProbeError::Proxy(source)) => return Err(source),
        }
    }
    observations.sort_by_key(|(index, _, _)| *index);
    Ok(observations
        .into_iter()
        .map(|(_, case, seen)| (case, seen))
        .collect())
}

fn case_result(
    case: AuditCase,
    domain: &str,
    seen: &Observation,
    upstream: &[UpstreamConnection],
) -> CaseResult {
    let flaw = case.flaw();
    let masked = flaw != Flaw::None && seen.outcome == Outcome::ForgedTrusted;
    // A case not run is not passed: `safe` stays false, and the outcome says why.
    let safe = match flaw {
        Flaw::None => matches!(
            seen.outcome,
            Outcome::ForgedTrusted | Outcome::PassedThrough
        ),
        _ => !masked && seen.outcome != Outcome::NotRun,
    };
    CaseResult {
        case: case.name(),
        host: case.host(domain),
        upstream: case.describe(),
        flaw,
        safe_behaviour: case.safe_behaviour(),
        outcome: seen.outcome,
        detail: seen.detail.clone(),
        safe,
        masked,
        client_tls: seen.tls.clone(),
        presented: seen.certs.clone(),
        problems: seen.problems.clone(),
        upstream_connections: upstream.len(),
        upstream_handshake: upstream_handshake(upstream),
        answer_altered: seen.answer.clone(),
    }
}

/// The upstream handshake in words: the first that completed, else the last attempt.
fn upstream_handshake(connections: &[UpstreamConnection]) -> Option<String> {
    let connection = connections
        .iter()
        .find(|connection| connection.completed)
        .or_else(|| connections.last())?;
    let chose = match (&connection.version, &connection.cipher_suite) {
        (Some(version), Some(suite)) => format!("{version} {suite}"),
        (Some(version), None) => version.clone(),
        _ => "no ServerHello".to_owned(),
    };
    Some(match (connection.completed, &connection.error) {
        (true, _) => format!("{chose}, completed"),
        (false, Some(error)) => format!("{chose}, not completed: {error}"),
        (false, None) => format!("{chose}, not completed"),
    })
}

fn verdict(
    cases: &[CaseResult],
    upstream: &UpstreamLeg,
    client: &ClientLeg,
    observations: &[(AuditCase, Observation)],
    setup: &Setup,
) -> Verdict {
    let good = cases
        .iter()
        .find(|result| result.case == AuditCase::Good.name());
    let root_file = if setup.root.path.is_empty() {
        "the audit root".to_owned()
    } else {
        setup.root.path.clone()
    };
    match good.map(|result| result.outcome) {
        Some(Outcome::Blocked) | None => {
            return Verdict::NotGraded {
                reason: format!(
                    "the proxy refused the good case ({}); the likely cause is that it does not \
                     trust the audit root upstream",
                    good.map_or("not probed", |result| result.detail.as_str())
                ),
                advice: format!(
                    "import {root_file} into the proxy's upstream trust store (mitmproxy: --set \
                     ssl_verify_upstream_trusted_ca={root_file}; an appliance: its trusted CA list) \
                     and run the audit again with the same --lab-dir"
                ),
            };
        }
        Some(Outcome::ForgedUntrusted) => {
            return Verdict::NotGraded {
                reason: format!(
                    "this machine does not trust the CA the proxy forges with ({})",
                    client
                        .ca
                        .as_ref()
                        .map_or("unknown", |ca| ca.subject.as_str())
                ),
                advice: "run the audit where the proxy's clients run, or pass the proxy's root \
                         certificate with --ca-file: a forgery can only mask a problem for a \
                         client that trusts it"
                    .to_owned(),
            };
        }
        _ => {}
    }
    if client.forged == 0 {
        return Verdict::NotIntercepting {
            note: "no case came back forged: nothing in the path intercepted TLS (it was passed \
                   through untouched, or refused); there is no interception to grade"
                .to_owned(),
        };
    }
    let masked: Vec<Masked> = cases
        .iter()
        .filter(|result| result.masked)
        .map(|result| Masked {
            case: result.case.to_owned(),
            flaw: result.flaw,
        })
        .collect();
    match grade(&upstream.hellos, &masked, &client.flaws(observations)) {
        Some(grading) => Verdict::Graded(grading),
        None => Verdict::NotGraded {
            reason: "no ClientHello from the proxy reached the lab's origins: the upstream leg \
                     cannot be judged"
                .to_owned(),
            advice: "check that the proxy can reach the --listen address".to_owned(),
        },
    }
}
