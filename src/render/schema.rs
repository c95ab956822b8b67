//! JSON Schemas (draft 2020-12) of every JSON output, generated from the types that serialise
//! them (schemars, in its serialize contract) and checked in under `schemas/`: a test fails when
//! the output changes and the checked-in schema does not. Every object is closed
//! (`unevaluatedProperties: false`), so a field added, renamed or removed is a schema change;
//! `schema_version` is pinned per file. The ECS event schema is written by hand
//! (`schemas/ecs.json`): ECS events are built field by field, not from one type.

use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::{JsonSchema, Schema};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::audit::AuditSummaryLine;
use super::demo::{AuditLine, ScenarioLine};
use super::discovery::StoreLine;
use super::json::{Line, Numbered};
use super::logs::ProblemLine;
use super::trust::RootLine;
use crate::audit::{AUDIT_SCHEMA_VERSION, AuditReport, CaseResult};
use crate::detect::Amendment;
use crate::logs::{HostReport, LOGS_SCHEMA_VERSION, LogReport, LogSummary};
use crate::report::Report;
use crate::report::{SCHEMA_VERSION, Summary};
use crate::trust::{
    DIFF_SCHEMA_VERSION, DISCOVERY_SCHEMA_VERSION, DiffReport, DiscoveryReport, DiscoverySummary,
    MatrixRow, Problem, TRUST_SCHEMA_VERSION, TrustReport, TrustSummary,
};
use crate::wincodes::Decoded;

/// One schema file: its name under `schemas/` and its content.
#[derive(Debug, Clone)]
pub struct SchemaFile {
    /// `check.json`, `check.jsonl.json`, …
    pub name: &'static str,
    /// The schema.
    pub schema: Value,
}

/// Every generated schema: one per JSON document and one per JSON Lines stream (each line
/// matches one of the stream's kinds).
pub fn schemas() -> Vec<SchemaFile> {
    vec![
        document::<Report>(
            "check.json",
            "check and inspect --format json",
            SCHEMA_VERSION,
        ),
        lines(
            "check.jsonl.json",
            "check and inspect --format jsonl (one line each)",
            SCHEMA_VERSION,
            vec![
                kind::<Numbered<'static>>("endpoint"),
                kind::<Amendment>("amendment"),
                kind::<Summary>("summary"),
            ],
        ),
        document::<LogReport>("logs.json", "logs --format json", LOGS_SCHEMA_VERSION),
        lines(
            "logs.jsonl.json",
            "logs --format jsonl (one line each)",
            LOGS_SCHEMA_VERSION,
            vec![
                kind::<ProblemLine<'static>>("problem"),
                kind::<HostReport>("host"),
                kind::<LogSummary>("summary"),
            ],
        ),
        document::<TrustReport>("trust.json", "trust --format json", TRUST_SCHEMA_VERSION),
        lines(
            "trust.jsonl.json",
            "trust --format jsonl (one line each)",
            TRUST_SCHEMA_VERSION,
            vec![
                kind::<RootLine<'static>>("root"),
                kind::<TrustSummary>("summary"),
            ],
        ),
        document::<DiscoveryReport>(
            "trust-discover.json",
            "trust --discover --format json",
            DISCOVERY_SCHEMA_VERSION,
        ),
        lines(
            "trust-discover.jsonl.json",
            "trust --discover --format jsonl (one line each)",
            DISCOVERY_SCHEMA_VERSION,
            vec![
                kind::<StoreLine<'static>>("store"),
                kind::<MatrixRow>("root"),
                kind::<Problem>("problem"),
                kind::<DiscoverySummary>("summary"),
            ],
        ),
        document::<DiffReport>(
            "trust-diff.json",
            "trust diff --format json",
            DIFF_SCHEMA_VERSION,
        ),
        document::<AuditReport>(
            "audit-proxy.json",
            "audit-proxy --format json",
            AUDIT_SCHEMA_VERSION,
        ),
        lines(
            "demo.jsonl.json",
            "demo --format json and jsonl (one line each)",
            SCHEMA_VERSION,
            vec![
                kind::<ScenarioLine<'static>>("scenario"),
                kind::<AuditLine<'static>>("audit"),
            ],
        ),
        // A list, as before schema_version existed: the version is in the file's $id only.
        document::<Vec<Decoded>>("decode.json", "decode --format json", 1),
        lines(
            "audit-proxy.jsonl.json",
            "audit-proxy --format jsonl (one line each)",
            AUDIT_SCHEMA_VERSION,
            vec![
                kind::<CaseResult>("case"),
                kind::<AuditSummaryLine<'static>>("summary"),
            ],
        ),
    ]
}

fn generator() -> SchemaGenerator {
    SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
}

/// The schema of a document type, its `schema_version` pinned.
fn document<T: JsonSchema>(name: &'static str, title: &str, version: u32) -> SchemaFile {
    let mut schema = generator().into_root_schema_for::<T>().to_value();
    pin(&mut schema, None, version);
    finish(name, title, version, schema)
}

/// A line kind: its `type` and how to describe its body.
struct Kind {
    name: &'static str,
    describe: fn(&mut SchemaGenerator) -> Schema,
}

fn kind<T: Serialize + JsonSchema + 'static>(name: &'static str) -> Kind {
    Kind {
        name,
        describe: |generator| generator.root_schema_for::<Line<'static, T>>(),
    }
}

/// A JSON Lines stream: each line is one of `kinds`.
fn lines(name: &'static str, title: &str, version: u32, kinds: Vec<Kind>) -> SchemaFile {
    let mut generator = generator();
    let mut definitions = Map::new();
    let mut one_of = Vec::new();
    for kind in kinds {
        let mut line = (kind.describe)(&mut generator).to_value();
        pin(&mut line, Some(kind.name), version);
        if let Some(Value::Object(found)) = line.as_object_mut().and_then(|l| l.remove("$defs")) {
            definitions.extend(found);
        }
        if let Some(line) = line.as_object_mut() {
            line.remove("$schema");
            line.insert("title".into(), json!(format!("a {} line", kind.name)));
        }
        let reference = format!("{}_line", kind.name);
        one_of.push(json!({ "$ref": format!("#/$defs/{reference}") }));
        definitions.insert(reference, line);
    }
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "oneOf": one_of,
        "$defs": definitions,
    });
    finish(name, title, version, schema)
}

/// Pins `schema_version` (and a line's `type`) to their one value.
fn pin(schema: &mut Value, kind: Option<&str>, version: u32) {
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    properties.insert(
        "schema_version".into(),
        json!({ "type": "integer", "const": version }),
    );
    if let Some(kind) = kind {
        properties.insert("type".into(), json!({ "type": "string", "const": kind }));
    }
}

/// Names the schema and closes every object.
fn finish(name: &'static str, title: &str, version: u32, mut schema: Value) -> SchemaFile {
    let mut merged = Vec::new();
    merge_targets(&schema, &mut merged);
    close(&mut schema, true, &merged);
    if let Some(root) = schema.as_object_mut() {
        root.insert(
            "$id".into(),
            json!(format!(
                "urn:tlsinspect:schema:{}:v{version}",
                name.trim_end_matches(".json")
            )),
        );
        root.insert("title".into(), json!(format!("tlsinspect {title}")));
    }
    SchemaFile { name, schema }
}

/// The definitions a schema extends in place (`{"$ref": …, "properties": …}`, an internally
/// tagged newtype variant): closing them would refuse the properties added beside them, so the
/// schema that uses them closes the whole instead.
fn merge_targets(schema: &Value, found: &mut Vec<String>) {
    match schema {
        Value::Object(object) => {
            if object.contains_key("properties")
                && let Some(Value::String(target)) = object.get("$ref")
                && let Some(name) = target.strip_prefix("#/$defs/")
            {
                found.push(name.to_owned());
            }
            object
                .values()
                .for_each(|value| merge_targets(value, found));
        }
        Value::Array(items) => items.iter().for_each(|item| merge_targets(item, found)),
        _ => {}
    }
}

/// Adds `unevaluatedProperties: false` to every schema that describes a whole value (the root,
/// definitions, properties, items, map values) — not to the branches of a `oneOf` / `anyOf` /
/// `allOf` nor to definitions other schemas extend (`merged`): the enclosing schema sees their
/// properties as evaluated and closes them.
fn close(schema: &mut Value, whole: bool, merged: &[String]) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    let describes_object = object.contains_key("properties")
        || ["oneOf", "anyOf", "allOf"]
            .iter()
            .any(|key| object.contains_key(*key))
            && object.get("type").is_none_or(|kind| kind == "object");
    if whole && describes_object && !object.contains_key("additionalProperties") {
        object.insert("unevaluatedProperties".into(), Value::Bool(false));
    }
    for (key, value) in object.iter_mut() {
        match key.as_str() {
            "$defs" => {
                if let Some(definitions) = value.as_object_mut() {
                    for (name, definition) in definitions.iter_mut() {
                        close(definition, !merged.contains(name), merged);
                    }
                }
            }
            "properties" | "patternProperties" => {
                if let Some(members) = value.as_object_mut() {
                    members
                        .values_mut()
                        .for_each(|member| close(member, true, merged));
                }
            }
            "items" | "additionalProperties" | "prefixItems" => match value {
                Value::Array(items) => items.iter_mut().for_each(|item| close(item, true, merged)),
                other => close(other, true, merged),
            },
            "oneOf" | "anyOf" | "allOf" => {
                if let Some(branches) = value.as_array_mut() {
                    branches
                        .iter_mut()
                        .for_each(|branch| close(branch, false, merged));
                }
            }
            _ => {}
        }
    }
}
