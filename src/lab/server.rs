//! Lab servers on 127.0.0.1:0, each on its own thread and tokio runtime (usable from sync and
//! async tests), stopped and joined on `Drop`: a TLS server per scenario and a static
//! plain-HTTP server (AIA). Every connection is bounded by a timeout.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
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
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(Error::Io)?;
    listener.set_nonblocking(true).map_err(Error::Io)?;
    let addr = listener.local_addr().map_err(Error::Io)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Io)?;
    let (shutdown, mut stopped) = oneshot::channel::<()>();
    let serve = Arc::new(serve);
    let thread = std::thread::Builder::new()
        .name(format!("lab-{name}"))
        .spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
                loop {
                    tokio::select! {
                        _ = &mut stopped => break,
                        accepted = listener.accept() => {
                            if let Ok((stream, _)) = accepted {
                                let serve = Arc::clone(&serve);
                                tokio::spawn(async move {
                                    let _ = tokio::time::timeout(CONNECTION_TIMEOUT, serve(stream)).await;
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

/// A TLS server presenting `chain` (leaf first) and answering any request with `200 OK` and a
/// `Date` header.
pub fn tls_server(
    name: &str,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<ServerHandle, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(Error::Tls)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(Error::Tls)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = TlsAcceptor::from(Arc::new(config));
    spawn(name, move |stream| {
        let acceptor = acceptor.clone();
        async move {
            if let Ok(mut tls) = acceptor.accept(stream).await {
                let _ = answer(&mut tls, &HashMap::new()).await;
            }
        }
    })
}

/// A plain-HTTP server answering `GET path` from `files`, 404 otherwise.
pub fn http_server(name: &str, files: HashMap<String, Vec<u8>>) -> Result<ServerHandle, Error> {
    let files = Arc::new(files);
    spawn(name, move |mut stream| {
        let files = Arc::clone(&files);
        async move {
            let _ = answer(&mut stream, &files).await;
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

/// Reads one request head (bounded) and answers it.
async fn answer<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    files: &HashMap<String, Vec<u8>>,
) -> io::Result<()> {
    let Ok(line) = read_request_head(stream).await else {
        return Ok(());
    };
    let mut words = line.split_whitespace();
    let method = words.next().unwrap_or_default().to_owned();
    let path = words.next().unwrap_or("/").to_owned();
    let tls_endpoint = files.is_empty();
    let (status, body): (&str, &[u8]) = match files.get(&path) {
        Some(body) => ("200 OK", body),
        None if tls_endpoint => ("200 OK", b""),
        None => ("404 Not Found", b""),
    };
    let date = format_http_date(SystemClock.now());
    let head = format!(
        "HTTP/1.1 {status}\r\nDate: {date}\r\nServer: tlsinspect-lab\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    if method != "HEAD" {
        stream.write_all(body).await?;
    }
    stream.shutdown().await
}
