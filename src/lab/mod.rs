//! The lab: a fake Google PKI and local servers on 127.0.0.1 for every scenario, used by the
//! tests, `tlsinspect lab` and `tlsinspect demo`. It also writes the checked-in `testcerts/`.
//!
//! The lab is an independent oracle: it builds certificates with rcgen and serves them with
//! rustls, and never calls the validation code it exists to test.

pub mod audit;
mod ocsp;
mod pki;
mod proxy;
mod scenario;
mod server;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub use ocsp::{Answer, Responder};
pub use pki::{
    AIA_HOST, AIA_URL, CRL_HOST, CRL_URL, Issued, LabPki, OCSP_HOST, OCSP_URL, ROOT_CRL_URL,
    STALE_CRL_URL, ScenarioCerts, UNREACHABLE_CRL_URL, UNREACHABLE_OCSP_URL, sign_crl,
};
pub use proxy::{FiddlerCa, ForgeMode, auth_proxy, inline_box, intercepting_proxy, tunnel_proxy};
pub use scenario::{LAB_HOST, Scenario};
pub use server::{
    Handler, LabReply, LabRequest, ServerHandle, handler_server, http_server, tls_server,
};

use crate::chain::encode_pem;
use crate::output::{self, Access};

/// Why the lab could not start or write its files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// rcgen refused to build a certificate.
    #[error("certificate generation failed")]
    Certificate(#[from] rcgen::Error),
    /// A socket or file operation failed.
    #[error("i/o error")]
    Io(#[source] std::io::Error),
    /// A server could not listen where asked.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why (in use, not this machine's, a privileged port).
        #[source]
        source: std::io::Error,
    },
    /// A file could not be written where asked.
    #[error(transparent)]
    Write(#[from] output::Error),
    /// rustls refused the server configuration.
    #[error("TLS server configuration failed")]
    Tls(#[source] rustls::Error),
    /// The audit root in the lab folder cannot be used.
    #[error("the audit root {} cannot be used: {reason}", path.display())]
    AuditRoot {
        /// The file at fault.
        path: std::path::PathBuf,
        /// Why.
        reason: String,
    },
}

/// The second HTTPS host the clock scenarios ask (a SAN of every lab leaf, served by the same
/// server): only servers whose chain validated give `Date` samples, and two must agree.
pub const CLOCK_HOST: &str = "server.tlsinspect.test";

/// The lab root, as `tlsinspect lab` writes it.
pub const LAB_ROOT_FILE: &str = "lab-root.pem";
/// The lab root and the Fiddler-like root together: the anchors of a user who installed Fiddler.
pub const LAB_AND_FIDDLER_FILE: &str = "lab-and-fiddler-roots.pem";

/// A running lab: one TLS server per server scenario, the AIA server and the proxies.
#[derive(Debug)]
pub struct Lab {
    /// The PKI behind it.
    pub pki: LabPki,
    /// The Fiddler-like CA.
    pub fiddler_ca: Arc<FiddlerCa>,
    servers: Vec<(Scenario, ServerHandle)>,
    aia: ServerHandle,
    ocsp: ServerHandle,
    ocsp_requests: Arc<AtomicUsize>,
    closed_port: u16,
    fiddler: ServerHandle,
    fiddler_always: ServerHandle,
    auth: ServerHandle,
}

impl Lab {
    /// Generates a PKI and starts every server.
    pub fn start() -> Result<Self, Error> {
        crate::install_crypto_provider();
        let pki = LabPki::generate()?;
        let files = HashMap::from([
            ("/lab-wr2.der".to_owned(), pki.inter.der.to_vec()),
            ("/lab-wr2.crl".to_owned(), pki.crl.clone()),
            ("/lab-wr2-stale.crl".to_owned(), pki.stale_crl.clone()),
            ("/lab-root.crl".to_owned(), pki.root_crl.clone()),
        ]);
        let aia = http_server("aia", files)?;
        let responder = Arc::new(Responder::new(&pki.ocsp_signer, ocsp_answers(&pki))?);
        let ocsp_requests = Arc::new(AtomicUsize::new(0));
        let ocsp = handler_server(
            "ocsp",
            ocsp_handler(Arc::clone(&responder), Arc::clone(&ocsp_requests)),
        )?;
        let mut servers = Vec::new();
        for certs in &pki.scenarios {
            let staple = match (certs.scenario, &certs.inter) {
                (Scenario::StapledOcspGood | Scenario::StapledOcspRevoked, Some(inter)) => {
                    Some(responder.response_for(
                        &certs.leaf.der,
                        inter,
                        std::time::SystemTime::from(crate::clock::Clock::now(
                            &crate::clock::SystemClock,
                        )),
                    )?)
                }
                _ => None,
            };
            let server = tls_server(
                certs.scenario.name(),
                certs.served.clone(),
                certs.leaf.key(),
                staple,
            )?;
            servers.push((certs.scenario, server));
        }
        let closed_port = closed_port()?;
        let fiddler_ca = Arc::new(FiddlerCa::generate()?);
        let root = pki.root.der.clone();
        let fiddler = intercepting_proxy(Arc::clone(&fiddler_ca), root.clone(), ForgeMode::Strict)?;
        let fiddler_always = intercepting_proxy(Arc::clone(&fiddler_ca), root, ForgeMode::Always)?;
        let auth = auth_proxy()?;
        Ok(Self {
            pki,
            fiddler_ca,
            servers,
            aia,
            ocsp,
            ocsp_requests,
            closed_port,
            fiddler,
            fiddler_always,
            auth,
        })
    }

    /// The address of a scenario's TLS server (the `good` server for proxy scenarios).
    pub fn addr(&self, scenario: Scenario) -> Option<SocketAddr> {
        let server = if scenario.has_own_server() {
            scenario
        } else if scenario == Scenario::ClockAheadSigned {
            Scenario::StapledOcspGood
        } else {
            Scenario::Good
        };
        self.servers
            .iter()
            .find(|(s, _)| *s == server)
            .map(|(_, handle)| handle.addr())
    }

    /// The proxy a scenario goes through, if any.
    pub fn proxy(&self, scenario: Scenario) -> Option<SocketAddr> {
        match scenario {
            Scenario::FiddlerTrusted | Scenario::FiddlerUntrusted => Some(self.fiddler.addr()),
            Scenario::ProxyAuth407 => Some(self.auth.addr()),
            _ => None,
        }
    }

    /// The Fiddler-like proxy that forges even for invalid upstreams ([`ForgeMode::Always`]).
    pub fn fiddler_always_addr(&self) -> SocketAddr {
        self.fiddler_always.addr()
    }

    /// The trust anchors a check of `scenario` uses, PEM: the lab root, plus the Fiddler-like
    /// root for `fiddler-trusted`.
    pub(crate) fn anchors_pem(&self, scenario: Scenario) -> String {
        let mut pem = encode_pem(&self.pki.root.der);
        if scenario == Scenario::FiddlerTrusted {
            pem.push_str(&encode_pem(&self.fiddler_ca.der));
        }
        pem
    }

    /// Writes [`LAB_ROOT_FILE`] and [`LAB_AND_FIDDLER_FILE`] into `dir`.
    pub fn write_anchors(&self, dir: &Path) -> Result<(), Error> {
        output::folder(dir)?;
        let write = |name: &str, scenario| {
            let pem = self.anchors_pem(scenario);
            output::write(&dir.join(name), pem.as_bytes(), Access::Public)
        };
        write(LAB_ROOT_FILE, Scenario::Good)?;
        write(LAB_AND_FIDDLER_FILE, Scenario::FiddlerTrusted)?;
        Ok(())
    }

    /// The AIA server's address.
    pub fn aia_addr(&self) -> SocketAddr {
        self.aia.addr()
    }

    /// The OCSP responder's address.
    pub fn ocsp_addr(&self) -> SocketAddr {
        self.ocsp.addr()
    }

    /// How many HTTP requests the OCSP responder has answered.
    pub fn ocsp_requests(&self) -> usize {
        self.ocsp_requests.load(Ordering::SeqCst)
    }

    /// The `--connect-to` rules that point a check of [`LAB_HOST`] at a scenario.
    pub fn connect_to(&self, scenario: Scenario) -> Vec<String> {
        let mut rules = Vec::new();
        if let Some(addr) = self.addr(scenario) {
            rules.push(format!("{LAB_HOST}:443:{}:{}", addr.ip(), addr.port()));
        }
        let aia = self.aia_addr();
        rules.push(format!("{AIA_HOST}:80:{}:{}", aia.ip(), aia.port()));
        if scenario.is_revocation() {
            rules.push(format!("{CRL_HOST}:80:{}:{}", aia.ip(), aia.port()));
            let ocsp = self.ocsp.addr();
            rules.push(format!("{OCSP_HOST}:80:{}:{}", ocsp.ip(), ocsp.port()));
        }
        if scenario == Scenario::RevocationUnreachable {
            // A firewall that rejects port 80 to Google's revocation hosts.
            for host in ["c.pki.goog", "o.pki.goog"] {
                rules.push(format!("{host}:80:127.0.0.1:{}", self.closed_port));
            }
        }
        if scenario.clock_offset().is_some()
            && scenario != Scenario::ClockAheadSigned
            && let Some(addr) = self.addr(scenario)
        {
            // The same server under its second name: a second validated chain and Date.
            rules.push(format!("{CLOCK_HOST}:443:{}:{}", addr.ip(), addr.port()));
        }
        rules
    }

    /// The targets a check of `scenario` asks for: the lab host, plus a second HTTPS host for
    /// the clock scenarios (two validated servers' Date must agree).
    pub fn targets(&self, scenario: Scenario) -> Vec<String> {
        let mut targets = vec![format!("https://{LAB_HOST}/calendar/")];
        if scenario.clock_offset().is_some() && scenario != Scenario::ClockAheadSigned {
            targets.push(format!("https://{CLOCK_HOST}/"));
        }
        targets
    }

    /// The exact `tlsinspect check …` command for a scenario, given the folder of
    /// [`Self::write_anchors`].
    pub fn check_command(
        &self,
        scenario: Scenario,
        dir: &Path,
        now: time::OffsetDateTime,
    ) -> String {
        let mut command = format!("tlsinspect check {}", self.targets(scenario).join(" "));
        if let Some(offset) = scenario.clock_offset() {
            command.push_str(&format!(" --at {}", crate::clock::rfc3339(now + offset)));
        }
        for rule in self.connect_to(scenario) {
            command.push_str(&format!(" --connect-to {rule}"));
        }
        if let Some(proxy) = self.proxy(scenario) {
            command.push_str(&format!(" --proxy http://{proxy}"));
        }
        let anchors = if scenario == Scenario::FiddlerTrusted {
            LAB_AND_FIDDLER_FILE
        } else {
            LAB_ROOT_FILE
        };
        command.push_str(&format!(
            " --ca-file {} --pin-file {}",
            dir.join(anchors).display(),
            dir.join(LAB_ROOT_FILE).display()
        ));
        command
    }
}

/// The responder's table: what it says about each OCSP scenario's leaf (ocsp-unknown's leaf is
/// deliberately absent).
fn ocsp_answers(pki: &LabPki) -> HashMap<Vec<u8>, Answer> {
    let mut answers = HashMap::new();
    for certs in &pki.scenarios {
        let answer = match certs.scenario {
            Scenario::RevokedByOcsp | Scenario::StapledOcspRevoked => Answer::Revoked,
            Scenario::StapledOcspGood => Answer::Good,
            Scenario::OcspBadSignature => Answer::BadSignature,
            _ => continue,
        };
        answers.insert(ocsp_serial(&certs.leaf.der), answer);
    }
    answers
}

/// A certificate's serial as the responder keys it (no leading zeros).
pub(super) fn ocsp_serial(der: &[u8]) -> Vec<u8> {
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
        return Vec::new();
    };
    ocsp::strip_zeros(cert.raw_serial()).to_vec()
}

/// Answers `POST /` (the body is the request) and `GET /<base64>` (RFC 6960 A.1).
fn ocsp_handler(responder: Arc<Responder>, requests: Arc<AtomicUsize>) -> Handler {
    Arc::new(move |request: &LabRequest| {
        requests.fetch_add(1, Ordering::SeqCst);
        ocsp_reply(&responder, request)
    })
}

/// The responder's answer to one HTTP request.
pub(super) fn ocsp_reply(responder: &Responder, request: &LabRequest) -> LabReply {
    let der = if request.method == "POST" {
        Some(request.body.clone())
    } else {
        request.origin_path().strip_prefix('/').and_then(|encoded| {
            use base64::Engine;
            let decoded = encoded
                .replace("%2B", "+")
                .replace("%2F", "/")
                .replace("%3D", "=");
            base64::engine::general_purpose::STANDARD
                .decode(decoded)
                .ok()
        })
    };
    let body = responder.answer(&der.unwrap_or_default());
    LabReply::ok("application/ocsp-response", body)
}

/// A loopback port nothing listens on (bound, then released): connections are refused.
fn closed_port() -> Result<u16, Error> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(Error::Io)?;
    let port = listener.local_addr().map_err(Error::Io)?.port();
    drop(listener);
    Ok(port)
}

/// Writes the lab PKI as `testcerts/`: `ca.pem` (the trusted root) and one folder per scenario
/// with `root.pem`, `inter.pem`, `leaf.pem`, `leaf.key`, `chain.pem` (inter+root),
/// `fullchain.pem` (leaf+inter+root), `served.pem` (what a server sends) and `served-extra.pem`
/// (the same without the leaf, for `openssl s_server -cert_chain`).
pub fn write_testcerts(pki: &LabPki, dir: &Path) -> Result<(), Error> {
    let write = |path: &Path, text: &str| output::write(path, text.as_bytes(), Access::Public);
    let pems = |certs: &[&[u8]]| certs.iter().map(|der| encode_pem(der)).collect::<String>();
    output::folder(dir)?;
    write(&dir.join("ca.pem"), &encode_pem(&pki.root.der))?;
    for certs in &pki.scenarios {
        let folder = dir.join(certs.scenario.testcerts_dir());
        output::folder(&folder)?;
        let leaf: &[u8] = &certs.leaf.der;
        let root: &[u8] = &certs.root;
        write(&folder.join("leaf.pem"), &encode_pem(leaf))?;
        let key = certs.leaf.key_pem.as_bytes();
        output::write(&folder.join("leaf.key"), key, Access::Private)?;
        write(&folder.join("root.pem"), &encode_pem(root))?;
        let mut upper: Vec<&[u8]> = Vec::new();
        if let Some(inter) = &certs.inter {
            write(&folder.join("inter.pem"), &encode_pem(inter))?;
            upper.push(inter);
        }
        if root != leaf {
            upper.push(root);
        }
        write(&folder.join("chain.pem"), &pems(&upper))?;
        let full: Vec<&[u8]> = std::iter::once(leaf).chain(upper.iter().copied()).collect();
        write(&folder.join("fullchain.pem"), &pems(&full))?;
        let served: Vec<&[u8]> = certs.served.iter().map(|der| der.as_ref()).collect();
        write(&folder.join("served.pem"), &pems(&served))?;
        write(&folder.join("served-extra.pem"), &pems(&served[1..]))?;
        if certs.scenario == Scenario::Good {
            write_crls(pki, certs, &folder)?;
        }
    }
    Ok(())
}

/// The `valid` scenario's revocation files: `inter.key`; CRLs by the intermediate —
/// `inter.crl.der` (fresh, empty), `inter-revoked.crl.der` (fresh, listing the leaf) and
/// `inter-stale.crl.der` (empty, nextUpdate in 2029); the delegated responder
/// (`ocsp-signer.pem`, `ocsp-signer.key`) and OCSP responses about the leaf produced on
/// 2029-12-31 (thisUpdate an hour before, nextUpdate a week after) — `ocsp-good.der`,
/// `ocsp-revoked.der` (delegated responder) and `ocsp-good-by-issuer.der` (signed by the
/// intermediate itself) — all judged at 2030-01-01 by the tests.
fn write_crls(pki: &LabPki, certs: &ScenarioCerts, folder: &Path) -> Result<(), Error> {
    let write = |name: &str, bytes: &[u8]| output::write(&folder.join(name), bytes, Access::Public);
    let private =
        |name: &str, key: &str| output::write(&folder.join(name), key.as_bytes(), Access::Private);
    private("inter.key", &pki.inter.key_pem)?;
    write(
        "ocsp-signer.pem",
        encode_pem(&pki.ocsp_signer.der).as_bytes(),
    )?;
    private("ocsp-signer.key", &pki.ocsp_signer.key_pem)?;
    let produced = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_893_369_600); // 2029-12-31
    let inter = &pki.inter.der;
    let serial = ocsp_serial(&certs.leaf.der);
    let saved = [
        ("ocsp-good.der", &pki.ocsp_signer, Answer::Good),
        ("ocsp-revoked.der", &pki.ocsp_signer, Answer::Revoked),
        ("ocsp-good-by-issuer.der", &pki.inter, Answer::Good),
    ];
    for (name, signer, answer) in saved {
        let responder = Responder::new(signer, HashMap::from([(serial.clone(), answer)]))?;
        write(
            name,
            &responder.response_for(&certs.leaf.der, inter, produced)?,
        )?;
    }
    write(
        "inter.crl.der",
        &sign_crl(&pki.inter, &[], (2029, 12, 1), (2030, 12, 1))?,
    )?;
    write(
        "inter-revoked.crl.der",
        &sign_crl(&pki.inter, &[&certs.leaf.der], (2029, 12, 1), (2030, 12, 1))?,
    )?;
    write(
        "inter-stale.crl.der",
        &sign_crl(&pki.inter, &[], (2028, 12, 1), (2029, 1, 1))?,
    )?;
    Ok(())
}
