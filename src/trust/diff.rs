//! `trust diff BEFORE AFTER`: two `trust` or `trust --discover` JSON outputs (two machines, or one
//! machine before and after a change) compared store by store: the roots added, removed and
//! whose findings changed, and the problems (error and warning findings, and the findings
//! across stores) that AFTER adds or resolves. Stores are matched by location, then by name; a
//! root is its key (SPKI SHA-256), as everywhere in `trust`. Only the fields compared are
//! read, so outputs of older and newer versions of the same schemas compare.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::finding::Severity;

/// The version of the `trust diff` JSON.
pub const DIFF_SCHEMA_VERSION: u32 = 1;

/// Why a file cannot be compared.
#[derive(Debug, thiserror::Error)]
#[error("{name} is not a `trust` or `trust --discover` JSON output: {reason}")]
pub struct DiffInputError {
    /// The file.
    pub name: String,
    /// Why.
    pub reason: String,
}

#[derive(Debug, Deserialize)]
struct Output {
    command: String,
    #[serde(default)]
    roots: Vec<RootIn>,
    #[serde(default)]
    findings: Vec<FindingIn>,
    #[serde(default)]
    sources: Vec<SourceIn>,
    #[serde(default)]
    stores: Vec<StoreIn>,
    #[serde(default)]
    problems: Vec<ProblemIn>,
}

#[derive(Debug, Deserialize)]
struct SourceIn {
    location: String,
}

#[derive(Debug, Deserialize)]
struct StoreIn {
    number: usize,
    name: String,
    location: String,
    report: Option<TrustIn>,
}

#[derive(Debug, Deserialize)]
struct TrustIn {
    #[serde(default)]
    roots: Vec<RootIn>,
    #[serde(default)]
    findings: Vec<FindingIn>,
}

#[derive(Debug, Deserialize)]
struct RootIn {
    index: usize,
    certificate: CertIn,
}

#[derive(Debug, Deserialize)]
struct CertIn {
    subject: String,
    spki_sha256: String,
}

#[derive(Debug, Deserialize)]
struct FindingIn {
    code: String,
    severity: Severity,
    message: String,
    cert_index: Option<usize>,
    #[serde(default)]
    evidence: serde_json::Value,
}

#[derive(Debug, Deserialize)]
struct ProblemIn {
    store: usize,
    finding: FindingIn,
}

/// One store as compared.
#[derive(Debug, Default)]
struct Snapshot {
    name: String,
    location: String,
    /// Key -> subject and the codes of its findings.
    roots: BTreeMap<String, (String, BTreeSet<String>)>,
    /// (code, key) -> the finding.
    problems: BTreeMap<(String, String), ProblemOut>,
}

/// A root that changed.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RootChange {
    /// Its subject.
    pub subject: String,
    /// Its SPKI SHA-256.
    pub spki_sha256: String,
    /// The codes of its findings before (none when added).
    pub before: Vec<String>,
    /// The codes after (none when removed).
    pub after: Vec<String>,
}

/// A store compared.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct StoreDiff {
    /// Its name.
    pub name: String,
    /// Where it is.
    pub location: String,
    /// `both`, `added` (only in AFTER) or `removed` (only in BEFORE).
    pub status: &'static str,
    /// Roots only in AFTER.
    pub added: Vec<RootChange>,
    /// Roots only in BEFORE.
    pub removed: Vec<RootChange>,
    /// Roots in both whose findings differ.
    pub changed: Vec<RootChange>,
}

/// A problem added or resolved.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ProblemOut {
    /// The store's name.
    pub store: String,
    /// The finding code.
    pub code: String,
    /// Its severity.
    pub severity: Severity,
    /// The root's key, when the finding is about one.
    pub spki_sha256: String,
    /// The finding's message.
    pub message: String,
}

/// Totals.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DiffSummary {
    /// Roots added across stores.
    pub added: usize,
    /// Roots removed.
    pub removed: usize,
    /// Roots changed.
    pub changed: usize,
    /// Problems AFTER adds.
    pub new_problems: usize,
    /// Problems AFTER resolves.
    pub resolved_problems: usize,
    /// In one line.
    pub line: String,
}

/// The result of `trust diff`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DiffReport {
    /// [`DIFF_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// `trust diff`.
    pub command: &'static str,
    /// The first file.
    pub before: String,
    /// The second file.
    pub after: String,
    /// Per store.
    pub stores: Vec<StoreDiff>,
    /// Problems AFTER adds, worst first.
    pub new_problems: Vec<ProblemOut>,
    /// Problems AFTER no longer has.
    pub resolved_problems: Vec<ProblemOut>,
    /// Totals.
    pub summary: DiffSummary,
}

impl DiffReport {
    /// The highest severity of a new problem.
    pub fn worst_new(&self) -> Option<Severity> {
        self.new_problems
            .iter()
            .map(|problem| problem.severity)
            .max()
    }
}

/// Compares two outputs (their names, for the report, and their bytes).
pub fn diff(
    (before_name, before): (&str, &[u8]),
    (after_name, after): (&str, &[u8]),
) -> Result<DiffReport, DiffInputError> {
    let before_stores = snapshots(before_name, before)?;
    let after_stores = snapshots(after_name, after)?;
    let mut stores = Vec::new();
    let mut new_problems = Vec::new();
    let mut resolved_problems = Vec::new();
    let mut matched = vec![false; after_stores.len()];
    for old in &before_stores {
        let partner = after_stores
            .iter()
            .position(|new| new.location == old.location)
            .or_else(|| after_stores.iter().position(|new| new.name == old.name))
            .filter(|index| !matched[*index]);
        let empty = Snapshot::default();
        let new = match partner {
            Some(index) => {
                matched[index] = true;
                &after_stores[index]
            }
            None => &empty,
        };
        stores.push(compare(
            old,
            new,
            if partner.is_some() { "both" } else { "removed" },
        ));
        new_problems.extend(
            new.problems
                .iter()
                .filter(|(key, _)| !old.problems.contains_key(*key))
                .map(|(_, problem)| problem.clone()),
        );
        resolved_problems.extend(
            old.problems
                .iter()
                .filter(|(key, _)| !new.problems.contains_key(*key))
                .map(|(_, problem)| problem.clone()),
        );
    }
    for (new, _) in after_stores
        .iter()
        .zip(&matched)
        .filter(|(_, seen)| !**seen)
    {
        stores.push(compare(&Snapshot::default(), new, "added"));
        new_problems.extend(new.problems.values().cloned());
    }
    new_problems.sort_by_key(|problem| std::cmp::Reverse(problem.severity));
    let count = |pick: fn(&StoreDiff) -> usize| stores.iter().map(pick).sum::<usize>();
    let (added, removed, changed) = (
        count(|store| store.added.len()),
        count(|store| store.removed.len()),
        count(|store| store.changed.len()),
    );
    let line = format!(
        "{} stores compared: {added} roots added, {removed} removed, {changed} changed; {} new \
         problems, {} resolved",
        stores.len(),
        new_problems.len(),
        resolved_problems.len()
    );
    Ok(DiffReport {
        schema_version: DIFF_SCHEMA_VERSION,
        command: "trust diff",
        before: before_name.to_owned(),
        after: after_name.to_owned(),
        summary: DiffSummary {
            added,
            removed,
            changed,
            new_problems: new_problems.len(),
            resolved_problems: resolved_problems.len(),
            line,
        },
        stores,
        new_problems,
        resolved_problems,
    })
}

fn compare(old: &Snapshot, new: &Snapshot, status: &'static str) -> StoreDiff {
    let change =
        |key: &str, before: Option<&BTreeSet<String>>, after: Option<&BTreeSet<String>>| {
            let subject = new
                .roots
                .get(key)
                .or_else(|| old.roots.get(key))
                .map(|(subject, _)| subject.clone())
                .unwrap_or_default();
            RootChange {
                subject,
                spki_sha256: key.to_owned(),
                before: before
                    .map(|codes| codes.iter().cloned().collect())
                    .unwrap_or_default(),
                after: after
                    .map(|codes| codes.iter().cloned().collect())
                    .unwrap_or_default(),
            }
        };
    let mut diff = StoreDiff {
        name: if new.name.is_empty() {
            old.name.clone()
        } else {
            new.name.clone()
        },
        location: if new.location.is_empty() {
            old.location.clone()
        } else {
            new.location.clone()
        },
        status,
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
    };
    for (key, (_, codes)) in &new.roots {
        match old.roots.get(key) {
            None => diff.added.push(change(key, None, Some(codes))),
            Some((_, before)) if before != codes => {
                diff.changed.push(change(key, Some(before), Some(codes)));
            }
            Some(_) => {}
        }
    }
    for (key, (_, codes)) in &old.roots {
        if !new.roots.contains_key(key) {
            diff.removed.push(change(key, Some(codes), None));
        }
    }
    diff
}

/// The stores of one output.
fn snapshots(name: &str, bytes: &[u8]) -> Result<Vec<Snapshot>, DiffInputError> {
    let error = |reason: String| DiffInputError {
        name: name.to_owned(),
        reason,
    };
    let output: Output = serde_json::from_slice(crate::input::without_bom(bytes))
        .map_err(|source| error(source.to_string()))?;
    match output.command.as_str() {
        "trust" => {
            // The first source names the store (the system store's bundle, as `--discover`
            // names it).
            let location = output
                .sources
                .first()
                .map(|source| source.location.clone())
                .unwrap_or_default();
            Ok(vec![snapshot(
                "the store".to_owned(),
                location,
                &output.roots,
                &output.findings,
                true,
            )])
        }
        "trust --discover" => {
            let mut stores: Vec<Snapshot> = output
                .stores
                .iter()
                .map(|store| match &store.report {
                    // Its problems are the report's `problems` (judged across stores: Google's
                    // roots matter in the system store only), read below.
                    Some(report) => snapshot(
                        store.name.clone(),
                        store.location.clone(),
                        &report.roots,
                        &report.findings,
                        false,
                    ),
                    None => Snapshot {
                        name: store.name.clone(),
                        location: store.location.clone(),
                        ..Snapshot::default()
                    },
                })
                .collect();
            // The findings across stores belong to the store they name.
            for problem in &output.problems {
                let Some(position) = output
                    .stores
                    .iter()
                    .position(|store| store.number == problem.store)
                else {
                    continue;
                };
                let store = &mut stores[position];
                let out = problem_out(
                    &store.name,
                    &problem.finding,
                    evidence_key(&problem.finding),
                );
                if is_problem(&problem.finding) {
                    store
                        .problems
                        .insert((problem.finding.code.clone(), out.spki_sha256.clone()), out);
                }
            }
            Ok(stores)
        }
        other => Err(error(format!("its command is {other:?}"))),
    }
}

/// A store's roots with the codes of their findings, and (`problems`) its error and warning
/// findings as problems.
fn snapshot(
    name: String,
    location: String,
    roots: &[RootIn],
    findings: &[FindingIn],
    problems: bool,
) -> Snapshot {
    let mut snapshot = Snapshot {
        name,
        location,
        ..Snapshot::default()
    };
    let by_index: BTreeMap<usize, &RootIn> = roots.iter().map(|root| (root.index, root)).collect();
    for root in roots {
        snapshot
            .roots
            .entry(root.certificate.spki_sha256.clone())
            .or_insert_with(|| (root.certificate.subject.clone(), BTreeSet::new()));
    }
    for finding in findings {
        let key = finding
            .cert_index
            .and_then(|index| by_index.get(&index))
            .map_or_else(
                || evidence_key(finding),
                |root| root.certificate.spki_sha256.clone(),
            );
        if let Some((_, codes)) = snapshot.roots.get_mut(&key) {
            codes.insert(finding.code.clone());
        }
        if problems && is_problem(finding) {
            let out = problem_out(&snapshot.name, finding, key.clone());
            snapshot.problems.insert((finding.code.clone(), key), out);
        }
    }
    snapshot
}

/// Error and warning findings are problems; information is not.
fn is_problem(finding: &FindingIn) -> bool {
    finding.severity >= Severity::Warning
}

/// The key a finding's evidence names (`spki_sha256`), else its subject or nothing.
fn evidence_key(finding: &FindingIn) -> String {
    ["spki_sha256", "subject"]
        .iter()
        .find_map(|field| {
            finding.evidence[field]
                .as_str()
                .filter(|value| !value.is_empty())
        })
        .unwrap_or_default()
        .to_owned()
}

fn problem_out(store: &str, finding: &FindingIn, key: String) -> ProblemOut {
    ProblemOut {
        store: store.to_owned(),
        code: finding.code.clone(),
        severity: finding.severity,
        spki_sha256: key,
        message: finding.message.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trust(roots: &[(&str, &[(&str, &str)])]) -> Vec<u8> {
        let mut root_list = Vec::new();
        let mut findings = Vec::new();
        for (index, (key, codes)) in roots.iter().enumerate() {
            root_list.push(serde_json::json!({
                "index": index,
                "certificate": {"subject": format!("CN={key}"), "spki_sha256": key},
            }));
            for (code, severity) in *codes {
                findings.push(serde_json::json!({
                    "code": code, "severity": severity, "message": format!("{code} {key}"),
                    "cert_index": index,
                }));
            }
        }
        serde_json::to_vec(&serde_json::json!({
            "command": "trust", "sources": [{"location": "/etc/ssl/certs"}],
            "roots": root_list, "findings": findings,
        }))
        .unwrap()
    }

    #[test]
    fn added_removed_and_changed_roots_and_new_problems_are_found() {
        let before = trust(&[("a", &[]), ("b", &[("not-in-baseline", "info")])]);
        let after = trust(&[
            ("b", &[("interception-root", "warning")]),
            ("c", &[("leaked-key-root", "error")]),
        ]);
        let report = diff(("before", &before), ("after", &after)).unwrap();
        let store = &report.stores[0];
        assert_eq!(store.added[0].spki_sha256, "c");
        assert_eq!(store.removed[0].spki_sha256, "a");
        assert_eq!(store.changed[0].after, ["interception-root"]);
        assert_eq!(report.new_problems.len(), 2);
        assert_eq!(
            report.new_problems[0].code, "leaked-key-root",
            "errors first"
        );
        assert_eq!(report.worst_new(), Some(Severity::Error));
        let same = diff(("a", &after), ("b", &after)).unwrap();
        assert!(same.new_problems.is_empty() && same.stores[0].changed.is_empty());
        assert_eq!(same.worst_new(), None);
    }

    #[test]
    fn other_json_and_garbage_are_refused_with_the_file_named() {
        let error = diff(("x.json", b"{\"command\":\"check\"}"), ("y", b"{}")).unwrap_err();
        assert!(
            error.to_string().starts_with("x.json is not a `trust`"),
            "{error}"
        );
        assert!(diff(("x", b"not json"), ("y", b"{}")).is_err());
        assert!(diff(("x", &trust(&[])), ("y", b"[1,2]")).is_err());
    }
}
