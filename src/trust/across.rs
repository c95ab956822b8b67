//! `trust --discover`: every store of the machine (`stores::discover`) audited one by one as
//! `trust` audits one, then the question across them: a matrix of the roots that matter (leaked
//! keys, distrusted, inspection products, outside the baseline, Google's) × stores, and what
//! breaks — an inspection or organisation root some stores trust and another lacks (its
//! programs fail through the proxy), a leaked-key or distrusted root removed from some stores
//! and still trusted by another — each problem with the commands that fix it in its store
//! (`remedy`). Google's roots matter to the Sync client only in the system store: elsewhere
//! their absence is information.

use std::collections::BTreeSet;

use serde::Serialize;
use time::OffsetDateTime;

use super::remedy::{self, RootRef};
use super::{Baseline, BaselineReport, RootReport, TrustReport, TrustRequest, audit};
use crate::clock::serde_time;
use crate::finding::{Evidence, Finding, FindingCode, Severity};
use crate::stores::{Discovered, StoreKind, SystemOverrides};

/// The version of the `trust --discover` JSON.
pub const DISCOVERY_SCHEMA_VERSION: u32 = 1;

/// What to audit.
#[derive(Debug, Clone)]
pub struct DiscoveryRequest {
    /// The stores found.
    pub stores: Vec<Discovered>,
    /// The system store's overrides.
    pub overrides: SystemOverrides,
    /// The baseline.
    pub baseline: Baseline,
    /// The instant validity is judged at.
    pub at: OffsetDateTime,
}

/// One store and its audit.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct StoreAudit {
    /// Its number in the matrix (1-based).
    pub number: usize,
    /// What it is, named after what uses it.
    pub name: String,
    /// Its kind.
    pub kind: StoreKind,
    /// Where it is.
    pub location: String,
    /// The programs and settings that use it.
    pub used_by: Vec<String>,
    /// Why it was not read (then `report` is absent).
    pub not_read: Option<String>,
    /// Its audit, as `trust --store` gives it.
    pub report: Option<TrustReport>,
}

/// A root's state in one store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Presence {
    /// Trusted and valid now.
    Trusted,
    /// Present but expired or not yet valid.
    Expired,
    /// Present in a Disallowed store.
    Disallowed,
    /// Not there.
    Absent,
    /// The store was not read.
    NotRead,
}

/// One root that matters, across the stores.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MatrixRow {
    /// Its subject.
    pub subject: String,
    /// Its SPKI SHA-256 (a root is the same root in every store that holds its key).
    pub spki_sha256: String,
    /// Its SHA-1 thumbprint.
    pub sha1: String,
    /// Why it matters: finding codes (`leaked-key-root`, …) and `google-root`.
    pub why: Vec<String>,
    /// Its state per store, in store order.
    pub presence: Vec<Presence>,
}

/// A problem and how to fix it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Problem {
    /// The store it is about (its number).
    pub store: usize,
    /// The finding.
    pub finding: Finding,
    /// Commands that fix it in that store, for this platform (never run).
    pub remediation: Vec<String>,
}

/// Totals.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DiscoverySummary {
    /// Stores found.
    pub stores: usize,
    /// Of which read.
    pub read: usize,
    /// Roots that matter.
    pub roots: usize,
    /// Problems of severity error.
    pub errors: usize,
    /// Problems of severity warning.
    pub warnings: usize,
    /// In one line.
    pub line: String,
}

/// The result of `trust --discover`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DiscoveryReport {
    /// [`DISCOVERY_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// `trust --discover`.
    pub command: &'static str,
    /// The instant validity was judged at.
    #[serde(with = "serde_time")]
    #[schemars(with = "String")]
    pub evaluated_at: OffsetDateTime,
    /// The baseline.
    pub baseline: BaselineReport,
    /// Every store found, system first.
    pub stores: Vec<StoreAudit>,
    /// The roots that matter × stores.
    pub matrix: Vec<MatrixRow>,
    /// What breaks, worst first, with the fixes.
    pub problems: Vec<Problem>,
    /// Totals.
    pub summary: DiscoverySummary,
}

impl DiscoveryReport {
    /// The highest severity of any problem.
    pub fn worst(&self) -> Option<Severity> {
        self.problems
            .iter()
            .map(|problem| problem.finding.severity)
            .max()
    }
}

/// Codes that make a root matter across stores.
const MATTERS: [FindingCode; 4] = [
    FindingCode::LeakedKeyRoot,
    FindingCode::DistrustedRoot,
    FindingCode::InterceptionRoot,
    FindingCode::NotInBaseline,
];

/// Audits every store found and compares them.
pub fn audit_discovered(request: &DiscoveryRequest) -> DiscoveryReport {
    let stores: Vec<StoreAudit> = request
        .stores
        .iter()
        .enumerate()
        .map(|(index, store)| audit_store(index + 1, store, request))
        .collect();
    let matrix = matrix(&stores, request.at);
    let mut problems = store_problems(&stores);
    problems.extend(across(&stores, &matrix));
    problems.sort_by_key(|problem| {
        (
            std::cmp::Reverse(problem.finding.severity),
            problem.finding.code,
            problem.store,
        )
    });
    let count = |severity| {
        problems
            .iter()
            .filter(|problem| problem.finding.severity == severity)
            .count()
    };
    let read = stores.iter().filter(|store| store.report.is_some()).count();
    let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
    let line = format!(
        "{} stores found, {read} read; {} roots that matter; {errors} errors, {warnings} warnings",
        stores.len(),
        matrix.len()
    );
    DiscoveryReport {
        schema_version: DISCOVERY_SCHEMA_VERSION,
        command: "trust --discover",
        evaluated_at: request.at,
        baseline: request.baseline.report(),
        summary: DiscoverySummary {
            stores: stores.len(),
            read,
            roots: matrix.len(),
            errors,
            warnings,
            line,
        },
        stores,
        matrix,
        problems,
    }
}

fn audit_store(number: usize, store: &Discovered, request: &DiscoveryRequest) -> StoreAudit {
    let (not_read, report) = match &store.spec {
        None => (
            Some(store.note.clone().unwrap_or_else(|| "not read".to_owned())),
            None,
        ),
        Some(spec) => match audit(&TrustRequest {
            stores: vec![spec.clone()],
            overrides: request.overrides.clone(),
            baseline: request.baseline.clone(),
            at: request.at,
        }) {
            Ok(report) => (None, Some(report)),
            Err(error) => (Some(crate::cause::with_sources(&error)), None),
        },
    };
    StoreAudit {
        number,
        name: store.name.clone(),
        kind: store.kind,
        location: store.location.clone(),
        used_by: store.used_by.clone(),
        not_read,
        report,
    }
}

/// The roots that matter in any store, in order of first appearance, and Google's.
fn matrix(stores: &[StoreAudit], at: OffsetDateTime) -> Vec<MatrixRow> {
    let mut rows: Vec<MatrixRow> = Vec::new();
    for store in stores {
        let Some(report) = &store.report else {
            continue;
        };
        for root in &report.roots {
            let codes: BTreeSet<&str> = report
                .findings
                .iter()
                .filter(|finding| finding.cert_index == Some(root.index))
                .filter(|finding| MATTERS.contains(&finding.code))
                .map(|finding| finding.code.as_str())
                .collect();
            let google = report
                .google_roots
                .iter()
                .any(|google| google.spki_sha256 == root.certificate.spki_sha256);
            if codes.is_empty() && !google {
                continue;
            }
            let row = match rows
                .iter_mut()
                .find(|row| row.spki_sha256 == root.certificate.spki_sha256)
            {
                Some(row) => row,
                None => {
                    rows.push(MatrixRow {
                        subject: root.certificate.subject.clone(),
                        spki_sha256: root.certificate.spki_sha256.clone(),
                        sha1: root.certificate.sha1.clone(),
                        why: Vec::new(),
                        presence: Vec::new(),
                    });
                    let last = rows.len() - 1;
                    &mut rows[last]
                }
            };
            for code in codes {
                if !row.why.iter().any(|known| known == code) {
                    row.why.push(code.to_owned());
                }
            }
            if google && !row.why.iter().any(|known| known == "google-root") {
                row.why.push("google-root".to_owned());
            }
        }
    }
    for row in &mut rows {
        row.presence = stores
            .iter()
            .map(|store| presence(store, &row.spki_sha256, at))
            .collect();
    }
    rows
}

fn presence(store: &StoreAudit, spki_sha256: &str, at: OffsetDateTime) -> Presence {
    let Some(report) = &store.report else {
        return Presence::NotRead;
    };
    let held: Vec<&RootReport> = report
        .roots
        .iter()
        .filter(|root| root.certificate.spki_sha256 == spki_sha256)
        .collect();
    if held.is_empty() {
        Presence::Absent
    } else if held.iter().any(|root| root.disallowed) {
        Presence::Disallowed
    } else if held.iter().any(|root| root.certificate.is_valid_at(at)) {
        Presence::Trusted
    } else {
        Presence::Expired
    }
}

/// Each store's own findings that matter on a machine with many stores: leaked, distrusted and
/// inspection roots, and Google's roots (an error only in the system store, which the Sync
/// client uses; information elsewhere).
fn store_problems(stores: &[StoreAudit]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for store in stores {
        let Some(report) = &store.report else {
            problems.push(Problem {
                store: store.number,
                finding: Finding::new(
                    FindingCode::MalformedCertificate,
                    Severity::Warning,
                    format!(
                        "{} ({}) was not read: {}; what it trusts was not judged",
                        store.name,
                        store.location,
                        store.not_read.as_deref().unwrap_or("not read")
                    ),
                    Evidence::StoreRoot {
                        subject: String::new(),
                        spki_sha256: String::new(),
                        sha1: String::new(),
                        locations: vec![store.location.clone()],
                        detail: store.not_read.clone().unwrap_or_default(),
                    },
                ),
                remediation: Vec::new(),
            });
            continue;
        };
        for finding in &report.findings {
            let mut finding = finding.clone();
            match finding.code {
                FindingCode::LeakedKeyRoot
                | FindingCode::DistrustedRoot
                | FindingCode::InterceptionRoot => {}
                FindingCode::MissingGoogleRoot if store.kind != StoreKind::System => {
                    finding.severity = Severity::Info;
                }
                FindingCode::MissingGoogleRoot => {}
                _ => continue,
            }
            let root = finding.cert_index.and_then(|index| report.roots.get(index));
            let remediation = match (finding.code, root) {
                (FindingCode::MissingGoogleRoot, _) if finding.severity == Severity::Info => {
                    Vec::new()
                }
                (FindingCode::MissingGoogleRoot, _) => {
                    let subject = google_subject(&finding);
                    let google = RootRef {
                        subject: &subject,
                        sha1: "",
                        location: None,
                    };
                    remedy::import(store.kind, &store.location, &google)
                }
                (_, Some(root)) => removal(store, root),
                (_, None) => Vec::new(),
            };
            problems.push(Problem {
                store: store.number,
                finding,
                remediation,
            });
        }
    }
    problems
}

fn google_subject(finding: &Finding) -> String {
    match &finding.evidence {
        Evidence::StoreRoot { subject, .. } => format!("CN={subject}"),
        _ => String::new(),
    }
}

/// A root as the commands need it; in a system store, its source file (a hashed link in
/// `/etc/ssl/certs` followed), never the bundle it is also part of.
fn root_ref(root: &RootReport, kind: StoreKind) -> (RootRef<'_>, Option<String>) {
    let source = (kind == StoreKind::System)
        .then(|| {
            root.locations
                .iter()
                .filter(|location| !location.contains('#'))
                .find_map(|location| std::fs::canonicalize(location).ok())
                .map(|path| path.display().to_string())
        })
        .flatten();
    let reference = RootRef {
        subject: &root.certificate.subject,
        sha1: &root.certificate.sha1,
        location: match kind {
            StoreKind::System => None,
            _ => root.locations.first().map(String::as_str),
        },
    };
    (reference, source)
}

/// The commands that take `root` out of `store`.
fn removal(store: &StoreAudit, root: &RootReport) -> Vec<String> {
    let (mut reference, source) = root_ref(root, store.kind);
    if source.is_some() {
        reference.location = source.as_deref();
    }
    remedy::remove(store.kind, &store.location, &reference)
}

/// The findings across stores: a root that matters, trusted by some read stores and absent
/// from others.
fn across(stores: &[StoreAudit], matrix: &[MatrixRow]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for row in matrix {
        let holders: Vec<&StoreAudit> = stores
            .iter()
            .zip(&row.presence)
            .filter(|(_, presence)| **presence == Presence::Trusted)
            .map(|(store, _)| store)
            .collect();
        let lacking: Vec<&StoreAudit> = stores
            .iter()
            .zip(&row.presence)
            .filter(|(_, presence)| **presence == Presence::Absent)
            .map(|(store, _)| store)
            .collect();
        if holders.is_empty() || lacking.is_empty() {
            continue;
        }
        let is = |code: &str| row.why.iter().any(|why| why == code);
        let names = |list: &[&StoreAudit]| {
            list.iter()
                .map(|store| format!("[{}] {}", store.number, store.name))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let root = RootRef {
            subject: &row.subject,
            sha1: &row.sha1,
            location: None,
        };
        let evidence = |stores: &[&StoreAudit], detail: String| Evidence::StoreRoot {
            subject: row.subject.clone(),
            spki_sha256: row.spki_sha256.clone(),
            sha1: row.sha1.clone(),
            locations: stores.iter().map(|store| store.location.clone()).collect(),
            detail,
        };
        if is("leaked-key-root") || is("distrusted-root") {
            let what = if is("leaked-key-root") {
                "whose private key is public"
            } else {
                "that browsers distrust"
            };
            for holder in &holders {
                let remediation = match held_in(holder, &row.spki_sha256) {
                    Some(held) => removal(holder, held),
                    None => remedy::remove(holder.kind, &holder.location, &root),
                };
                problems.push(Problem {
                    store: holder.number,
                    finding: Finding::new(
                        FindingCode::RemovedRootStillTrusted,
                        Severity::Error,
                        format!(
                            "the root {} {what} is gone from {} but still trusted by [{}] {}: {} \
                             still accept what its key signs",
                            row.subject,
                            names(&lacking),
                            holder.number,
                            holder.name,
                            users(holder)
                        ),
                        evidence(&[holder], format!("absent from {}", names(&lacking))),
                    ),
                    remediation,
                });
            }
        } else if is("interception-root") || is("not-in-baseline") {
            let what = if is("interception-root") {
                "the inspection root"
            } else {
                "the root added locally"
            };
            for store in &lacking {
                problems.push(Problem {
                    store: store.number,
                    finding: Finding::new(
                        FindingCode::RootMissingFromStore,
                        Severity::Warning,
                        format!(
                            "{what} {} is trusted by {} but not by [{}] {}: {} fail through the \
                             proxy that forges with it (or the service it serves), while the \
                             programs of the other stores work",
                            row.subject,
                            names(&holders),
                            store.number,
                            store.name,
                            users(store)
                        ),
                        evidence(&[store], format!("trusted by {}", names(&holders))),
                    ),
                    remediation: remedy::import(store.kind, &store.location, &root),
                });
            }
        }
    }
    problems
}

/// The root with this key as `store` holds it.
fn held_in<'a>(store: &'a StoreAudit, spki_sha256: &str) -> Option<&'a RootReport> {
    store
        .report
        .as_ref()?
        .roots
        .iter()
        .find(|root| root.certificate.spki_sha256 == spki_sha256)
}

/// The programs that use a store, the first three.
fn users(store: &StoreAudit) -> String {
    let mut named: Vec<&str> = store.used_by.iter().take(3).map(String::as_str).collect();
    if store.used_by.len() > 3 {
        named.push("…");
    }
    named.join("; ")
}
