//! The ECS events are checked against the ECS 8.11 field reference itself (`data/ecs/ecs_flat.yml`,
//! elastic/ecs at v8.11.0): every field written outside `tlsinspect.*` exists there, with a
//! value of its type — a date is RFC 3339, an ip parses, a number is a number — and an array
//! only where ECS normalises the field to one. The events are `demo`'s: every scenario, an
//! interception and a wrong clock among them.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde_json::Value;

use crate::support::*;

/// A field of the reference: its type and whether ECS expects an array.
struct Field {
    kind: String,
    array: bool,
}

/// The fields of `ecs_flat.yml`: each top-level key, its `type:` and its `normalize:` list
/// (read line by line: the file is generated, one field per unindented key).
fn reference() -> BTreeMap<String, Field> {
    let text = std::fs::read_to_string(repo().join("data/ecs/ecs_flat.yml")).unwrap();
    let mut fields = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut in_normalize = false;
    for line in text.lines() {
        if !line.starts_with(' ') && line.ends_with(':') {
            let name = line.trim_end_matches(':').trim_matches('\'').to_owned();
            fields.insert(
                name.clone(),
                Field {
                    kind: String::new(),
                    array: false,
                },
            );
            current = Some(name);
            in_normalize = false;
            continue;
        }
        let Some(field) = current.as_ref().and_then(|name| fields.get_mut(name)) else {
            continue;
        };
        if let Some(kind) = line.strip_prefix("  type: ") {
            field.kind = kind.trim().to_owned();
        }
        if line.starts_with("  normalize:") {
            in_normalize = true;
            field.array |= line.contains("array");
        } else if line.starts_with("  ") && !line.starts_with("  -") && !line.starts_with("   ") {
            in_normalize = false;
        } else if in_normalize && line.trim() == "- array" {
            field.array = true;
        }
    }
    assert!(
        fields.len() > 1500,
        "ecs_flat.yml read: {} fields",
        fields.len()
    );
    fields
}

/// Every leaf of an event, by dotted name (objects are walked; arrays are leaves).
fn leaves(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                let name = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                leaves(&name, value, out);
            }
        }
        _ => out.push((prefix.to_owned(), value.clone())),
    }
}

/// Why `value` is not a value of ECS type `kind`, if it is not.
fn wrong_type(kind: &str, value: &Value) -> Option<String> {
    let ok = match kind {
        "keyword" | "constant_keyword" | "wildcard" | "text" | "match_only_text" => {
            value.is_string()
        }
        "date" => value.as_str().is_some_and(|text| {
            time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                .is_ok()
        }),
        "ip" => value
            .as_str()
            .is_some_and(|text| text.parse::<IpAddr>().is_ok()),
        "long" | "integer" | "short" | "byte" | "unsigned_long" => value.is_i64() || value.is_u64(),
        "float" | "double" | "scaled_float" => value.is_number(),
        "boolean" => value.is_boolean(),
        "object" | "flattened" | "nested" => value.is_object() || value.is_array(),
        other => return Some(format!("type {other} is not checked here")),
    };
    (!ok).then(|| format!("{value} is not a {kind}"))
}

#[test]
fn every_ecs_field_written_is_in_the_ecs_reference_with_its_type() {
    let reference = reference();
    // The reader reads what the reference says.
    assert_eq!(reference["tls.server.x509.not_after"].kind, "date");
    assert!(reference["tls.server.x509.alternative_names"].array);
    assert!(!reference["destination.ip"].array);
    assert!(wrong_type("ip", &Value::from("not an address")).is_some());
    assert!(wrong_type("long", &Value::from("1")).is_some());
    let output = tlsinspect(&["demo", "--format", "ecs"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let mut problems = Vec::new();
    let mut checked = 0;
    let mut seen = std::collections::BTreeSet::new();
    for line in stdout(&output).lines() {
        let event: Value = serde_json::from_str(line).unwrap();
        let mut fields = Vec::new();
        leaves("", &event, &mut fields);
        for (name, value) in fields {
            if name.starts_with("tlsinspect.") || value.is_null() {
                continue;
            }
            checked += 1;
            seen.insert(name.clone());
            let Some(field) = reference.get(&name) else {
                problems.push(format!("{name}: not an ECS 8.11 field"));
                continue;
            };
            let values = match &value {
                Value::Array(items) if field.array => items.clone(),
                Value::Array(_) => {
                    problems.push(format!(
                        "{name}: an array, but ECS does not normalise it to one"
                    ));
                    continue;
                }
                _ => vec![value.clone()],
            };
            for item in values {
                if let Some(why) = wrong_type(&field.kind, &item) {
                    problems.push(format!("{name}: {why}"));
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} ECS fields checked");
    for expected in [
        "@timestamp",
        "ecs.version",
        "url.full",
        "tls.server.x509.not_after",
        "event.outcome",
    ] {
        assert!(seen.contains(expected), "{expected} not written: {seen:?}");
    }
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
