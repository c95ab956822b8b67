//! The interception verdict for a validated chain. Names identify a product; the verdict rests on
//! keys: the chain of a profile endpoint fails its pins (no Google root key anywhere in it) and
//! either a known product's names are on it or the leaf reuses its issuer's key (mitmproxy's
//! tell). Pins failing with neither stays `unexpected-issuer`.

use std::collections::HashMap;

use super::identify_product;
use crate::chain::CertInfo;
use crate::finding::{Evidence, Finding, FindingCode, Severity};
use crate::pins::Pins;
use crate::report::EndpointReport;
use crate::validate::{Trust, Validation};

/// The longest leaf lifetime public CAs may issue (CA/Browser Forum baseline requirements).
const MAX_PUBLIC_LIFETIME_DAYS: i64 = 398;

/// Records a validation in the endpoint's report: the pin and interception verdicts first (when
/// `pins` apply), then the validation's findings, the parsed chain and the trust outcome. Shared
/// by `check` and `inspect`. A failed pin with names of a known product or a reused leaf key
/// becomes `interception`.
pub fn judge_chain(endpoint: &mut EndpointReport, validation: Validation, pins: Option<&Pins>) {
    let pin_finding = pins.and_then(|pins| pins.check(&validation.certs, &validation.trust));
    let verdict = interception(&validation.certs, &validation.trust, pin_finding.is_some());
    // The verdict counts the failed pins as a signal; a separate unexpected-issuer would
    // repeat it.
    endpoint.findings.extend(verdict.or(pin_finding));
    endpoint.findings.extend(validation.findings);
    endpoint.certificates = validation.certs;
    endpoint.trust = Some(validation.trust);
}

/// `interception`, or `None` when the evidence does not reach a verdict.
pub fn interception(certs: &[CertInfo], trust: &Trust, pins_failed: bool) -> Option<Finding> {
    if !pins_failed {
        return None;
    }
    let mut names: Vec<&str> = certs
        .iter()
        .flat_map(|c| [c.subject.as_str(), c.issuer.as_str()])
        .collect();
    if let Trust::Trusted { anchor_subject, .. } = trust {
        names.push(anchor_subject);
    }
    let product = identify_product(names.iter().copied());
    let leaf = certs.first()?;
    let issuer_spki = match (certs.get(1), trust) {
        (Some(issuer), _) => Some(issuer.spki_sha256.as_str()),
        (
            None,
            Trust::Trusted {
                anchor_spki_sha256, ..
            },
        ) => Some(anchor_spki_sha256.as_str()),
        _ => None,
    };
    // The issuer's key is either seen (its certificate or the anchor) or named by the leaf's
    // authority key identifier, which then equals the leaf's own key identifier.
    let names_own_key = leaf.authority_key_id.as_deref() == Some(leaf.key_id_sha1.as_str());
    let key_reuse =
        (issuer_spki == Some(leaf.spki_sha256.as_str()) || names_own_key) && !leaf.self_signed;
    if product.is_none() && !key_reuse {
        return None;
    }
    let mut signals = vec!["no key of an expected root is in the chain (pins failed)".to_owned()];
    if let Some(found) = &product {
        signals.push(format!(
            "certificate names match {} (\"{}\")",
            found.product, found.keyword
        ));
    }
    if key_reuse {
        signals.push("the leaf reuses its issuer's public key (as mitmproxy does)".to_owned());
    }
    match trust {
        Trust::Trusted {
            source,
            anchor_subject,
            ..
        } => {
            signals.push(format!(
                "the chain is trusted through {anchor_subject} in {}: the product's root is installed",
                source.describe()
            ));
        }
        _ => signals.push("the interception root is not trusted here".to_owned()),
    }
    let lifetime_days = (leaf.not_after - leaf.not_before).whole_days();
    if lifetime_days > MAX_PUBLIC_LIFETIME_DAYS {
        signals.push(format!(
            "the leaf is valid for {lifetime_days} days, longer than a public CA may issue \
             ({MAX_PUBLIC_LIFETIME_DAYS}); Google's leaves last about 90"
        ));
    }
    if leaf.sct_count == 0 {
        signals.push("the leaf has no embedded SCTs, which public CAs always add".to_owned());
    }
    let confidence = if product.is_some() && key_reuse {
        "high"
    } else {
        "medium"
    };
    let who = product
        .as_ref()
        .map(|p| p.product.clone())
        .unwrap_or_else(|| "an unidentified proxy".to_owned());
    let message = format!("{who} intercepts this connection: {}", signals.join("; "));
    let evidence = Evidence::Interception {
        product: product.as_ref().map(|p| p.product.clone()),
        keyword: product.map(|p| p.keyword),
        confidence: confidence.to_owned(),
        signals,
        citations: Vec::new(),
    };
    Some(Finding::new(
        FindingCode::Interception,
        Severity::Error,
        message,
        evidence,
    ))
}

/// What the cross-endpoint interception signals keep of a suspect endpoint (one with
/// `interception` or `unexpected-issuer`): its leaf's hashes and issuer.
#[derive(Debug, Clone)]
pub(super) struct LeafFacts {
    spki_sha256: String,
    sha256: String,
    issuer: String,
    intercepted: bool,
}

impl LeafFacts {
    /// The facts of a suspect endpoint; none for the others.
    pub(super) fn of(endpoint: &EndpointReport) -> Option<Self> {
        let suspect =
            endpoint.has(FindingCode::Interception) || endpoint.has(FindingCode::UnexpectedIssuer);
        let leaf = endpoint.certificates.first().filter(|_| suspect)?;
        Some(Self {
            spki_sha256: leaf.spki_sha256.clone(),
            sha256: leaf.sha256.clone(),
            issuer: leaf.issuer.clone(),
            intercepted: endpoint.has(FindingCode::Interception),
        })
    }

    /// Whether the endpoint already carries `interception` (not only `unexpected-issuer`).
    pub(super) fn intercepted(&self) -> bool {
        self.intercepted
    }
}

/// Signals across suspect endpoints: one leaf key on different certificates for different
/// hosts (as ESET does), and one non-expected issuer signing the chains of several hosts. Per
/// suspect (in `suspects`' order): its signals, and whether they may turn an
/// `unexpected-issuer` into `interception` (a shared key does; a shared issuer alone does not).
/// Counted through maps, so a run with many suspects stays linear.
pub(super) fn across_signals(suspects: &[&LeafFacts]) -> Vec<(Vec<String>, bool)> {
    let mut by_key: HashMap<&str, usize> = HashMap::new();
    let mut by_certificate: HashMap<(&str, &str), usize> = HashMap::new();
    let mut by_issuer: HashMap<&str, usize> = HashMap::new();
    for leaf in suspects {
        *by_key.entry(&leaf.spki_sha256).or_default() += 1;
        *by_certificate
            .entry((&leaf.spki_sha256, &leaf.sha256))
            .or_default() += 1;
        *by_issuer.entry(&leaf.issuer).or_default() += 1;
    }
    suspects
        .iter()
        .map(|leaf| {
            let shared_key = by_key[leaf.spki_sha256.as_str()]
                - by_certificate[&(leaf.spki_sha256.as_str(), leaf.sha256.as_str())];
            let same_issuer = by_issuer[leaf.issuer.as_str()] - 1;
            let mut signals = Vec::new();
            if shared_key > 0 {
                signals.push(format!("the same leaf key is on {shared_key} other certificates for other hosts (as ESET does)"));
            }
            if same_issuer > 0 {
                signals.push(format!(
                    "{} signed the chains of {same_issuer} other checked hosts too",
                    leaf.issuer
                ));
            }
            (signals, shared_key > 0)
        })
        .collect()
}

/// Adds signals to an endpoint's `interception`; without one, `upgrade` turns its
/// `unexpected-issuer` (a failed pin) into `interception` carrying them.
pub fn strengthen(endpoint: &mut EndpointReport, signals: &[String], upgrade_unexpected: bool) {
    if endpoint.has(FindingCode::Interception) {
        add_signals(endpoint, signals);
    } else if upgrade_unexpected && endpoint.has(FindingCode::UnexpectedIssuer) {
        upgrade(endpoint, signals);
    } else {
        return;
    }
    endpoint.refresh();
}

/// Replaces `unexpected-issuer` with `interception` carrying the cross-endpoint signals.
fn upgrade(endpoint: &mut EndpointReport, signals: &[String]) {
    endpoint
        .findings
        .retain(|finding| finding.code != FindingCode::UnexpectedIssuer);
    endpoint.findings.insert(0, upgraded(signals));
}

/// The `interception` finding that replaces a failed pin's `unexpected-issuer` when signals
/// show an unidentified proxy.
pub(super) fn upgraded(signals: &[String]) -> Finding {
    let mut all = vec!["no key of an expected root is in the chain (pins failed)".to_owned()];
    all.extend(signals.iter().cloned());
    let message = format!(
        "an unidentified proxy intercepts this connection: {}",
        all.join("; ")
    );
    let evidence = Evidence::Interception {
        product: None,
        keyword: None,
        confidence: "medium".to_owned(),
        signals: all,
        citations: Vec::new(),
    };
    Finding::new(
        FindingCode::Interception,
        Severity::Error,
        message,
        evidence,
    )
}

/// Appends cross-endpoint signals to an existing verdict.
fn add_signals(endpoint: &mut EndpointReport, extra: &[String]) {
    for finding in &mut endpoint.findings {
        if let Evidence::Interception { signals, .. } = &mut finding.evidence {
            signals.extend(extra.iter().cloned());
            finding.message.push_str(&format!("; {}", extra.join("; ")));
        }
    }
}
