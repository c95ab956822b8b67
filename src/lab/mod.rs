//! The lab: a fake Google PKI and local servers on 127.0.0.1 for every scenario, used by the
//! tests, `tlsinspect lab` and `tlsinspect demo`. It also writes the checked-in `testcerts/`.
//!
//! The lab is an independent oracle: it builds certificates with rcgen and serves them with
//! rustls, and never calls the validation code it exists to test.

mod pki;
mod scenario;
mod server;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;

pub use pki::{AIA_HOST, AIA_URL, Issued, LabPki, ScenarioCerts};
pub use scenario::{LAB_HOST, Scenario};
pub use server::{ServerHandle, http_server, tls_server};

use crate::chain::encode_pem;

/// Why the lab could not start or write its files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// rcgen refused to build a certificate.
    #[error("certificate generation failed: {0}")]
    Certificate(#[from] rcgen::Error),
    /// A socket or file operation failed.
    #[error("i/o error: {0}")]
    Io(#[source] std::io::Error),
    /// rustls refused the server configuration.
    #[error("TLS server configuration failed: {0}")]
    Tls(#[source] rustls::Error),
}

/// A running lab: one TLS server per scenario and the AIA server.
#[derive(Debug)]
pub struct Lab {
    /// The PKI behind it.
    pub pki: LabPki,
    servers: Vec<(Scenario, ServerHandle)>,
    aia: ServerHandle,
}

impl Lab {
    /// Generates a PKI and starts every server.
    pub fn start() -> Result<Self, Error> {
        crate::install_crypto_provider();
        let pki = LabPki::generate()?;
        let files = HashMap::from([("/lab-wr2.der".to_owned(), pki.inter.der.to_vec())]);
        let aia = http_server("aia", files)?;
        let mut servers = Vec::new();
        for certs in &pki.scenarios {
            let server = tls_server(
                certs.scenario.name(),
                certs.served.clone(),
                certs.leaf.key(),
            )?;
            servers.push((certs.scenario, server));
        }
        Ok(Self { pki, servers, aia })
    }

    /// The address of a scenario's server.
    pub fn addr(&self, scenario: Scenario) -> Option<SocketAddr> {
        self.servers
            .iter()
            .find(|(s, _)| *s == scenario)
            .map(|(_, server)| server.addr())
    }

    /// The AIA server's address.
    pub fn aia_addr(&self) -> SocketAddr {
        self.aia.addr()
    }

    /// The `--connect-to` rules that point a check of [`LAB_HOST`] at a scenario.
    pub fn connect_to(&self, scenario: Scenario) -> Vec<String> {
        let mut rules = Vec::new();
        if let Some(addr) = self.addr(scenario) {
            rules.push(format!("{LAB_HOST}:443:{}:{}", addr.ip(), addr.port()));
        }
        let aia = self.aia_addr();
        rules.push(format!("{AIA_HOST}:80:{}:{}", aia.ip(), aia.port()));
        rules
    }

    /// The exact `tlsinspect check …` command for a scenario, given where the root PEM is.
    pub fn check_command(&self, scenario: Scenario, root_pem: &Path) -> String {
        let mut command = format!("tlsinspect check https://{LAB_HOST}/calendar/");
        for rule in self.connect_to(scenario) {
            command.push_str(&format!(" --connect-to {rule}"));
        }
        let root = root_pem.display();
        command.push_str(&format!(" --ca-file {root} --pin-file {root}"));
        command
    }
}

/// Writes the lab PKI as `testcerts/`: `ca.pem` (the trusted root) and one folder per scenario
/// with `root.pem`, `inter.pem`, `leaf.pem`, `leaf.key`, `chain.pem` (inter+root),
/// `fullchain.pem` (leaf+inter+root), `served.pem` (what a server sends) and `served-extra.pem`
/// (the same without the leaf, for `openssl s_server -cert_chain`).
pub fn write_testcerts(pki: &LabPki, dir: &Path) -> Result<(), Error> {
    let write = |path: &Path, text: &str| std::fs::write(path, text).map_err(Error::Io);
    let pems = |certs: &[&[u8]]| certs.iter().map(|der| encode_pem(der)).collect::<String>();
    std::fs::create_dir_all(dir).map_err(Error::Io)?;
    write(&dir.join("ca.pem"), &encode_pem(&pki.root.der))?;
    for certs in &pki.scenarios {
        let folder = dir.join(certs.scenario.testcerts_dir());
        std::fs::create_dir_all(&folder).map_err(Error::Io)?;
        let leaf: &[u8] = &certs.leaf.der;
        let root: &[u8] = &certs.root;
        write(&folder.join("leaf.pem"), &encode_pem(leaf))?;
        write(&folder.join("leaf.key"), &certs.leaf.key_pem)?;
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
    }
    Ok(())
}
