//! What the audit origins say over HTTP, for a client that cannot read their memory (an
//! inline box sits between them, or they run on another machine): the answer to the probe
//! (the case, its marker, the run's token as the request named it, and the connection that
//! carried the request, ClientHello included), the records of the connections that came from
//! the asker's address, and the manifest the origins publish on their plain-HTTP port (the
//! domain, the instance token in every marker, each case's leaf). Both halves read and write
//! these types, so the two ends cannot drift apart.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

/// The version of these documents.
pub const WIRE_VERSION: u32 = 1;
/// The manifest's path on the origins' plain-HTTP port.
pub const MANIFEST_PATH: &str = "/tlsinspect-audit/manifest.json";
/// The audit root's path on the origins' plain-HTTP port (PEM), for the box's administrator.
pub const ROOT_PATH: &str = "/audit-root.pem";
/// The records' path below [`super::PROBE_PATH`].
pub const RECORDS_PATH: &str = "/tlsinspect-audit/records";
/// The most seconds of records one request may ask for.
pub const MAX_RECORD_WINDOW_SECS: u64 = 600;
/// The most records one answer carries (newest kept).
pub const MAX_RECORDS: usize = 256;
/// The longest run token accepted (hex digits).
const MAX_RUN: usize = 32;

/// One connection an origin saw, as it travels.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionRecord {
    /// Where it came from.
    pub peer: Option<SocketAddr>,
    /// The ClientHello handshake message, base64.
    pub client_hello: Option<String>,
    /// The first record's version field.
    pub record_version: Option<u16>,
    /// The version negotiated.
    pub version: Option<String>,
    /// The suite negotiated, IANA name.
    pub cipher_suite: Option<String>,
    /// Whether the handshake completed.
    pub completed: bool,
    /// Why it failed.
    pub error: Option<String>,
}

/// The origin's answer to the probe request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeAnswer {
    /// [`WIRE_VERSION`].
    pub tlsinspect_audit: u32,
    /// The case this origin serves (from the SNI).
    pub case: String,
    /// The case's marker (`case/instance`).
    pub marker: String,
    /// The run token the request named, when it named a valid one.
    pub run: Option<String>,
    /// The connection that carried the request.
    pub connection: ConnectionRecord,
}

/// One record: the case and the connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRecord {
    /// The case whose origin saw it.
    pub case: String,
    /// The connection.
    pub connection: ConnectionRecord,
}

/// The connections that came from the asker's address within the window asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordsAnswer {
    /// [`WIRE_VERSION`].
    pub tlsinspect_audit: u32,
    /// The address the records request came from (the box's, when it forwarded it).
    pub requester: String,
    /// The window, in seconds.
    pub window_secs: u64,
    /// The run token the request named.
    pub run: Option<String>,
    /// Oldest first; the request's own connection is left out.
    pub records: Vec<CaseRecord>,
}

/// One case in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestCase {
    /// The case.
    pub case: String,
    /// The SHA-256 of the leaf its origin serves.
    pub leaf_sha256: String,
    /// Why the origins could not serve it, when they could not.
    pub not_run: Option<String>,
}

/// What the origins publish about themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`WIRE_VERSION`].
    pub tlsinspect_audit: u32,
    /// The domain the cases are named under.
    pub domain: String,
    /// The token in every marker of this instance.
    pub instance: String,
    /// The audit root's SHA-256.
    pub audit_root_sha256: String,
    /// The OpenSSL that serves the weak-upstream cases.
    pub openssl: Option<String>,
    /// Every case, in case order.
    pub cases: Vec<ManifestCase>,
}

/// A run token as a request may name it: 1 to 32 lowercase hex digits; anything else is
/// ignored (never echoed).
pub fn valid_run(token: &str) -> Option<String> {
    (!token.is_empty()
        && token.len() <= MAX_RUN
        && token
            .bytes()
            .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f')))
    .then(|| token.to_owned())
}

/// The value of `name` in a request target's query (`/path?a=1&b=2`).
pub fn query_value<'a>(target: &'a str, name: &str) -> Option<&'a str> {
    let (_, query) = target.split_once('?')?;
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// The path of a request target, without its query.
pub fn target_path(target: &str) -> &str {
    target.split_once('?').map_or(target, |(path, _)| path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_hex_run_tokens_are_taken_and_queries_are_read_by_name() {
        assert_eq!(valid_run("00ff"), Some("00ff".to_owned()));
        for hostile in ["", "ABC", "<script>", &"a".repeat(33), "a b"] {
            assert_eq!(valid_run(hostile), None, "{hostile}");
        }
        let target = "/tlsinspect-audit/records?run=ab12&seconds=30";
        assert_eq!(query_value(target, "seconds"), Some("30"));
        assert_eq!(query_value(target, "run"), Some("ab12"));
        assert_eq!(query_value(target, "missing"), None);
        assert_eq!(target_path(target), RECORDS_PATH);
        assert_eq!(target_path("/x"), "/x");
    }
}
