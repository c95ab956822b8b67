//! Verdicts across a run's endpoints — shared leaf keys and issuers, and the clock — computed
//! from compact facts kept per endpoint ([`EndpointFacts`]: hashes, names, time samples and
//! windows), never from whole reports, so that a scan can write each endpoint as soon as it is
//! judged and keep memory bounded. The verdicts come back as [`Amendment`]s: applied to the
//! reports when the run is rendered whole, written as their own lines when it streams.

use serde::Serialize;
use time::OffsetDateTime;

use super::clock::{ClockFacts, ClockVerdict, QuietSamples, mark_consequence};
use super::mitm::{LeafFacts, across_signals, strengthen, upgraded};
use crate::finding::{Finding, FindingCode, Severity, headline, precedence};
use crate::report::{EndpointReport, Status};

/// What the cross-endpoint verdicts keep of one endpoint.
#[derive(Debug, Clone)]
struct EndpointFacts {
    id: usize,
    target: String,
    /// The findings' highest severity and the headline's (severity, code), to say the amended
    /// status and headline without the report.
    worst: Option<Severity>,
    headline: Option<(Severity, FindingCode)>,
    leaf: Option<LeafFacts>,
    clock: ClockFacts,
}

impl EndpointFacts {
    /// The facts of endpoint `id` (its position in the run), judged at `at`; none when no
    /// cross-endpoint verdict could concern it (what it adds to the verdicts without being
    /// concerned goes to `quiet`).
    fn of(
        id: usize,
        endpoint: &EndpointReport,
        at: OffsetDateTime,
        quiet: &mut QuietSamples,
    ) -> Option<Self> {
        let leaf = LeafFacts::of(endpoint);
        let clock = ClockFacts::of(endpoint, at, quiet);
        if leaf.is_none() && clock.is_empty() {
            return None;
        }
        Some(Self {
            id,
            target: endpoint.target.clone(),
            worst: endpoint.findings.iter().map(|f| f.severity).max(),
            headline: headline(&endpoint.findings).map(|f| (f.severity, f.code)),
            leaf,
            clock,
        })
    }
}

/// What the cross-endpoint verdicts change in one endpoint's report. Applied in this order:
/// the findings at `consequences` (indexes into the findings as first reported) are marked as
/// consequences of `clock-skew`; `signals` are added to its `interception` finding, or, when
/// `removed` names `unexpected-issuer`, that finding is replaced by the `interception` in
/// `added`; `clock-skew` (in `added`) goes first.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Amendment {
    /// The endpoint's position in the run (its `id` in JSON Lines).
    pub id: usize,
    /// The endpoint's target.
    pub target: String,
    /// Findings added (`clock-skew`, `interception`).
    pub added: Vec<Finding>,
    /// Codes of findings removed (`unexpected-issuer`, when it became `interception`).
    pub removed: Vec<FindingCode>,
    /// Signals appended to an existing `interception` finding.
    pub signals: Vec<String>,
    /// Indexes of findings the wrong clock explains.
    pub consequences: Vec<usize>,
    /// The endpoint's status once amended.
    pub status: Status,
    /// The endpoint's headline once amended.
    pub headline: Option<FindingCode>,
    #[serde(skip)]
    upgrade: bool,
    #[serde(skip)]
    was: Status,
}

impl Amendment {
    fn new(facts: &EndpointFacts) -> Self {
        Self {
            id: facts.id,
            target: facts.target.clone(),
            added: Vec::new(),
            removed: Vec::new(),
            signals: Vec::new(),
            consequences: Vec::new(),
            status: Status::from_worst(facts.worst),
            headline: facts.headline.map(|(_, code)| code),
            upgrade: false,
            was: Status::from_worst(facts.worst),
        }
    }

    /// The endpoint's status before the amendment.
    pub fn was(&self) -> Status {
        self.was
    }

    /// Applies the amendment to the endpoint's report.
    pub fn apply(&self, endpoint: &mut EndpointReport) {
        for &index in &self.consequences {
            if let Some(finding) = endpoint.findings.get_mut(index) {
                mark_consequence(finding);
            }
        }
        if !self.signals.is_empty() {
            strengthen(endpoint, &self.signals, self.upgrade);
        }
        for finding in &self.added {
            if finding.code == FindingCode::ClockSkew {
                endpoint.findings.insert(0, finding.clone());
            }
        }
        endpoint.refresh();
    }

    /// Sets the amended status and headline from what was there and what is added.
    fn settle(&mut self, facts: &EndpointFacts) {
        let kept = facts
            .headline
            .filter(|(_, code)| !self.removed.contains(code));
        let worst = facts
            .worst
            .into_iter()
            .chain(self.added.iter().map(|f| f.severity))
            .max();
        self.status = Status::from_worst(worst);
        self.headline = kept
            .into_iter()
            .chain(self.added.iter().map(|f| (f.severity, f.code)))
            .min_by_key(|(severity, code)| precedence(*severity, *code))
            .map(|(_, code)| code);
    }
}

/// What a run keeps for the verdicts across endpoints: the facts of the endpoints they could
/// concern, and the rest folded (a run of healthy endpoints keeps nothing per endpoint).
#[derive(Debug, Clone, Default)]
pub struct RunFacts {
    endpoints: Vec<EndpointFacts>,
    quiet: QuietSamples,
}

impl RunFacts {
    /// Takes what the verdicts need of endpoint `id` (its position in the run), judged at `at`.
    pub fn add(&mut self, id: usize, endpoint: &EndpointReport, at: OffsetDateTime) {
        self.endpoints
            .extend(EndpointFacts::of(id, endpoint, at, &mut self.quiet));
    }

    /// How many endpoints' facts are kept.
    pub fn kept(&self) -> usize {
        self.endpoints.len()
    }

    /// The amendments of the run, judged at `at`.
    pub fn amendments(&self, at: OffsetDateTime) -> Vec<Amendment> {
        amendments(&self.endpoints, &self.quiet, at)
    }
}

/// The amendments of a run whose endpoints left these facts (in any order), judged at `at`.
fn amendments(facts: &[EndpointFacts], quiet: &QuietSamples, at: OffsetDateTime) -> Vec<Amendment> {
    let mut amended: Vec<Amendment> = facts.iter().map(Amendment::new).collect();
    let mut touched = vec![false; facts.len()];
    let suspects: Vec<(usize, &LeafFacts)> = facts
        .iter()
        .enumerate()
        .filter_map(|(position, f)| Some((position, f.leaf.as_ref()?)))
        .collect();
    let leaves: Vec<&LeafFacts> = suspects.iter().map(|(_, leaf)| *leaf).collect();
    for ((position, _), (signals, shared_key)) in suspects.iter().zip(across_signals(&leaves)) {
        let intercepted = facts[*position]
            .leaf
            .as_ref()
            .is_some_and(LeafFacts::intercepted);
        let amendment = &mut amended[*position];
        if signals.is_empty() || (!intercepted && !shared_key) {
            continue;
        }
        if !intercepted {
            amendment.removed.push(FindingCode::UnexpectedIssuer);
            amendment.added.push(upgraded(&signals));
            amendment.upgrade = true;
        }
        amendment.signals = signals;
        touched[*position] = true;
    }
    if let Some(verdict) = ClockVerdict::assess(facts.iter().map(|f| &f.clock), quiet, at) {
        for (position, f) in facts.iter().enumerate() {
            if let Some(explained) = verdict.explains(&f.clock) {
                amended[position].added.insert(0, verdict.finding.clone());
                amended[position].consequences = explained;
                touched[position] = true;
            }
        }
    }
    amended
        .into_iter()
        .zip(facts)
        .zip(touched)
        .filter(|(_, touched)| *touched)
        .map(|((mut amendment, facts), _)| {
            amendment.settle(facts);
            amendment
        })
        .collect()
}

/// The endpoints of a run that came back in any order with their positions, in run order with
/// the cross-endpoint `amendments` applied.
pub fn in_run_order(
    mut endpoints: Vec<(usize, EndpointReport)>,
    amendments: &[Amendment],
) -> Vec<EndpointReport> {
    endpoints.sort_by_key(|(id, _)| *id);
    let mut endpoints: Vec<EndpointReport> = endpoints
        .into_iter()
        .map(|(_, endpoint)| endpoint)
        .collect();
    // Positions are dense when no endpoint task was lost; look each one up to be sure.
    for amendment in amendments {
        if let Some(endpoint) = endpoints.get_mut(amendment.id)
            && endpoint.target == amendment.target
        {
            amendment.apply(endpoint);
        }
    }
    endpoints
}

/// Applies the cross-endpoint verdicts to a whole run's reports (in run order).
pub fn assess_across(endpoints: &mut [EndpointReport], at: OffsetDateTime) {
    let mut facts = RunFacts::default();
    for (id, endpoint) in endpoints.iter().enumerate() {
        facts.add(id, endpoint, at);
    }
    for amendment in facts.amendments(at) {
        amendment.apply(&mut endpoints[amendment.id]);
    }
}
