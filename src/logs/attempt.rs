//! Assembles the lines of problem records, in input order, into connection attempts (a failure
//! line, its flags, certificate block, error codes and destination). Each attempt is handed on
//! as soon as it is closed; nothing else is remembered, so memory does not grow with the log.
//! Per-attempt lists are capped.

use serde::Serialize;
use time::OffsetDateTime;

use super::grammar::{Fact, Section, facts};
use crate::clock::serde_time;
use crate::wincodes::winhttp::flag_value;

/// The most values kept per certificate name, and citations per attempt.
const MAX_VALUES: usize = 16;
const MAX_CITATIONS: usize = 32;
/// A new problem record this long after the last one starts a new attempt.
const ATTEMPT_GAP_SECONDS: i64 = 60;

/// The "Certificate details" block.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
pub struct CertBlock {
    /// `Valid from`.
    #[serde(with = "serde_time::option")]
    #[schemars(with = "Option<String>")]
    pub not_before: Option<OffsetDateTime>,
    /// `Valid until`.
    #[serde(with = "serde_time::option")]
    #[schemars(with = "Option<String>")]
    pub not_after: Option<OffsetDateTime>,
    /// Subject values, one per line as logged.
    pub subject: Vec<String>,
    /// Issuer values.
    pub issuer: Vec<String>,
}

/// One connection attempt as the log tells it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
pub struct Attempt {
    /// `Status` of a secure-connection failure.
    pub status: Option<u32>,
    /// `Info` flags, OR-ed with every flag line.
    pub info: u32,
    /// The certificate block.
    pub certificate: Option<CertBlock>,
    /// `ip:port` of "Network connection destination details".
    pub destination: Option<String>,
    /// The name logged beside it.
    pub destination_name: Option<String>,
    /// `hr = 0x…`.
    pub hresult: Option<u32>,
    /// `Code: 0x…`.
    pub code: Option<u32>,
    /// "Will try direct (without proxy)".
    pub proxy_fallback: bool,
    /// A 407 from a proxy.
    pub proxy_auth: bool,
}

/// A closed attempt, with when it happened and the lines behind it.
#[derive(Debug, Clone)]
pub struct ClosedAttempt {
    /// What happened.
    pub attempt: Attempt,
    /// Log time of its first record.
    pub first: OffsetDateTime,
    /// Log time of its last record.
    pub last: OffsetDateTime,
    /// `file:line` of its records' lines (at most 32).
    pub citations: Vec<String>,
}

struct Open {
    attempt: Attempt,
    first: OffsetDateTime,
    last: OffsetDateTime,
    citations: Vec<String>,
    done: bool,
}

/// Takes problem records in, gives closed attempts out.
#[derive(Default)]
pub struct Assembler {
    open: Option<Open>,
    section: Option<Section>,
    in_problem: bool,
    record_time: Option<OffsetDateTime>,
    closed: Vec<ClosedAttempt>,
}

impl Assembler {
    /// A fresh assembler.
    pub fn new() -> Self {
        Self::default()
    }

    /// A problem record's header: its time and message; `cite` is its `file:line`, built only
    /// when needed.
    pub fn problem(&mut self, time: OffsetDateTime, message: &str, cite: impl Fn() -> String) {
        self.section = None;
        self.in_problem = true;
        let stale = self.open.as_ref().is_some_and(|open| {
            open.done || (time - open.last).whole_seconds().abs() > ATTEMPT_GAP_SECONDS
        });
        if stale {
            self.close();
        }
        self.record_time = Some(time);
        self.apply(message, &cite);
    }

    /// A record of another level began: the problem record before it is over.
    pub(crate) fn other_record(&mut self) {
        self.section = None;
        self.in_problem = false;
    }

    /// Whether lines now belong to a problem record.
    pub fn in_problem(&self) -> bool {
        self.in_problem
    }

    /// A line inside a problem record; false when nothing in it was understood.
    pub fn continuation(&mut self, line: &str, cite: impl Fn() -> String) -> bool {
        if !self.in_problem {
            return false;
        }
        let trimmed = line.trim();
        if matches!(self.section, Some(Section::Subject | Section::Issuer))
            && !trimmed.starts_with("---")
        {
            // A cut block followed by other text: what is not a plausible name value ends it.
            if !plausible_value(trimmed) {
                self.section = None;
                return false;
            }
            if let Some(open) = self.open.as_mut() {
                let cert = open
                    .attempt
                    .certificate
                    .get_or_insert_with(CertBlock::default);
                let values = if self.section == Some(Section::Subject) {
                    &mut cert.subject
                } else {
                    &mut cert.issuer
                };
                if values.len() < MAX_VALUES && !trimmed.is_empty() {
                    values.push(trimmed.to_owned());
                }
            }
            return true;
        }
        self.apply(line, &cite)
    }

    /// Ends an input (a file): the open attempt is closed.
    pub(crate) fn finish_input(&mut self) {
        self.close();
        self.in_problem = false;
        self.section = None;
    }

    /// The attempts closed since the last call, in order.
    pub fn drain(&mut self) -> std::vec::Drain<'_, ClosedAttempt> {
        self.closed.drain(..)
    }

    /// Applies the facts of a line; false when it has none.
    fn apply(&mut self, text: &str, cite: &impl Fn() -> String) -> bool {
        let found = facts(text);
        if found.is_empty() {
            return false;
        }
        for fact in found {
            if matches!(fact, Fact::SecureFailure { .. })
                && self
                    .open
                    .as_ref()
                    .is_some_and(|open| open.attempt.status.is_some())
            {
                self.close();
            }
            let time = self.record_time.unwrap_or(OffsetDateTime::UNIX_EPOCH);
            let open = self.open.get_or_insert_with(|| Open {
                attempt: Attempt::default(),
                first: time,
                last: time,
                citations: Vec::new(),
                done: false,
            });
            open.last = time;
            let attempt = &mut open.attempt;
            match fact {
                Fact::CertificateBlock => {
                    attempt.certificate.get_or_insert_with(CertBlock::default);
                    self.section = Some(Section::Validity);
                }
                Fact::Section(Section::End) => self.section = None,
                Fact::Section(section) => self.section = Some(section),
                Fact::ValidFrom(at) => {
                    attempt
                        .certificate
                        .get_or_insert_with(CertBlock::default)
                        .not_before = Some(at)
                }
                Fact::ValidUntil(at) => {
                    attempt
                        .certificate
                        .get_or_insert_with(CertBlock::default)
                        .not_after = Some(at)
                }
                Fact::Value(_) => {}
                Fact::Destination { address, name } => {
                    attempt.destination = Some(address.to_owned());
                    attempt.destination_name = name.map(str::to_owned);
                    open.done = true;
                }
                Fact::SecureFailure { status, info } => {
                    attempt.status = Some(status);
                    attempt.info |= info;
                }
                Fact::Flag(name) => attempt.info |= flag_value(name).unwrap_or(0),
                Fact::Hresult(hr) => attempt.hresult = Some(hr),
                Fact::Code(code) => attempt.code = Some(code),
                Fact::ProxyFallback => attempt.proxy_fallback = true,
                Fact::ProxyAuth => attempt.proxy_auth = true,
            }
        }
        if let Some(open) = self.open.as_mut()
            && open.citations.len() < MAX_CITATIONS
        {
            open.citations.push(cite());
        }
        true
    }

    fn close(&mut self) {
        self.section = None;
        if let Some(open) = self.open.take() {
            self.closed.push(ClosedAttempt {
                attempt: open.attempt,
                first: open.first,
                last: open.last,
                citations: open.citations,
            });
        }
    }
}

/// Whether a line can be an RDN value of the certificate block: short, printable text.
fn plausible_value(value: &str) -> bool {
    const MAX_VALUE: usize = 256;
    !value.is_empty()
        && value.len() <= MAX_VALUE
        && !value.chars().any(|c| c.is_control() || c == '\u{fffd}')
}
