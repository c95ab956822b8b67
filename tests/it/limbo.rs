//! x509-limbo (tests/data/x509-limbo): every server-validation case through `inspect`'s code
//! path, against the expected result and against rustls-webpki's own verdict on the same case.
//!
//! - tlsinspect must never accept a chain rustls-webpki rejects;
//! - every disagreement with the expected result is listed, with its reason, in
//!   tests/x509-limbo-exceptions.txt, and a listed case that now agrees fails too.

use std::collections::BTreeMap;
use std::io::Read;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, ServerName, UnixTime};
use serde::Deserialize;
use tlsinspect::revocation::{Depth, RevocationOptions, RevocationPolicy};
use tlsinspect::validate::anchors_from_pem;
use tlsinspect::{InspectRequest, SavedRevocation, Severity, inspect_chain};

use crate::support::repo;

#[derive(Debug, Deserialize)]
struct Limbo {
    testcases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
struct Case {
    id: String,
    validation_kind: String,
    trusted_certs: Vec<String>,
    untrusted_intermediates: Vec<String>,
    peer_certificate: String,
    validation_time: Option<String>,
    expected_peer_name: Option<PeerName>,
    expected_result: String,
    crls: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct PeerName {
    value: String,
}

fn cases() -> Vec<Case> {
    let file = std::fs::File::open(repo().join("tests/data/x509-limbo/limbo.json.gz")).unwrap();
    let mut json = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut json)
        .unwrap();
    let limbo: Limbo = serde_json::from_str(&json).unwrap();
    limbo
        .testcases
        .into_iter()
        .filter(|case| case.validation_kind == "SERVER")
        .collect()
}

fn der(pem: &str) -> CertificateDer<'static> {
    CertificateDer::from_pem_slice(pem.as_bytes()).unwrap()
}

fn at(case: &Case) -> time::OffsetDateTime {
    // Cases without a time are judged now, as limbo's harnesses do.
    case.validation_time
        .as_deref()
        .map(|text| tlsinspect::clock::parse_rfc3339(text).unwrap())
        .unwrap_or_else(time::OffsetDateTime::now_utc)
}

/// tlsinspect's verdict: any error finding rejects (the error codes); warnings beside.
struct Verdict {
    errors: Vec<String>,
    warnings: Vec<String>,
}

impl Verdict {
    fn accepts(&self) -> bool {
        self.errors.is_empty()
    }
}

fn ours(case: &Case) -> Verdict {
    let mut chain = vec![der(&case.peer_certificate)];
    chain.extend(case.untrusted_intermediates.iter().map(|pem| der(pem)));
    let anchors = match anchors_from_pem(case.trusted_certs.concat().as_bytes()) {
        Ok(anchors) => anchors,
        Err(error) => {
            return Verdict {
                errors: vec![format!("anchors: {error}")],
                warnings: Vec::new(),
            };
        }
    };
    let host = case
        .expected_peer_name
        .as_ref()
        .map(|name| name.value.parse().unwrap());
    let request = InspectRequest {
        files: Vec::new(),
        host,
        at: at(case),
        pins: None,
        crl_files: Vec::new(),
        ocsp_files: Vec::new(),
        // With CRLs handed over, an answer that cannot be used is a failure (`--revocation hard`),
        // as limbo expects of a validator given CRLs.
        revocation: RevocationOptions {
            policy: if case.crls.is_empty() {
                RevocationPolicy::Soft
            } else {
                RevocationPolicy::Hard
            },
            depth: Depth::Chain,
            leeway: time::Duration::ZERO,
            nonce: true,
        },
    };
    let saved = SavedRevocation {
        crls: case
            .crls
            .iter()
            .map(|pem| CertificateRevocationListDer::from_pem_slice(pem.as_bytes()).unwrap())
            .collect(),
        ocsp_responses: Vec::new(),
    };
    let report = inspect_chain(case.id.clone(), &chain, &request, &saved, &anchors);
    let codes = |severity| -> Vec<String> {
        report.endpoints[0]
            .findings
            .iter()
            .filter(|finding| finding.severity == severity)
            .map(|finding| finding.code.to_string())
            .collect()
    };
    Verdict {
        errors: codes(Severity::Error),
        warnings: codes(Severity::Warning),
    }
}

/// rustls-webpki's own verdict on the case (path, time, usage, CRLs, name).
fn webpki_verdict(case: &Case) -> Result<(), String> {
    let peer = der(&case.peer_certificate);
    let intermediates: Vec<CertificateDer<'static>> = case
        .untrusted_intermediates
        .iter()
        .map(|pem| der(pem))
        .collect();
    let roots: Vec<CertificateDer<'static>> =
        case.trusted_certs.iter().map(|pem| der(pem)).collect();
    let anchors: Vec<_> = roots
        .iter()
        .filter_map(|root| webpki::anchor_from_trusted_cert(root).ok())
        .collect();
    let crls: Vec<webpki::OwnedCertRevocationList> = case
        .crls
        .iter()
        .filter_map(|pem| {
            let der = CertificateRevocationListDer::from_pem_slice(pem.as_bytes()).ok()?;
            webpki::OwnedCertRevocationList::from_der(der.as_ref()).ok()
        })
        .collect();
    let crl_refs: Vec<webpki::CertRevocationList<'_>> = crls
        .iter()
        .map(|crl| webpki::CertRevocationList::Owned(crl.clone()))
        .collect();
    let crl_refs: Vec<&webpki::CertRevocationList<'_>> = crl_refs.iter().collect();
    let revocation = (!crl_refs.is_empty()).then(|| {
        webpki::RevocationOptionsBuilder::new(&crl_refs)
            .unwrap()
            .with_depth(webpki::RevocationCheckDepth::Chain)
            .with_status_policy(webpki::UnknownStatusPolicy::Allow)
            .with_expiration_policy(webpki::ExpirationPolicy::Enforce)
            .build()
    });
    let end_entity = webpki::EndEntityCert::try_from(&peer).map_err(|e| format!("{e:?}"))?;
    let seconds = u64::try_from(at(case).unix_timestamp()).unwrap_or(0);
    let time = UnixTime::since_unix_epoch(std::time::Duration::from_secs(seconds));
    end_entity
        .verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &anchors,
            &intermediates,
            time,
            webpki::KeyUsage::server_auth(),
            revocation,
            None,
        )
        .map_err(|e| format!("{e:?}"))?;
    if let Some(name) = &case.expected_peer_name {
        let server_name = ServerName::try_from(name.value.as_str()).map_err(|e| e.to_string())?;
        end_entity
            .verify_is_valid_for_subject_name(&server_name)
            .map_err(|e| format!("{e:?}"))?;
    }
    Ok(())
}

/// How tlsinspect departs from the expected result on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Departure {
    /// Reported as a `nonconforming-certificate` warning, not an error.
    Warning,
    /// Refused, as rustls-webpki refuses it.
    Stricter,
    /// An option of the test harness tlsinspect does not have.
    Unsupported,
}

/// `id<TAB>warning|stricter|unsupported<TAB>reason` lines; `#` comments.
fn exceptions() -> BTreeMap<String, (Departure, String)> {
    let text = std::fs::read_to_string(repo().join("tests/x509-limbo-exceptions.txt")).unwrap();
    text.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let mut fields = line.split('\t');
            let id = fields.next().unwrap_or_default().trim().to_owned();
            let departure = match fields.next().map(str::trim) {
                Some("warning") => Departure::Warning,
                Some("stricter") => Departure::Stricter,
                Some("unsupported") => Departure::Unsupported,
                other => panic!("{id}: unknown departure {other:?}"),
            };
            let reason = fields.next().unwrap_or_default().trim().to_owned();
            assert!(!reason.is_empty(), "{id}: every exception needs a reason");
            (id, (departure, reason))
        })
        .collect()
}

#[test]
fn x509_limbo_agrees_except_where_listed_and_is_never_more_lenient_than_webpki() {
    let report = std::env::var_os("LIMBO_REPORT").is_some();
    let exceptions = exceptions();
    let mut agree = 0;
    let mut lenient = Vec::new();
    let mut unlisted = Vec::new();
    let mut stale = Vec::new();
    let mut untrue = Vec::new();
    let (mut accepts_bad, mut rejects_good) = (0, 0);
    let cases = cases();
    for case in &cases {
        let ours = ours(case);
        let theirs = webpki_verdict(case);
        let expected_ok = case.expected_result == "SUCCESS";
        if report {
            println!(
                "{:<70} expected {:<7} ours {:<40} webpki {}",
                case.id,
                case.expected_result,
                if ours.accepts() {
                    format!("ok {}", ours.warnings.join(","))
                } else {
                    ours.errors.join(",")
                },
                match &theirs {
                    Ok(()) => "ok".to_owned(),
                    Err(error) => error.chars().take(60).collect(),
                }
            );
        }
        if let (true, Err(error)) = (ours.accepts(), &theirs) {
            lenient.push(format!("{}: webpki {error}", case.id));
        }
        let agrees = ours.accepts() == expected_ok;
        if agrees {
            agree += 1;
            if exceptions.contains_key(&case.id) {
                stale.push(case.id.clone());
            }
        } else {
            if expected_ok {
                rejects_good += 1;
            } else {
                accepts_bad += 1;
            }
            match exceptions.get(&case.id) {
                None => unlisted.push(format!(
                    "{} (expected {}, ours {:?})",
                    case.id, case.expected_result, ours.errors
                )),
                Some((Departure::Warning, _))
                    if !ours
                        .warnings
                        .iter()
                        .any(|code| code == "nonconforming-certificate") =>
                {
                    untrue.push(format!("{}: no nonconforming-certificate warning", case.id));
                }
                Some((Departure::Stricter, _)) if theirs.is_ok() => {
                    untrue.push(format!("{}: webpki accepts it", case.id));
                }
                Some(_) => {}
            }
        }
    }
    println!(
        "x509-limbo: {} server cases: {agree} agree, {accepts_bad} accepted that should be \
         rejected, {rejects_good} rejected that should be accepted",
        cases.len()
    );
    assert!(
        lenient.is_empty(),
        "accepted although webpki rejects:\n{}",
        lenient.join("\n")
    );
    assert!(
        unlisted.is_empty(),
        "disagreements not in the exceptions file:\n{}",
        unlisted.join("\n")
    );
    assert!(
        stale.is_empty(),
        "listed as exceptions but now agree:\n{}",
        stale.join("\n")
    );
    assert!(
        untrue.is_empty(),
        "exceptions whose reason does not hold:\n{}",
        untrue.join("\n")
    );
}
