//! The baseline of `scripts/bench-scan.sh`: the least a TLS scan with this stack can do — TCP
//! connect, a full tokio-rustls handshake (no resumption) whose chain rustls-webpki verifies
//! against one root, close — for
//! every `IP:PORT` line on stdin, `--concurrency N` in flight (64 by default). Prints
//! `handshakes ok, failed, seconds, per second` on stderr. A benchmark tool, not part of the
//! product.
//!
//!     bare_handshake --ca ROOT.pem [--concurrency N] < targets.txt

use std::io::BufRead;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::RootCertStore;
use rustls::pki_types::ServerName;
use tokio::sync::Semaphore;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let option = |name: &str| {
        args.iter()
            .position(|arg| arg == name)
            .and_then(|index| args.get(index + 1))
            .cloned()
    };
    let ca = option("--ca").ok_or("usage: bare_handshake --ca ROOT.pem [--concurrency N]")?;
    let concurrency: usize = option("--concurrency").map_or(Ok(64), |n| n.parse())?;
    let mut roots = RootCertStore::empty();
    for cert in rustls_pemfile_certs(&std::fs::read(ca)?)? {
        roots.add(cert)?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    // Every handshake verifies a chain, as a scan must: no session resumption.
    config.resumption = rustls::client::Resumption::disabled();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let targets: Vec<SocketAddr> = std::io::stdin()
        .lock()
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| {
            line.trim()
                .trim_start_matches("https://")
                .trim_end_matches('/')
                .parse()
                .ok()
        })
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()?;
    let started = Instant::now();
    let (ok, failed) = runtime.block_on(async {
        let semaphore = Arc::new(Semaphore::new(concurrency));
        let mut tasks = tokio::task::JoinSet::new();
        let (mut ok, mut failed) = (0u64, 0u64);
        let mut count = |done: Result<bool, tokio::task::JoinError>| {
            if done.unwrap_or(false) {
                ok += 1;
            } else {
                failed += 1;
            }
        };
        for addr in targets {
            let permit = Arc::clone(&semaphore).acquire_owned().await?;
            let connector = connector.clone();
            tasks.spawn(async move {
                let _permit = permit;
                let handshake = async {
                    let tcp = tokio::net::TcpStream::connect(addr).await?;
                    let name = ServerName::IpAddress(addr.ip().into());
                    connector.connect(name, tcp).await
                };
                matches!(
                    tokio::time::timeout(Duration::from_secs(10), handshake).await,
                    Ok(Ok(_))
                )
            });
            while let Some(done) = tasks.try_join_next() {
                count(done);
            }
        }
        while let Some(done) = tasks.join_next().await {
            count(done);
        }
        Ok::<_, tokio::sync::AcquireError>((ok, failed))
    })?;
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "handshakes ok {ok}, failed {failed}, {seconds:.3} s, {:.0} per second",
        (ok + failed) as f64 / seconds
    );
    Ok(())
}

/// The certificates of a PEM file.
fn rustls_pemfile_certs(
    pem: &[u8],
) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, Box<dyn std::error::Error>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem)
        .map(|cert| cert.map_err(Into::into))
        .collect()
}
