//! Regression tests for what a hostile peer, file or command line found (issue 14): each drives
//! the defect it guards against.

use std::io::Write;
use std::net::TcpStream;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, date_time_ymd,
};

use crate::support::*;

fn scratch(name: &str) -> PathBuf {
    crate::support::scratch(&format!("hostile-{name}"))
}

/// A CA valid `from` .. `to` (years), self-signed or issued by `parent`.
fn ca(
    name: &str,
    parent: Option<&Issuer<'static, KeyPair>>,
    years: (i32, i32),
) -> (String, Issuer<'static, KeyPair>) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.use_authority_key_identifier_extension = parent.is_some();
    params.not_before = date_time_ymd(years.0, 1, 1);
    params.not_after = date_time_ymd(years.1, 1, 1);
    let cert = match parent {
        Some(parent) => params.signed_by(&key, parent).unwrap(),
        None => params.self_signed(&key).unwrap(),
    };
    (cert.pem(), Issuer::new(params, key))
}

/// A server certificate for the test host, valid `from` .. `to` (years), and its key.
fn leaf(issuer: &Issuer<'static, KeyPair>, years: (i32, i32)) -> (String, String) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec![HOST.to_owned()]).unwrap();
    params.distinguished_name.push(DnType::CommonName, HOST);
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    params.not_before = date_time_ymd(years.0, 1, 1);
    params.not_after = date_time_ymd(years.1, 1, 1);
    let cert = params.signed_by(&key, issuer).unwrap();
    (cert.pem(), key.serialize_pem())
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

fn inspect_json(args: &[&str]) -> (std::process::Output, JsonReport) {
    let mut all = vec![
        "inspect", "--format", "json", "--at", TEST_NOW, "--host", HOST,
    ];
    all.extend_from_slice(args);
    let output = tlsinspect(&all);
    let report = parse_report(&output);
    (output, report)
}

#[test]
fn a_hundred_certificate_chain_is_refused_before_path_building() {
    crate::skip_on_windows!("openssl");
    let dir = scratch("hundred");
    let inter = std::fs::read_to_string(testcerts().join("valid/inter.pem")).unwrap();
    let chain = write(&dir, "chain.pem", &inter.repeat(99));
    let valid = testcerts().join("valid");
    let server = OpensslServer::serve(
        &valid.join("leaf.pem"),
        &valid.join("leaf.key"),
        Some(Path::new(&chain)),
    );
    let ca = testcerts().join("ca.pem");
    let output = tlsinspect(&[
        "check",
        &format!("https://{HOST}/"),
        "--connect-to",
        &server.connect_to(),
        "--ca-file",
        ca.to_str().unwrap(),
        "--at",
        TEST_NOW,
        "--revocation",
        "off",
        "--no-pins",
        "--timeout",
        "2",
        "--format",
        "json",
    ]);
    let report = parse_report(&output);
    let endpoint = &report.endpoints[0];
    assert_eq!(endpoint.codes(), ["invalid-chain"], "{}", stdout(&output));
    assert!(endpoint.findings[0].message.contains("100 certificates"));
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn seven_intermediates_are_an_invalid_chain_not_an_untrusted_root() {
    let dir = scratch("deep");
    let (root, mut issuer) = ca("Deep Root", None, (2020, 2050));
    let mut intermediates = Vec::new();
    for level in 1..=7 {
        let (pem, next) = ca(&format!("Deep CA {level}"), Some(&issuer), (2020, 2050));
        intermediates.push(pem);
        issuer = next;
    }
    let (leaf_pem, _) = leaf(&issuer, (2024, 2040));
    intermediates.reverse();
    let chain = write(&dir, "chain.pem", &(leaf_pem + &intermediates.concat()));
    let root = write(&dir, "root.pem", &root);
    let (output, report) = inspect_json(&[&chain, "--ca-file", &root]);
    let codes = report.endpoints[0].codes();
    assert_eq!(codes, ["invalid-chain"], "{}", stdout(&output));
    let message = &report.endpoints[0].findings[0].message;
    // Words in the message; the validator's own name stays in the evidence.
    assert!(message.contains("more than 6 intermediates"), "{message}");
    assert!(!message.contains("MaximumPathDepthExceeded"), "{message}");
    let detail = report.endpoints[0].findings[0].evidence["detail"].to_string();
    assert!(detail.contains("MaximumPathDepthExceeded"), "{detail}");
    assert!(!message.contains("Google"), "{message}");
}

#[test]
fn windows_that_never_overlap_are_said_not_blamed_on_the_root() {
    let dir = scratch("windows");
    let (root, root_issuer) = ca("Window Root", None, (2015, 2050));
    // The leaf expired in 2021; its issuer was made in 2022: no instant lies in both windows.
    let (inter, inter_issuer) = ca("Window CA", Some(&root_issuer), (2022, 2050));
    let (leaf_pem, _) = leaf(&inter_issuer, (2020, 2021));
    let chain = write(&dir, "chain.pem", &(leaf_pem + &inter));
    let root = write(&dir, "root.pem", &root);
    let (output, report) = inspect_json(&[&chain, "--ca-file", &root]);
    let endpoint = &report.endpoints[0];
    let mut codes = endpoint.codes();
    codes.sort_unstable();
    assert_eq!(codes, ["expired", "invalid-chain"], "{}", stdout(&output));
    let finding = endpoint
        .findings
        .iter()
        .find(|f| f.code == "invalid-chain")
        .unwrap();
    assert!(
        finding
            .message
            .contains("no instant lies inside every validity window")
    );
    assert!(
        finding
            .message
            .contains("2020-01-01T00:00:00Z .. 2021-01-01T00:00:00Z")
    );
    assert!(
        finding
            .message
            .contains("2022-01-01T00:00:00Z .. 2050-01-01T00:00:00Z")
    );
    let text = stdout(&tlsinspect(&[
        "inspect",
        &chain,
        "--ca-file",
        &root,
        "--at",
        TEST_NOW,
        "--host",
        HOST,
    ]));
    assert!(!text.contains("CertExpired"), "{text}");
    assert!(!text.contains("UnixTime"), "{text}");
}

#[test]
fn an_empty_targets_file_is_a_usage_error_not_the_google_audit() {
    let dir = scratch("targets");
    for (name, text) in [
        ("empty.txt", ""),
        ("comments.txt", "# nothing\n\n   # here\n"),
    ] {
        let path = write(&dir, name, text);
        // Through a dead loopback proxy: were the audit to run, nothing would leave this machine.
        let output = tlsinspect(&[
            "check",
            "--targets-file",
            &path,
            "--proxy",
            "http://127.0.0.1:1",
            "--timeout",
            "1",
        ]);
        assert_eq!(output.status.code(), Some(2), "{name}");
        assert!(
            stderr(&output).contains("holds no target"),
            "{}",
            stderr(&output)
        );
        assert!(stdout(&output).is_empty());
    }
}

#[test]
fn a_mistyped_command_is_not_looked_up() {
    let output = tlsinspect(&["--proxy", "http://127.0.0.1:1", "inpsect", "file.pem"]);
    assert_eq!(output.status.code(), Some(2));
    let error = stderr(&output);
    assert!(
        error.contains("did you mean `tlsinspect inspect`"),
        "{error}"
    );
    assert!(stdout(&output).is_empty());
}

#[test]
#[cfg(unix)] // Planting the link needs a Unix symlink (Windows needs a privilege for one).
fn save_chain_refuses_a_planted_link_and_creates_nothing_when_nothing_is_saved() {
    let dir = scratch("save");
    let victim = write(&dir, "victim.txt", "precious\n");
    let folder = dir.join("chains");
    std::fs::create_dir_all(&folder).unwrap();
    std::os::unix::fs::symlink(&victim, folder.join(format!("{HOST}_443.pem"))).unwrap();
    let server = OpensslServer::start("valid");
    let ca = testcerts().join("ca.pem");
    refused(
        &[
            "check",
            &format!("https://{HOST}/"),
            "--connect-to",
            &server.connect_to(),
            "--ca-file",
            ca.to_str().unwrap(),
            "--revocation",
            "off",
            "--save-chain",
            folder.to_str().unwrap(),
            "--timeout",
            "2",
            "-q",
        ],
        "not a regular file",
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    // A run that captures nothing (a closed port) creates no folder.
    let empty = dir.join("never-created");
    let output = tlsinspect(&[
        "check",
        "https://closed.example/",
        "--connect-to",
        "closed.example:443:127.0.0.1:1",
        "--save-chain",
        empty.to_str().unwrap(),
        "--timeout",
        "2",
        "-q",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(!empty.exists());
}

#[test]
fn endless_and_oversized_files_are_refused_at_their_cap() {
    let leaf = testcerts().join("valid/leaf.pem");
    let leaf = leaf.to_str().unwrap();
    let cases: [&[&str]; 3] = [
        &["inspect", "/dev/zero"],
        &["inspect", leaf, "--ca-file", "/dev/zero"],
        &["inspect", leaf, "--crl-file", "/dev/zero"],
    ];
    for args in cases {
        refused(args, "/dev/zero is larger than");
    }
    // A targets list is read a line at a time, any length, but each line is capped.
    refused(
        &[
            "check",
            "--targets-file",
            "/dev/zero",
            "--proxy",
            "http://127.0.0.1:1",
        ],
        "/dev/zero: line 1: line longer than 4096 bytes",
    );
}

#[test]
fn credentials_in_a_target_never_reach_the_output() {
    let output = tlsinspect(&["check", "https://alice:s3cret@host.example/"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(!stderr(&output).contains("s3cret"), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("alice:***@"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn escapes_and_invisible_characters_never_reach_the_terminal() {
    let output = tlsinspect(&["inspect", "/tmp/no\u{1b}[31mred\u{202e}.pem"]);
    assert_eq!(output.status.code(), Some(2));
    let error = stderr(&output);
    assert!(
        !error.contains('\u{1b}') && !error.contains('\u{202e}'),
        "{error:?}"
    );
    assert!(error.contains("\\u{1b}[31mred\\u{202e}"), "{error}");
    let output = tlsinspect(&["--format", "j\u{1b}]0;pwned\u{7}son\u{2028}"]);
    assert_eq!(output.status.code(), Some(2));
    let error = stderr(&output);
    assert!(
        !error.contains('\u{1b}') && !error.contains('\u{7}') && !error.contains('\u{2028}'),
        "{error:?}"
    );
}

#[test]
fn a_peer_that_accepts_then_resets_is_always_tls_failed() {
    crate::skip_on_windows!(
        "a TCP reset as Linux delivers it (under Wine the reset reads as an end of stream)"
    );
    let server = TcpServer::start(|stream: TcpStream| {
        // SO_LINGER 0: close sends a reset.
        let socket = socket2::SockRef::from(&stream);
        let _ = socket.set_linger(Some(std::time::Duration::ZERO));
        drop(stream);
    });
    for _ in 0..8 {
        let output = tlsinspect(&[
            "check",
            "https://reset.example/",
            "--connect-to",
            &format!("reset.example:443:127.0.0.1:{}", server.addr.port()),
            "--revocation",
            "off",
            "--no-pins",
            "--format",
            "json",
            "-q",
        ]);
        let report = parse_report(&output);
        let finding = &report.endpoints[0].findings[0];
        assert_eq!(report.endpoints[0].codes(), ["tls-failed"]);
        assert!(
            finding
                .message
                .contains("accepted the connection, then reset it"),
            "{}",
            finding.message
        );
    }
}

#[test]
fn a_date_that_is_not_an_http_date_is_said_so() {
    let server = TcpServer::start(|mut stream: TcpStream| {
        read_head(&mut stream);
        let _ =
            stream.write_all(b"HTTP/1.1 200 OK\r\nDate: yesterday\r\nContent-Length: 0\r\n\r\n");
    });
    let args = [
        "check",
        "http://date.example/",
        "--connect-to",
        &format!("date.example:80:127.0.0.1:{}", server.addr.port()),
        "-q",
    ];
    let text = stdout(&tlsinspect(&args));
    assert!(text.contains("\"yesterday\" is not an HTTP date"), "{text}");
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let output = tlsinspect(&json_args);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["endpoints"][0]["http"]["date_invalid"], "yesterday");
    assert!(json["endpoints"][0]["http"]["date"].is_null());
}

#[test]
fn a_file_of_101_certificates_says_101() {
    let dir = scratch("many");
    let inter = std::fs::read_to_string(testcerts().join("valid/inter.pem")).unwrap();
    let path = write(&dir, "many.pem", &inter.repeat(101));
    let output = tlsinspect(&["inspect", &path]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("101 certificates exceed the limit of 16"),
        "{}",
        stderr(&output)
    );
}
