//! `trust`: audit the trust store of this machine (or files and folders): where each root was
//! found, what it is (leaked key, inspection product, distrusted, outside the baseline, expired,
//! weak, not a CA, duplicated), and whether Google's roots are there.
//!
//! Pipeline: `stores` (read) -> distinct certificates with their locations (judge.rs) ->
//! findings per root against the tables (tables.rs) and the baseline -> Google's roots ->
//! [`TrustReport`]. Nothing here touches the network.

mod across;
mod diff;
mod judge;
mod remedy;
mod tables;

use std::collections::HashSet;

use serde::Serialize;
use time::OffsetDateTime;

pub use across::{
    DISCOVERY_SCHEMA_VERSION, DiscoveryReport, DiscoveryRequest, DiscoverySummary, MatrixRow,
    Presence, Problem, StoreAudit, audit_discovered,
};
pub use diff::{
    DIFF_SCHEMA_VERSION, DiffInputError, DiffReport, DiffSummary, ProblemOut, RootChange,
    StoreDiff, diff,
};
pub use tables::{
    Distrust, Distrusted, LeakedKey, VendorRoot, distrusted_root, leaked_key, vendor_root,
};

use crate::chain::{CertInfo, read_certificates_unbounded};
use crate::clock::serde_time;
use crate::finding::{Evidence, Finding, FindingCode, Severity, headline};
use crate::stores::{Error, SourceReport, StoreSpec, SystemOverrides, read_stores};
use crate::validate::AnchorSet;

/// The version of the `trust` JSON.
pub const TRUST_SCHEMA_VERSION: u32 = 1;
/// The bundled Mozilla set: the webpki-roots release it comes from (checked against Cargo.lock by
/// a test).
pub(crate) const MOZILLA_BASELINE: &str = "Mozilla's root set (webpki-roots 1.0.10)";

/// The set roots are compared with.
#[derive(Debug, Clone)]
pub struct Baseline {
    name: String,
    spki_sha256: HashSet<String>,
}

impl Baseline {
    /// Mozilla's set as bundled.
    pub fn mozilla() -> Self {
        let set = AnchorSet::mozilla();
        let spki_sha256 = (0..set.len())
            .filter_map(|index| set.spki_sha256(index).map(str::to_owned))
            .collect();
        Self {
            name: MOZILLA_BASELINE.to_owned(),
            spki_sha256,
        }
    }

    /// The certificates of a PEM or DER bundle (an approved list, another machine's export).
    pub fn from_bundle(name: String, bytes: &[u8]) -> Result<Self, crate::chain::Error> {
        let spki_sha256 = read_certificates_unbounded(bytes)?
            .iter()
            .map(|der| CertInfo::parse(der).map(|info| info.spki_sha256))
            .collect::<Result<_, _>>()?;
        Ok(Self { name, spki_sha256 })
    }

    fn contains(&self, spki_sha256: &str) -> bool {
        self.spki_sha256.contains(spki_sha256)
    }

    /// The baseline as a report names it.
    fn report(&self) -> BaselineReport {
        BaselineReport {
            name: self.name.clone(),
            roots: self.spki_sha256.len(),
        }
    }
}

/// What to audit.
#[derive(Debug, Clone)]
pub struct TrustRequest {
    /// The stores (the system store when none is named).
    pub stores: Vec<StoreSpec>,
    /// What the system store's overrides are.
    pub overrides: SystemOverrides,
    /// The baseline.
    pub baseline: Baseline,
    /// The instant validity is judged at.
    pub at: OffsetDateTime,
}

/// The baseline, as reported.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct BaselineReport {
    /// Its name (and version).
    pub name: String,
    /// Distinct keys in it.
    pub roots: usize,
}

/// One distinct certificate of the stores.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RootReport {
    /// Its position in `roots` (findings name it by `cert_index`).
    pub index: usize,
    /// The certificate: subject, issuer, serial, validity, key, signature algorithm, SHA-256,
    /// SHA-1 thumbprint, SPKI SHA-256.
    pub certificate: CertInfo,
    /// Every place it was found.
    pub locations: Vec<String>,
    /// Its key is in the baseline.
    pub in_baseline: bool,
    /// A store holding it says not to trust it (Windows' Disallowed): listed, not judged.
    pub disallowed: bool,
    /// Its most specific finding.
    pub headline: Option<FindingCode>,
}

/// Whether a root Google's endpoints chain to is usable in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum GoogleRootStatus {
    /// Present but in a Disallowed store.
    Disallowed,
    /// Present but expired (or not yet valid) at the evaluation instant.
    Expired,
    /// Not in the store.
    Missing,
    /// Present and valid.
    Present,
}

/// One of Google's roots.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct GoogleRootReport {
    /// Its name.
    pub name: String,
    /// Its SPKI SHA-256 (any certificate with this key counts).
    pub spki_sha256: String,
    /// Its state here.
    pub status: GoogleRootStatus,
    /// Where it was found.
    pub locations: Vec<String>,
}

/// Totals.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TrustSummary {
    /// Distinct trusted roots (not counting disallowed certificates).
    pub roots: usize,
    /// Of which in the baseline.
    pub in_baseline: usize,
    /// Of which added locally (outside the baseline).
    pub added_locally: usize,
    /// Inspection products whose roots are trusted.
    pub interception: Vec<String>,
    /// Roots past their notAfter.
    pub expired: usize,
    /// Roots before their notBefore.
    pub not_yet_valid: usize,
    /// Certificates listed as disallowed.
    pub disallowed: usize,
    /// Entries that could not be read.
    pub unreadable: usize,
    /// Findings of severity error.
    pub errors: usize,
    /// Findings of severity warning.
    pub warnings: usize,
    /// Google's roots present and valid.
    pub google_present: usize,
    /// Google's roots in all.
    pub google_total: usize,
    /// The summary in one line.
    pub line: String,
}

/// The result of `trust`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TrustReport {
    /// [`TRUST_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// `trust`.
    pub command: &'static str,
    /// The instant validity was judged at.
    #[serde(with = "serde_time")]
    #[schemars(with = "String")]
    pub evaluated_at: OffsetDateTime,
    /// The baseline.
    pub baseline: BaselineReport,
    /// The sources read.
    pub sources: Vec<SourceReport>,
    /// Entries that held no readable certificate (`where: why`).
    pub unreadable: Vec<String>,
    /// Every distinct certificate.
    pub roots: Vec<RootReport>,
    /// Google's roots.
    pub google_roots: Vec<GoogleRootReport>,
    /// Every finding; `cert_index` names the root.
    pub findings: Vec<Finding>,
    /// Totals.
    pub summary: TrustSummary,
}

impl TrustReport {
    /// The highest severity of any finding.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|finding| finding.severity).max()
    }
}

/// Reads the stores and audits them.
pub fn audit(request: &TrustRequest) -> Result<TrustReport, Error> {
    let specs = if request.stores.is_empty() {
        vec![StoreSpec::System]
    } else {
        request.stores.clone()
    };
    let read = read_stores(&specs, &request.overrides)?;
    let mut unreadable: Vec<String> = read
        .sources
        .iter()
        .flat_map(|source| source.unreadable.iter().cloned())
        .collect();
    let (roots, unparsed) = judge::parse_roots(read.found);
    unreadable.extend(unparsed);
    let mut findings = Vec::new();
    let mut reports = Vec::with_capacity(roots.len());
    for (index, root) in roots.iter().enumerate() {
        let in_baseline = request.baseline.contains(&root.info.spki_sha256);
        let found: Vec<Finding> = judge::judge(root, in_baseline, request.at)
            .into_iter()
            .map(|finding| finding.at_cert(index))
            .collect();
        reports.push(RootReport {
            index,
            certificate: root.info.clone(),
            locations: root.locations.clone(),
            in_baseline,
            disallowed: root.disallowed,
            headline: headline(&found).map(|finding| finding.code),
        });
        findings.extend(found);
    }
    let google_roots = google_roots(&reports, request.at);
    findings.extend(google_findings(&google_roots));
    findings.extend(unreadable.iter().map(|entry| unreadable_finding(entry)));
    findings.sort_by_key(|finding| (std::cmp::Reverse(finding.severity), finding.code));
    let summary = summarize(
        &reports,
        &findings,
        &google_roots,
        unreadable.len(),
        &request.baseline,
    );
    Ok(TrustReport {
        schema_version: TRUST_SCHEMA_VERSION,
        command: "trust",
        evaluated_at: request.at,
        baseline: request.baseline.report(),
        sources: read.sources,
        unreadable,
        roots: reports,
        google_roots,
        findings,
        summary,
    })
}

/// Each Google-operated root: present and valid, expired, disallowed, or missing.
fn google_roots(roots: &[RootReport], at: OffsetDateTime) -> Vec<GoogleRootReport> {
    crate::pins::google_operated_roots()
        .into_iter()
        .map(|(name, google)| {
            let matching: Vec<&RootReport> = roots
                .iter()
                .filter(|root| root.certificate.spki_sha256 == google.spki_sha256)
                .collect();
            let usable = matching
                .iter()
                .filter(|root| !root.disallowed && root.certificate.is_valid_at(at))
                .count();
            let status = if matching.is_empty() {
                GoogleRootStatus::Missing
            } else if matching.iter().any(|root| root.disallowed) {
                GoogleRootStatus::Disallowed
            } else if usable == 0 {
                GoogleRootStatus::Expired
            } else {
                GoogleRootStatus::Present
            };
            GoogleRootReport {
                name: name.to_owned(),
                spki_sha256: google.spki_sha256,
                status,
                locations: matching
                    .iter()
                    .flat_map(|root| root.locations.iter().cloned())
                    .collect(),
            }
        })
        .collect()
}

/// A store entry that could not be read: what it holds was not judged, and a client with a
/// more lenient reader may trust it.
fn unreadable_finding(entry: &str) -> Finding {
    let (location, why) = entry.split_once(": ").unwrap_or((entry, "unreadable"));
    Finding::new(
        FindingCode::MalformedCertificate,
        Severity::Warning,
        format!("a store entry cannot be read, so what it holds was not judged: {location}: {why}"),
        Evidence::StoreRoot {
            subject: String::new(),
            spki_sha256: String::new(),
            sha1: String::new(),
            locations: vec![location.to_owned()],
            detail: why.to_owned(),
        },
    )
}

fn google_findings(roots: &[GoogleRootReport]) -> Vec<Finding> {
    roots
        .iter()
        .filter(|root| root.status != GoogleRootStatus::Present)
        .map(|root| {
            let state = match root.status {
                GoogleRootStatus::Disallowed => "is in a Disallowed store",
                GoogleRootStatus::Expired => "is there but not valid now",
                _ => "is missing",
            };
            let message = format!(
                "Google's root {} {state}: the Sync client trusts this store, so any Google \
                 endpoint whose chain ends at {} fails with INVALID_CA — an outage waiting for \
                 Google to move its chains",
                root.name, root.name
            );
            Finding::new(
                FindingCode::MissingGoogleRoot,
                Severity::Error,
                message,
                Evidence::StoreRoot {
                    subject: root.name.clone(),
                    spki_sha256: root.spki_sha256.clone(),
                    sha1: String::new(),
                    locations: root.locations.clone(),
                    detail: format!("{:?}", root.status).to_ascii_lowercase(),
                },
            )
        })
        .collect()
}

fn summarize(
    roots: &[RootReport],
    findings: &[Finding],
    google: &[GoogleRootReport],
    unreadable: usize,
    baseline: &Baseline,
) -> TrustSummary {
    let trusted: Vec<&RootReport> = roots.iter().filter(|root| !root.disallowed).collect();
    let in_baseline = trusted.iter().filter(|root| root.in_baseline).count();
    let interception = interception_products(findings);
    let roots_with = |code: FindingCode| {
        findings
            .iter()
            .filter(|f| f.code == code)
            .filter_map(|f| f.cert_index)
            .collect::<HashSet<_>>()
            .len()
    };
    let expired = roots_with(FindingCode::ExpiredRoot);
    let not_yet_valid = roots_with(FindingCode::NotYetValidRoot);
    let google_present = google
        .iter()
        .filter(|root| root.status == GoogleRootStatus::Present)
        .count();
    let count = |severity| findings.iter().filter(|f| f.severity == severity).count();
    let added = trusted.len() - in_baseline;
    let mut line = format!(
        "{} root{}: {in_baseline} in {}, {added} added locally",
        trusted.len(),
        if trusted.len() == 1 { "" } else { "s" },
        baseline.short_name()
    );
    if !interception.is_empty() {
        line.push_str(&format!(
            " ({} interception: {})",
            interception.len(),
            interception.join(", ")
        ));
    }
    if expired > 0 {
        line.push_str(&format!(", {expired} expired"));
    }
    if not_yet_valid > 0 {
        line.push_str(&format!(", {not_yet_valid} not yet valid"));
    }
    let missing: Vec<&str> = google
        .iter()
        .filter(|root| root.status != GoogleRootStatus::Present)
        .map(|root| root.name.as_str())
        .collect();
    if missing.is_empty() {
        line.push_str(&format!("; Google's {} roots present", google.len()));
    } else {
        line.push_str(&format!(
            "; Google's roots: {google_present} of {} usable ({} not)",
            google.len(),
            missing.join(", ")
        ));
    }
    TrustSummary {
        roots: trusted.len(),
        in_baseline,
        added_locally: added,
        interception,
        expired,
        not_yet_valid,
        disallowed: roots.len() - trusted.len(),
        unreadable,
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        google_present,
        google_total: google.len(),
        line,
    }
}

/// The products of the interception findings, once each, in order.
fn interception_products(findings: &[Finding]) -> Vec<String> {
    let mut products: Vec<String> = Vec::new();
    for finding in findings {
        if let Evidence::Interception {
            product: Some(product),
            ..
        } = &finding.evidence
            && finding.code == FindingCode::InterceptionRoot
            && !products.contains(product)
        {
            products.push(product.clone());
        }
    }
    products
}

impl Baseline {
    /// "Mozilla's set" or the baseline file's name.
    fn short_name(&self) -> &str {
        if self.name == MOZILLA_BASELINE {
            "Mozilla's set"
        } else {
            &self.name
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_baseline_name_matches_the_webpki_roots_in_cargo_lock() {
        let lock = include_str!("../../Cargo.lock");
        let version = lock
            .split("[[package]]")
            .find(|package| package.contains("name = \"webpki-roots\""))
            .and_then(|package| package.split("version = \"").nth(1))
            .and_then(|rest| rest.split('"').next())
            .unwrap();
        assert!(
            MOZILLA_BASELINE.contains(&format!("webpki-roots {version})")),
            "{version}"
        );
        assert_eq!(
            Baseline::mozilla().spki_sha256.len(),
            webpki_roots::TLS_SERVER_ROOTS.len()
        );
    }
}
