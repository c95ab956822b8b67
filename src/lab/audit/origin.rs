//! The audit origins: every case on one port, told apart by the SNI the box sends
//! (`<case>.<domain>`), so that one server serves the explicit audit on this machine and
//! `audit-proxy serve` on the far side of an inline box alike. Each keeps the raw ClientHello
//! of every connection (what the proxy sends upstream) and what was negotiated, and answers
//! HTTP with a marker header that proves the content came from the origin, not from the proxy,
//! and a JSON body ([`super::wire`]) that carries that connection's ClientHello back to a
//! client that cannot read this memory.
//!
//! The ClientHello is read off the socket before rustls sees it (whole TLS records, at most
//! [`MAX_HELLO_RECORDS`] of them), its SNI picks the case (no SNI or an unknown name: `good`),
//! and it is replayed to rustls by [`Replay`] or to the case's `s_server` by the weak relay.

use std::collections::VecDeque;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rustls::ServerConfig;
use rustls::sign::CertifiedKey;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

use super::super::Error;
use super::super::server::{Handler, LabReply, LabRequest, ServerHandle, answer, spawn_at};
use super::case::AuditCase;
use super::pki::CaseChain;
use super::wire::{
    CaseRecord, ConnectionRecord, MAX_RECORD_WINDOW_SECS, MAX_RECORDS, ProbeAnswer, RECORDS_PATH,
    RecordsAnswer, WIRE_VERSION, query_value, target_path, valid_run,
};

/// The header every origin answer carries; its value is [`marker`] of the case.
pub const MARKER_HEADER: &str = "X-Tlsinspect-Audit";
/// The path the audit asks every origin for (a file name: `s_server -HTTP` serves files).
pub const PROBE_PATH: &str = "/tlsinspect-audit";
/// The most TLS records a ClientHello may span.
const MAX_HELLO_RECORDS: usize = 8;
/// The largest TLS record accepted (2^14 plus the allowed expansion).
const MAX_RECORD: usize = 16_384 + 2_048;
/// The most connections remembered per case (the oldest are forgotten first).
const MAX_CONNECTIONS: usize = 64;
/// The largest ClientHello kept (a larger one is recorded without its bytes).
const MAX_KEPT_HELLO: usize = 16 * 1024;

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

impl UpstreamConnection {
    /// The connection as it travels ([`super::wire`]).
    pub fn to_record(&self) -> ConnectionRecord {
        ConnectionRecord {
            peer: self.peer,
            client_hello: self
                .client_hello
                .as_deref()
                .map(|hello| STANDARD.encode(hello)),
            record_version: self.record_version,
            version: self.version.clone(),
            cipher_suite: self.cipher_suite.clone(),
            completed: self.completed,
            error: self.error.clone(),
        }
    }

    /// The connection a record describes; a ClientHello that is not base64 (or larger than
    /// any ClientHello kept) is left out and said in `error`.
    pub fn from_record(record: &ConnectionRecord) -> Self {
        let hello = record.client_hello.as_deref().map(|text| {
            STANDARD
                .decode(text)
                .ok()
                .filter(|hello| hello.len() <= MAX_KEPT_HELLO)
        });
        Self {
            peer: record.peer,
            client_hello: hello.clone().flatten(),
            record_version: record.record_version,
            version: record.version.clone(),
            cipher_suite: record.cipher_suite.clone(),
            completed: record.completed,
            error: match hello {
                Some(None) => Some("the origin's record of the ClientHello is unreadable".into()),
                _ => record.error.clone(),
            },
        }
    }
}

/// One remembered connection.
#[derive(Debug, Clone)]
struct Logged {
    id: usize,
    at: Instant,
    connection: UpstreamConnection,
}

#[derive(Debug, Default)]
struct Entries {
    next: usize,
    entries: VecDeque<Logged>,
}

/// The connections one case's origin saw, newest last (at most 64: the oldest are forgotten).
#[derive(Debug, Clone, Default)]
pub struct ConnectionLog(Arc<Mutex<Entries>>);

impl ConnectionLog {
    /// A copy of what was recorded.
    pub fn connections(&self) -> Vec<UpstreamConnection> {
        self.0
            .lock()
            .map(|log| {
                log.entries
                    .iter()
                    .map(|logged| logged.connection.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Records a connection; its id, for [`Self::set`].
    pub(super) fn push(&self, mut connection: UpstreamConnection) -> Option<usize> {
        if connection
            .client_hello
            .as_ref()
            .is_some_and(|hello| hello.len() > MAX_KEPT_HELLO)
        {
            connection.client_hello = None;
            connection.error = Some(format!(
                "a ClientHello over {MAX_KEPT_HELLO} bytes, not kept"
            ));
        }
        let mut log = self.0.lock().ok()?;
        let id = log.next;
        log.next += 1;
        if log.entries.len() == MAX_CONNECTIONS {
            log.entries.pop_front();
        }
        log.entries.push_back(Logged {
            id,
            at: Instant::now(),
            connection,
        });
        Some(id)
    }

    /// Replaces the connection `id` (what was learnt since it was pushed), unless forgotten.
    pub(super) fn set(&self, id: usize, connection: UpstreamConnection) {
        if let Ok(mut log) = self.0.lock()
            && let Some(entry) = log.entries.iter_mut().find(|logged| logged.id == id)
        {
            entry.connection = connection;
        }
    }

    /// The connections from `ip` within `window`, but `except`, with their age.
    fn seen_from(
        &self,
        ip: IpAddr,
        window: Duration,
        except: Option<usize>,
    ) -> Vec<(Duration, UpstreamConnection)> {
        self.0
            .lock()
            .map(|log| {
                log.entries
                    .iter()
                    .filter(|logged| Some(logged.id) != except)
                    .filter(|logged| logged.at.elapsed() <= window)
                    .filter(|logged| logged.connection.peer.map(|peer| peer.ip()) == Some(ip))
                    .map(|logged| (logged.at.elapsed(), logged.connection.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The marker header's value for a case in one run.
pub fn marker(case: &str, run: &str) -> String {
    format!("{case}/{run}")
}

/// One case's origin: what it presents and what it saw.
#[derive(Debug)]
pub struct Origin {
    /// What it presents.
    pub chain: CaseChain,
    /// What it saw.
    pub log: ConnectionLog,
    addr: SocketAddr,
}

impl Origin {
    /// Where it listens: the port every case shares.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

/// How one case is served.
pub(super) enum Serving {
    /// By rustls, here.
    Tls(TlsAcceptor),
    /// By OpenSSL's `s_server` at this address, through the weak relay.
    Relay(SocketAddr),
}

/// One case as the server routes it.
pub(super) struct Route {
    pub(super) chain: CaseChain,
    pub(super) marker: String,
    pub(super) serving: Serving,
}

/// Every case's route, by SNI.
struct Routes {
    domain: String,
    routes: Vec<(Route, ConnectionLog)>,
}

impl Routes {
    /// The route of the case `sni` names: `good` for no SNI or a name that is not a case's.
    fn pick(&self, sni: Option<&str>) -> Option<&(Route, ConnectionLog)> {
        let named = sni.and_then(|sni| {
            self.routes
                .iter()
                .find(|(route, _)| route.chain.case.host(&self.domain) == sni)
        });
        named.or_else(|| {
            self.routes
                .iter()
                .find(|(route, _)| route.chain.case == AuditCase::Good)
        })
    }

    /// The connections from `ip` within `window` (but `except`), oldest first, at most
    /// [`MAX_RECORDS`] (the newest).
    fn records(&self, ip: IpAddr, window: Duration, except: (AuditCase, usize)) -> Vec<CaseRecord> {
        let mut found: Vec<(Duration, CaseRecord)> = self
            .routes
            .iter()
            .flat_map(|(route, log)| {
                let case = route.chain.case;
                let skip = (case == except.0).then_some(except.1);
                log.seen_from(ip, window, skip)
                    .into_iter()
                    .map(move |(age, connection)| {
                        (
                            age,
                            CaseRecord {
                                case: case.name().to_owned(),
                                connection: connection.to_record(),
                            },
                        )
                    })
            })
            .collect();
        found.sort_by_key(|(age, _)| std::cmp::Reverse(*age));
        let skip = found.len().saturating_sub(MAX_RECORDS);
        found
            .into_iter()
            .skip(skip)
            .map(|(_, record)| record)
            .collect()
    }
}

/// The TLS server of a case rustls can serve.
pub(super) fn tls_acceptor(chain: &CaseChain) -> Result<TlsAcceptor, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certified = CertifiedKey::new(chain.served.clone(), Arc::clone(&chain.key));
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(Error::Tls)?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(certified)));
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Starts the origins of `routes` on `addr`, one port for all, told apart by SNI under
/// `domain`; the origins, as the audit reads them, and the server (dropped, it stops).
pub(super) fn start_origins(
    addr: SocketAddr,
    domain: &str,
    routes: Vec<Route>,
) -> Result<(Vec<Origin>, ServerHandle), Error> {
    let routes = Arc::new(Routes {
        domain: domain.to_owned(),
        routes: routes
            .into_iter()
            .map(|route| (route, ConnectionLog::default()))
            .collect(),
    });
    let serving = Arc::clone(&routes);
    let handle = spawn_at(addr, "audit-origins", move |stream| {
        serve(stream, Arc::clone(&serving))
    })?;
    let origins = routes
        .routes
        .iter()
        .map(|(route, log)| Origin {
            chain: route.chain.clone(),
            log: log.clone(),
            addr: handle.addr(),
        })
        .collect();
    Ok((origins, handle))
}

/// The SNI of a ClientHello read off the wire, as rustls reads it.
fn server_name(consumed: &[u8]) -> Option<String> {
    let mut acceptor = rustls::server::Acceptor::default();
    let mut bytes = consumed;
    acceptor.read_tls(&mut bytes).ok()?;
    let accepted = acceptor.accept().ok()??;
    accepted.client_hello().server_name().map(str::to_owned)
}

async fn serve(mut stream: TcpStream, routes: Arc<Routes>) {
    let read = read_client_hello(&mut stream).await;
    let Some((route, log)) = routes.pick(server_name(&read.consumed).as_deref()) else {
        return;
    };
    match &route.serving {
        Serving::Relay(backend) => super::weak::relay(stream, read, *backend, log.clone()).await,
        Serving::Tls(acceptor) => serve_tls(stream, read, acceptor, route, log, &routes).await,
    }
}

async fn serve_tls(
    stream: TcpStream,
    read: HelloRead,
    acceptor: &TlsAcceptor,
    route: &Route,
    log: &ConnectionLog,
    routes: &Arc<Routes>,
) {
    let peer = stream.peer_addr().ok();
    let mut connection = UpstreamConnection {
        peer,
        client_hello: read.hello,
        record_version: read.record_version,
        ..UpstreamConnection::default()
    };
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
            let Some(id) = log.push(connection.clone()) else {
                return;
            };
            let handler = answers(route, connection, id, Arc::clone(routes));
            let _ = answer(&mut tls, &handler).await;
        }
        Err(error) => {
            connection.error = Some(error.to_string());
            let _ = log.push(connection);
        }
    }
}

/// The answers of one connection (`id` in the case's log): the records of its address, or
/// the probe answer with the connection itself.
fn answers(
    route: &Route,
    connection: UpstreamConnection,
    id: usize,
    routes: Arc<Routes>,
) -> Handler {
    let case = route.chain.case;
    let marker = route.marker.clone();
    Arc::new(move |request: &LabRequest| {
        let target = request.origin_path();
        let run = query_value(target, "run").and_then(valid_run);
        let body = if target_path(target) == RECORDS_PATH {
            let Some(ip) = connection.peer.map(|peer| peer.ip()) else {
                return LabReply::not_found();
            };
            let window_secs = query_value(target, "seconds")
                .and_then(|secs| secs.parse::<u64>().ok())
                .unwrap_or(MAX_RECORD_WINDOW_SECS)
                .min(MAX_RECORD_WINDOW_SECS);
            serde_json::to_vec(&RecordsAnswer {
                tlsinspect_audit: WIRE_VERSION,
                requester: ip.to_string(),
                window_secs,
                run,
                records: routes.records(ip, Duration::from_secs(window_secs), (case, id)),
            })
        } else {
            serde_json::to_vec(&ProbeAnswer {
                tlsinspect_audit: WIRE_VERSION,
                case: case.name().to_owned(),
                marker: marker.clone(),
                run,
                connection: connection.to_record(),
            })
        };
        LabReply::ok("application/json", body.unwrap_or_default())
            .with_header(MARKER_HEADER, marker.clone())
    })
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
