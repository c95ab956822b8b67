//! The binary: exit codes, the JSON contract, and checks against `openssl s_server` (an
//! independent TLS peer) serving the checked-in testcerts.

use std::sync::{Arc, Mutex};

use crate::support::*;

fn check_scenario(scenario: &str, extra: &[&str]) -> (std::process::Output, JsonReport) {
    let server = OpensslServer::start(scenario);
    let connect_to = server.connect_to();
    let ca = testcerts().join("ca.pem");
    let ca = ca.to_str().unwrap();
    let url = format!("https://{HOST}/calendar/");
    let mut args = vec![
        "check",
        &url,
        "--connect-to",
        &connect_to,
        "--ca-file",
        ca,
        "--pin-file",
        ca,
        "--at",
        TEST_NOW,
        "--format",
        "json",
        "-q",
        "--timeout",
        "2",
    ];
    args.extend_from_slice(extra);
    let output = tlsinspect(&args);
    let report = parse_report(&output);
    (output, report)
}

#[test]
fn a_valid_chain_from_openssl_s_server_passes_with_exit_0() {
    crate::skip_on_windows!("openssl");
    let (output, report) = check_scenario("valid", &[]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(stderr(&output), "");
    assert_eq!(report.schema_version, 2);
    assert_eq!(report.command, "check");
    assert_eq!(report.evaluated_at, TEST_NOW);
    assert!(report.profile.is_none());
    let endpoint = &report.endpoints[0];
    assert_eq!(endpoint.findings.len(), 0, "{:?}", endpoint.findings);
    assert_eq!(endpoint.status, "ok");
    assert_eq!(endpoint.certificates.len(), 2);
    assert_eq!(endpoint.certificates[0].dns_names[0], HOST);
    assert_eq!(endpoint.trust.as_ref().unwrap()["status"], "trusted");
    // The leaf names no CRL: revocation was not checked, and nothing claims it is good.
    assert!(endpoint.revocation.is_none());
    let tls = endpoint.tls.as_ref().unwrap();
    assert!(tls.version.starts_with("TLSv1."));
    assert_eq!(tls.sni.as_deref(), Some(HOST));
    let destination = endpoint.destination.as_ref().unwrap();
    assert!(destination.peer.starts_with("127.0.0.1:"));
    assert!(destination.connect_to.is_some());
    assert_eq!(report.summary.ok, 1);
}

#[test]
fn every_broken_testcerts_scenario_is_diagnosed_through_openssl_s_server() {
    crate::skip_on_windows!("openssl");
    let cases = [
        (
            "expired",
            "expired",
            "WINHTTP_CALLBACK_STATUS_FLAG_CERT_DATE_INVALID",
        ),
        (
            "not-yet-valid",
            "not-yet-valid",
            "WINHTTP_CALLBACK_STATUS_FLAG_CERT_DATE_INVALID",
        ),
        (
            "wrong-host",
            "name-mismatch",
            "WINHTTP_CALLBACK_STATUS_FLAG_CERT_CN_INVALID",
        ),
        (
            "self-signed",
            "self-signed",
            "WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA",
        ),
        (
            "untrusted-root",
            "untrusted-root",
            "WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA",
        ),
    ];
    for (scenario, code, flag) in cases {
        let (output, report) = check_scenario(scenario, &[]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{scenario}: {}",
            stderr(&output)
        );
        assert_eq!(stderr(&output), "", "{scenario}");
        let endpoint = &report.endpoints[0];
        assert_eq!(
            endpoint.headline.as_deref(),
            Some(code),
            "{scenario}: {:?}",
            endpoint.codes()
        );
        let finding = endpoint.findings.iter().find(|f| f.code == code).unwrap();
        assert_eq!(finding.severity, "error");
        assert_eq!(finding.winhttp_flag.as_deref(), Some(flag), "{scenario}");
        assert!(!finding.message.is_empty());
        assert_eq!(report.summary.errors, 1);
    }
}

#[test]
fn an_expired_leaf_is_reported_with_its_not_after() {
    crate::skip_on_windows!("openssl");
    let (_, report) = check_scenario("expired", &[]);
    let finding = &report.endpoints[0].findings[0];
    assert_eq!(finding.code, "expired");
    assert_eq!(finding.cert_index, Some(0));
    assert_eq!(finding.evidence["kind"], "validity");
    assert_eq!(finding.evidence["not_after"], "2021-01-01T00:00:00Z");
    assert_eq!(finding.evidence["at"], TEST_NOW);
    // The chain itself is trusted: time and trust are judged separately.
    assert_eq!(
        report.endpoints[0].trust.as_ref().unwrap()["status"],
        "trusted"
    );
}

#[test]
fn a_missing_intermediate_is_fetched_from_aia_and_named() {
    crate::skip_on_windows!("openssl");
    let inter = pem_to_der(&testcerts().join("missing-intermediate/inter.pem"));
    let aia = http_file(inter);
    let rule = format!("aia.tlsinspect.test:80:127.0.0.1:{}", aia.addr.port());
    let (output, report) = check_scenario("missing-intermediate", &["--connect-to", &rule]);
    assert_eq!(output.status.code(), Some(1));
    let endpoint = &report.endpoints[0];
    assert_eq!(endpoint.codes(), ["incomplete-chain"]);
    let evidence = &endpoint.findings[0].evidence;
    assert_eq!(evidence["kind"], "missing-issuer");
    assert_eq!(
        evidence["fetched_subject"],
        "C=US, O=tlsinspect lab (TEST ONLY), CN=Lab WR2"
    );
    assert_eq!(
        evidence["aia_urls"][0],
        "http://aia.tlsinspect.test/lab-wr2.der"
    );
    assert_eq!(
        endpoint.trust.as_ref().unwrap()["via_fetched_intermediate"],
        true
    );
}

#[test]
fn a_missing_intermediate_that_cannot_be_fetched_says_why() {
    crate::skip_on_windows!("openssl");
    // Port 9 on loopback: nothing listens, the AIA fetch is refused.
    let (output, report) = check_scenario(
        "missing-intermediate",
        &["--connect-to", "aia.tlsinspect.test:80:127.0.0.1:9"],
    );
    assert_eq!(output.status.code(), Some(1));
    let endpoint = &report.endpoints[0];
    assert_eq!(endpoint.headline.as_deref(), Some("incomplete-chain"));
    let finding = endpoint
        .findings
        .iter()
        .find(|f| f.code == "incomplete-chain")
        .unwrap();
    let error = finding.evidence["fetch_error"].as_str().unwrap();
    assert!(
        error.contains("http://aia.tlsinspect.test/lab-wr2.der"),
        "{error}"
    );
    assert_eq!(endpoint.trust.as_ref().unwrap()["status"], "untrusted");
}

#[test]
fn a_refused_port_is_connect_failed_with_exit_1() {
    let output = tlsinspect(&[
        "check",
        "https://www.google.com/",
        "--connect-to",
        "www.google.com:443:127.0.0.1:9",
        "--format",
        "json",
        "-q",
        "--no-proxy",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr(&output), "");
    let report = parse_report(&output);
    let finding = &report.endpoints[0].findings[0];
    assert_eq!(finding.code, "connect-failed");
    assert_eq!(finding.evidence["failure"], "refused");
    assert_eq!(finding.evidence["address"], "127.0.0.1:9");
    assert_eq!(
        finding.winhttp_flag.as_deref(),
        Some("ERROR_WINHTTP_CANNOT_CONNECT")
    );
}

/// `check` of a Gmail URL through the proxy at `addr` (which resolves the name, so this machine
/// never does), expecting exit 1.
fn check_mail_via_proxy(addr: &str) -> JsonReport {
    let output = tlsinspect(&[
        "check",
        "https://mail.google.com/mail/r/",
        "--proxy",
        &format!("http://{addr}"),
        "--format",
        "json",
        "-q",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    parse_report(&output)
}

/// A proxy that is not listening (Fiddler closed, its setting left behind) is named as the proxy.
#[test]
fn an_unreachable_proxy_is_connect_failed_naming_the_proxy() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy = closed.local_addr().unwrap();
    drop(closed);
    let report = check_mail_via_proxy(&proxy.to_string());
    let finding = &report.endpoints[0].findings[0];
    assert_eq!(finding.code, "connect-failed");
    assert_eq!(finding.evidence["proxy"], true);
    assert_eq!(finding.evidence["address"], proxy.to_string());
    assert!(
        finding.message.starts_with(&format!(
            "TCP connection to the proxy {proxy} was refused (asked for mail.google.com:443)"
        )),
        "{}",
        finding.message
    );
}

#[test]
fn a_407_proxy_is_proxy_auth_required_with_its_schemes() {
    let proxy = proxy_407();
    let report = check_mail_via_proxy(&proxy.addr.to_string());
    let finding = &report.endpoints[0].findings[0];
    assert_eq!(finding.code, "proxy-auth-required");
    assert_eq!(
        finding.evidence["schemes"],
        serde_json::json!(["NTLM", "Basic"])
    );
    assert!(
        report
            .summary
            .diagnosis
            .unwrap()
            .contains("authenticated proxies")
    );
}

#[test]
fn the_https_proxy_environment_variable_is_honoured_and_connect_goes_to_the_connect_to_address() {
    crate::skip_on_windows!("openssl");
    let server = OpensslServer::start("valid");
    let asked = Arc::new(Mutex::new(Vec::new()));
    let proxy = tunnel_proxy(Arc::clone(&asked));
    let ca = testcerts().join("ca.pem");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tlsinspect"))
        .args([
            "check",
            &format!("https://{HOST}/"),
            "--connect-to",
            &server.connect_to(),
        ])
        .args([
            "--ca-file",
            ca.to_str().unwrap(),
            "--pin-file",
            ca.to_str().unwrap(),
        ])
        .args(["--at", TEST_NOW, "--format", "json", "-q"])
        .env_clear()
        .env("HTTPS_PROXY", format!("http://{}", proxy.addr))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = parse_report(&output);
    let destination = report.endpoints[0].destination.as_ref().unwrap();
    assert_eq!(
        destination.proxy.as_deref(),
        Some(format!("http://{}", proxy.addr).as_str())
    );
    assert_eq!(*asked.lock().unwrap(), [server.addr.to_string()]);
}

#[test]
fn jsonl_has_one_line_per_endpoint_then_a_summary() {
    let output = tlsinspect(&[
        "check",
        "https://www.google.com/",
        "http://crl.pki.goog/",
        "--connect-to",
        "::127.0.0.1:9",
        "--format",
        "jsonl",
        "-q",
        "--no-proxy",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let lines = assert_schema_lines("check.jsonl.json", &output);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["type"], "endpoint");
    assert_eq!(lines[1]["type"], "endpoint");
    // Endpoints stream in the order they finish; `id` is their place in the list.
    let http = lines.iter().find(|line| line["id"] == 1).unwrap();
    assert_eq!(http["scheme"], "http");
    assert_eq!(http["port"], 80);
    assert_eq!(lines[2]["type"], "summary");
    assert_eq!(lines[2]["errors"], 2);
    assert!(lines.iter().all(|line| line["schema_version"] == 2));
}

#[test]
fn targets_files_are_read_and_bad_ones_exit_2() {
    let dir = std::env::temp_dir().join(format!("tlsinspect-targets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.txt");
    std::fs::write(
        &good,
        "# comment\nwww.google.com\nhttp://crl.pki.goog # crl\n",
    )
    .unwrap();
    let output = tlsinspect(&[
        "check",
        "--targets-file",
        good.to_str().unwrap(),
        "--connect-to",
        "::127.0.0.1:9",
        "--format",
        "json",
        "-q",
        "--no-proxy",
    ]);
    assert_eq!(parse_report(&output).endpoints.len(), 2);
    let bad = dir.join("bad.txt");
    std::fs::write(&bad, "ftp://x.example\n").unwrap();
    let output = tlsinspect(&["check", "--targets-file", bad.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with("tlsinspect: error: "),
        "{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains("line 1"));
}

#[test]
fn usage_errors_and_unreadable_input_exit_2_with_one_error_line() {
    let cases: &[&[&str]] = &[
        &["check", "--at", "yesterday"],
        &["check", "ftp://example.test"],
        &["check", "--connect-to", "nonsense"],
        &["check", "--ca-file", "/nonexistent/ca.pem"],
        &["inspect", "/nonexistent/leaf.pem"],
    ];
    for args in cases {
        let output = tlsinspect(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let text = stderr(&output);
        assert!(text.starts_with("tlsinspect: error: "), "{args:?}: {text}");
        assert_eq!(text.lines().count(), 1, "{args:?}: {text}");
        assert_eq!(stdout(&output), "");
    }
    let output = tlsinspect(&["check", "--format", "xml"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn help_documents_the_exit_codes() {
    let output = tlsinspect(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    for needle in [
        "Exit status:",
        "0  no finding",
        "1  at least one",
        "2  usage error",
        "demo",
    ] {
        assert!(text.contains(needle), "{needle}");
    }
}

#[test]
fn inspect_validates_files_offline_and_names_the_host() {
    let dir = testcerts().join("wrong-host");
    let ca = testcerts().join("ca.pem");
    let (output, report) = inspect_scenario("wrong-host", &["--host", HOST, "--at", TEST_NOW]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(report.command, "inspect");
    let endpoint = &report.endpoints[0];
    assert_eq!(endpoint.codes(), ["name-mismatch"]);
    assert_eq!(
        endpoint.findings[0].evidence["presented"][0],
        "wrong.tlsinspect.test"
    );
    // Without --host there is no name check.
    let output = tlsinspect(&[
        "inspect",
        dir.join("fullchain.pem").to_str().unwrap(),
        "--ca-file",
        ca.to_str().unwrap(),
        "--at",
        TEST_NOW,
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).contains("---Validity--"));
}

#[test]
fn inspect_reports_garbage_der_as_malformed_and_empty_files_as_unreadable() {
    let dir = std::env::temp_dir().join(format!("tlsinspect-garbage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let der = dir.join("garbage.der");
    std::fs::write(&der, [0x30, 0x82, 0xff, 0xff, 0x01]).unwrap();
    let output = tlsinspect(&["inspect", der.to_str().unwrap(), "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        parse_report(&output).endpoints[0].codes(),
        ["malformed-certificate"]
    );
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let output = tlsinspect(&["inspect", empty.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no certificate found"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn save_chain_writes_the_presented_chain_as_pem() {
    crate::skip_on_windows!("openssl");
    let server = OpensslServer::start("valid");
    let dir = std::env::temp_dir().join(format!("tlsinspect-save-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let ca = testcerts().join("ca.pem");
    let output = tlsinspect(&[
        "check",
        &format!("https://{HOST}/"),
        "--connect-to",
        &server.connect_to(),
        "--ca-file",
        ca.to_str().unwrap(),
        "--no-pins",
        "--at",
        TEST_NOW,
        "-q",
        "--save-chain",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let saved = std::fs::read_to_string(dir.join(format!("{HOST}_443.pem"))).unwrap();
    assert_eq!(
        saved,
        std::fs::read_to_string(testcerts().join("valid/served.pem")).unwrap()
    );
}

#[test]
fn text_output_has_the_certificate_details_block_and_advice() {
    crate::skip_on_windows!("openssl");
    let server = OpensslServer::start("expired");
    let ca = testcerts().join("ca.pem");
    let output = tlsinspect(&[
        "check",
        &format!("https://{HOST}/calendar/"),
        "--connect-to",
        &server.connect_to(),
        "--ca-file",
        ca.to_str().unwrap(),
        "--pin-file",
        ca.to_str().unwrap(),
        "--at",
        TEST_NOW,
        "-q",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    for needle in [
        "FAIL https://www.googleapis.com/calendar/",
        "Network connection destination details: 127.0.0.1:",
        "---Validity--\n  Valid from: 2020-01-01 00:00:00 UTC\n  Valid until: 2021-01-01 00:00:00 UTC",
        "---Subject---\n  www.googleapis.com\n  ---Issuer----\n  US\n  tlsinspect lab (TEST ONLY)\n  Lab WR2",
        "error expired: the leaf certificate (CN=www.googleapis.com) expired 9 years ago",
        "WinHTTP: WINHTTP_CALLBACK_STATUS_FLAG_CERT_DATE_INVALID",
        "advice: Check the machine's date and time first",
        "1 endpoint checked at 2030-01-01T00:00:00Z: 0 ok, 0 with warnings, 1 with errors",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    assert!(
        !text.contains('\x1b'),
        "NO_COLOR output must have no escapes"
    );
}

#[test]
fn demo_diagnoses_every_scenario_and_exits_0() {
    let output = tlsinspect(&["demo"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let text = stdout(&output);
    assert!(
        text.contains("26 of 26 scenarios diagnosed as expected"),
        "{text}"
    );
    for scenario in [
        "good",
        "expired",
        "not-yet-valid",
        "wrong-host",
        "self-signed",
        "untrusted-root",
        "incomplete-chain",
        "revoked-by-crl",
        "revoked-by-ocsp",
        "ocsp-unknown",
        "revocation-unreachable",
        "stapled-ocsp-good",
        "stapled-ocsp-revoked",
        "ocsp-bad-signature",
        "stale-crl",
        "revoked-intermediate",
        "fiddler-untrusted",
        "fiddler-trusted",
        "proxy-auth-407",
        "clock-ahead",
        "clock-behind",
        "clock-ahead-signed",
        "audit-fiddler-strict",
        "audit-fiddler-always",
        "audit-tunnel",
        "audit-inline-strict",
    ] {
        assert!(
            text.lines()
                .any(|line| line.starts_with(scenario) && line.ends_with(" ok")),
            "{scenario}"
        );
    }
}

/// Makes a self-signed certificate with `openssl req` in a fresh folder; returns its path.
fn openssl_cert(name: &str, args: &[&str]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tlsinspect-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cert = dir.join("cert.pem");
    let status = std::process::Command::new(openssl())
        .args([
            "req",
            "-x509",
            "-nodes",
            "-subj",
            "/CN=www.googleapis.com",
            "-days",
            "36500",
        ])
        .args(args)
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(&cert)
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "openssl req {args:?}");
    cert
}

#[test]
fn weak_keys_weak_signatures_and_wrong_usage_from_openssl_certificates_are_findings() {
    crate::skip_on_windows!("openssl");
    let weak = openssl_cert(
        "weak",
        &[
            "-newkey",
            "rsa:1024",
            "-sha1",
            "-addext",
            "subjectAltName=DNS:www.googleapis.com",
        ],
    );
    let output = tlsinspect(&[
        "inspect",
        weak.to_str().unwrap(),
        "--ca-file",
        weak.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let report = parse_report(&output);
    let codes = report.endpoints[0].codes();
    assert!(codes.contains(&"weak-key"), "{codes:?}");
    assert!(codes.contains(&"weak-signature"), "{codes:?}");
    let key = report.endpoints[0]
        .findings
        .iter()
        .find(|f| f.code == "weak-key")
        .unwrap();
    assert_eq!(key.evidence["algorithm"], "RSA 1024");
    assert_eq!(output.status.code(), Some(1));

    let client = openssl_cert(
        "client-only",
        &[
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-addext",
            "extendedKeyUsage=clientAuth",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
            "-addext",
            "subjectAltName=DNS:www.googleapis.com",
        ],
    );
    let output = tlsinspect(&[
        "inspect",
        client.to_str().unwrap(),
        "--ca-file",
        client.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let report = parse_report(&output);
    assert_eq!(
        report.endpoints[0].codes(),
        ["wrong-usage"],
        "{}",
        stdout(&output)
    );
    assert_eq!(
        report.endpoints[0].findings[0].evidence["present"],
        serde_json::json!(["clientAuth"])
    );
    assert_eq!(
        report.endpoints[0].trust.as_ref().unwrap()["status"],
        "unknown"
    );
}

#[test]
fn a_root_trusted_only_by_the_system_store_is_locally_trusted_root() {
    crate::skip_on_windows!("openssl");
    let server = OpensslServer::start("valid");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tlsinspect"))
        .args([
            "check",
            &format!("https://{HOST}/"),
            "--connect-to",
            &server.connect_to(),
        ])
        .args([
            "--no-pins",
            "--at",
            TEST_NOW,
            "--format",
            "json",
            "-q",
            "--timeout",
            "2",
        ])
        .env_clear()
        // rustls-native-certs reads the system store from here: the lab root plays a
        // corporate inspection root installed on this machine.
        .env("SSL_CERT_FILE", testcerts().join("ca.pem"))
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "a warning does not fail: {}",
        stderr(&output)
    );
    let report = parse_report(&output);
    let endpoint = &report.endpoints[0];
    assert_eq!(endpoint.codes(), ["locally-trusted-root"]);
    assert_eq!(endpoint.status, "warning");
    assert_eq!(endpoint.trust.as_ref().unwrap()["source"], "system");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tlsinspect"))
        .args([
            "check",
            &format!("https://{HOST}/"),
            "--connect-to",
            &server.connect_to(),
        ])
        .args([
            "--no-pins",
            "--at",
            TEST_NOW,
            "-q",
            "--timeout",
            "2",
            "--fail-on",
            "warning",
        ])
        .env_clear()
        .env("SSL_CERT_FILE", testcerts().join("ca.pem"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "--fail-on warning");
}

/// `--version` names the package version and the commit the binary was built from (this
/// checkout's HEAD, or `TLSINSPECT_COMMIT` when the build set it).
#[test]
fn version_names_the_commit_built_from() {
    crate::skip_on_windows!("git");
    let output = tlsinspect(&["--version"]);
    assert!(output.status.success());
    let text = stdout(&output);
    let expected = std::env::var("TLSINSPECT_COMMIT")
        .ok()
        .filter(|commit| !commit.is_empty())
        .or_else(|| {
            let head = std::process::Command::new("git")
                .current_dir(repo())
                .args(["rev-parse", "HEAD"])
                .output()
                .ok()?;
            Some(String::from_utf8(head.stdout).ok()?.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    assert_eq!(
        text.trim(),
        format!(
            "tlsinspect {} (commit {expected})",
            env!("CARGO_PKG_VERSION")
        )
    );
}
