//! The checked-in testcerts/ are re-parsed and each scenario's declared properties asserted, so a
//! hand edit or a drifted regeneration fails here (no byte comparison: keys are random).

use time::macros::datetime;
use tlsinspect::chain::{CertInfo, read_certificates};

use crate::support::{HOST, testcerts};

fn cert(scenario: &str, file: &str) -> CertInfo {
    let bytes = std::fs::read(testcerts().join(scenario).join(file)).unwrap();
    CertInfo::parse(&read_certificates(&bytes).unwrap()[0]).unwrap()
}

fn count(scenario: &str, file: &str) -> usize {
    let bytes = std::fs::read(testcerts().join(scenario).join(file)).unwrap();
    read_certificates(&bytes)
        .map(|certs| certs.len())
        .unwrap_or(0)
}

#[test]
fn every_scenario_has_its_files_and_declared_properties() {
    let ca = CertInfo::parse(
        &read_certificates(&std::fs::read(testcerts().join("ca.pem")).unwrap()).unwrap()[0],
    )
    .unwrap();
    assert!(ca.self_signed && ca.is_ca);
    assert_eq!(
        (ca.not_before, ca.not_after),
        (
            datetime!(2020-01-01 00:00 UTC),
            datetime!(2050-01-01 00:00 UTC)
        )
    );
    let cases = [
        // scenario, not_before, not_after, served certificates, issued by the trusted ca
        (
            "valid",
            datetime!(2024-01-01 00:00 UTC),
            datetime!(2040-01-01 00:00 UTC),
            2,
            true,
        ),
        (
            "expired",
            datetime!(2020-01-01 00:00 UTC),
            datetime!(2021-01-01 00:00 UTC),
            2,
            true,
        ),
        (
            "not-yet-valid",
            datetime!(2035-01-01 00:00 UTC),
            datetime!(2040-01-01 00:00 UTC),
            2,
            true,
        ),
        (
            "wrong-host",
            datetime!(2024-01-01 00:00 UTC),
            datetime!(2040-01-01 00:00 UTC),
            2,
            true,
        ),
        (
            "self-signed",
            datetime!(2024-01-01 00:00 UTC),
            datetime!(2040-01-01 00:00 UTC),
            1,
            false,
        ),
        (
            "untrusted-root",
            datetime!(2024-01-01 00:00 UTC),
            datetime!(2040-01-01 00:00 UTC),
            3,
            false,
        ),
        (
            "missing-intermediate",
            datetime!(2024-01-01 00:00 UTC),
            datetime!(2040-01-01 00:00 UTC),
            1,
            true,
        ),
    ];
    for (scenario, not_before, not_after, served, from_ca) in cases {
        let leaf = cert(scenario, "leaf.pem");
        assert_eq!(
            (leaf.not_before, leaf.not_after),
            (not_before, not_after),
            "{scenario}"
        );
        assert_eq!(count(scenario, "served.pem"), served, "{scenario}");
        assert_eq!(
            count(scenario, "fullchain.pem"),
            if scenario == "self-signed" { 1 } else { 3 },
            "{scenario}"
        );
        assert!(!leaf.is_ca, "{scenario}");
        assert_eq!(
            leaf.extended_key_usage.as_deref(),
            Some(&["serverAuth".to_owned()][..]),
            "{scenario}"
        );
        let root = cert(scenario, "root.pem");
        assert_eq!(root.sha256 == ca.sha256, from_ca, "{scenario}");
        if scenario == "self-signed" {
            assert!(leaf.self_signed);
            continue;
        }
        let inter = cert(scenario, "inter.pem");
        assert_eq!(leaf.issuer, inter.subject, "{scenario}");
        assert_eq!(inter.issuer, root.subject, "{scenario}");
        assert!(inter.is_ca && root.self_signed, "{scenario}");
        let names = leaf.names();
        if scenario == "wrong-host" {
            assert_eq!(names, ["wrong.tlsinspect.test"]);
        } else {
            for name in [
                HOST,
                "localhost",
                "server.tlsinspect.test",
                "127.0.0.1",
                "::1",
            ] {
                assert!(names.iter().any(|n| n == name), "{scenario}: {name}");
            }
        }
        let aia = if scenario == "missing-intermediate" {
            vec![tlsinspect::lab::AIA_URL.to_owned()]
        } else {
            Vec::new()
        };
        assert_eq!(leaf.ca_issuers, aia, "{scenario}");
    }
}

#[test]
fn the_crl_scenarios_name_their_lab_crls() {
    for (scenario, url) in [
        ("revoked-by-crl", tlsinspect::lab::CRL_URL),
        ("ocsp-unknown", tlsinspect::lab::CRL_URL),
        ("stale-crl", tlsinspect::lab::STALE_CRL_URL),
        (
            "revocation-unreachable",
            tlsinspect::lab::UNREACHABLE_CRL_URL,
        ),
    ] {
        let leaf = cert(scenario, "leaf.pem");
        assert_eq!(leaf.crl_urls, [url], "{scenario}");
        assert_eq!(
            leaf.issuer,
            cert(scenario, "inter.pem").subject,
            "{scenario}"
        );
        assert_eq!(
            (leaf.not_before, leaf.not_after),
            (
                datetime!(2024-01-01 00:00 UTC),
                datetime!(2040-01-01 00:00 UTC)
            )
        );
    }
    // The other scenarios make no revocation traffic.
    for scenario in ["valid", "expired", "wrong-host", "missing-intermediate"] {
        let leaf = cert(scenario, "leaf.pem");
        assert!(
            leaf.crl_urls.is_empty() && leaf.ocsp_urls.is_empty(),
            "{scenario}"
        );
    }
}

#[test]
fn the_ocsp_scenarios_name_their_responder() {
    for scenario in [
        "revoked-by-ocsp",
        "ocsp-unknown",
        "stapled-ocsp-good",
        "stapled-ocsp-revoked",
        "ocsp-bad-signature",
    ] {
        assert_eq!(
            cert(scenario, "leaf.pem").ocsp_urls,
            [tlsinspect::lab::OCSP_URL],
            "{scenario}"
        );
    }
    assert_eq!(
        cert("revocation-unreachable", "leaf.pem").ocsp_urls,
        [tlsinspect::lab::UNREACHABLE_OCSP_URL]
    );
    let wr3 = cert("revoked-intermediate", "inter.pem");
    assert_eq!(wr3.crl_urls, [tlsinspect::lab::ROOT_CRL_URL]);
    assert!(wr3.subject.contains("Lab WR3"), "{}", wr3.subject);
}
