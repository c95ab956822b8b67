//! `schemas/`: the checked-in JSON Schemas are the ones the code generates (a change to an output
//! without its schema fails here), and real outputs of every command validate against them
//! (here, and in the helpers every other test parses JSON through: `parse_report`,
//! `assert_schema_lines`, the `logs`, `trust` and `audit-proxy` helpers).

use std::collections::BTreeSet;

use crate::support::*;

#[test]
fn checked_in_schemas_are_the_generated_ones() {
    let dir = repo().join("schemas");
    let bless = std::env::var_os("TLSINSPECT_BLESS").is_some();
    let mut stale = Vec::new();
    for file in tlsinspect::render::schemas() {
        let path = dir.join(file.name);
        if bless {
            let text = serde_json::to_string_pretty(&file.schema).unwrap() + "\n";
            std::fs::write(&path, text).unwrap();
            continue;
        }
        let on_disk: serde_json::Value = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default();
        if on_disk != file.schema {
            stale.push(file.name);
        }
        // Each is a valid draft 2020-12 schema.
        jsonschema::validator_for(&file.schema).unwrap();
    }
    assert!(
        stale.is_empty(),
        "the output changed but not schemas/{stale:?}: review the change, bump the \
         schema_version when a field is renamed or removed, and regenerate with \
         `TLSINSPECT_BLESS=1 cargo test --test it schemas`"
    );
    // No schema is left over from an output that no longer exists.
    let generated: BTreeSet<String> = tlsinspect::render::schemas()
        .iter()
        .map(|file| file.name.to_owned())
        .chain(["ecs.json".to_owned()])
        .collect();
    let present: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json"))
        .collect();
    assert_eq!(present, generated);
}

#[test]
fn a_field_the_schema_does_not_name_is_refused() {
    let output = tlsinspect(&[
        "inspect",
        testcerts().join("valid/leaf.pem").to_str().unwrap(),
        "--format",
        "json",
        "--at",
        TEST_NOW,
    ]);
    let mut value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_schema("check.json", &value);
    value["endpoints"][0]["certificates"][0]["surprise"] = serde_json::json!(1);
    let refused = std::panic::catch_unwind(|| assert_schema("check.json", &value));
    assert!(
        refused.is_err(),
        "an unknown field inside a certificate was accepted"
    );
    let mut value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    value["schema_version"] = serde_json::json!(1);
    let refused = std::panic::catch_unwind(|| assert_schema("check.json", &value));
    assert!(refused.is_err(), "another schema_version was accepted");
}

#[test]
fn logs_and_trust_jsonl_lines_match_their_schemas() {
    let log = repo().join("tests/data/logs/article-trace.log");
    let output = tlsinspect(&["logs", log.to_str().unwrap(), "--format", "jsonl"]);
    let lines = assert_schema_lines("logs.jsonl.json", &output);
    let kinds: BTreeSet<&str> = lines.iter().filter_map(|l| l["type"].as_str()).collect();
    assert!(
        kinds.contains("problem") && kinds.contains("summary"),
        "{kinds:?}"
    );
    let store = testcerts().join("ca.pem");
    let output = tlsinspect(&[
        "trust",
        "--store",
        store.to_str().unwrap(),
        "--at",
        TEST_NOW,
        "--format",
        "jsonl",
    ]);
    let lines = assert_schema_lines("trust.jsonl.json", &output);
    assert_eq!(lines.last().unwrap()["type"], "summary");
    assert!(lines.iter().any(|line| line["type"] == "root"));
}

#[test]
fn demo_lines_and_decode_match_their_schemas() {
    let output = tlsinspect(&["demo", "--format", "jsonl"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let lines = assert_schema_lines("demo.jsonl.json", &output);
    assert_eq!(lines.iter().filter(|l| l["type"] == "scenario").count(), 22);
    assert_eq!(lines.iter().filter(|l| l["type"] == "audit").count(), 4);
    assert!(lines.iter().all(|line| line["matched"] == true));
    let output = tlsinspect(&[
        "decode",
        "--format",
        "json",
        "0x80072f8f",
        "Status: 0x00010000",
    ]);
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_schema("decode.json", &value);
    assert_eq!(value.as_array().unwrap().len(), 2);
}
