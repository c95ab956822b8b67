//! Elastic Common Schema events (`--format ecs`): one NDJSON event per endpoint, in ECS field
//! names where ECS has one (`url`, `destination`, `tls`, `tls.server.x509`, `event`) and every
//! tlsinspect fact under `tlsinspect.*`, so Elastic, OpenSearch and Splunk index it as is. The
//! mapping is tabled in the README. No JA3S: the ServerHello's extension order is not recorded,
//! and a fingerprint computed without it would be wrong.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::chain::CertInfo;
use crate::clock::rfc3339;
use crate::clock::serde_time;
use crate::report::{Destination, EndpointReport, HttpFacts, Report, SCHEMA_VERSION, Status};

/// The ECS version the events follow.
pub const ECS_VERSION: &str = "8.11.0";

/// Writes one event per endpoint of `report`. `now` stamps `@timestamp` (when the event was
/// written: `--at` moves `tlsinspect.evaluated_at`, never the event time).
pub fn write_ecs(report: &Report, out: &mut impl Write, now: OffsetDateTime) -> io::Result<()> {
    for (id, endpoint) in report.endpoints.iter().enumerate() {
        let event = endpoint_event(report, id, endpoint, now);
        super::json::write_compact(&event, &mut *out)?;
        writeln!(out)?;
    }
    Ok(())
}

/// One endpoint as an ECS event.
fn endpoint_event(
    report: &Report,
    id: usize,
    endpoint: &EndpointReport,
    now: OffsetDateTime,
) -> Value {
    let headline = endpoint
        .headline
        .and_then(|code| endpoint.findings.iter().find(|f| f.code == code));
    let mut event = Map::new();
    event.insert("@timestamp".into(), json!(rfc3339(now)));
    event.insert("ecs".into(), json!({ "version": ECS_VERSION }));
    event.insert("message".into(), json!(message(endpoint)));
    event.insert(
        "event".into(),
        json!({
            "kind": if endpoint.status == Status::Error { "alert" } else { "event" },
            "category": ["network"],
            "type": ["connection", "info"],
            "outcome": match endpoint.status {
                Status::Error => "failure",
                Status::Ok | Status::Warning => "success",
            },
            "module": "tlsinspect",
            "dataset": format!("tlsinspect.{}", report.command),
            "duration": endpoint.elapsed_ms.saturating_mul(1_000_000),
            "code": endpoint.headline.map(|code| code.as_str()),
            "reason": headline.map(|finding| finding.message.as_str()),
        }),
    );
    event.insert(
        "log".into(),
        json!({ "level": match endpoint.status {
            Status::Error => "error",
            Status::Warning => "warning",
            Status::Ok => "info",
        }}),
    );
    if endpoint.scheme.is_some() {
        event.insert("url".into(), url(endpoint));
    }
    if let Some(destination) = destination(endpoint) {
        event.insert("destination".into(), destination);
    }
    if let Some(tls) = tls(endpoint) {
        event.insert("tls".into(), tls);
    }
    event.insert("tlsinspect".into(), facts(report, id, endpoint));
    strip_nulls(Value::Object(event))
}

/// `https://host:port/ FAIL expired: the message` — the line a SIEM shows.
fn message(endpoint: &EndpointReport) -> String {
    let status = match endpoint.status {
        Status::Error => "FAIL",
        Status::Warning => "WARN",
        Status::Ok => "OK",
    };
    let headline = endpoint
        .headline
        .and_then(|code| endpoint.findings.iter().find(|f| f.code == code));
    match headline {
        Some(finding) => format!(
            "{} {status} {}: {}",
            endpoint.target, finding.code, finding.message
        ),
        None => format!("{} {status}", endpoint.target),
    }
}

fn url(endpoint: &EndpointReport) -> Value {
    json!({
        "full": endpoint.target,
        "scheme": endpoint.scheme.map(|scheme| scheme.as_str()),
        "domain": endpoint.host,
        "port": endpoint.port,
    })
}

/// `destination.*`: the address connected to (the proxy's through a proxy, which
/// `tlsinspect.destination.proxy` then names), and the name asked for.
fn destination(endpoint: &EndpointReport) -> Option<Value> {
    let host = endpoint.host.as_ref()?;
    let peer = endpoint
        .destination
        .as_ref()
        .and_then(|destination| destination.peer.parse::<std::net::SocketAddr>().ok());
    Some(json!({
        "domain": host,
        "address": peer.map_or_else(|| host.clone(), |peer| peer.ip().to_string()),
        "ip": peer.map(|peer| peer.ip().to_string()),
        "port": peer.map_or(endpoint.port, |peer| Some(peer.port())),
    }))
}

/// `tls.*`: the protocol facts and the leaf as `tls.server.x509`.
fn tls(endpoint: &EndpointReport) -> Option<Value> {
    if endpoint.tls.is_none() && endpoint.certificates.is_empty() {
        return None;
    }
    let mut tls = Map::new();
    if let Some(facts) = &endpoint.tls {
        let version = facts.version.strip_prefix("TLSv").unwrap_or(&facts.version);
        tls.insert("version_protocol".into(), json!("tls"));
        tls.insert("version".into(), json!(version));
        tls.insert("cipher".into(), json!(facts.cipher_suite));
        tls.insert("next_protocol".into(), json!(facts.alpn));
        tls.insert("established".into(), json!(true));
        tls.insert("client".into(), json!({ "server_name": facts.sni }));
    } else {
        // A chain was captured but the handshake did not complete.
        tls.insert("established".into(), json!(false));
    }
    if let Some(leaf) = endpoint.certificates.first() {
        let chain: Vec<&str> = endpoint
            .certificates
            .iter()
            .map(|cert| cert.der_base64.as_str())
            .collect();
        tls.insert(
            "server".into(),
            json!({
                "subject": leaf.subject,
                "issuer": leaf.issuer,
                "not_before": rfc3339(leaf.not_before),
                "not_after": rfc3339(leaf.not_after),
                "hash": {
                    "sha256": leaf.sha256.to_uppercase(),
                    "sha1": leaf.sha1.to_uppercase(),
                },
                "certificate_chain": chain,
                "x509": x509(leaf),
            }),
        );
    }
    Some(Value::Object(tls))
}

/// ECS `x509.*` for one certificate.
fn x509(cert: &CertInfo) -> Value {
    let mut names: Vec<&str> = cert.dns_names.iter().map(String::as_str).collect();
    names.extend(cert.ip_addresses.iter().map(String::as_str));
    json!({
        "subject": { "distinguished_name": cert.subject },
        "issuer": { "distinguished_name": cert.issuer },
        "not_before": rfc3339(cert.not_before),
        "not_after": rfc3339(cert.not_after),
        "serial_number": cert.serial.to_uppercase(),
        "signature_algorithm": cert.signature_algorithm,
        "public_key_algorithm": cert.key.algorithm,
        "public_key_size": (cert.key.bits > 0).then_some(cert.key.bits),
        "alternative_names": names,
    })
}

/// `tlsinspect.*`: what ECS has no field for — the verdict, the findings, trust, revocation.
fn facts(report: &Report, id: usize, endpoint: &EndpointReport) -> Value {
    #[derive(Serialize)]
    struct Facts<'a> {
        schema_version: u32,
        command: &'static str,
        profile: Option<&'static str>,
        #[serde(with = "serde_time")]
        evaluated_at: OffsetDateTime,
        id: usize,
        target: &'a str,
        purpose: Option<&'a str>,
        status: Status,
        headline: Option<&'static str>,
        finding_codes: Vec<&'static str>,
        findings: &'a [crate::finding::Finding],
        destination: Option<&'a Destination>,
        http: Option<&'a HttpFacts>,
        http_error: Option<&'a str>,
        trust: Option<&'a crate::validate::Trust>,
        revocation: Option<&'a crate::revocation::RevocationReport>,
        chain_sha256: Vec<&'a str>,
        chain_subjects: Vec<&'a str>,
    }
    let facts = Facts {
        schema_version: SCHEMA_VERSION,
        command: report.command,
        profile: report.profile,
        evaluated_at: report.evaluated_at,
        id,
        target: &endpoint.target,
        purpose: endpoint.purpose.as_deref(),
        status: endpoint.status,
        headline: endpoint.headline.map(|code| code.as_str()),
        finding_codes: endpoint.findings.iter().map(|f| f.code.as_str()).collect(),
        findings: &endpoint.findings,
        destination: endpoint.destination.as_ref(),
        http: endpoint.http.as_ref(),
        http_error: endpoint.http_error.as_deref(),
        trust: endpoint.trust.as_ref(),
        revocation: endpoint.revocation.as_ref(),
        chain_sha256: endpoint
            .certificates
            .iter()
            .map(|c| c.sha256.as_str())
            .collect(),
        chain_subjects: endpoint
            .certificates
            .iter()
            .map(|c| c.subject.as_str())
            .collect(),
    };
    serde_json::to_value(facts).unwrap_or(Value::Null)
}

/// Drops null members (ECS consumers treat a missing field and a null alike; nulls only cost
/// mapping space), and objects left empty.
fn strip_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, value)| !value.is_null())
                .map(|(key, value)| (key, strip_nulls(value)))
                .filter(|(_, value)| !matches!(value, Value::Object(map) if map.is_empty()))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}
