//! Saved CRLs applied offline (`inspect --crl-file`), and agreement with `openssl verify
//! -crl_check` on the same files.

use std::process::Command;

use crate::support::*;

fn inspect_with_crl(crl: &str) -> (std::process::Output, JsonReport) {
    let crl = testcerts().join("valid").join(crl);
    let crl = crl.to_str().unwrap();
    inspect_scenario(
        "valid",
        &["--host", HOST, "--crl-file", crl, "--at", TEST_NOW],
    )
}

/// `openssl verify -crl_check` on the same files; true when it accepts the leaf.
fn openssl_accepts(crl: &str) -> bool {
    let dir = testcerts().join("valid");
    let pem = std::env::temp_dir().join(format!("tlsinspect-{crl}-{}.pem", std::process::id()));
    let converted = Command::new(openssl())
        .args(["crl", "-inform", "DER", "-outform", "PEM", "-in"])
        .arg(dir.join(crl))
        .arg("-out")
        .arg(&pem)
        .status()
        .unwrap();
    assert!(converted.success());
    let epoch = tlsinspect::clock::parse_rfc3339(TEST_NOW)
        .unwrap()
        .unix_timestamp()
        .to_string();
    Command::new(openssl())
        .args(["verify", "-crl_check", "-attime", &epoch])
        .arg("-CAfile")
        .arg(testcerts().join("ca.pem"))
        .arg("-untrusted")
        .arg(dir.join("inter.pem"))
        .arg("-CRLfile")
        .arg(&pem)
        .arg(dir.join("leaf.pem"))
        .output()
        .unwrap()
        .status
        .success()
}

#[test]
fn a_fresh_crl_without_the_leaf_gives_no_finding_as_openssl_agrees() {
    crate::skip_on_windows!("openssl");
    let (output, report) = inspect_with_crl("inter.crl.der");
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(
        report.endpoints[0].findings.is_empty(),
        "{:?}",
        report.endpoints[0].codes()
    );
    assert_eq!(
        report.endpoints[0].revocation.as_ref().unwrap().status,
        "good"
    );
    assert!(openssl_accepts("inter.crl.der"));
}

#[test]
fn a_crl_listing_the_leaf_is_revoked_with_reason_and_date_as_openssl_agrees() {
    crate::skip_on_windows!("openssl");
    let (output, report) = inspect_with_crl("inter-revoked.crl.der");
    assert_eq!(output.status.code(), Some(1));
    let endpoint = &report.endpoints[0];
    assert_eq!(endpoint.codes(), ["revoked"]);
    let outcome = &endpoint.findings[0].evidence["sources"][0];
    assert_eq!(outcome["source"], "crl");
    assert_eq!(outcome["status"], "revoked");
    assert_eq!(outcome["authenticated"], true);
    assert_eq!(outcome["revocation_reason"], "KeyCompromise");
    assert_eq!(outcome["revoked_at"], "2029-12-01T00:00:00Z");
    assert_eq!(
        endpoint.findings[0].winhttp_flag.as_deref(),
        Some("WINHTTP_CALLBACK_STATUS_FLAG_CERT_REVOKED")
    );
    assert!(!openssl_accepts("inter-revoked.crl.der"));
}

#[test]
fn a_stale_crl_is_revocation_unavailable_never_good() {
    crate::skip_on_windows!("openssl");
    let (output, report) = inspect_with_crl("inter-stale.crl.der");
    // Soft policy: a warning, exit 0; openssl, stricter, refuses outright.
    assert_eq!(output.status.code(), Some(0));
    let endpoint = &report.endpoints[0];
    assert_eq!(endpoint.codes(), ["revocation-unavailable"]);
    assert!(
        endpoint.findings[0].message.contains("stale"),
        "{}",
        endpoint.findings[0].message
    );
    assert!(!openssl_accepts("inter-stale.crl.der"));
}

#[test]
fn a_tampered_crl_or_garbage_is_never_good() {
    let dir = scratch("crl");
    let mut bytes = std::fs::read(testcerts().join("valid/inter-revoked.crl.der")).unwrap();
    let last = bytes.len() - 3;
    bytes[last] ^= 0x55; // inside the signature
    std::fs::write(dir.join("tampered.crl.der"), &bytes).unwrap();
    std::fs::write(dir.join("garbage.crl.der"), [0x30, 0x82, 0x00, 0x10, 0xff]).unwrap();
    for name in ["tampered.crl.der", "garbage.crl.der"] {
        let ca = testcerts().join("ca.pem");
        let valid = testcerts().join("valid");
        let output = tlsinspect(&[
            "inspect",
            valid.join("fullchain.pem").to_str().unwrap(),
            "--ca-file",
            ca.to_str().unwrap(),
            "--crl-file",
            dir.join(name).to_str().unwrap(),
            "--at",
            TEST_NOW,
            "--format",
            "json",
        ]);
        let report = parse_report(&output);
        assert_eq!(
            report.endpoints[0].codes(),
            ["revocation-unavailable"],
            "{name}"
        );
    }
    let output = tlsinspect(&[
        "inspect",
        "--crl-file",
        "/nonexistent.crl",
        testcerts().join("ca.pem").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
}

/// A CRL by the lab intermediate made with `openssl ca -gencrl` (2029-12-01 → 2030-12-01),
/// listing the revoked-by-crl leaf when `list_leaf`, with an issuingDistributionPoint naming
/// `idp` when given. Returns the DER path.
fn openssl_ca_crl(name: &str, list_leaf: bool, idp: Option<&str>) -> std::path::PathBuf {
    let dir = scratch(&format!("ca-{name}"));
    let leaf = testcerts().join("revoked-by-crl/leaf.pem");
    let serial = openssl_serial(&leaf);
    let index = if list_leaf {
        format!("R\t400101000000Z\t291201000000Z,keyCompromise\t{serial}\tunknown\t/CN={HOST}\n")
    } else {
        String::new()
    };
    std::fs::write(dir.join("index.txt"), index).unwrap();
    std::fs::write(dir.join("index.txt.attr"), "").unwrap();
    std::fs::write(dir.join("crlnumber"), "01\n").unwrap();
    let mut config = format!(
        "[ ca ]\ndefault_ca = lab\n[ lab ]\ndatabase = {}\ncrlnumber = {}\ndefault_md = sha256\n",
        dir.join("index.txt").display(),
        dir.join("crlnumber").display()
    );
    if let Some(url) = idp {
        config.push_str(&format!(
            "crl_extensions = crl_ext\n[ crl_ext ]\nissuingDistributionPoint = critical, @idp\n\
             [ idp ]\nfullname = URI:{url}\n"
        ));
    }
    std::fs::write(dir.join("ca.cnf"), config).unwrap();
    let valid = testcerts().join("valid");
    let made = Command::new(openssl())
        .args(["ca", "-gencrl", "-config"])
        .arg(dir.join("ca.cnf"))
        .arg("-keyfile")
        .arg(valid.join("inter.key"))
        .arg("-cert")
        .arg(valid.join("inter.pem"))
        .args([
            "-crl_lastupdate",
            "20291201000000Z",
            "-crl_nextupdate",
            "20301201000000Z",
        ])
        .arg("-out")
        .arg(dir.join("crl.pem"))
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", stderr(&made));
    let der = dir.join("crl.der");
    let converted = Command::new(openssl())
        .args(["crl", "-outform", "DER", "-in"])
        .arg(dir.join("crl.pem"))
        .arg("-out")
        .arg(&der)
        .status()
        .unwrap();
    assert!(converted.success());
    der
}

/// Our status for the revoked-by-crl leaf with `crl`, and whether `openssl verify -crl_check`
/// accepts it with the same CRL.
fn ours_and_openssl(crl: &std::path::Path) -> (String, Option<String>, bool) {
    let dir = testcerts().join("revoked-by-crl");
    let ca = testcerts().join("ca.pem");
    let crl_arg = crl.to_str().unwrap();
    let (_, report) =
        inspect_scenario("revoked-by-crl", &["--crl-file", crl_arg, "--at", TEST_NOW]);
    let source = report.endpoints[0].revocation.as_ref().unwrap().sources[0].clone();
    let epoch = tlsinspect::clock::parse_rfc3339(TEST_NOW)
        .unwrap()
        .unix_timestamp()
        .to_string();
    let accepted = Command::new(openssl())
        .args(["verify", "-crl_check", "-attime", &epoch, "-CAfile"])
        .arg(&ca)
        .arg("-untrusted")
        .arg(dir.join("inter.pem"))
        .arg("-CRLfile")
        .arg(crl.with_extension("pem"))
        .arg(dir.join("leaf.pem"))
        .output()
        .unwrap()
        .status
        .success();
    (source.status, source.reason, accepted)
}

#[test]
fn openssl_ca_crls_and_their_partitions_are_read_as_openssl_verify_reads_them() {
    crate::skip_on_windows!("openssl");
    let own_partition = tlsinspect::lab::CRL_URL;
    let other_partition = "http://crl.tlsinspect.test/partition-2.crl";
    let cases = [
        ("listed", true, None, "revoked", false),
        ("listed-idp", true, Some(own_partition), "revoked", false),
        ("empty-idp", false, Some(own_partition), "good", true),
        ("empty", false, None, "good", true),
        (
            "other-partition",
            true,
            Some(other_partition),
            "unavailable",
            false,
        ),
    ];
    for (name, listed, idp, expected, openssl_accepts) in cases {
        let crl = openssl_ca_crl(name, listed, idp);
        let (status, reason, accepted) = ours_and_openssl(&crl);
        assert_eq!(status, expected, "{name}: {reason:?}");
        assert_eq!(
            accepted, openssl_accepts,
            "{name}: openssl verify -crl_check"
        );
        if name == "other-partition" {
            assert_eq!(reason.as_deref(), Some("not-for-this-certificate"));
        }
    }
}
