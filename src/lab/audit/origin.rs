//! The audit origins: one TLS server per case that keeps the raw ClientHello of every
//! connection (what the proxy sends upstream) and what was negotiated, and answers HTTP with a
//! marker header that proves the content came from the origin, not from the proxy.
//!
//! The ClientHello is read off the socket before rustls sees it (whole TLS records, at most
//! [`MAX_HELLO_RECORDS`] of them) and replayed to rustls by [`Replay`].

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use rustls::ServerConfig;
use rustls::sign::CertifiedKey;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

use super::super::Error;
use super::super::server::{Handler, LabReply, ServerHandle, answer, spawn_on};
use super::pki::CaseChain;
use super::weak::Backend;

/// The header every origin answer carries; its value is [`marker`] of the case.
pub const MARKER_HEADER: &str = "X-Tlsinspect-Audit";
/// The path the audit asks every origin for (a file name: `s_server -HTTP` serves files).
pub const PROBE_PATH: &str = "/tlsinspect-audit";
/// The most TLS records a ClientHello may span.
const MAX_HELLO_RECORDS: usize = 8;
/// The largest TLS record accepted (2^14 plus the allowed expansion).
const MAX_RECORD: usize = 16_384 + 2_048;
/// The most connections remembered per origin.
const MAX_CONNECTIONS: usize = 32;

/// One connection the proxy opened to an origin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpstreamConnection {
    /// Where it came from.
    pub peer: Option<SocketAddr>,
    /// The ClientHello handshake message (type, length and body), when one arrived whole.
    pub client_hello: Option<Vec<u8>>,
    /// The record-layer version of the first record.
    pub record_version: Option<u16>,
    /// The version negotiated (`TLSv1.3`, `TLSv1.2`), when the handshake completed.
    pub version: Option<String>,
    /// The cipher suite negotiated, IANA name.
    pub cipher_suite: Option<String>,
    /// Whether the handshake completed.
    pub completed: bool,
    /// Why the handshake failed, if it did.
    pub error: Option<String>,
}

/// The connections one origin saw, newest last (at most 32).
#[derive(Debug, Clone, Default)]
pub struct ConnectionLog(Arc<Mutex<Vec<UpstreamConnection>>>);

impl ConnectionLog {
    /// A copy of what was recorded.
    pub fn connections(&self) -> Vec<UpstreamConnection> {
        self.0.lock().map(|log| log.clone()).unwrap_or_default()
    }

    /// Records a connection; its place in the log, unless the log is full.
    pub(super) fn push(&self, connection: UpstreamConnection) -> Option<usize> {
        let mut log = self.0.lock().ok()?;
        (log.len() < MAX_CONNECTIONS).then(|| {
            log.push(connection);
            log.len() - 1
        })
    }

    /// Replaces the connection at `slot` (what was learnt since it was pushed).
    pub(super) fn set(&self, slot: usize, connection: UpstreamConnection) {
        if let Ok(mut log) = self.0.lock()
            && let Some(entry) = log.get_mut(slot)
        {
            *entry = connection;
        }
    }
}

/// The marker header's value for a case in one run.
pub fn marker(case: &str, run: &str) -> String {
    format!("{case}/{run}")
}

/// A running origin.
#[derive(Debug)]
pub struct Origin {
    /// What it presents.
    pub chain: CaseChain,
    /// What it saw.
    pub log: ConnectionLog,
    handle: ServerHandle,
    /// The `s_server` behind a weak-upstream origin.
    _backend: Option<Backend>,
}

impl Origin {
    /// Starts the origin for `chain` on `ip` (an ephemeral port); its answers carry `marker`.
    pub fn start(ip: IpAddr, chain: CaseChain, marker: String) -> Result<Self, Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let certified = CertifiedKey::new(chain.served.clone(), Arc::clone(&chain.key));
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(Error::Tls)?
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(certified)));
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let body =
            format!("tlsinspect audit origin: {} {marker}\n", chain.case.name()).into_bytes();
        let handler: Handler = Arc::new(move |_| {
            LabReply::ok("text/plain", body.clone()).with_header(MARKER_HEADER, marker.clone())
        });
        let log = ConnectionLog::default();
        let recorder = log.clone();
        let handle = spawn_on(ip, chain.case.name(), move |stream| {
            let (acceptor, handler, log) =
                (acceptor.clone(), Arc::clone(&handler), recorder.clone());
            async move { serve(stream, &acceptor, &handler, &log).await }
        })?;
        Ok(Self {
            chain,
            log,
            handle,
            _backend: None,
        })
    }

    /// Starts a weak-upstream origin for `chain`: `backend` (OpenSSL's `s_server`) behind a
    /// relay on `ip` that records what the proxy sends.
    pub(super) fn start_weak(
        ip: IpAddr,
        chain: CaseChain,
        backend: Backend,
    ) -> Result<Self, Error> {
        let log = ConnectionLog::default();
        let recorder = log.clone();
        let to = backend.addr();
        let handle = spawn_on(ip, chain.case.name(), move |stream| {
            super::weak::relay(stream, to, recorder.clone())
        })?;
        Ok(Self {
            chain,
            log,
            handle,
            _backend: Some(backend),
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.handle.addr()
    }
}

async fn serve(
    mut stream: TcpStream,
    acceptor: &TlsAcceptor,
    handler: &Handler,
    log: &ConnectionLog,
) {
    let mut connection = UpstreamConnection {
        peer: stream.peer_addr().ok(),
        ..UpstreamConnection::default()
    };
    let read = read_client_hello(&mut stream).await;
    connection.client_hello = read.hello;
    connection.record_version = read.record_version;
    match acceptor.accept(Replay::new(read.consumed, stream)).await {
        Ok(mut tls) => {
            let (_, session) = tls.get_ref();
            connection.version = session
                .protocol_version()
                .map(|version| version_name(u16::from(version)));
            connection.completed = true;
            connection.cipher_suite = session
                .negotiated_cipher_suite()
                .and_then(|suite| suite.suite().as_str())
                .map(str::to_owned);
            let _ = log.push(connection);
            let _ = answer(&mut tls, handler).await;
        }
        Err(error) => {
            connection.error = Some(error.to_string());
            let _ = log.push(connection);
        }
    }
}

/// The ClientHello handshake message `stream` starts with, when it arrives whole (read as the
/// origins read it).
pub async fn client_hello(stream: &mut TcpStream) -> Option<Vec<u8>> {
    read_client_hello(stream).await.hello
}

/// A protocol version's name (`TLSv1.0` … `TLSv1.3`, else its number).
pub(super) fn version_name(version: u16) -> String {
    rustls::ProtocolVersion::from(version).as_str().map_or_else(
        || format!("0x{version:04X}"),
        |name| name.replace("TLSv1_", "TLSv1."),
    )
}

/// What was read before the TLS server took over.
#[derive(Debug, Default)]
pub(super) struct HelloRead {
    /// Every byte read, to replay.
    pub(super) consumed: Vec<u8>,
    /// The handshake message, when it arrived whole.
    pub(super) hello: Option<Vec<u8>>,
    /// The first record's version field.
    pub(super) record_version: Option<u16>,
}

/// Reads whole handshake records until the first handshake message is complete (or the input
/// is not TLS, or the limits are reached).
pub(super) async fn read_client_hello(stream: &mut TcpStream) -> HelloRead {
    let mut read = HelloRead::default();
    let mut handshake = Vec::new();
    for _ in 0..MAX_HELLO_RECORDS {
        let mut header = [0u8; 5];
        if stream.read_exact(&mut header).await.is_err() {
            return read;
        }
        read.consumed.extend_from_slice(&header);
        let length = usize::from(u16::from_be_bytes([header[3], header[4]]));
        if header[0] != 22 || length > MAX_RECORD {
            return read;
        }
        read.record_version
            .get_or_insert_with(|| u16::from_be_bytes([header[1], header[2]]));
        let mut fragment = vec![0u8; length];
        if stream.read_exact(&mut fragment).await.is_err() {
            return read;
        }
        read.consumed.extend_from_slice(&fragment);
        handshake.extend_from_slice(&fragment);
        if let [_, a, b, c, ..] = handshake[..] {
            let total = 4 + ((usize::from(a) << 16) | (usize::from(b) << 8) | usize::from(c));
            if handshake.len() >= total {
                handshake.truncate(total);
                read.hello = Some(handshake);
                return read;
            }
        }
    }
    read
}

/// A stream that first yields bytes already read, then the inner stream's.
#[derive(Debug)]
struct Replay<S> {
    prefix: Vec<u8>,
    offset: usize,
    inner: S,
}

impl<S> Replay<S> {
    fn new(prefix: Vec<u8>, inner: S) -> Self {
        Self {
            prefix,
            offset: 0,
            inner,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Replay<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.offset < self.prefix.len() {
            let take = buf.remaining().min(self.prefix.len() - self.offset);
            let start = self.offset;
            buf.put_slice(&self.prefix[start..start + take]);
            self.offset += take;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(context, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Replay<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(context, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(context)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(context)
    }
}
