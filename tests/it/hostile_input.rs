//! Round 3 of the hostile user: inputs that used to give a wrong answer. Pipes read twice, byte
//! order marks that hid a PEM block, OpenSSL's `TRUSTED CERTIFICATE` files in a hashed folder.

use std::io::Read;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::*;

const BOM: &str = "\u{feff}";

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// Everything a child's pipe gives until it closes.
fn drain(pipe: Option<impl Read>) -> String {
    let mut text = String::new();
    if let Some(mut pipe) = pipe {
        pipe.read_to_string(&mut text).unwrap();
    }
    text
}

/// Waits for a spawned run and gives its exit code, stdout and stderr.
fn finish(mut child: std::process::Child) -> (Option<i32>, String, String) {
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    (child.wait().unwrap().code(), out, err)
}

#[test]
fn a_targets_file_that_is_a_pipe_is_read_once_and_an_empty_one_is_refused() {
    crate::skip_on_windows!("/dev/stdin as a pipe");
    let args = [
        "check",
        "--targets-file",
        "/dev/stdin",
        "--connect-to",
        "::127.0.0.1:1",
        "--timeout",
        "2",
    ];
    let child = spawn_with_stdin(&args, b"one.example\ntwo.example\n");
    let (code, out, err) = finish(child);
    assert!(out.contains("2 endpoints checked"), "{out}\n{err}");
    assert_eq!(code, Some(1), "two refused endpoints are findings");
    let child = spawn_with_stdin(&args, b"# nothing here\n");
    let (code, out, err) = finish(child);
    assert_eq!(code, Some(2), "{out}\n{err}");
    assert!(err.contains("held no target"), "{err}");
}

#[test]
fn a_byte_order_mark_never_hides_the_first_pem_block() {
    let dir = scratch("bom");
    let valid = testcerts().join("valid");
    let with_bom = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, format!("{BOM}{text}")).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let chain = with_bom(
        "chain.pem",
        read(&valid.join("leaf.pem")) + &read(&valid.join("inter.pem")),
    );
    let ca = with_bom("ca.pem", read(&testcerts().join("ca.pem")));
    let pins = with_bom("pins.pem", read(&testcerts().join("ca.pem")));
    let output = tlsinspect(&[
        "inspect",
        &chain,
        "--ca-file",
        &ca,
        "--pin-file",
        &pins,
        "--host",
        HOST,
        "--at",
        TEST_NOW,
        "--format",
        "json",
    ]);
    let report = parse_report(&output);
    let endpoint = &report.endpoints[0];
    let codes: Vec<&str> = endpoint.findings.iter().map(|f| f.code.as_str()).collect();
    assert!(codes.is_empty(), "{codes:?}");
    assert_eq!(output.status.code(), Some(0));
    // A targets file with a mark is read, not refused.
    let targets = with_bom("targets.txt", "one.example\n".to_owned());
    let output = tlsinspect(&[
        "check",
        "--targets-file",
        &targets,
        "--connect-to",
        "::127.0.0.1:1",
        "--timeout",
        "2",
    ]);
    assert!(
        stdout(&output).contains("1 endpoints checked")
            || stdout(&output).contains("1 endpoint checked"),
        "{}\n{}",
        stdout(&output),
        stderr(&output)
    );
    // A store with a mark loses no root.
    let output = tlsinspect(&["trust", "--store", &ca, "--format", "json"]);
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["roots"].as_array().map(Vec::len), Some(1), "{json}");
}

#[test]
fn trusted_certificate_files_are_read_with_their_trust_settings() {
    crate::skip_on_windows!("openssl");
    let dir = scratch("trusted-certificate");
    let folder = dir.join("hashed");
    std::fs::create_dir_all(&folder).unwrap();
    let trustout = |source: &Path, settings: &[&str], name: &str| {
        let made = Command::new(openssl())
            .args(["x509", "-trustout", "-in"])
            .arg(source)
            .args(settings)
            .arg("-out")
            .arg(folder.join(name))
            .output()
            .unwrap();
        assert!(made.status.success(), "{}", stderr(&made));
    };
    trustout(
        &testcerts().join("ca.pem"),
        &["-addtrust", "serverAuth"],
        "11111111.0",
    );
    trustout(
        &testcerts().join("untrusted-root/root.pem"),
        &["-addreject", "serverAuth"],
        "22222222.0",
    );
    trustout(
        &testcerts().join("valid/inter.pem"),
        &["-addtrust", "emailProtection"],
        "33333333.0",
    );
    std::fs::write(
        folder.join("44444444.0"),
        "-----BEGIN TRUSTED CERTIFICATE-----\nAAAA\n-----END TRUSTED CERTIFICATE-----\n",
    )
    .unwrap();
    let output = tlsinspect(&[
        "trust",
        "--store",
        folder.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let roots = json["roots"].as_array().unwrap();
    assert_eq!(roots.len(), 3, "every readable block is a root: {json}");
    let disallowed: Vec<bool> = roots
        .iter()
        .map(|root| root["disallowed"].as_bool().unwrap())
        .collect();
    assert_eq!(disallowed, [false, true, true], "{json}");
    let unreadable = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["code"] == "malformed-certificate")
        .count();
    assert_eq!(unreadable, 1, "the unreadable entry is a finding: {json}");
    assert_eq!(output.status.code(), Some(1));
}

#[test]
#[cfg(unix)] // Planting the link needs a Unix symlink.
fn lab_files_are_never_written_through_a_planted_link_and_keys_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("lab-links");
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, "precious\n").unwrap();
    let out = dir.join("certs");
    std::fs::create_dir_all(out.join("valid")).unwrap();
    std::os::unix::fs::symlink(&victim, out.join("valid/leaf.key")).unwrap();
    let output = tlsinspect(&["lab", "gen-certs", out.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("not a regular file"),
        "{}",
        stderr(&output)
    );
    assert_eq!(read(&victim), "precious\n");
    // A folder that is a link is refused too.
    let linked = dir.join("linked");
    std::os::unix::fs::symlink(&dir, &linked).unwrap();
    let output = tlsinspect(&["lab", "gen-certs", linked.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    // Written afresh, every key is readable by its owner only.
    let fresh = dir.join("fresh");
    let output = tlsinspect(&["lab", "gen-certs", fresh.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    for key in ["valid/leaf.key", "valid/inter.key", "valid/ocsp-signer.key"] {
        let mode = std::fs::metadata(fresh.join(key))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{key}");
    }
}

/// Runs the binary with stdout already closed by its reader (`| head` that left), or sent to
/// `/dev/full`; gives the exit code and stderr.
#[cfg(unix)]
fn with_stdout(args: &[&str], full: bool) -> (Option<i32>, String) {
    use std::process::Stdio;
    let stdout = if full {
        Stdio::from(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
    } else {
        Stdio::piped()
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_tlsinspect"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader leaves before a byte is written
    let err = drain(child.stderr.take());
    (child.wait().unwrap().code(), err)
}

#[test]
#[cfg(unix)]
fn a_reader_that_leaves_keeps_the_verdict_and_a_full_disk_is_an_error() {
    let served = testcerts().join("expired/served.pem");
    let ca = testcerts().join("ca.pem");
    let inspect = [
        "inspect",
        served.to_str().unwrap(),
        "--ca-file",
        ca.to_str().unwrap(),
    ];
    let (code, err) = with_stdout(&inspect, false);
    assert_eq!(
        code,
        Some(1),
        "an expired chain stays exit 1 under | head: {err}"
    );
    let (code, err) = with_stdout(&inspect, true);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("cannot write output"), "{err}");
    for args in [&["--help"][..], &["completions", "bash"], &["man"]] {
        let (code, err) = with_stdout(args, true);
        assert_eq!(code, Some(2), "{args:?} to /dev/full: {err}");
        assert!(!err.contains("panicked"), "{err}");
        let (code, err) = with_stdout(args, false);
        assert_eq!(code, Some(0), "{args:?} to a reader that left: {err}");
    }
}

#[test]
#[cfg(unix)] // A file name with an escape byte.
fn the_audit_lab_folder_is_never_made_with_parents_and_its_path_is_sanitised() {
    let dir = scratch("lab-dir");
    let missing = dir.join("no/such/parent");
    let proxy = "http://127.0.0.1:1";
    let missing = missing.to_str().unwrap();
    refused(
        &["audit-proxy", "--proxy", proxy, "--lab-dir", missing],
        "parent folder does not exist",
    );
    assert!(!dir.join("no").exists(), "no folder is left behind");
    let escaped = dir.join("lab\u{1b}[31mred");
    let output = tlsinspect(&[
        "audit-proxy",
        "--proxy",
        "http://127.0.0.1:1",
        "--lab-dir",
        escaped.to_str().unwrap(),
        "--timeout",
        "2",
    ]);
    assert!(
        stderr(&output).contains("created the audit root"),
        "{}",
        stderr(&output)
    );
    assert!(!stderr(&output).contains('\u{1b}'), "{:?}", stderr(&output));
}

#[test]
fn logs_read_a_pipe_once_never_peeking_at_it_first() {
    crate::skip_on_windows!("/dev/stdin as a pipe");
    let text = std::fs::read(repo().join("tests/data/logs/article-trace.log")).unwrap();
    let child = spawn_with_stdin(&["logs", "/dev/stdin", "--format", "json"], &text);
    let (code, out, err) = finish(child);
    assert_eq!(code, Some(1), "{err}");
    let json: Value = serde_json::from_str(&out).unwrap();
    let problems = json["problems"].as_array().unwrap().len();
    assert_eq!(problems, 3, "{out}");
}

#[test]
fn small_refusals_a_careful_tool_makes() {
    // A file in place of a command is never looked up in DNS.
    let ca = testcerts().join("ca.pem");
    refused(&[ca.to_str().unwrap()], "tlsinspect inspect");
    // The unspecified address is no CONNECT destination.
    let proxy = "http://127.0.0.1:1";
    refused(
        &["audit-proxy", "--proxy", proxy, "--listen", "0.0.0.0"],
        "unspecified",
    );
    // One bad value does not hide the good ones; the run says it and exits 2.
    let output = tlsinspect(&[
        "decode",
        "0x80072f8f",
        "bogus",
        "Status: 0x00010000 Info 0x9",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let text = stdout(&output);
    for needle in [
        "ERROR_WINHTTP_SECURE_FAILURE",
        "WINHTTP_CALLBACK_STATUS_SECURE_FAILURE",
        "INVALID_CA",
    ] {
        assert!(text.contains(needle), "{needle} missing: {text}");
    }
    assert!(stderr(&output).contains("\"bogus\""), "{}", stderr(&output));
    // A root not yet valid is not counted as expired.
    let output = tlsinspect(&[
        "trust",
        "--store",
        ca.to_str().unwrap(),
        "--at",
        "2000-01-01T00:00:00Z",
        "--format",
        "json",
    ]);
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["summary"]["expired"], 0, "{json}");
    assert_eq!(json["summary"]["not_yet_valid"], 1, "{json}");
}
