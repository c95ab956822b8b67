//! mitmproxy as an independent intercepting peer: `mitmdump` on 127.0.0.1 (with an addon that
//! refuses non-loopback upstreams) in front of `openssl s_server`. Through it, every Google-host
//! check must report `interception` with product mitmproxy, in strict and `ssl_insecure` modes.
//!
//! `.ci/run` installs mitmproxy in a venv and sets TLSINSPECT_MITMDUMP and
//! TLSINSPECT_REQUIRE_MITMPROXY=1, so in CI a missing mitmdump fails; elsewhere these tests say
//! they skipped.

use crate::support::*;

fn check_through(mitm: &Mitmdump, server: &OpensslServer, hosts: &[&str]) -> JsonReport {
    let proxy = format!("http://127.0.0.1:{}", mitm.port);
    let mut args = vec!["check".to_owned()];
    for host in hosts {
        args.push(format!("https://{host}/"));
        args.push("--connect-to".to_owned());
        args.push(format!(
            "{host}:443:{}:{}",
            server.addr.ip(),
            server.addr.port()
        ));
    }
    // s_server answers one connection at a time: check the hosts one after the other.
    let options = [
        "--proxy",
        &proxy,
        "--format",
        "json",
        "-q",
        "--timeout",
        "3",
        "--concurrency",
        "1",
    ];
    args.extend(options.map(str::to_owned));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = tlsinspect(&refs);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    parse_report(&output)
}

fn assert_mitmproxy_everywhere(report: &JsonReport) {
    for endpoint in &report.endpoints {
        assert_eq!(
            endpoint.headline.as_deref(),
            Some("interception"),
            "{}: {:?}",
            endpoint.target,
            endpoint.codes()
        );
        let finding = endpoint
            .findings
            .iter()
            .find(|f| f.code == "interception")
            .unwrap();
        assert_eq!(
            finding.evidence["product"], "mitmproxy",
            "{}",
            endpoint.target
        );
        assert_eq!(
            finding.evidence["confidence"], "high",
            "{}",
            endpoint.target
        );
        assert!(
            finding.evidence["signals"]
                .to_string()
                .contains("reuses its issuer's public key")
        );
        assert!(endpoint.destination.as_ref().unwrap().proxy.is_some());
    }
}

#[test]
fn mitmproxy_in_strict_mode_is_identified() {
    let ca = testcerts().join("ca.pem");
    let upstream_ca = format!("ssl_verify_upstream_trusted_ca={}", ca.display());
    let Some(mitm) = Mitmdump::start(&[&upstream_ca]) else {
        return;
    };
    let server = OpensslServer::start("valid");
    let report = check_through(&mitm, &server, &[HOST]);
    assert_mitmproxy_everywhere(&report);
}

#[test]
fn mitmproxy_with_ssl_insecure_is_identified_for_every_google_host() {
    let Some(mitm) = Mitmdump::start(&["ssl_insecure=true"]) else {
        return;
    };
    let server = OpensslServer::start("expired");
    let report = check_through(
        &mitm,
        &server,
        &[
            "www.googleapis.com",
            "mail.google.com",
            "oauth2.googleapis.com",
        ],
    );
    assert_eq!(report.endpoints.len(), 3);
    assert_mitmproxy_everywhere(&report);
    // mitmproxy puts its CA key in every leaf: one key on three different certificates.
    for endpoint in &report.endpoints {
        let evidence = &endpoint.findings[0].evidence;
        let signals = evidence["signals"].to_string();
        assert!(
            signals.contains("the same leaf key is on 2 other certificates"),
            "{evidence}"
        );
        assert!(
            signals.contains("signed the chains of 2 other checked hosts"),
            "{evidence}"
        );
    }
    // The forged leaves are fresh: the expired upstream is hidden from the client.
    assert!(
        report
            .endpoints
            .iter()
            .all(|e| !e.codes().contains(&"expired"))
    );
}
