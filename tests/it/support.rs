//! Test harness: the binary with a scrubbed environment, `openssl s_server` on 127.0.0.1:0,
//! small hand-made proxies, and the JSON shapes pinned with `deny_unknown_fields`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use serde::Deserialize;

/// Every validation in tests happens at this instant.
pub const TEST_NOW: &str = "2030-01-01T00:00:00Z";
/// The host the lab and the testcerts pose as.
pub const HOST: &str = "www.googleapis.com";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The one switch for tests that cannot run as Windows programs (the Windows build of this
/// binary, run under Wine by `.ci/run`): they need a Linux peer program (`openssl`, `bash`,
/// `script`, `chromium`), or socket behaviour Wine does not reproduce. There they return at once
/// and say they were skipped, naming what they need.
#[macro_export]
macro_rules! skip_on_windows {
    ($needs:expr) => {
        $crate::skip_on_windows!($needs, ())
    };
    ($needs:expr, $value:expr) => {
        if cfg!(windows) {
            eprintln!("skipped on Windows: needs {}", $needs);
            return $value;
        }
    };
}

/// An empty folder for one test: `tlsinspect-NAME-PID` in the temp directory, emptied first.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tlsinspect-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn testcerts() -> PathBuf {
    repo().join("testcerts")
}

/// The binary with `args` and a scrubbed environment.
fn command(args: &[&str]) -> Command {
    let home = std::env::temp_dir().join("tlsinspect-test-home");
    let mut command = Command::new(env!("CARGO_BIN_EXE_tlsinspect"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("NO_COLOR", "1");
    command
}

/// Runs the binary with a scrubbed environment.
pub fn tlsinspect(args: &[&str]) -> Output {
    command(args)
        .stdin(Stdio::null())
        .output()
        .expect("run tlsinspect")
}

/// Runs the binary with a scrubbed environment plus `vars`.
pub fn tlsinspect_with_env(args: &[&str], vars: &[(&str, &Path)]) -> Output {
    let mut command = command(args);
    for (name, value) in vars {
        command.env(name, value);
    }
    command
        .stdin(Stdio::null())
        .output()
        .expect("run tlsinspect")
}

/// Runs the binary and checks it refuses the run (exit 2) saying `needle` on stderr.
pub fn refused(args: &[&str], needle: &str) {
    let output = tlsinspect(args);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{args:?}: {}",
        stderr(&output)
    );
    assert!(
        stderr(&output).contains(needle),
        "{args:?}: {}",
        stderr(&output)
    );
}

/// Starts the binary with a scrubbed environment, writes `input` to its stdin and closes it;
/// stdout and stderr are piped for the caller to read while it runs.
pub fn spawn_with_stdin(args: &[&str], input: &[u8]) -> Child {
    let mut child = command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tlsinspect");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(input)
        .expect("write stdin");
    child
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The `mitmdump` binary (TLSINSPECT_MITMDUMP, else the PATH), or `None` and a "skipped" line;
/// with TLSINSPECT_REQUIRE_MITMPROXY set (as `.ci/run` sets it), a missing one fails the test.
pub fn mitmdump() -> Option<String> {
    crate::skip_on_windows!("mitmdump", None);
    peer_program(
        "mitmdump",
        "TLSINSPECT_MITMDUMP",
        "TLSINSPECT_REQUIRE_MITMPROXY",
    )
}

/// An optional peer program: `$binary_var`, else `name` on the PATH; `None` and a "skipped"
/// line when it does not start, unless `$require_var` is set or `CI=true` (as on CI, whose
/// `.ci/run` installs every peer), which makes a missing one fail the test.
pub fn peer_program(name: &str, binary_var: &str, require_var: &str) -> Option<String> {
    let binary = std::env::var(binary_var).unwrap_or_else(|_| name.to_owned());
    if Command::new(&binary).arg("--version").output().is_err() {
        missing_peer(&format!("{name} ({binary})"), require_var);
        return None;
    }
    Some(binary)
}

/// A missing peer `what`: fails the test when `$require_var` is set or `CI=true`, else says the
/// test skipped (the caller then returns).
pub fn missing_peer(what: &str, require_var: &str) {
    let required =
        std::env::var_os(require_var).is_some() || std::env::var("CI").is_ok_and(|ci| ci == "true");
    assert!(!required, "{what} is required here but not installed");
    eprintln!("skipped: {what} not installed (run .ci/run to install it)");
}

/// `openssl` is on the CI machine; a test that needs it fails loudly when it is missing.
pub fn openssl() -> &'static str {
    "openssl"
}

/// Runs openssl with `args` in `dir`; panics with its stderr when it fails.
pub fn openssl_in(dir: &Path, args: &[&str]) {
    let output = Command::new(openssl())
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        stderr(&output)
    );
}

/// `tlsinspect inspect` of a testcerts scenario's leaf and intermediate, anchored at the lab root
/// (`testcerts/ca.pem`), with `args`, as JSON: the exit status and the parsed report.
pub fn inspect_scenario(scenario: &str, args: &[&str]) -> (Output, JsonReport) {
    let dir = testcerts().join(scenario);
    let leaf = dir.join("leaf.pem");
    let inter = dir.join("inter.pem");
    let ca = testcerts().join("ca.pem");
    let mut all = vec![
        "inspect",
        leaf.to_str().unwrap(),
        inter.to_str().unwrap(),
        "--ca-file",
        ca.to_str().unwrap(),
        "--format",
        "json",
    ];
    all.extend_from_slice(args);
    let output = tlsinspect(&all);
    let report = parse_report(&output);
    (output, report)
}

/// A certificate's serial as `openssl x509 -serial` prints it (upper-case hex), for index files.
pub fn openssl_serial(cert: &Path) -> String {
    let output = Command::new(openssl())
        .args(["x509", "-noout", "-serial", "-in"])
        .arg(cert)
        .output()
        .unwrap();
    stdout(&output)
        .trim()
        .trim_start_matches("serial=")
        .to_owned()
}

/// `openssl s_server` serving one testcerts scenario on 127.0.0.1:0; killed on drop.
pub struct OpensslServer {
    child: Child,
    pub addr: SocketAddr,
}

impl OpensslServer {
    pub fn start(scenario: &str) -> Self {
        let dir = testcerts().join(scenario);
        let extra = dir.join("served-extra.pem");
        let has_extra = std::fs::metadata(&extra)
            .map(|m| m.len() > 0)
            .unwrap_or(false);
        Self::serve(
            &dir.join("leaf.pem"),
            &dir.join("leaf.key"),
            has_extra.then_some(extra.as_path()),
        )
    }

    /// Serves `cert` with `key`, sending the certificates of `chain` after it.
    pub fn serve(cert: &Path, key: &Path, chain: Option<&Path>) -> Self {
        let mut command = Command::new(openssl());
        command
            .arg("s_server")
            .arg("-accept")
            .arg("127.0.0.1:0")
            .arg("-cert")
            .arg(cert)
            .arg("-key")
            .arg(key)
            .arg("-www");
        if let Some(chain) = chain {
            command.arg("-cert_chain").arg(chain);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server must be installed");
        // s_server prints `ACCEPT 127.0.0.1:PORT`; read it on a thread so a silent server fails
        // the test after a bound instead of hanging it. The thread keeps draining stdout.
        let stdout = child.stdout.take().unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("ACCEPT ") {
                    let _ = sender.send(addr.trim().to_owned());
                }
            }
        });
        let addr = match receiver.recv_timeout(Duration::from_secs(10)) {
            Ok(addr) => addr.parse().unwrap(),
            Err(_) => {
                let _ = child.kill();
                panic!("openssl s_server did not print its address within 10s");
            }
        };
        Self { child, addr }
    }

    /// `--connect-to` for HOST:443.
    pub fn connect_to(&self) -> String {
        format!("{HOST}:443:{}:{}", self.addr.ip(), self.addr.port())
    }
}

impl Drop for OpensslServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A thread-based TCP server on 127.0.0.1:0 handling each connection with `handle`.
pub struct TcpServer {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl TcpServer {
    pub fn start(handle: impl Fn(TcpStream) + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let handle = Arc::new(handle);
        let thread = std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        stream.set_nonblocking(false).unwrap();
                        stream
                            .set_read_timeout(Some(Duration::from_secs(10)))
                            .unwrap();
                        let handle = Arc::clone(&handle);
                        std::thread::spawn(move || handle(stream));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Self {
            addr,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for TcpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads a request head (bounded).
pub fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// A proxy that answers every CONNECT with 407.
pub fn proxy_407() -> TcpServer {
    TcpServer::start(|mut stream| {
        read_head(&mut stream);
        let _ = stream.write_all(
            b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: NTLM\r\n\
              Proxy-Authenticate: Basic realm=\"corp\"\r\nContent-Length: 0\r\n\r\n",
        );
    })
}

/// A CONNECT proxy that tunnels only to loopback and records the CONNECT targets it was asked.
pub fn tunnel_proxy(asked: Arc<std::sync::Mutex<Vec<String>>>) -> TcpServer {
    TcpServer::start(move |mut client| {
        let head = read_head(&mut client);
        let target = head
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        asked.lock().unwrap().push(target.clone());
        let Ok(addr) = target.parse::<SocketAddr>() else {
            let _ = client.write_all(b"HTTP/1.1 403 Forbidden\r\n\r\n");
            return;
        };
        if !addr.ip().is_loopback() {
            let _ = client.write_all(b"HTTP/1.1 403 Forbidden\r\n\r\n");
            return;
        }
        let Ok(upstream) = TcpStream::connect_timeout(&addr, Duration::from_secs(5)) else {
            let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
            return;
        };
        let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
        let (mut client_read, mut upstream_write) =
            (client.try_clone().unwrap(), upstream.try_clone().unwrap());
        let forward = std::thread::spawn(move || {
            let _ = std::io::copy(&mut client_read, &mut upstream_write);
            let _ = upstream_write.shutdown(std::net::Shutdown::Write);
        });
        let (mut upstream_read, mut client_write) = (upstream, client);
        let _ = std::io::copy(&mut upstream_read, &mut client_write);
        let _ = client_write.shutdown(std::net::Shutdown::Write);
        let _ = forward.join();
    })
}

/// A plain-HTTP server answering every GET with `body`.
pub fn http_file(body: Vec<u8>) -> TcpServer {
    TcpServer::start(move |mut stream| {
        read_head(&mut stream);
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(&body);
    })
}

/// DER of the first certificate in a PEM file.
pub fn pem_to_der(path: &Path) -> Vec<u8> {
    tlsinspect::chain::read_certificates(&std::fs::read(path).unwrap()).unwrap()[0].to_vec()
}

// JSON shapes pinned by the tests: unknown fields fail, so renames are caught.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Every field is declared to pin the JSON shape, read or not.
pub struct JsonReport {
    pub schema_version: u32,
    pub command: String,
    pub profile: Option<String>,
    pub evaluated_at: String,
    pub endpoints: Vec<JsonEndpoint>,
    pub summary: JsonSummary,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Every field is declared to pin the JSON shape, read or not.
pub struct JsonSummary {
    pub endpoints: usize,
    pub ok: usize,
    pub warnings: usize,
    pub errors: usize,
    pub diagnosis: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Every field is declared to pin the JSON shape, read or not.
pub struct JsonEndpoint {
    pub target: String,
    pub scheme: Option<String>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub purpose: Option<String>,
    pub destination: Option<JsonDestination>,
    pub tls: Option<JsonTls>,
    pub http: Option<JsonHttp>,
    pub http_error: Option<String>,
    pub certificates: Vec<JsonCert>,
    pub trust: Option<serde_json::Value>,
    pub revocation: Option<JsonRevocation>,
    pub findings: Vec<JsonFinding>,
    pub status: String,
    pub headline: Option<String>,
    pub elapsed_ms: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Every field is declared to pin the JSON shape, read or not.
pub struct JsonDestination {
    pub peer: String,
    pub peer_name: Option<String>,
    pub resolved: Vec<String>,
    pub proxy: Option<String>,
    #[serde(default)]
    pub proxy_source: Option<String>,
    pub connect_to: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Every field is declared to pin the JSON shape, read or not.
pub struct JsonTls {
    pub version: String,
    pub cipher_suite: String,
    pub alpn: Option<String>,
    pub sni: Option<String>,
    pub stapled_ocsp: bool,
    pub stapled_ocsp_base64: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Every field is declared to pin the JSON shape, read or not.
pub struct JsonHttp {
    pub status: u16,
    pub status_line: String,
    pub date: Option<String>,
    #[serde(default)]
    pub date_invalid: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Every field is declared to pin the JSON shape, read or not.
pub struct JsonCert {
    pub subject: String,
    pub issuer: String,
    pub subject_values: Vec<String>,
    pub issuer_values: Vec<String>,
    pub serial: String,
    pub not_before: String,
    pub not_after: String,
    pub dns_names: Vec<String>,
    pub ip_addresses: Vec<String>,
    pub key: serde_json::Value,
    pub signature_algorithm: String,
    pub extended_key_usage: Option<Vec<String>>,
    pub is_ca: bool,
    pub self_issued: bool,
    pub self_signed: bool,
    pub ca_issuers: Vec<String>,
    pub ocsp_urls: Vec<String>,
    pub crl_urls: Vec<String>,
    pub sct_count: usize,
    pub sct_timestamps: Vec<String>,
    pub sha256: String,
    pub sha1: String,
    pub spki_sha256: String,
    pub key_id_sha1: String,
    pub authority_key_id: Option<String>,
    pub der_base64: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Every field is declared to pin the JSON shape, read or not.
pub struct JsonFinding {
    pub code: String,
    pub severity: String,
    pub message: String,
    pub cert_index: Option<usize>,
    pub winhttp_flag: Option<String>,
    pub evidence: serde_json::Value,
}

/// Parses a `check` / `inspect` JSON report, checked against `schemas/check.json` first.
pub fn parse_report(output: &Output) -> JsonReport {
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "bad JSON ({error}):\n{}\nstderr: {}",
            stdout(output),
            stderr(output)
        )
    });
    assert_schema("check.json", &value);
    serde_json::from_value(value).unwrap()
}

/// Fails unless `value` is valid against `schemas/NAME` (compiled once per test binary).
pub fn assert_schema(name: &str, value: &serde_json::Value) {
    type Cache = std::sync::Mutex<std::collections::HashMap<String, Arc<jsonschema::Validator>>>;
    static VALIDATORS: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let validator = {
        let mut cache = VALIDATORS.get_or_init(Default::default).lock().unwrap();
        let entry = cache.entry(name.to_owned()).or_insert_with(|| {
            let text = std::fs::read_to_string(repo().join("schemas").join(name)).unwrap();
            let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
            Arc::new(
                jsonschema::validator_for(&schema)
                    .unwrap_or_else(|error| panic!("schemas/{name}: {error}")),
            )
        });
        Arc::clone(entry)
    };
    let errors: Vec<String> = validator
        .iter_errors(value)
        .take(10)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "output does not match schemas/{name}:\n{}",
        errors.join("\n")
    );
}

/// Every line of JSON Lines output, each checked against `schemas/NAME`.
pub fn assert_schema_lines(name: &str, output: &Output) -> Vec<serde_json::Value> {
    stdout(output)
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_schema(name, &value);
            value
        })
        .collect()
}

impl JsonEndpoint {
    pub fn codes(&self) -> Vec<&str> {
        self.findings
            .iter()
            .map(|finding| finding.code.as_str())
            .collect()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Every field is declared to pin the JSON shape, read or not.
pub struct JsonRevocation {
    pub status: String,
    pub certificates: Vec<JsonRevocationStatus>,
    pub sources: Vec<JsonRevocationStatus>,
}

/// A certificate's combined status or one source's answer (sources carry the facts).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Every field is declared to pin the JSON shape, read or not.
pub struct JsonRevocationStatus {
    pub cert_index: usize,
    pub status: String,
    pub subject: Option<String>,
    pub serial: Option<String>,
    pub source: Option<String>,
    pub reason: Option<String>,
    pub detail: Option<String>,
    pub revocation_reason: Option<String>,
    pub revoked_at: Option<String>,
    pub url: Option<String>,
    pub method: Option<String>,
    pub http_status: Option<u16>,
    pub bytes: Option<usize>,
    pub produced_at: Option<String>,
    pub this_update: Option<String>,
    pub next_update: Option<String>,
    pub responder: Option<String>,
    pub nonce: Option<String>,
    pub signature_algorithm: Option<String>,
    pub authenticated: Option<bool>,
}

/// `mitmdump` on 127.0.0.1 (an ephemeral port, its own confdir), with an addon that refuses
/// non-loopback upstreams; killed on drop.
pub struct Mitmdump {
    child: Child,
    /// Its port.
    pub port: u16,
    /// Its confdir (its CA is `mitmproxy-ca-cert.pem` there).
    pub confdir: PathBuf,
}

impl Mitmdump {
    /// Starts it with these `--set` options; `None` (a skip) when mitmdump is not installed.
    pub fn start(options: &[&str]) -> Option<Self> {
        Self::spawn(
            &[],
            &["--listen-host", "127.0.0.1", "--listen-port", "0"],
            "listening at 127.0.0.1:",
            options,
        )
    }

    /// Starts it in transparent mode (`--mode transparent`) on `port` inside the network
    /// namespace `netns`, where an iptables REDIRECT sends it port 443.
    #[cfg(unix)]
    pub fn start_transparent(netns: &str, port: u16, options: &[&str]) -> Option<Self> {
        let port = port.to_string();
        Self::spawn(
            &["ip", "netns", "exec", netns],
            &["--mode", "transparent", "--listen-port", &port],
            "listening at *:",
            options,
        )
    }

    /// Runs mitmdump (after `prefix`, a command that runs it elsewhere) with `listen` options
    /// and `--set` options; its port is read from the line that follows `listening`.
    fn spawn(prefix: &[&str], listen: &[&str], listening: &str, options: &[&str]) -> Option<Self> {
        let binary = mitmdump()?;
        static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let confdir = std::env::temp_dir().join(format!(
            "tlsinspect-mitm-{}-{}",
            std::process::id(),
            STARTED.fetch_add(1, Ordering::SeqCst)
        ));
        let addon = repo().join("tests/data/mitm_loopback_only.py");
        let mut command = match prefix.split_first() {
            Some((program, args)) => {
                let mut command = Command::new(program);
                command.args(args).arg(binary);
                command
            }
            None => Command::new(binary),
        };
        let mut child = command
            .args(listen)
            .arg("--set")
            .arg(format!("confdir={}", confdir.display()))
            .arg("-s")
            .arg(addon)
            .args(options.iter().flat_map(|option| ["--set", option]))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        let listening = listening.to_owned();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some((_, rest)) = line.split_once(&listening) {
                    let _ = sender.send(rest.trim_end_matches('.').parse::<u16>().unwrap_or(0));
                }
            }
        });
        let port = receiver
            .recv_timeout(Duration::from_secs(30))
            .expect("mitmdump printed its port");
        Some(Self {
            child,
            port,
            confdir,
        })
    }
}

impl Mitmdump {
    /// The proxy URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Its CA certificate (PEM).
    pub fn ca_cert(&self) -> PathBuf {
        self.confdir.join("mitmproxy-ca-cert.pem")
    }
}

impl Drop for Mitmdump {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.confdir);
    }
}
