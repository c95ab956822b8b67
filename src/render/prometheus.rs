//! `--format prometheus`: the Prometheus text exposition format, for node_exporter's textfile
//! collector (a cron job writes `tlsinspect check --format prometheus` to a `.prom` file). One
//! family per fact, each with its `# HELP` and `# TYPE` lines, every series of a family
//! together; label values escaped as the format requires (`\\`, `\"`, `\n`). What an
//! admin alerts on: each endpoint's verdict, days left on its leaf, interception and clock skew,
//! and for `trust` the roots with problems, by code.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::finding::{Evidence, Finding, FindingCode};
use crate::report::{EndpointReport, Report, Status};
use crate::trust::TrustReport;

/// One metric family, written whole.
struct Family {
    name: &'static str,
    help: &'static str,
    text: String,
}

impl Family {
    fn new(name: &'static str, help: &'static str) -> Self {
        Self {
            name,
            help,
            text: String::new(),
        }
    }

    /// Adds one series.
    fn sample(&mut self, labels: &[(&str, &str)], value: f64) {
        let labels: Vec<String> = labels
            .iter()
            .map(|(name, value)| format!("{name}=\"{}\"", escape(value)))
            .collect();
        let labels = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{}}}", labels.join(","))
        };
        // Writing to a String cannot fail.
        let _ = writeln!(self.text, "{}{labels} {value}", self.name);
    }

    fn write(&self, out: &mut impl Write) -> io::Result<()> {
        if self.text.is_empty() {
            return Ok(());
        }
        writeln!(out, "# HELP {} {}", self.name, self.help)?;
        writeln!(out, "# TYPE {} gauge", self.name)?;
        out.write_all(self.text.as_bytes())
    }
}

/// A label value as the exposition format escapes it.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The instant a report judged at, as its own family (every report has one).
fn evaluated_at(at: time::OffsetDateTime) -> Family {
    let mut family = Family::new(
        "tlsinspect_evaluated_timestamp_seconds",
        "The instant certificates were judged at, Unix seconds.",
    );
    family.sample(&[], at.unix_timestamp() as f64);
    family
}

/// Each distinct key with how many times it came, in order of first appearance.
fn tally<K: PartialEq>(keys: impl Iterator<Item = K>) -> Vec<(K, usize)> {
    let mut counted: Vec<(K, usize)> = Vec::new();
    for key in keys {
        match counted.iter_mut().find(|(seen, _)| *seen == key) {
            Some((_, count)) => *count += 1,
            None => counted.push((key, 1)),
        }
    }
    counted
}

fn status_value(status: Status) -> f64 {
    match status {
        Status::Ok => 0.0,
        Status::Warning => 1.0,
        Status::Error => 2.0,
    }
}

/// The product an `interception` finding names, if any.
fn product(finding: &Finding) -> &str {
    match &finding.evidence {
        Evidence::Interception {
            product: Some(product),
            ..
        } => product,
        _ => "",
    }
}

/// Writes a `check` or `inspect` report as metrics.
pub fn write_prometheus(report: &Report, out: &mut impl Write) -> io::Result<()> {
    let mut status = Family::new(
        "tlsinspect_endpoint_status",
        "The endpoint's verdict: 0 no finding, 1 warnings only, 2 at least one error.",
    );
    let mut findings = Family::new(
        "tlsinspect_endpoint_findings",
        "Findings of the endpoint, by code and severity.",
    );
    let mut expiry = Family::new(
        "tlsinspect_leaf_expires_in_seconds",
        "Seconds from the evaluation instant to the presented leaf's notAfter (negative: expired).",
    );
    let mut interception = Family::new(
        "tlsinspect_interception",
        "1 when the endpoint's TLS is intercepted (product named when known), else 0.",
    );
    let mut skew = Family::new(
        "tlsinspect_clock_skew_detected",
        "1 when an endpoint's evidence shows this machine's clock is wrong, else 0.",
    );
    let mut offset = Family::new(
        "tlsinspect_clock_offset_seconds",
        "This machine's clock minus the true time, as the clock-skew verdict estimates it.",
    );
    for (id, endpoint) in report.endpoints.iter().enumerate() {
        write_endpoint(
            report,
            id,
            endpoint,
            [
                &mut status,
                &mut findings,
                &mut expiry,
                &mut interception,
                &mut skew,
                &mut offset,
            ],
        );
    }
    let mut totals = Family::new(
        "tlsinspect_endpoints",
        "Endpoints checked in the run, by verdict.",
    );
    let summary = &report.summary;
    for (verdict, count) in [
        ("ok", summary.ok),
        ("warning", summary.warnings),
        ("error", summary.errors),
    ] {
        totals.sample(&[("status", verdict)], count as f64);
    }
    let evaluated = evaluated_at(report.evaluated_at);
    for family in [
        &status,
        &findings,
        &expiry,
        &interception,
        &skew,
        &offset,
        &totals,
        &evaluated,
    ] {
        family.write(out)?;
    }
    Ok(())
}

/// One endpoint's series, labelled with its position in the run (`id`, as in JSON Lines: a
/// target asked twice is two endpoints, and two series must never share their labels) and its
/// target.
fn write_endpoint(
    report: &Report,
    id: usize,
    endpoint: &EndpointReport,
    families: [&mut Family; 6],
) {
    let [status, findings, expiry, interception, skew, offset] = families;
    let id = id.to_string();
    let (id, target) = (id.as_str(), endpoint.target.as_str());
    let headline = endpoint.headline.map_or("", FindingCode::as_str);
    status.sample(
        &[("id", id), ("target", target), ("headline", headline)],
        status_value(endpoint.status),
    );
    let keys = endpoint.findings.iter().map(|f| (f.code, f.severity));
    for ((code, severity), count) in tally(keys) {
        findings.sample(
            &[
                ("id", id),
                ("target", target),
                ("code", code.as_str()),
                ("severity", severity.as_str()),
            ],
            count as f64,
        );
    }
    if let Some(leaf) = endpoint.certificates.first() {
        let left = (leaf.not_after - report.evaluated_at).whole_seconds();
        expiry.sample(
            &[("id", id), ("target", target), ("subject", &leaf.subject)],
            left as f64,
        );
    }
    let intercepted = endpoint
        .findings
        .iter()
        .find(|finding| finding.code == FindingCode::Interception);
    interception.sample(
        &[
            ("id", id),
            ("target", target),
            ("product", intercepted.map_or("", product)),
        ],
        f64::from(u8::from(intercepted.is_some())),
    );
    let skewed = endpoint
        .findings
        .iter()
        .find(|finding| finding.code == FindingCode::ClockSkew);
    skew.sample(
        &[("id", id), ("target", target)],
        f64::from(u8::from(skewed.is_some())),
    );
    if let Some(Evidence::ClockOffset { offset_seconds, .. }) = skewed.map(|f| &f.evidence) {
        offset.sample(&[("id", id), ("target", target)], *offset_seconds as f64);
    }
}

/// Writes a `trust` report as metrics: the roots read, and each problem of a root.
pub fn write_trust_prometheus(report: &TrustReport, out: &mut impl Write) -> io::Result<()> {
    let mut roots = Family::new(
        "tlsinspect_trust_roots",
        "Distinct roots read from the stores.",
    );
    roots.sample(&[], report.roots.len() as f64);
    let mut problems = Family::new(
        "tlsinspect_trust_root_problem",
        "Problems of a root (or of the stores, without one), by code and severity, with where \
         the root was found.",
    );
    // One series per root, code and severity: two findings alike are counted, never written
    // as two series with the same labels.
    let keys = report
        .findings
        .iter()
        .map(|finding| (finding.cert_index, finding.code, finding.severity));
    for ((index, code, severity), count) in tally(keys) {
        let root = index.and_then(|index| report.roots.get(index));
        let (subject, spki, locations) = root.map_or((String::new(), "", String::new()), |root| {
            (
                root.certificate.subject.clone(),
                root.certificate.spki_sha256.as_str(),
                root.locations.join(", "),
            )
        });
        problems.sample(
            &[
                ("code", code.as_str()),
                ("severity", severity.as_str()),
                ("subject", &subject),
                ("spki_sha256", spki),
                ("locations", &locations),
            ],
            count as f64,
        );
    }
    let mut google = Family::new(
        "tlsinspect_trust_google_root_present",
        "1 when Google's root is in the stores, valid and not disallowed, else 0.",
    );
    for root in &report.google_roots {
        let present = matches!(root.status, crate::trust::GoogleRootStatus::Present);
        google.sample(&[("name", &root.name)], f64::from(u8::from(present)));
    }
    let evaluated = evaluated_at(report.evaluated_at);
    for family in [&roots, &problems, &google, &evaluated] {
        family.write(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped_and_empty_families_left_out() {
        let mut family = Family::new("x", "An example.");
        family.sample(&[("target", "a\"b\\c\nd")], 1.5);
        let mut out = Vec::new();
        family.write(&mut out).unwrap();
        Family::new("y", "Empty.").write(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "# HELP x An example.\n# TYPE x gauge\nx{target=\"a\\\"b\\\\c\\nd\"} 1.5\n"
        );
    }
}
