//! Scans: `check` over a few hundred lab endpoints streams its JSON Lines (each endpoint as soon
//! as it is judged, amendments and the summary at the end) and asks the OCSP responder once per
//! certificate however many endpoints present it. Targets come from stdin, port lists and
//! ranges. Memory and speed are measured by `scripts/bench-scan.sh`, not here.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use tlsinspect::lab::{LAB_HOST, Lab, Scenario, tls_server};

use crate::support::{assert_schema_lines, spawn_with_stdin, stderr, stdout, tlsinspect};

const ENDPOINTS: usize = 200;

#[test]
fn a_scan_streams_each_endpoint_and_asks_ocsp_once_per_certificate() {
    let lab = Lab::start().unwrap();
    let dir = std::env::temp_dir().join(format!("tlsinspect-scan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    lab.write_anchors(&dir).unwrap();
    // Every endpoint serves the same chain, whose leaf names the lab's OCSP responder; none
    // staples, so each would ask the responder if answers were not shared.
    let certs = lab.pki.scenario(Scenario::StapledOcspGood).unwrap();
    let servers: Vec<_> = (0..ENDPOINTS)
        .map(|_| tls_server("scan", certs.served.clone(), certs.leaf.key(), None).unwrap())
        .collect();
    // One endpoint accepts and never answers: the run cannot end before its handshake times
    // out, so lines read before then prove the output streams.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let mut held = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        silent.set_nonblocking(true).unwrap();
        while Instant::now() < deadline && held.len() < 4 {
            match silent.accept() {
                Ok((stream, _)) => held.push(stream),
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        held
    });
    let mut list = format!("https://{LAB_HOST}:{silent_port}/\n");
    for server in &servers {
        list.push_str(&format!("https://{LAB_HOST}:{}/\n", server.addr().port()));
    }
    let ocsp = lab.ocsp_addr();
    let lab_rule = format!("{LAB_HOST}::127.0.0.1:");
    let ocsp_rule = format!("ocsp.tlsinspect.test:80:{ocsp}");
    let anchors = dir.join("lab-root.pem");
    let args = [
        "check",
        "--targets-file",
        "-",
        "--format",
        "jsonl",
        "-q",
        "--timeout",
        "6",
        "--concurrency",
        "32",
        "--no-proxy",
        "--no-pins",
        "--connect-to",
        &lab_rule,
        "--connect-to",
        &ocsp_rule,
        "--ca-file",
        anchors.to_str().unwrap(),
    ];
    let mut child = spawn_with_stdin(&args, list.as_bytes());
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(
        child.try_wait().unwrap().is_none(),
        "the first line came only after the run ended"
    );
    let first: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(first["type"], "endpoint");
    let mut records: Vec<serde_json::Value> = vec![first];
    records.extend(lines.map(|line| serde_json::from_str(&line.unwrap()).unwrap()));
    let status = child.wait().unwrap();
    drop(held);
    let endpoints: Vec<&serde_json::Value> =
        records.iter().filter(|r| r["type"] == "endpoint").collect();
    assert_eq!(endpoints.len(), ENDPOINTS + 1);
    assert_eq!(records.last().unwrap()["type"], "summary");
    assert_eq!(records.last().unwrap()["endpoints"], ENDPOINTS + 1);
    // Every position appears once; the silent endpoint (position 0) finishes last.
    let mut ids: Vec<u64> = endpoints
        .iter()
        .map(|e| e["id"].as_u64().unwrap())
        .collect();
    assert_eq!(*ids.last().unwrap(), 0);
    ids.sort_unstable();
    assert_eq!(ids, (0..=ENDPOINTS as u64).collect::<Vec<_>>());
    assert_eq!(status.code(), Some(1), "the silent endpoint is an error");
    // The served endpoints are clean and their leaf is good by OCSP…
    let served: Vec<_> = endpoints.iter().filter(|e| e["id"] != 0).collect();
    for endpoint in &served {
        assert_eq!(endpoint["status"], "ok", "{endpoint}");
    }
    let ocsp_sources = served[0]["revocation"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["source"] == "ocsp")
        .count();
    assert!(ocsp_sources >= 1, "{}", served[0]["revocation"]);
    // …from one request per certificate for the whole run, not one per endpoint.
    assert_eq!(lab.ocsp_requests(), ocsp_sources);
}

#[test]
fn port_lists_and_ranges_expand_and_stdin_is_a_list() {
    // Nothing listens on these ports of 127.0.0.2/31 (connections are refused at once).
    let output = tlsinspect(&[
        "check",
        "127.0.0.2/31:1,2",
        "127.0.0.1:3-4",
        "--format",
        "jsonl",
        "-q",
        "--no-proxy",
        "--timeout",
        "2",
    ]);
    // In the order they finish; `id` gives the order of the list, ranges expanded in place.
    let mut targets: Vec<(u64, String)> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|line| line["type"] == "endpoint")
        .map(|line| {
            let target = line["target"].as_str().unwrap().to_owned();
            (line["id"].as_u64().unwrap(), target)
        })
        .collect();
    targets.sort();
    let targets: Vec<String> = targets.into_iter().map(|(_, target)| target).collect();
    assert_eq!(
        targets,
        [
            "https://127.0.0.2:1/",
            "https://127.0.0.2:2/",
            "https://127.0.0.3:1/",
            "https://127.0.0.3:2/",
            "https://127.0.0.1:3/",
            "https://127.0.0.1:4/",
        ]
    );
    for bad in ["10.0.0.0/33", "10.0.0.0/4", "host:0,1", "host:9-3"] {
        let output = tlsinspect(&["check", bad]);
        assert_eq!(output.status.code(), Some(2), "{bad}");
        assert!(stderr(&output).contains(bad), "{bad}: {}", stderr(&output));
    }
}

#[test]
fn a_bad_line_on_stdin_stops_the_list_with_its_line_number() {
    let args = [
        "check",
        "--targets-file",
        "-",
        "--format",
        "jsonl",
        "-q",
        "--no-proxy",
        "--timeout",
        "2",
    ];
    let list = b"# two good lines, then a bad one\n127.0.0.1:1\n127.0.0.1:2\nftp://x\n";
    let output = spawn_with_stdin(&args, list).wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("-: line 4: unsupported scheme"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let checked = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| line.contains("\"type\":\"endpoint\""))
        .count();
    assert_eq!(checked, 2, "the lines before the bad one are checked");
}

#[test]
fn verdicts_across_endpoints_follow_as_amendment_lines() {
    let lab = Lab::start().unwrap();
    let dir = std::env::temp_dir().join(format!("tlsinspect-amend-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    lab.write_anchors(&dir).unwrap();
    // The lab's clock scenario: two servers' Date headers agree the local clock is years ahead.
    let now = time::OffsetDateTime::now_utc();
    let command = lab.check_command(Scenario::ClockAhead, &dir, now);
    let mut args: Vec<&str> = command.split_whitespace().skip(1).collect();
    args.extend(["--format", "jsonl", "-q", "--no-proxy"]);
    let output = tlsinspect(&args);
    let records = assert_schema_lines("check.jsonl.json", &output);
    let kinds: Vec<&str> = records
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["endpoint", "endpoint", "amendment", "amendment", "summary"],
        "{}",
        stdout(&output)
    );
    for amendment in records.iter().filter(|r| r["type"] == "amendment") {
        assert_eq!(amendment["added"][0]["code"], "clock-skew");
        assert_eq!(amendment["headline"], "clock-skew");
        assert_eq!(amendment["status"], "error");
        let endpoint = records
            .iter()
            .find(|r| r["type"] == "endpoint" && r["id"] == amendment["id"])
            .unwrap();
        assert_eq!(endpoint["target"], amendment["target"]);
    }
    // The summary counts the endpoints as amended, and the diagnosis names the clock.
    let summary = records.last().unwrap();
    assert_eq!(summary["errors"], 2);
    assert!(
        summary["diagnosis"]
            .as_str()
            .unwrap()
            .starts_with("This machine's clock is wrong"),
        "{summary}"
    );
    // The same run as one document has the verdict inside each endpoint.
    let mut args: Vec<&str> = command.split_whitespace().skip(1).collect();
    args.extend(["--format", "json", "-q", "--no-proxy"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&tlsinspect(&args))).unwrap();
    for endpoint in report["endpoints"].as_array().unwrap() {
        assert_eq!(endpoint["headline"], "clock-skew", "{endpoint}");
    }
}
