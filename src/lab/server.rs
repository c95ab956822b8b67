//! Lab servers on 127.0.0.1:0, each on its own thread and tokio runtime (usable from sync and
//! async tests), stopped and joined on `Drop`: a TLS server per scenario and a static
//! plain-HTTP server (AIA). Every connection is bounded by a timeout.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use rustls::ServerConfig;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

use super::Error;
use crate::clock::{Clock, SystemClock};
use crate::net::http::format_http_date;

/// How long one lab connection may live.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(10);
/// The most connections one lab server serves at once; more wait in the listen queue (an
/// audit origin left running on the internet stays bounded).
const MAX_OPEN_CONNECTIONS: usize = 256;

/// A running server; dropped, it stops.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// The address it listens on (127.0.0.1, an ephemeral port).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Binds 127.0.0.1:0 and serves each connection with `serve` on a dedicated thread.
pub(super) fn spawn<F, Fut>(name: &str, serve: F) -> Result<ServerHandle, Error>
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    spawn_on(IpAddr::V4(Ipv4Addr::LOCALHOST), name, serve)
}

/// Binds `ip` on an ephemeral port and serves each connection with `serve` on a dedicated
/// thread.
pub(super) fn spawn_on<F, Fut>(ip: IpAddr, name: &str, serve: F) -> Result<ServerHandle, Error>
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    spawn_at(SocketAddr::new(ip, 0), name, serve)
}

/// Binds `addr` and serves each connection with `serve` on a dedicated thread, at most
/// [`MAX_OPEN_CONNECTIONS`] at once, each for at most [`CONNECTION_TIMEOUT`].
pub(super) fn spawn_at<F, Fut>(
    addr: SocketAddr,
    name: &str,
    serve: F,
) -> Result<ServerHandle, Error>
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener =
        std::net::TcpListener::bind(addr).map_err(|source| Error::Bind { addr, source })?;
    listener.set_nonblocking(true).map_err(Error::Io)?;
    let addr = listener.local_addr().map_err(Error::Io)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Io)?;
    let (shutdown, mut stopped) = oneshot::channel::<()>();
    let serve = Arc::new(serve);
    let open = Arc::new(tokio::sync::Semaphore::new(MAX_OPEN_CONNECTIONS));
    let thread = std::thread::Builder::new()
        .name(format!("lab-{name}"))
        .spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
                loop {
                    let permit = tokio::select! {
                        _ = &mut stopped => break,
                        permit = Arc::clone(&open).acquire_owned() => permit,
                    };
                    let Ok(permit) = permit else { break };
                    tokio::select! {
                        _ = &mut stopped => break,
                        accepted = listener.accept() => {
                            if let Ok((stream, _)) = accepted {
                                let serve = Arc::clone(&serve);
                                tokio::spawn(async move {
                                    let _ = tokio::time::timeout(CONNECTION_TIMEOUT, serve(stream)).await;
                                    drop(permit);
                                });
                            }
                        }
                    }
                }
            });
        })
        .map_err(Error::Io)?;
    Ok(ServerHandle {
        addr,
        shutdown: Some(shutdown),
        thread: Some(thread),
    })
}

/// A request the lab's HTTP servers answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabRequest {
    /// The method.
    pub method: String,
    /// The request target (origin form, or absolute form through a proxy).
    pub path: String,
    /// The body (at most 64 KiB, by `Content-Length`).
    pub body: Vec<u8>,
}

impl LabRequest {
    /// The path: through a proxy the request target is absolute (`http://host/path`).
    pub(crate) fn origin_path(&self) -> &str {
        self.path
            .strip_prefix("http://")
            .and_then(|rest| rest.find('/').map(|slash| &rest[slash..]))
            .unwrap_or(&self.path)
    }
}

/// A reply: status line text, content type and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabReply {
    /// For example `200 OK`.
    pub status: &'static str,
    /// The `Content-Type`.
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
    /// Headers besides `Date`, `Server`, `Content-Type`, `Content-Length` and `Connection`.
    pub headers: Vec<(&'static str, String)>,
}

impl LabReply {
    /// `200 OK` with `body`.
    pub fn ok(content_type: &'static str, body: Vec<u8>) -> Self {
        Self {
            status: "200 OK",
            content_type,
            body,
            headers: Vec::new(),
        }
    }

    /// The same reply with one more header.
    pub(crate) fn with_header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }

    /// `503 Service Unavailable`: what is asked for is not ready yet.
    pub(super) fn unavailable() -> Self {
        Self {
            status: "503 Service Unavailable",
            content_type: "text/plain",
            body: b"starting\n".to_vec(),
            headers: Vec::new(),
        }
    }

    pub(super) fn not_found() -> Self {
        Self {
            status: "404 Not Found",
            content_type: "text/plain",
            body: Vec::new(),
            headers: Vec::new(),
        }
    }
}

/// Answers lab requests.
pub type Handler = Arc<dyn Fn(&LabRequest) -> LabReply + Send + Sync>;

/// A TLS server presenting `chain` (leaf first), stapling `staple` when given, and answering
/// any request with `200 OK` and a `Date` header.
pub fn tls_server(
    name: &str,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    staple: Option<Vec<u8>>,
) -> Result<ServerHandle, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(Error::Tls)?
        .with_no_client_auth();
    let mut config = match staple {
        Some(staple) => builder.with_single_cert_with_ocsp(chain, key, staple),
        None => builder.with_single_cert(chain, key),
    }
    .map_err(Error::Tls)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let handler: Handler = Arc::new(|_| LabReply::ok("text/plain", Vec::new()));
    spawn(name, move |stream| {
        let acceptor = acceptor.clone();
        let handler = Arc::clone(&handler);
        async move {
            if let Ok(mut tls) = acceptor.accept(stream).await {
                let _ = answer(&mut tls, &handler).await;
            }
        }
    })
}

/// A plain-HTTP server answering `GET path` from `files`, 404 otherwise.
pub fn http_server(name: &str, files: HashMap<String, Vec<u8>>) -> Result<ServerHandle, Error> {
    let handler: Handler = Arc::new(move |request: &LabRequest| {
        let path = request.origin_path();
        match files.get(path) {
            Some(body) => LabReply::ok("application/octet-stream", body.clone()),
            None => LabReply::not_found(),
        }
    });
    handler_server(name, handler)
}

/// A plain-HTTP server answering every request with `handler`.
pub fn handler_server(name: &str, handler: Handler) -> Result<ServerHandle, Error> {
    handler_server_at(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), name, handler)
}

/// [`handler_server`] on `addr`.
pub(super) fn handler_server_at(
    addr: SocketAddr,
    name: &str,
    handler: Handler,
) -> Result<ServerHandle, Error> {
    spawn_at(addr, name, move |mut stream| {
        let handler = Arc::clone(&handler);
        async move {
            let _ = answer(&mut stream, &handler).await;
        }
    })
}

/// Reads a request head, byte by byte (nothing after it is consumed: a CONNECT is followed by
/// TLS), at most 16 KiB.
pub(super) async fn read_request_head<S: AsyncRead + Unpin>(stream: &mut S) -> io::Result<String> {
    const MAX_HEAD: usize = 16 * 1024;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() >= MAX_HEAD || stream.read(&mut byte).await? == 0 {
            return Err(io::ErrorKind::InvalidData.into());
        }
        head.push(byte[0]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

/// Reads one request (head, and a body of at most 64 KiB) and answers it.
pub(super) async fn answer<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    handler: &Handler,
) -> io::Result<()> {
    const MAX_BODY: usize = 64 * 1024;
    let Ok(head) = read_request_head(stream).await else {
        return Ok(());
    };
    let mut words = head.split_whitespace();
    let method = words.next().unwrap_or_default().to_owned();
    let path = words.next().unwrap_or("/").to_owned();
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    if length > MAX_BODY {
        return Ok(());
    }
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await?;
    let reply = handler(&LabRequest {
        method: method.clone(),
        path,
        body,
    });
    let date = format_http_date(SystemClock.now());
    let extra: String = reply
        .headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    let head = format!(
        "HTTP/1.1 {}\r\nDate: {date}\r\nServer: tlsinspect-lab\r\nContent-Type: {}\r\n\
         Content-Length: {}\r\n{extra}Connection: close\r\n\r\n",
        reply.status,
        reply.content_type,
        reply.body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    if method != "HEAD" {
        stream.write_all(&reply.body).await?;
    }
    stream.shutdown().await
}
