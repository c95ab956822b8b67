//! The only place that reads the wall clock. Everything else receives the instant it judges at.
//!
//! `SystemClock` reads the real time; `FixedClock` returns one instant (tests, `--at`).

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
pub fn unix_time(at: OffsetDateTime) -> rustls_pki_types::UnixTime {
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
pub fn humanize_delta(instant: OffsetDateTime, reference: OffsetDateTime) -> String {
    let delta = instant - reference;
    let words = humanize_duration(delta.unsigned_abs());
    if delta.is_negative() {
        format!("{words} ago")
    } else {
        format!("in {words}")
    }
}

/// Says a duration in its two largest units: "4 years 9 months", "3 days", "12 minutes".
pub fn humanize_duration(duration: std::time::Duration) -> String {
    const UNITS: [(&str, u64); 6] = [
        // Calendar-ish units: a 365-day year and a 30-day month read naturally ("9 years" for
        // 2021-01-01 to 2030-01-01); the exact instants are always printed beside.
        ("year", 365 * 86_400),
        ("month", 30 * 86_400),
        ("day", 86_400),
        ("hour", 3_600),
        ("minute", 60),
        ("second", 1),
    ];
    let mut rest = duration.as_secs();
    let mut parts = Vec::new();
    for (name, size) in UNITS {
        let count = rest / size;
        if count > 0 {
            rest -= count * size;
            parts.push(format!(
                "{count} {name}{}",
                if count == 1 { "" } else { "s" }
            ));
        }
        if parts.len() == 2 || (!parts.is_empty() && count == 0) {
            break;
        }
    }
    if parts.is_empty() {
        "0 seconds".to_owned()
    } else {
        parts.join(" ")
    }
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
            (4 * 365 * 86_400 + 9 * 30 * 86_400 + 100, "4 years 9 months"),
        ];
        for (secs, want) in cases {
            assert_eq!(
                humanize_duration(std::time::Duration::from_secs(*secs)),
                *want
            );
        }
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
