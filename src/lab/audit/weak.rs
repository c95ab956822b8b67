//! The weak-upstream origins: TLS servers that offer only what a modern client refuses (TLS 1.0,
//! TLS 1.1, static RSA key exchange, 3DES, DHE with a 1024- or 512-bit group, a SHA-1-signed
//! ServerKeyExchange), so that the audit sees whether a proxy accepts them. rustls speaks none
//! of these; OpenSSL's `s_server` does (ARCHITECTURE.md says why it and not a linked library).
//! Each runs on 127.0.0.1 behind a relay of ours on the listen address, which records the
//! proxy's ClientHello as the other origins do and follows the handshake in its clear records:
//! what the origin chose (ServerHello), whether it completed (the origin's ChangeCipherSpec,
//! which TLS 1.0–1.2 send only after the client's Finished verified) or who ended it (an alert,
//! a close).
//!
//! A case this machine's OpenSSL cannot serve (no `openssl` program; OpenSSL 1.1.0 and later
//! refuse DH groups under 1024 bits at every security level; Debian's build has no 3DES) is not
//! started, and the audit reports it as not run, with OpenSSL's own reason.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use super::case::AuditCase;
use super::origin::{ConnectionLog, HelloRead, UpstreamConnection, version_name};
use crate::chain::{encode_pem, encode_pem_block};
use crate::output::{Access, write};

/// The environment variable naming the `openssl` program (else `openssl` on PATH).
pub const OPENSSL_ENV: &str = "TLSINSPECT_OPENSSL";
/// How long `s_server` may take to listen.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one relayed connection may last.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(20);
/// The clear records followed per direction (a handshake fits in far fewer).
const MAX_WATCHED: usize = 64 * 1024;
/// The stderr lines of `s_server` kept to explain a failure.
const MAX_ERROR_LINES: usize = 16;

const DH1024: &str = include_str!("../../../data/audit/dh1024.pem");
const DH512: &str = include_str!("../../../data/audit/dh512.pem");
/// OpenSSL's configuration for the origins: everything allowed, so that only the case's own
/// `s_server` options limit what is offered (a distribution's MinProtocol or security level
/// would otherwise refuse to serve TLS 1.0 or a 1024-bit group at all).
const OPENSSL_CONF: &str = "openssl_conf = conf\n[conf]\nssl_conf = ssl\n[ssl]\n\
                            system_default = weak\n[weak]\nCipherString = ALL:@SECLEVEL=0\n\
                            MinProtocol = TLSv1\n";

/// The `s_server` options that make a case's origin what it is; none for the other cases.
pub(super) fn s_server_options(case: AuditCase) -> Option<&'static [&'static str]> {
    Some(match case {
        AuditCase::Tls10 => &["-tls1", "-cipher", "ALL:@SECLEVEL=0"],
        AuditCase::Tls11 => &["-tls1_1", "-cipher", "ALL:@SECLEVEL=0"],
        AuditCase::StaticRsa => &["-tls1_2", "-cipher", "kRSA:@SECLEVEL=0"],
        AuditCase::TripleDes => &["-tls1_2", "-cipher", "3DES:@SECLEVEL=0"],
        AuditCase::Dh1024 => &[
            "-tls1_2",
            "-cipher",
            "kDHE:@SECLEVEL=0",
            "-dhparam",
            "dh1024.pem",
        ],
        AuditCase::Dh512 => &[
            "-tls1_2",
            "-cipher",
            "kDHE:@SECLEVEL=0",
            "-dhparam",
            "dh512.pem",
        ],
        AuditCase::Sha1Handshake => &[
            "-tls1_2",
            "-cipher",
            "ECDHE+aRSA:@SECLEVEL=0",
            "-sigalgs",
            "RSA+SHA1",
        ],
        _ => return None,
    })
}

/// The `openssl` program: `$TLSINSPECT_OPENSSL`, else `openssl` on PATH.
pub fn openssl_program() -> Option<PathBuf> {
    crate::input::program(OPENSSL_ENV, "openssl")
}

/// What a running weak origin needs kept: the `s_server` process (killed when dropped) and
/// its private folder (removed).
#[derive(Debug)]
pub(super) struct Backend {
    child: Child,
    folder: PathBuf,
    addr: SocketAddr,
}

impl Backend {
    /// Starts `openssl s_server` for `case` on 127.0.0.1 serving `chain` (leaf first, PEM
    /// written from DER) with `pkcs8`, its answer to the audit's request carrying
    /// `marker_header: marker`. Err is why it cannot serve the case, in words.
    pub(super) fn start(
        openssl: &Path,
        case: AuditCase,
        chain: &[rustls_pki_types::CertificateDer<'static>],
        pkcs8: &[u8],
        answer: &[u8],
        run: &str,
    ) -> Result<Self, String> {
        let options = s_server_options(case).ok_or("not a weak-upstream case")?;
        let folder = private_folder(case, run)?;
        let cleanup = |error: String| {
            let _ = std::fs::remove_dir_all(&folder);
            error
        };
        let files = [
            (
                "leaf.pem",
                encode_pem(chain.first().map_or(&[][..], |der| der.as_ref())),
            ),
            (
                "chain.pem",
                chain.iter().skip(1).map(|der| encode_pem(der)).collect(),
            ),
            ("leaf.key", encode_pem_block("PRIVATE KEY", pkcs8)),
            ("dh1024.pem", DH1024.to_owned()),
            ("dh512.pem", DH512.to_owned()),
            ("openssl.cnf", OPENSSL_CONF.to_owned()),
        ];
        for (name, text) in files {
            write(&folder.join(name), text.as_bytes(), Access::Private)
                .map_err(|error| cleanup(error.to_string()))?;
        }
        let page = super::origin::PROBE_PATH.trim_start_matches('/');
        write(&folder.join(page), answer, Access::Private)
            .map_err(|error| cleanup(error.to_string()))?;
        // Said here: under the shell (`server_command`) a missing program is only a line of
        // its stderr.
        if !openssl.is_file() {
            return Err(cleanup(format!(
                "cannot run {}: no such program",
                openssl.display()
            )));
        }
        let mut child = server_command(openssl)
            .args([
                "s_server",
                "-accept",
                "127.0.0.1:0",
                "-HTTP",
                "-cert",
                "leaf.pem",
            ])
            .args(["-cert_chain", "chain.pem", "-key", "leaf.key"])
            .args(options)
            .current_dir(&folder)
            .env("OPENSSL_CONF", folder.join("openssl.cnf"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| cleanup(format!("cannot run {}: {error}", openssl.display())))?;
        let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
        let errors = stderr.map(drain_errors);
        match stdout.map(|out| wait_for_accept(out, START_TIMEOUT)) {
            Some(Ok(addr)) => Ok(Self {
                child,
                folder,
                addr,
            }),
            failed => {
                let _ = child.kill();
                let _ = child.wait();
                let said = errors
                    .and_then(|errors| errors.recv_timeout(Duration::from_secs(2)).ok())
                    .map(|lines| openssl_reason(&lines))
                    .unwrap_or_default();
                let why = match failed {
                    Some(Err(why)) if said.is_empty() => why,
                    _ if !said.is_empty() => said,
                    _ => "s_server gave no output".to_owned(),
                };
                Err(cleanup(format!(
                    "OpenSSL's s_server cannot serve it: {why}{}",
                    hint(case, &why)
                )))
            }
        }
    }

    /// Where `s_server` listens.
    pub(super) fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        // Closing the pipe makes the shell stop the server (`server_command`); then wait for
        // it, a bounded while, before killing what is left.
        drop(self.child.stdin.take());
        let deadline = std::time::Instant::now() + Duration::from_secs(3);
        while std::time::Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// The command that runs `openssl` (arguments to follow). On Unix it runs under a small `sh`
/// holding a pipe from this process: when the pipe closes — the backend dropped, or this
/// process ended in any way (Ctrl-C, a kill) — the shell stops the server and removes its
/// folder (its working directory), so an audit never leaves servers or keys behind. The shell gives up its own output at once, so that a server that
/// exits at start is seen to (its output ends). Elsewhere `openssl` runs directly.
fn server_command(openssl: &Path) -> Command {
    #[cfg(unix)]
    {
        let mut command = Command::new("sh");
        command
            .args([
                "-c",
                r#""$0" "$@" & server=$!; exec >/dev/null 2>&1; read -r _; kill "$server"; wait "$server"; rm -rf -- "$PWD""#,
            ])
            .arg(openssl)
            .stdin(Stdio::piped());
        command
    }
    #[cfg(not(unix))]
    {
        let mut command = Command::new(openssl);
        command.stdin(Stdio::null());
        command
    }
}

/// The `openssl version` line's first two words (`OpenSSL 3.0.19`), for the report.
pub fn openssl_version(openssl: &Path) -> Option<String> {
    let output = Command::new(openssl)
        .arg("version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let words: Vec<&str> = text.split_whitespace().take(2).collect();
    (output.status.success() && words.len() == 2).then(|| words.join(" "))
}

/// A fresh folder only this user can read, for one origin's files.
fn private_folder(case: AuditCase, run: &str) -> Result<PathBuf, String> {
    let folder = std::env::temp_dir().join(format!(
        "tlsinspect-audit-{}-{}-{run}",
        std::process::id(),
        case.name()
    ));
    let builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    let builder = {
        use std::os::unix::fs::DirBuilderExt;
        let mut builder = builder;
        builder.mode(0o700);
        builder
    };
    // `create`, not `create_all`: a folder (or link) planted under this name is refused.
    builder
        .create(&folder)
        .map_err(|error| format!("cannot create {}: {error}", folder.display()))?;
    Ok(folder)
}

/// Reads `s_server`'s stdout until `ACCEPT host:port` (then keeps draining it on the same
/// thread, so that the server never blocks on a full pipe).
fn wait_for_accept(
    stdout: impl Read + Send + 'static,
    wait: Duration,
) -> Result<SocketAddr, String> {
    let (found, accepted) = mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if !sent && let Some(addr) = line.strip_prefix("ACCEPT ") {
                sent = found.send(addr.trim().parse::<SocketAddr>()).is_ok();
            }
        }
    });
    match accepted.recv_timeout(wait) {
        Ok(Ok(addr)) => Ok(addr),
        Ok(Err(error)) => Err(format!("it listens on an address it cannot name: {error}")),
        Err(mpsc::RecvTimeoutError::Timeout) => {
            Err(format!("it did not listen within {}s", wait.as_secs()))
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => Err("it exited".to_owned()),
    }
}

/// Drains `s_server`'s stderr; the first lines are sent when it ends.
fn drain_errors(stderr: impl Read + Send + 'static) -> mpsc::Receiver<Vec<String>> {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if kept.len() < MAX_ERROR_LINES {
                kept.push(line);
            }
        }
        let _ = send.send(kept);
    });
    receive
}

/// OpenSSL's reason from its error lines (`…:error:0A00018A:SSL routines:func:dh key too
/// small:file:line:`), else its first line.
fn openssl_reason(lines: &[String]) -> String {
    let reasons: Vec<&str> = lines
        .iter()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            let at = fields.iter().position(|field| *field == "error")?;
            fields.get(at + 4).copied()
        })
        .collect();
    match reasons.first() {
        Some(reason) => (*reason).to_owned(),
        None => lines
            .first()
            .map(|line| line.chars().take(200).collect())
            .unwrap_or_default(),
    }
}

/// What OpenSSL's terse reason means for the cases it is known to refuse.
fn hint(case: AuditCase, reason: &str) -> &'static str {
    match (case, reason) {
        (AuditCase::TripleDes, "no cipher match") => " (this OpenSSL build has no 3DES suites)",
        (AuditCase::Dh512, "dh key too small") => {
            " (OpenSSL 1.1.0 and later refuse DH groups under 1024 bits at every security level)"
        }
        _ => "",
    }
}

/// Relays one connection from the proxy to `s_server`, recording the ClientHello and how the
/// handshake went in `log`.
pub(super) async fn relay(
    proxy: TcpStream,
    read: HelloRead,
    backend: SocketAddr,
    log: ConnectionLog,
) {
    let mut connection = UpstreamConnection {
        peer: proxy.peer_addr().ok(),
        ..UpstreamConnection::default()
    };
    connection.client_hello = read.hello;
    connection.record_version = read.record_version;
    let Some(slot) = log.push(connection.clone()) else {
        return;
    };
    let Ok(Ok(server)) = tokio::time::timeout(START_TIMEOUT, TcpStream::connect(backend)).await
    else {
        connection.error = Some("the origin (s_server) could not be reached".to_owned());
        log.set(slot, connection);
        return;
    };
    let (proxy_read, proxy_write) = proxy.into_split();
    let (server_read, mut server_write) = server.into_split();
    if server_write.write_all(&read.consumed).await.is_err() {
        connection.error = Some("the origin (s_server) closed at once".to_owned());
        log.set(slot, connection);
        return;
    }
    let state = std::sync::Arc::new(std::sync::Mutex::new(connection));
    let watch = |direction| Watcher {
        direction,
        state: std::sync::Arc::clone(&state),
        log: log.clone(),
        slot,
        buffer: Vec::new(),
        seen: 0,
        done: false,
    };
    let upward = pump(proxy_read, server_write, watch(Direction::FromProxy));
    let downward = pump(server_read, proxy_write, watch(Direction::FromOrigin));
    let _ =
        tokio::time::timeout(CONNECTION_TIMEOUT, async { tokio::join!(upward, downward) }).await;
    let mut last = state.lock().map(|c| c.clone()).unwrap_or_default();
    if !last.completed && last.error.is_none() {
        last.error = Some("the handshake did not complete".to_owned());
    }
    log.set(slot, last);
}

/// Copies one direction, showing every byte to `watcher` first.
async fn pump(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, mut watcher: Watcher) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(read) => read,
        };
        watcher.observe(&buffer[..read]);
        if to.write_all(&buffer[..read]).await.is_err() {
            break;
        }
    }
    watcher.closed();
    let _ = to.shutdown().await;
}

/// Which way the bytes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    FromProxy,
    FromOrigin,
}

/// Follows one direction's clear records until the handshake's end.
struct Watcher {
    direction: Direction,
    state: std::sync::Arc<std::sync::Mutex<UpstreamConnection>>,
    log: ConnectionLog,
    slot: usize,
    buffer: Vec<u8>,
    seen: usize,
    done: bool,
}

impl Watcher {
    fn observe(&mut self, bytes: &[u8]) {
        if self.done {
            return;
        }
        self.seen += bytes.len();
        self.buffer.extend_from_slice(bytes);
        while let [kind, _, _, high, low, ..] = self.buffer[..] {
            let length = usize::from(u16::from_be_bytes([high, low]));
            if self.buffer.len() < 5 + length {
                break;
            }
            let fragment: Vec<u8> = self.buffer[5..5 + length].to_vec();
            self.buffer.drain(..5 + length);
            self.record(kind, &fragment);
            if self.done {
                return;
            }
        }
        if self.seen > MAX_WATCHED {
            self.done = true;
        }
    }

    fn record(&mut self, kind: u8, fragment: &[u8]) {
        let Ok(mut connection) = self.state.lock() else {
            self.done = true;
            return;
        };
        match (kind, self.direction) {
            // The origin's ServerHello: what it chose.
            (22, Direction::FromOrigin) if connection.version.is_none() => {
                if let Some((version, suite)) = server_hello(fragment) {
                    connection.version = Some(version_name(version));
                    connection.cipher_suite = Some(suite_name(suite));
                }
            }
            // The origin's ChangeCipherSpec: the proxy's Finished verified.
            (20, Direction::FromOrigin) => {
                connection.completed = true;
                self.done = true;
            }
            (21, direction) if !connection.completed => {
                if let [_, description, ..] = fragment {
                    let who = match direction {
                        Direction::FromProxy => "the proxy",
                        Direction::FromOrigin => "the origin",
                    };
                    connection.error.get_or_insert_with(|| {
                        format!(
                            "{who} ended the handshake: alert {:?}",
                            rustls::AlertDescription::from(*description)
                        )
                    });
                }
                self.done = true;
            }
            // The proxy's own ChangeCipherSpec: nothing to record, the encrypted Finished follows.
            (20, Direction::FromProxy) => self.done = true,
            _ => {}
        }
        self.log.set(self.slot, connection.clone());
    }

    fn closed(&mut self) {
        if self.done {
            return;
        }
        if let Ok(mut connection) = self.state.lock()
            && !connection.completed
        {
            let who = match self.direction {
                Direction::FromProxy => "the proxy",
                Direction::FromOrigin => "the origin",
            };
            connection
                .error
                .get_or_insert_with(|| format!("{who} closed the connection during the handshake"));
            self.log.set(self.slot, connection.clone());
        }
    }
}

/// The version and cipher suite of a ServerHello at the start of a handshake record (a TLS 1.3
/// ServerHello's version is its supported_versions extension's).
fn server_hello(fragment: &[u8]) -> Option<(u16, u16)> {
    let [2, _, _, _, body @ ..] = fragment else {
        return None;
    };
    let version = u16::from_be_bytes([*body.first()?, *body.get(1)?]);
    let session_length = usize::from(*body.get(34)?);
    let at = 35 + session_length;
    let suite = u16::from_be_bytes([*body.get(at)?, *body.get(at + 1)?]);
    let mut extensions = body.get(at + 3..)?;
    if extensions.len() >= 2 {
        extensions = &extensions[2..];
        while let [a, b, c, d, rest @ ..] = extensions {
            let length = usize::from(u16::from_be_bytes([*c, *d]));
            let data = rest.get(..length)?;
            if [*a, *b] == [0x00, 0x2b] && data.len() == 2 {
                return Some((u16::from_be_bytes([data[0], data[1]]), suite));
            }
            extensions = &rest[length..];
        }
    }
    Some((version, suite))
}

/// A cipher suite's IANA name, else its number.
fn suite_name(id: u16) -> String {
    rustls::CipherSuite::from(id)
        .as_str()
        .map_or_else(|| format!("0x{id:04X}"), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server_hello_message(version: u16, suite: u16, extensions: &[u8]) -> Vec<u8> {
        let mut body = version.to_be_bytes().to_vec();
        body.extend_from_slice(&[7; 32]);
        body.push(3);
        body.extend_from_slice(&[1, 2, 3]);
        body.extend_from_slice(&suite.to_be_bytes());
        body.push(0);
        if !extensions.is_empty() {
            body.extend_from_slice(&u16::try_from(extensions.len()).unwrap().to_be_bytes());
            body.extend_from_slice(extensions);
        }
        let mut message = vec![2, 0];
        message.extend_from_slice(&u16::try_from(body.len()).unwrap().to_be_bytes());
        message.extend_from_slice(&body);
        message
    }

    #[test]
    fn server_hellos_give_version_and_suite_and_garbage_gives_none() {
        assert_eq!(
            server_hello(&server_hello_message(0x0301, 0xc014, &[])),
            Some((0x0301, 0xc014))
        );
        let tls13 = server_hello_message(0x0303, 0x1301, &[0x00, 0x2b, 0x00, 0x02, 0x03, 0x04]);
        assert_eq!(server_hello(&tls13), Some((0x0304, 0x1301)));
        assert_eq!(server_hello(&[2, 0, 0, 1, 3]), None);
        assert_eq!(server_hello(&[1, 0, 0, 0]), None);
        let truncated = server_hello_message(0x0303, 0x009c, &[0x00, 0x2b, 0x00, 0x09]);
        assert_eq!(server_hello(&truncated), None);
        assert_eq!(suite_name(0x009c), "TLS_RSA_WITH_AES_128_GCM_SHA256");
        assert_eq!(suite_name(0xabcd), "0xABCD");
    }

    #[test]
    fn openssl_errors_give_their_reason() {
        let lines = vec![
            "Error setting temp DH parameters".to_owned(),
            "40770BDEE37F0000:error:0A00018A:SSL routines:SSL_CTX_set0_tmp_dh_pkey:dh key too small:../ssl/ssl_lib.c:6016:".to_owned(),
        ];
        assert_eq!(openssl_reason(&lines), "dh key too small");
        assert_eq!(openssl_reason(&["usage: …".to_owned()]), "usage: …");
        assert_eq!(openssl_reason(&[]), "");
    }

    #[test]
    fn every_weak_case_has_options_and_no_other_case_does() {
        for case in AuditCase::ALL {
            assert_eq!(
                s_server_options(case).is_some(),
                case.flaw().is_weak_upstream(),
                "{}",
                case.name()
            );
        }
    }
}
