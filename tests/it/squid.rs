//! `audit-proxy` against Squid 5 (Debian's `squid-openssl`), the most deployed open-source
//! SSL-inspection proxy: SSL-Bump verifying upstreams against the audit root (B: only the
//! revocation cases get through), the same with `sslproxy_cert_error allow all` (F), and Squid
//! as a plain CONNECT tunnel (not intercepting). Each Squid runs from its own folder on
//! 127.0.0.1, off the real resolver (`dns_nameservers 127.0.0.1`, its own hosts file), in its
//! own process group, and is stopped with its helpers when the test ends.
//!
//! `.ci/run` installs squid-openssl; under `CI=true` a missing Squid fails these tests.

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::audit::{WEAK_UPSTREAM, audit, case, lab_dir, lab_dir_for, masked};
use crate::support::*;

/// How the Squid under test treats TLS.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// SSL-Bump, verifying upstream certificates against the audit root.
    Strict,
    /// SSL-Bump with `sslproxy_cert_error allow all`: forges whatever the upstream presents.
    AllowAll,
    /// SSL-Bump verifying upstream certificates, with every protocol version and suite OpenSSL
    /// has allowed upstream (`min-version=1.0`, `@SECLEVEL=0`): what an appliance configured
    /// "for compatibility" does.
    WeakUpstream,
    /// No SSL-Bump: CONNECT is a tunnel.
    Tunnel,
}

/// Where a Squid under test runs.
pub(crate) enum Place<'a> {
    /// On 127.0.0.1, as an explicit proxy; the names resolve to 127.0.0.1.
    Loopback,
    /// Inside the network namespace `netns`, intercepting what an iptables REDIRECT sends to
    /// `port` (`https_port … intercept ssl-bump`) from `clients`; the names resolve to
    /// `origins`.
    Intercept {
        netns: &'a str,
        port: u16,
        clients: &'a str,
        origins: &'a str,
    },
}

/// A running Squid; dropped, its process group is stopped and its folder removed.
pub(crate) struct Squid {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Squid {
    /// Starts Squid in `mode`, trusting `upstream_root` upstream and resolving `names` (only) to
    /// 127.0.0.1; `None` (a skip) when Squid is not installed outside CI.
    fn start(mode: Mode, upstream_root: &Path, names: &[String]) -> Option<Self> {
        Self::start_at(mode, upstream_root, names, &Place::Loopback)
    }

    /// Starts Squid in `mode` at `place`.
    pub(crate) fn start_at(
        mode: Mode,
        upstream_root: &Path,
        names: &[String],
        place: &Place<'_>,
    ) -> Option<Self> {
        let binary = peer_program("squid", "TLSINSPECT_SQUID", "TLSINSPECT_REQUIRE_SQUID")?;
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "tlsinspect-squid-{}-{}",
            std::process::id(),
            STARTED.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let d = dir.display();
        openssl_in(
            &dir,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "30",
                "-subj",
                "/CN=Squid Test CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
        std::fs::copy(upstream_root, dir.join("upstream-root.pem")).unwrap();
        let hosts = match place {
            Place::Loopback => format!("127.0.0.1 localhost {}\n", names.join(" ")),
            Place::Intercept { origins, .. } => {
                format!("127.0.0.1 localhost\n{origins} {}\n", names.join(" "))
            }
        };
        std::fs::write(dir.join("hosts"), hosts).unwrap();
        let certgen = "/usr/lib/squid/security_file_certgen";
        let made = Command::new(certgen)
            .args(["-c", "-s", &format!("{d}/ssl_db"), "-M", "4MB"])
            .output()
            .unwrap_or_else(|error| panic!("{certgen}: {error}"));
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
        // A free port (Squid cannot bind port 0 and say which it got).
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // Intercepting, Squid still needs a plain forward port; the bumping port is the one
        // the REDIRECT names, and the clients' subnet is allowed.
        let (bump_port, clients) = match place {
            Place::Loopback => (format!("http_port 127.0.0.1:{port}"), String::new()),
            Place::Intercept {
                port: intercept,
                clients,
                ..
            } => (
                format!("http_port 127.0.0.1:{port}\nhttps_port {intercept} intercept"),
                format!("acl clients src {clients}\nhttp_access allow clients\n"),
            ),
        };
        let listen = match mode {
            Mode::Tunnel => format!("http_port 127.0.0.1:{port}\n"),
            Mode::Strict | Mode::AllowAll | Mode::WeakUpstream => format!(
                "{bump_port} ssl-bump tls-cert={d}/ca.pem tls-key={d}/ca.key \
                 generate-host-certificates=on dynamic_cert_mem_cache_size=4MB\n\
                 tls_outgoing_options cafile={d}/upstream-root.pem{}\n\
                 sslcrtd_program /usr/lib/squid/security_file_certgen -s {d}/ssl_db -M 4MB\n\
                 sslcrtd_children 5 startup=1 idle=1\n\
                 acl step1 at_step SslBump1\n\
                 ssl_bump peek step1\n\
                 ssl_bump bump all\n",
                if mode == Mode::WeakUpstream {
                    " min-version=1.0 cipher=ALL:@SECLEVEL=0"
                } else {
                    ""
                }
            ),
        };
        let insecure = if mode == Mode::AllowAll {
            "sslproxy_cert_error allow all\n"
        } else {
            ""
        };
        let config = format!(
            "{listen}{insecure}{clients}http_access allow localhost\nhttp_access deny all\n\
             dns_nameservers 127.0.0.1\nhosts_file {d}/hosts\npid_filename {d}/squid.pid\n\
             access_log stdio:{d}/access.log\ncache_log {d}/cache.log\ncache deny all\n\
             shutdown_lifetime 1 seconds\n"
        );
        std::fs::write(dir.join("squid.conf"), config).unwrap();
        // Started as root, Squid drops to the `proxy` user: it must read and write its folder.
        let root = Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
        if root {
            let owned = Command::new("chown")
                .args(["-R", "proxy:proxy"])
                .arg(&dir)
                .status()
                .unwrap();
            assert!(owned.success());
        }
        let mut command = match place {
            Place::Loopback => Command::new(binary),
            Place::Intercept { netns, .. } => {
                let mut command = Command::new("ip");
                command.args(["netns", "exec", netns, &binary]);
                command
            }
        };
        let child = command
            .args(["-N", "-f"])
            .arg(dir.join("squid.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap();
        let squid = Self { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(30);
        // In a namespace its port cannot be tried from here: its log says when it listens.
        let listening = || match place {
            Place::Loopback => TcpStream::connect(("127.0.0.1", port)).is_ok(),
            Place::Intercept { .. } => std::fs::read_to_string(squid.dir.join("cache.log"))
                .is_ok_and(|log| log.contains("Accepting NAT intercepted SSL bumped")),
        };
        while !listening() {
            assert!(
                Instant::now() < deadline,
                "Squid did not listen within 30 s: {}",
                std::fs::read_to_string(squid.dir.join("cache.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(squid)
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The CA Squid forges with, as a `--ca-file` (what a machine that deployed it trusts).
    pub(crate) fn ca(&self) -> String {
        self.dir.join("ca.pem").display().to_string()
    }

    /// What Squid logged of each request.
    fn access_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("access.log")).unwrap_or_default()
    }

    fn signal_group(&self, signal: &str) {
        let _ = Command::new("kill")
            .args([signal, "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for Squid {
    fn drop(&mut self) {
        // Squid, its certificate helpers and its pinger share the process group.
        self.signal_group("-TERM");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(50));
        }
        self.signal_group("-KILL");
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn verdict(report: &Value) -> String {
    serde_json::to_string_pretty(&report["verdict"]).unwrap()
}

#[test]
fn squid_bumping_and_verifying_upstreams_grades_b_for_revocation_only() {
    let (lab, root) = lab_dir("squid-strict");
    let Some(squid) = Squid::start(Mode::Strict, &root.path, &[]) else {
        return;
    };
    let (output, report) = audit(&squid.url(), &lab, &["--ca-file", &squid.ca()]);
    assert_eq!(report["verdict"]["grade"], "B", "{}", verdict(&report));
    assert_eq!(
        output.status.code(),
        Some(0),
        "B meets the default --min-grade B"
    );
    assert_eq!(case(&report, "good")["outcome"], "forged-trusted");
    // OpenSSL's default suites include static RSA: Squid completes that handshake (B); it
    // refuses TLS 1.0/1.1, a 1024-bit group and a SHA-1 key-exchange signature.
    assert_eq!(
        masked(&report),
        ["revoked-crl", "revoked-ocsp", "static-rsa"]
    );
    assert!(verdict(&report).contains("no forward secrecy"));
    for name in ["tls-v1-0", "tls-v1-1", "dh1024", "sha1-handshake"] {
        let result = case(&report, name);
        assert_eq!(result["outcome"], "blocked", "{name}: {result}");
        assert_eq!(result["safe"], true, "{name}");
        let upstream = result["upstream_handshake"].as_str().unwrap();
        assert!(upstream.contains("not completed"), "{name}: {upstream}");
    }
    assert!(
        case(&report, "tls-v1-0")["upstream_handshake"]
            .as_str()
            .unwrap()
            .starts_with("TLSv1.0 "),
        "the origin's choice is recorded"
    );
    assert!(verdict(&report).contains("does not check revocation"));
    // A refused case says what Squid said, not a guess.
    let expired = case(&report, "expired");
    assert_eq!(expired["safe"], true);
    let detail = expired["detail"].as_str().unwrap();
    assert!(
        detail.contains("X-Squid-Error: ERR_SECURE_CONNECT_FAIL"),
        "{detail}"
    );
    assert_eq!(
        report["upstream"]["hello"]["sni"],
        "good.audit.tlsinspect.test"
    );
    assert_eq!(report["client"]["leaf_key_is_ca_key"], true);
    let _ = std::fs::remove_dir_all(lab);
}

#[test]
fn squid_allowing_every_certificate_error_grades_f() {
    let (lab, root) = lab_dir("squid-allow-all");
    let Some(squid) = Squid::start(Mode::AllowAll, &root.path, &[]) else {
        return;
    };
    let (output, report) = audit(&squid.url(), &lab, &["--ca-file", &squid.ca()]);
    assert_eq!(report["verdict"]["grade"], "F", "{}", verdict(&report));
    assert_eq!(
        output.status.code(),
        Some(1),
        "F is below the default --min-grade B"
    );
    let masked = masked(&report);
    for name in ["impostor-root", "name-constraints", "md5", "revoked-crl"] {
        assert!(masked.iter().any(|m| m == name), "{name}: {masked:?}");
    }
    assert!(
        verdict(&report).contains("accepts invalid upstream certificates"),
        "{}",
        verdict(&report)
    );
    let _ = std::fs::remove_dir_all(lab);
}

#[test]
fn squid_as_a_plain_tunnel_is_not_intercepting() {
    let (lab, root) = lab_dir("squid-tunnel");
    let Some(squid) = Squid::start(Mode::Tunnel, &root.path, &[]) else {
        return;
    };
    let (output, report) = audit(&squid.url(), &lab, &[]);
    assert_eq!(
        report["verdict"]["status"],
        "not-intercepting",
        "{}",
        verdict(&report)
    );
    assert_eq!(case(&report, "good")["outcome"], "passed-through");
    assert_eq!(output.status.code(), Some(0));
    let _ = std::fs::remove_dir_all(lab);
}

/// `--connect-by-name --domain D`: the CONNECT names `<case>.D:PORT`, which Squid resolves from
/// its hosts file; the root made for D is constrained to D, and the grade is the same.
#[test]
fn squid_resolving_the_case_names_grades_the_same_when_connected_by_name() {
    let domain = "audit.example.test";
    let (dir, root) = lab_dir_for("squid-by-name", domain);
    assert!(root.path.ends_with(format!("audit-root-{domain}.pem")));
    let names: Vec<String> = tlsinspect::lab::audit::AuditCase::ALL
        .iter()
        .map(|case| case.host(domain))
        .collect();
    let Some(squid) = Squid::start(Mode::Strict, &root.path, &names) else {
        return;
    };
    let (output, report) = audit(
        &squid.url(),
        &dir,
        &[
            "--ca-file",
            &squid.ca(),
            "--connect-by-name",
            "--domain",
            domain,
        ],
    );
    assert_eq!(report["verdict"]["grade"], "B", "{}", verdict(&report));
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(case(&report, "good")["outcome"], "forged-trusted");
    assert_eq!(case(&report, "good")["host"], "good.audit.example.test");
    assert_eq!(
        report["upstream"]["hello"]["sni"],
        "good.audit.example.test"
    );
    assert_eq!(report["upstream"]["sni_kept"], true);
    let log = squid.access_log();
    assert!(log.contains("CONNECT good.audit.example.test:"), "{log}");
    assert!(!log.contains("CONNECT 127.0.0.1:"), "{log}");
    let _ = std::fs::remove_dir_all(dir);
}

/// Squid told to accept every version and suite upstream (`min-version=1.0`, `@SECLEVEL=0`)
/// completes every weak-upstream handshake and shows this machine TLS 1.3 over a trusted
/// forgery: each is masked, with the reason the grade gives it.
#[test]
fn squid_accepting_weak_upstreams_masks_them() {
    let (lab, root) = lab_dir("squid-weak-upstream");
    let Some(squid) = Squid::start(Mode::WeakUpstream, &root.path, &[]) else {
        return;
    };
    let (output, report) = audit(&squid.url(), &lab, &["--ca-file", &squid.ca()]);
    assert_eq!(output.status.code(), Some(1), "{}", verdict(&report));
    let masked = masked(&report);
    for name in WEAK_UPSTREAM {
        assert!(masked.iter().any(|m| m == name), "{name}: {masked:?}");
        let upstream = case(&report, name)["upstream_handshake"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(upstream.ends_with(", completed"), "{name}: {upstream}");
    }
    assert!(
        case(&report, "tls-v1-1")["upstream_handshake"]
            .as_str()
            .unwrap()
            .starts_with("TLSv1.1 ")
    );
    let verdict = verdict(&report);
    for reason in [
        "completes DHE with a 1024-bit group upstream (Logjam",
        "accepts a SHA-1-signed key exchange upstream (SLOTH)",
        "connects to TLS 1.0- or 1.1-only origins",
        "completes static RSA key exchange upstream",
    ] {
        assert!(verdict.contains(reason), "{reason}: {verdict}");
    }
    // The text shows each masked weak upstream with the handshake the proxy completed.
    let text = stdout(&crate::audit::run_audit(
        &squid.url(),
        &lab,
        &["--ca-file", &squid.ca()],
    ));
    assert!(text.contains("upstream: TLSv1.0 "), "{text}");
    let _ = std::fs::remove_dir_all(lab);
}
