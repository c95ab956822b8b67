//! A minimal DER reader for the few fields read without decoding a whole structure: a signed
//! certificate's three parts (to verify it over the bytes as sent), the outer
//! parts of a CRL (so a million entries are never materialised) and of an OCSP BasicResponse (so
//! its signature is checked over the bytes as sent, not a re-encoding), where each certificate
//! of a file of concatenated DER certificates ends, and a description of bodies that are not DER
//! at all.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// One TLV: its tag, contents and complete encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tlv<'a> {
    /// The identifier octet (single-byte tags only).
    pub tag: u8,
    /// The contents.
    pub contents: &'a [u8],
    /// Tag, length and contents.
    pub whole: &'a [u8],
}

/// Reads the TLV at the start of `input`; returns it and what follows.
pub(crate) fn read(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let tag = *input.first()?;
    if tag & 0x1f == 0x1f {
        return None; // multi-byte tags do not occur in these structures
    }
    let first = *input.get(1)? as usize;
    let (len, header) = if first < 0x80 {
        (first, 2)
    } else {
        let count = first & 0x7f;
        if count == 0 || count > 4 {
            return None;
        }
        let bytes = input.get(2..2 + count)?;
        let len = bytes
            .iter()
            .fold(0usize, |acc, byte| (acc << 8) | *byte as usize);
        (len, 2 + count)
    };
    let end = header.checked_add(len)?;
    let whole = input.get(..end)?;
    Some((
        Tlv {
            tag,
            contents: &whole[header..],
            whole,
        },
        &input[end..],
    ))
}

/// Reads a TLV with the expected tag.
pub(crate) fn expect(input: &[u8], tag: u8) -> Option<(Tlv<'_>, &[u8])> {
    read(input).filter(|(tlv, _)| tlv.tag == tag)
}

/// The parts of a signed X.509 structure (certificate, CRL): `SEQUENCE { tbs, algorithm,
/// signature BIT STRING }`, as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Signed<'a> {
    /// The signed part.
    pub(crate) tbs: Tlv<'a>,
    /// The signature AlgorithmIdentifier, whole.
    pub(crate) algorithm: &'a [u8],
    /// The signature bytes (whole bytes only).
    pub(crate) signature: &'a [u8],
    /// What follows the signature inside the structure (an OCSP response's certificates).
    pub(crate) rest: &'a [u8],
}

/// Splits a signed structure into its three parts.
pub(crate) fn signed(der: &[u8]) -> Option<Signed<'_>> {
    let (outer, _) = expect(der, 0x30)?;
    let (tbs, rest) = expect(outer.contents, 0x30)?;
    let (algorithm, rest) = expect(rest, 0x30)?;
    let (bits, rest) = expect(rest, 0x03)?;
    Some(Signed {
        tbs,
        algorithm: algorithm.whole,
        signature: bits.contents.strip_prefix(&[0])?,
        rest,
    })
}

/// Decodes a UTCTime (tag 0x17) or GeneralizedTime (tag 0x18) in the `Z` forms RFC 5280 allows.
pub(crate) fn time(tlv: &Tlv<'_>) -> Option<OffsetDateTime> {
    let text = std::str::from_utf8(tlv.contents).ok()?;
    let text = text.strip_suffix('Z')?;
    let (year, rest) = match tlv.tag {
        0x17 if text.len() == 12 => {
            let short: i32 = text.get(..2)?.parse().ok()?;
            (
                if short >= 50 {
                    1900 + short
                } else {
                    2000 + short
                },
                &text[2..],
            )
        }
        0x18 if text.len() == 14 => (text.get(..4)?.parse().ok()?, &text[4..]),
        _ => return None,
    };
    let field = |range: std::ops::Range<usize>| -> Option<u8> { rest.get(range)?.parse().ok() };
    let date =
        Date::from_calendar_date(year, Month::try_from(field(0..2)?).ok()?, field(2..4)?).ok()?;
    let time = Time::from_hms(field(4..6)?, field(6..8)?, field(8..10)?).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

/// "not X: an HTML page" / "not X: N bytes that are not DER".
pub(crate) fn describe_garbage(what: &str, bytes: &[u8]) -> String {
    // HTML (a proxy's block page, a captive portal) starts with a tag after any whitespace.
    let markup = bytes.iter().find(|byte| !byte.is_ascii_whitespace()) == Some(&b'<');
    if markup {
        format!("not {what}: the server sent an HTML page")
    } else if bytes.is_empty() {
        format!("not {what}: the body is empty")
    } else {
        format!("not {what}: {} bytes that do not decode", bytes.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_lengths_and_truncation() {
        assert_eq!(
            read(&[0x02, 0x01, 0x05, 0xff]).map(|(t, r)| (t.contents, r)),
            Some((&[5u8][..], &[0xffu8][..]))
        );
        let mut long = vec![0x04, 0x82, 0x01, 0x00];
        long.extend(std::iter::repeat_n(7u8, 256));
        assert_eq!(read(&long).map(|(t, _)| t.contents.len()), Some(256));
        assert_eq!(read(&long[..100]), None);
        assert_eq!(read(&[0x30, 0x85, 1, 1, 1, 1, 1]), None);
        assert_eq!(read(&[]), None);
    }

    #[test]
    fn both_time_forms_decode() {
        let utc = Tlv {
            tag: 0x17,
            contents: b"491231235959Z",
            whole: &[],
        };
        assert_eq!(time(&utc).map(|t| t.year()), Some(2049));
        let utc_old = Tlv {
            tag: 0x17,
            contents: b"500101000000Z",
            whole: &[],
        };
        assert_eq!(time(&utc_old).map(|t| t.year()), Some(1950));
        let general = Tlv {
            tag: 0x18,
            contents: b"20300102030405Z",
            whole: &[],
        };
        assert_eq!(
            time(&general).map(|t| (t.month() as u8, t.second())),
            Some((1, 5))
        );
        let bad = Tlv {
            tag: 0x18,
            contents: b"20301302030405Z",
            whole: &[],
        };
        assert_eq!(time(&bad), None);
    }
}
