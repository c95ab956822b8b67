//! The library against the in-process lab, with a fixed clock and an injected resolver.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use time::macros::datetime;
use tlsinspect::check::{Inspector, InspectorConfig, PinPolicy};
use tlsinspect::clock::FixedClock;
use tlsinspect::lab::{CLOCK_HOST, LAB_HOST, Lab, Scenario};
use tlsinspect::net::{NetOptions, StaticResolver};
use tlsinspect::pins::Pins;
use tlsinspect::profile::workspace;
use tlsinspect::validate::{AnchorSet, Anchors};
use tlsinspect::{FindingCode, Target};

use crate::support::tunnel_proxy;

const NOW: time::OffsetDateTime = datetime!(2030-01-01 00:00 UTC);

fn config(lab: &Lab, net: NetOptions) -> InspectorConfig {
    let root = tlsinspect::chain::encode_pem(&lab.pki.root.der);
    InspectorConfig {
        net,
        anchors: Anchors::only(AnchorSet::from_pem(root.as_bytes()).unwrap()),
        pins: PinPolicy::Pins(Pins::from_pem(root.as_bytes()).unwrap()),
        profile: workspace(),
        at: None,
        concurrency: 4,
        ip_ranges: tlsinspect::detect::IpRanges::builtin(),
        revocation: tlsinspect::revocation::RevocationOptions::default(),
    }
}

/// Connection options that reach `scenario` in the lab, 5 s per step.
fn lab_net(lab: &Lab, scenario: Scenario) -> NetOptions {
    NetOptions {
        connect_to: rules(lab, scenario),
        ..timeout_net(5)
    }
}

/// Connection options sending `from` (`host:port`) to `port` on 127.0.0.1, `seconds` per step.
fn loopback_net(from: &str, port: u16, seconds: u64) -> NetOptions {
    NetOptions {
        connect_to: vec![format!("{from}:127.0.0.1:{port}").parse().unwrap()],
        ..timeout_net(seconds)
    }
}

/// Connection options with nothing but a timeout per step.
fn timeout_net(seconds: u64) -> NetOptions {
    NetOptions {
        timeout: Duration::from_secs(seconds),
        ..NetOptions::default()
    }
}

fn rules(lab: &Lab, scenario: Scenario) -> Vec<tlsinspect::net::ConnectTo> {
    lab.connect_to(scenario)
        .iter()
        .map(|rule| rule.parse().unwrap())
        .collect()
}

fn inspector(config: InspectorConfig, resolver: StaticResolver) -> Inspector {
    Inspector::new(config, Arc::new(resolver), Arc::new(FixedClock(NOW)))
}

/// Checks the lab host with `config`, resolving no name.
async fn check_lab(config: InspectorConfig) -> tlsinspect::Report {
    inspector(config, StaticResolver::empty())
        .check(vec![target()], None)
        .await
}

/// Checks `url` with the lab's root as the only anchor, `net` and `resolver`.
async fn check_url(
    lab: &Lab,
    net: NetOptions,
    resolver: StaticResolver,
    url: &str,
) -> tlsinspect::Report {
    let target: Target = url.parse().unwrap();
    inspector(config(lab, net), resolver)
        .check(vec![target], None)
        .await
}

fn target() -> Target {
    format!("https://{LAB_HOST}/calendar/").parse().unwrap()
}

#[tokio::test]
async fn every_lab_server_scenario_gets_its_expected_headline() {
    let lab = Lab::start().unwrap();
    for scenario in Scenario::servers() {
        let net = lab_net(&lab, scenario);
        // The lab's OCSP answers are made now: judged at NOW (2030) they would be stale, and
        // signed time sources that far from the clock say the clock is wrong.
        let report = if scenario.is_revocation() {
            Inspector::new(
                config(&lab, net),
                Arc::new(StaticResolver::empty()),
                Arc::new(tlsinspect::clock::SystemClock),
            )
            .check(vec![target()], None)
            .await
        } else {
            let report = check_lab(config(&lab, net)).await;
            assert_eq!(report.evaluated_at, NOW);
            report
        };
        let endpoint = &report.endpoints[0];
        revocation_details(scenario, endpoint);
        assert_eq!(
            endpoint.headline,
            scenario.expected(),
            "{}: {:?}",
            scenario.name(),
            endpoint.findings
        );
        assert!(
            endpoint
                .http
                .as_ref()
                .is_some_and(|http| http.status == 200 && http.date.is_some()),
            "{}",
            scenario.name()
        );
    }
}

#[tokio::test]
async fn the_resolver_decides_names_and_a_failing_one_gives_dns_failed_everywhere() {
    let lab = Lab::start().unwrap();
    let report = inspector(config(&lab, timeout_net(5)), StaticResolver::empty())
        .check(workspace().targets, Some("workspace"))
        .await;
    assert_eq!(report.endpoints.len(), workspace().targets.len());
    for endpoint in &report.endpoints {
        assert_eq!(endpoint.findings.len(), 1, "{}", endpoint.target);
        assert_eq!(
            endpoint.headline,
            Some(FindingCode::DnsFailed),
            "{}",
            endpoint.target
        );
    }
    let diagnosis = report.summary.diagnosis.unwrap();
    assert!(diagnosis.starts_with("No name resolves"), "{diagnosis}");

    // The same name, resolved by the injected resolver to the lab: every address is recorded.
    let addr = lab.addr(Scenario::Good).unwrap();
    let resolver = StaticResolver::empty().with(LAB_HOST, vec![IpAddr::from([127, 0, 0, 1])]);
    let url = format!("https://{LAB_HOST}:{}/", addr.port());
    let report = check_url(&lab, timeout_net(5), resolver, &url).await;
    let endpoint = &report.endpoints[0];
    assert!(endpoint.findings.is_empty(), "{:?}", endpoint.findings);
    assert_eq!(
        endpoint.destination.as_ref().unwrap().resolved,
        ["127.0.0.1"]
    );
}

#[tokio::test]
async fn through_a_proxy_the_connect_goes_to_the_connect_to_address() {
    let lab = Lab::start().unwrap();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let proxy = tunnel_proxy(Arc::clone(&asked));
    let proxy_url = format!("http://{}", proxy.addr).parse().unwrap();
    let net = NetOptions {
        https_proxy: Some(proxy_url),
        ..lab_net(&lab, Scenario::Good)
    };
    let report = check_lab(config(&lab, net)).await;
    let endpoint = &report.endpoints[0];
    assert!(endpoint.findings.is_empty(), "{:?}", endpoint.findings);
    assert_eq!(
        *asked.lock().unwrap(),
        [lab.addr(Scenario::Good).unwrap().to_string()]
    );
    assert_eq!(
        endpoint.destination.as_ref().unwrap().peer,
        proxy.addr.to_string()
    );
}

#[tokio::test]
async fn a_silent_server_times_out_as_tls_failed_within_the_timeout() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap();
    let lab = Lab::start().unwrap();
    let net = loopback_net(&format!("{LAB_HOST}:443"), addr.port(), 1);
    let started = std::time::Instant::now();
    let report = check_lab(config(&lab, net)).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    let endpoint = &report.endpoints[0];
    assert_eq!(
        endpoint.headline,
        Some(FindingCode::TlsFailed),
        "{:?}",
        endpoint.findings
    );
    assert!(
        endpoint.findings[0].message.contains("timed out after 1s"),
        "{}",
        endpoint.findings[0].message
    );
    drop(silent);
}

#[tokio::test]
async fn a_non_tls_server_is_tls_failed_not_a_panic() {
    let garbage = crate::support::TcpServer::start(|mut stream| {
        use std::io::Write;
        let _ = stream.write_all(b"SSH-2.0-OpenSSH_9.0\r\n");
    });
    let lab = Lab::start().unwrap();
    let net = loopback_net(&format!("{LAB_HOST}:443"), garbage.addr.port(), 3);
    let report = check_lab(config(&lab, net)).await;
    let endpoint = &report.endpoints[0];
    assert_eq!(
        endpoint.headline,
        Some(FindingCode::TlsFailed),
        "{:?}",
        endpoint.findings
    );
    assert!(endpoint.certificates.is_empty());
}

#[tokio::test]
async fn plain_http_targets_record_status_and_date() {
    let lab = Lab::start().unwrap();
    let net = loopback_net("crl.pki.goog:80", lab.aia_addr().port(), 3);
    let report = check_url(&lab, net, StaticResolver::empty(), "http://crl.pki.goog").await;
    let endpoint = &report.endpoints[0];
    assert!(endpoint.findings.is_empty(), "{:?}", endpoint.findings);
    let http = endpoint.http.as_ref().unwrap();
    assert_eq!(http.status, 404);
    assert!(http.date.is_some());
    assert!(endpoint.tls.is_none());
}

fn through_fiddler(lab: &Lab, upstream: Scenario, proxy: std::net::SocketAddr) -> InspectorConfig {
    let net = NetOptions {
        https_proxy: Some(format!("http://{proxy}").parse().unwrap()),
        ..lab_net(lab, upstream)
    };
    config(lab, net)
}

#[tokio::test]
async fn the_fiddler_like_proxy_is_identified_and_its_strict_mode_refuses_invalid_upstreams() {
    let lab = Lab::start().unwrap();
    let strict = lab.proxy(Scenario::FiddlerUntrusted).unwrap();
    // A valid upstream through the strict proxy: forged, identified, pins fail.
    let report = check_lab(through_fiddler(&lab, Scenario::Good, strict)).await;
    let endpoint = &report.endpoints[0];
    assert_eq!(
        endpoint.headline,
        Some(FindingCode::Interception),
        "{:?}",
        endpoint.findings
    );
    assert!(endpoint.has(FindingCode::UntrustedRoot));
    assert!(
        !endpoint.has(FindingCode::UnexpectedIssuer),
        "the verdict subsumes the pin failure"
    );
    assert_eq!(
        endpoint.certificates[1].subject,
        "OU=Created by http://www.fiddler2.com, O=DO_NOT_TRUST, CN=DO_NOT_TRUST_FiddlerRoot"
    );
    // An expired upstream: the strict proxy refuses to forge, so the handshake fails.
    let report = check_lab(through_fiddler(&lab, Scenario::Expired, strict)).await;
    assert_eq!(
        report.endpoints[0].headline,
        Some(FindingCode::TlsFailed),
        "{:?}",
        report.endpoints[0].findings
    );
    // The always-forging proxy hides the expired upstream behind a fresh forged leaf.
    let always = lab.fiddler_always_addr();
    let report = check_lab(through_fiddler(&lab, Scenario::Expired, always)).await;
    let endpoint = &report.endpoints[0];
    assert_eq!(
        endpoint.headline,
        Some(FindingCode::Interception),
        "{:?}",
        endpoint.findings
    );
    assert!(
        !endpoint.has(FindingCode::Expired),
        "the forged leaf is fresh"
    );
}

/// The lab host and a second name of the same server (both validated chains): two Dates.
fn two_dates(lab: &Lab, scenario: Scenario) -> (InspectorConfig, Vec<Target>) {
    let addr = lab.addr(scenario).unwrap();
    let mut net = loopback_net(&format!("{CLOCK_HOST}:443"), addr.port(), 5);
    net.connect_to.extend(rules(lab, scenario));
    (
        config(lab, net),
        vec![target(), format!("https://{CLOCK_HOST}/").parse().unwrap()],
    )
}

#[tokio::test]
async fn a_clock_years_behind_is_clock_skew_and_not_yet_valid_is_its_consequence() {
    let lab = Lab::start().unwrap();
    let (mut config, targets) = two_dates(&lab, Scenario::Good);
    let real_now = tlsinspect::clock::Clock::now(&tlsinspect::clock::SystemClock);
    // The lab's servers tell the real time; the local clock is set 6 years back.
    config.at = Some(real_now - time::Duration::days(6 * 365));
    let report = inspector(config, StaticResolver::empty())
        .check(targets, None)
        .await;
    let endpoint = &report.endpoints[0];
    assert_eq!(
        endpoint.headline,
        Some(FindingCode::ClockSkew),
        "{:?}",
        endpoint.findings
    );
    let consequence = endpoint
        .findings
        .iter()
        .find(|f| f.code == FindingCode::NotYetValid)
        .unwrap();
    assert_eq!(consequence.consequence_of, Some(FindingCode::ClockSkew));
    assert!(
        report
            .summary
            .diagnosis
            .unwrap()
            .starts_with("This machine's clock is wrong")
    );
}

#[tokio::test]
async fn a_genuinely_expired_certificate_with_right_server_time_is_not_clock_skew() {
    let lab = Lab::start().unwrap();
    let (mut config, targets) = two_dates(&lab, Scenario::Expired);
    // The local clock is the real one, as the lab servers' Date is.
    config.at = None;
    let clock = Arc::new(tlsinspect::clock::SystemClock);
    let report = Inspector::new(config, Arc::new(StaticResolver::empty()), clock)
        .check(targets, None)
        .await;
    let endpoint = &report.endpoints[0];
    assert_eq!(
        endpoint.headline,
        Some(FindingCode::Expired),
        "{:?}",
        endpoint.findings
    );
    assert!(
        !report
            .endpoints
            .iter()
            .any(|e| e.has(FindingCode::ClockSkew))
    );
    assert!(endpoint.findings[0].consequence_of.is_none());
}

#[tokio::test]
async fn a_google_name_answered_from_a_local_address_is_evidence_but_a_connect_to_choice_is_not() {
    let lab = Lab::start().unwrap();
    let addr = lab.addr(Scenario::UntrustedRoot).unwrap();
    // DNS (injected) sends the Google name to a local machine with an unknown root.
    let resolver = StaticResolver::empty().with(LAB_HOST, vec![addr.ip()]);
    let url = format!("https://{LAB_HOST}:{}/", addr.port());
    let report = check_url(&lab, timeout_net(5), resolver, &url).await;
    let endpoint = &report.endpoints[0];
    assert_eq!(
        endpoint.headline,
        Some(FindingCode::Interception),
        "{:?}",
        endpoint.findings
    );
    assert!(
        endpoint.findings[0]
            .message
            .contains("a local address, not from Google")
    );
    assert!(!endpoint.has(FindingCode::UnexpectedIssuer));
    // The same server chosen with --connect-to: only the failed pin remains.
    let net = lab_net(&lab, Scenario::UntrustedRoot);
    let report = check_lab(config(&lab, net)).await;
    let endpoint = &report.endpoints[0];
    assert!(
        endpoint.has(FindingCode::UnexpectedIssuer),
        "{:?}",
        endpoint.findings
    );
    assert!(!endpoint.has(FindingCode::Interception));
}

#[tokio::test]
async fn a_proxy_answering_garbage_is_proxy_failed_within_bounds() {
    crate::skip_on_windows!(
        "a peer that closes with unread data (under Wine the answer never arrives)"
    );
    let garbage = crate::support::TcpServer::start(|mut stream| {
        use std::io::Write;
        crate::support::read_head(&mut stream);
        // 20 KiB without a line break: more than any response head may be.
        let _ = stream.write_all(&[b'A'; 20 * 1024]);
    });
    let lab = Lab::start().unwrap();
    let net = NetOptions {
        https_proxy: Some(format!("http://{}", garbage.addr).parse().unwrap()),
        timeout: Duration::from_secs(3),
        ..lab_net(&lab, Scenario::Good)
    };
    let report = check_lab(config(&lab, net)).await;
    let finding = &report.endpoints[0].findings[0];
    assert_eq!(finding.code, FindingCode::ProxyFailed, "{finding:?}");
    assert!(
        finding.message.contains("larger than the limit"),
        "{}",
        finding.message
    );
}

#[tokio::test]
async fn a_slow_drip_on_port_80_ends_at_the_timeout_as_a_failed_check() {
    let drip = crate::support::TcpServer::start(|mut stream| {
        use std::io::Write;
        crate::support::read_head(&mut stream);
        for byte in b"HTTP/1.1 200 OK\r\nDate: " {
            if stream.write_all(&[*byte]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(400));
        }
    });
    let lab = Lab::start().unwrap();
    let net = loopback_net("crl.pki.goog:80", drip.addr.port(), 1);
    let started = std::time::Instant::now();
    let report = check_url(&lab, net, StaticResolver::empty(), "http://crl.pki.goog/").await;
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    let finding = &report.endpoints[0].findings[0];
    assert_eq!(finding.code, FindingCode::ConnectFailed, "{finding:?}");
    assert!(
        finding.message.contains("timed out after 1s"),
        "{}",
        finding.message
    );
}

#[tokio::test]
async fn revocation_policy_decides_traffic_and_severity() {
    use tlsinspect::revocation::RevocationPolicy;
    let lab = Lab::start().unwrap();
    let run = |scenario, policy| {
        let net = lab_net(&lab, scenario);
        let mut config = config(&lab, net);
        config.revocation.policy = policy;
        check_lab(config)
    };
    // off: no CRL is fetched, so the revoked leaf goes unnoticed — and nothing claims it is good.
    let report = run(Scenario::RevokedByCrl, RevocationPolicy::Off).await;
    assert!(
        report.endpoints[0].findings.is_empty(),
        "{:?}",
        report.endpoints[0].findings
    );
    let report = run(Scenario::RevokedByCrl, RevocationPolicy::Soft).await;
    let finding = &report.endpoints[0].findings[0];
    assert_eq!(
        (finding.code, finding.severity),
        (FindingCode::Revoked, tlsinspect::Severity::Error)
    );
    let report = run(Scenario::StaleCrl, RevocationPolicy::Soft).await;
    assert_eq!(
        report.endpoints[0].findings[0].severity,
        tlsinspect::Severity::Warning
    );
    let report = run(Scenario::StaleCrl, RevocationPolicy::Hard).await;
    assert_eq!(
        report.endpoints[0].findings[0].severity,
        tlsinspect::Severity::Error
    );
}

#[tokio::test]
async fn revocation_depth_decides_whether_the_intermediate_is_checked() {
    use tlsinspect::revocation::{Depth, Status};
    let lab = Lab::start().unwrap();
    let run = |depth| {
        let net = lab_net(&lab, Scenario::RevokedIntermediate);
        let mut config = config(&lab, net);
        config.revocation.depth = depth;
        check_lab(config)
    };
    let report = run(Depth::Chain).await;
    let endpoint = &report.endpoints[0];
    assert_eq!(endpoint.headline, Some(FindingCode::Revoked));
    assert_eq!(endpoint.findings[0].cert_index, Some(1));
    let revocation = endpoint.revocation.as_ref().unwrap();
    assert!(matches!(
        revocation.certificates[0].status,
        Status::Revoked { .. }
    ));
    assert_eq!(revocation.certificates[0].cert_index, 1);
    // The leaf names no source: with depth leaf nothing is checked, and nothing is claimed.
    let report = run(Depth::Leaf).await;
    assert!(report.endpoints[0].findings.is_empty());
    assert!(report.endpoints[0].revocation.is_none());
}

#[test]
fn only_the_issuer_or_its_ocsp_signing_delegate_may_answer() {
    use tlsinspect::lab::{Answer, Responder};
    use tlsinspect::revocation::{Depth, Status, Unavailable, check_saved, links};
    let lab = Lab::start().unwrap();
    let pki = &lab.pki;
    let certs = pki.scenario(Scenario::RevokedByOcsp).unwrap();
    let chain = certs.served.clone();
    let anchor = webpki::anchor_from_trusted_cert(&pki.root.der).unwrap();
    let links = links(&chain, None, Some(&anchor), None, Depth::Chain);
    let serial = {
        let (_, cert) = x509_parser::parse_x509_certificate(certs.leaf.der.as_ref()).unwrap();
        let raw = cert.raw_serial().to_vec();
        raw.into_iter()
            .skip_while(|byte| *byte == 0)
            .collect::<Vec<u8>>()
    };
    let now = std::time::SystemTime::now();
    let at = time::OffsetDateTime::now_utc();
    let inter = certs.inter.clone().unwrap();
    let answer = |signer: &tlsinspect::lab::Issued| {
        let responder = Responder::new(
            signer,
            std::collections::HashMap::from([(serial.clone(), Answer::Good)]),
        )
        .unwrap();
        let response = responder
            .response_for(&certs.leaf.der, &inter, now)
            .unwrap();
        let results = check_saved(
            &links,
            &[],
            &[response],
            at,
            time::Duration::minutes(5),
            tlsinspect::revocation::RevocationPolicy::Soft,
        );
        results[0].status.clone()
    };
    assert_eq!(answer(&pki.inter), Status::Good);
    assert_eq!(answer(&pki.ocsp_signer), Status::Good);
    // A certificate of the same issuer without id-kp-OCSPSigning: not a delegate.
    let plain = &pki.scenario(Scenario::Good).unwrap().leaf;
    let Status::Unavailable { reason, detail } = answer(plain) else {
        panic!("a leaf key must not be accepted as a responder");
    };
    assert_eq!(reason, Unavailable::BadSignature);
    assert!(detail.contains("id-kp-OCSPSigning"), "{detail}");
    // A certificate of another CA.
    let foreign = &pki.scenario(Scenario::UntrustedRoot).unwrap().leaf;
    let Status::Unavailable { reason, detail } = answer(foreign) else {
        panic!("another CA's certificate must not be accepted as a responder");
    };
    assert_eq!(reason, Unavailable::BadSignature);
    assert!(detail.contains("not issued by"), "{detail}");
}

#[tokio::test]
async fn revocation_fetches_go_through_the_plain_http_proxy() {
    let lab = Lab::start().unwrap();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&asked);
    let proxy = crate::support::TcpServer::start(move |mut stream| {
        use std::io::Write;
        let head = crate::support::read_head(&mut stream);
        seen.lock()
            .unwrap()
            .push(head.lines().next().unwrap_or_default().to_owned());
        let _ = stream.write_all(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
    });
    let net = NetOptions {
        http_proxy: Some(format!("http://{}", proxy.addr).parse().unwrap()),
        ..lab_net(&lab, Scenario::RevokedByCrl)
    };
    let report = check_lab(config(&lab, net)).await;
    let endpoint = &report.endpoints[0];
    assert_eq!(endpoint.headline, Some(FindingCode::RevocationUnavailable));
    let lines = asked.lock().unwrap().clone();
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("GET http://") && line.contains("/lab-wr2.crl")),
        "{lines:?}"
    );
    let source = &endpoint.revocation.as_ref().unwrap().sources[0];
    assert_eq!(source.facts.http_status, Some(503));
}

#[tokio::test]
async fn a_signed_staple_alone_reveals_a_clock_years_ahead() {
    use tlsinspect::finding::Evidence;
    let lab = Lab::start().unwrap();
    let scenario = Scenario::ClockAheadSigned;
    let net = lab_net(&lab, scenario);
    let mut config = config(&lab, net);
    let now = time::OffsetDateTime::now_utc();
    config.at = Some(now + scenario.clock_offset().unwrap());
    let report = Inspector::new(
        config,
        Arc::new(StaticResolver::empty()),
        Arc::new(tlsinspect::clock::SystemClock),
    )
    .check(
        lab.targets(scenario)
            .iter()
            .map(|t| t.parse().unwrap())
            .collect(),
        None,
    )
    .await;
    assert_eq!(report.endpoints.len(), 1, "one endpoint only");
    let endpoint = &report.endpoints[0];
    assert_eq!(endpoint.headline, Some(FindingCode::ClockSkew));
    let Evidence::ClockOffset {
        samples, direction, ..
    } = &endpoint.findings[0].evidence
    else {
        panic!("clock-skew carries its samples");
    };
    assert_eq!(direction, "ahead");
    assert!(
        samples
            .iter()
            .any(|s| s.kind == "stapled-ocsp" && s.authenticated)
    );
    assert!(
        samples
            .iter()
            .any(|s| s.kind == "http-date" && !s.authenticated)
    );
    // The staple is stale only for the wrong clock: a consequence, not a second cause.
    let stale = endpoint
        .findings
        .iter()
        .find(|f| f.code == FindingCode::RevocationUnavailable)
        .unwrap();
    assert_eq!(stale.consequence_of, Some(FindingCode::ClockSkew));
}

/// What each revocation scenario must say beyond its headline.
fn revocation_details(scenario: Scenario, endpoint: &tlsinspect::report::EndpointReport) {
    use tlsinspect::revocation::{Overall, SourceKind};
    let revocation = endpoint.revocation.as_ref();
    match scenario {
        Scenario::StapledOcspGood => {
            let revocation = revocation.expect("the staple is checked");
            assert_eq!(revocation.status, Overall::Good);
            assert_eq!(revocation.sources[0].source, SourceKind::StapledOcsp);
            assert!(revocation.sources[0].facts.authenticated);
        }
        Scenario::RevocationUnreachable => {
            let message = &endpoint.findings[0].message;
            for host in ["c.pki.goog", "o.pki.goog", "Step 1", "CERT_REV_FAILED"] {
                assert!(message.contains(host), "{message}");
            }
            assert!(endpoint.findings[0].advice().contains("Open port 80"));
        }
        Scenario::OcspUnknown => {
            // The CRL answered good; the responder's unknown still wins.
            let revocation = revocation.expect("both sources are asked");
            assert!(
                revocation
                    .sources
                    .iter()
                    .any(|s| s.source == SourceKind::Crl
                        && s.status == tlsinspect::revocation::Status::Good)
            );
            assert_eq!(revocation.status, Overall::Unavailable);
            // The servers answered: opening port 80 is not the advice.
            assert!(endpoint.findings[0].advice().contains("were reached"));
        }
        _ => {}
    }
}

#[tokio::test]
async fn each_crl_url_is_downloaded_once_per_run() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let lab = Lab::start().unwrap();
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&asked);
    let crl_server = crate::support::TcpServer::start(move |mut stream| {
        use std::io::Write;
        crate::support::read_head(&mut stream);
        counter.fetch_add(1, Ordering::SeqCst);
        let _ = stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    });
    let mut net = lab_net(&lab, Scenario::RevokedByCrl);
    let crl_rule = format!(
        "{}:80:127.0.0.1:{}",
        tlsinspect::lab::CRL_HOST,
        crl_server.addr.port()
    );
    // First match wins: the CRL host goes to the counting server, not the lab's.
    net.connect_to.insert(0, crl_rule.parse().unwrap());
    let targets = ["/", "/calendar/", "/drive/"]
        .iter()
        .map(|path| format!("https://{LAB_HOST}{path}").parse().unwrap())
        .collect();
    let report = inspector(config(&lab, net), StaticResolver::empty())
        .check(targets, None)
        .await;
    assert_eq!(report.endpoints.len(), 3);
    for endpoint in &report.endpoints {
        let source = &endpoint.revocation.as_ref().unwrap().sources[0];
        assert_eq!(source.facts.http_status, Some(404), "{source:?}");
    }
    assert_eq!(asked.load(Ordering::SeqCst), 1);
}
