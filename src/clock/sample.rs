//! Samples of the true time — a server's `Date`, a signed OCSP/CRL window, an SCT's
//! timestamp — and the offsets of the local clock each allows, within a tolerance.

use serde::Serialize;

/// Offsets below this are not reported (Kerberos' default tolerance).
pub const SKEW_THRESHOLD_SECONDS: i64 = 300;

/// One time sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct TimeSample {
    /// The endpoint it came from.
    pub endpoint: String,
    /// `http-date`, `ocsp`, `stapled-ocsp`, `crl` or `sct`.
    pub kind: &'static str,
    /// What the server said: the time (`http-date`), the window's start (thisUpdate) or the
    /// earliest possible time (`sct`).
    pub server_time: String,
    /// The window's end (nextUpdate), for OCSP and CRLs.
    pub until: Option<String>,
    /// Local minus server, seconds (positive: the local clock is ahead); for a window, the
    /// distance to its nearer edge (0 inside).
    pub offset_seconds: i64,
    /// Whether the sample is signed by the validated PKI (a `Date` header never is).
    pub authenticated: bool,
    #[serde(skip)]
    pub(crate) bounds: Bounds,
}

impl TimeSample {
    /// Whether the sample backs a verdict of `offset`: a `Date` agreeing with it, or a signed
    /// window that excludes the local clock and allows it.
    pub(crate) fn supports(&self, offset: i64) -> bool {
        if self.authenticated {
            !self.bounds.allows_zero() && self.bounds.contains(offset)
        } else {
            agrees(self.offset_seconds, offset)
        }
    }
}

/// The offsets (local minus true time, seconds) a sample allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Bounds {
    pub(crate) low: Option<i64>,
    pub(crate) high: Option<i64>,
}

impl Bounds {
    pub(crate) fn intersect(self, other: Self) -> Self {
        Self {
            low: max_option(self.low, other.low),
            high: min_option(self.high, other.high),
        }
    }

    pub(crate) fn is_empty(self) -> bool {
        matches!((self.low, self.high), (Some(low), Some(high)) if low > high)
    }

    /// Whether an offset of zero (the local clock right) is allowed, with the threshold.
    pub(crate) fn allows_zero(self) -> bool {
        self.low.is_none_or(|low| low <= SKEW_THRESHOLD_SECONDS)
            && self.high.is_none_or(|high| high >= -SKEW_THRESHOLD_SECONDS)
    }

    pub(crate) fn contains(self, offset: i64) -> bool {
        self.low
            .is_none_or(|low| offset >= low - SKEW_THRESHOLD_SECONDS)
            && self
                .high
                .is_none_or(|high| offset <= high + SKEW_THRESHOLD_SECONDS)
    }
}

fn max_option(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn min_option(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Whether `offset` agrees with `reference`: within the threshold, or 1 % of a large one.
pub(crate) fn agrees(offset: i64, reference: i64) -> bool {
    (offset - reference).abs() <= SKEW_THRESHOLD_SECONDS.max(reference.abs() / 100)
}
