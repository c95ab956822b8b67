//! The client leg of one case: connect through the proxy (CONNECT to the case's origin, SNI the
//! case's name), capture whatever chain comes back, ask for the probe path and look for the origin's
//! marker — then say what the proxy did: blocked, passed through, or forged (and whether this
//! machine would trust the forgery, judged by the same `validate` as `check`).

use rustls_pki_types::CertificateDer;
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::chain::CertInfo;
use crate::chain::sha256_hex;
use crate::clock::Clock;
use crate::finding::{FindingCode, Severity};
use crate::lab::audit::wire::ProbeAnswer;
use crate::lab::audit::{MARKER_HEADER, PROBE_PATH};
use crate::net::http::{self, Method};
use crate::net::{self, Connector, Recorder, Step, TlsFacts, handshake};
use crate::target::{Host, Scheme, header_authority};
use crate::validate::{AiaOutcome, Anchors, Trust, ValidationInput, validate};

/// The largest answer body read.
const MAX_BODY: usize = 64 * 1024;

/// What the proxy did with one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Nothing of the origin reached this machine: CONNECT refused, alert, close, timeout, or a
    /// block page.
    Blocked,
    /// The origin's own chain reached this machine.
    PassedThrough,
    /// A chain from the proxy's CA that this machine trusts.
    ForgedTrusted,
    /// A chain from the proxy that this machine would reject.
    ForgedUntrusted,
    /// The case could not be served on this machine (the detail says why): not probed.
    NotRun,
}

/// What one probe saw.
#[derive(Debug, Clone)]
pub struct Observation {
    /// The classification.
    pub outcome: Outcome,
    /// How it came about, in words.
    pub detail: String,
    /// What the client leg negotiated, when the handshake completed.
    pub tls: Option<TlsFacts>,
    /// The chain presented, parsed (empty when none was).
    pub certs: Vec<CertInfo>,
    /// The error findings this machine's validation raised against a forged chain.
    pub problems: Vec<FindingCode>,
    /// The anchor a trusted forged chain was built to: subject and SPKI SHA-256.
    pub anchor: Option<(String, String)>,
    /// Whether the origin's marker came back.
    pub reached_origin: bool,
    /// How the origin's answer arrived altered, when it did.
    pub answer: Option<String>,
}

/// Why a probe could not be carried out at all (the audit stops).
#[derive(Debug, thiserror::Error)]
pub(super) enum ProbeError {
    /// The proxy could not be reached or asked for credentials.
    #[error(transparent)]
    Proxy(net::Error),
}

/// A forgery is judged at the instant it arrived plus this leeway: a proxy that mints its leaf
/// with `notBefore` = the handshake's second, on a clock slightly ahead of this one, is not
/// signalling anything.
pub(super) const FORGERY_LEEWAY: Duration = Duration::seconds(60);

/// One case's origin, as a probe needs it.
pub(super) struct Origin<'a> {
    /// The case's name (SNI and CONNECT by name).
    pub(super) host: &'a str,
    /// The port its origin listens on, named in `Host` (RFC 9110 §7.2: a proxy that pins the
    /// tunnel to its CONNECT authority refuses a request naming another port — Squid's
    /// `ERR_CANNOT_FORWARD`).
    pub(super) port: u16,
    /// The port the tunnel is opened to: the origin's own when connecting by name, else 443
    /// (routed to the origin's address by a `--connect-to` rule).
    pub(super) connect_port: u16,
    /// The SHA-256 of the leaf it serves (a pass-through shows it).
    pub(super) leaf_sha256: &'a str,
    /// What its answers carry.
    pub(super) marker: &'a str,
    /// The run's token, sent with the request; the origin's JSON answer echoes it.
    pub(super) run: &'a str,
    /// Whether its answer is the JSON of [`crate::lab::audit::wire::ProbeAnswer`] (every
    /// origin but `s_server`'s, whose page is a file).
    pub(super) answers_json: bool,
}

/// Probes one case; a forged chain is judged at the instant it arrived, read from `clock`,
/// plus [`FORGERY_LEEWAY`].
pub(super) async fn probe(
    connector: &Connector,
    origin: &Origin<'_>,
    anchors: &Anchors,
    clock: &dyn Clock,
) -> Result<Observation, ProbeError> {
    let (port, origin_leaf, marker) = (origin.port, origin.leaf_sha256, origin.marker);
    let host = Host::Dns(origin.host.to_owned());
    let connected = match connector
        .open(&host, origin.connect_port, Scheme::Https)
        .await
    {
        Ok(connected) => connected,
        Err(error) => return blocked_or_fatal(error),
    };
    let recorder = Recorder::new();
    let shaken = connector
        .bounded(
            Step::TlsHandshake,
            handshake(connected.stream, connected.peer, &host, &recorder),
        )
        .await
        .and_then(|result| result);
    let chain = recorder.take().chain;
    let received = clock.now();
    let (tls, answer) = match shaken {
        Ok((mut stream, facts)) => {
            let host_header = header_authority(&host, port, Scheme::Https);
            // `s_server -HTTP` serves files: its page is asked for by its name alone.
            let target = if origin.answers_json {
                format!("{PROBE_PATH}?run={}", origin.run)
            } else {
                PROBE_PATH.to_owned()
            };
            let exchange = http::request(&mut stream, Method::Get, &target, &host_header, MAX_BODY);
            let answer = connector
                .bounded(Step::HttpGet, exchange)
                .await
                .and_then(|result| result.map_err(net::Error::from));
            (Some(facts), Some(answer))
        }
        Err(error) if chain.is_empty() => {
            return Ok(observation(
                Outcome::Blocked,
                format!("no certificate: {error}"),
            ));
        }
        Err(error) => (None, Some(Err(error))),
    };
    let reached_origin = matches!(&answer, Some(Ok(response)) if carries_marker(response, marker));
    let mut seen = judge(
        &chain,
        origin_leaf,
        &host,
        anchors,
        received + FORGERY_LEEWAY,
    );
    seen.tls = tls;
    seen.reached_origin = reached_origin;
    if let (true, true, Some(Ok(response))) = (reached_origin, origin.answers_json, &answer) {
        seen.answer = check_answer(response, origin);
    }
    if seen.outcome == Outcome::ForgedTrusted && !reached_origin {
        seen.outcome = Outcome::Blocked;
        seen.detail = match answer {
            Some(Ok(response)) => format!(
                "a page of the proxy's own over a forged certificate: {}",
                what_the_proxy_said(&response)
            ),
            Some(Err(error)) => format!("forged a certificate, then ended the exchange: {error}"),
            None => "forged a certificate, then ended the exchange".to_owned(),
        };
    }
    Ok(seen)
}

/// A proxy's own answer in a line: its status, an error header it sets (`X-Squid-Error`, any
/// `X-…-Error`), and its page's title.
fn what_the_proxy_said(response: &http::Response) -> String {
    let mut said = response.status_line.clone();
    for (name, value) in &response.headers {
        let lower = name.to_ascii_lowercase();
        if lower.starts_with("x-") && lower.contains("error") {
            said.push_str(&format!("; {name}: {value}"));
        }
    }
    const OPEN: &str = "<title>";
    let page = String::from_utf8_lossy(&response.body);
    let lower = page.to_ascii_lowercase();
    if let Some(start) = lower.find(OPEN).map(|at| at + OPEN.len())
        && let Some(length) = lower[start..].find("</title>")
    {
        let title: String = page[start..start + length]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(120)
            .collect();
        if !title.is_empty() {
            said.push_str(&format!("; page title \"{title}\""));
        }
    }
    said
}

/// A CONNECT the proxy refused is a block; a proxy that cannot be reached (or wants
/// credentials) stops the audit.
fn blocked_or_fatal(error: net::Error) -> Result<Observation, ProbeError> {
    match error {
        net::Error::ProxyRefused { status_line, .. } => Ok(observation(
            Outcome::Blocked,
            format!("the proxy refused the CONNECT: {status_line}"),
        )),
        net::Error::ProxyBroken { source, .. } => Ok(observation(
            Outcome::Blocked,
            format!("the proxy ended the CONNECT: {source}"),
        )),
        net::Error::Timeout { step, secs } => Ok(observation(
            Outcome::Blocked,
            format!("no answer to the {step} within {secs}s"),
        )),
        other => Err(ProbeError::Proxy(other)),
    }
}

/// Classifies a presented chain.
fn judge(
    chain: &[CertificateDer<'static>],
    origin_leaf_sha256: &str,
    host: &Host,
    anchors: &Anchors,
    at: OffsetDateTime,
) -> Observation {
    let validation = validate(&ValidationInput {
        chain,
        host: Some(host),
        at,
        anchors,
        aia: AiaOutcome::NotTried,
    });
    let problems: Vec<FindingCode> = validation
        .findings
        .iter()
        .filter(|finding| finding.severity == Severity::Error)
        .map(|finding| finding.code)
        .collect();
    let mut seen = observation(Outcome::Blocked, String::new());
    seen.certs = validation.certs;
    if chain
        .first()
        .is_some_and(|leaf| sha256_hex(leaf) == origin_leaf_sha256)
    {
        seen.outcome = Outcome::PassedThrough;
        seen.detail = "the origin's own certificate reached this machine".to_owned();
        return seen;
    }
    let trusted = matches!(validation.trust, Trust::Trusted { .. }) && problems.is_empty();
    if let Trust::Trusted {
        anchor_subject,
        anchor_spki_sha256,
        ..
    } = &validation.trust
    {
        seen.anchor = Some((anchor_subject.clone(), anchor_spki_sha256.clone()));
    }
    if trusted {
        seen.outcome = Outcome::ForgedTrusted;
        seen.detail = "forged by the proxy; this machine trusts the forgery, so it cannot see \
                       what the origin presented"
            .to_owned();
    } else {
        let codes: Vec<&str> = problems.iter().map(|code| code.as_str()).collect();
        seen.outcome = Outcome::ForgedUntrusted;
        seen.detail = format!(
            "forged by the proxy; this machine would reject it ({})",
            if codes.is_empty() {
                "not trusted".to_owned()
            } else {
                codes.join(", ")
            }
        );
    }
    seen.problems = problems;
    seen
}

/// A case that could not be served here, with why.
pub(super) fn not_run(why: &str) -> Observation {
    observation(Outcome::NotRun, format!("not run: {why}"))
}

fn observation(outcome: Outcome, detail: String) -> Observation {
    Observation {
        outcome,
        detail,
        tls: None,
        certs: Vec::new(),
        problems: Vec::new(),
        anchor: None,
        reached_origin: false,
        answer: None,
    }
}

/// What is wrong with the origin's JSON answer, when something is: not the document the origin
/// writes (the box rewrote or stripped the body), another case's, or not this run's.
fn check_answer(response: &http::Response, origin: &Origin<'_>) -> Option<String> {
    let Ok(answer) = serde_json::from_slice::<ProbeAnswer>(&response.body) else {
        return Some(if response.body.is_empty() {
            "the origin's answer arrived without its body (the box stripped it)".to_owned()
        } else {
            format!(
                "the origin's answer arrived altered: its body is not the JSON the origin \
                 writes ({} bytes{})",
                response.body.len(),
                response
                    .header("content-type")
                    .map(|kind| format!(", {kind}"))
                    .unwrap_or_default()
            )
        });
    };
    if answer.marker != origin.marker {
        return Some(format!(
            "the answer is another origin's ({}): the box did not pass the case's name (SNI) on",
            answer.case
        ));
    }
    if answer.run.as_deref() != Some(origin.run) {
        return Some(
            "the answer does not echo this run's token (a replayed or cached answer)".into(),
        );
    }
    None
}

/// Whether an answer came from the origin: its marker, in the header or (for proxies that
/// drop unknown headers) the body.
fn carries_marker(response: &http::Response, marker: &str) -> bool {
    response.header(MARKER_HEADER) == Some(marker)
        || memchr::memmem::find(&response.body, marker.as_bytes()).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proxy_page_is_said_with_its_error_header_and_title() {
        let response = http::Response {
            status: 503,
            status_line: "HTTP/1.1 503 Service Unavailable".to_owned(),
            headers: vec![
                ("Server".to_owned(), "squid/5.7".to_owned()),
                (
                    "X-Squid-Error".to_owned(),
                    "ERR_CANNOT_FORWARD 0".to_owned(),
                ),
            ],
            body: b"<html><head><TITLE>ERROR: The requested URL could not\n be retrieved</TITLE>"
                .to_vec(),
        };
        assert_eq!(
            what_the_proxy_said(&response),
            "HTTP/1.1 503 Service Unavailable; X-Squid-Error: ERR_CANNOT_FORWARD 0; page title \
             \"ERROR: The requested URL could not be retrieved\""
        );
    }
}
