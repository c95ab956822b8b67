//! `logs` on the article's two examples, pasted as they are, on damaged input, and on a long
//! generated log with far more incidents than any internal bound; and `decode`.

use std::io::Write;
use std::process::{Command, Stdio};

use serde::Deserialize;
use serde_json::Value;

use crate::support::*;

/// The problem fields consumers rely on, pinned.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Every field is declared to pin the JSON shape, read or not.
struct ProblemJson {
    id: usize,
    code: String,
    cause: String,
    severity: String,
    message: String,
    advice: String,
    attempts: u64,
    incidents: u64,
    first: String,
    last: String,
    ongoing: bool,
    winhttp_flags: Vec<String>,
    evidence: Vec<String>,
    runs: Vec<Value>,
    first_example: Value,
    latest_example: Value,
}

/// The summary, pinned.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Every field is declared to pin the JSON shape, read or not.
struct SummaryJson {
    files: usize,
    lines: u64,
    records: u64,
    problem_records: u64,
    unknown_lines: u64,
    truncated_lines: u64,
    attempts: u64,
    attempts_outside_window: u64,
    undiagnosed_attempts: u64,
    problems: usize,
    errors: usize,
    ongoing: usize,
    incidents: u64,
    incidents_listed: usize,
    hosts: usize,
    other_host_attempts: u64,
    timeline_omitted: usize,
    first: Option<String>,
    last: Option<String>,
}

/// The document, pinned at its top level.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Every field is declared to pin the JSON shape, read or not.
struct LogsJson {
    schema_version: u32,
    command: String,
    since: Option<String>,
    until: Option<String>,
    files: Vec<Value>,
    skipped: Vec<Value>,
    problems: Vec<ProblemJson>,
    hosts: Vec<Value>,
    timeline: Vec<Value>,
    incidents: Vec<Value>,
    findings: Vec<Value>,
    summary: SummaryJson,
}

impl LogsJson {
    fn problem(&self, code: &str) -> &ProblemJson {
        self.problems
            .iter()
            .find(|p| p.code == code)
            .unwrap_or_else(|| panic!("no {code} in {:?}", self.codes()))
    }

    fn codes(&self) -> Vec<&str> {
        self.problems.iter().map(|p| p.code.as_str()).collect()
    }

    fn finding(&self, code: &str) -> &Value {
        self.findings
            .iter()
            .find(|f| f["code"] == code)
            .unwrap_or_else(|| panic!("no {code} finding"))
    }
}

fn logs_json(args: &[&str]) -> (std::process::Output, LogsJson) {
    let mut all = vec!["logs", "--format", "json"];
    all.extend_from_slice(args);
    let output = tlsinspect(&all);
    let value: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(&output), stderr(&output)));
    assert_schema("logs.json", &value);
    (output, serde_json::from_value(value).unwrap())
}

fn article(name: &str) -> String {
    repo()
        .join("tests/data/logs")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

fn scratch(name: &str) -> std::path::PathBuf {
    crate::support::scratch(&format!("logs-{name}"))
}

fn sorted(mut codes: Vec<&str>) -> Vec<&str> {
    codes.sort_unstable();
    codes
}

#[test]
fn the_articles_first_example_is_clock_skew_with_revocation_failing() {
    let (output, json) = logs_json(&[&article("article-authorization.log")]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(json.schema_version, 3);
    assert_eq!(json.command, "logs");
    assert_eq!(
        sorted(json.codes()),
        ["clock-skew", "proxy-failed", "revocation-unavailable"]
    );
    let skew = &json.finding("clock-skew")["evidence"];
    assert_eq!(skew["direction"], "ahead");
    assert_eq!(skew["local_time"], "2022-09-21T03:59:46Z");
    assert_eq!(skew["not_after"], "2017-12-06T17:10:00Z");
    // 4 years 9 months .. 5 years ahead.
    assert!(skew["min_offset_seconds"].as_i64().unwrap() > 4 * 365 * 86_400);
    assert!(skew["max_offset_seconds"].as_i64().unwrap() < 6 * 365 * 86_400);
    let problem = json.problem("clock-skew");
    assert_eq!((problem.attempts, problem.incidents), (1, 1));
    assert_eq!(problem.cause, "clock ahead");
    assert!(problem.ongoing, "the last thing in the log");
    let example = &problem.latest_example;
    assert_eq!(example["destination"], "216.58.194.170:443");
    assert_eq!(example["destination_name"], "sfo07s13-in-f170.1e100.net");
    assert_eq!(
        example["flags"],
        serde_json::json!(["WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED"])
    );
    assert!(
        example["code_name"]
            .as_str()
            .unwrap()
            .starts_with("ERROR_WINHTTP_SECURE_FAILURE")
    );
    assert_eq!(
        example["certificate"]["issuer"][2],
        "Google Internet Authority G2"
    );
    let lines: Vec<String> = [1, 2, 3, 4, 5, 6, 12, 16, 17, 18, 19]
        .iter()
        .map(|n| format!("{}:{n}", article("article-authorization.log")))
        .collect();
    assert_eq!(example["citations"], serde_json::json!(lines));
    assert_eq!(
        problem.winhttp_flags,
        ["WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED"]
    );
    let text = stdout(&tlsinspect(&[
        "logs",
        &article("article-authorization.log"),
    ]));
    assert!(text.starts_with("Problems: 3"), "{text}");
    assert!(
        text.contains("the local clock is ahead by 4 years 9 months to 5 years"),
        "{text}"
    );
    assert!(text.contains("article-authorization.log:1"), "{text}");
}

#[test]
fn the_articles_second_example_is_fiddler_with_an_untrusted_root_on_loopback() {
    let (output, json) = logs_json(&[&article("article-trace.log")]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        sorted(json.codes()),
        ["interception", "revocation-unavailable", "untrusted-root"]
    );
    assert_eq!(json.problems[0].code, "interception", "most specific first");
    let evidence = &json.finding("interception")["evidence"];
    assert_eq!(evidence["product"], "Fiddler Classic");
    assert_eq!(evidence["keyword"], "DO_NOT_TRUST_FiddlerRoot");
    assert!(evidence["signals"].to_string().contains("127.0.0.1:8888"));
    let problem = json.problem("interception");
    assert!(
        problem.cause.starts_with("Fiddler Classic, root "),
        "{}",
        problem.cause
    );
    let example = &problem.first_example;
    assert_eq!(example["destination"], "127.0.0.1:8888");
    assert_eq!(example["info"], "0x00000009");
    assert!(
        example["hresult_name"]
            .as_str()
            .unwrap()
            .starts_with("ERROR_WINHTTP_SECURE_FAILURE")
    );
    assert_eq!(problem.first, "2017-09-21T07:10:04Z");
    assert!(
        !json.codes().contains(&"clock-skew"),
        "a forged cert proves nothing about the clock"
    );
    assert_eq!(json.hosts[0]["host"], "*.google.com");
}

#[test]
fn repeated_attempts_count_in_one_problem_and_one_incident() {
    let dir = scratch("repeat");
    let text = std::fs::read_to_string(article("article-trace.log")).unwrap();
    let later = text.replace("04:10:04.356", "04:20:09.001");
    std::fs::write(dir.join("Trace-1.log"), format!("{text}{text}{later}")).unwrap();
    let (_, json) = logs_json(&[dir.to_str().unwrap()]);
    let problem = json.problem("interception");
    assert_eq!((problem.attempts, problem.incidents), (3, 1));
    assert_eq!(problem.first, "2017-09-21T07:10:04Z");
    assert_eq!(problem.last, "2017-09-21T07:20:09Z");
    assert_eq!(problem.evidence.len(), 3);
    assert_eq!(json.summary.attempts, 3);
}

#[test]
fn folders_are_searched_recursively_and_read_in_time_order() {
    let dir = scratch("folders");
    std::fs::create_dir_all(dir.join("Identity")).unwrap();
    std::fs::copy(article("article-trace.log"), dir.join("Trace-2017.log")).unwrap();
    std::fs::copy(
        article("article-authorization.log"),
        dir.join("Identity/auth.log"),
    )
    .unwrap();
    std::fs::write(dir.join("notes.txt"), "not a log").unwrap();
    let (_, json) = logs_json(&[dir.to_str().unwrap()]);
    let paths: Vec<&str> = json
        .files
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    // Sorted by path, Identity/auth.log (2022) comes first; in time order it comes last.
    assert_eq!(paths.len(), 2);
    assert!(paths[0].ends_with("Trace-2017.log"), "{paths:?}");
    assert!(paths[1].ends_with("auth.log"), "{paths:?}");
    let revocation = json.problem("revocation-unavailable");
    assert_eq!(revocation.attempts, 2);
    assert_eq!(revocation.first, "2017-09-21T07:10:04Z");
    assert_eq!(revocation.last, "2022-09-21T03:59:46Z");
}

#[test]
fn stdin_and_utf16_with_or_without_bom_give_the_same_diagnosis() {
    let text = std::fs::read_to_string(article("article-trace.log")).unwrap();
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let cases = [
        ([&[0xff, 0xfe][..], &le].concat(), "utf16le"),
        (le, "utf16le"),
        (be, "utf16be"),
    ];
    for (bytes, encoding) in cases {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tlsinspect"))
            .args(["logs", "-", "--format", "json"])
            .env_clear()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&bytes).unwrap();
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{encoding}");
        let json: LogsJson = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(json.files[0]["path"], "-");
        assert_eq!(json.files[0]["encoding"], encoding);
        assert_eq!(
            sorted(json.codes()),
            ["interception", "revocation-unavailable", "untrusted-root"],
            "{encoding}"
        );
    }
}

#[test]
fn damaged_input_is_survived_and_the_rest_still_analysed() {
    let dir = scratch("damaged");
    let first = std::fs::read_to_string(article("article-authorization.log")).unwrap();
    let second = std::fs::read_to_string(article("article-trace.log")).unwrap();
    // A block cut in the middle, binary garbage, a 5 MB line, invalid UTF-8, then a whole example.
    let truncated: String = first.lines().take(9).map(|l| format!("{l}\n")).collect();
    let mut bytes = truncated.into_bytes();
    bytes.extend((0..4096u32).map(|i| (i * 7919 % 251) as u8));
    bytes.push(b'\n');
    bytes.extend(std::iter::repeat_n(b'A', 5 * 1024 * 1024));
    bytes.extend_from_slice(b"\n\xff\xfe\xc3\x28 invalid utf-8\n");
    bytes.extend_from_slice(second.as_bytes());
    let path = dir.join("damaged.log");
    std::fs::write(&path, bytes).unwrap();
    let (output, json) = logs_json(&[path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let file = &json.files[0];
    assert_eq!(file["truncated_lines"], 1);
    assert!(file["unknown_lines"].as_u64().unwrap() >= 2, "{file}");
    assert!(json.codes().contains(&"interception"), "{:?}", json.codes());
    // The cut block still yields what it had: its flags and the certificate window.
    let cut = json.problem("revocation-unavailable");
    assert_eq!(cut.attempts, 2);
    assert!(cut.first_example["certificate"]["not_before"].is_string());
}

#[test]
fn clean_logs_exit_0_and_unreadable_input_exits_2() {
    let dir = scratch("clean");
    let path = dir.join("Trace-ok.log");
    std::fs::write(
        &path,
        "2017-09-21T04:10:04.356-03:00 1a20 I:Sync Foo ()> all good\n",
    )
    .unwrap();
    let output = tlsinspect(&["logs", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("No network or TLS incident found."));
    let output = tlsinspect(&["logs", "/nonexistent/Trace.log"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with("tlsinspect: error: cannot read /nonexistent/Trace.log"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn what_could_not_be_read_is_said() {
    let dir = scratch("unreadable");
    let mut deep = dir.join("deep");
    for level in 0..18 {
        deep = deep.join(format!("d{level}"));
    }
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::copy(article("article-trace.log"), deep.join("Trace.log")).unwrap();
    std::fs::write(dir.join("notes.log"), "just some notes\nnothing else\n").unwrap();
    let empty = scratch("unreadable-empty");
    let (output, json) = logs_json(&[dir.to_str().unwrap(), empty.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let skipped: Vec<String> = json.skipped.iter().map(|s| s.to_string()).collect();
    assert!(
        skipped.iter().any(|s| s.contains("deeper than 16 folders")),
        "{skipped:?}"
    );
    assert!(
        skipped.iter().any(|s| s.contains("holds no *.log file")),
        "{skipped:?}"
    );
    assert!(
        json.files[0]["note"]
            .as_str()
            .unwrap()
            .contains("no trace-log record")
    );
    let text = stdout(&tlsinspect(&["logs", dir.to_str().unwrap()]));
    assert!(text.contains("skipped"), "{text}");
    assert!(text.contains("no trace-log record found"), "{text}");
}

#[test]
fn other_causes_are_diagnosed_with_the_live_codes() {
    let dir = scratch("causes");
    let log = "\
2024-03-01T10:00:00.000+01:00 0b10 E:Network ClientSync!WinHttp::HandleCallback @ 2025 ()> Secure connection failure. Status: 0x00010000. Info 0x00000030
2024-03-01T10:00:00.000+01:00 0b10 E:Network ClientSync!WinHttp::HandleCallback @ 2030 ()> Failure details:
Certificate details:
---Validity--
Valid from: 2020-01-01T00:00:00.000Z
Valid until: 2021-01-01T00:00:00.000Z
---Subject---
intranet.example
---Issuer----
Example Corp CA
-------------
2024-03-01T10:00:00.000+01:00 0b10 E:Network ClientSync!WinHttp::HandleCallback @ 2076 ()> Network connection destination details: 10.1.2.3:443 (intranet)
[2024-03-01T10:05:00:ERROR:windows_http.cc(197)] Proxy returned 407 Proxy Authentication Required
[2024-03-01T10:05:00:ERROR:windows_http.cc(107)] Network connection destination details: 10.9.9.9:8080 (proxy)
[2024-03-01T11:00:00:ERROR:windows_http.cc(331)] Error from API WinHttpSendRequest. Code: 0x00002ee7
[2024-03-01T11:00:00:ERROR:windows_http.cc(107)] Network connection destination details: 0.0.0.0:443 (oauth2.googleapis.com)
[2024-03-01T12:00:00:ERROR:windows_http.cc(331)] Error result 5, hr = 0x80190197.
[2024-03-01T12:00:00:ERROR:windows_http.cc(107)] Network connection destination details: 10.9.9.10:3128 (proxy2)
[2024-03-01T13:00:00:ERROR:windows_http.cc(331)] Error result 5, hr = 0x800b0109.
";
    let path = dir.join("Trace-causes.log");
    std::fs::write(&path, log).unwrap();
    let (output, json) = logs_json(&[path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        sorted(json.codes()),
        [
            "dns-failed",
            "expired",
            "name-mismatch",
            "proxy-auth-required",
            "proxy-auth-required",
            "untrusted-root"
        ]
    );
    assert_eq!(json.problem("expired").cause, "intranet.example");
    assert_eq!(json.problem("dns-failed").cause, "oauth2.googleapis.com");
    let causes: Vec<&str> = json
        .problems
        .iter()
        .filter(|p| p.code == "proxy-auth-required")
        .map(|p| p.cause.as_str())
        .collect();
    // A 407 told in words and one told only as an HRESULT (0x8019xxxx = HTTP status xxx).
    assert_eq!(
        sorted(causes),
        ["proxy 10.9.9.10:3128", "proxy 10.9.9.9:8080"]
    );
    let hr = json
        .problems
        .iter()
        .find(|p| p.cause == "proxy 10.9.9.10:3128")
        .unwrap();
    assert!(
        hr.latest_example["hresult_name"]
            .as_str()
            .unwrap()
            .contains("HTTP_E_STATUS_PROXY_AUTH_REQ"),
        "{:?}",
        hr.latest_example
    );
    let text = stdout(&tlsinspect(&["logs", path.to_str().unwrap()]));
    assert!(!text.contains("(unknown)"), "{text}");
}

/// The kinds of failure in the generated log, with the problems each one gives.
const KINDS: [&[&str]; 4] = [
    &["clock-skew", "proxy-failed", "revocation-unavailable"],
    &["interception", "untrusted-root", "revocation-unavailable"],
    &["name-mismatch"],
    &["proxy-auth-required"],
];

/// One failing attempt of `kind` at `minutes` after 2024-01-01T00:00Z, against the `n`th address,
/// with ordinary INFO lines around it; format A (no zone) or B (+01:00) by kind.
fn attempt(kind: usize, minutes: i64, n: usize) -> String {
    let utc = time::macros::datetime!(2024-01-01 00:00 UTC) + time::Duration::minutes(minutes);
    let format_a =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let a = utc.format(&format_a).unwrap();
    let b = format!(
        "{}.000+01:00",
        (utc + time::Duration::hours(1)).format(&format_a).unwrap()
    );
    let ip = format!("142.250.{}.{}", n % 250, n / 250 % 250);
    let name = format!("fra{:02}s{:02}-in-f{}.1e100.net", n % 90, n % 17, n % 250);
    let info = format!(
        "[{a}:INFO:sync_engine.cc(88)] Synced item {n} of calendar\n{b} 1a20 I:Sync ClientSync!Mailbox::Poll @ 120 ()> polled folder {n}\n"
    );
    let failure = match kind {
        0 => format!(
            "[{a}:ERROR:windows_http.cc(331)] TLS connection failure. See details below. [Status: 0x00010000. Status Info: 0x00000001]\n\
             [{a}:ERROR:windows_http.cc(340)] Certificate details:\n---Validity--\n\
             Valid from: 2017-09-13 17:23:55 UTC\nValid until: 2017-12-06 17:10:00 UTC\n\
             ---Subject---\nUS\nGoogle Inc\n*.googleapis.com\n---Issuer----\nUS\nGoogle Inc\nGoogle Internet Authority G2\n-------------\n\
             [{a}:ERROR:windows_http.cc(282)] WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED: Certification revocation checking failed.\n\
             [{a}:ERROR:windows_http.cc(197)] Error from API WinHttpSendRequest with WinHTTP proxy. Will try direct (without proxy). Code: 0x00002f8f\n\
             [{a}:ERROR:windows_http.cc(107)] Network connection destination details: {ip}:443 ({name})\n"
        ),
        1 => format!(
            "{b} 1a20 E:Network ClientMigration!WinHttp::HandleCallback @ 2025 ()> Secure connection failure. Status: 0x00010000. Info 0x00000009\n\
             {b} 1a20 E:Network ClientMigration!WinHttp::HandleCallback @ 2030 ()> Failure details:\n\
             Certificate details:\n---Validity--\nValid from: 2023-09-20T04:08:45.000Z\nValid until: 2025-09-20T04:08:45.000Z\n\
             ---Subject---\nCreated by http://www.fiddler2.com\nDO_NOT_TRUST\n*.google.com\n\
             ---Issuer----\nCreated by http://www.fiddler2.com\nDO_NOT_TRUST\nDO_NOT_TRUST_FiddlerRoot\n-------------\n\
             {b} 1a20 E:Network ClientMigration!WinHttp::HandleCallback @ 2071 ()> Error result 5, hr = 0x80072f8f.\n\
             {b} 1a20 E:Network ClientMigration!WinHttp::HandleCallback @ 2076 ()> Network connection destination details: 127.0.0.1:8888 (COMPUTERNAME)\n"
        ),
        2 => format!(
            "[{a}:ERROR:windows_http.cc(331)] TLS connection failure. See details below. [Status: 0x00010000. Status Info: 0x00000010]\n\
             [{a}:ERROR:windows_http.cc(340)] Certificate details:\n---Validity--\n\
             Valid from: 2023-12-01 00:00:00 UTC\nValid until: 2025-12-01 00:00:00 UTC\n\
             ---Subject---\nportal.example.net\n---Issuer----\nUS\nGoogle Trust Services\nWR2\n-------------\n\
             [{a}:ERROR:windows_http.cc(107)] Network connection destination details: {ip}:443 ({name})\n"
        ),
        3 => format!(
            "{b} 1a20 E:Network ClientSync!WinHttp::HandleCallback @ 2071 ()> Error result 5, hr = 0x80190197.\n\
             {b} 1a20 E:Network ClientSync!WinHttp::HandleCallback @ 2076 ()> Network connection destination details: 10.9.9.9:8080 (proxy)\n"
        ),
        _ => format!(
            "[{a}:ERROR:windows_http.cc(331)] Error from API WinHttpSendRequest. Code: 0x00002ee7\n\
             [{a}:ERROR:windows_http.cc(107)] Network connection destination details: 0.0.0.0:443 (oauth2.googleapis.com)\n"
        ),
    };
    info + &failure
}

/// `n` failing attempts 25 minutes apart cycling over the four kinds (each kind every 100
/// minutes: an incident of its own), then a DNS failure a day after the last one.
fn generated_log(n: usize) -> (String, String) {
    let body: String = (0..n).map(|k| attempt(k % 4, k as i64 * 25, k)).collect();
    let tail = attempt(4, (n as i64 - 1) * 25 + 24 * 60, n);
    (body, tail)
}

#[test]
fn a_long_log_loses_nothing_and_ends_with_its_latest_problem() {
    const N: usize = 4_000;
    let dir = scratch("long");
    let (body, tail) = generated_log(N);
    let path = dir.join("Trace-long.log");
    std::fs::write(&path, format!("{body}{tail}")).unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() > 3_000_000);
    let (output, json) = logs_json(&[path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let per_kind = (N / 4) as u64;
    for (kind, codes) in KINDS.iter().enumerate() {
        for code in *codes {
            let problem = json.problem(code);
            if *code == "revocation-unavailable" {
                // Kinds 0 and 1 both; 25 minutes apart, then 75: one incident per pair.
                assert_eq!(
                    (problem.attempts, problem.incidents),
                    (2 * per_kind, per_kind)
                );
                continue;
            }
            assert_eq!(
                (problem.attempts, problem.incidents),
                (per_kind, per_kind),
                "{code}"
            );
            assert!(!problem.ongoing, "{code} stopped a day before the end");
            let first = time::macros::datetime!(2024-01-01 00:00 UTC)
                + time::Duration::minutes(kind as i64 * 25);
            assert_eq!(problem.first, tlsinspect::clock::rfc3339(first), "{code}");
            assert_eq!(
                problem.evidence.len(),
                6,
                "{code}: first three and last three"
            );
        }
    }
    let dns = json.problem("dns-failed");
    assert_eq!((dns.attempts, dns.incidents), (1, 1));
    assert!(dns.ongoing);
    let end = time::macros::datetime!(2024-01-01 00:00 UTC)
        + time::Duration::minutes((N as i64 - 1) * 25 + 24 * 60);
    assert_eq!(dns.last, tlsinspect::clock::rfc3339(end));
    assert_eq!(json.summary.last.as_deref(), Some(dns.last.as_str()));
    assert_eq!(
        json.problem("proxy-auth-required").cause,
        "proxy 10.9.9.9:8080"
    );
    assert_eq!(json.problem("name-mismatch").cause, "portal.example.net");
    // Every attempt counted; incidents counted exactly and listed at both ends only.
    assert_eq!(json.summary.attempts, N as u64 + 1);
    assert_eq!(json.summary.incidents, 7 * per_kind + 1);
    assert_eq!(json.summary.incidents_listed, 200);
    assert_eq!(json.incidents.len(), 200);
    assert_eq!(json.incidents.last().unwrap()["code"], "dns-failed");
    assert_eq!(json.timeline.len(), 50);
    for problem in &json.problems {
        assert!(problem.runs.len() <= 1024, "{}", problem.code);
        let in_runs: u64 = problem
            .runs
            .iter()
            .map(|r| r["attempts"].as_u64().unwrap())
            .sum();
        assert_eq!(
            in_runs, problem.attempts,
            "{}: runs keep every attempt",
            problem.code
        );
    }
    // Google's addresses all differ, yet they are one host.
    let hosts: Vec<&str> = json
        .hosts
        .iter()
        .map(|h| h["host"].as_str().unwrap())
        .collect();
    assert!(hosts.len() <= 6, "{hosts:?}");
    assert_eq!(json.hosts[0]["host"], "oauth2.googleapis.com");
    assert_eq!(json.hosts[0]["failing_at_end"], true);
    // Text: the answer first.
    let text = stdout(&tlsinspect(&[
        "logs",
        path.to_str().unwrap(),
        "--timeline",
        "all",
    ]));
    assert!(
        text.starts_with("Problems: 8 (1 still happening when the log ended)"),
        "{}",
        &text[..300]
    );
    let timeline = text.split("\nTimeline").nth(1).unwrap();
    assert!(
        timeline.lines().count() > 7 * N / 4,
        "every incident with --timeline all"
    );
}

#[test]
fn problems_merge_across_files_in_time_order() {
    const N: usize = 400;
    let dir = scratch("multi");
    let (body, tail) = generated_log(N);
    let cut = body.len() / 2;
    let cut = cut + body[cut..].find("\n[").unwrap() + 1;
    let whole = dir.join("whole");
    let split = dir.join("split");
    std::fs::create_dir_all(&whole).unwrap();
    std::fs::create_dir_all(&split).unwrap();
    std::fs::write(whole.join("Trace.log"), format!("{body}{tail}")).unwrap();
    // Sorted by name, the later half comes first.
    std::fs::write(split.join("a-later.log"), format!("{}{tail}", &body[cut..])).unwrap();
    std::fs::write(split.join("b-earlier.log"), &body[..cut]).unwrap();
    let (_, one) = logs_json(&[whole.to_str().unwrap()]);
    let (_, two) = logs_json(&[split.to_str().unwrap()]);
    assert!(
        two.files[0]["path"]
            .as_str()
            .unwrap()
            .ends_with("b-earlier.log")
    );
    let digest = |json: &LogsJson| -> Vec<String> {
        json.problems
            .iter()
            .map(|p| {
                format!(
                    "{} {} {} {} {} {} {}",
                    p.code, p.cause, p.attempts, p.incidents, p.first, p.last, p.ongoing
                )
            })
            .collect()
    };
    assert_eq!(digest(&one), digest(&two));
    assert_eq!(one.summary.incidents, two.summary.incidents);
    assert_eq!(one.summary.attempts, two.summary.attempts);
}

#[test]
fn since_and_until_restrict_the_analysis_to_a_window() {
    let dir = scratch("window");
    let (body, tail) = generated_log(400);
    let path = dir.join("Trace.log");
    std::fs::write(&path, format!("{body}{tail}")).unwrap();
    // Attempts 100..=199 are 2500..=4975 minutes after the start.
    let (_, json) = logs_json(&[
        path.to_str().unwrap(),
        "--since",
        "2024-01-02T17:40:00Z",
        "--until",
        "2024-01-04T10:55:00Z",
    ]);
    assert_eq!(json.summary.attempts, 100);
    assert_eq!(json.summary.attempts_outside_window, 301);
    assert_eq!(json.problem("name-mismatch").attempts, 25);
    assert!(!json.codes().contains(&"dns-failed"));
    assert_eq!(json.since.as_deref(), Some("2024-01-02T17:40:00Z"));
    assert_eq!(json.until.as_deref(), Some("2024-01-04T10:55:00Z"));
    let output = tlsinspect(&["logs", path.to_str().unwrap(), "--since", "yesterday"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--since"), "{}", stderr(&output));
}

#[test]
fn decode_names_and_explains_pasted_values() {
    let output = tlsinspect(&["decode", "0x80190197", "Info 0x00000009", "hr = 0x800B0109"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    for want in [
        "HTTP_E_STATUS_PROXY_AUTH_REQ",
        "HTTP status 407 (FACILITY_HTTP)",
        "proxy-auth-required",
        "WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED | WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA",
        "CERT_E_UNTRUSTEDROOT",
        "untrusted-root",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    let output = tlsinspect(&["decode", "--format", "json", "0x80072efd"]);
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json[0]["readings"][0]["names"][0],
        "ERROR_WINHTTP_CANNOT_CONNECT"
    );
    assert_eq!(json[0]["readings"][0]["findings"][0], "connect-failed");
    let output = tlsinspect(&["decode", "banana"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("is not a number"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn with_no_path_the_trace_folders_of_localappdata_are_read_and_named() {
    let profile = scratch("localappdata");
    let sync = profile.join("Google/Google Apps Sync/Tracing");
    std::fs::create_dir_all(sync.join("Identity")).unwrap();
    std::fs::copy(
        article("article-trace.log"),
        sync.join("Trace-20261201.log"),
    )
    .unwrap();
    let output = tlsinspect_with_env(
        &["logs", "--format", "json"],
        &[("LOCALAPPDATA", profile.as_path())],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("reading the trace folder")
            && stderr(&output).contains("Google Apps Sync"),
        "{}",
        stderr(&output)
    );
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["files"].as_array().unwrap().len(), 1);
    assert!(
        json["files"][0]["path"]
            .as_str()
            .unwrap()
            .ends_with("Trace-20261201.log")
    );
    assert!(!json["problems"].as_array().unwrap().is_empty());
    // A profile without either folder: both are named, exit 2.
    let empty = scratch("localappdata-empty");
    let output = tlsinspect_with_env(&["logs"], &[("LOCALAPPDATA", empty.as_path())]);
    assert_eq!(output.status.code(), Some(2));
    let error = stderr(&output);
    assert!(error.contains("no trace folder here"), "{error}");
    assert!(
        error.contains("Google Apps Sync") && error.contains("ClientMigration"),
        "{error}"
    );
    // No LOCALAPPDATA (not Windows): say what to give.
    let output = tlsinspect(&["logs"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("LOCALAPPDATA is not set"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_log_that_turns_utf16_or_holds_crash_padding_loses_no_record() {
    let dir = scratch("mixed");
    let first = std::fs::read(article("article-authorization.log")).unwrap();
    let second = std::fs::read_to_string(article("article-trace.log")).unwrap();
    let utf16: Vec<u8> = second.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let write = |name: &str, parts: &[&[u8]]| {
        let path = dir.join(name);
        std::fs::write(&path, parts.concat()).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let plain = write("plain.log", &[&first, second.as_bytes()]);
    let switched = write("switched.log", &[&first, &utf16]);
    let padded = write("padded.log", &[&first, &[0u8; 4096], second.as_bytes()]);
    let problems = |path: &str| {
        let (_, json) = logs_json(&[path]);
        let mut found: Vec<(String, u64)> = json
            .problems
            .iter()
            .map(|p| (p.code.clone(), p.attempts))
            .collect();
        found.sort();
        found
    };
    let expected = problems(&plain);
    assert!(!expected.is_empty());
    assert_eq!(problems(&switched), expected, "UTF-8 then UTF-16");
    assert_eq!(problems(&padded), expected, "NUL padding before a record");
}
