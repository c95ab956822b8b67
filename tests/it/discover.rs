//! `trust --discover` on a machine laid out in a folder (`--root`): a system bundle, a Java
//! runtime whose `cacerts` the JDK's own `keytool` wrote, a Python `certifi`, a bundle named by
//! pip's configuration, a Firefox profile's NSS database made by NSS's `certutil` (one root
//! trusted for TLS, one present without trust). The same
//! leaked-key root is planted in the system store and Java's, an inspection root in the system
//! store and the bundle only; then the leaked root is removed from the system store alone.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::skip_on_windows;
use crate::support::*;

/// Writes `parts` (PEM files) into `path`, creating its folder.
fn bundle(path: &Path, parts: &[&Path]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let text: String = parts
        .iter()
        .map(|part| std::fs::read_to_string(part).unwrap())
        .collect();
    std::fs::write(path, text).unwrap();
}

/// A keystore `keytool` makes holding `roots` (alias, file): `options` name its type (`JKS` as a
/// JDK's cacerts was, `PKCS12`) and anything else keytool is told.
fn keystore(keytool: &str, path: &Path, options: &[&str], roots: &[(&str, &Path)]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    for (alias, file) in roots {
        let output = Command::new(keytool)
            .args(["-importcert", "-noprompt", "-storepass", "changeit"])
            .args(options)
            .args(["-alias", alias, "-file"])
            .arg(file)
            .arg("-keystore")
            .arg(path)
            .output()
            .unwrap();
        assert!(output.status.success(), "keytool: {}", stderr(&output));
    }
}

/// `trust --discover --root ROOT` with HOME /home/admin (under the root) and a variable that
/// must not count (it is this machine's, not the root's).
fn discover(root: &Path, extra: &[&str]) -> (std::process::Output, Value) {
    let root_arg = root.display().to_string();
    let mut args = vec!["trust", "--discover", "--root", &root_arg];
    args.extend_from_slice(extra);
    let output = tlsinspect_with_env(
        &args,
        &[
            ("HOME", Path::new("/home/admin")),
            ("CURL_CA_BUNDLE", &repo().join("testcerts/ca.pem")),
        ],
    );
    let json = if extra.contains(&"json") {
        serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|error| panic!("{error}: {}{}", stdout(&output), stderr(&output)))
    } else {
        Value::Null
    };
    (output, json)
}

fn problems<'a>(report: &'a Value, code: &str) -> Vec<&'a Value> {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|problem| problem["finding"]["code"] == code)
        .collect()
}

#[test]
fn discover_finds_every_store_and_what_breaks_across_them() {
    skip_on_windows!("keytool and a Linux layout under --root");
    let Some(keytool) = peer_program("keytool", "TLSINSPECT_KEYTOOL", "TLSINSPECT_REQUIRE_STACKS")
    else {
        return;
    };
    let Some(certutil) = peer_program(
        "certutil",
        "TLSINSPECT_CERTUTIL",
        "TLSINSPECT_REQUIRE_STACKS",
    ) else {
        return;
    };
    let work = scratch("discover");
    let root = work.join("machine");
    let leaked = repo().join("tests/data/leaked-roots/badssl-ca-superfish.pem");
    let google = repo().join("data/google-roots/gts-root-r1.pem");
    let fiddler = work.join("fiddler.pem");
    openssl_in(
        &work,
        &[
            "req",
            "-x509",
            "-nodes",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-keyout",
            "fiddler.key",
            "-out",
            "fiddler.pem",
            "-days",
            "3650",
            "-subj",
            "/OU=Created by http:\\/\\/www.fiddler2.com/O=DO_NOT_TRUST/CN=DO_NOT_TRUST_FiddlerRoot",
        ],
    );
    let system = root.join("etc/ssl/certs/ca-certificates.crt");
    bundle(&system, &[&google, &leaked, &fiddler]);
    let jdk = root.join("usr/lib/jvm/jdk-test");
    std::fs::create_dir_all(&jdk).unwrap();
    std::fs::write(jdk.join("release"), "JAVA_VERSION=\"21.0.1\"\n").unwrap();
    keystore(
        &keytool,
        &jdk.join("lib/security/cacerts"),
        &["-storetype", "JKS"],
        &[("gtsr1", &google), ("superfish", &leaked)],
    );
    let certifi = root.join("usr/lib/python3.12/site-packages/certifi");
    bundle(&certifi.join("cacert.pem"), &[&google]);
    std::fs::write(
        certifi.join("__init__.py"),
        "__version__ = \"2026.01.01\"\n",
    )
    .unwrap();
    let profile = root.join("home/admin/.mozilla/firefox/x1y2.default-release");
    std::fs::create_dir_all(&profile).unwrap();
    // The profile's NSS database, made by NSS's certutil: the inspection root trusted for TLS
    // (`C,,`), the leaked root present without trust (`,,`).
    let nss = format!("sql:{}", profile.display());
    let certutil_run = |args: &[&str]| {
        let output = Command::new(&certutil).args(args).output().unwrap();
        assert!(
            output.status.success(),
            "certutil {args:?}: {}",
            stderr(&output)
        );
    };
    certutil_run(&["-N", "-d", &nss, "--empty-password"]);
    let (fiddler_arg, leaked_arg) = (fiddler.display().to_string(), leaked.display().to_string());
    certutil_run(&[
        "-A",
        "-d",
        &nss,
        "-n",
        "Fiddler Root",
        "-t",
        "C,,",
        "-i",
        &fiddler_arg,
    ]);
    certutil_run(&[
        "-A",
        "-d",
        &nss,
        "-n",
        "Superfish",
        "-t",
        ",,",
        "-i",
        &leaked_arg,
    ]);
    let database = std::fs::read(profile.join("cert9.db")).unwrap();
    let requests: PathBuf = root.join("srv/requests-bundle.pem");
    bundle(&requests, &[&google, &fiddler]);
    std::fs::write(
        root.join("etc/pip.conf"),
        "[global]\ncert = /srv/requests-bundle.pem\n",
    )
    .unwrap();

    let (output, report) = discover(&root, &["--format", "json"]);
    assert_schema("trust-discover.json", &report);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let names: Vec<&str> = report["stores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|store| store["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "the system store",
            "Java 21.0.1 (jdk-test)",
            "NSS database: Firefox profile default-release",
            "Python 3.12 certifi 2026.01.01",
            &format!("the bundle {}", requests.display()),
        ]
    );
    // The NSS database is read through certutil, and left as it was.
    assert!(
        report["stores"][2]["not_read"].is_null(),
        "{}",
        report["stores"][2]
    );
    assert_eq!(std::fs::read(profile.join("cert9.db")).unwrap(), database);
    assert_eq!(
        report["stores"][4]["used_by"][0],
        format!("pip cert ({})", root.join("etc/pip.conf").display())
    );
    // The matrix: the leaked root in the system store and Java, not in certifi or the bundle.
    let row = |subject: &str| {
        report["matrix"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["subject"].as_str().unwrap().contains(subject))
            .unwrap_or_else(|| panic!("no row {subject}: {}", report["matrix"]))
            .clone()
    };
    let superfish = row("Superfish");
    assert_eq!(
        superfish["presence"],
        serde_json::json!(["trusted", "trusted", "disallowed", "absent", "absent"])
    );
    assert!(
        superfish["why"]
            .as_array()
            .unwrap()
            .iter()
            .any(|why| why == "leaked-key-root")
    );
    assert_eq!(
        row("DO_NOT_TRUST_FiddlerRoot")["presence"],
        serde_json::json!(["trusted", "absent", "trusted", "absent", "trusted"])
    );
    assert!(
        row("GTS Root R1")["why"]
            .as_array()
            .unwrap()
            .iter()
            .any(|why| why == "google-root")
    );
    // What breaks: the inspection root is missing from Java's and certifi's stores (Java and
    // Python programs fail through the proxy), each with the import command of its store.
    let missing = problems(&report, "root-missing-from-store");
    let stores: Vec<u64> = missing
        .iter()
        .map(|p| p["store"].as_u64().unwrap())
        .collect();
    assert_eq!(stores, [2, 4], "{missing:?}");
    let java_fix = missing[0]["remediation"][0].as_str().unwrap();
    assert!(
        java_fix.starts_with("keytool -importcert -noprompt"),
        "{java_fix}"
    );
    assert!(
        java_fix.contains("jdk-test/lib/security/cacerts"),
        "{java_fix}"
    );
    assert!(
        missing[1]["remediation"][0]
            .as_str()
            .unwrap()
            .contains("REQUESTS_CA_BUNDLE")
    );
    // The leaked root, trusted by two stores, is an error in each, with its removal.
    let leaked_in: Vec<&Value> = problems(&report, "leaked-key-root");
    assert_eq!(leaked_in.len(), 2, "{leaked_in:?}");
    let java_removal = leaked_in.iter().find(|p| p["store"] == 2).unwrap()["remediation"][0]
        .as_str()
        .unwrap();
    assert!(
        java_removal.starts_with("keytool -delete -alias 'superfish'"),
        "{java_removal}"
    );
    // Without certutil the database is not judged: said, never passed.
    let no_certutil = tlsinspect_with_env(
        &[
            "trust",
            "--discover",
            "--root",
            &root.display().to_string(),
            "--format",
            "json",
        ],
        &[
            ("HOME", Path::new("/home/admin")),
            ("TLSINSPECT_CERTUTIL", &work.join("no-such-certutil")),
        ],
    );
    let unread: Value = serde_json::from_slice(&no_certutil.stdout).unwrap();
    let nss_store = &unread["stores"][2];
    assert!(
        nss_store["report"]["unreadable"][0]
            .as_str()
            .unwrap()
            .contains("cannot run"),
        "{nss_store}"
    );

    // The clean-up that misses a store: the leaked root leaves the system bundle only.
    let before_file = work.join("before.json");
    std::fs::write(&before_file, &output.stdout).unwrap();
    bundle(&system, &[&google, &fiddler]);
    let (output, after) = discover(&root, &["--format", "json"]);
    let after_file = work.join("after.json");
    std::fs::write(&after_file, &output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1));
    let still = problems(&after, "removed-root-still-trusted");
    assert_eq!(still.len(), 1, "{still:?}");
    assert_eq!(still[0]["store"], 2);
    let message = still[0]["finding"]["message"].as_str().unwrap();
    assert!(
        message.contains("is gone from [1] the system store"),
        "{message}"
    );
    assert!(
        message.contains("still trusted by [2] Java 21.0.1 (jdk-test)"),
        "{message}"
    );
    assert!(
        still[0]["remediation"][0]
            .as_str()
            .unwrap()
            .starts_with("keytool -delete")
    );

    // `trust diff` of the two runs: the root left the system store, which resolves problems
    // and adds none (exit 0); the other way round — the root planted in the system store — adds
    // them (exit 1).
    let (before_arg, after_arg) = (
        before_file.display().to_string(),
        after_file.display().to_string(),
    );
    let compared = tlsinspect(&["trust", "diff", &before_arg, &after_arg, "--format", "json"]);
    assert_eq!(compared.status.code(), Some(0), "{}", stderr(&compared));
    let report: Value = serde_json::from_slice(&compared.stdout).unwrap();
    assert_schema("trust-diff.json", &report);
    assert_eq!(report["stores"][0]["status"], "both");
    let removed = &report["stores"][0]["removed"];
    assert_eq!(removed.as_array().unwrap().len(), 1, "{removed}");
    assert!(
        removed[0]["subject"]
            .as_str()
            .unwrap()
            .contains("Superfish")
    );
    assert!(
        removed[0]["before"]
            .as_array()
            .unwrap()
            .iter()
            .any(|code| code == "leaked-key-root")
    );
    assert_eq!(report["new_problems"], serde_json::json!([]));
    let resolved: Vec<&str> = report["resolved_problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|problem| problem["code"].as_str().unwrap())
        .collect();
    assert!(resolved.contains(&"leaked-key-root"), "{resolved:?}");
    let planted = tlsinspect(&["trust", "diff", &after_arg, &before_arg]);
    assert_eq!(planted.status.code(), Some(1), "{}", stdout(&planted));
    let text = stdout(&planted);
    assert!(text.contains("New problems (2)"), "{text}");
    assert!(
        text.contains("leaked-key-root [the system store]"),
        "{text}"
    );
    assert!(text.contains("+ O=Superfish, Inc."), "{text}");
    refused(
        &["trust", "diff", &before_arg, "/nonexistent.json"],
        "nonexistent",
    );
    let garbage = work.join("garbage.json");
    std::fs::write(&garbage, "{\"command\": \"check\"}").unwrap();
    refused(
        &["trust", "diff", &before_arg, &garbage.display().to_string()],
        "is not a `trust` or `trust --discover` JSON output",
    );

    // Text puts the problems first, then the matrix; JSON Lines and HTML carry the same.
    let (text, _) = discover(&root, &[]);
    let text = stdout(&text);
    let problems_at = text.find("Problems (").unwrap();
    let matrix_at = text.find("Roots that matter").unwrap();
    assert!(problems_at < matrix_at, "{text}");
    assert!(
        text.contains("fix: keytool -delete -alias 'superfish'"),
        "{text}"
    );
    let (jsonl, _) = discover(&root, &["--format", "jsonl"]);
    let lines = assert_schema_lines("trust-discover.jsonl.json", &jsonl);
    assert_eq!(lines.last().unwrap()["type"], "summary");
    assert_eq!(
        lines.iter().filter(|line| line["type"] == "store").count(),
        5
    );
    let (html, _) = discover(&root, &["--format", "html"]);
    let html = stdout(&html);
    assert!(html.contains("<table class=\"matrix\">"), "{html}");
    assert!(html.contains("data-code=\"removed-root-still-trusted\""));
    let _ = std::fs::remove_dir_all(work);
}

#[test]
fn discover_refuses_what_it_cannot_write_and_needs_its_own_flag_for_its_options() {
    refused(
        &["trust", "--discover", "--format", "prometheus"],
        "--discover writes text, json, jsonl or html",
    );
    let output = tlsinspect(&["trust", "--venv", "/tmp"]);
    assert_eq!(output.status.code(), Some(2));
    let output = tlsinspect(&["trust", "--discover", "--store", "system"]);
    assert_eq!(output.status.code(), Some(2));
}

/// The real things of a Debian machine: the keystore `ca-certificates-java` writes, read as the
/// JDK reads it, and Debian's `python3-certifi`, patched to answer with the system bundle, seen
/// as a user of the system store; a bundle named by `REQUESTS_CA_BUNDLE` is a store of its own.
/// `.ci/run` installs both packages; under `CI=true` a missing one fails.
#[test]
fn debian_s_java_keystore_and_certifi_and_a_variable_s_bundle_are_read_as_their_programs_read_them()
{
    skip_on_windows!("Debian's ca-certificates-java and python3-certifi");
    let cacerts = Path::new("/etc/ssl/certs/java/cacerts");
    let certifi = Path::new("/usr/lib/python3/dist-packages/certifi/core.py");
    if !cacerts.is_file() || !certifi.is_file() {
        missing_peer(
            "ca-certificates-java and python3-certifi",
            "TLSINSPECT_REQUIRE_STACKS",
        );
        return;
    }
    let output = tlsinspect(&[
        "trust",
        "--store",
        "/etc/ssl/certs/java/cacerts",
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["sources"][0]["kind"], "Java keystore");
    assert!(
        report["sources"][0]["certificates"].as_u64().unwrap() > 100,
        "{}",
        report["sources"]
    );
    assert_eq!(
        report["unreadable"],
        serde_json::json!([]),
        "the digest matches changeit"
    );
    assert!(
        report["roots"][0]["locations"][0]
            .as_str()
            .unwrap()
            .starts_with("/etc/ssl/certs/java/cacerts#debian:")
    );
    let work = scratch("discover-debian");
    let named = work.join("corporate.pem");
    std::fs::copy(repo().join("testcerts/ca.pem"), &named).unwrap();
    let output = tlsinspect_with_env(
        &["trust", "--discover", "--format", "json"],
        &[("HOME", &work), ("REQUESTS_CA_BUNDLE", &named)],
    );
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", stderr(&output)));
    assert_schema("trust-discover.json", &report);
    let stores = report["stores"].as_array().unwrap();
    let users = |store: &Value| store["used_by"].to_string();
    assert!(
        users(&stores[0]).contains("certifi"),
        "{}",
        users(&stores[0])
    );
    assert!(users(&stores[0]).contains("patched to use it"));
    assert!(
        stores
            .iter()
            .any(|store| store["kind"] == "java"
                && store["location"] == "/etc/ssl/certs/java/cacerts")
    );
    let bundle = stores
        .iter()
        .find(|store| store["kind"] == "bundle")
        .unwrap_or_else(|| panic!("no bundle store: {stores:?}"));
    assert_eq!(bundle["used_by"][0], "Python requests (REQUESTS_CA_BUNDLE)");
    assert_eq!(bundle["report"]["summary"]["roots"], 1);
    let _ = std::fs::remove_dir_all(work);
}

/// PKCS#12 keystores as `keytool` writes them: without a password (the JDK's own cacerts since
/// JDK 18) each trusted-certificate bag is read with its alias; with one (keytool's default for
/// a keystore of its own) the encrypted certificates are said, never guessed.
#[test]
fn pkcs12_keystores_are_read_as_the_jdk_writes_them() {
    skip_on_windows!("keytool");
    let Some(keytool) = peer_program("keytool", "TLSINSPECT_KEYTOOL", "TLSINSPECT_REQUIRE_STACKS")
    else {
        return;
    };
    let work = scratch("discover-pkcs12");
    let google = repo().join("data/google-roots/gts-root-r1.pem");
    let make = |name: &str, plain: bool| {
        let path = work.join(name);
        let mut options = vec!["-storetype", "PKCS12"];
        if plain {
            options.extend([
                "-J-Dkeystore.pkcs12.certProtectionAlgorithm=NONE",
                "-J-Dkeystore.pkcs12.macAlgorithm=NONE",
            ]);
        }
        keystore(&keytool, &path, &options, &[("gts root r1", &google)]);
        path.display().to_string()
    };
    let plain = make("plain.p12", true);
    let output = tlsinspect(&["trust", "--store", &plain, "--format", "json"]);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["sources"][0]["kind"], "Java keystore");
    assert_eq!(
        report["roots"][0]["locations"][0],
        format!("{plain}#gts root r1")
    );
    assert_eq!(report["unreadable"], serde_json::json!([]));
    let encrypted = make("encrypted.p12", false);
    let output = tlsinspect(&["trust", "--store", &encrypted, "--format", "json"]);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["sources"][0]["certificates"], 0);
    let unreadable = report["unreadable"][0].as_str().unwrap();
    assert!(
        unreadable.contains("1 block encrypted under the store password, not read"),
        "{unreadable}"
    );
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|finding| finding["code"] == "malformed-certificate")
    );
    let _ = std::fs::remove_dir_all(work);
}
