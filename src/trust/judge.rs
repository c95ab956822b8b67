//! Judging the roots of a store: each distinct certificate once (with every place it was found),
//! against the embedded tables (leaked keys, distrust, shared vendor roots), the product table
//! `check` uses, the baseline, its validity at the evaluation instant, its key and its CA flag;
//! then whether Google's roots are there. Every rule matches keys, never names, except product
//! identification, which names only ever hint at.

use time::OffsetDateTime;

use super::tables::{self, Distrust};
use crate::chain::CertInfo;
use crate::clock::{humanize_delta, rfc3339};
use crate::detect::identify_product;
use crate::finding::{Evidence, Finding, FindingCode, Severity};
use crate::stores::{self, Found};
use crate::validate::{MIN_EC_BITS, MIN_RSA_BITS};

/// One distinct certificate of the stores, with where it was found.
#[derive(Debug, Clone)]
pub(crate) struct Root {
    pub(crate) info: CertInfo,
    pub(crate) locations: Vec<String>,
    pub(crate) disallowed: bool,
    /// Found more than once within one source (not counting links to one file).
    pub(crate) duplicated: bool,
}

/// The distinct certificates of what was found ([`stores::distinct`]), parsed; certificates that
/// cannot be parsed are returned apart. Each distinct certificate is parsed once, on every core
/// (a self-signature check costs most of a root's judging).
pub(crate) fn parse_roots(found: Vec<Found>) -> (Vec<Root>, Vec<String>) {
    let groups = stores::distinct(found);
    let parsed = on_every_core(&groups, |group| CertInfo::parse(&group.der));
    assert_eq!(
        parsed.len(),
        groups.len(),
        "invariant: one parse per distinct certificate"
    );
    let mut roots = Vec::with_capacity(groups.len());
    let mut unreadable = Vec::new();
    for (group, parsed) in groups.into_iter().zip(parsed) {
        match parsed {
            Ok(info) => roots.push(Root {
                info,
                locations: group.locations,
                disallowed: group.disallowed,
                duplicated: group.duplicated,
            }),
            Err(error) => unreadable.push(format!("{}: {error}", group.locations.join(", "))),
        }
    }
    (roots, unreadable)
}

/// `work` applied to every item on every core, in the items' order: one result per item. A
/// panic in `work` is a bug, resumed on the calling thread (never a short result that would
/// pair later items with the wrong results).
fn on_every_core<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let size = items.len().div_ceil(cores).max(64);
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(size)
            .map(|chunk| scope.spawn(move || chunk.iter().map(work).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// The findings for one root (a trusted one: a disallowed certificate is listed, not judged).
pub(crate) fn judge(root: &Root, in_baseline: bool, at: OffsetDateTime) -> Vec<Finding> {
    let info = &root.info;
    let evidence = |detail: String| Evidence::StoreRoot {
        subject: info.subject.clone(),
        spki_sha256: info.spki_sha256.clone(),
        sha1: info.sha1.clone(),
        locations: root.locations.clone(),
        detail,
    };
    let who = format!("the root {} (SHA-1 {})", info.subject, info.sha1);
    let mut findings = Vec::new();
    let mut push = |code, severity, message: String, detail: String| {
        findings.push(Finding::new(code, severity, message, evidence(detail)));
    };
    if root.disallowed {
        return findings;
    }
    if let Some(leaked) = tables::leaked_key(&info.spki_sha256) {
        push(
            FindingCode::LeakedKeyRoot,
            Severity::Error,
            format!(
                "{who} has a public private key ({}: {}): anyone can mint certificates this \
                 machine trusts",
                leaked.product, leaked.incident
            ),
            format!(
                "leaked-key table: {}; source {}",
                leaked.product, leaked.source
            ),
        );
    }
    if let Some(distrusted) = tables::distrusted_root(&info.spki_sha256) {
        let (severity, how) = match distrusted.distrust {
            Distrust::Full => (Severity::Error, "browsers removed it".to_owned()),
            Distrust::After(_) => (
                Severity::Warning,
                format!(
                    "browsers distrust what it issued after {}; older certificates still validate",
                    distrusted.date
                ),
            ),
        };
        push(
            FindingCode::DistrustedRoot,
            severity,
            format!(
                "{who} is distrusted: {how} ({}, {})",
                distrusted.reason, distrusted.date
            ),
            format!(
                "distrust table: {}; source {}",
                distrusted.name, distrusted.source
            ),
        );
    }
    if !in_baseline {
        push(
            FindingCode::NotInBaseline,
            Severity::Info,
            format!(
                "{who} is not in the baseline: added on this machine, or kept from an older \
                 release of the baseline"
            ),
            "SPKI not in the baseline set".to_owned(),
        );
    }
    let at_second = at.replace_nanosecond(0).unwrap_or(at);
    if at_second > info.not_after {
        push(
            FindingCode::ExpiredRoot,
            Severity::Warning,
            format!(
                "{who} expired {} (notAfter {})",
                humanize_delta(info.not_after, at_second),
                rfc3339(info.not_after)
            ),
            format!("judged at {}", rfc3339(at_second)),
        );
    } else if at_second < info.not_before {
        push(
            FindingCode::NotYetValidRoot,
            Severity::Warning,
            format!(
                "{who} is not valid until {} ({})",
                rfc3339(info.not_before),
                humanize_delta(info.not_before, at_second)
            ),
            format!("judged at {}", rfc3339(at_second)),
        );
    }
    let weak = match info.key.algorithm.as_str() {
        "RSA" if info.key.bits < MIN_RSA_BITS => Some(format!("a {}-bit RSA key", info.key.bits)),
        "EC" if info.key.bits < MIN_EC_BITS => {
            Some(format!("a key on a {}-bit curve", info.key.bits))
        }
        "DSA" => Some("a DSA key".to_owned()),
        _ => None,
    };
    if let Some(weak) = weak {
        push(
            FindingCode::WeakKey,
            Severity::Error,
            format!("{who} has {weak}: keys this weak can be broken, and signatures forged"),
            info.key.to_string(),
        );
    }
    if !info.is_ca {
        push(
            FindingCode::NotACa,
            Severity::Warning,
            format!("{who} is not a CA certificate (no basicConstraints CA:TRUE)"),
            "basicConstraints".to_owned(),
        );
    }
    if root.duplicated {
        push(
            FindingCode::DuplicateRoot,
            Severity::Info,
            format!("{who} appears more than once in one store"),
            root.locations.join(", "),
        );
    }
    // A leaked key says more than a product's name would (eDellRoot is both).
    if tables::leaked_key(&info.spki_sha256).is_none() {
        findings.extend(interception(root, &who));
    }
    findings
}

/// `interception-root`: a shared vendor root by its key (high confidence), or a product's names
/// (low: names can be copied).
fn interception(root: &Root, who: &str) -> Option<Finding> {
    let info = &root.info;
    let (product, keyword, confidence, signal) = match tables::vendor_root(&info.spki_sha256) {
        Some(vendor) => (
            vendor.product.clone(),
            None,
            "high",
            format!("its key is {}", vendor.note),
        ),
        None => {
            let names = info.subject_values.iter().chain(&info.issuer_values);
            let found = identify_product(names.map(String::as_str))?;
            let signal = format!(
                "its names contain \"{}\" (names can be copied)",
                found.keyword
            );
            (found.product, Some(found.keyword), "low", signal)
        }
    };
    let message = format!(
        "{who} is {product}'s inspection root: expected where a company proxy of {product} \
         inspects HTTPS, unexpected otherwise; it lets {product} read and alter every HTTPS \
         connection of this machine"
    );
    let evidence = Evidence::Interception {
        product: Some(product),
        keyword,
        confidence: confidence.to_owned(),
        signals: vec![signal],
        citations: root.locations.clone(),
    };
    Some(Finding::new(
        FindingCode::InterceptionRoot,
        Severity::Warning,
        message,
        evidence,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(der: &[u8], location: &str, source: usize) -> Found {
        Found {
            der: der.to_vec(),
            location: location.to_owned(),
            disallowed: false,
            source,
        }
    }

    #[test]
    fn one_certificate_found_twice_is_one_root_and_a_duplicate_only_within_a_source() {
        let pem = include_bytes!("../../testcerts/ca.pem");
        let der = crate::chain::read_certificates(pem).unwrap().remove(0);
        let (roots, _) = parse_roots(vec![found(&der, "a.pem", 0), found(&der, "dir/x.0", 1)]);
        assert_eq!(roots.len(), 1);
        assert_eq!(roots[0].locations, ["a.pem", "dir/x.0"]);
        assert!(!roots[0].duplicated);
        let (roots, unreadable) = parse_roots(vec![
            found(&der, "a.pem#1", 0),
            found(&der, "a.pem#2", 0),
            found(b"\x30\x00", "bad.pem", 0),
        ]);
        assert!(roots[0].duplicated);
        assert_eq!(unreadable.len(), 1);
    }

    #[test]
    fn work_on_every_core_keeps_one_result_per_item_in_order_and_resumes_a_panic() {
        let items: Vec<usize> = (0..1000).collect();
        assert_eq!(
            on_every_core(&items, |n| n * 2),
            (0..2000).step_by(2).collect::<Vec<_>>()
        );
        // A panic in one chunk must not shorten the results (which would pair every later
        // root with the wrong certificate): it reaches the caller.
        let caught = std::panic::catch_unwind(|| {
            on_every_core(&items, |&n| {
                assert!(n != 70, "bug in the parser");
                n
            })
        });
        let payload = caught.expect_err("the panic is resumed");
        let message = payload.downcast_ref::<&str>().copied();
        assert_eq!(message, Some("bug in the parser"));
    }
}
