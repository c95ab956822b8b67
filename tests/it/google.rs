//! The three real Google chains (copied from the project's reference data into
//! tests/data/google-chains): clean at an instant inside their validity, expired today, and never
//! an unexpected issuer against Google's pins.

use crate::support::*;

const CHAINS: [(&str, &str, &str); 3] = [
    (
        "star-google-com_we2_2026-06-22.chain.pem",
        "mail.google.com",
        "2026-07-01T00:00:00Z",
    ),
    (
        "www-google-com_wr2_2025-12-29.chain.pem",
        "www.google.com",
        "2026-01-15T00:00:00Z",
    ),
    (
        "good-gtsr1-demo-pki-goog_gts1d4_2023-03-27.chain.pem",
        "good.gtsr1.demo.pki.goog",
        "2023-04-15T00:00:00Z",
    ),
];

/// `inspect` of one real chain for `host` at `at`, with `extra` arguments.
fn inspect(file: &str, host: &str, at: &str, extra: &[&str]) -> (std::process::Output, JsonReport) {
    let path = repo().join("tests/data/google-chains").join(file);
    let mut args = vec![
        "inspect",
        path.to_str().unwrap(),
        "--host",
        host,
        "--at",
        at,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let output = tlsinspect(&args);
    let report = parse_report(&output);
    (output, report)
}

#[test]
fn real_google_chains_validate_cleanly_inside_their_validity() {
    for (file, host, at) in CHAINS {
        let (output, report) = inspect(file, host, at, &[]);
        let endpoint = &report.endpoints[0];
        assert_eq!(
            output.status.code(),
            Some(0),
            "{file}: {:?}",
            endpoint.findings
        );
        assert!(
            endpoint.findings.is_empty(),
            "{file}: {:?}",
            endpoint.findings
        );
        let trust = endpoint.trust.as_ref().unwrap();
        assert_eq!(trust["status"], "trusted", "{file}");
        let anchor = trust["anchor_subject"].as_str().unwrap();
        assert!(
            anchor.contains("GTS Root") || anchor.contains("GlobalSign"),
            "{file}: {anchor}"
        );
        // Google's leaves carry SCTs logged when the leaf was issued: time evidence for the
        // clock-skew verdict, from a source an interceptor cannot forge.
        let leaf = &endpoint.certificates[0];
        assert!(leaf.sct_count >= 2, "{file}");
        assert_eq!(leaf.sct_timestamps.len(), leaf.sct_count, "{file}");
        for logged in &leaf.sct_timestamps {
            let logged = tlsinspect::clock::parse_rfc3339(logged).unwrap();
            let not_before = tlsinspect::clock::parse_rfc3339(&leaf.not_before).unwrap();
            let gap = (logged - not_before).whole_days().abs();
            assert!(
                gap <= 2,
                "{file}: SCT {logged} far from notBefore {not_before}"
            );
        }
    }
}

#[test]
fn real_google_chains_are_expired_today() {
    for (file, host, _) in CHAINS {
        let (output, report) = inspect(file, host, "2026-11-28T00:00:00Z", &[]);
        assert_eq!(output.status.code(), Some(1), "{file}");
        let endpoint = &report.endpoints[0];
        assert_eq!(
            endpoint.headline.as_deref(),
            Some("expired"),
            "{file}: {:?}",
            endpoint.codes()
        );
        assert_eq!(endpoint.findings[0].cert_index, Some(0));
        assert_eq!(
            endpoint.trust.as_ref().unwrap()["status"],
            "trusted",
            "{file}"
        );
    }
}

/// Google's roots (data/google-roots) in one PEM file, as a user would pass to --pin-file.
fn google_pin_file() -> std::path::PathBuf {
    let dir = repo().join("data/google-roots");
    let mut pem = String::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        pem.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    let path =
        std::env::temp_dir().join(format!("tlsinspect-google-pins-{}.pem", std::process::id()));
    std::fs::write(&path, pem).unwrap();
    path
}

#[test]
fn real_google_chains_meet_google_pins_and_not_foreign_ones() {
    let google = google_pin_file();
    let lab_root = testcerts().join("ca.pem");
    for (file, host, at) in CHAINS {
        let (output, report) = inspect(file, host, at, &["--pin-file", google.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(0), "{file}");
        assert!(
            report.endpoints[0].findings.is_empty(),
            "{file}: {}",
            stdout(&output)
        );
        let (output, report) = inspect(file, host, at, &["--pin-file", lab_root.to_str().unwrap()]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{file}: unexpected-issuer is a warning"
        );
        assert_eq!(report.endpoints[0].codes(), ["unexpected-issuer"], "{file}");
    }
}
