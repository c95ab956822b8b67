//! The audit lab behind `audit-proxy`: the audit root (kept in the lab folder), one origin per
//! case on the listen address, and the audit CA's CRL server and OCSP responder there too, so a
//! proxy that checks revocation can reach them. Like the rest of the lab it builds certificates
//! and serves them; it never judges them.

mod case;
mod legacy;
mod origin;
mod pki;
mod weak;

use std::collections::HashMap;
use std::net::IpAddr;
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

use super::server::{Handler, LabReply, LabRequest, ServerHandle, handler_server_on};
use super::{Answer, Error, Responder, ocsp_reply, ocsp_serial};

/// The CRL's path on the CRL server.
const CRL_PATH: &str = "/audit-ca.crl";

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
    origins: Vec<Origin>,
    _crl: ServerHandle,
    _ocsp: ServerHandle,
}

impl AuditLab {
    /// Issues the run's certificates below `root` and starts every server on `ip`.
    pub fn start(root: &AuditRoot, ip: IpAddr, now: OffsetDateTime) -> Result<Self, Error> {
        crate::install_crypto_provider();
        let crl_body: Arc<OnceLock<Vec<u8>>> = Arc::default();
        let responder: Arc<OnceLock<Responder>> = Arc::default();
        let crl = handler_server_on(ip, "audit-crl", crl_handler(Arc::clone(&crl_body)))?;
        let ocsp = handler_server_on(ip, "audit-ocsp", {
            let responder = Arc::clone(&responder);
            Arc::new(move |request: &LabRequest| match responder.get() {
                Some(responder) => ocsp_reply(responder, request),
                None => LabReply::ok("application/ocsp-response", Vec::new()),
            })
        })?;
        let urls = RevocationUrls {
            crl: format!("http://{}{CRL_PATH}", crl.addr()),
            ocsp: format!("http://{}/", ocsp.addr()),
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
        let mut origins = Vec::with_capacity(pki.chains.len());
        let mut not_run = Vec::new();
        for chain in pki.chains.iter().cloned() {
            let case = chain.case;
            let case_marker = marker(case.name(), &run);
            if case.flaw().is_weak_upstream() {
                match start_weak(ip, chain, &case_marker, openssl.as_deref(), &run) {
                    Ok(origin) => origins.push(origin),
                    Err(why) => not_run.push((case, why)),
                }
            } else {
                origins.push(Origin::start(ip, chain, case_marker)?);
            }
        }
        Ok(Self {
            root: pki.root.clone(),
            urls,
            run,
            not_run,
            openssl: openssl.as_deref().and_then(openssl_version),
            origins,
            _crl: crl,
            _ocsp: ocsp,
        })
    }

    /// Every origin, in [`AuditCase::ALL`] order.
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
}

/// Starts one weak-upstream origin (`weak`); Err is why it cannot run here, in words.
fn start_weak(
    ip: IpAddr,
    chain: CaseChain,
    case_marker: &str,
    openssl: Option<&std::path::Path>,
    run: &str,
) -> Result<Origin, String> {
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
    let backend = weak::Backend::start(
        openssl,
        chain.case,
        &chain.served,
        pkcs8,
        answer.as_bytes(),
        run,
    )?;
    Origin::start_weak(ip, chain, backend).map_err(|error| error.to_string())
}

fn crl_handler(body: Arc<OnceLock<Vec<u8>>>) -> Handler {
    Arc::new(move |request: &LabRequest| {
        let found = (request.origin_path() == CRL_PATH)
            .then(|| body.get().cloned())
            .flatten();
        match found {
            Some(crl) => LabReply::ok("application/pkix-crl", crl),
            None => LabReply::not_found(),
        }
    })
}

/// 16 random hex digits naming one run.
fn run_token() -> Result<String, Error> {
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
