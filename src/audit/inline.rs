//! The transparent audit's side of the wire: where the origins of `audit-proxy serve` are
//! (`--origins HOST[:PORT]`), their manifest (read from their plain-HTTP port: the domain, the
//! instance token of their markers, each case's leaf, the cases they could not serve), and the
//! records of what reached them from the box's address, asked for through the box itself on
//! the `good` case once every probe is done.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use super::{CaseTarget, Setup};
use crate::lab::audit::wire::{
    MANIFEST_PATH, MAX_RECORD_WINDOW_SECS, Manifest, RECORDS_PATH, ROOT_PATH, RecordsAnswer,
    WIRE_VERSION,
};
use crate::lab::audit::{AuditCase, UpstreamConnection, marker};
use crate::net::http::{self, Method};
use crate::net::{ConnectTo, Connector, Recorder, Step, handshake};
use crate::target::{Host, Scheme, header_authority, split_host_port};

/// The largest manifest or records answer read.
const MAX_ANSWER: usize = 1024 * 1024;
/// The origins' plain-HTTP port, unless told otherwise.
pub const DEFAULT_HTTP_PORT: u16 = 80;

/// Where the origins of `audit-proxy serve` run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginsAt {
    /// Their host: an address (every case name is routed to it) or a name (the cases' names
    /// resolve as any client's would: the audit domain's wildcard record).
    pub host: Host,
    /// Their TLS port (443).
    pub port: u16,
    /// Their plain-HTTP port: manifest, CRL, OCSP and audit root (80).
    pub http_port: u16,
    /// `--connect-to` rules, tried before the address route.
    pub connect_to: Vec<ConnectTo>,
}

impl FromStr for OriginsAt {
    type Err = String;

    /// `HOST[:PORT]`, `[v6]:PORT`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (host, port) = split_host_port(text).map_err(|error| format!("{text:?}: {error}"))?;
        Ok(Self {
            host: host.parse().map_err(|error| format!("{text:?}: {error}"))?,
            port: port.unwrap_or(443),
            http_port: DEFAULT_HTTP_PORT,
            connect_to: Vec::new(),
        })
    }
}

impl fmt::Display for OriginsAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

impl OriginsAt {
    /// The routes of the probes: the `--connect-to` rules, then (origins at an address) every
    /// case name to it.
    pub(super) fn routes(&self, domain: &str) -> Vec<ConnectTo> {
        let mut routes = self.connect_to.clone();
        if let Host::Ip(ip) = self.host {
            routes.extend(AuditCase::ALL.iter().map(|case| {
                ConnectTo::new(
                    Host::Dns(case.host(domain)),
                    self.port,
                    std::net::SocketAddr::new(ip, self.port),
                )
            }));
        }
        routes
    }

    /// Where the audit root is published.
    pub(super) fn root_url(&self) -> String {
        format!("http://{}{}", self.http_authority(), ROOT_PATH)
    }

    fn http_authority(&self) -> String {
        header_authority(&self.host, self.http_port, Scheme::Http)
    }
}

/// Reads the origins' manifest and checks it names `domain`.
pub(super) async fn manifest(
    connector: &Connector,
    origins: &OriginsAt,
    domain: &str,
) -> Result<Manifest, super::Error> {
    let fail = |reason: String| super::Error::Origins {
        origins: origins.to_string(),
        reason,
    };
    let url = format!("http://{}{MANIFEST_PATH}", origins.http_authority());
    let fetched = async {
        let mut connected = connector
            .open(&origins.host, origins.http_port, Scheme::Http)
            .await?;
        connector
            .bounded(
                Step::HttpGet,
                http::request(
                    &mut connected.stream,
                    Method::Get,
                    MANIFEST_PATH,
                    &origins.http_authority(),
                    MAX_ANSWER,
                ),
            )
            .await?
            .map_err(crate::net::Error::from)
    };
    let response = fetched
        .await
        .map_err(|error: crate::net::Error| fail(format!("cannot read {url}: {error}")))?;
    if response.status == 503 {
        return Err(fail(format!(
            "{url} answered {}: the origins are still starting; try again in a few seconds",
            response.status_line
        )));
    }
    if response.status != 200 {
        return Err(fail(format!(
            "{url} answered {} (is `tlsinspect audit-proxy serve` running there?)",
            response.status_line
        )));
    }
    let manifest: Manifest = serde_json::from_slice(&response.body).map_err(|error| {
        fail(format!(
            "{url} is not the manifest of `audit-proxy serve`: {error}"
        ))
    })?;
    if manifest.tlsinspect_audit != WIRE_VERSION {
        return Err(fail(format!(
            "{url} is version {} of the manifest; this tlsinspect reads version {WIRE_VERSION}",
            manifest.tlsinspect_audit
        )));
    }
    if manifest.domain != domain {
        return Err(fail(format!(
            "the origins serve the domain {}, not {domain}: pass --domain {}",
            manifest.domain, manifest.domain
        )));
    }
    Ok(manifest)
}

/// The cases to probe and the cases the origins could not serve, from a manifest — the one
/// `serve` publishes, or the local lab's for an explicit audit (cases it does not name are not
/// run: the origins are another version).
pub(super) fn targets(
    manifest: &Manifest,
    port: u16,
) -> (Vec<CaseTarget>, Vec<(AuditCase, String)>) {
    let mut targets = Vec::new();
    let mut not_run = Vec::new();
    for case in AuditCase::ALL {
        match manifest
            .cases
            .iter()
            .find(|entry| entry.case == case.name())
        {
            Some(entry) if entry.not_run.is_none() && !entry.leaf_sha256.is_empty() => targets
                .push(CaseTarget {
                    case,
                    leaf_sha256: entry.leaf_sha256.clone(),
                    marker: marker(case.name(), &manifest.instance),
                    port,
                    connect_port: port,
                }),
            Some(entry) => not_run.push((
                case,
                entry
                    .not_run
                    .clone()
                    .unwrap_or_else(|| "the origins name no leaf for it".to_owned()),
            )),
            None => not_run.push((case, "the origins do not serve this case".to_owned())),
        }
    }
    (targets, not_run)
}

/// The records the origins kept, by case, and how they were attributed.
pub(super) struct Fetched {
    pub(super) records: Vec<(AuditCase, Vec<UpstreamConnection>)>,
    pub(super) attribution: String,
}

/// A run's window on the origins' clock: its duration here, rounded up, plus this much for a
/// records request that crosses the box more slowly than the run's first connection did.
const WINDOW_MARGIN_SECS: u64 = 2;

/// Asks the origins, through the path the probes took (the `good` case), for every connection
/// that reached them from the address that request arrives from, over the run's duration
/// (`elapsed` since the run started). What could not be fetched is said in the attribution,
/// and the records are empty.
pub(super) async fn records(connector: &Connector, setup: &Setup, elapsed: Duration) -> Fetched {
    let window = elapsed
        .as_secs()
        .saturating_add(1 + WINDOW_MARGIN_SECS)
        .min(MAX_RECORD_WINDOW_SECS);
    let Some(good) = setup
        .targets
        .iter()
        .find(|target| target.case == AuditCase::Good)
    else {
        return unattributed("the origins do not serve the good case".to_owned());
    };
    let host = Host::Dns(good.case.host(&setup.domain));
    let target = format!("{RECORDS_PATH}?run={}&seconds={window}", setup.run);
    let asked = async {
        let connected = connector
            .open(&host, good.connect_port, Scheme::Https)
            .await?;
        let (mut stream, _) = connector
            .bounded(
                Step::TlsHandshake,
                handshake(connected.stream, connected.peer, &host, &Recorder::new()),
            )
            .await??;
        connector
            .bounded(
                Step::HttpGet,
                http::request(
                    &mut stream,
                    Method::Get,
                    &target,
                    &header_authority(&host, good.port, Scheme::Https),
                    MAX_ANSWER,
                ),
            )
            .await?
            .map_err(crate::net::Error::from)
    };
    let response = match asked.await {
        Ok(response) => response,
        Err(error) => {
            return unattributed(format!(
                "the origins' records could not be fetched through the path: {error}"
            ));
        }
    };
    let Ok(answer) = serde_json::from_slice::<RecordsAnswer>(&response.body) else {
        return unattributed(format!(
            "the answer to the records request is not the origins' ({}): the box answered it \
             itself or altered it",
            response.status_line
        ));
    };
    if answer.run.as_deref() != Some(setup.run.as_str()) {
        return unattributed("the records answer does not echo this run's token".to_owned());
    }
    let mut records: Vec<(AuditCase, Vec<UpstreamConnection>)> = Vec::new();
    for record in &answer.records {
        let Some(case) = AuditCase::from_name(&record.case) else {
            continue;
        };
        let connection = UpstreamConnection::from_record(&record.connection);
        match records.iter_mut().find(|(known, _)| *known == case) {
            Some((_, connections)) => connections.push(connection),
            None => records.push((case, vec![connection])),
        }
    }
    Fetched {
        attribution: format!(
            "the origins returned {} connections that came from {} (the address the box \
             connects from) within the last {} s; a connection from another address (a box \
             with several) is not seen, and another audit from the same address in that time \
             would be counted too",
            answer.records.len(),
            answer.requester,
            answer.window_secs
        ),
        records,
    }
}

fn unattributed(why: String) -> Fetched {
    Fetched {
        records: Vec::new(),
        attribution: why,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_a_host_and_a_port_443_by_default() {
        let origins: OriginsAt = "10.99.2.10".parse().unwrap();
        assert_eq!(origins.port, 443);
        assert_eq!(origins.to_string(), "10.99.2.10:443");
        assert_eq!(
            origins.root_url(),
            "http://10.99.2.10/audit-root.pem".to_owned()
        );
        let named: OriginsAt = "origins.example.net:8443".parse().unwrap();
        assert_eq!(named.port, 8443);
        assert!(named.routes("audit.example.net").is_empty());
        assert_eq!(
            origins.routes("audit.example.net").len(),
            AuditCase::ALL.len()
        );
        assert!("bad host:x".parse::<OriginsAt>().is_err());
    }
}
