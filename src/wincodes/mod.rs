//! What a number from a Windows log means, by table and by rule: HRESULTs by facility
//! (`0x8019xxxx` HTTP status xxx, `0x8007xxxx` a Win32 error — WinHTTP's 12xxx among them —,
//! `0x800Bxxxx` certificate trust, `0x8009xxxx` security and crypto, `0x800Cxxxx` URL monikers),
//! plain Win32 / WinHTTP / Winsock error codes, WinHTTP callback `Status` values and `Info` flag
//! masks. Each explanation names the finding a live check would report for the same cause,
//! when there is one. Tables: `data/windows/`, `data/winhttp/` (embedded).

pub mod winhttp;

use std::sync::OnceLock;

use serde::Serialize;

use crate::csv::load;
use crate::finding::FindingCode;
use winhttp::Named;

const HRESULTS: &str = include_str!("../../data/windows/hresults.csv");
const WIN32: &str = include_str!("../../data/windows/win32-errors.csv");

/// How a value was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Reading {
    /// A Win32, WinHTTP or Winsock error code (a log's `Code:`).
    Error,
    /// An HRESULT (a log's `hr =`).
    Hresult,
    /// A WinHTTP `Info` mask of secure-failure flags.
    InfoFlags,
    /// A WinHTTP callback `Status` value.
    Status,
}

/// A value as pasted and every reading of it (`decode --format json` writes a list of these).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Decoded {
    /// The value as given.
    pub input: String,
    /// Its readings.
    pub readings: Vec<Explanation>,
}

/// One reading of a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Explanation {
    /// How the value was read.
    pub reading: Reading,
    /// The value, hex.
    pub value: String,
    /// Its symbolic name(s), when known.
    pub names: Vec<String>,
    /// The family the rule places it in (e.g. "HTTP status (FACILITY_HTTP)").
    pub family: Option<String>,
    /// What it means.
    pub meaning: String,
    /// The findings a live check reports for the same cause(s).
    pub findings: Vec<FindingCode>,
}

/// Why a value could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Not a number in a known notation.
    #[error("{0:?} is not a number (give 0x… hex, decimal, or Status=/Info=/hr=/Code= with one)")]
    NotANumber(String),
    /// A number, but none of the tables or rules knows it.
    #[error("{0} is not a known WinHTTP, Win32 or HRESULT value")]
    Unknown(String),
}

fn table(name: &str, text: &'static str, hex: bool) -> Vec<Named> {
    load(name, text, |row| {
        let value = row.get(1)?;
        let value = if hex {
            u32::from_str_radix(value.trim_start_matches("0x"), 16).ok()?
        } else {
            value.parse().ok()?
        };
        Some(Named {
            name: row.first()?.clone(),
            value,
            finding: row.get(2).filter(|f| !f.is_empty()).cloned(),
            meaning: row.get(3).filter(|m| !m.is_empty()).cloned(),
        })
    })
}

fn hresults() -> &'static [Named] {
    static TABLE: OnceLock<Vec<Named>> = OnceLock::new();
    TABLE.get_or_init(|| table("windows/hresults.csv", HRESULTS, true))
}

fn win32() -> &'static [Named] {
    static TABLE: OnceLock<Vec<Named>> = OnceLock::new();
    TABLE.get_or_init(|| table("windows/win32-errors.csv", WIN32, false))
}

fn finding(named: &Named) -> Option<FindingCode> {
    named.finding.as_deref().and_then(FindingCode::from_id)
}

fn hex(value: u32) -> String {
    format!("0x{value:08x}")
}

/// An HRESULT, by table first, then by its facility.
pub(crate) fn explain_hresult(hr: u32) -> Explanation {
    let facility = (hr >> 16) & 0x1fff;
    let failure = hr & 0x8000_0000 != 0;
    let code = hr & 0xffff;
    let mut explanation = Explanation {
        reading: Reading::Hresult,
        value: hex(hr),
        names: Vec::new(),
        family: None,
        meaning: String::new(),
        findings: Vec::new(),
    };
    if let Some(named) = hresults().iter().find(|named| named.value == hr) {
        explanation.names.push(named.name.clone());
        explanation.meaning = named.meaning.clone().unwrap_or_default();
        explanation.findings.extend(finding(named));
    }
    let family = match facility {
        // FACILITY_HTTP: the low word is the HTTP status.
        25 if failure && (100..600).contains(&code) => {
            if explanation.meaning.is_empty() {
                explanation.meaning = format!("HTTP status {code} {}", http_reason(code));
            }
            if code == 407 && explanation.findings.is_empty() {
                explanation.findings.push(FindingCode::ProxyAuthRequired);
            }
            format!("HTTP status {code} (FACILITY_HTTP)")
        }
        25 => "HTTP (FACILITY_HTTP)".to_owned(),
        // FACILITY_WIN32: HRESULT_FROM_WIN32 of the low word.
        7 => {
            let inner = explain_error(code);
            explanation.names.extend(inner.names);
            if explanation.meaning.is_empty() {
                explanation.meaning = inner.meaning;
            }
            if explanation.findings.is_empty() {
                explanation.findings = inner.findings;
            }
            format!(
                "{} {code} as an HRESULT (FACILITY_WIN32)",
                inner.family.unwrap_or_default()
            )
        }
        9 => "security, crypto and Schannel (FACILITY_SECURITY)".to_owned(),
        11 => "certificate trust (FACILITY_CERT)".to_owned(),
        12 => "URL monikers and WinINet (FACILITY_INTERNET)".to_owned(),
        0 => "generic (FACILITY_NULL)".to_owned(),
        4 => "interface-specific (FACILITY_ITF)".to_owned(),
        other => format!("facility {other}"),
    };
    explanation.family = Some(family);
    if explanation.meaning.is_empty() {
        explanation.meaning = if failure {
            "an error this table does not name".to_owned()
        } else {
            "a success or informational code".to_owned()
        };
    }
    explanation
}

/// A plain error code: WinHTTP (12xxx), Winsock or Win32.
pub(crate) fn explain_error(code: u32) -> Explanation {
    let (named, family) = match winhttp::error(code) {
        Some(named) if (12_000..13_000).contains(&code) => (Some(named), "WinHTTP error"),
        _ => match win32().iter().find(|named| named.value == code) {
            Some(named) if (10_000..12_000).contains(&code) => (Some(named), "Winsock error"),
            Some(named) => (Some(named), "Win32 error"),
            None if (12_000..13_000).contains(&code) => (None, "WinHTTP / WinINet error"),
            None => (None, "Win32 error"),
        },
    };
    Explanation {
        reading: Reading::Error,
        value: hex(code),
        names: named.iter().map(|named| named.name.clone()).collect(),
        family: Some(family.to_owned()),
        meaning: named
            .and_then(|named| named.meaning.clone())
            .unwrap_or_else(|| format!("{family} {code}")),
        findings: named.and_then(finding).into_iter().collect(),
    }
}

/// A WinHTTP callback `Status` value.
pub(crate) fn explain_status(status: u32) -> Option<Explanation> {
    let name = winhttp::status_name(status)?;
    let meaning = if status == winhttp::STATUS_SECURE_FAILURE {
        "a secure (TLS) connection failed; the Info flags say why".to_owned()
    } else {
        "a WinHTTP callback notification".to_owned()
    };
    Some(Explanation {
        reading: Reading::Status,
        value: hex(status),
        names: vec![name.to_owned()],
        family: Some("WinHTTP callback status".to_owned()),
        meaning,
        findings: Vec::new(),
    })
}

/// A WinHTTP `Info` mask of secure-failure flags.
pub(crate) fn explain_flags(mask: u32) -> Explanation {
    let meanings: Vec<String> = winhttp::flag_meanings(mask)
        .iter()
        .filter_map(|flag| flag.meaning.clone())
        .collect();
    let mut findings: Vec<FindingCode> = winhttp::decode_flags(mask)
        .iter()
        .filter_map(|name| flag_finding(name))
        .collect();
    findings.sort();
    findings.dedup();
    Explanation {
        reading: Reading::InfoFlags,
        value: hex(mask),
        names: winhttp::decode_flags(mask),
        family: Some("WinHTTP secure-failure flags".to_owned()),
        meaning: if meanings.is_empty() {
            "no known flag".to_owned()
        } else {
            meanings.join(" ")
        },
        findings,
    }
}

/// The finding a secure-failure flag stands for.
pub(crate) fn flag_finding(name: &str) -> Option<FindingCode> {
    FindingCode::ALL
        .into_iter()
        .find(|code| code.winhttp_flag() == Some(name) && *code != FindingCode::Interception)
        .map(|code| match code {
            FindingCode::ClockSkew => FindingCode::Expired,
            FindingCode::IncompleteChain | FindingCode::SelfSigned => FindingCode::UntrustedRoot,
            other => other,
        })
}

/// Every plausible reading of a value pasted from a log: `0x80190197`, `-2145844841`, `12175`,
/// or with its label (`Status: 0x00010000`, `Info=0x9`, `hr = 0x80072f8f`, `Code: 0x2f8f`).
pub fn decode(input: &str) -> Result<Vec<Explanation>, DecodeError> {
    let text = input.trim().trim_end_matches(['.', ',', ';', ']']);
    // A label is the words before the number: `Status:`, `Status Info:`, `Info`, `hr =`.
    let split = text
        .find(|c: char| c.is_ascii_digit() || c == '-')
        .unwrap_or(text.len());
    let (label, number) = text.split_at(split);
    let label = label
        .trim()
        .trim_end_matches([':', '='])
        .trim()
        .trim_start_matches('[')
        .to_ascii_lowercase();
    let value = parse_number(number).ok_or_else(|| DecodeError::NotANumber(input.to_owned()))?;
    let readings = match label.as_str() {
        "" => plausible_readings(value),
        "info" | "status info" | "flags" => vec![explain_flags(value)],
        "status" => explain_status(value).into_iter().collect(),
        "hr" | "hresult" | "result" => vec![explain_hresult(value)],
        "code" | "error" | "err" => vec![explain_error(value)],
        _ => return Err(DecodeError::NotANumber(input.to_owned())),
    };
    if readings.is_empty() {
        return Err(DecodeError::Unknown(hex(value)));
    }
    Ok(readings)
}

/// [`decode`], or, for a line pasted whole from a log (`Status: 0x… Info 0x…`, `hr =
/// 0x80072f8f, Code: 0x2f8f`), every labelled value in it, in order.
pub fn decode_pasted(input: &str) -> Result<Vec<Explanation>, DecodeError> {
    let whole = decode(input);
    if !matches!(whole, Err(DecodeError::NotANumber(_))) {
        return whole;
    }
    let mut readings = Vec::new();
    let words: Vec<&str> = input
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '[' | ']' | '(' | ')'))
        .filter(|word| !word.is_empty())
        .collect();
    let mut index = 0;
    while index < words.len() {
        let word = words[index];
        let (label, rest) = word.split_once(['=', ':']).unwrap_or((word, ""));
        // The number is after `=`/`:` in the same word, or in the next word (after a lone `=`
        // or `:`); a sentence's full stop after it is not part of it.
        let mut next = index + 1;
        let mut number = rest;
        while number.is_empty() && next < words.len() {
            number = words[next].trim_start_matches(['=', ':']);
            next += 1;
        }
        let number = number.trim_end_matches('.');
        if !label.is_empty() && parse_number(number).is_some() {
            // `decode` knows the labels: a word it does not know as one is not a label.
            match decode(&format!("{label}={number}")) {
                Ok(found) => {
                    readings.extend(found);
                    index = next;
                    continue;
                }
                Err(DecodeError::NotANumber(_)) => {}
                Err(other) => return Err(other),
            }
        }
        index += 1;
    }
    if readings.is_empty() {
        return whole;
    }
    Ok(readings)
}

/// The readings of an unlabelled value that name something.
fn plausible_readings(value: u32) -> Vec<Explanation> {
    let mut readings = Vec::new();
    if value & 0x8000_0000 != 0 || hresults().iter().any(|named| named.value == value) {
        readings.push(explain_hresult(value));
    }
    if value < 0x1_0000 {
        let error = explain_error(value);
        if !error.names.is_empty() {
            readings.push(error);
        }
    }
    readings.extend(explain_status(value));
    if value != 0 && winhttp::all_flags_known(value) {
        readings.push(explain_flags(value));
    }
    readings
}

/// `0x…` hex, or decimal (negative decimal is a signed HRESULT, as some tools print them).
fn parse_number(text: &str) -> Option<u32> {
    let text = text.trim();
    if let Some(digits) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return u32::from_str_radix(digits, 16).ok();
    }
    if let Some(digits) = text.strip_prefix('-') {
        let magnitude: i64 = digits.parse().ok()?;
        return u32::try_from((1i64 << 32) - magnitude).ok();
    }
    text.parse().ok()
}

/// A reason phrase for the HTTP statuses an HRESULT can carry.
fn http_reason(status: u32) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        407 => "Proxy Authentication Required: the proxy asks for credentials",
        408 => "Request Timeout",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        300..=399 => "(a redirection)",
        402..=499 => "(a client error)",
        501..=599 => "(a server error)",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_pasted_whole_gives_each_labelled_value() {
        let readings = decode_pasted("Status: 0x00010000 Info 0x9, hr = 0x80072f8f")
            .unwrap_or_else(|error| panic!("{error}"));
        let values: Vec<&str> = readings.iter().map(|r| r.value.as_str()).collect();
        assert_eq!(values, ["0x00010000", "0x00000009", "0x80072f8f"]);
        // As the article's trace line has it: a full stop after the Status value.
        let readings = decode_pasted("[Status: 0x00010000. Status Info: 0x00000001]")
            .unwrap_or_else(|error| panic!("{error}"));
        let values: Vec<&str> = readings.iter().map(|r| r.value.as_str()).collect();
        assert_eq!(values, ["0x00010000", "0x00000001"]);
        assert!(decode_pasted("no numbers here").is_err());
    }

    #[test]
    fn hresult_families_are_decoded_by_rule() {
        let cases: &[(u32, &str, Option<FindingCode>)] = &[
            (
                0x8019_0197,
                "HTTP status 407",
                Some(FindingCode::ProxyAuthRequired),
            ),
            (0x8019_01f6, "HTTP status 502", None),
            (0x8007_2f8f, "ERROR_WINHTTP_SECURE_FAILURE", None),
            (
                0x8007_2ee7,
                "ERROR_WINHTTP_NAME_NOT_RESOLVED",
                Some(FindingCode::DnsFailed),
            ),
            (
                0x8007_274d,
                "WSAECONNREFUSED",
                Some(FindingCode::ConnectFailed),
            ),
            (
                0x800b_0109,
                "CERT_E_UNTRUSTEDROOT",
                Some(FindingCode::UntrustedRoot),
            ),
            (0x800b_0101, "CERT_E_EXPIRED", Some(FindingCode::Expired)),
            (
                0x8009_2013,
                "CRYPT_E_REVOCATION_OFFLINE",
                Some(FindingCode::RevocationUnavailable),
            ),
            (
                0x8009_0325,
                "SEC_E_UNTRUSTED_ROOT",
                Some(FindingCode::UntrustedRoot),
            ),
            (
                0x800c_0005,
                "INET_E_RESOURCE_NOT_FOUND",
                Some(FindingCode::DnsFailed),
            ),
        ];
        for (hr, want, finding) in cases {
            let got = explain_hresult(*hr);
            let text = format!("{} {:?} {}", got.names.join(" "), got.family, got.meaning);
            assert!(text.contains(want), "{hr:#x}: {text}");
            assert_eq!(got.findings.first(), finding.as_ref(), "{hr:#x}");
        }
        let unknown = explain_hresult(0x800b_01ff);
        assert!(unknown.names.is_empty());
        assert_eq!(
            unknown.family.as_deref(),
            Some("certificate trust (FACILITY_CERT)")
        );
    }

    #[test]
    fn pasted_values_are_read_in_every_plausible_way() {
        let readings =
            |input| -> Vec<Reading> { decode(input).unwrap().iter().map(|e| e.reading).collect() };
        assert_eq!(readings("hr = 0x80072f8f"), [Reading::Hresult]);
        assert_eq!(readings("Code: 0x00002f8f"), [Reading::Error]);
        assert_eq!(readings("Status: 0x00010000."), [Reading::Status]);
        assert_eq!(readings("Info 0x9"), [Reading::InfoFlags]);
        assert_eq!(readings("Status Info: 0x00000001]"), [Reading::InfoFlags]);
        assert_eq!(readings("0x9"), [Reading::InfoFlags]);
        assert_eq!(readings("0x00000100"), [Reading::Status]);
        assert_eq!(readings("Info=0x00000009"), [Reading::InfoFlags]);
        assert_eq!(readings("0x80190197"), [Reading::Hresult]);
        assert_eq!(readings("-2145844841"), [Reading::Hresult]);
        assert_eq!(readings("12175"), [Reading::Error]);
        assert_eq!(
            decode("0x80190197").unwrap()[0].findings,
            [FindingCode::ProxyAuthRequired]
        );
        assert_eq!(
            decode("Info=0x9").unwrap()[0].findings,
            [
                FindingCode::UntrustedRoot,
                FindingCode::RevocationUnavailable
            ]
        );
        assert!(matches!(decode("banana"), Err(DecodeError::NotANumber(_))));
        assert!(matches!(decode("0x00000300"), Err(DecodeError::Unknown(_))));
        assert!(matches!(
            decode("colour: 0x1"),
            Err(DecodeError::NotANumber(_))
        ));
    }
}
