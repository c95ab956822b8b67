//! The TLS handshake with tokio-rustls and the [`Recorder`]: it captures whatever chain is
//! presented and the negotiated parameters. The chain is judged later, by `validate`.

use std::sync::Arc;

use rustls::ClientConfig;
use serde::Serialize;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::{Error, Recorder, TlsFailure};
use crate::target::Host;

/// What was negotiated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct TlsFacts {
    /// `TLSv1.3` or `TLSv1.2`.
    pub version: String,
    /// The cipher suite, IANA name.
    pub cipher_suite: String,
    /// The ALPN protocol agreed, if any.
    pub alpn: Option<String>,
    /// The SNI sent (none for IP targets).
    pub sni: Option<String>,
    /// Whether an OCSP response was stapled.
    pub stapled_ocsp: bool,
    /// The stapled OCSP response, DER, base64 (not yet verified: revocation is a later stage).
    pub stapled_ocsp_base64: Option<String>,
}

/// Runs a TLS handshake over `stream` (connected to `peer`) for `host`; the chain lands in
/// `recorder` even when the handshake fails after the Certificate message.
pub async fn handshake(
    stream: TcpStream,
    peer: std::net::SocketAddr,
    host: &Host,
    recorder: &Recorder,
) -> Result<(TlsStream<TcpStream>, TlsFacts), Error> {
    // One provider for every handshake; a config per handshake, since its verifier records
    // this connection's chain.
    static PROVIDER: std::sync::OnceLock<Arc<rustls::crypto::CryptoProvider>> =
        std::sync::OnceLock::new();
    let provider = PROVIDER.get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()));
    let mut config = ClientConfig::builder_with_provider(Arc::clone(provider))
        .with_safe_default_protocol_versions()
        .map_err(|error| Error::Tls(TlsFailure::Rustls(error)))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(recorder.clone()))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    // Every check must see the chain: never resume (and keep no session cache to resume from).
    config.resumption = rustls::client::Resumption::disabled();
    let connector = TlsConnector::from(Arc::new(config));
    let tls = connector
        .connect(host.server_name(), stream)
        .await
        .map_err(|error| match error.kind() {
            // A reset is the same event whether connect or the handshake saw it first.
            std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted => {
                super::connect::connect_error(peer, &error)
            }
            _ => Error::Tls(tls_failure(error)),
        })?;
    let (_, connection) = tls.get_ref();
    let facts = TlsFacts {
        version: connection
            .protocol_version()
            .map(|version| {
                version
                    .as_str()
                    .unwrap_or("unknown")
                    .replace("TLSv1_", "TLSv1.")
            })
            .unwrap_or_default(),
        cipher_suite: connection
            .negotiated_cipher_suite()
            .map(|suite| suite.suite().as_str().unwrap_or("unknown").to_owned())
            .unwrap_or_default(),
        alpn: connection
            .alpn_protocol()
            .map(|alpn| String::from_utf8_lossy(alpn).into_owned()),
        sni: match host {
            Host::Dns(name) => Some(name.clone()),
            Host::Ip(_) => None,
        },
        stapled_ocsp: false,
        stapled_ocsp_base64: None,
    };
    Ok((tls, facts))
}

/// rustls errors arrive wrapped in `io::Error`; keep their words, and name an alert.
/// What a failed handshake's I/O error carries: rustls' own error when it is one.
fn tls_failure(error: std::io::Error) -> TlsFailure {
    if error
        .get_ref()
        .is_some_and(|inner| inner.is::<rustls::Error>())
    {
        let Some(Ok(inner)) = error
            .into_inner()
            .map(|inner| inner.downcast::<rustls::Error>())
        else {
            unreachable!("the inner error was checked to be rustls'");
        };
        return match *inner {
            rustls::Error::AlertReceived(alert) => TlsFailure::Alert(alert),
            other => TlsFailure::Rustls(other),
        };
    }
    if error.kind() == std::io::ErrorKind::UnexpectedEof {
        TlsFailure::Closed
    } else {
        TlsFailure::Io(error)
    }
}
