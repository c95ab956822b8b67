//! The clock-skew verdict across endpoints: each HTTP `Date` (ports 443 and 80) is a sample of
//! server time; when most samples agree with each other and disagree with the local clock (or
//! `--at`) by more than [`SKEW_THRESHOLD_SECONDS`], the local clock is wrong, and the
//! `expired` / `not-yet-valid` findings it explains are marked as its consequences.
//!
//! `Date` can be rewritten by an interceptor, so the evidence marks every sample as
//! unauthenticated; one server disagreeing with several that agree with the local clock is that
//! server's problem, not the clock's. (Signed sources — OCSP, CRL — come with revocation.)

use serde::Serialize;
use time::OffsetDateTime;

use crate::clock::{humanize_duration, rfc3339};
use crate::finding::{Evidence, Finding, FindingCode, Severity};
use crate::report::EndpointReport;

/// Offsets below this are not reported (Kerberos' default tolerance).
pub const SKEW_THRESHOLD_SECONDS: i64 = 300;

/// One time sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimeSample {
    /// The endpoint it came from.
    pub endpoint: String,
    /// `http-date`.
    pub kind: &'static str,
    /// What the server said.
    pub server_time: String,
    /// Local minus server, seconds (positive: the local clock is ahead).
    pub offset_seconds: i64,
    /// Whether the sample is signed by the validated PKI (a `Date` header never is).
    pub authenticated: bool,
}

/// Adds `clock-skew` to the endpoints whose samples show it, and marks the date findings it
/// explains. `at` is the local clock (or `--at`) the run judged with.
pub fn assess_clock(endpoints: &mut [EndpointReport], at: OffsetDateTime) {
    let samples: Vec<TimeSample> = endpoints
        .iter()
        .filter_map(|endpoint| {
            let date = endpoint.http.as_ref()?.date?;
            Some(TimeSample {
                endpoint: endpoint.target.clone(),
                kind: "http-date",
                server_time: rfc3339(date),
                offset_seconds: (at - date).whole_seconds(),
                authenticated: false,
            })
        })
        .collect();
    let Some(offset) = consensus(&samples) else {
        return;
    };
    let server_now = at - time::Duration::seconds(offset);
    let direction = if offset > 0 { "ahead" } else { "behind" };
    let message = format!(
        "the local clock is {} {direction}: it reads {} while {} servers' Date headers agree on {}",
        // Date has one-second resolution: say the size to the minute.
        humanize_duration(std::time::Duration::from_secs(
            (offset.unsigned_abs() + 30) / 60 * 60
        )),
        rfc3339(at),
        samples
            .iter()
            .filter(|s| agrees(s.offset_seconds, offset))
            .count(),
        rfc3339(server_now),
    );
    let evidence = Evidence::ClockOffset {
        local_time: rfc3339(at),
        offset_seconds: offset,
        direction: direction.to_owned(),
        // HTTP dates have one-second resolution; requests spread over the run.
        uncertainty_seconds: 1 + spread(&samples, offset),
        samples: samples.clone(),
    };
    let finding = Finding::new(FindingCode::ClockSkew, Severity::Error, message, evidence);
    for endpoint in endpoints.iter_mut() {
        let explained = mark_consequences(endpoint, server_now);
        let sampled = samples
            .iter()
            .any(|s| s.endpoint == endpoint.target && agrees(s.offset_seconds, offset));
        if explained || sampled {
            endpoint.findings.insert(0, finding.clone());
            endpoint.refresh();
        }
    }
}

/// The agreed offset, when most samples (at least two) agree on one beyond the threshold.
fn consensus(samples: &[TimeSample]) -> Option<i64> {
    let mut offsets: Vec<i64> = samples.iter().map(|s| s.offset_seconds).collect();
    if offsets.len() < 2 {
        return None;
    }
    offsets.sort_unstable();
    let median = offsets[offsets.len() / 2];
    if median.abs() <= SKEW_THRESHOLD_SECONDS {
        return None;
    }
    let agreeing = offsets.iter().filter(|o| agrees(**o, median)).count();
    (agreeing >= 2 && agreeing * 2 > offsets.len()).then_some(median)
}

fn agrees(offset: i64, reference: i64) -> bool {
    (offset - reference).abs() <= SKEW_THRESHOLD_SECONDS.max(reference.abs() / 100)
}

fn spread(samples: &[TimeSample], offset: i64) -> i64 {
    samples
        .iter()
        .filter(|s| agrees(s.offset_seconds, offset))
        .map(|s| (s.offset_seconds - offset).abs())
        .max()
        .unwrap_or(0)
}

/// Marks `expired` / `not-yet-valid` findings whose certificate is valid at server time.
fn mark_consequences(endpoint: &mut EndpointReport, server_now: OffsetDateTime) -> bool {
    let mut explained = false;
    for finding in &mut endpoint.findings {
        if !matches!(
            finding.code,
            FindingCode::Expired | FindingCode::NotYetValid
        ) {
            continue;
        }
        let valid_then = finding
            .cert_index
            .and_then(|index| endpoint.certificates.get(index))
            .is_some_and(|cert| cert.is_valid_at(server_now));
        if valid_then {
            finding.consequence_of = Some(FindingCode::ClockSkew);
            finding
                .message
                .push_str(" — a consequence of the wrong local clock");
            explained = true;
        }
    }
    explained
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(offset_seconds: i64) -> TimeSample {
        TimeSample {
            endpoint: String::new(),
            kind: "http-date",
            server_time: String::new(),
            offset_seconds,
            authenticated: false,
        }
    }

    #[test]
    fn consensus_needs_two_agreeing_samples_beyond_the_threshold() {
        let year = 365 * 86_400;
        let cases: &[(&[i64], Option<i64>)] = &[
            (&[], None),
            (&[5 * year], None), // one sample is not enough
            (&[5 * year, 5 * year + 2], Some(5 * year + 2)), // two agree
            (&[-3 * year, -3 * year, 1], Some(-3 * year)), // behind; one straggler
            (&[0, 1, 5 * year], None), // one wrong server, not the clock
            (&[10, -20, 3], None), // within the threshold
            (&[400, 900], None), // beyond, but they disagree
        ];
        for (offsets, want) in cases {
            let samples: Vec<_> = offsets.iter().map(|o| sample(*o)).collect();
            assert_eq!(consensus(&samples), *want, "{offsets:?}");
        }
    }
}
