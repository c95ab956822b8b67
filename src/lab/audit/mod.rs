//! The audit lab behind `audit-proxy`: the audit root (kept in the lab folder), the origins
//! of every case on one port (told apart by SNI), and one plain-HTTP server for the audit CA's
//! CRL, its OCSP responder, the origins' manifest and the audit root, so a proxy that checks
//! revocation can reach them and a client on the other side of an inline box can learn what
//! the origins serve. `AuditLab::start` runs it for an audit on this machine (ephemeral ports),
//! `AuditLab::serve` for `audit-proxy serve` (the ports asked for, revocation URLs by name).
//! Like the rest of the lab it builds certificates and serves them; it never judges them.

mod case;
mod legacy;
mod origin;
mod pki;
mod weak;
pub mod wire;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};

use rustls_pki_types::CertificateDer;
use time::{Duration, OffsetDateTime};

pub use case::{AUDIT_DOMAIN, AuditCase, Flaw, parse_domain};
pub use legacy::{LegacyDigest, LegacySigner, RsaKey};
pub use origin::{
    ConnectionLog, MARKER_HEADER, Origin, PROBE_PATH, UpstreamConnection, client_hello, marker,
};
pub use pki::{
    AUDIT_ROOT_FILE, AUDIT_ROOT_KEY_FILE, AUDIT_ROOT_NAME, AuditPki, AuditRoot, CaseChain,
    RevocationUrls,
};
pub use weak::{OPENSSL_ENV, openssl_program, openssl_version};

use self::origin::{Route, Serving, start_origins, tls_acceptor};
use self::wire::{MANIFEST_PATH, Manifest, ManifestCase, ROOT_PATH, WIRE_VERSION};
use super::server::{Handler, LabReply, LabRequest, ServerHandle, handler_server_at};
use super::{Answer, Error, Responder, ocsp_reply, ocsp_serial};
use crate::chain::{encode_pem, sha256_hex};

/// The CRL's path on the CRL server.
const CRL_PATH: &str = "/audit-ca.crl";
/// The name (below the audit domain) the revocation URLs of `serve` name.
pub const REVOCATION_HOST: &str = "revocation";

/// Where `audit-proxy serve` listens.
#[derive(Debug, Clone, Copy)]
pub struct ServeAddrs {
    /// The origins (443 by default).
    pub origins: SocketAddr,
    /// The CRL, OCSP, manifest and audit root (80 by default).
    pub http: SocketAddr,
}

/// A running audit lab.
#[derive(Debug)]
pub struct AuditLab {
    /// The root the proxy must trust upstream.
    pub root: CertificateDer<'static>,
    /// The revocation servers' URLs, as the revocation cases' leaves name them.
    pub urls: RevocationUrls,
    /// This run's token (part of every marker).
    pub run: String,
    /// The weak-upstream cases that could not be served, and why.
    pub not_run: Vec<(AuditCase, String)>,
    /// The OpenSSL that serves the weak-upstream cases (`OpenSSL 3.0.19`), when one was found.
    pub openssl: Option<String>,
    /// What the origins publish on the plain-HTTP port.
    pub manifest: Manifest,
    origins: Vec<Origin>,
    server: ServerHandle,
    http: ServerHandle,
    _backends: Vec<weak::Backend>,
}

impl AuditLab {
    /// Issues the run's certificates below `root` and starts every server on `ip` (ephemeral
    /// ports; the revocation URLs name the address).
    pub fn start(root: &AuditRoot, ip: IpAddr, now: OffsetDateTime) -> Result<Self, Error> {
        let addrs = ServeAddrs {
            origins: SocketAddr::new(ip, 0),
            http: SocketAddr::new(ip, 0),
        };
        Self::start_at(root, addrs, |http| format!("http://{http}"), now)
    }

    /// Issues the certificates below `root` and starts the servers on `addrs`; the revocation
    /// URLs name `revocation.<domain>` (the wildcard record of the audit domain).
    pub fn serve(root: &AuditRoot, addrs: ServeAddrs, now: OffsetDateTime) -> Result<Self, Error> {
        let host = format!("{REVOCATION_HOST}.{}", root.domain);
        Self::start_at(
            root,
            addrs,
            |http| match http.port() {
                80 => format!("http://{host}"),
                port => format!("http://{host}:{port}"),
            },
            now,
        )
    }

    fn start_at(
        root: &AuditRoot,
        addrs: ServeAddrs,
        base_url: impl FnOnce(SocketAddr) -> String,
        now: OffsetDateTime,
    ) -> Result<Self, Error> {
        crate::install_crypto_provider();
        let crl_body: Arc<OnceLock<Vec<u8>>> = Arc::default();
        let responder: Arc<OnceLock<Responder>> = Arc::default();
        let manifest_body: Arc<OnceLock<Vec<u8>>> = Arc::default();
        let published = Published {
            crl: Arc::clone(&crl_body),
            responder: Arc::clone(&responder),
            manifest: Arc::clone(&manifest_body),
            root: encode_pem(&root.der).into_bytes(),
        };
        let http = handler_server_at(addrs.http, "audit-http", published.handler())?;
        let base = base_url(http.addr());
        let urls = RevocationUrls {
            crl: format!("{base}{CRL_PATH}"),
            ocsp: format!("{base}/"),
        };
        let pki = AuditPki::issue(root, &urls, now)?;
        let leaf = |case| {
            pki.chain(case)
                .and_then(|chain| chain.served.first().cloned())
        };
        let revoked: Vec<CertificateDer<'static>> =
            leaf(AuditCase::RevokedCrl).into_iter().collect();
        let revoked: Vec<&CertificateDer<'static>> = revoked.iter().collect();
        let list = super::pki::sign_crl_between(
            &pki.ca,
            &revoked,
            now - Duration::days(1),
            now + Duration::days(7),
        )?;
        let _ = crl_body.set(list);
        let answers: HashMap<Vec<u8>, Answer> = leaf(AuditCase::RevokedOcsp)
            .map(|der| (ocsp_serial(&der), Answer::Revoked))
            .into_iter()
            .collect();
        let _ = responder.set(Responder::new(&pki.ca, answers)?);
        let run = run_token()?;
        let openssl = openssl_program();
        let mut routes = Vec::with_capacity(pki.chains.len());
        let mut backends = Vec::new();
        let mut not_run = Vec::new();
        for chain in pki.chains.iter().cloned() {
            let case = chain.case;
            let case_marker = marker(case.name(), &run);
            let serving = if case.flaw().is_weak_upstream() {
                match start_weak(&chain, &case_marker, openssl.as_deref(), &run) {
                    Ok(backend) => {
                        let serving = Serving::Relay(backend.addr());
                        backends.push(backend);
                        serving
                    }
                    Err(why) => {
                        not_run.push((case, why));
                        continue;
                    }
                }
            } else {
                Serving::Tls(tls_acceptor(&chain)?)
            };
            routes.push(Route {
                chain,
                marker: case_marker,
                serving,
            });
        }
        let (origins, server) = start_origins(addrs.origins, &root.domain, routes)?;
        let openssl = openssl.as_deref().and_then(openssl_version);
        let manifest = Manifest {
            tlsinspect_audit: WIRE_VERSION,
            domain: root.domain.clone(),
            instance: run.clone(),
            audit_root_sha256: sha256_hex(&root.der),
            openssl: openssl.clone(),
            cases: pki
                .chains
                .iter()
                .map(|chain| ManifestCase {
                    case: chain.case.name().to_owned(),
                    leaf_sha256: chain
                        .served
                        .first()
                        .map(|leaf| sha256_hex(leaf))
                        .unwrap_or_default(),
                    not_run: not_run
                        .iter()
                        .find(|(case, _)| *case == chain.case)
                        .map(|(_, why)| why.clone()),
                })
                .collect(),
        };
        let _ = manifest_body.set(serde_json::to_vec_pretty(&manifest).unwrap_or_default());
        Ok(Self {
            root: pki.root.clone(),
            urls,
            run,
            not_run,
            openssl,
            manifest,
            origins,
            server,
            http,
            _backends: backends,
        })
    }

    /// Every origin that runs, in [`AuditCase::ALL`] order.
    pub fn origins(&self) -> &[Origin] {
        &self.origins
    }

    /// The origin of one case.
    pub fn origin(&self, case: AuditCase) -> Option<&Origin> {
        self.origins.iter().find(|origin| origin.chain.case == case)
    }

    /// The marker the origin of `case` puts in its answers.
    pub fn marker(&self, case: AuditCase) -> String {
        marker(case.name(), &self.run)
    }

    /// Where the origins listen (one port for every case).
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// Where the CRL, OCSP, manifest and audit root are served.
    pub fn http_addr(&self) -> SocketAddr {
        self.http.addr()
    }
}

/// What the plain-HTTP server publishes, some of it known only once the servers run.
struct Published {
    crl: Arc<OnceLock<Vec<u8>>>,
    responder: Arc<OnceLock<Responder>>,
    manifest: Arc<OnceLock<Vec<u8>>>,
    root: Vec<u8>,
}

impl Published {
    /// The CRL at [`CRL_PATH`], the manifest, the root; any other request is OCSP (a POST, or
    /// a GET of the base64 request under `/`).
    fn handler(self) -> Handler {
        Arc::new(move |request: &LabRequest| {
            let body = |cell: &OnceLock<Vec<u8>>| cell.get().cloned().unwrap_or_default();
            match (request.method.as_str(), request.origin_path()) {
                ("GET" | "HEAD", CRL_PATH) => LabReply::ok("application/pkix-crl", body(&self.crl)),
                // The servers start after this one: until every origin runs, no manifest.
                ("GET" | "HEAD", MANIFEST_PATH) => match self.manifest.get() {
                    Some(manifest) => LabReply::ok("application/json", manifest.clone()),
                    None => LabReply::unavailable(),
                },
                ("GET" | "HEAD", ROOT_PATH) => {
                    LabReply::ok("application/x-pem-file", self.root.clone())
                }
                _ => match self.responder.get() {
                    Some(responder) => ocsp_reply(responder, request),
                    None => LabReply::ok("application/ocsp-response", Vec::new()),
                },
            }
        })
    }
}

/// Starts the `s_server` of one weak-upstream case; Err is why it cannot run here, in words.
fn start_weak(
    chain: &CaseChain,
    case_marker: &str,
    openssl: Option<&std::path::Path>,
    run: &str,
) -> Result<weak::Backend, String> {
    let openssl = openssl.ok_or_else(|| {
        format!(
            "no openssl program: rustls cannot serve this case and OpenSSL's s_server is not \
             on PATH (install OpenSSL, or name its program in {OPENSSL_ENV})"
        )
    })?;
    let pkcs8 = chain.pkcs8.as_deref().ok_or("no RSA key for the case")?;
    let body = format!(
        "tlsinspect audit origin: {} {case_marker}\n",
        chain.case.name()
    );
    let answer = format!(
        "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n{MARKER_HEADER}: {case_marker}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    weak::Backend::start(
        openssl,
        chain.case,
        &chain.served,
        pkcs8,
        answer.as_bytes(),
        run,
    )
}

/// 16 random hex digits naming one run.
pub fn run_token() -> Result<String, Error> {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 8];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::Io(std::io::Error::other("no randomness")))?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_case_gets_an_origin_and_the_revocation_servers_answer() {
        let now = crate::clock::Clock::now(&crate::clock::SystemClock);
        let root = AuditRoot::ephemeral(now).unwrap();
        let lab = AuditLab::start(&root, IpAddr::from([127, 0, 0, 1]), now).unwrap();
        assert_eq!(
            lab.origins().len() + lab.not_run.len(),
            AuditCase::ALL.len()
        );
        assert!(
            lab.not_run
                .iter()
                .all(|(case, why)| case.flaw().is_weak_upstream() && !why.is_empty()),
            "{:?}",
            lab.not_run
        );
        assert!(lab.urls.crl.starts_with("http://127.0.0.1:"));
        assert_eq!(lab.marker(AuditCase::Good), format!("good/{}", lab.run));
        let leaf = &lab.origin(AuditCase::Sha1).unwrap().chain.served[0];
        let (_, parsed) = x509_parser::parse_x509_certificate(leaf).unwrap();
        assert_eq!(
            parsed.signature_algorithm.algorithm.to_id_string(),
            "1.2.840.113549.1.1.5"
        );
    }

    #[test]
    fn the_root_is_kept_and_reloaded_and_a_mismatched_key_is_refused() {
        let dir =
            std::env::temp_dir().join(format!("tlsinspect-audit-root-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let now = crate::clock::Clock::now(&crate::clock::SystemClock);
        let first = AuditRoot::load_or_create(&dir, now).unwrap();
        assert!(first.created);
        let again = AuditRoot::load_or_create(&dir, now).unwrap();
        assert!(!again.created);
        assert_eq!(first.der, again.der);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(AUDIT_ROOT_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "the key must be private");
        }
        std::fs::write(
            dir.join(AUDIT_ROOT_KEY_FILE),
            rcgen::KeyPair::generate().unwrap().serialize_pem(),
        )
        .unwrap();
        let error = AuditRoot::load_or_create(&dir, now)
            .unwrap_err()
            .to_string();
        assert!(error.contains("does not belong"), "{error}");
        std::fs::remove_file(dir.join(AUDIT_ROOT_KEY_FILE)).unwrap();
        let error = AuditRoot::load_or_create(&dir, now)
            .unwrap_err()
            .to_string();
        assert!(error.contains("both"), "{error}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Writes a root made by `params` (and its key, mode 0600) where the audit root is kept.
    fn plant(dir: &std::path::Path, params: &rcgen::CertificateParams) {
        use crate::output::{Access, folder, write};
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        folder(dir).unwrap();
        let key_path = dir.join(AUDIT_ROOT_KEY_FILE);
        let _ = std::fs::remove_file(&key_path);
        write(&key_path, key.serialize_pem().as_bytes(), Access::Private).unwrap();
        write(
            &dir.join(AUDIT_ROOT_FILE),
            cert.pem().as_bytes(),
            Access::Public,
        )
        .unwrap();
    }

    #[test]
    fn a_planted_root_that_tlsinspect_would_not_make_is_refused_and_so_is_an_open_key() {
        use rcgen::{BasicConstraints, CertificateParams, IsCa};
        let dir = std::env::temp_dir().join(format!("tlsinspect-planted-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let now = crate::clock::Clock::now(&crate::clock::SystemClock);
        let mut unconstrained = CertificateParams::new(Vec::<String>::new()).unwrap();
        unconstrained.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        plant(&dir, &unconstrained);
        let error = AuditRoot::load_or_create(&dir, now)
            .unwrap_err()
            .to_string();
        assert!(error.contains("no name constraint"), "{error}");
        let not_a_ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        plant(&dir, &not_a_ca);
        let error = AuditRoot::load_or_create(&dir, now)
            .unwrap_err()
            .to_string();
        assert!(error.contains("not a CA"), "{error}");
        let _ = std::fs::remove_dir_all(&dir);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            AuditRoot::load_or_create(&dir, now).unwrap();
            let key = dir.join(AUDIT_ROOT_KEY_FILE);
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
            let error = AuditRoot::load_or_create(&dir, now)
                .unwrap_err()
                .to_string();
            assert!(error.contains("open to other users"), "{error}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
