//! `trust` on stores built as a user's machine has them: a bundle and an OpenSSL hashed folder
//! (made by `openssl rehash`) holding part of Mozilla's set, a root the real `mitmdump` generates
//! on its first start, a Fiddler-named root, the roots whose keys are public, an expired root, an
//! RSA-1024 root, a certificate that is not a CA, a duplicate and a plain `openssl req -x509` root.
//! Each gets exactly its findings; a store without GTS Root R1 gets the Google-roots error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::*;

/// Roots are judged in 2030: the Mozilla roots used are valid then, the 1-day root is not.
const AT: &str = "2030-01-01T00:00:00Z";
const GOOGLE: [&str; 5] = [
    "gts-root-r1.pem",
    "gts-root-r2.pem",
    "gts-root-r3.pem",
    "gts-root-r4.pem",
    "globalsign-ecc-root-ca-r4.pem",
];

fn scratch(name: &str) -> PathBuf {
    crate::support::scratch(&format!("trust-{name}"))
}

/// `openssl req -x509` with `args`, into `dir/name.pem`.
fn openssl_root(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let cert = dir.join(format!("{name}.pem"));
    let key = dir.join(format!("{name}.key"));
    let output = Command::new(openssl())
        .args(["req", "-x509", "-nodes", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "{name}: {}", stderr(&output));
    cert
}

/// The CA certificate `mitmdump` writes into its confdir on first start (copied out: the
/// confdir goes with the process).
fn mitmproxy_root(dir: &Path) -> Option<PathBuf> {
    let mitm = Mitmdump::start(&[])?;
    let copy = dir.join("mitmproxy-ca-cert.pem");
    std::fs::copy(mitm.ca_cert(), &copy).unwrap();
    Some(copy)
}

struct Store {
    dir: PathBuf,
    /// Name -> certificate file.
    files: BTreeMap<String, PathBuf>,
}

fn build_store(name: &str) -> Store {
    let dir = scratch(name);
    let mut files = BTreeMap::new();
    for file in GOOGLE {
        files.insert(file.to_owned(), repo().join("data/google-roots").join(file));
    }
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
    let long = ["-days", "7300"];
    let fiddler_subject =
        "/OU=Created by http:\\/\\/www.fiddler2.com/O=DO_NOT_TRUST/CN=DO_NOT_TRUST_FiddlerRoot";
    let cases: [(&str, Vec<&str>); 5] = [
        (
            "fiddler",
            [&ec[..], &long, &["-subj", fiddler_subject]].concat(),
        ),
        (
            "expired",
            [
                &ec[..],
                &["-days", "1", "-subj", "/CN=Expires Tomorrow Root"],
            ]
            .concat(),
        ),
        (
            "rsa1024",
            [
                &["-newkey", "rsa:1024"][..],
                &long,
                &["-subj", "/CN=Weak RSA-1024 Root"],
            ]
            .concat(),
        ),
        (
            "not-a-ca",
            [&ec[..], &long, &["-subj", "/CN=server.example", "-config"]].concat(),
        ),
        (
            "plain",
            [&ec[..], &long, &["-subj", "/CN=Made With openssl req"]].concat(),
        ),
    ];
    let config = dir.join("no-ca.cnf");
    std::fs::write(
        &config,
        "[req]\ndistinguished_name=dn\nx509_extensions=ext\n[dn]\n[ext]\nbasicConstraints=critical,CA:FALSE\n",
    )
    .unwrap();
    for (name, mut args) in cases {
        if name == "not-a-ca" {
            args.push(config.to_str().unwrap());
        }
        files.insert(name.to_owned(), openssl_root(&dir, name, &args));
    }
    if let Some(mitm) = mitmproxy_root(&dir) {
        files.insert("mitmproxy".to_owned(), mitm);
    }
    for entry in std::fs::read_dir(repo().join("tests/data/leaked-roots")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        files.insert(name, path);
    }
    Store { dir, files }
}

fn subject_of(path: &Path) -> String {
    let der = pem_to_der(path);
    tlsinspect::chain::CertInfo::parse(&der).unwrap().sha256
}

fn trust_json(args: &[&str]) -> (std::process::Output, Value) {
    let mut all = vec!["trust", "--at", AT, "--format", "json"];
    all.extend_from_slice(args);
    let output = tlsinspect(&all);
    let json = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(&output), stderr(&output)));
    assert_schema("trust.json", &json);
    (output, json)
}

/// The codes of each root's findings, by certificate SHA-256.
fn codes_by_root(json: &Value) -> BTreeMap<String, Vec<String>> {
    let mut codes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for root in json["roots"].as_array().unwrap() {
        codes.insert(
            root["certificate"]["sha256"].as_str().unwrap().to_owned(),
            Vec::new(),
        );
    }
    for finding in json["findings"].as_array().unwrap() {
        let Some(index) = finding["cert_index"].as_u64() else {
            continue;
        };
        let sha = json["roots"][index as usize]["certificate"]["sha256"]
            .as_str()
            .unwrap()
            .to_owned();
        codes
            .get_mut(&sha)
            .unwrap()
            .push(finding["code"].as_str().unwrap().to_owned());
    }
    for list in codes.values_mut() {
        list.sort();
    }
    codes
}

/// What each kind of root must get.
fn expected(name: &str) -> Vec<&'static str> {
    let mut codes = match name {
        // Mozilla's current set no longer has GTS Root R2; Google still lists it.
        "gts-root-r2.pem" => vec!["not-in-baseline"],
        n if GOOGLE.contains(&n) => vec![],
        "fiddler" | "mitmproxy" => vec!["interception-root", "not-in-baseline"],
        "expired" => vec!["expired-root", "not-in-baseline"],
        "rsa1024" => vec!["not-in-baseline", "weak-key"],
        "not-a-ca" => vec!["not-a-ca", "not-in-baseline"],
        "plain" => vec!["duplicate-root", "not-in-baseline"],
        _ => vec!["leaked-key-root", "not-in-baseline"],
    };
    codes.sort_unstable();
    codes
}

/// One PEM bundle of every root of `store`, then the roots named in `again` a second time.
fn bundle_of(store: &Store, again: &[&str]) -> PathBuf {
    let mut bundle = String::new();
    let files = store
        .files
        .values()
        .chain(again.iter().map(|name| &store.files[*name]));
    for path in files {
        bundle.push_str(&std::fs::read_to_string(path).unwrap());
    }
    let path = store.dir.join("bundle.pem");
    std::fs::write(&path, bundle).unwrap();
    path
}

#[test]
fn every_root_of_a_bundle_gets_exactly_its_findings() {
    crate::skip_on_windows!("openssl");
    let store = build_store("bundle");
    // A duplicate: the plain root twice in the same bundle.
    let path = bundle_of(&store, &["plain"]);
    let (output, json) = trust_json(&["--store", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "a leaked key is an error");
    let codes = codes_by_root(&json);
    for (name, file) in &store.files {
        let mut got = codes[&subject_of(file)].clone();
        // Old leaked roots are weak, expired or no CA as well: their own finding must be there,
        // and nothing but the facts of the certificate beside it.
        if expected(name).contains(&"leaked-key-root") {
            got.retain(|code| !matches!(code.as_str(), "weak-key" | "expired-root" | "not-a-ca"));
        }
        got.dedup();
        assert_eq!(got, expected(name), "{name}");
    }
    let roots = json["roots"].as_array().unwrap();
    let leaked_files = store
        .files
        .keys()
        .filter(|n| expected(n).contains(&"leaked-key-root"))
        .count();
    assert!(leaked_files >= 15);
    // One entry per distinct certificate; the duplicate is a location, not a root.
    assert_eq!(roots.len(), store.files.len());
    let google = json["google_roots"].as_array().unwrap();
    assert!(
        google.iter().all(|root| root["status"] == "present"),
        "{google:?}"
    );
    let summary = json["summary"]["line"].as_str().unwrap();
    assert!(summary.contains("4 in Mozilla's set"), "{summary}");
    // The HTML page has a row per root, with its headline, and every problem.
    let html = stdout(&tlsinspect(&[
        "trust",
        "--at",
        AT,
        "--store",
        path.to_str().unwrap(),
        "--format",
        "html",
    ]));
    for root in roots {
        let row = format!(
            "<tr data-index=\"{}\" data-codes=\"{}\">",
            root["index"],
            root["headline"].as_str().unwrap_or("")
        );
        assert!(html.contains(&row), "no {row}");
    }
    for finding in json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] != "info")
    {
        assert!(html.contains(&format!(
            "data-code=\"{}\"",
            finding["code"].as_str().unwrap()
        )));
    }
    assert!(summary.contains("Fiddler Classic"), "{summary}");
    assert!(summary.contains("Google's 5 roots present"), "{summary}");
    let fiddler = &json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "interception-root")
        .unwrap()["evidence"];
    assert!(fiddler["product"].is_string());
    // SHA-1 thumbprints, as Windows shows them.
    let thumbprint = roots[0]["certificate"]["sha1"].as_str().unwrap();
    assert_eq!(thumbprint.len(), 40);
    let text = stdout(&tlsinspect(&[
        "trust",
        "--at",
        AT,
        "--store",
        path.to_str().unwrap(),
    ]));
    assert!(text.contains("\nProblems ("), "{text}");
    assert!(text.find("leaked-key-root").unwrap() < text.find("Roots added locally").unwrap());
    assert!(
        text.trim_end().ends_with("Google's 5 roots present"),
        "{text}"
    );
}

#[test]
fn a_hashed_folder_counts_each_certificate_once() {
    crate::skip_on_windows!("openssl");
    let store = build_store("folder");
    let folder = store.dir.join("certs");
    std::fs::create_dir_all(&folder).unwrap();
    for (name, path) in &store.files {
        std::fs::copy(path, folder.join(format!("{name}.pem"))).unwrap();
    }
    let output = Command::new(openssl())
        .arg("rehash")
        .arg(&folder)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let hashed = std::fs::read_dir(&folder)
        .unwrap()
        .filter(|e| {
            let name = e
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .into_owned();
            name.len() > 9 && name.as_bytes()[8] == b'.'
        })
        .count();
    assert!(
        hashed >= store.files.len(),
        "openssl rehash made {hashed} links"
    );
    let (_, json) = trust_json(&["--store", folder.to_str().unwrap()]);
    let roots = json["roots"].as_array().unwrap();
    assert_eq!(roots.len(), store.files.len());
    let codes = codes_by_root(&json);
    assert!(
        codes
            .values()
            .all(|list| !list.contains(&"duplicate-root".to_owned()))
    );
    let location = roots[0]["locations"][0].as_str().unwrap();
    assert!(location.contains("/certs/"), "{location}");
    assert_eq!(json["sources"][0]["kind"], "folder");
}

#[test]
fn a_store_without_gts_root_r1_gets_the_google_roots_error() {
    let dir = scratch("no-r1");
    let mut bundle = String::new();
    for file in &GOOGLE[1..] {
        bundle.push_str(
            &std::fs::read_to_string(repo().join("data/google-roots").join(file)).unwrap(),
        );
    }
    let path = dir.join("bundle.pem");
    std::fs::write(&path, bundle).unwrap();
    let (output, json) = trust_json(&["--store", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let findings: Vec<&Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    let codes: Vec<&str> = findings
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["missing-google-root"]);
    assert!(
        findings[0]["message"]
            .as_str()
            .unwrap()
            .contains("GTS Root R1")
    );
    assert!(
        findings[0]["message"]
            .as_str()
            .unwrap()
            .contains("INVALID_CA")
    );
    assert_eq!(json["google_roots"][0]["status"], "missing");
    assert!(
        json["summary"]["line"]
            .as_str()
            .unwrap()
            .contains("4 of 5 usable (GTS Root R1 not)")
    );
}

#[test]
fn a_baseline_file_replaces_mozillas_set_and_bad_input_exits_2() {
    crate::skip_on_windows!("openssl");
    let dir = scratch("baseline");
    let plain = openssl_root(
        &dir,
        "approved",
        &[
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-days",
            "7300",
            "-subj",
            "/CN=Approved Company Root",
        ],
    );
    let store = dir.join("store.pem");
    let mut text = std::fs::read_to_string(&plain).unwrap();
    for file in GOOGLE {
        text.push_str(
            &std::fs::read_to_string(repo().join("data/google-roots").join(file)).unwrap(),
        );
    }
    std::fs::write(&store, text).unwrap();
    // Against the approved list, the company root is expected and Google's are not.
    let (output, json) = trust_json(&[
        "--store",
        store.to_str().unwrap(),
        "--baseline",
        plain.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(json["baseline"]["roots"], 1);
    assert_eq!(json["summary"]["in_baseline"], 1);
    assert_eq!(json["summary"]["added_locally"], 5);
    for args in [
        &["trust", "--store", "/nonexistent/store.pem"][..],
        &["trust", "--store", "/dev/zero"],
        &["trust", "--baseline", "/nonexistent.pem"],
    ] {
        refused(args, "");
    }
}

#[test]
#[cfg(not(windows))] // On Windows the system store is CryptoAPI's, not these files.
fn the_system_store_honours_ssl_cert_file() {
    let dir = scratch("system");
    let bundle = dir.join("bundle.pem");
    let mut text = String::new();
    for file in GOOGLE {
        text.push_str(
            &std::fs::read_to_string(repo().join("data/google-roots").join(file)).unwrap(),
        );
    }
    std::fs::write(&bundle, text).unwrap();
    let empty = scratch("system-dir");
    let output = Command::new(env!("CARGO_BIN_EXE_tlsinspect"))
        .args(["trust", "--at", AT, "--format", "json"])
        .env_clear()
        .env("SSL_CERT_FILE", &bundle)
        .env("SSL_CERT_DIR", &empty)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["sources"][0]["kind"], "system file");
    assert_eq!(json["sources"][0]["location"], bundle.to_str().unwrap());
    assert_eq!(json["sources"][1]["kind"], "system folder");
    assert_eq!(json["summary"]["roots"], 5);
    assert_eq!(output.status.code(), Some(0));
}

/// A certificate pushed by Group Policy into one of the machine's stores (`Root`, `CA`), written
/// where Windows keeps it (a `Blob` under the machine's policy key, as `reg add` writes it);
/// removed when dropped.
#[cfg(windows)]
struct PolicyCert {
    key: String,
}

#[cfg(windows)]
impl PolicyCert {
    fn add(store: &str, der: &[u8]) -> Self {
        let cert = tlsinspect::chain::CertInfo::parse(der).unwrap();
        let mut blob = 32u32.to_le_bytes().to_vec();
        blob.extend(1u32.to_le_bytes());
        blob.extend(u32::try_from(der.len()).unwrap().to_le_bytes());
        blob.extend(der);
        let hex: String = blob.iter().map(|byte| format!("{byte:02X}")).collect();
        let key = format!(
            "HKLM\\SOFTWARE\\Policies\\Microsoft\\SystemCertificates\\{store}\\Certificates\\{}",
            cert.sha1.to_uppercase()
        );
        let added = Command::new("reg")
            .args([
                "add",
                &key,
                "/v",
                "Blob",
                "/t",
                "REG_BINARY",
                "/d",
                &hex,
                "/f",
            ])
            .output()
            .unwrap();
        assert!(added.status.success(), "{}", stderr(&added));
        Self { key }
    }
}

#[cfg(windows)]
impl Drop for PolicyCert {
    fn drop(&mut self) {
        let _ = Command::new("reg")
            .args(["delete", &self.key, "/f"])
            .output();
    }
}

/// A root pushed by Group Policy is reported with that store as its location; an intermediate
/// pushed into the policy's `CA` store is not a root of this machine and is not listed.
#[test]
#[cfg(windows)]
fn a_root_added_to_the_group_policy_store_is_reported_with_its_store() {
    let der = pem_to_der(&testcerts().join("ca.pem"));
    let cert = tlsinspect::chain::CertInfo::parse(&der).unwrap();
    let intermediate_der = pem_to_der(&testcerts().join("valid").join("inter.pem"));
    let intermediate = tlsinspect::chain::CertInfo::parse(&intermediate_der).unwrap();
    let policy_root = PolicyCert::add("Root", &der);
    let policy_intermediate = PolicyCert::add("CA", &intermediate_der);
    let output = tlsinspect(&["trust", "--at", AT, "--format", "json"]);
    drop(policy_root);
    drop(policy_intermediate);
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_schema("trust.json", &json);
    let root = json["roots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|root| root["certificate"]["sha256"] == cert.sha256)
        .unwrap_or_else(|| panic!("the policy root is not listed: {}", stdout(&output)));
    let locations: Vec<&str> = root["locations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        locations.contains(&"Windows LocalMachine Group Policy\\Root"),
        "{locations:?}"
    );
    assert_eq!(root["in_baseline"], false);
    let roots = json["roots"].as_array().unwrap();
    assert!(
        roots
            .iter()
            .all(|root| root["certificate"]["sha256"] != intermediate.sha256),
        "the intermediate is listed as a root: {}",
        stdout(&output)
    );
}

/// Without `--ca-file`, `check` trusts what CryptoAPI trusts: the lab's chain is untrusted until
/// its root is pushed by Group Policy, then trusted with `locally-trusted-root` naming that store.
#[test]
#[cfg(windows)]
fn check_trusts_a_group_policy_root_and_names_its_store() {
    use tlsinspect::lab::{LAB_HOST, Lab, Scenario, tls_server};
    let lab = Lab::start().unwrap();
    let certs = lab.pki.scenario(Scenario::Good).unwrap();
    let server = tls_server("policy", certs.served.clone(), certs.leaf.key(), None).unwrap();
    let url = format!("https://{LAB_HOST}:{}/", server.addr().port());
    let rule = format!("{LAB_HOST}::127.0.0.1:");
    let check = || {
        let output = tlsinspect(&[
            "check",
            &url,
            "--connect-to",
            &rule,
            "--revocation",
            "off",
            "--no-proxy",
            "--no-pins",
            "--format",
            "json",
            "-q",
        ]);
        let json: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_schema("check.json", &json);
        json["endpoints"][0]["findings"].as_array().unwrap().clone()
    };
    let codes = |findings: &[Value]| -> Vec<String> {
        findings
            .iter()
            .map(|finding| finding["code"].as_str().unwrap().to_owned())
            .collect()
    };
    // Untrusted: the root is in no store, so the served intermediate's issuer is missing.
    let before = check();
    assert_eq!(codes(&before), ["incomplete-chain"], "{before:?}");
    let policy_root = PolicyCert::add("Root", &certs.root);
    let after = check();
    drop(policy_root);
    assert_eq!(codes(&after), ["locally-trusted-root"], "{after:?}");
    let locations = &after[0]["evidence"]["locations"];
    assert!(
        locations
            .as_array()
            .unwrap()
            .contains(&Value::from("Windows LocalMachine Group Policy\\Root")),
        "{locations}"
    );
    assert!(
        after[0]["message"]
            .as_str()
            .unwrap()
            .contains("Windows LocalMachine Group Policy\\Root"),
        "{}",
        after[0]["message"]
    );
}

/// `trust --format prometheus` on the bundle: one series per root problem, which promtool
/// accepts, the leaked-key roots among them with where they were found.
#[test]
fn the_bundle_s_problems_are_metrics_promtool_accepts() {
    crate::skip_on_windows!("openssl");
    let store = build_store("metrics");
    let path = bundle_of(&store, &[]);
    let store_arg = path.to_str().unwrap();
    let output = tlsinspect(&[
        "trust",
        "--at",
        AT,
        "--store",
        store_arg,
        "--format",
        "prometheus",
    ]);
    assert_eq!(output.status.code(), Some(1), "a leaked key is an error");
    let text = stdout(&output);
    let Some((ok, said)) = crate::metrics::promtool_check(&text) else {
        return;
    };
    assert!(ok, "promtool: {said}\n{text}");
    assert!(
        text.contains(&format!("tlsinspect_trust_roots {}\n", store.files.len())),
        "{text}"
    );
    let leaked = text
        .lines()
        .filter(|line| line.starts_with("tlsinspect_trust_root_problem{code=\"leaked-key-root\""))
        .collect::<Vec<_>>();
    assert!(leaked.len() >= 15, "{text}");
    assert!(
        leaked.iter().all(|line| line.contains(store_arg)),
        "{leaked:?}"
    );
    for name in ["GTS Root R1", "GTS Root R4"] {
        assert!(
            text.contains(&format!(
                "tlsinspect_trust_google_root_present{{name=\"{name}\"}} 1"
            )),
            "{name}: {text}"
        );
    }
}
