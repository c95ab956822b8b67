//! Everything that touches the network: name resolution (through an injectable [`Resolver`]),
//! TCP connect with `--connect-to` rules, HTTP CONNECT proxies (given, or chosen per URL by the
//! system's settings through an injectable [`SystemProxy`]: WinHTTP's on Windows), the recording
//! TLS handshake, and a small bounded HTTP/1.1 client. Every step has a timeout. Nothing here
//! judges certificates.

mod capture;
mod connect;
mod fetch;
mod handshake;
pub mod http;
mod proxy;
mod resolve;
pub mod system_proxy;
#[cfg(windows)]
mod winhttp;

use std::net::SocketAddr;

pub use capture::{Captured, Recorder};
pub use connect::{ConnectTo, Connected, Connector, NetOptions};
pub use fetch::{FetchError, FetchFailure, Fetched, Fetcher};
pub use handshake::{TlsFacts, handshake};
pub use proxy::{NoProxy, ProxyUrl};
pub use resolve::{BoxFuture, Resolver, StaticResolver, SystemResolver};
pub use system_proxy::{ProxyDecision, SystemProxy};
#[cfg(windows)]
pub use winhttp::WinHttpProxy;

use crate::finding::ConnectFailure;

/// A network step that has a timeout, as named in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The name lookup.
    DnsLookup,
    /// The forward lookup of a reverse name.
    ForwardDns,
    /// The reverse lookup of the peer's address.
    ReverseDns,
    /// Asking the system for the URL's proxy.
    SystemProxyLookup,
    /// The proxy's CONNECT.
    ProxyConnect,
    /// The TLS handshake.
    TlsHandshake,
    /// A plain-HTTP request.
    HttpRequest,
    /// The HEAD request over TLS.
    HttpHead,
    /// A GET over TLS.
    HttpGet,
    /// A CRL download.
    CrlDownload,
    /// An OCSP request.
    OcspRequest,
    /// The download of a missing issuer (AIA).
    AiaFetch,
}

impl Step {
    /// As written in messages (`TLS handshake timed out after 10s`).
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::DnsLookup => "DNS lookup",
            Self::ForwardDns => "forward DNS",
            Self::ReverseDns => "reverse DNS",
            Self::SystemProxyLookup => "system proxy lookup",
            Self::ProxyConnect => "proxy CONNECT",
            Self::TlsHandshake => "TLS handshake",
            Self::HttpRequest => "HTTP request",
            Self::HttpHead => "HTTP HEAD",
            Self::HttpGet => "HTTP GET",
            Self::CrlDownload => "CRL download",
            Self::OcspRequest => "OCSP request",
            Self::AiaFetch => "AIA fetch",
        }
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

/// Why a TLS handshake failed, as rustls or the socket said it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsFailure {
    /// The server sent an alert.
    #[error("the server sent the alert {0:?}")]
    Alert(rustls::AlertDescription),
    /// rustls refused the handshake.
    #[error(transparent)]
    Rustls(rustls::Error),
    /// The peer closed the connection before the handshake ended.
    #[error("the peer closed the connection during the handshake")]
    Closed,
    /// The socket failed.
    #[error(transparent)]
    Io(std::io::Error),
}

/// A network step that could not be carried out.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A name did not resolve.
    #[error("{host} did not resolve: {detail}")]
    Dns {
        /// The name.
        host: String,
        /// The resolver's words.
        detail: String,
    },
    /// TCP connect failed.
    #[error("connect to {addr} failed ({failure}): {detail}")]
    Connect {
        /// The address tried.
        addr: SocketAddr,
        /// What kind of failure.
        failure: ConnectFailure,
        /// The system's words.
        detail: String,
        /// The address is the proxy's.
        proxy: bool,
        /// The system setting that chose that proxy, when one did.
        chosen_by: Option<String>,
    },
    /// An HTTP exchange failed.
    #[error(transparent)]
    Http(#[from] http::Error),
    /// A proxy string could not be parsed.
    #[error("invalid proxy URL {0:?} (expected http://[user:pass@]host:port)")]
    BadProxy(String),
    /// A `--connect-to` rule could not be parsed.
    #[error("invalid --connect-to {0:?} (expected HOST:PORT:ADDR:PORT)")]
    BadConnectTo(String),
    /// The proxy asked for authentication (407).
    #[error("proxy {proxy} requires authentication ({})", schemes.join(", "))]
    ProxyAuthRequired {
        /// The proxy `host:port`.
        proxy: String,
        /// The system setting that chose the proxy, when one did.
        chosen_by: Option<String>,
        /// `Proxy-Authenticate` schemes.
        schemes: Vec<String>,
    },
    /// The proxy refused the CONNECT with a status other than 2xx and 407.
    #[error("proxy {proxy} refused the tunnel: {status_line}")]
    ProxyRefused {
        /// The proxy `host:port`.
        proxy: String,
        /// The system setting that chose the proxy, when one did.
        chosen_by: Option<String>,
        /// Its status line.
        status_line: String,
    },
    /// The proxy closed or garbled the exchange.
    #[error("proxy {proxy} broke the tunnel: {source}")]
    ProxyBroken {
        /// The proxy `host:port`.
        proxy: String,
        /// The system setting that chose the proxy, when one did.
        chosen_by: Option<String>,
        /// What went wrong.
        source: http::Error,
    },
    /// The TLS handshake failed.
    #[error("TLS handshake failed: {0}")]
    Tls(TlsFailure),
    /// Asking the system for the proxy of a URL failed.
    #[error("the system proxy lookup failed: {0}")]
    SystemProxy(String),
    /// A step took longer than the timeout.
    #[error("{step} timed out after {secs}s")]
    Timeout {
        /// Which step.
        step: Step,
        /// The timeout.
        secs: u64,
    },
}

impl Error {
    /// An error on the way to or through a proxy, marked as such and naming the system setting
    /// that chose the proxy.
    fn at_proxy(mut self, setting: Option<&str>) -> Self {
        let chosen_by = match &mut self {
            Self::Connect {
                proxy, chosen_by, ..
            } => {
                *proxy = true;
                chosen_by
            }
            Self::ProxyAuthRequired { chosen_by, .. }
            | Self::ProxyRefused { chosen_by, .. }
            | Self::ProxyBroken { chosen_by, .. } => chosen_by,
            _ => return self,
        };
        *chosen_by = setting.map(str::to_owned);
        self
    }
}
