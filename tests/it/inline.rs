//! `audit-proxy --transparent` against inline boxes, in network namespaces this test makes and
//! deletes: a client namespace and a "box" namespace joined by a veth pair, the origins'
//! address (10.99.2.10) on the box's loopback, `audit-proxy serve` running there, and between
//! them, per test, an iptables REDIRECT of port 443 to Squid (`https_port … intercept
//! ssl-bump`) or to mitmproxy (`--mode transparent`), or nothing (a router that only forwards).
//! The client connects straight to 10.99.2.10 with each case's name, as any client would.
//! Nothing leaves the namespaces: the box resolves the case names from its own hosts file.
//!
//! Needs root, iproute2 and iptables: `.ci/run` runs as root and installs iptables; under
//! `CI=true` a machine that cannot make namespaces fails these tests.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;
use tlsinspect::lab::audit::AuditRoot;

use crate::audit::{WEAK_UPSTREAM, case, lab_dir, masked};
use crate::squid::{Mode, Place, Squid};
use crate::support::*;

/// The origins' address, on the box namespace's loopback.
const ORIGINS: &str = "10.99.2.10";
/// The client's subnet (the veth pair).
const CLIENTS: &str = "10.99.1.0/24";
/// Where the box's REDIRECT sends port 443.
const INTERCEPT_PORT: u16 = 3130;

/// A client namespace and a box namespace, joined; dropped, every process left in them is
/// killed and both are deleted.
struct Netns {
    client: String,
    middle: String,
}

impl Netns {
    /// Makes the pair; `None` (a skip) when this machine cannot, unless CI requires it.
    fn make() -> Option<Self> {
        static MADE: AtomicUsize = AtomicUsize::new(0);
        let id = format!(
            "{}{}",
            std::process::id() % 100_000,
            MADE.fetch_add(1, Ordering::SeqCst)
        );
        let netns = Self {
            client: format!("tic{id}"),
            middle: format!("tim{id}"),
        };
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|output| output.stdout == b"0\n");
        let iptables = Command::new("iptables").arg("--version").output().is_ok();
        let cannot = if !root {
            Some("not root")
        } else if !iptables {
            Some("no iptables (apt-get install iptables)")
        } else if !run_ok(&["ip", "netns", "add", &netns.client]) {
            Some("`ip netns add` failed (no iproute2, or no permission)")
        } else {
            None
        };
        if let Some(why) = cannot {
            let required = std::env::var_os("TLSINSPECT_REQUIRE_NETNS").is_some()
                || std::env::var("CI").is_ok_and(|ci| ci == "true");
            assert!(!required, "network namespaces are required here: {why}");
            eprintln!("skipped: network namespaces cannot be made here: {why}");
            return None;
        }
        let (c, m) = (netns.client.as_str(), netns.middle.as_str());
        for step in [
            vec!["ip", "netns", "add", m],
            vec![
                "ip", "link", "add", "c0", "netns", c, "type", "veth", "peer", "name", "m0",
                "netns", m,
            ],
            vec!["ip", "-n", c, "addr", "add", "10.99.1.2/24", "dev", "c0"],
            vec!["ip", "-n", c, "link", "set", "c0", "up"],
            vec!["ip", "-n", c, "link", "set", "lo", "up"],
            vec!["ip", "-n", c, "route", "add", "default", "via", "10.99.1.1"],
            vec!["ip", "-n", m, "addr", "add", "10.99.1.1/24", "dev", "m0"],
            vec!["ip", "-n", m, "link", "set", "m0", "up"],
            vec!["ip", "-n", m, "link", "set", "lo", "up"],
            vec!["ip", "-n", m, "addr", "add", "10.99.2.10/32", "dev", "lo"],
        ] {
            assert!(run_ok(&step), "{step:?} failed");
        }
        Some(netns)
    }

    /// Sends what the client sends to port 443 to `port` in the box (an iptables REDIRECT).
    fn redirect_443(&self, port: u16) {
        let port = port.to_string();
        let rule = [
            "ip",
            "netns",
            "exec",
            &self.middle,
            "iptables",
            "-t",
            "nat",
            "-A",
            "PREROUTING",
            "-i",
            "m0",
            "-p",
            "tcp",
            "--dport",
            "443",
            "-j",
            "REDIRECT",
            "--to-ports",
            &port,
        ];
        assert!(run_ok(&rule), "{rule:?} failed");
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        for name in [&self.client, &self.middle] {
            if let Ok(output) = Command::new("ip").args(["netns", "pids", name]).output() {
                for pid in String::from_utf8_lossy(&output.stdout).split_whitespace() {
                    let _ = Command::new("kill").args(["-KILL", pid]).status();
                }
            }
            let _ = Command::new("ip").args(["netns", "del", name]).status();
        }
    }
}

fn run_ok(command: &[&str]) -> bool {
    Command::new(command[0])
        .args(&command[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// tlsinspect inside `netns`, with a scrubbed environment.
fn tlsinspect_in(netns: &str) -> Command {
    let mut command = Command::new("ip");
    command
        .args(["netns", "exec", netns, env!("CARGO_BIN_EXE_tlsinspect")])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir().join("tlsinspect-test-home"))
        .env("NO_COLOR", "1");
    command
}

/// `audit-proxy serve` on 10.99.2.10:443 (and :80) in the box; stopped when dropped.
struct Serve(Child);

impl Serve {
    fn start(netns: &Netns, lab: &Path) -> Self {
        let mut child = tlsinspect_in(&netns.middle)
            .args(["audit-proxy", "serve", "--listen", ORIGINS, "--lab-dir"])
            .arg(lab)
            .args(["--duration", "300"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.starts_with("Press Ctrl-C") {
                    let _ = sender.send(());
                }
            }
        });
        receiver
            .recv_timeout(Duration::from_secs(30))
            .expect("audit-proxy serve started");
        Self(child)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `audit-proxy --transparent --origins 10.99.2.10` in the client namespace, trusting
/// `ca_file` (the box's CA, as its clients do), as JSON.
fn audit_inline(netns: &Netns, ca_file: Option<&str>) -> (Output, Value) {
    let mut command = tlsinspect_in(&netns.client);
    command.args([
        "audit-proxy",
        "--transparent",
        "--origins",
        ORIGINS,
        "--format",
        "json",
        "--timeout",
        "10",
    ]);
    if let Some(ca) = ca_file {
        command.args(["--ca-file", ca]);
    }
    let output = command.stdin(Stdio::null()).output().unwrap();
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}{}", stdout(&output), stderr(&output)));
    assert_schema("audit-proxy.json", &report);
    assert_eq!(report["mode"], "transparent");
    assert_eq!(report["origins"], format!("{ORIGINS}:443"));
    assert!(report["proxy"].is_null());
    (output, report)
}

fn verdict(report: &Value) -> String {
    serde_json::to_string_pretty(&report["verdict"]).unwrap()
}

/// Every case name, for the box's hosts file.
fn case_names() -> Vec<String> {
    tlsinspect::lab::audit::AuditCase::ALL
        .iter()
        .map(|case| case.host(tlsinspect::lab::audit::AUDIT_DOMAIN))
        .collect()
}

/// Makes a fresh pair of namespaces, starts the box `start` makes in the middle one (it returns
/// the box and, for an interceptor, the CA its clients trust: then port 443 is redirected to
/// [`INTERCEPT_PORT`]), `audit-proxy serve` behind it, and audits from the client namespace;
/// everything is stopped and deleted before it returns. `None` is a skip: no namespaces or no
/// box program here, outside CI.
fn audit_behind<B>(
    name: &str,
    start: impl FnOnce(&Netns, &AuditRoot) -> Option<(B, Option<String>)>,
) -> Option<(Output, Value)> {
    let netns = Netns::make()?;
    let (lab, root) = lab_dir(name);
    let (middlebox, ca) = start(&netns, &root)?;
    if ca.is_some() {
        netns.redirect_443(INTERCEPT_PORT);
    }
    let serve = Serve::start(&netns, &lab);
    let audited = audit_inline(&netns, ca.as_deref());
    drop((serve, middlebox));
    let _ = std::fs::remove_dir_all(lab);
    Some(audited)
}

/// Squid in `mode`, intercepting in the middle namespace.
fn squid(mode: Mode) -> impl FnOnce(&Netns, &AuditRoot) -> Option<(Squid, Option<String>)> {
    move |netns, root| {
        let place = Place::Intercept {
            netns: &netns.middle,
            port: INTERCEPT_PORT,
            clients: CLIENTS,
            origins: ORIGINS,
        };
        let squid = Squid::start_at(mode, &root.path, &case_names(), &place)?;
        let ca = squid.ca();
        Some((squid, Some(ca)))
    }
}

/// mitmproxy in transparent mode in the middle namespace, with `options` (`trust_root`: and
/// the audit root trusted upstream).
fn mitmproxy(
    options: &'static [&'static str],
    trust_root: bool,
) -> impl FnOnce(&Netns, &AuditRoot) -> Option<(Mitmdump, Option<String>)> {
    move |netns, root| {
        let mut all = vec![format!("lab_upstream={ORIGINS}")];
        if trust_root {
            all.push(format!(
                "ssl_verify_upstream_trusted_ca={}",
                root.path.display()
            ));
        }
        all.extend(options.iter().map(|option| (*option).to_owned()));
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let mitm = Mitmdump::start_transparent(&netns.middle, INTERCEPT_PORT, &all)?;
        let ca = mitm.ca_cert().display().to_string();
        Some((mitm, Some(ca)))
    }
}

#[test]
fn a_router_that_only_forwards_is_not_intercepting() {
    let Some((output, report)) = audit_behind("inline-router", |_, _| Some(((), None))) else {
        return;
    };
    assert_eq!(
        report["verdict"]["status"],
        "not-intercepting",
        "{}",
        verdict(&report)
    );
    assert_eq!(output.status.code(), Some(0));
    for result in report["cases"].as_array().unwrap() {
        let name = result["case"].as_str().unwrap();
        // Every case the origins serve reaches the client untouched — the weak ones too: the
        // origins' records show this machine's own ClientHello, which its TLS then refused.
        if result["outcome"] != "not-run" {
            assert_eq!(result["outcome"], "passed-through", "{name}: {result}");
        }
    }
    for name in WEAK_UPSTREAM {
        assert_eq!(case(&report, name)["outcome"], "passed-through", "{name}");
    }
    let attribution = report["attribution"].as_str().unwrap();
    assert!(attribution.contains("came from 10.99.1.2"), "{attribution}");
}

#[test]
fn squid_intercepting_and_verifying_upstreams_grades_b_for_revocation_only() {
    let Some((output, report)) = audit_behind("inline-squid-strict", squid(Mode::Strict)) else {
        return;
    };
    assert_eq!(report["verdict"]["grade"], "B", "{}", verdict(&report));
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(case(&report, "good")["outcome"], "forged-trusted");
    // The same cases as through Squid's explicit port: revocation and static RSA.
    assert_eq!(
        masked(&report),
        ["revoked-crl", "revoked-ocsp", "static-rsa"]
    );
    let expired = case(&report, "expired")["detail"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(expired.contains("ERR_SECURE_CONNECT_FAIL"), "{expired}");
    // What only the origins saw came back across the box: Squid's own ClientHello.
    assert_eq!(
        report["upstream"]["hello"]["sni"],
        "good.audit.tlsinspect.test"
    );
    assert!(report["upstream"]["connections"].as_u64().unwrap() >= 20);
    assert!(
        case(&report, "tls-v1-0")["upstream_handshake"]
            .as_str()
            .unwrap()
            .starts_with("TLSv1.0 ")
    );
    assert!(case(&report, "good")["answer_altered"].is_null());
}

#[test]
fn squid_intercepting_with_every_certificate_error_allowed_grades_f() {
    let Some((output, report)) = audit_behind("inline-squid-allow-all", squid(Mode::AllowAll))
    else {
        return;
    };
    assert_eq!(report["verdict"]["grade"], "F", "{}", verdict(&report));
    assert_eq!(output.status.code(), Some(1));
    // As through its explicit port: it forges anyway (copying the expired leaf's dates, so
    // that one is signalled) and masks the rest.
    let masked = masked(&report);
    for name in ["impostor-root", "name-constraints", "md5", "revoked-crl"] {
        assert!(masked.iter().any(|m| m == name), "{name}: {masked:?}");
    }
    assert!(verdict(&report).contains("accepts invalid upstream certificates"));
}

#[test]
fn mitmproxy_transparent_checking_upstreams_grades_a_or_b() {
    let modern = &["ciphers_server=ECDHE+AESGCM:ECDHE+CHACHA20"];
    let Some((output, report)) = audit_behind("inline-mitm-strict", mitmproxy(modern, true)) else {
        return;
    };
    let grade = report["verdict"]["grade"].as_str().unwrap_or("none");
    assert!(["A", "B"].contains(&grade), "{}", verdict(&report));
    assert_eq!(output.status.code(), Some(0));
    for name in masked(&report) {
        assert!(name.starts_with("revoked-"), "{name}");
    }
    assert_eq!(report["client"]["ca"]["product"], "mitmproxy");
    assert_eq!(
        report["upstream"]["hello"]["sni"],
        "good.audit.tlsinspect.test"
    );
}

#[test]
fn mitmproxy_transparent_and_insecure_grades_f() {
    let insecure = &["ssl_insecure=true"];
    let Some((output, report)) = audit_behind("inline-mitm-insecure", mitmproxy(insecure, false))
    else {
        return;
    };
    assert_eq!(report["verdict"]["grade"], "F", "{}", verdict(&report));
    assert_eq!(output.status.code(), Some(1));
    assert!(masked(&report).iter().any(|name| name == "expired"));
}
