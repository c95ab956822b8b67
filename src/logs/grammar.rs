//! The line grammar of the Sync client's trace logs (both formats of Google's article):
//!
//! - `[2022-09-21T03:59:46:ERROR:windows_http.cc(331)] message`
//! - `2017-09-21T04:10:04.356-03:00 1a20 E:Network ClientMigration!WinHttp::HandleCallback @ 2025 ()> message`
//!
//! A header line starts a record; the lines after it up to the next header are its continuation
//! (the "Failure details:" and "Certificate details:" blocks). This module only classifies lines
//! and pulls typed facts out of them; grouping is `incident`'s job.

use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// How important a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Debug and info records: counted, not analysed.
    Info,
    /// Error and warning records: analysed.
    Problem,
}

/// A record's first line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header<'a> {
    /// When the line was logged (the machine's clock; format A has no zone: read as UTC). Parsed
    /// for problem records only, which keeps the common INFO line cheap.
    pub time: Option<OffsetDateTime>,
    /// Its level.
    pub level: Level,
    /// The message after the header.
    pub message: &'a str,
}

/// The level of a header line of either format, from its structure alone: no allocation and no
/// date parsing, so the scan can classify every line of a large log cheaply. `None` for a
/// continuation or unknown line. [`parse_header`] agrees with it on every line.
pub fn header_level(line: &[u8]) -> Option<Level> {
    match line.first()? {
        // [YYYY-MM-DDTHH:MM:SS:LEVEL:source] message
        b'[' => {
            if line.get(11) != Some(&b'T') || line.get(20) != Some(&b':') {
                return None;
            }
            let rest = &line[21..];
            let colon = memchr::memchr(b':', rest)?;
            memchr::memchr(b']', &rest[colon..])?;
            Some(match &rest[..colon] {
                b"ERROR" | b"WARNING" | b"FATAL" => Level::Problem,
                _ => Level::Info,
            })
        }
        // YYYY-MM-DDTHH:MM:SS.mmm±HH:MM TID L:Category … ()> message
        b'0'..=b'9' => {
            let stamp_end = memchr::memchr(b' ', line)?;
            if stamp_end <= 10 || line[10] != b'T' {
                return None;
            }
            let rest = &line[stamp_end + 1..];
            let rest = &rest[memchr::memchr(b' ', rest)? + 1..];
            match rest.get(..2)? {
                [b'E' | b'W' | b'F', b':'] => Some(Level::Problem),
                [_, b':'] => Some(Level::Info),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Parses a header line of either format; `None` for a continuation or unknown line, and for a
/// problem record whose time does not parse (its facts could not be placed in time).
pub fn parse_header(line: &str) -> Option<Header<'_>> {
    let level = header_level(line.as_bytes())?;
    let time = match level {
        Level::Problem => Some(header_time(line)?),
        Level::Info => None,
    };
    let message = if line.starts_with('[') {
        let (_, after) = line.split_once(']')?;
        after.strip_prefix(' ').unwrap_or(after)
    } else {
        let (_, rest) = line.split_once(' ')?;
        let (_, rest) = rest.split_once(' ')?;
        match rest.split_once(")> ") {
            Some((_, message)) => message,
            None => rest,
        }
    };
    Some(Header {
        time,
        level,
        message,
    })
}

/// The time of a header line of either format (format A has no zone: read as UTC).
pub fn header_time(line: &str) -> Option<OffsetDateTime> {
    match line.strip_prefix('[') {
        Some(rest) => parse_naive(rest.get(..19)?),
        None => parse_zoned(line.split_once(' ')?.0),
    }
}

/// `2022-09-21T03:59:46` (no zone, read as UTC).
fn parse_naive(text: &str) -> Option<OffsetDateTime> {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    PrimitiveDateTime::parse(text, &format)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

/// `2017-09-21T04:10:04.356-03:00`.
fn parse_zoned(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

/// A certificate date as the logs print it: `2017-09-13 17:23:55 UTC` or `2016-09-20T04:08:45.000Z`.
pub fn parse_cert_date(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    if let Some(naive) = text.strip_suffix(" UTC") {
        let format =
            time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
        return PrimitiveDateTime::parse(naive, &format)
            .ok()
            .map(PrimitiveDateTime::assume_utc);
    }
    parse_zoned(text).map(|at| at.to_offset(UtcOffset::UTC))
}

/// Facts one line can carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact<'a> {
    /// `Certificate details:` starts a block.
    CertificateBlock,
    /// A section marker inside the block.
    Section(Section),
    /// `Valid from: …`.
    ValidFrom(OffsetDateTime),
    /// `Valid until: …`.
    ValidUntil(OffsetDateTime),
    /// A plain value line (subject or issuer RDN value inside the block).
    Value(&'a str),
    /// `Network connection destination details: IP:port (name)`.
    Destination {
        /// `ip:port`.
        address: &'a str,
        /// The name in parentheses.
        name: Option<&'a str>,
    },
    /// `… failure … Status: 0x… Info 0x…` (a secure-connection failure).
    SecureFailure {
        /// The status value.
        status: u32,
        /// The flags.
        info: u32,
    },
    /// A `WINHTTP_CALLBACK_STATUS_FLAG_*` name.
    Flag(&'a str),
    /// `hr = 0x…`.
    Hresult(u32),
    /// `Code: 0x…` (a WinHTTP error code).
    Code(u32),
    /// `Will try direct (without proxy)`.
    ProxyFallback,
    /// A proxy answered 407.
    ProxyAuth,
}

/// Which part of the certificate block follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// `---Validity--`.
    Validity,
    /// `---Subject---`.
    Subject,
    /// `---Issuer----`.
    Issuer,
    /// `-------------` (end of block).
    End,
}

/// The facts in one line (a header's message or a continuation line).
pub fn facts(line: &str) -> Vec<Fact<'_>> {
    let line = line.trim();
    let mut facts = Vec::new();
    match line {
        "---Validity--" => return vec![Fact::Section(Section::Validity)],
        "---Subject---" => return vec![Fact::Section(Section::Subject)],
        "---Issuer----" => return vec![Fact::Section(Section::Issuer)],
        "-------------" => return vec![Fact::Section(Section::End)],
        _ => {}
    }
    if line.ends_with("Certificate details:") {
        return vec![Fact::CertificateBlock];
    }
    if let Some(date) = line.strip_prefix("Valid from:") {
        return parse_cert_date(date)
            .map(Fact::ValidFrom)
            .into_iter()
            .collect();
    }
    if let Some(date) = line.strip_prefix("Valid until:") {
        return parse_cert_date(date)
            .map(Fact::ValidUntil)
            .into_iter()
            .collect();
    }
    if let Some((_, rest)) = line.split_once("destination details:") {
        let rest = rest.trim();
        let (address, name) = match rest.split_once(" (") {
            Some((address, name)) => (address, Some(name.trim_end_matches(')'))),
            None => (rest, None),
        };
        return vec![Fact::Destination { address, name }];
    }
    if line.contains("failure")
        && line.contains("Status")
        && let (Some(status), Some(info)) = (hex_after(line, "Status:"), hex_after(line, "Info"))
    {
        facts.push(Fact::SecureFailure { status, info });
    }
    let mut rest = line;
    while let Some(index) = rest.find("WINHTTP_CALLBACK_STATUS_FLAG_") {
        let name = &rest[index..];
        let end = name
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(name.len());
        facts.push(Fact::Flag(&name[..end]));
        rest = &name[end..];
    }
    if let Some(hr) = hex_after(line, "hr =") {
        facts.push(Fact::Hresult(hr));
    }
    if let Some(code) = hex_after(line, "Code:") {
        facts.push(Fact::Code(code));
    }
    if line.contains("Will try direct") {
        facts.push(Fact::ProxyFallback);
    }
    if line.contains("407") && line.to_ascii_lowercase().contains("proxy") {
        facts.push(Fact::ProxyAuth);
    }
    if facts.is_empty() && !line.is_empty() && !line.contains(':') {
        facts.push(Fact::Value(line));
    }
    facts
}

/// The hex number after `key` (skipping spaces and a `0x`), e.g. `Info 0x00000009`.
fn hex_after(line: &str, key: &str) -> Option<u32> {
    let (_, rest) = line.split_once(key)?;
    let rest = rest.trim_start().trim_start_matches(':').trim_start();
    let digits = rest
        .strip_prefix("0x")
        .or_else(|| rest.strip_prefix("0X"))?;
    let end = digits
        .find(|c: char| !c.is_ascii_hexdigit())
        .unwrap_or(digits.len());
    u32::from_str_radix(&digits[..end], 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_header_formats_parse() {
        let a = parse_header(
            "[2022-09-21T03:59:46:ERROR:windows_http.cc(331)] TLS connection failure.",
        )
        .unwrap();
        assert_eq!(a.time.unwrap().unix_timestamp(), 1_663_732_786);
        assert_eq!(a.level, Level::Problem);
        assert_eq!(a.message, "TLS connection failure.");
        let b = parse_header(
            "2017-09-21T04:10:04.356-03:00 1a20 E:Network ClientMigration!WinHttp::HandleCallback @ 2025 ()> Secure connection failure.",
        )
        .unwrap();
        assert_eq!(b.time.unwrap().offset().whole_hours(), -3);
        assert_eq!(b.level, Level::Problem);
        assert_eq!(b.message, "Secure connection failure.");
        let info = parse_header("2017-09-21T04:10:04.356-03:00 1a20 I:Sync Foo ()> hello").unwrap();
        assert_eq!(info.level, Level::Info);
        for other in [
            "Certificate details:",
            "US",
            "",
            "[garbage",
            "2017-09-21 not a header",
            "\u{fffd}\u{fffd}",
        ] {
            assert!(parse_header(other).is_none(), "{other:?}");
        }
    }

    #[test]
    fn facts_are_pulled_from_the_articles_lines() {
        let cases: &[(&str, Fact<'_>)] = &[
            (
                "TLS connection failure. See details below. [Status: 0x00010000. Status Info: 0x00000001]",
                Fact::SecureFailure {
                    status: 0x10000,
                    info: 1,
                },
            ),
            (
                "Secure connection failure. Status: 0x00010000. Info 0x00000009",
                Fact::SecureFailure {
                    status: 0x10000,
                    info: 9,
                },
            ),
            (
                "Error result 5, hr = 0x80072f8f. Setting event 0000000000001638.",
                Fact::Hresult(0x8007_2f8f),
            ),
            (
                "Error from API WinHttpSendRequest with WinHTTP proxy. Will try direct (without proxy). Code: 0x00002f8f",
                Fact::Code(0x2f8f),
            ),
            (
                "Network connection destination details: 127.0.0.1:8888 (COMPUTERNAME)",
                Fact::Destination {
                    address: "127.0.0.1:8888",
                    name: Some("COMPUTERNAME"),
                },
            ),
            (
                "WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA: The function is unfamiliar",
                Fact::Flag("WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA"),
            ),
            ("---Issuer----", Fact::Section(Section::Issuer)),
            (
                "Google Internet Authority G2",
                Fact::Value("Google Internet Authority G2"),
            ),
        ];
        for (line, want) in cases {
            assert!(facts(line).contains(want), "{line}: {:?}", facts(line));
        }
        assert!(
            facts("Error from API … Will try direct (without proxy). Code: 0x1")
                .contains(&Fact::ProxyFallback)
        );
        assert_eq!(
            facts("Valid from: 2017-09-13 17:23:55 UTC"),
            [Fact::ValidFrom(
                time::macros::datetime!(2017-09-13 17:23:55 UTC)
            )]
        );
        assert_eq!(
            facts("Valid until: 2022-09-20T04:08:45.000Z"),
            [Fact::ValidUntil(
                time::macros::datetime!(2022-09-20 04:08:45 UTC)
            )]
        );
        assert!(facts("Valid from: yesterday").is_empty());
    }
}
