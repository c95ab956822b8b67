//! The interception verdict for a validated chain. Names identify a product; the verdict rests on
//! keys: the chain of a profile endpoint fails its pins (no Google root key anywhere in it) and
//! either a known product's names are on it or the leaf reuses its issuer's key (mitmproxy's
//! tell). Pins failing with neither stays `unexpected-issuer`.

use super::identify_product;
use crate::chain::CertInfo;
use crate::finding::{Evidence, Finding, FindingCode, Severity};
use crate::report::EndpointReport;
use crate::validate::Trust;

/// The longest leaf lifetime public CAs may issue (CA/Browser Forum baseline requirements).
const MAX_PUBLIC_LIFETIME_DAYS: i64 = 398;

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

/// Signals across endpoints: one leaf key on different certificates for different hosts (as
/// ESET does), and one non-expected issuer signing the chains of several profile hosts. The first
/// turns an `unexpected-issuer` into `interception`; both are added to existing verdicts.
pub fn assess_across(endpoints: &mut [EndpointReport]) {
    let suspects: Vec<usize> = (0..endpoints.len())
        .filter(|&i| {
            endpoints[i].has(FindingCode::Interception)
                || endpoints[i].has(FindingCode::UnexpectedIssuer)
        })
        .collect();
    for &i in &suspects {
        let Some(leaf) = endpoints[i].certificates.first().cloned() else {
            continue;
        };
        let others: Vec<&CertInfo> = suspects
            .iter()
            .filter(|&&j| j != i)
            .filter_map(|&j| endpoints[j].certificates.first())
            .collect();
        let shared_key = others
            .iter()
            .filter(|o| o.spki_sha256 == leaf.spki_sha256 && o.sha256 != leaf.sha256)
            .count();
        let same_issuer = others.iter().filter(|o| o.issuer == leaf.issuer).count();
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
        if signals.is_empty() {
            continue;
        }
        strengthen(&mut endpoints[i], &signals, shared_key > 0);
    }
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
    endpoint.findings.insert(
        0,
        Finding::new(
            FindingCode::Interception,
            Severity::Error,
            message,
            evidence,
        ),
    );
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
