//! Our verdict on every testcerts scenario, compared with two independent verifiers: rustls'
//! built-in webpki server verifier and `openssl verify`. Known divergences would be listed in
//! tests/crosscheck-exceptions.txt with a reason; an unexpected agreement fails too.

use std::process::Command;
use std::sync::Arc;

use rustls::client::danger::ServerCertVerifier;
use rustls_pki_types::{ServerName, UnixTime};
use tlsinspect::clock::parse_rfc3339;
use tlsinspect::validate::{Anchors, anchors_from_pem};
use tlsinspect::{InspectRequest, Severity, inspect_files};

use crate::support::{HOST, TEST_NOW, openssl, testcerts};

const SCENARIOS: [&str; 7] = [
    "valid",
    "expired",
    "not-yet-valid",
    "wrong-host",
    "self-signed",
    "untrusted-root",
    "missing-intermediate",
];

fn exceptions() -> Vec<(String, String)> {
    let text =
        std::fs::read_to_string(crate::support::repo().join("tests/crosscheck-exceptions.txt"))
            .unwrap();
    text.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (key, reason) = line.split_once(':').expect("`scenario/verifier: reason`");
            assert!(
                !reason.trim().is_empty(),
                "every exception needs a reason: {line}"
            );
            (key.trim().to_owned(), reason.trim().to_owned())
        })
        .collect()
}

fn ours(scenario: &str, anchors: &Anchors) -> bool {
    let dir = testcerts().join(scenario);
    let request = InspectRequest {
        files: vec![dir.join("served.pem")],
        host: Some(HOST.parse().unwrap()),
        at: parse_rfc3339(TEST_NOW).unwrap(),
        pins: None,
        crl_files: Vec::new(),
        ocsp_files: Vec::new(),
        revocation: tlsinspect::revocation::RevocationOptions::default(),
    };
    let report = inspect_files(&request, anchors).unwrap();
    report.worst() != Some(Severity::Error)
}

fn rustls_verdict(scenario: &str) -> bool {
    tlsinspect::install_crypto_provider();
    let mut roots = rustls::RootCertStore::empty();
    let ca = std::fs::read(testcerts().join("ca.pem")).unwrap();
    for cert in tlsinspect::chain::read_certificates(&ca).unwrap() {
        roots.add(cert).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier =
        rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .unwrap();
    let served = std::fs::read(testcerts().join(scenario).join("served.pem")).unwrap();
    let chain = tlsinspect::chain::read_certificates(&served).unwrap();
    let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        parse_rfc3339(TEST_NOW).unwrap().unix_timestamp() as u64,
    ));
    let name = ServerName::try_from(HOST).unwrap();
    verifier
        .verify_server_cert(&chain[0], &chain[1..], &name, &[], now)
        .is_ok()
}

fn openssl_verdict(scenario: &str) -> bool {
    let dir = testcerts().join(scenario);
    let epoch = parse_rfc3339(TEST_NOW)
        .unwrap()
        .unix_timestamp()
        .to_string();
    let mut command = Command::new(openssl());
    command
        .arg("verify")
        .arg("-CAfile")
        .arg(testcerts().join("ca.pem"));
    command.args(["-attime", &epoch, "-verify_hostname", HOST]);
    let extra = dir.join("served-extra.pem");
    if std::fs::metadata(&extra)
        .map(|m| m.len() > 0)
        .unwrap_or(false)
    {
        command.arg("-untrusted").arg(extra);
    }
    let output = command
        .arg(dir.join("leaf.pem"))
        .output()
        .expect("openssl must be installed");
    output.status.success()
}

#[test]
fn our_verdicts_agree_with_rustls_and_openssl_on_every_scenario() {
    crate::skip_on_windows!("openssl");
    let anchors = anchors_from_pem(&std::fs::read(testcerts().join("ca.pem")).unwrap()).unwrap();
    let exceptions = exceptions();
    let mut divergences = Vec::new();
    for scenario in SCENARIOS {
        let ours = ours(scenario, &anchors);
        assert_eq!(ours, scenario == "valid", "{scenario}: our own verdict");
        for (verifier, theirs) in [
            ("rustls", rustls_verdict(scenario)),
            ("openssl", openssl_verdict(scenario)),
        ] {
            let key = format!("{scenario}/{verifier}");
            let excepted = exceptions.iter().any(|(name, _)| *name == key);
            if (ours != theirs) != excepted {
                divergences.push(format!(
                    "{key}: ours={ours} theirs={theirs} excepted={excepted}"
                ));
            }
        }
    }
    assert!(divergences.is_empty(), "{divergences:#?}");
}
