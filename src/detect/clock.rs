//! The clock-skew verdict across endpoints. Two kinds of time evidence:
//!
//! - each HTTP `Date` of an endpoint whose chain validated is a sample of server time, not
//!   signed: one server disagreeing with several that agree with the local clock is that
//!   server's problem, not the clock's; a server whose chain fails validation, or a plain-HTTP
//!   answer, gives no sample (two hostile servers must not outvote the local clock);
//! - authenticated sources, signed by the validated PKI (whose signatures were checked without
//!   consulting the local clock): a fresh OCSP response or CRL says the time lies between its
//!   thisUpdate and nextUpdate; an embedded SCT says it is later than the SCT's timestamp.
//!
//! The local clock (or `--at`) is wrong when at least two `Date` samples agree on an offset
//! beyond [`SKEW_THRESHOLD_SECONDS`], or when an authenticated source puts it outside its window
//! (all such sources agreeing) and no `Date` sample contradicts them. Then
//! `clock-skew` is reported, and the `expired` / `not-yet-valid` / stale-revocation findings it
//! explains are marked as its consequences.

pub use crate::clock::sample::{SKEW_THRESHOLD_SECONDS, TimeSample};

use time::OffsetDateTime;

use crate::clock::sample::{Bounds, agrees};
use crate::clock::{humanize_duration, rfc3339};
use crate::finding::{Evidence, Finding, FindingCode, Severity};
use crate::report::EndpointReport;
use crate::revocation::{SourceKind, Status, Unavailable};
use crate::validate::Trust;

/// The verdict: how far off the local clock is, and how sure.
struct Verdict {
    offset: i64,
    uncertainty: i64,
    basis: String,
}

/// At most this many samples are listed in a `clock-skew` finding (the count says how many
/// there were): a scan of many endpoints must not copy every sample into every finding.
const MAX_LISTED_SAMPLES: usize = 32;

/// What the clock verdict keeps of one endpoint: its samples that could back a verdict (a
/// `Date` beyond the threshold, a signed window that excludes the local clock), and its
/// findings that hold only for some true times (an `expired` certificate's window, a stale
/// answer's window). Samples that agree with the local clock are folded into
/// [`QuietSamples`] instead, so a scan of healthy endpoints keeps nothing per endpoint.
#[derive(Debug, Clone, Default)]
pub(super) struct ClockFacts {
    samples: Vec<TimeSample>,
    /// (finding index, earliest and latest true time at which the finding would not hold).
    windows: Vec<(usize, OffsetDateTime, OffsetDateTime)>,
}

/// The samples that agree with the local clock, folded: they never back a verdict, but they
/// count against one (a majority of `Date`s near zero; a fresh signed window narrowing the
/// others).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct QuietSamples {
    /// `Date` samples within the threshold: how many, and their extremes.
    dates: usize,
    date_min: i64,
    date_max: i64,
    /// Signed samples seen (quiet or not), and the intersection of all their bounds.
    signed: usize,
    signed_bounds: Bounds,
}

impl QuietSamples {
    fn add_date(&mut self, offset: i64) {
        if self.dates == 0 {
            (self.date_min, self.date_max) = (offset, offset);
        }
        self.dates += 1;
        self.date_min = self.date_min.min(offset);
        self.date_max = self.date_max.max(offset);
    }

    /// Folds in a sample; returns it when it must be kept (it could back a verdict).
    fn keep(&mut self, sample: TimeSample) -> Option<TimeSample> {
        if sample.authenticated {
            self.signed += 1;
            self.signed_bounds = self.signed_bounds.intersect(sample.bounds);
            (!sample.bounds.allows_zero()).then_some(sample)
        } else if sample.offset_seconds.abs() <= SKEW_THRESHOLD_SECONDS {
            self.add_date(sample.offset_seconds);
            None
        } else {
            Some(sample)
        }
    }

    /// Whether every quiet `Date` lies in `bounds`.
    fn dates_within(&self, bounds: Bounds) -> bool {
        self.dates == 0 || (bounds.contains(self.date_min) && bounds.contains(self.date_max))
    }
}

impl ClockFacts {
    /// The facts of `endpoint`, judged with the local clock reading `at`; its quiet samples go
    /// to `quiet`.
    pub(super) fn of(
        endpoint: &EndpointReport,
        at: OffsetDateTime,
        quiet: &mut QuietSamples,
    ) -> Self {
        let samples = date_sample(endpoint, at)
            .into_iter()
            .chain(signed_samples(endpoint, at))
            .filter_map(|sample| quiet.keep(sample))
            .collect();
        let windows = endpoint
            .findings
            .iter()
            .enumerate()
            .filter_map(|(index, finding)| {
                let (from, until) = match finding.code {
                    FindingCode::Expired | FindingCode::NotYetValid => {
                        let cert = endpoint.certificates.get(finding.cert_index?)?;
                        (cert.not_before, cert.not_after)
                    }
                    FindingCode::RevocationUnavailable => current_window(&finding.evidence)?,
                    _ => return None,
                };
                Some((index, from, until))
            })
            .collect();
        Self { samples, windows }
    }

    /// Whether there is nothing to keep.
    pub(super) fn is_empty(&self) -> bool {
        self.samples.is_empty() && self.windows.is_empty()
    }
}

/// A `clock-skew` verdict over a run's endpoints.
#[derive(Debug, Clone)]
pub(super) struct ClockVerdict {
    /// The finding every endpoint it concerns carries.
    pub(super) finding: Finding,
    offset: i64,
    server_now: OffsetDateTime,
}

impl ClockVerdict {
    /// The verdict, when the endpoints' samples show a wrong clock. `at` is the local clock (or
    /// `--at`) the run judged with.
    pub(super) fn assess<'a>(
        facts: impl Iterator<Item = &'a ClockFacts> + Clone,
        quiet: &QuietSamples,
        at: OffsetDateTime,
    ) -> Option<Self> {
        let all = facts.flat_map(|facts| &facts.samples);
        let dates: Vec<&TimeSample> = all.clone().filter(|s| !s.authenticated).collect();
        let signed: Vec<&TimeSample> = all.filter(|s| s.authenticated).collect();
        let verdict =
            from_dates(&dates, &signed, quiet).or_else(|| from_signed(&signed, &dates, quiet))?;
        let offset = verdict.offset;
        let server_now = at - time::Duration::seconds(offset);
        let direction = if offset > 0 { "ahead" } else { "behind" };
        let message = format!(
            "the local clock is {} {direction}: it reads {} while {}",
            // Date has one-second resolution: say the size to the minute.
            humanize_duration(std::time::Duration::from_secs(
                (offset.unsigned_abs() + 30) / 60 * 60
            )),
            rfc3339(at),
            verdict.basis.replace("{server}", &rfc3339(server_now)),
        );
        let samples_total = dates.len() + quiet.dates + quiet.signed;
        let evidence = Evidence::ClockOffset {
            local_time: rfc3339(at),
            offset_seconds: offset,
            direction: direction.to_owned(),
            uncertainty_seconds: verdict.uncertainty,
            samples: dates
                .iter()
                .chain(&signed)
                .take(MAX_LISTED_SAMPLES)
                .map(|sample| (*sample).clone())
                .collect(),
            samples_total,
        };
        Some(Self {
            finding: Finding::new(FindingCode::ClockSkew, Severity::Error, message, evidence),
            offset,
            server_now,
        })
    }

    /// Whether the verdict concerns an endpoint with these facts (one of its samples backs it,
    /// or the wrong clock explains one of its findings), and the indexes of the findings it
    /// explains.
    pub(super) fn explains(&self, facts: &ClockFacts) -> Option<Vec<usize>> {
        let explained: Vec<usize> = facts
            .windows
            .iter()
            .filter(|(_, from, until)| *from <= self.server_now && self.server_now <= *until)
            .map(|(index, _, _)| *index)
            .collect();
        let sampled = facts.samples.iter().any(|s| s.supports(self.offset));
        (sampled || !explained.is_empty()).then_some(explained)
    }
}

/// Marks a finding as a consequence of the wrong clock.
pub(super) fn mark_consequence(finding: &mut Finding) {
    finding.consequence_of = Some(FindingCode::ClockSkew);
    finding
        .message
        .push_str(" — a consequence of the wrong local clock");
}

/// The endpoint's `Date`, when its chain validated: a server whose chain fails validation (or
/// a plain-HTTP answer anyone on the path can write) is not who it claims, and two such servers
/// must not outvote the local clock.
fn date_sample(endpoint: &EndpointReport, at: OffsetDateTime) -> Option<TimeSample> {
    if !matches!(endpoint.trust, Some(Trust::Trusted { .. })) {
        return None;
    }
    let date = endpoint.http.as_ref()?.date?;
    let offset = (at - date).whole_seconds();
    Some(TimeSample {
        endpoint: endpoint.target.clone(),
        kind: "http-date",
        server_time: rfc3339(date),
        until: None,
        offset_seconds: offset,
        authenticated: false,
        // One-second resolution.
        bounds: Bounds {
            low: Some(offset - 1),
            high: Some(offset + 1),
        },
    })
}

/// Windows of verified OCSP responses and CRLs, and SCT timestamps of a trusted leaf.
fn signed_samples(endpoint: &EndpointReport, at: OffsetDateTime) -> Vec<TimeSample> {
    let mut samples = Vec::new();
    let trusted = matches!(endpoint.trust, Some(Trust::Trusted { .. }));
    if let Some(revocation) = endpoint.revocation.as_ref().filter(|_| trusted) {
        for source in revocation.sources.iter().filter(|s| s.facts.authenticated) {
            let (Some(start), Some(end)) = (source.facts.this_update, source.facts.next_update)
            else {
                continue;
            };
            let kind = match source.source {
                SourceKind::Crl => "crl",
                SourceKind::Ocsp => "ocsp",
                SourceKind::StapledOcsp => "stapled-ocsp",
            };
            samples.push(window(endpoint, kind, at, start, Some(end)));
        }
    }
    // An interceptor's forged leaf carries no SCTs; a trusted leaf's are signed by its CA.
    let leaf = endpoint.certificates.first().filter(|_| trusted);
    if let Some(earliest) = leaf.and_then(|leaf| leaf.sct_timestamps.iter().max()) {
        samples.push(window(endpoint, "sct", at, *earliest, None));
    }
    samples
}

fn window(
    endpoint: &EndpointReport,
    kind: &'static str,
    at: OffsetDateTime,
    start: OffsetDateTime,
    end: Option<OffsetDateTime>,
) -> TimeSample {
    let high = (at - start).whole_seconds();
    let low = end.map(|end| (at - end).whole_seconds());
    let offset_seconds = if high < 0 {
        high
    } else {
        low.filter(|low| *low > 0).unwrap_or(0)
    };
    TimeSample {
        endpoint: endpoint.target.clone(),
        kind,
        server_time: rfc3339(start),
        until: end.map(rfc3339),
        offset_seconds,
        authenticated: true,
        bounds: Bounds {
            low,
            high: Some(high),
        },
    }
}

/// At least two `Date` headers agreeing on an offset beyond the threshold.
fn from_dates(
    dates: &[&TimeSample],
    signed: &[&TimeSample],
    quiet: &QuietSamples,
) -> Option<Verdict> {
    let offset = consensus(dates, quiet.dates)?;
    let agreeing = dates.iter().filter(|s| s.supports(offset)).count();
    let confirming = signed.iter().filter(|s| s.supports(offset)).count();
    let mut basis = format!("{agreeing} servers' Date headers agree on {{server}}");
    if confirming > 0 {
        basis.push_str(&format!(
            ", as {confirming} source(s) signed by the validated PKI confirm"
        ));
    }
    Some(Verdict {
        offset,
        uncertainty: 1 + spread(dates, offset),
        basis,
    })
}

/// Authenticated sources that all put the local clock outside their windows, and no `Date`
/// that contradicts them.
/// `outside` are the signed samples that exclude the local clock; `quiet` holds the
/// intersection of every signed sample's bounds and the `Date`s near zero.
fn from_signed(
    outside: &[&TimeSample],
    dates: &[&TimeSample],
    quiet: &QuietSamples,
) -> Option<Verdict> {
    if outside.is_empty() {
        return None;
    }
    let bounds = quiet.signed_bounds;
    if bounds.is_empty() || bounds.allows_zero() {
        return None; // the signed sources disagree, or one vouches for the local clock
    }
    if dates.iter().any(|d| !bounds.contains(d.offset_seconds)) || !quiet.dates_within(bounds) {
        // A server's Date contradicts the signed sources (for example it agrees with the local
        // clock, and the signed source is merely stale): no verdict on conflicting evidence.
        return None;
    }
    let consistent = dates.len() + quiet.dates;
    let first_date = dates
        .first()
        .map(|d| d.offset_seconds)
        .or_else(|| (quiet.dates > 0).then_some(quiet.date_min));
    let (offset, uncertainty) = match (first_date, bounds.low, bounds.high) {
        (Some(date), _, _) => (date, 1 + SKEW_THRESHOLD_SECONDS),
        (None, Some(low), Some(high)) => ((low + high) / 2, (high - low) / 2),
        (None, Some(edge), None) | (None, None, Some(edge)) => (edge, i64::MAX),
        (None, None, None) => return None,
    };
    let kinds: Vec<String> = outside
        .iter()
        .map(|s| {
            let what = match s.kind {
                "crl" => "a CRL",
                "sct" => "an SCT",
                "stapled-ocsp" => "a stapled OCSP response",
                _ => "an OCSP response",
            };
            match &s.until {
                Some(until) => format!("{what} (valid {} to {until})", s.server_time),
                None => format!("{what} (logged {})", s.server_time),
            }
        })
        .collect();
    let mut basis = format!("{} signed by the validated PKI", kinds.join(" and "));
    if consistent > 0 {
        basis.push_str(&format!(" and {consistent} server Date header(s)"));
    }
    basis.push_str(" put the time near {server}");
    Some(Verdict {
        offset,
        uncertainty,
        basis,
    })
}

/// The agreed offset, when most samples (at least two) agree on one beyond the threshold.
/// `quiet` samples lie within the threshold: they stand in as zeros (one within the threshold
/// never agrees with an offset beyond it, and as the median it gives no verdict either way).
fn consensus(samples: &[&TimeSample], quiet: usize) -> Option<i64> {
    let mut offsets: Vec<i64> = samples.iter().map(|s| s.offset_seconds).collect();
    offsets.extend(std::iter::repeat_n(0, quiet));
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

fn spread(samples: &[&TimeSample], offset: i64) -> i64 {
    samples
        .iter()
        .filter(|s| agrees(s.offset_seconds, offset))
        .map(|s| (s.offset_seconds - offset).abs())
        .max()
        .unwrap_or(0)
}

/// The true times at which a `revocation-unavailable` finding would not hold: when every answer
/// behind it was refused only for being too old or too new, the window they all share (with
/// the threshold's slack).
fn current_window(evidence: &Evidence) -> Option<(OffsetDateTime, OffsetDateTime)> {
    let Evidence::Revocation { sources, .. } = evidence else {
        return None;
    };
    let slack = time::Duration::seconds(SKEW_THRESHOLD_SECONDS);
    let mut window: Option<(OffsetDateTime, OffsetDateTime)> = None;
    for source in sources {
        let timely = matches!(
            source.status,
            Status::Unavailable {
                reason: Unavailable::Stale | Unavailable::NotYetValid,
                ..
            }
        );
        let (Some(start), Some(end)) = (source.facts.this_update, source.facts.next_update) else {
            return None;
        };
        if !timely {
            return None;
        }
        let (from, until) = (start - slack, end + slack);
        window = Some(match window {
            Some((a, b)) => (a.max(from), b.min(until)),
            None => (from, until),
        });
    }
    window.filter(|(from, until)| from <= until)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(offset_seconds: i64) -> TimeSample {
        TimeSample {
            endpoint: String::new(),
            kind: "http-date",
            server_time: String::new(),
            until: None,
            offset_seconds,
            authenticated: false,
            bounds: Bounds::default(),
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
            let samples: Vec<&TimeSample> = samples.iter().collect();
            assert_eq!(consensus(&samples, 0), *want, "{offsets:?}");
        }
    }

    const YEAR: i64 = 365 * 86_400;

    /// `from_signed` on samples folded as a run folds them.
    fn signed_verdict(signed: &[&TimeSample], dates: &[&TimeSample]) -> Option<Verdict> {
        let mut quiet = QuietSamples::default();
        let kept: Vec<TimeSample> = signed
            .iter()
            .chain(dates)
            .filter_map(|sample| quiet.keep((*sample).clone()))
            .collect();
        let outside: Vec<&TimeSample> = kept.iter().filter(|s| s.authenticated).collect();
        let far: Vec<&TimeSample> = kept.iter().filter(|s| !s.authenticated).collect();
        from_signed(&outside, &far, &quiet)
    }

    fn at() -> OffsetDateTime {
        time::macros::datetime!(2031-08-24 00:00 UTC)
    }

    fn signed(kind: &'static str, start_years_ago: i64, days: Option<i64>) -> TimeSample {
        let start = at() - time::Duration::seconds(start_years_ago * YEAR);
        let end = days.map(|days| start + time::Duration::days(days));
        window(&EndpointReport::new("x".into()), kind, at(), start, end)
    }

    fn date(offset_seconds: i64) -> TimeSample {
        let mut sample = sample(offset_seconds);
        sample.bounds = Bounds {
            low: Some(offset_seconds - 1),
            high: Some(offset_seconds + 1),
        };
        sample
    }

    #[test]
    fn one_signed_window_far_from_the_clock_is_skew_unless_a_server_vouches_for_the_clock() {
        let ocsp = signed("ocsp", 5, Some(7));
        let verdict = signed_verdict(&[&ocsp], &[]).map(|v| v.offset);
        assert!(
            verdict.is_some_and(|offset| offset > 4 * YEAR && offset < 5 * YEAR),
            "{verdict:?}"
        );
        // A Date agreeing with the local clock: the signed source is stale, the clock is fine.
        assert!(signed_verdict(&[&ocsp], &[&date(2)]).is_none());
        // A Date agreeing with the window sharpens the estimate.
        let sharp = signed_verdict(&[&ocsp], &[&date(5 * YEAR - 3600)]);
        assert_eq!(sharp.map(|v| v.offset), Some(5 * YEAR - 3600));
    }

    #[test]
    fn signed_sources_that_disagree_or_contain_the_clock_give_no_verdict() {
        let old = signed("crl", 5, Some(7));
        let current = signed("ocsp", 0, Some(7));
        assert!(signed_verdict(&[&old, &current], &[]).is_none());
        let inside = signed("crl", 0, Some(30));
        assert!(signed_verdict(&[&inside], &[]).is_none());
        assert!(signed_verdict(&[], &[]).is_none());
    }

    #[test]
    fn an_sct_from_the_future_says_the_clock_is_behind() {
        // Logged one year after the local clock's reading: the clock is at least a year behind.
        let sct = signed("sct", -1, None);
        let verdict = signed_verdict(&[&sct], &[]).map(|v| v.offset);
        assert_eq!(verdict, Some(-YEAR));
    }

    /// An endpoint whose `Date` is `offset` seconds behind `at`; its chain validated or not.
    fn dated(name: &str, at: OffsetDateTime, offset: i64, validated: bool) -> EndpointReport {
        let mut endpoint = EndpointReport::new(format!("https://{name}/"));
        endpoint.http = Some(crate::report::HttpFacts {
            status: 200,
            status_line: "HTTP/1.1 200 OK".into(),
            date: Some(at - time::Duration::seconds(offset)),
            date_invalid: None,
        });
        endpoint.trust = Some(if validated {
            Trust::Trusted {
                source: crate::validate::AnchorSource::Mozilla,
                anchor_subject: "CN=root".into(),
                anchor_spki_sha256: String::new(),
                via_fetched_intermediate: false,
            }
        } else {
            Trust::Untrusted {
                reason: "self-signed".into(),
            }
        });
        endpoint
    }

    #[test]
    fn dates_of_servers_whose_chain_fails_never_outvote_the_clock_nor_relabel_others() {
        let at = at();
        // Two hostile servers, self-signed, agree on a Date 400 days behind; a third endpoint is
        // genuinely expired (its window ended a year ago: by the hostile Date it would be current,
        // and its expiry "a consequence of the wrong local clock").
        let behind = 400 * 86_400;
        let mut endpoints = vec![
            dated("hostile1", at, behind, false),
            dated("hostile2", at, behind, false),
            dated("expired", at, 0, true),
        ];
        let expired = Finding::new(
            FindingCode::Expired,
            Severity::Error,
            "the leaf expired".to_owned(),
            Evidence::Validity {
                at: rfc3339(at),
                not_before: rfc3339(at - time::Duration::days(800)),
                not_after: rfc3339(at - time::Duration::days(365)),
            },
        );
        endpoints[2].findings.push(expired.at_cert(0));
        crate::detect::assess_across(&mut endpoints, at);
        for endpoint in &endpoints {
            assert!(
                endpoint
                    .findings
                    .iter()
                    .all(|f| f.code != FindingCode::ClockSkew && f.consequence_of.is_none()),
                "{}: {:?}",
                endpoint.target,
                endpoint.findings
            );
        }
    }

    #[test]
    fn every_endpoint_whose_date_agrees_within_the_tolerance_carries_the_verdict() {
        let at = at();
        // Five years ahead; the third server's Date is ten minutes off the others (within 1%).
        let mut endpoints: Vec<EndpointReport> = [0, 1, 600]
            .iter()
            .enumerate()
            .map(|(index, extra)| dated(&format!("host{index}"), at, 5 * YEAR + extra, true))
            .collect();
        crate::detect::assess_across(&mut endpoints, at);
        for endpoint in &endpoints {
            assert_eq!(
                endpoint.headline,
                Some(FindingCode::ClockSkew),
                "{}",
                endpoint.target
            );
        }
    }
}
