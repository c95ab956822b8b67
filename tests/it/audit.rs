//! `audit-proxy` against real proxies on 127.0.0.1: mitmproxy checking upstreams against the
//! audit root and mitmproxy with `ssl_insecure`, the lab's Fiddler-like proxy in both modes, a
//! plain tunnel, and proxies that cannot be audited. The audit root is made first (with the
//! library, in the folder `--lab-dir` names) so that each proxy can be told to trust it.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;

use serde_json::Value;
use tlsinspect::chain::encode_pem;
use tlsinspect::lab::audit::{AuditCase, AuditRoot};
use tlsinspect::lab::{FiddlerCa, ForgeMode, intercepting_proxy, tunnel_proxy};

use crate::support::*;

/// Every case whose upstream is invalid (RFC 5280) or MD5-signed: a proxy that masks any of
/// them is F.
const INVALID: [&str; 13] = [
    "expired",
    "not-yet-valid",
    "wrong-host",
    "self-signed",
    "untrusted-root",
    "impostor-root",
    "expired-intermediate",
    "no-ca-intermediate",
    "pathlen",
    "name-constraints",
    "client-auth-eku",
    "unknown-critical-extension",
    "md5",
];

/// A fresh lab folder holding an audit root.
pub(crate) fn lab_dir(name: &str) -> (PathBuf, AuditRoot) {
    lab_dir_for(name, tlsinspect::lab::audit::AUDIT_DOMAIN)
}

/// A fresh lab folder holding an audit root for `domain`.
pub(crate) fn lab_dir_for(name: &str, domain: &str) -> (PathBuf, AuditRoot) {
    let dir = std::env::temp_dir().join(format!("tlsinspect-audit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let now = tlsinspect::clock::Clock::now(&tlsinspect::clock::SystemClock);
    let root = AuditRoot::load_or_create_for(&dir, domain, now).unwrap();
    (dir, root)
}

/// Runs `audit-proxy` with `extra` options.
pub(crate) fn run_audit(proxy: &str, lab: &Path, extra: &[&str]) -> Output {
    let lab = lab.display().to_string();
    let mut args = vec!["audit-proxy", "--proxy", proxy, "--lab-dir", &lab];
    args.extend_from_slice(extra);
    tlsinspect(&args)
}

/// Runs `audit-proxy --format json` and parses the report.
pub(crate) fn audit(proxy: &str, lab: &Path, extra: &[&str]) -> (Output, Value) {
    let output = run_audit(proxy, lab, &[extra, &["--format", "json"]].concat());
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}{}", stdout(&output), stderr(&output)));
    assert_schema("audit-proxy.json", &report);
    (output, report)
}

/// The weak-upstream cases OpenSSL 3 serves (3DES and a 512-bit group it cannot: those are
/// reported not run, `weak_upstream_cases_that_cannot_be_served_are_not_run`).
pub(crate) const WEAK_UPSTREAM: [&str; 5] = [
    "tls-v1-0",
    "tls-v1-1",
    "static-rsa",
    "dh1024",
    "sha1-handshake",
];

pub(crate) fn case<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|case| case["case"] == name)
        .unwrap_or_else(|| panic!("no case {name}"))
}

pub(crate) fn masked(report: &Value) -> Vec<String> {
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|case| case["masked"] == true)
        .map(|case| case["case"].as_str().unwrap().to_owned())
        .collect()
}

fn grade(report: &Value) -> &str {
    report["verdict"]["grade"].as_str().unwrap_or("none")
}

fn reasons(report: &Value) -> String {
    report["verdict"]["reasons"].to_string()
}

/// The Fiddler-like root, as a `--ca-file` (what a machine that installed it trusts).
fn fiddler_anchor(ca: &FiddlerCa, dir: &Path) -> String {
    let path = dir.join("fiddler-root.pem");
    std::fs::write(&path, encode_pem(&ca.der)).unwrap();
    path.display().to_string()
}

#[test]
fn mitmproxy_checking_upstreams_grades_a_or_b_and_masks_no_invalid_case() {
    let (dir, root) = lab_dir("mitm-strict");
    let trusted = format!("ssl_verify_upstream_trusted_ca={}", root.path.display());
    // Like Squid, the proxy refuses a request whose Host names another port than the tunnel's.
    // Modern suites only upstream: it refuses every weak-upstream origin.
    let Some(mitm) = Mitmdump::start(&[
        &trusted,
        "host_port_strict=true",
        "ciphers_server=ECDHE+AESGCM:ECDHE+CHACHA20",
    ]) else {
        return;
    };
    let ca = mitm.ca_cert().display().to_string();
    let (output, report) = audit(&mitm.url(), &dir, &["--ca-file", &ca]);
    assert!(
        ["A", "B"].contains(&grade(&report)),
        "{}",
        serde_json::to_string_pretty(&report["verdict"]).unwrap()
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(case(&report, "good")["outcome"], "forged-trusted");
    for name in INVALID
        .iter()
        .chain(&["sha1", "rsa1024"])
        .chain(&WEAK_UPSTREAM)
    {
        let result = case(&report, name);
        assert_eq!(result["masked"], false, "{name}: {result}");
        assert_eq!(result["safe"], true, "{name}");
    }
    for name in WEAK_UPSTREAM {
        let upstream = case(&report, name)["upstream_handshake"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(upstream.contains("not completed"), "{name}: {upstream}");
    }
    // mitmproxy (OpenSSL without CRLs) does not check revocation: say so, as its own reason.
    for name in masked(&report) {
        assert!(name.starts_with("revoked-"), "{name}");
        assert!(reasons(&report).contains("does not check revocation"));
    }
    let upstream = &report["upstream"]["hello"];
    assert_eq!(upstream["sni"], "good.audit.tlsinspect.test");
    assert!(upstream["cipher_suites"].as_array().unwrap().len() > 1);
    assert_eq!(report["client"]["ca"]["product"], "mitmproxy");
    assert_eq!(report["client"]["leaf_key_is_ca_key"], true);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn mitmproxy_with_ssl_insecure_grades_f_and_names_every_masked_case() {
    let (dir, _root) = lab_dir("mitm-insecure");
    let Some(mitm) = Mitmdump::start(&["ssl_insecure=true"]) else {
        return;
    };
    let ca = mitm.ca_cert().display().to_string();
    let (output, report) = audit(&mitm.url(), &dir, &["--ca-file", &ca]);
    assert_eq!(grade(&report), "F");
    assert_eq!(
        output.status.code(),
        Some(1),
        "F is below the default --min-grade B"
    );
    let masked = masked(&report);
    for name in INVALID {
        assert!(
            masked.iter().any(|m| m == name),
            "{name} not masked: {masked:?}"
        );
    }
    let reasons = reasons(&report);
    assert!(
        reasons.contains("accepts invalid upstream certificates"),
        "{reasons}"
    );
    assert!(reasons.contains("\"expired\""), "{reasons}");
    // The text names the masked cases in the reason and marks each row.
    let text = stdout(&run_audit(&mitm.url(), &dir, &["--ca-file", &ca]));
    assert!(text.starts_with("Audit of the proxy"), "{text}");
    assert!(text.contains("Grade F (severely broken)"), "{text}");
    assert!(
        text.contains("expired, not-yet-valid, wrong-host, self-signed"),
        "{text}"
    );
    assert!(text.contains("MASKED it"), "{text}");
    // With --min-grade F every grade passes.
    let passing = run_audit(
        &mitm.url(),
        &dir,
        &["--ca-file", &ca, "--min-grade", "F", "--format", "jsonl"],
    );
    assert_eq!(passing.status.code(), Some(0), "{}", stdout(&passing));
    let lines = assert_schema_lines("audit-proxy.jsonl.json", &passing);
    let cases = AuditCase::ALL.len();
    assert_eq!(lines.len(), cases + 1, "every case and a summary");
    assert_eq!(lines[cases]["type"], "summary");
    assert_eq!(lines[cases]["verdict"]["grade"], "F");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_lab_fiddler_proxy_is_b_when_strict_and_f_when_it_forges_for_anything() {
    let (dir, root) = lab_dir("fiddler");
    let ca = Arc::new(FiddlerCa::generate().unwrap());
    let anchor = fiddler_anchor(&ca, &dir);
    let strict = intercepting_proxy(Arc::clone(&ca), root.der.clone(), ForgeMode::Strict).unwrap();
    let (output, report) = audit(
        &format!("http://{}", strict.addr()),
        &dir,
        &["--ca-file", &anchor],
    );
    assert_eq!(grade(&report), "B", "{}", reasons(&report));
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(masked(&report), ["revoked-crl", "revoked-ocsp"]);
    assert_eq!(report["client"]["ca"]["product"], "Fiddler Classic");
    assert_eq!(report["client"]["one_key_for_every_host"], false);
    // The HTML page a security team hands on shows both legs, as the text does.
    let html = stdout(&run_audit(
        &format!("http://{}", strict.addr()),
        &dir,
        &["--ca-file", &anchor, "--format", "html"],
    ));
    for part in [
        "<h2>Upstream leg (the proxy to the lab&#39;s origins)</h2>",
        "<dt>cipher suites (",
        "TLS_AES_256_GCM_SHA384 [1]",
        "<h2>Client leg (the proxy to this machine)</h2>",
        "<dt>proxy CA</dt><dd>",
        "Fiddler Classic",
    ] {
        assert!(html.contains(part), "{part} missing from the HTML page");
    }
    let always = intercepting_proxy(Arc::clone(&ca), root.der.clone(), ForgeMode::Always).unwrap();
    let (output, report) = audit(
        &format!("http://{}", always.addr()),
        &dir,
        &["--ca-file", &anchor],
    );
    assert_eq!(grade(&report), "F");
    assert_eq!(output.status.code(), Some(1));
    let masked = masked(&report);
    // The lab proxy is rustls: even when it accepts any chain, webpki refuses to parse a leaf
    // with an unknown critical extension, and ring an RSA-1024 handshake signature.
    for name in INVALID
        .iter()
        .filter(|name| **name != "unknown-critical-extension")
    {
        assert!(
            masked.iter().any(|m| m == name),
            "{name} not masked: {masked:?}"
        );
    }
    for name in ["unknown-critical-extension", "rsa1024"] {
        assert_eq!(case(&report, name)["outcome"], "blocked", "{name}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_plain_tunnel_is_reported_as_not_intercepting() {
    let (dir, _root) = lab_dir("tunnel");
    let tunnel = tunnel_proxy().unwrap();
    let (output, report) = audit(&format!("http://{}", tunnel.addr()), &dir, &[]);
    assert_eq!(report["verdict"]["status"], "not-intercepting");
    assert_eq!(output.status.code(), Some(0));
    let mut ran = 0;
    for result in report["cases"].as_array().unwrap() {
        if result["outcome"] == "not-run" {
            continue;
        }
        ran += 1;
        assert_eq!(result["outcome"], "passed-through", "{result}");
    }
    // The weak-upstream origins' handshakes fail here (this machine's TLS refuses them): they
    // are known as tunnelled by their origins having seen this machine's own ClientHello.
    // (Windows has no `openssl` to serve them: they are not run there.)
    for name in WEAK_UPSTREAM.iter().filter(|_| !cfg!(windows)) {
        let detail = case(&report, name)["detail"].as_str().unwrap().to_owned();
        assert!(detail.starts_with("tunnelled: "), "{name}: {detail}");
    }
    // Every origin saw this machine's own ClientHello: none is graded as the proxy's.
    assert_eq!(
        report["upstream"]["passed_through"]
            .as_array()
            .unwrap()
            .len(),
        ran
    );
    assert!(
        report["upstream"]["hello"].is_null(),
        "{}",
        report["upstream"]
    );
    // The HTML page: the verdict, then a row per case.
    let html = stdout(&run_audit(
        &format!("http://{}", tunnel.addr()),
        &dir,
        &["--format", "html"],
    ));
    assert!(html.contains("Not intercepting: not graded"));
    for result in report["cases"].as_array().unwrap() {
        let case = result["case"].as_str().unwrap();
        assert!(html.contains(&format!("data-case=\"{case}\"")), "{case}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_proxy_that_does_not_trust_the_audit_root_is_not_graded() {
    let (dir, _root) = lab_dir("untrusting");
    let other = AuditRoot::ephemeral(tlsinspect::clock::Clock::now(
        &tlsinspect::clock::SystemClock,
    ))
    .unwrap();
    let ca = Arc::new(FiddlerCa::generate().unwrap());
    let anchor = fiddler_anchor(&ca, &dir);
    let proxy = intercepting_proxy(ca, other.der.clone(), ForgeMode::Strict).unwrap();
    let url = format!("http://{}", proxy.addr());
    let (output, report) = audit(&url, &dir, &["--ca-file", &anchor]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(report["verdict"]["status"], "not-graded");
    assert_eq!(case(&report, "good")["outcome"], "blocked");
    let advice = report["verdict"]["advice"].as_str().unwrap();
    assert!(
        advice.contains("audit-root.pem") && advice.contains("import"),
        "{advice}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn forgeries_this_machine_does_not_trust_are_not_graded() {
    let (dir, root) = lab_dir("untrusted-forgery");
    let ca = Arc::new(FiddlerCa::generate().unwrap());
    let proxy = intercepting_proxy(ca, root.der.clone(), ForgeMode::Always).unwrap();
    let (output, report) = audit(&format!("http://{}", proxy.addr()), &dir, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(case(&report, "good")["outcome"], "forged-untrusted");
    assert!(
        report["verdict"]["advice"]
            .as_str()
            .unwrap()
            .contains("--ca-file")
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_unreachable_or_authenticating_proxy_stops_the_audit() {
    let (dir, _root) = lab_dir("unreachable");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let url = format!("http://127.0.0.1:{port}");
    let output = run_audit(&url, &dir, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("cannot use the proxy"),
        "{}",
        stderr(&output)
    );
    let proxy = proxy_407();
    let url = format!("http://user:secret@{}", proxy.addr);
    let output = run_audit(&url, &dir, &[]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("requires authentication"), "{err}");
    assert!(
        !err.contains("secret"),
        "credentials must not be printed: {err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_openssl_client_hello_is_read_as_openssl_sent_it() {
    let bytes = std::fs::read(repo().join("tests/data/client-hello/openssl-s_client.bin")).unwrap();
    let hello = tlsinspect::audit::parse_client_hello(&bytes).unwrap();
    assert_eq!(hello.sni.as_deref(), Some("good.audit.tlsinspect.test"));
    assert!(hello.ocsp_stapling_requested, "-status asks for a staple");
    assert_eq!(hello.alpn, ["http/1.1"]);
    assert_eq!(hello.max_version, "TLS 1.3");
    assert_eq!(hello.legacy_version, "TLS 1.2");
    let first = &hello.cipher_suites[0];
    assert_eq!(first.name.as_deref(), Some("TLS_AES_256_GCM_SHA384"));
    assert_eq!(first.class, Some(1));
    assert!(hello.extensions.iter().any(|name| name == "key_share"));
    let grading = tlsinspect::audit::grade(&[hello], &[], &Default::default()).unwrap();
    assert_eq!(grading.grade, tlsinspect::audit::Grade::A);
}

/// A proxy that mints each forgery valid from the second of the handshake is judged at the
/// instant the forgery arrived (plus the leeway), not at the audit's start: an audit whose lab
/// was made ten minutes earlier still sees `good` forged and trusted, and grades the proxy.
#[tokio::test]
async fn a_forgery_minted_at_the_handshake_is_judged_when_it_arrived() {
    use tlsinspect::audit::{AuditRequest, ViaProxy, audit_proxy};
    use tlsinspect::clock::{Clock, SystemClock};
    use tlsinspect::validate::{AnchorSet, Anchors};

    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let started = clock.now() - time::Duration::minutes(10);
    let root = AuditRoot::ephemeral(started).unwrap();
    let ca = Arc::new(
        FiddlerCa::generate()
            .unwrap()
            .minting_at_handshake(Arc::clone(&clock)),
    );
    let anchors = AnchorSet::from_pem(encode_pem(&ca.der).as_bytes()).unwrap();
    let proxy = intercepting_proxy(Arc::clone(&ca), root.der.clone(), ForgeMode::Strict).unwrap();
    let request = AuditRequest {
        anchors: Anchors::only(anchors),
        timeout: std::time::Duration::from_secs(5),
        concurrency: 4,
        resolver: Arc::new(tlsinspect::net::StaticResolver::empty()),
        clock,
    };
    let via = ViaProxy {
        proxy: format!("http://{}", proxy.addr()).parse().unwrap(),
        listen: std::net::IpAddr::from([127, 0, 0, 1]),
        connect_by_name: false,
    };
    let report =
        serde_json::to_value(audit_proxy(&request, &via, &root, started).await.unwrap()).unwrap();
    assert_eq!(
        case(&report, "good")["outcome"],
        "forged-trusted",
        "{}",
        case(&report, "good")
    );
    assert_eq!(grade(&report), "B", "{}", reasons(&report));
}

/// `--domain` names a subdomain used only for the audit: the root is constrained to it, so a
/// public suffix or a whole registrable domain is refused before anything starts.
#[test]
fn an_audit_domain_that_would_cover_real_names_is_refused() {
    for (domain, why) in [
        ("example.com", "is a registrable domain"),
        ("co.uk", "is a public suffix"),
        ("*.example.com", "is not a DNS name"),
    ] {
        let output = tlsinspect(&[
            "audit-proxy",
            "--proxy",
            "http://127.0.0.1:9",
            "--domain",
            domain,
        ]);
        assert_eq!(output.status.code(), Some(2), "{domain}");
        assert!(
            stderr(&output).contains(why),
            "{domain}: {}",
            stderr(&output)
        );
    }
}

/// A weak-upstream case the machine's OpenSSL cannot serve is never skipped in silence: it is
/// `not-run` with OpenSSL's reason (Debian's OpenSSL 3 has no 3DES; OpenSSL 1.1.0 and later
/// refuse DH groups under 1024 bits), not passed, and without any `openssl` every one of them.
#[test]
fn weak_upstream_cases_that_cannot_be_served_are_not_run() {
    let (dir, _root) = lab_dir("not-run");
    let tunnel = tunnel_proxy().unwrap();
    let proxy = format!("http://{}", tunnel.addr());
    let (_, report) = audit(&proxy, &dir, &[]);
    // Where `openssl` is (CI's Linux), the cases it cannot serve say OpenSSL's reason; on
    // Windows (no `openssl`) every weak-upstream case says so.
    let openssl = report["openssl"].as_str().map(str::to_owned);
    assert_eq!(openssl.is_some(), !cfg!(windows), "{openssl:?}");
    for name in ["3des", "dh512"] {
        let result = case(&report, name);
        if result["outcome"] == "not-run" {
            assert_eq!(result["safe"], false, "{result}");
            let detail = result["detail"].as_str().unwrap();
            let reason = if openssl.is_some() {
                "OpenSSL's s_server cannot serve it: "
            } else {
                "no openssl program"
            };
            assert!(detail.contains(reason), "{detail}");
        }
    }
    let missing = dir.join("no-such-openssl");
    let lab = dir.display().to_string();
    let args = [
        "audit-proxy",
        "--proxy",
        &proxy,
        "--lab-dir",
        &lab,
        "--format",
        "json",
    ];
    let output = tlsinspect_with_env(&args, &[("TLSINSPECT_OPENSSL", &missing)]);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_schema("audit-proxy.json", &report);
    assert!(report["openssl"].is_null());
    let not_run: Vec<&str> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|result| result["outcome"] == "not-run")
        .map(|result| result["case"].as_str().unwrap())
        .collect();
    assert_eq!(
        not_run,
        [
            "tls-v1-0",
            "tls-v1-1",
            "static-rsa",
            "3des",
            "dh1024",
            "dh512",
            "sha1-handshake"
        ]
    );
    let text = stdout(&tlsinspect_with_env(
        &args[..args.len() - 2],
        &[("TLSINSPECT_OPENSSL", &missing)],
    ));
    assert!(text.contains("NOT RUN"), "{text}");
    assert!(text.contains("cannot run"), "{text}");
    let _ = std::fs::remove_dir_all(dir);
}

/// An audit killed outright (`kill -9`, as a closed terminal or a scheduler's timeout would)
/// leaves no `s_server` running and no origin folder (with its key) behind: each server runs
/// under a shell holding a pipe from tlsinspect, which stops it and removes its folder when
/// the pipe closes.
#[test]
#[cfg(unix)]
fn a_killed_audit_leaves_no_server_and_no_key_behind() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    // A proxy that accepts and never answers: the audit waits in its CONNECTs.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy = format!("http://{}", silent.local_addr().unwrap());
    let (dir, _root) = lab_dir("killed");
    let mut audit = Command::new(env!("CARGO_BIN_EXE_tlsinspect"))
        .args(["audit-proxy", "--proxy", &proxy, "--lab-dir"])
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = audit.id();
    let folders = || -> Vec<PathBuf> {
        std::fs::read_dir(std::env::temp_dir())
            .unwrap()
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| {
                path.file_name().is_some_and(|name| {
                    name.to_string_lossy()
                        .starts_with(&format!("tlsinspect-audit-{pid}-"))
                })
            })
            .collect()
    };
    let servers = || -> Vec<String> {
        let listed = Command::new("pgrep")
            .args(["-P", &pid.to_string()])
            .output()
            .unwrap();
        String::from_utf8_lossy(&listed.stdout)
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    // The first CONNECT comes once the whole lab runs: every weak origin that can start has
    // its folder, and those that cannot have removed theirs (counting folders before that
    // raced with their removal).
    silent.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut connected = None;
    while connected.is_none() && Instant::now() < deadline {
        connected = silent.accept().ok();
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(connected.is_some(), "the audit never reached the proxy");
    let started = servers();
    let running = folders();
    assert!(
        running.len() >= 5,
        "the weak origins did not start: {running:?}"
    );
    assert!(!started.is_empty());
    audit.kill().unwrap();
    let _ = audit.wait();
    let deadline = Instant::now() + Duration::from_secs(10);
    let alive = |shell: &String| Path::new(&format!("/proc/{shell}")).exists();
    while (started.iter().any(alive) || !folders().is_empty()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!started.iter().any(alive), "servers left: {started:?}");
    assert_eq!(folders(), Vec::<PathBuf>::new(), "folders left");
    let _ = std::fs::remove_dir_all(dir);
}

/// A box that rewrites what the origins answer is a finding of its own: the origin's marker
/// header still arrives, its JSON body does not.
#[test]
fn a_proxy_that_rewrites_the_origins_answers_is_said_to() {
    let (dir, root) = lab_dir("mitm-rewrite");
    let trusted = format!("ssl_verify_upstream_trusted_ca={}", root.path.display());
    let Some(mitm) = Mitmdump::start(&[&trusted, "rewrite_answers=true"]) else {
        return;
    };
    let ca = mitm.ca_cert().display().to_string();
    let (_, report) = audit(&mitm.url(), &dir, &["--ca-file", &ca]);
    let good = case(&report, "good");
    assert_eq!(good["outcome"], "forged-trusted", "{good}");
    let altered = good["answer_altered"].as_str().unwrap_or_default();
    assert!(altered.contains("arrived altered"), "{good}");
    assert!(
        report["client"]["differences"]
            .as_array()
            .unwrap()
            .iter()
            .any(|note| note.as_str().unwrap().contains("answers arrived altered")),
        "{}",
        report["client"]["differences"]
    );
    // The weak origins' pages are files, not JSON: nothing is said of them.
    assert!(case(&report, "static-rsa")["answer_altered"].is_null());
    let _ = std::fs::remove_dir_all(dir);
}

/// The origins trust nothing a client sends: a run token that is not short hex is not echoed,
/// a records window is capped, and a name that is no case's gets the `good` origin.
#[test]
fn the_origins_echo_only_what_they_vouch_for() {
    use tlsinspect::lab::audit::wire::{ProbeAnswer, RecordsAnswer};
    use tlsinspect::net::http::{Method, request};
    use tlsinspect::net::{Recorder, handshake};
    use tlsinspect::target::Host;
    let (dir, root) = lab_dir("origins-hostile");
    let now = tlsinspect::clock::Clock::now(&tlsinspect::clock::SystemClock);
    let lab =
        tlsinspect::lab::audit::AuditLab::start(&root, std::net::IpAddr::from([127, 0, 0, 1]), now)
            .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let ask = |sni: &str, target: &str| -> Vec<u8> {
        runtime.block_on(async {
            let stream = tokio::net::TcpStream::connect(lab.addr()).await.unwrap();
            let host = Host::Dns(sni.to_owned());
            let (mut tls, _) = handshake(stream, lab.addr(), &host, &Recorder::new())
                .await
                .unwrap();
            request(&mut tls, Method::Get, target, sni, 1 << 20)
                .await
                .unwrap()
                .body
        })
    };
    let good = AuditCase::Good.host(&root.domain);
    let answer: ProbeAnswer =
        serde_json::from_slice(&ask(&good, "/tlsinspect-audit?run=%3Cscript%3E")).unwrap();
    assert_eq!(answer.run, None, "a hostile token is not echoed");
    assert_eq!(answer.case, "good");
    assert!(answer.connection.client_hello.is_some());
    let answer: ProbeAnswer =
        serde_json::from_slice(&ask("elsewhere.example", "/tlsinspect-audit?run=00ff")).unwrap();
    assert_eq!(
        (answer.case.as_str(), answer.run.as_deref()),
        ("good", Some("00ff"))
    );
    let expired = AuditCase::Expired.host(&root.domain);
    let _ = ask(&expired, "/tlsinspect-audit?run=00ff");
    let records: RecordsAnswer = serde_json::from_slice(&ask(
        &good,
        "/tlsinspect-audit/records?run=00ff&seconds=99999999",
    ))
    .unwrap();
    assert_eq!(records.window_secs, 600);
    assert_eq!(records.requester, "127.0.0.1");
    // The three connections before it, not the records request's own.
    assert_eq!(records.records.len(), 3, "{records:?}");
    assert!(
        records
            .records
            .iter()
            .any(|record| record.case == "expired")
    );
    drop(lab);
    let _ = std::fs::remove_dir_all(dir);
}
