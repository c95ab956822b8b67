//! `logs` on the article's two examples, pasted as they are, and on damaged input.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::*;

fn logs_json(args: &[&str]) -> (std::process::Output, serde_json::Value) {
    let mut all = vec!["logs", "--format", "json"];
    all.extend_from_slice(args);
    let output = tlsinspect(&all);
    let json = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(&output), stderr(&output)));
    (output, json)
}

fn article(name: &str) -> String {
    repo()
        .join("tests/data/logs")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

fn codes(incident: &serde_json::Value) -> Vec<String> {
    incident["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tlsinspect-logs-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_articles_first_example_is_clock_skew_with_revocation_failing() {
    let (output, json) = logs_json(&[&article("article-authorization.log")]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(json["schema_version"], 2);
    let incident = &json["incidents"][0];
    assert_eq!(json["incidents"].as_array().unwrap().len(), 1);
    assert_eq!(incident["headline"], "clock-skew");
    assert_eq!(
        codes(incident),
        ["clock-skew", "revocation-unavailable", "proxy-failed"]
    );
    let skew = &incident["findings"][0]["evidence"];
    assert_eq!(skew["direction"], "ahead");
    assert_eq!(skew["local_time"], "2022-09-21T03:59:46Z");
    assert_eq!(skew["not_after"], "2017-12-06T17:10:00Z");
    // 4 years 9 months .. 5 years ahead.
    assert!(skew["min_offset_seconds"].as_i64().unwrap() > 4 * 365 * 86_400);
    assert!(skew["max_offset_seconds"].as_i64().unwrap() < 6 * 365 * 86_400);
    assert_eq!(incident["destination"], "216.58.194.170:443");
    assert_eq!(incident["destination_name"], "sfo07s13-in-f170.1e100.net");
    assert_eq!(
        incident["flags"],
        serde_json::json!(["WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED"])
    );
    assert_eq!(incident["code_name"], "ERROR_WINHTTP_SECURE_FAILURE");
    assert_eq!(
        incident["certificate"]["issuer"][2],
        "Google Internet Authority G2"
    );
    let text = stdout(&tlsinspect(&[
        "logs",
        &article("article-authorization.log"),
    ]));
    assert!(
        text.contains("the local clock is ahead by 4 years 9 months to 5 years"),
        "{text}"
    );
    assert!(
        text.contains("article-authorization.log:1-6,12,16-19"),
        "{text}"
    );
}

#[test]
fn the_articles_second_example_is_fiddler_with_an_untrusted_root_on_loopback() {
    let (output, json) = logs_json(&[&article("article-trace.log")]);
    assert_eq!(output.status.code(), Some(1));
    let incident = &json["incidents"][0];
    assert_eq!(incident["headline"], "interception");
    assert_eq!(
        codes(incident),
        ["interception", "untrusted-root", "revocation-unavailable"]
    );
    let evidence = &incident["findings"][0]["evidence"];
    assert_eq!(evidence["product"], "Fiddler Classic");
    assert_eq!(evidence["keyword"], "DO_NOT_TRUST_FiddlerRoot");
    assert!(evidence["signals"].to_string().contains("127.0.0.1:8888"));
    assert_eq!(incident["destination"], "127.0.0.1:8888");
    assert_eq!(incident["info"], "0x00000009");
    assert_eq!(incident["hresult_name"], "ERROR_WINHTTP_SECURE_FAILURE");
    assert_eq!(incident["first"], "2017-09-21T07:10:04Z");
    assert!(
        !codes(incident).contains(&"clock-skew".to_owned()),
        "a forged cert proves nothing about the clock"
    );
}

#[test]
fn repeated_attempts_group_into_one_incident_with_a_count() {
    let dir = scratch("repeat");
    let text = std::fs::read_to_string(article("article-trace.log")).unwrap();
    let later = text.replace("04:10:04.356", "04:20:09.001");
    std::fs::write(dir.join("Trace-1.log"), format!("{text}{text}{later}")).unwrap();
    let (_, json) = logs_json(&[dir.to_str().unwrap()]);
    let incidents = json["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0]["count"], 3);
    assert_eq!(incidents[0]["first"], "2017-09-21T07:10:04Z");
    assert_eq!(incidents[0]["last"], "2017-09-21T07:20:09Z");
}

#[test]
fn folders_are_searched_recursively_for_log_files() {
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
    assert_eq!(json["files"].as_array().unwrap().len(), 2);
    let headlines: Vec<_> = json["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["headline"].clone())
        .collect();
    // Sorted paths: Identity/auth.log before Trace-2017.log.
    assert_eq!(headlines, ["clock-skew", "interception"]);
}

#[test]
fn stdin_and_utf16le_give_the_same_diagnosis() {
    let text = std::fs::read_to_string(article("article-trace.log")).unwrap();
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let mut child = Command::new(env!("CARGO_BIN_EXE_tlsinspect"))
        .args(["logs", "-", "--format", "json"])
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&utf16).unwrap();
    let output = child.wait_with_output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["files"][0]["path"], "-");
    assert_eq!(json["files"][0]["encoding"], "utf16le");
    assert_eq!(
        codes(&json["incidents"][0]),
        ["interception", "untrusted-root", "revocation-unavailable"]
    );
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
    let file = &json["files"][0];
    assert_eq!(file["truncated_lines"], 1);
    assert!(file["unknown_lines"].as_u64().unwrap() >= 2, "{file}");
    let headlines: Vec<_> = json["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["headline"].clone())
        .collect();
    assert!(
        headlines.contains(&serde_json::json!("interception")),
        "{headlines:?}"
    );
    // The cut block still yields what it had: the certificate window without a destination.
    assert!(json["incidents"][0]["certificate"]["not_before"].is_string());
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
";
    let path = dir.join("Trace-causes.log");
    std::fs::write(&path, log).unwrap();
    let (output, json) = logs_json(&[path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let incidents = json["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 3, "{json:#}");
    assert_eq!(codes(&incidents[0]), ["expired", "name-mismatch"]);
    assert_eq!(codes(&incidents[1]), ["proxy-auth-required"]);
    assert_eq!(codes(&incidents[2]), ["dns-failed"]);
    assert_eq!(incidents[2]["code_name"], "ERROR_WINHTTP_NAME_NOT_RESOLVED");
}
