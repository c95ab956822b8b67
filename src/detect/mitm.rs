//! The interception verdict for a validated chain. Names identify a product; the verdict rests on
//! keys: the chain of a profile endpoint fails its pins (no Google root key anywhere in it) and
//! either a known product's names are on it or the leaf reuses its issuer's key (mitmproxy's
//! tell). Pins failing with neither stays `unexpected-issuer`.

use super::identify_product;
use crate::chain::CertInfo;
use crate::finding::{Evidence, Finding, FindingCode, Severity};
use crate::validate::Trust;

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
