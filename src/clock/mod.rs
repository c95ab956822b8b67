//! The only place that reads the wall clock. Everything else receives the instant it judges at.
//!
//! `SystemClock` reads the real time; `FixedClock` returns one instant (tests, `--at`).

pub(crate) mod sample;
pub(crate) mod serde_time;

use time::OffsetDateTime;

/// A source of the current instant.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant, in UTC.
    fn now(&self) -> OffsetDateTime;
}

/// The machine's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // This is the one sanctioned reader of the wall clock.
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock stopped at one instant.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub OffsetDateTime);

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

/// Converts an instant to the type rustls-webpki takes; instants before 1970 clamp to the epoch.
pub(crate) fn unix_time(at: OffsetDateTime) -> rustls_pki_types::UnixTime {
    let secs = u64::try_from(at.unix_timestamp()).unwrap_or(0);
    rustls_pki_types::UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs))
}

/// Formats an instant as RFC 3339 UTC with whole seconds (`2030-01-01T00:00:00Z`).
pub fn rfc3339(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    at.format(&format)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

/// Formats an instant as RFC 3339 keeping its own offset (`2017-09-21T04:10:04-03:00`), as a
/// trace log recorded it.
pub fn rfc3339_with_offset(at: OffsetDateTime) -> String {
    if at.offset().is_utc() {
        return rfc3339(at);
    }
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
    );
    at.format(&format).unwrap_or_else(|_| rfc3339(at))
}

/// Parses an RFC 3339 instant (`--at`).
pub fn parse_rfc3339(text: &str) -> Result<OffsetDateTime, time::error::Parse> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
}

/// Says how far `instant` is from `reference` in words: "3 days ago", "in 4 years 9 months".
/// Years and months are counted on the calendar between the two instants.
pub(crate) fn humanize_delta(instant: OffsetDateTime, reference: OffsetDateTime) -> String {
    let (earlier, later) = if instant < reference {
        (instant, reference)
    } else {
        (reference, instant)
    };
    let months = whole_months(earlier, later);
    let rest = (later - add_months(earlier, months)).unsigned_abs();
    let mut parts = Vec::new();
    push_part(&mut parts, "year", u64::from(months / 12));
    if parts.is_empty() || !months.is_multiple_of(12) {
        push_part(&mut parts, "month", u64::from(months % 12));
    }
    let words = finish_parts(parts, rest.as_secs());
    if instant < reference {
        format!("{words} ago")
    } else {
        format!("in {words}")
    }
}

/// Says a duration in its two largest units: "4 years 9 months", "3 days", "12 minutes". A year
/// is the mean Gregorian year (365.2425 days) and a month a twelfth of it, so spans of centuries
/// do not drift.
pub(crate) fn humanize_duration(duration: std::time::Duration) -> String {
    const YEAR: u64 = 31_556_952;
    const MONTH: u64 = YEAR / 12;
    let secs = duration.as_secs();
    let mut parts = Vec::new();
    push_part(&mut parts, "year", secs / YEAR);
    if parts.is_empty() || (secs % YEAR) / MONTH > 0 {
        push_part(&mut parts, "month", (secs % YEAR) / MONTH);
    }
    let rest = if secs >= MONTH {
        secs % YEAR % MONTH
    } else {
        secs
    };
    finish_parts(parts, rest)
}

fn push_part(parts: &mut Vec<String>, name: &str, count: u64) {
    if count > 0 {
        parts.push(format!(
            "{count} {name}{}",
            if count == 1 { "" } else { "s" }
        ));
    }
}

/// Completes up to two parts with days, hours, minutes and seconds, stopping at the first zero
/// after a part.
fn finish_parts(mut parts: Vec<String>, mut rest: u64) -> String {
    const UNITS: [(&str, u64); 4] = [
        ("day", 86_400),
        ("hour", 3_600),
        ("minute", 60),
        ("second", 1),
    ];
    if parts.len() < 2 {
        let started = !parts.is_empty();
        for (name, size) in UNITS {
            let count = rest / size;
            rest -= count * size;
            if count == 0 && (started || !parts.is_empty()) {
                break;
            }
            push_part(&mut parts, name, count);
            if parts.len() == 2 {
                break;
            }
        }
    }
    if parts.is_empty() {
        "0 seconds".to_owned()
    } else {
        parts.join(" ")
    }
}

/// Whole calendar months from `earlier` to `later`.
fn whole_months(earlier: OffsetDateTime, later: OffsetDateTime) -> u32 {
    let later = later.to_offset(earlier.offset());
    let span = (later.year() - earlier.year()) * 12
        + (i32::from(u8::from(later.month())) - i32::from(u8::from(earlier.month())));
    let mut months = u32::try_from(span.max(0)).unwrap_or(0);
    while months > 0 && add_months(earlier, months) > later {
        months -= 1;
    }
    months
}

/// `at` plus whole months, the day clamped to the target month's length.
fn add_months(at: OffsetDateTime, months: u32) -> OffsetDateTime {
    let index = i64::from(at.year()) * 12 + i64::from(u8::from(at.month())) - 1 + i64::from(months);
    let Ok(year) = i32::try_from(index.div_euclid(12)) else {
        return at;
    };
    let Ok(month) = time::Month::try_from(u8::try_from(index.rem_euclid(12) + 1).unwrap_or(1))
    else {
        return at;
    };
    let day = at.day().min(month.length(year));
    time::Date::from_calendar_date(year, month, day)
        .map(|date| at.replace_date(date))
        .unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn durations_are_said_in_their_two_largest_units() {
        let cases: &[(u64, &str)] = &[
            (0, "0 seconds"),
            (1, "1 second"),
            (90, "1 minute 30 seconds"),
            (3 * 86_400, "3 days"),
            (3 * 86_400 + 7_200, "3 days 2 hours"),
            (4 * 31_556_952 + 9 * 2_629_746 + 100, "4 years 9 months"),
            (365 * 86_400, "11 months 30 days"),
        ];
        for (secs, want) in cases {
            assert_eq!(
                humanize_duration(std::time::Duration::from_secs(*secs)),
                *want
            );
        }
    }

    #[test]
    fn long_spans_do_not_drift() {
        let now = datetime!(2026-12-01 00:00 UTC);
        assert_eq!(
            humanize_delta(datetime!(9999-12-31 23:59:59 UTC), now),
            "in 7973 years 30 days"
        );
        assert_eq!(
            humanize_delta(
                datetime!(2021-01-01 00:00 UTC),
                datetime!(2030-01-01 00:00 UTC)
            ),
            "9 years ago"
        );
        assert_eq!(
            humanize_duration(std::time::Duration::from_secs(7973 * 31_556_952 + 86_400)),
            "7973 years 1 day"
        );
        assert_eq!(
            humanize_delta(
                datetime!(2024-02-29 00:00 UTC),
                datetime!(2025-03-01 00:00 UTC)
            ),
            "1 year 1 day ago"
        );
    }

    #[test]
    fn deltas_say_their_direction() {
        let now = datetime!(2030-01-01 00:00 UTC);
        assert_eq!(
            humanize_delta(datetime!(2029-12-29 00:00 UTC), now),
            "3 days ago"
        );
        assert_eq!(
            humanize_delta(datetime!(2030-01-04 00:00 UTC), now),
            "in 3 days"
        );
    }

    #[test]
    fn rfc3339_round_trips() {
        let at = parse_rfc3339("2030-01-01T00:00:00Z").unwrap();
        assert_eq!(rfc3339(at), "2030-01-01T00:00:00Z");
        assert!(parse_rfc3339("yesterday").is_err());
    }
}
