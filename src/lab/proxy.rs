//! Lab proxies on 127.0.0.1:0: a Fiddler-like intercepting proxy, a plain CONNECT tunnel that
//! intercepts nothing, and a proxy that answers 407.
//!
//! The intercepting proxy answers `CONNECT`, opens TLS to the upstream, and presents the client
//! a leaf forged for the requested name, signed by a CA with Fiddler Classic's exact names
//! (`CN=DO_NOT_TRUST_FiddlerRoot, O=DO_NOT_TRUST, OU=Created by http://www.fiddler2.com`).
//! [`ForgeMode::Strict`] refuses upstreams whose chain rustls' own verifier rejects (against the
//! lab root); [`ForgeMode::Always`] forges for invalid upstreams too, as badly behaved inspection
//! boxes do. It tunnels only to loopback addresses: the lab never reaches out.

use std::net::SocketAddr;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, date_time_ymd,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_rustls::{LazyConfigAcceptor, TlsConnector};

use super::Error;
use super::server::{ServerHandle, read_request_head, spawn};
use crate::clock::Clock;

/// What the intercepting proxy does with an upstream whose certificate is invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForgeMode {
    /// Forge for every upstream, valid or not.
    Always,
    /// Refuse (close) when the upstream's chain does not verify against the lab root.
    Strict,
}

/// The Fiddler-like CA.
#[derive(Debug)]
pub struct FiddlerCa {
    /// Its certificate.
    pub der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
    /// When set, each leaf is minted valid from the instant of the handshake (as some proxies
    /// do) for 30 days; otherwise 2024-01-01 to 2040-01-01.
    minting: Option<Arc<dyn Clock>>,
}

impl FiddlerCa {
    /// Generates the CA with Fiddler Classic's names.
    pub fn generate() -> Result<Self, Error> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name = fiddler_name("DO_NOT_TRUST_FiddlerRoot");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.not_before = date_time_ymd(2020, 1, 1);
        params.not_after = date_time_ymd(2050, 1, 1);
        let cert = params.self_signed(&key)?;
        Ok(Self {
            der: cert.der().clone(),
            issuer: Issuer::new(params, key),
            minting: None,
        })
    }

    /// The same CA, minting each leaf valid from the instant `clock` reads at the handshake.
    pub fn minting_at_handshake(mut self, clock: Arc<dyn Clock>) -> Self {
        self.minting = Some(clock);
        self
    }

    /// A leaf for `host`, as Fiddler mints one.
    fn forge(
        &self,
        host: &str,
    ) -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), Error> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(vec![host.to_owned()])?;
        params.distinguished_name = fiddler_name(host);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        if let Some(clock) = &self.minting {
            let now = clock.now();
            params.not_before = now;
            params.not_after = now + time::Duration::days(30);
        } else {
            params.not_before = date_time_ymd(2024, 1, 1);
            params.not_after = date_time_ymd(2040, 1, 1);
        }
        let cert = params.signed_by(&key, &self.issuer)?;
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        Ok((cert.der().clone(), key))
    }
}

fn fiddler_name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(
        DnType::OrganizationalUnitName,
        "Created by http://www.fiddler2.com",
    );
    name.push(DnType::OrganizationName, "DO_NOT_TRUST");
    name.push(DnType::CommonName, common_name);
    name
}

/// Starts the intercepting proxy. `lab_root` is what [`ForgeMode::Strict`] trusts upstream.
pub fn intercepting_proxy(
    ca: Arc<FiddlerCa>,
    lab_root: CertificateDer<'static>,
    mode: ForgeMode,
) -> Result<ServerHandle, Error> {
    let connector = upstream_connector(lab_root, mode)?;
    spawn("fiddler", move |mut client| {
        let (ca, connector) = (Arc::clone(&ca), connector.clone());
        async move {
            if let Ok(Some(upstream)) = accept_connect(&mut client).await {
                let _ = intercept(client, upstream, &ca, &connector).await;
            }
        }
    })
}

/// Starts the same interception as an inline box: no CONNECT, every TLS connection it accepts
/// is intercepted on its way to `origins` (what a transparent box reads from the packets'
/// destination), forged with the Fiddler-like CA.
pub fn inline_box(
    ca: Arc<FiddlerCa>,
    lab_root: CertificateDer<'static>,
    mode: ForgeMode,
    origins: SocketAddr,
) -> Result<ServerHandle, Error> {
    let connector = upstream_connector(lab_root, mode)?;
    spawn("inline-box", move |client| {
        let (ca, connector) = (Arc::clone(&ca), connector.clone());
        async move {
            let _ = intercept(client, origins, &ca, &connector).await;
        }
    })
}

/// The upstream TLS client of the lab's interceptors.
fn upstream_connector(
    lab_root: CertificateDer<'static>,
    mode: ForgeMode,
) -> Result<TlsConnector, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let upstream_config = match mode {
        ForgeMode::Strict => {
            let mut roots = RootCertStore::empty();
            roots.add(lab_root).map_err(Error::Tls)?;
            ClientConfig::builder_with_provider(Arc::clone(&provider))
                .with_safe_default_protocol_versions()
                .map_err(Error::Tls)?
                .with_root_certificates(roots)
                .with_no_client_auth()
        }
        ForgeMode::Always => ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(Error::Tls)?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnything(provider)))
            .with_no_client_auth(),
    };
    Ok(TlsConnector::from(Arc::new(upstream_config)))
}

/// Reads a CONNECT and answers it: 200 for a loopback `ip:port` (returned), 403 otherwise.
async fn accept_connect(client: &mut TcpStream) -> std::io::Result<Option<SocketAddr>> {
    let head = read_request_head(client).await?;
    let authority = head.split_whitespace().nth(1).unwrap_or_default();
    match authority.parse::<SocketAddr>() {
        Ok(addr) if addr.ip().is_loopback() => {
            client
                .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                .await?;
            Ok(Some(addr))
        }
        _ => {
            client
                .write_all(b"HTTP/1.1 403 Forbidden (lab proxy: loopback only)\r\n\r\n")
                .await?;
            Ok(None)
        }
    }
}

/// A CONNECT proxy that tunnels bytes untouched (to loopback addresses only).
pub fn tunnel_proxy() -> Result<ServerHandle, Error> {
    spawn("tunnel", |mut client| async move {
        if let Ok(Some(addr)) = accept_connect(&mut client).await
            && let Ok(mut upstream) = TcpStream::connect(addr).await
        {
            let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
        }
    })
}

/// Intercepts one TLS connection from `client` on its way to `upstream_addr`.
async fn intercept(
    client: TcpStream,
    upstream_addr: SocketAddr,
    ca: &FiddlerCa,
    connector: &TlsConnector,
) -> std::io::Result<()> {
    let start = LazyConfigAcceptor::new(rustls::server::Acceptor::default(), client).await?;
    let host = start
        .client_hello()
        .server_name()
        .unwrap_or("localhost")
        .to_owned();
    let server_name = ServerName::try_from(host.clone()).map_err(std::io::Error::other)?;
    let upstream = TcpStream::connect(upstream_addr).await?;
    // Strict mode: a failed upstream verification ends here, before anything is forged.
    let mut upstream = connector.connect(server_name, upstream).await?;
    let (leaf, key) = ca.forge(&host).map_err(std::io::Error::other)?;
    let config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(std::io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(vec![leaf, ca.der.clone()], key)
            .map_err(std::io::Error::other)?;
    let mut client = start.into_stream(Arc::new(config)).await?;
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}

/// A proxy that answers every request with 407 and two authentication schemes.
pub fn auth_proxy() -> Result<ServerHandle, Error> {
    spawn("proxy-407", |mut client| async move {
        if read_request_head(&mut client).await.is_ok() {
            let _ = client
                .write_all(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: NTLM\r\n\
                      Proxy-Authenticate: Basic realm=\"tlsinspect lab\"\r\nContent-Length: 0\r\n\r\n",
                )
                .await;
        }
    })
}

/// The upstream verifier of [`ForgeMode::Always`]: it accepts any chain (the point of that mode)
/// but still checks handshake signatures.
#[derive(Debug)]
struct AcceptAnything(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AcceptAnything {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
