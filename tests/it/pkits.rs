//! NIST PKITS (tests/data/nist-pkits): every test of sections 4.1–4.7 and 4.13–4.16 that needs no
//! policy setting, through `inspect`'s code path with `--revocation hard`, against the expected
//! result and against `openssl verify -crl_check_all` on the same inputs.
//!
//! - no invalid path may be reported clean;
//! - every disagreement with the expected result is listed, with its reason, in
//!   tests/nist-pkits-exceptions.txt, and a listed test that now agrees fails too;
//! - tlsinspect agrees at least as often as OpenSSL, on the whole selection and on the suite
//!   without name constraints (4.13) and delta CRLs (4.15).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;
use std::process::Command;

use base64::Engine;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer};
use serde::Deserialize;
use tlsinspect::chain::encode_pem_block;
use tlsinspect::revocation::{Depth, RevocationOptions, RevocationPolicy};
use tlsinspect::validate::anchors_from_pem;
use tlsinspect::{InspectRequest, SavedRevocation, Severity, inspect_chain};

use crate::support::{openssl, repo, scratch};

/// The instant PKITS was published (BoringSSL's harness judges at it too); every certificate
/// and CRL of the suite is inside its window then.
const AT: time::OffsetDateTime = time::macros::datetime!(2011-04-15 00:00 UTC);

#[derive(Debug, Deserialize)]
struct Suite {
    tests: Vec<Test>,
    certs: BTreeMap<String, String>,
    crls: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct Test {
    number: String,
    name: String,
    valid: bool,
    /// The trust anchor first, the end entity last.
    certs: Vec<String>,
    crls: Vec<String>,
}

impl Test {
    /// Sections 4.13 (name constraints) and 4.15 (delta CRLs) are left out of the narrower suite.
    fn in_narrow_suite(&self) -> bool {
        !(self.number.starts_with("4.13.") || self.number.starts_with("4.15."))
    }
}

fn suite() -> Suite {
    let file = std::fs::File::open(repo().join("tests/data/nist-pkits/pkits.json.gz")).unwrap();
    let mut json = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut json)
        .unwrap();
    serde_json::from_str(&json).unwrap()
}

fn decode(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

/// tlsinspect's error codes for a test (none: accepted).
fn ours(suite: &Suite, test: &Test) -> Vec<String> {
    let der = |name: &String| CertificateDer::from(decode(&suite.certs[name]));
    let anchor = encode_pem_block("CERTIFICATE", &decode(&suite.certs[&test.certs[0]]));
    let anchors = match anchors_from_pem(anchor.as_bytes()) {
        Ok(anchors) => anchors,
        Err(error) => return vec![format!("anchor: {error}")],
    };
    // The end entity first, then the other certificates from the one below the anchor down.
    let mut chain = vec![der(test.certs.last().unwrap())];
    chain.extend(test.certs[1..test.certs.len() - 1].iter().rev().map(der));
    let request = InspectRequest {
        files: Vec::new(),
        host: None,
        at: AT,
        pins: None,
        crl_files: Vec::new(),
        ocsp_files: Vec::new(),
        revocation: RevocationOptions {
            policy: RevocationPolicy::Hard,
            depth: Depth::Chain,
            leeway: time::Duration::ZERO,
            nonce: true,
        },
    };
    let saved = SavedRevocation {
        crls: test
            .crls
            .iter()
            .map(|name| CertificateRevocationListDer::from(decode(&suite.crls[name])))
            .collect(),
        ocsp_responses: Vec::new(),
    };
    let report = inspect_chain(test.number.clone(), &chain, &request, &saved, &anchors);
    report.endpoints[0]
        .findings
        .iter()
        .filter(|finding| finding.severity == Severity::Error)
        .map(|finding| finding.code.to_string())
        .collect()
}

/// Whether `openssl verify -crl_check_all` accepts the test's path, its files written to `dir`.
fn openssl_accepts(suite: &Suite, test: &Test, dir: &Path) -> bool {
    let cert = |name: &String| encode_pem_block("CERTIFICATE", &decode(&suite.certs[name]));
    let write = |file: &str, text: String| {
        let path = dir.join(file);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let anchor = write("anchor.pem", cert(&test.certs[0]));
    let leaf = write("leaf.pem", cert(test.certs.last().unwrap()));
    let middle: String = test.certs[1..test.certs.len() - 1]
        .iter()
        .map(cert)
        .collect();
    let crls: String = test
        .crls
        .iter()
        .map(|name| encode_pem_block("X509 CRL", &decode(&suite.crls[name])))
        .collect();
    let mut args = vec![
        "verify".to_owned(),
        "-CAfile".to_owned(),
        anchor,
        "-crl_check_all".to_owned(),
        "-attime".to_owned(),
        AT.unix_timestamp().to_string(),
    ];
    if !middle.is_empty() {
        args.extend(["-untrusted".to_owned(), write("middle.pem", middle)]);
    }
    if !crls.is_empty() {
        args.extend(["-CRLfile".to_owned(), write("crls.pem", crls)]);
    }
    args.push(leaf);
    Command::new(openssl())
        .args(&args)
        .output()
        .unwrap()
        .status
        .success()
}

/// `number<TAB>reason` lines; `#` comments.
fn exceptions() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(repo().join("tests/nist-pkits-exceptions.txt")).unwrap();
    text.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (number, reason) = line.split_once('\t').unwrap_or((line, ""));
            assert!(
                !reason.trim().is_empty(),
                "{number}: every exception needs a reason"
            );
            (number.trim().to_owned(), reason.trim().to_owned())
        })
        .collect()
}

/// Agreement counts: the whole selection, and the narrower suite.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    all: usize,
    narrow: usize,
}

impl Tally {
    fn count(&mut self, test: &Test) {
        self.all += 1;
        self.narrow += usize::from(test.in_narrow_suite());
    }
}

#[test]
fn nist_pkits_never_reports_an_invalid_path_clean_and_agrees_at_least_as_often_as_openssl() {
    crate::skip_on_windows!("openssl");
    let report = std::env::var_os("PKITS_REPORT").is_some();
    let suite = suite();
    let exceptions = exceptions();
    let dir = scratch("pkits");
    let (mut ours_agree, mut openssl_agree) = (Tally::default(), Tally::default());
    let (mut accepted_invalid, mut unlisted, mut stale) = (Vec::new(), Vec::new(), Vec::new());
    let mut seen = BTreeSet::new();
    for test in &suite.tests {
        seen.insert(test.number.clone());
        let errors = ours(&suite, test);
        let openssl = openssl_accepts(&suite, test, &dir);
        if report {
            println!(
                "{:<8} {:<60} expected {:<7} ours {:<40} openssl {}",
                test.number,
                test.name,
                if test.valid { "valid" } else { "invalid" },
                if errors.is_empty() {
                    "valid".to_owned()
                } else {
                    errors.join(",")
                },
                if openssl { "valid" } else { "invalid" }
            );
        }
        if openssl == test.valid {
            openssl_agree.count(test);
        }
        if errors.is_empty() == test.valid {
            ours_agree.count(test);
            if exceptions.contains_key(&test.number) {
                stale.push(test.number.clone());
            }
            continue;
        }
        if !test.valid {
            accepted_invalid.push(format!("{} {}", test.number, test.name));
        } else if !exceptions.contains_key(&test.number) {
            unlisted.push(format!("{} {}: {errors:?}", test.number, test.name));
        }
    }
    let narrow = suite.tests.iter().filter(|t| t.in_narrow_suite()).count();
    println!(
        "NIST PKITS: tlsinspect agrees on {} of {} tests ({} of {narrow} without 4.13 and 4.15); \
         openssl verify -crl_check_all on {} ({})",
        ours_agree.all,
        suite.tests.len(),
        ours_agree.narrow,
        openssl_agree.all,
        openssl_agree.narrow
    );
    let unknown: Vec<&String> = exceptions.keys().filter(|n| !seen.contains(*n)).collect();
    assert!(
        accepted_invalid.is_empty(),
        "invalid paths reported clean:\n{}",
        accepted_invalid.join("\n")
    );
    assert!(
        unlisted.is_empty(),
        "disagreements not in the exceptions file:\n{}",
        unlisted.join("\n")
    );
    assert!(
        stale.is_empty() && unknown.is_empty(),
        "listed as exceptions but now agree: {stale:?}; not PKITS tests: {unknown:?}"
    );
    assert!(
        ours_agree.all >= openssl_agree.all && ours_agree.narrow >= openssl_agree.narrow,
        "tlsinspect agrees less often than OpenSSL: {ours_agree:?} against {openssl_agree:?}"
    );
}
