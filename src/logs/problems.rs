//! Aggregation of diagnosed attempts into *problems*: a finding code and what identifies its
//! cause (the product and root for interception, the host for a name mismatch, the proxy for a
//! 407, the direction for clock skew, …). Every attempt counts, whatever the size of the input.
//! Memory is bounded by the number of problems — at most [`MAX_PROBLEMS`] distinct causes; later
//! causes of a code share one "other causes" problem, still counted exactly — and details are
//! bounded per problem: the first and the latest three examples, and its incidents compacted to
//! at most [`MAX_RUNS`] runs. Also kept: the latest state per host (bounded) and a bounded list
//! of incidents (the first and the most recent).
//!
//! An *incident* is a burst of one problem: attempts less than [`QUIET_SECONDS`] apart. A problem
//! is *ongoing* when its last attempt lies within [`QUIET_SECONDS`] of the end of the log: its
//! last incident had not ended when the log did.

use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::attempt::{Attempt, CertBlock, ClosedAttempt};
use crate::clock::serde_time;
use crate::finding::{Evidence, Finding, FindingCode, Severity, headline};
use crate::wincodes::winhttp;

/// Attempts of one problem less than this apart belong to one incident; a problem whose last
/// attempt is this close to the end of the log is ongoing.
pub const QUIET_SECONDS: i64 = 3600;
/// Distinct problems kept with their own cause.
pub const MAX_PROBLEMS: usize = 256;
/// Runs kept per problem for the timeline: every incident up to this many, then the closest
/// neighbours merge (a month of hourly bursts fits).
pub const MAX_RUNS: usize = 1024;
/// Hosts whose latest state is kept.
pub const MAX_HOSTS: usize = 256;
/// Examples kept at each end of a problem's history.
const EXAMPLES: usize = 3;
/// Incidents listed at each end of the log.
pub const LISTED_INCIDENTS: usize = 100;
/// The cause shared by the problems of one code beyond [`MAX_PROBLEMS`].
const OTHER_CAUSES: &str = "(other causes)";

/// An attempt as the report shows it: its numbers decoded.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AttemptReport {
    /// `ip:port`.
    pub destination: Option<String>,
    /// The name logged beside it.
    pub destination_name: Option<String>,
    /// `Status`, hex.
    pub status: Option<String>,
    /// Its name.
    pub status_name: Option<&'static str>,
    /// `Info` flags, hex.
    pub info: Option<String>,
    /// The flags' names.
    pub flags: Vec<String>,
    /// `hr`, hex.
    pub hresult: Option<String>,
    /// Its name(s) and meaning.
    pub hresult_name: Option<String>,
    /// `Code`, hex.
    pub code: Option<String>,
    /// Its name and meaning.
    pub code_name: Option<String>,
    /// The certificate block.
    pub certificate: Option<CertBlock>,
    /// The client retried without the proxy.
    pub proxy_fallback: bool,
    /// `file:line` of the lines behind it.
    pub citations: Vec<String>,
}

impl AttemptReport {
    /// Decodes an attempt.
    pub fn new(attempt: &Attempt, citations: &[String]) -> Self {
        let hex = |value: u32| format!("0x{value:08x}");
        let named = |explanation: crate::wincodes::Explanation| {
            let names = explanation.names.join(" / ");
            Some(if names.is_empty() {
                explanation.meaning
            } else {
                format!("{names}: {}", explanation.meaning)
            })
        };
        Self {
            destination: attempt.destination.clone(),
            destination_name: attempt.destination_name.clone(),
            status: attempt.status.map(hex),
            status_name: attempt.status.and_then(winhttp::status_name),
            info: (attempt.info != 0).then(|| hex(attempt.info)),
            flags: winhttp::decode_flags(attempt.info),
            hresult: attempt.hresult.map(hex),
            hresult_name: attempt
                .hresult
                .and_then(|hr| named(crate::wincodes::explain_hresult(hr))),
            code: attempt.code.map(hex),
            code_name: attempt
                .code
                .and_then(|code| named(crate::wincodes::explain_error(code))),
            certificate: attempt.certificate.clone(),
            proxy_fallback: attempt.proxy_fallback,
            citations: citations.to_vec(),
        }
    }
}

/// A stretch of time in which a problem happened: one incident, or neighbouring ones merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Run {
    /// First attempt.
    #[serde(with = "serde_time")]
    #[schemars(with = "String")]
    pub first: OffsetDateTime,
    /// Last attempt.
    #[serde(with = "serde_time")]
    #[schemars(with = "String")]
    pub last: OffsetDateTime,
    /// Attempts in it.
    pub attempts: u64,
    /// Incidents in it.
    pub incidents: u64,
}

impl Run {
    fn merge(&mut self, other: &Self) {
        self.first = self.first.min(other.first);
        self.last = self.last.max(other.last);
        self.attempts += other.attempts;
        self.incidents += other.incidents;
    }
}

/// One incident, as listed.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct IncidentReport {
    /// 1-based, in order of start.
    pub id: u64,
    /// The problem's id.
    pub problem: usize,
    /// The problem's code.
    pub code: FindingCode,
    /// The problem's cause.
    pub cause: String,
    /// First attempt.
    #[serde(with = "serde_time")]
    #[schemars(with = "String")]
    pub first: OffsetDateTime,
    /// Last attempt.
    #[serde(with = "serde_time")]
    #[schemars(with = "String")]
    pub last: OffsetDateTime,
    /// Attempts in it.
    pub attempts: u64,
    /// Its last attempt lies within the quiet time of the end of the log.
    pub ongoing: bool,
    /// `file:line` of its first and last attempts.
    pub evidence: Vec<String>,
    /// Its first attempt, decoded.
    pub example: AttemptReport,
}

/// One problem, as reported.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ProblemReport {
    /// 1-based, in order of first appearance.
    pub id: usize,
    /// The finding code.
    pub code: FindingCode,
    /// What identifies the cause.
    pub cause: String,
    /// How bad.
    pub severity: Severity,
    /// The latest attempt's finding, in words.
    pub message: String,
    /// What to do.
    pub advice: &'static str,
    /// Attempts with this problem (exact).
    pub attempts: u64,
    /// Incidents: bursts of attempts less than an hour apart (exact).
    pub incidents: u64,
    /// First attempt.
    #[serde(with = "serde_time")]
    #[schemars(with = "String")]
    pub first: OffsetDateTime,
    /// Latest attempt.
    #[serde(with = "serde_time")]
    #[schemars(with = "String")]
    pub last: OffsetDateTime,
    /// Still happening when the log ended (last attempt within an hour of its end).
    pub ongoing: bool,
    /// The WinHTTP flags logged with its attempts.
    pub winhttp_flags: Vec<String>,
    /// `file:line` of the first three and the last three attempts.
    pub evidence: Vec<String>,
    /// Its incidents over time (at most 1,024 runs; beyond, the closest neighbours merge).
    pub runs: Vec<Run>,
    /// The first attempt, decoded.
    pub first_example: AttemptReport,
    /// The latest attempt, decoded.
    pub latest_example: AttemptReport,
    /// The latest attempt's finding (listed in the report's `findings`).
    #[serde(skip)]
    pub finding: Finding,
}

/// The latest state of one host.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct HostReport {
    /// The host (the certificate's name, or the destination logged).
    pub host: String,
    /// Failed attempts.
    pub attempts: u64,
    /// First failure.
    #[serde(with = "serde_time")]
    #[schemars(with = "String")]
    pub first_failure: OffsetDateTime,
    /// Latest failure.
    #[serde(with = "serde_time")]
    #[schemars(with = "String")]
    pub last_failure: OffsetDateTime,
    /// The latest failure's most specific finding.
    pub last_problem: FindingCode,
    /// Its cause.
    pub last_cause: String,
    /// `file:line` of the latest failure.
    pub last_evidence: Option<String>,
    /// Failing when the log ended (latest failure within an hour of its end).
    pub failing_at_end: bool,
}

/// A row of the compacted timeline.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TimelineRow {
    /// The problem's id.
    pub problem: usize,
    /// Its code.
    pub code: FindingCode,
    /// Its cause.
    pub cause: String,
    /// The run.
    #[serde(flatten)]
    pub run: Run,
}

struct OpenIncident {
    id: u64,
    run: Run,
    first_cite: Option<String>,
    last_cite: Option<String>,
    example: Rc<ClosedAttempt>,
}

/// An incident kept for the list; its example is decoded when the report is built.
struct ClosedIncident {
    id: u64,
    problem: usize,
    code: FindingCode,
    cause: String,
    run: Run,
    ongoing: bool,
    evidence: Vec<String>,
    example: Rc<ClosedAttempt>,
}

impl ClosedIncident {
    fn report(self) -> IncidentReport {
        IncidentReport {
            id: self.id,
            problem: self.problem,
            code: self.code,
            cause: self.cause,
            first: self.run.first,
            last: self.run.last,
            attempts: self.run.attempts,
            ongoing: self.ongoing,
            evidence: self.evidence,
            example: AttemptReport::new(&self.example.attempt, &self.example.citations),
        }
    }
}

struct Problem {
    id: usize,
    code: FindingCode,
    cause: String,
    finding: Finding,
    attempts: u64,
    incidents: u64,
    first: OffsetDateTime,
    last: OffsetDateTime,
    info: u32,
    first_evidence: Vec<String>,
    last_evidence: VecDeque<String>,
    first_example: Rc<ClosedAttempt>,
    latest_example: Rc<ClosedAttempt>,
    runs: Vec<Run>,
    open: Option<OpenIncident>,
}

struct Host {
    attempts: u64,
    first: OffsetDateTime,
    last: OffsetDateTime,
    code: FindingCode,
    cause: String,
    evidence: Option<String>,
}

/// The first [`LISTED_INCIDENTS`] incidents and the most recently closed ones.
#[derive(Default)]
struct IncidentList {
    first: Vec<ClosedIncident>,
    recent: VecDeque<ClosedIncident>,
    total: u64,
}

impl IncidentList {
    fn push(&mut self, incident: ClosedIncident) {
        self.total += 1;
        if incident.id <= LISTED_INCIDENTS as u64 {
            self.first.push(incident);
        } else {
            if self.recent.len() == LISTED_INCIDENTS {
                self.recent.pop_front();
            }
            self.recent.push_back(incident);
        }
    }
}

/// Takes diagnosed attempts, keeps problems, hosts and incidents.
#[derive(Default)]
pub struct Aggregator {
    problems: Vec<Problem>,
    index: HashMap<(FindingCode, String), usize>,
    hosts: HashMap<String, Host>,
    other_host_attempts: u64,
    incidents: IncidentList,
    next_incident: u64,
}

/// Everything aggregated, once the log has ended.
#[derive(Debug, Clone)]
pub struct Aggregated {
    /// Problems, most severe first, then most attempts.
    pub problems: Vec<ProblemReport>,
    /// Hosts, latest failure first.
    pub hosts: Vec<HostReport>,
    /// Attempts to hosts beyond [`MAX_HOSTS`] (counted in the problems, not per host).
    pub other_host_attempts: u64,
    /// Incidents listed, in order of start.
    pub incidents: Vec<IncidentReport>,
    /// Incidents in all (exact).
    pub incidents_total: u64,
}

impl Aggregator {
    /// An empty aggregator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one attempt and its findings.
    pub fn add(&mut self, closed: ClosedAttempt, findings: &[Finding]) {
        let closed = Rc::new(closed);
        let at = closed.first;
        let cite = closed.citations.first().cloned();
        let host = host_of(&closed.attempt);
        let mut seen = Vec::new();
        for finding in findings {
            let cause = cause(finding, &closed.attempt, &host);
            let key = (finding.code, cause);
            if seen.contains(&key) {
                continue;
            }
            seen.push(key.clone());
            let index = self.problem_index(key, finding, at, &closed);
            self.record(index, finding, cite.as_ref(), &closed);
        }
        if let Some(top) = headline(findings) {
            let cause = cause(top, &closed.attempt, &host);
            self.record_host(host, top.code, cause, at, cite);
        }
    }

    fn problem_index(
        &mut self,
        key: (FindingCode, String),
        finding: &Finding,
        at: OffsetDateTime,
        example: &Rc<ClosedAttempt>,
    ) -> usize {
        if let Some(&index) = self.index.get(&key) {
            return index;
        }
        let key = if self.problems.len() >= MAX_PROBLEMS {
            (key.0, OTHER_CAUSES.to_owned())
        } else {
            key
        };
        if let Some(&index) = self.index.get(&key) {
            return index;
        }
        let index = self.problems.len();
        self.problems.push(Problem {
            id: index + 1,
            code: key.0,
            cause: key.1.clone(),
            finding: finding.clone(),
            attempts: 0,
            incidents: 0,
            first: at,
            last: at,
            info: 0,
            first_evidence: Vec::new(),
            last_evidence: VecDeque::new(),
            first_example: Rc::clone(example),
            latest_example: Rc::clone(example),
            runs: Vec::new(),
            open: None,
        });
        self.index.insert(key, index);
        index
    }

    fn record(
        &mut self,
        index: usize,
        finding: &Finding,
        cite: Option<&String>,
        example: &Rc<ClosedAttempt>,
    ) {
        let at = example.first;
        let problem = &mut self.problems[index];
        problem.attempts += 1;
        problem.info |= example.attempt.info;
        if at < problem.first {
            problem.first = at;
            problem.first_example = Rc::clone(example);
        }
        if at >= problem.last {
            problem.last = at;
            problem.latest_example = Rc::clone(example);
            problem.finding = finding.clone();
        }
        if let Some(cite) = cite {
            if problem.first_evidence.len() < EXAMPLES {
                problem.first_evidence.push(cite.clone());
            } else {
                if problem.last_evidence.len() == EXAMPLES {
                    problem.last_evidence.pop_front();
                }
                problem.last_evidence.push_back(cite.clone());
            }
        }
        let quiet = Duration::seconds(QUIET_SECONDS);
        if let Some(open) = problem.open.as_mut()
            && at - open.run.last <= quiet
            && open.run.first - at <= quiet
        {
            open.run.merge(&Run {
                first: at,
                last: at,
                attempts: 1,
                incidents: 0,
            });
            open.last_cite = cite.cloned();
            return;
        }
        self.next_incident += 1;
        let started = OpenIncident {
            id: self.next_incident,
            run: Run {
                first: at,
                last: at,
                attempts: 1,
                incidents: 1,
            },
            first_cite: cite.cloned(),
            last_cite: cite.cloned(),
            example: Rc::clone(example),
        };
        let problem = &mut self.problems[index];
        problem.incidents += 1;
        // An attempt long before the open incident (inputs out of time order) is an incident
        // of its own in the past; otherwise the open incident is over.
        let closed = match problem.open.as_ref() {
            Some(open) if at < open.run.first => Some(started),
            _ => problem.open.replace(started),
        };
        if let Some(closed) = closed {
            self.close_incident(index, closed, None);
        }
    }

    fn close_incident(&mut self, index: usize, open: OpenIncident, end: Option<OffsetDateTime>) {
        let problem = &mut self.problems[index];
        add_run(&mut problem.runs, open.run);
        let ongoing = end.is_some_and(|end| is_recent(open.run.last, end));
        let evidence = open
            .first_cite
            .into_iter()
            .chain(open.last_cite)
            .collect::<Vec<_>>();
        let mut evidence = evidence;
        evidence.dedup();
        self.incidents.push(ClosedIncident {
            id: open.id,
            problem: problem.id,
            code: problem.code,
            cause: problem.cause.clone(),
            run: open.run,
            ongoing,
            evidence,
            example: open.example,
        });
    }

    fn record_host(
        &mut self,
        host: String,
        code: FindingCode,
        cause: String,
        at: OffsetDateTime,
        evidence: Option<String>,
    ) {
        if !self.hosts.contains_key(&host) && self.hosts.len() >= MAX_HOSTS {
            // Full: the host failing longest ago makes room, so the latest state per host is
            // kept (logs are read in time order); what it had counts as "other hosts".
            let oldest = self
                .hosts
                .iter()
                .min_by(|a, b| a.1.last.cmp(&b.1.last).then_with(|| b.0.cmp(a.0)))
                .map(|(name, state)| (name.clone(), state.last));
            match oldest {
                Some((name, last)) if last <= at => {
                    if let Some(evicted) = self.hosts.remove(&name) {
                        self.other_host_attempts += evicted.attempts;
                    }
                }
                _ => {
                    self.other_host_attempts += 1;
                    return;
                }
            }
        }
        let entry = self.hosts.entry(host).or_insert_with(|| Host {
            attempts: 0,
            first: at,
            last: at,
            code,
            cause: cause.clone(),
            evidence: evidence.clone(),
        });
        entry.attempts += 1;
        entry.first = entry.first.min(at);
        if at >= entry.last {
            entry.last = at;
            entry.code = code;
            entry.cause = cause;
            entry.evidence = evidence;
        }
    }

    /// Ends the log at `end` (its last log time): closes open incidents and builds the reports.
    pub fn finish(mut self, end: Option<OffsetDateTime>) -> Aggregated {
        for index in 0..self.problems.len() {
            if let Some(open) = self.problems[index].open.take() {
                self.close_incident(index, open, end);
            }
        }
        let recent = |at| end.is_some_and(|end| is_recent(at, end));
        let mut problems: Vec<ProblemReport> = self
            .problems
            .into_iter()
            .map(|problem| {
                let mut evidence = problem.first_evidence;
                evidence.extend(problem.last_evidence);
                let mut winhttp_flags = winhttp::decode_flags(problem.info);
                if let Some(flag) = problem.finding.winhttp_flag
                    && problem.info == 0
                {
                    winhttp_flags.push(flag.to_owned());
                }
                ProblemReport {
                    id: problem.id,
                    code: problem.code,
                    cause: problem.cause,
                    severity: problem.finding.severity,
                    message: problem.finding.message.clone(),
                    advice: problem.finding.advice(),
                    attempts: problem.attempts,
                    incidents: problem.incidents,
                    first: problem.first,
                    last: problem.last,
                    ongoing: recent(problem.last),
                    winhttp_flags,
                    evidence,
                    runs: problem.runs,
                    first_example: AttemptReport::new(
                        &problem.first_example.attempt,
                        &problem.first_example.citations,
                    ),
                    latest_example: AttemptReport::new(
                        &problem.latest_example.attempt,
                        &problem.latest_example.citations,
                    ),
                    finding: problem.finding,
                }
            })
            .collect();
        problems.sort_by_key(|p| {
            (
                std::cmp::Reverse(p.severity),
                std::cmp::Reverse(p.attempts),
                p.id,
            )
        });
        let mut hosts: Vec<HostReport> = self
            .hosts
            .into_iter()
            .map(|(host, state)| HostReport {
                host,
                attempts: state.attempts,
                first_failure: state.first,
                last_failure: state.last,
                last_problem: state.code,
                last_cause: state.cause,
                last_evidence: state.evidence,
                failing_at_end: recent(state.last),
            })
            .collect();
        hosts.sort_by(|a, b| {
            b.last_failure
                .cmp(&a.last_failure)
                .then(a.host.cmp(&b.host))
        });
        let mut incidents: Vec<IncidentReport> = self
            .incidents
            .first
            .into_iter()
            .chain(self.incidents.recent)
            .map(ClosedIncident::report)
            .collect();
        incidents.sort_by_key(|incident| incident.id);
        Aggregated {
            problems,
            hosts,
            other_host_attempts: self.other_host_attempts,
            incidents,
            incidents_total: self.incidents.total,
        }
    }
}

fn is_recent(at: OffsetDateTime, end: OffsetDateTime) -> bool {
    end - at <= Duration::seconds(QUIET_SECONDS)
}

/// Adds a run in time order; beyond [`MAX_RUNS`], the two closest neighbours merge.
fn add_run(runs: &mut Vec<Run>, run: Run) {
    let position = runs.partition_point(|existing| existing.first <= run.first);
    runs.insert(position, run);
    if runs.len() > MAX_RUNS {
        let closest = (0..runs.len() - 1)
            .min_by_key(|&i| runs[i + 1].first - runs[i].last)
            .unwrap_or(0);
        let next = runs.remove(closest + 1);
        runs[closest].merge(&next);
    }
}

/// The timeline: every problem's runs in time order, with the closest runs of each problem
/// merged until at most `limit` rows remain (none: every run). Returns the rows and how many
/// runs could not be shown (more problems than rows: the rows with fewest attempts go).
pub fn timeline(problems: &[ProblemReport], limit: Option<usize>) -> (Vec<TimelineRow>, usize) {
    let mut runs: Vec<Vec<Run>> = problems.iter().map(|p| p.runs.clone()).collect();
    let total: usize = runs.iter().map(Vec::len).sum();
    let mut omitted = 0;
    if let Some(limit) = limit
        && total > limit
    {
        // Merging two neighbours leaves every other gap as it was: merge the smallest gaps.
        let mut gaps: Vec<(Duration, usize, usize)> = runs
            .iter()
            .enumerate()
            .flat_map(|(p, list)| {
                list.windows(2)
                    .enumerate()
                    .map(move |(i, pair)| (pair[1].first - pair[0].last, p, i))
            })
            .collect();
        gaps.sort();
        let mut merge_after: Vec<Vec<bool>> =
            runs.iter().map(|list| vec![false; list.len()]).collect();
        for (_, p, i) in gaps.iter().take(total - limit) {
            merge_after[*p][*i] = true;
        }
        for (list, flags) in runs.iter_mut().zip(&merge_after) {
            let mut merged: Vec<Run> = Vec::with_capacity(list.len());
            for (i, run) in list.iter().enumerate() {
                match merged.last_mut() {
                    Some(previous) if i > 0 && flags[i - 1] => previous.merge(run),
                    _ => merged.push(*run),
                }
            }
            *list = merged;
        }
    }
    let mut rows: Vec<TimelineRow> = problems
        .iter()
        .zip(runs)
        .flat_map(|(problem, list)| {
            list.into_iter().map(|run| TimelineRow {
                problem: problem.id,
                code: problem.code,
                cause: problem.cause.clone(),
                run,
            })
        })
        .collect();
    if let Some(limit) = limit
        && rows.len() > limit
    {
        rows.sort_by_key(|row| std::cmp::Reverse(row.run.attempts));
        omitted = rows.len() - limit;
        rows.truncate(limit);
    }
    rows.sort_by_key(|row| (row.run.first, row.problem));
    (rows, omitted)
}

/// The host an attempt was about: the name in its certificate (for a forged certificate, the
/// name forged), else the destination's name (Google's `*.1e100.net` names taken as one), else
/// its address.
fn host_of(attempt: &Attempt) -> String {
    let from_certificate = attempt.certificate.as_ref().and_then(|cert| {
        cert.subject
            .iter()
            .rev()
            .find(|value| looks_like_host(value))
    });
    if let Some(name) = from_certificate {
        return name.clone();
    }
    match (&attempt.destination_name, &attempt.destination) {
        (Some(name), _) if name.ends_with(".1e100.net") => "*.1e100.net".to_owned(),
        (Some(name), _) if looks_like_host(name) => name.clone(),
        (_, Some(address)) => address.clone(),
        (Some(name), None) => name.clone(),
        (None, None) => "(destination not logged)".to_owned(),
    }
}

fn looks_like_host(value: &str) -> bool {
    value.contains('.')
        && value.len() <= 253
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '*' | '_'))
}

/// What identifies a finding's cause within its code.
fn cause(finding: &Finding, attempt: &Attempt, host: &str) -> String {
    let issuer = || {
        attempt
            .certificate
            .as_ref()
            .filter(|cert| !cert.issuer.is_empty())
            .map(|cert| cert.issuer.join(", "))
            .unwrap_or_else(|| "issuer not logged".to_owned())
    };
    match (finding.code, &finding.evidence) {
        (FindingCode::Interception, Evidence::Interception { product, .. }) => format!(
            "{}, root {}",
            product.as_deref().unwrap_or("unidentified proxy"),
            issuer()
        ),
        (FindingCode::ClockSkew, Evidence::ClockSkew { direction, .. }) => {
            format!("clock {direction}")
        }
        (
            FindingCode::UntrustedRoot
            | FindingCode::SelfSigned
            | FindingCode::IncompleteChain
            | FindingCode::UnexpectedIssuer,
            _,
        ) => issuer(),
        (FindingCode::ProxyAuthRequired, _) => format!(
            "proxy {}",
            attempt
                .destination
                .as_deref()
                .unwrap_or("(address not logged)")
        ),
        (FindingCode::ProxyFailed, _) => attempt
            .code
            .and_then(winhttp::error_name)
            .unwrap_or("an error")
            .to_owned(),
        (FindingCode::RevocationUnavailable, _) => "revocation servers".to_owned(),
        _ => host.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> OffsetDateTime {
        time::macros::datetime!(2024-01-01 00:00 UTC) + Duration::minutes(minutes)
    }

    fn run(first: i64, last: i64, attempts: u64) -> Run {
        Run {
            first: at(first),
            last: at(last),
            attempts,
            incidents: 1,
        }
    }

    #[test]
    fn runs_beyond_the_cap_merge_their_closest_neighbours() {
        let mut runs = Vec::new();
        for i in 0..(MAX_RUNS as i64 + 1) {
            // Every gap is 100 minutes except one of 10 (between runs 5 and 6).
            let start = i * 101 - if i > 5 { 90 } else { 0 };
            add_run(&mut runs, run(start, start + 1, 1));
        }
        assert_eq!(runs.len(), MAX_RUNS);
        assert_eq!(runs[5].attempts, 2);
        assert_eq!(runs[5].incidents, 2);
        assert_eq!(
            runs.iter().map(|r| r.attempts).sum::<u64>(),
            MAX_RUNS as u64 + 1
        );
    }

    #[test]
    fn the_latest_hosts_are_kept_when_more_fail_than_are_listed() {
        let mut aggregator = Aggregator::new();
        let start = time::macros::datetime!(2026-01-01 00:00 UTC);
        let extra = 44;
        for index in 0..MAX_HOSTS + extra {
            let at = start + Duration::minutes(index as i64);
            let host = format!("host{index}.example");
            aggregator.record_host(host, FindingCode::DnsFailed, "dns".into(), at, None);
        }
        let aggregated = aggregator.finish(None);
        assert_eq!(aggregated.hosts.len(), MAX_HOSTS);
        assert_eq!(aggregated.other_host_attempts, extra as u64);
        let latest = format!("host{}.example", MAX_HOSTS + extra - 1);
        assert_eq!(aggregated.hosts[0].host, latest);
        assert!(
            aggregated
                .hosts
                .iter()
                .all(|host| host.host != "host0.example")
        );
    }

    #[test]
    fn hosts_and_causes_come_from_what_the_log_names() {
        let mut attempt = Attempt {
            destination: Some("142.250.1.1:443".to_owned()),
            destination_name: Some("fra16s01-in-f1.1e100.net".to_owned()),
            ..Attempt::default()
        };
        assert_eq!(host_of(&attempt), "*.1e100.net");
        attempt.certificate = Some(CertBlock {
            subject: vec!["US".into(), "Google Inc".into(), "*.googleapis.com".into()],
            ..CertBlock::default()
        });
        assert_eq!(host_of(&attempt), "*.googleapis.com");
        assert_eq!(host_of(&Attempt::default()), "(destination not logged)");
    }
}
