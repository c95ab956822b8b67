//! OCSP: saved responses applied offline (`inspect --ocsp-response`) and compared with
//! `openssl ocsp`; the real `openssl ocsp` responder queried live; hostile revocation servers.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

fn valid(name: &str) -> String {
    testcerts()
        .join("valid")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

/// `inspect` of the valid leaf + intermediate with one saved OCSP response.
fn inspect_with_ocsp(response: &str, at: &str, extra: &[&str]) -> JsonEndpoint {
    let mut args = vec!["--host", HOST, "--ocsp-response", response, "--at", at];
    args.extend_from_slice(extra);
    inspect_scenario("valid", &args).1.endpoints.remove(0)
}

fn source(endpoint: &JsonEndpoint) -> JsonRevocationStatus {
    endpoint.revocation.as_ref().unwrap().sources[0].clone()
}

/// What `openssl ocsp -respin` says about the valid leaf: (status word, signature verified).
fn openssl_reads(response: &str) -> (String, bool) {
    let epoch = tlsinspect::clock::parse_rfc3339(TEST_NOW)
        .unwrap()
        .unix_timestamp()
        .to_string();
    let output = Command::new(openssl())
        .args(["ocsp", "-respin", response, "-resp_text", "-attime", &epoch])
        .args(["-issuer", &valid("inter.pem"), "-cert", &valid("leaf.pem")])
        .args(["-CAfile", testcerts().join("ca.pem").to_str().unwrap()])
        .args(["-verify_other", &valid("inter.pem")])
        // openssl judges thisUpdate/nextUpdate by the real clock; its status line is what counts.
        .args(["-validity_period", "300000000"])
        .output()
        .unwrap();
    let text = format!("{}{}", stdout(&output), stderr(&output));
    let status = text
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{}: ", valid("leaf.pem"))))
        .unwrap_or("none")
        .trim()
        .to_owned();
    (status, text.contains("Response verify OK"))
}

#[test]
fn saved_responses_agree_with_openssl_ocsp() {
    crate::skip_on_windows!("openssl");
    for (file, status, responder) in [
        ("ocsp-good.der", "good", "delegated responder"),
        ("ocsp-good-by-issuer.der", "good", "issuer"),
        ("ocsp-revoked.der", "revoked", "delegated responder"),
    ] {
        let endpoint = inspect_with_ocsp(&valid(file), TEST_NOW, &[]);
        let answer = source(&endpoint);
        assert_eq!(answer.source.as_deref(), Some("ocsp"));
        assert_eq!(answer.status, status, "{file}: {answer:?}");
        assert!(
            answer.responder.as_deref().unwrap().starts_with(responder),
            "{file}"
        );
        assert_eq!(answer.authenticated, Some(true));
        assert_eq!(answer.produced_at.as_deref(), Some("2029-12-31T00:00:00Z"));
        assert_eq!(answer.this_update.as_deref(), Some("2029-12-30T23:00:00Z"));
        assert_eq!(answer.next_update.as_deref(), Some("2030-01-07T00:00:00Z"));
        assert_eq!(answer.nonce.as_deref(), Some("not-sent"));
        let (openssl_status, verified) = openssl_reads(&valid(file));
        assert_eq!(openssl_status, status, "{file}: openssl disagrees");
        assert!(verified, "{file}: openssl could not verify the response");
    }
    let endpoint = inspect_with_ocsp(
        &valid("ocsp-revoked.der"),
        TEST_NOW,
        &["--revocation", "off"],
    );
    assert!(endpoint.revocation.is_none() && endpoint.findings.is_empty());
    let endpoint = inspect_with_ocsp(&valid("ocsp-revoked.der"), TEST_NOW, &[]);
    assert_eq!(endpoint.codes(), ["revoked"]);
    let answer = source(&endpoint);
    assert_eq!(answer.revocation_reason.as_deref(), Some("KeyCompromise"));
    assert_eq!(answer.revoked_at.as_deref(), Some("2029-12-30T00:00:00Z"));
}

#[test]
fn freshness_uses_the_leeway_and_is_never_good_outside_it() {
    let good = valid("ocsp-good.der");
    // thisUpdate is 2029-12-30T23:00Z: three minutes before it is within the default five.
    let early = inspect_with_ocsp(&good, "2029-12-30T22:57:00Z", &[]);
    assert_eq!(source(&early).status, "good");
    let strict = inspect_with_ocsp(&good, "2029-12-30T22:57:00Z", &["--ocsp-leeway", "0"]);
    assert_eq!(source(&strict).reason.as_deref(), Some("not-yet-valid"));
    assert_eq!(strict.codes(), ["revocation-unavailable"]);
    // nextUpdate is 2030-01-07: a month later the answer is stale; hard makes it an error.
    let stale = inspect_with_ocsp(&good, "2030-02-01T00:00:00Z", &["--revocation", "hard"]);
    assert_eq!(source(&stale).reason.as_deref(), Some("stale"));
    assert_eq!(stale.findings[0].severity, "error");
}

#[test]
fn tampered_foreign_and_garbage_responses_are_never_good() {
    let dir = std::env::temp_dir().join(format!("tlsinspect-ocsp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut tampered = std::fs::read(valid("ocsp-good.der")).unwrap();
    // Flip a bit of the thisUpdate digits inside tbsResponseData: the signature no longer holds.
    let position = tampered
        .windows(15)
        .position(|window| window == b"20291230230000Z")
        .unwrap();
    tampered[position + 3] ^= 0x01;
    let cases: [(&str, Vec<u8>, &str); 2] = [
        ("tampered.der", tampered, "bad-signature"),
        ("garbage.der", vec![0x30, 0x03, 0x02, 0x01], "malformed"),
    ];
    for (name, bytes, reason) in cases {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        let endpoint = inspect_with_ocsp(path.to_str().unwrap(), TEST_NOW, &[]);
        assert_eq!(endpoint.codes(), ["revocation-unavailable"], "{name}");
        let answer = source(&endpoint);
        assert_eq!(answer.reason.as_deref(), Some(reason), "{name}: {answer:?}");
        assert_ne!(answer.authenticated, Some(true), "{name}");
    }
    // A file that is neither DER nor PEM is an input error (exit 2), not a finding.
    let page = dir.join("page.html");
    std::fs::write(
        &page,
        b"<!DOCTYPE html><html><body>Service unavailable</body></html>",
    )
    .unwrap();
    let output = tlsinspect(&[
        "inspect",
        "--ocsp-response",
        page.to_str().unwrap(),
        &valid("leaf.pem"),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no OCSP response found"),
        "{}",
        stderr(&output)
    );
    // The valid leaf's response applied to another leaf: its CertID does not match.
    let good = valid("ocsp-good.der");
    let args = ["--ocsp-response", good.as_str(), "--at", TEST_NOW];
    let endpoint = inspect_scenario("revoked-by-ocsp", &args)
        .1
        .endpoints
        .remove(0);
    assert_eq!(
        source(&endpoint).reason.as_deref(),
        Some("not-for-this-certificate")
    );
}

/// A loopback port free a moment ago (openssl ocsp cannot report the port it bound).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The real `openssl ocsp` responder for the lab intermediate, answering `requests` requests
/// from an index that lists the revoked-by-ocsp leaf as `state` (`V` or `R`).
struct OpensslResponder {
    child: Child,
    port: u16,
}

impl OpensslResponder {
    fn start(state: char, requests: u32) -> Self {
        let dir =
            std::env::temp_dir().join(format!("tlsinspect-ocspd-{state}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let leaf = testcerts().join("revoked-by-ocsp/leaf.pem");
        let serial = openssl_serial(&leaf);
        let revoked = if state == 'R' {
            "291230000000Z,keyCompromise"
        } else {
            ""
        };
        let mut index = std::fs::File::create(dir.join("index.txt")).unwrap();
        writeln!(
            index,
            "{state}\t400101000000Z\t{revoked}\t{serial}\tunknown\t/CN={HOST}"
        )
        .unwrap();
        let port = free_port();
        let mut child = Command::new(openssl())
            .args(["ocsp", "-index"])
            .arg(dir.join("index.txt"))
            .args([
                "-CA",
                testcerts()
                    .join("revoked-by-ocsp/inter.pem")
                    .to_str()
                    .unwrap(),
            ])
            .args([
                "-rsigner",
                &valid("ocsp-signer.pem"),
                "-rkey",
                &valid("ocsp-signer.key"),
            ])
            .args([
                "-port",
                &port.to_string(),
                "-nrequest",
                &requests.to_string(),
                "-ndays",
                "7",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("openssl must be installed");
        // It says "waiting for OCSP client connections" once listening (a probe connection
        // would block the single-threaded responder). Read on a thread: bounded wait.
        let stderr = child.stderr.take().unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                if line.contains("waiting for OCSP client connections") {
                    let _ = sender.send(());
                }
            }
        });
        if receiver.recv_timeout(Duration::from_secs(10)).is_err() {
            let _ = child.kill();
            panic!("openssl ocsp did not start listening on port {port}");
        }
        Self { child, port }
    }
}

impl Drop for OpensslResponder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `check` of the revoked-by-ocsp leaf (served by openssl s_server) with its OCSP host pointed
/// at `ocsp_port`, judged now (the responder signs with the current time).
fn check_revoked_by_ocsp(ocsp_port: u16, extra: &[&str]) -> JsonEndpoint {
    check_scenario("revoked-by-ocsp", "ocsp.tlsinspect.test", ocsp_port, extra)
}

/// `check` of a testcerts scenario served by openssl s_server, with `host`:80 pointed at `port`.
fn check_scenario(scenario: &str, host: &str, port: u16, extra: &[&str]) -> JsonEndpoint {
    let server = OpensslServer::start(scenario);
    let ocsp_rule = format!("{host}:80:127.0.0.1:{port}");
    let ca = testcerts().join("ca.pem");
    let mut args = vec![
        "check",
        "https://www.googleapis.com/",
        "--ca-file",
        ca.to_str().unwrap(),
        "--no-pins",
        "--timeout",
        "2",
        "--format",
        "json",
        "--connect-to",
    ];
    let rule = server.connect_to();
    args.push(&rule);
    args.push("--connect-to");
    args.push(&ocsp_rule);
    args.extend_from_slice(extra);
    let output = tlsinspect(&args);
    parse_report(&output).endpoints.remove(0)
}

#[test]
fn the_openssl_ocsp_responder_is_read_as_openssl_reads_it() {
    crate::skip_on_windows!("openssl");
    for (state, expected) in [('R', "revoked"), ('V', "good")] {
        // Ours, then openssl's own client.
        let responder = OpensslResponder::start(state, 2);
        let endpoint = check_revoked_by_ocsp(responder.port, &[]);
        let answer = source(&endpoint);
        assert_eq!(answer.status, expected, "{answer:?}");
        assert_eq!(answer.method.as_deref(), Some("GET"));
        assert_eq!(answer.nonce.as_deref(), Some("echoed"));
        assert!(
            answer
                .responder
                .as_deref()
                .unwrap()
                .contains("Lab WR2 OCSP Responder")
        );
        let dir = testcerts().join("revoked-by-ocsp");
        let output = Command::new(openssl())
            .args([
                "ocsp",
                "-resp_text",
                "-url",
                &format!("http://127.0.0.1:{}/", responder.port),
            ])
            .args(["-issuer", dir.join("inter.pem").to_str().unwrap()])
            .args(["-cert", dir.join("leaf.pem").to_str().unwrap()])
            .args(["-CAfile", testcerts().join("ca.pem").to_str().unwrap()])
            .args(["-verify_other", dir.join("inter.pem").to_str().unwrap()])
            .output()
            .unwrap();
        let text = stdout(&output);
        let line = format!("{}: {expected}", dir.join("leaf.pem").display());
        assert!(
            text.contains(&line),
            "openssl said:\n{text}{}",
            stderr(&output)
        );
    }
    // Without a nonce the request is still answered, and the report says none was sent.
    let responder = OpensslResponder::start('R', 1);
    let endpoint = check_revoked_by_ocsp(responder.port, &["--no-ocsp-nonce"]);
    assert_eq!(source(&endpoint).nonce.as_deref(), Some("not-sent"));
    assert_eq!(endpoint.codes(), ["revoked"]);
}

/// A revocation server that misbehaves in one way.
fn hostile(kind: &'static str) -> TcpServer {
    TcpServer::start(move |mut stream| {
        read_head(&mut stream);
        let reply: Vec<u8> = match kind {
            "silent" => {
                std::thread::sleep(Duration::from_secs(4));
                return;
            }
            "drip" => {
                for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n".iter().cycle().take(400) {
                    if stream.write_all(&[*byte]).is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                return;
            }
            "redirect" => b"HTTP/1.1 302 Found\r\nLocation: http://ocsp.tlsinspect.test/\r\nContent-Length: 0\r\n\r\n".to_vec(),
            "garbage" => {
                let mut reply = b"HTTP/1.1 200 OK\r\nContent-Length: 4096\r\n\r\n".to_vec();
                reply.extend((0..4096u32).map(|i| (i * 7919 % 251) as u8));
                reply
            }
            "html" => {
                let page = "<html><body>Blocked by policy</body></html>";
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n{page}",
                    page.len()
                )
                .into_bytes()
            }
            "huge" => {
                // Announces nothing, then streams far past the cap until the client hangs up.
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\n\r\n");
                let chunk = vec![0x30u8; 64 * 1024];
                for _ in 0..2048 {
                    if stream.write_all(&chunk).is_err() {
                        return;
                    }
                }
                return;
            }
            // OCSPResponse { responseStatus tryLater (3) / unauthorized (6) }, no body.
            "try-later" => ocsp_reply(&[0x30, 0x03, 0x0a, 0x01, 0x03]),
            "unauthorized" => ocsp_reply(&[0x30, 0x03, 0x0a, 0x01, 0x06]),
            _ => unreachable!(),
        };
        let _ = stream.write_all(&reply);
    })
}

fn ocsp_reply(body: &[u8]) -> Vec<u8> {
    let mut reply = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    reply.extend_from_slice(body);
    reply
}

#[test]
fn hostile_responders_give_revocation_unavailable_within_the_timeout() {
    crate::skip_on_windows!("openssl");
    for (kind, reason) in [
        ("silent", "timeout"),
        ("drip", "timeout"),
        ("redirect", "http-error"),
        ("garbage", "malformed"),
        ("html", "malformed"),
        ("huge", "too-large"),
        ("try-later", "responder-error"),
        ("unauthorized", "responder-error"),
    ] {
        let server = hostile(kind);
        let started = Instant::now();
        let endpoint = check_revoked_by_ocsp(server.addr.port(), &[]);
        let elapsed = started.elapsed();
        let answer = source(&endpoint);
        assert_eq!(answer.reason.as_deref(), Some(reason), "{kind}: {answer:?}");
        assert_eq!(endpoint.codes(), ["revocation-unavailable"], "{kind}");
        // Timeout is 2 s per step: a bounded number of steps, never a hang.
        assert!(elapsed < Duration::from_secs(15), "{kind} took {elapsed:?}");
        if kind == "try-later" {
            assert!(
                answer.detail.as_deref().unwrap().contains("tryLater"),
                "{answer:?}"
            );
        }
        if kind == "html" {
            assert!(
                answer.detail.as_deref().unwrap().contains("HTML page"),
                "{answer:?}"
            );
        }
        if kind == "redirect" {
            assert!(
                answer
                    .detail
                    .as_deref()
                    .unwrap()
                    .contains("redirects are not followed")
            );
        }
    }
}

#[test]
fn a_crl_server_sending_more_than_the_cap_or_a_page_is_unavailable() {
    crate::skip_on_windows!("openssl");
    for (kind, reason) in [("huge", "too-large"), ("html", "malformed")] {
        let server = hostile(kind);
        let endpoint = check_scenario(
            "revoked-by-crl",
            "crl.tlsinspect.test",
            server.addr.port(),
            &[],
        );
        let answer = source(&endpoint);
        assert_eq!(answer.source.as_deref(), Some("crl"));
        assert_eq!(answer.reason.as_deref(), Some(reason), "{kind}: {answer:?}");
    }
}

#[test]
fn revocation_off_sends_nothing() {
    crate::skip_on_windows!("openssl");
    let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&asked);
    let server = TcpServer::start(move |_| {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    });
    let endpoint = check_revoked_by_ocsp(server.addr.port(), &["--revocation", "off"]);
    assert!(endpoint.revocation.is_none());
    assert!(endpoint.findings.is_empty(), "{:?}", endpoint.codes());
    assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 0);
}
