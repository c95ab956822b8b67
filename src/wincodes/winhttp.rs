//! WinHTTP's tables, embedded from `data/winhttp/`: the `Info` bits of a secure-connection
//! failure (WINHTTP_CALLBACK_STATUS_FLAG_*), the callback `Status` values, and the
//! ERROR_WINHTTP_* codes with their meaning and the finding they point to.

use std::sync::OnceLock;

use crate::csv::load;

const FLAGS: &str = include_str!("../../data/winhttp/secure-failure-flags.csv");
const STATUS: &str = include_str!("../../data/winhttp/callback-status.csv");
const ERRORS: &str = include_str!("../../data/winhttp/winhttp-errors.csv");

/// WINHTTP_CALLBACK_STATUS_SECURE_FAILURE, the `Status` of a secure-connection failure.
pub(crate) const STATUS_SECURE_FAILURE: u32 = 0x0001_0000;

/// The `Info` bits of a secure-connection failure (winhttp.h's
/// `WINHTTP_CALLBACK_STATUS_FLAG_*`), for code that tests a bit; the table names and explains
/// them, and a test checks each constant against it.
pub mod flag {
    /// `WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED`.
    pub const CERT_REV_FAILED: u32 = 0x0000_0001;
    /// `WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CERT`.
    pub const INVALID_CERT: u32 = 0x0000_0002;
    /// `WINHTTP_CALLBACK_STATUS_FLAG_CERT_REVOKED`.
    pub(crate) const CERT_REVOKED: u32 = 0x0000_0004;
    /// `WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA`.
    pub const INVALID_CA: u32 = 0x0000_0008;
    /// `WINHTTP_CALLBACK_STATUS_FLAG_CERT_CN_INVALID`.
    pub(crate) const CERT_CN_INVALID: u32 = 0x0000_0010;
    /// `WINHTTP_CALLBACK_STATUS_FLAG_CERT_DATE_INVALID`.
    pub(crate) const CERT_DATE_INVALID: u32 = 0x0000_0020;
    /// `WINHTTP_CALLBACK_STATUS_FLAG_CERT_WRONG_USAGE`.
    pub(crate) const CERT_WRONG_USAGE: u32 = 0x0000_0040;
    /// `WINHTTP_CALLBACK_STATUS_FLAG_SECURITY_CHANNEL_ERROR`.
    pub(crate) const SECURITY_CHANNEL_ERROR: u32 = 0x8000_0000;
}

/// A named value of one of the tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// The symbolic name.
    pub name: String,
    /// The value.
    pub value: u32,
    /// The finding code it points to (kebab-case), if any.
    pub finding: Option<String>,
    /// What it means, if the table says.
    pub meaning: Option<String>,
}

fn hex(text: &str) -> Option<u32> {
    let text = text.trim();
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))?;
    u32::from_str_radix(digits, 16).ok()
}

fn non_empty(text: Option<&String>) -> Option<String> {
    text.filter(|text| !text.is_empty()).cloned()
}

fn flags() -> &'static [Named] {
    static TABLE: OnceLock<Vec<Named>> = OnceLock::new();
    TABLE.get_or_init(|| {
        load("winhttp/secure-failure-flags.csv", FLAGS, |row| {
            Some(Named {
                name: row.first()?.clone(),
                value: hex(row.get(1)?)?,
                finding: None,
                meaning: non_empty(row.get(2)),
            })
        })
    })
}

fn statuses() -> &'static [Named] {
    static TABLE: OnceLock<Vec<Named>> = OnceLock::new();
    TABLE.get_or_init(|| {
        load("winhttp/callback-status.csv", STATUS, |row| {
            Some(Named {
                name: row.first()?.clone(),
                value: hex(row.get(1)?)?,
                finding: None,
                meaning: None,
            })
        })
    })
}

fn errors() -> &'static [Named] {
    static TABLE: OnceLock<Vec<Named>> = OnceLock::new();
    TABLE.get_or_init(|| {
        load("winhttp/winhttp-errors.csv", ERRORS, |row| {
            Some(Named {
                name: row.first()?.clone(),
                value: row.get(1)?.parse().ok()?,
                finding: non_empty(row.get(4)),
                meaning: non_empty(row.get(5)),
            })
        })
    })
}

/// The flag names set in an `Info` mask, lowest bit first; unknown bits as `0x…`.
pub(crate) fn decode_flags(mask: u32) -> Vec<String> {
    let mut names = Vec::new();
    let mut known = 0u32;
    for flag in flags() {
        if mask & flag.value != 0 {
            names.push(flag.name.clone());
            known |= flag.value;
        }
    }
    let unknown = mask & !known;
    if unknown != 0 {
        names.push(format!("0x{unknown:08x}"));
    }
    names
}

/// The flags of a mask with their meanings.
pub(crate) fn flag_meanings(mask: u32) -> Vec<&'static Named> {
    flags()
        .iter()
        .filter(|flag| mask & flag.value != 0)
        .collect()
}

/// Whether every bit of `mask` is a known flag.
pub(crate) fn all_flags_known(mask: u32) -> bool {
    let known = flags().iter().fold(0, |all, flag| all | flag.value);
    mask & !known == 0
}

/// The bit of a flag name.
pub(crate) fn flag_value(name: &str) -> Option<u32> {
    flags()
        .iter()
        .find(|flag| flag.name == name)
        .map(|flag| flag.value)
}

/// The name of a callback `Status` value.
pub(crate) fn status_name(status: u32) -> Option<&'static str> {
    statuses()
        .iter()
        .find(|named| named.value == status)
        .map(|named| named.name.as_str())
}

/// An ERROR_WINHTTP_* code (`12175`, or its HRESULT `0x80072f8f`).
pub fn error(code: u32) -> Option<&'static Named> {
    let code = if code & 0xffff_0000 == 0x8007_0000 {
        code & 0xffff
    } else {
        code
    };
    errors().iter().find(|named| named.value == code)
}

/// The ERROR_WINHTTP_* name of an error code or its HRESULT (`0x2f8f` or `0x80072f8f`).
pub(crate) fn error_name(code: u32) -> Option<&'static str> {
    error(code).map(|named| named.name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_articles_numbers_decode() {
        assert_eq!(
            decode_flags(0x1),
            ["WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED"]
        );
        assert_eq!(
            decode_flags(0x9),
            [
                "WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED",
                "WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA"
            ]
        );
        assert_eq!(decode_flags(0x100), ["0x00000100"]);
        assert!(all_flags_known(0x8000_0009));
        assert!(!all_flags_known(0x100));
        assert_eq!(
            error_name(0x8007_2f8f),
            Some("ERROR_WINHTTP_SECURE_FAILURE")
        );
        assert_eq!(error_name(0x2f8f), Some("ERROR_WINHTTP_SECURE_FAILURE"));
        assert_eq!(
            error_name(0x8007_2ee7),
            Some("ERROR_WINHTTP_NAME_NOT_RESOLVED")
        );
        assert_eq!(
            error(12057).unwrap().finding.as_deref(),
            Some("revocation-unavailable")
        );
        assert_eq!(error_name(0x1234_5678), None);
        assert_eq!(
            status_name(0x10000),
            Some("WINHTTP_CALLBACK_STATUS_SECURE_FAILURE")
        );
        assert_eq!(
            status_name(0x200000),
            Some("WINHTTP_CALLBACK_STATUS_REQUEST_ERROR")
        );
        assert_eq!(
            flag_value("WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA"),
            Some(0x8)
        );
        assert!(
            flag_meanings(0x1)[0]
                .meaning
                .as_deref()
                .unwrap()
                .contains("revocation")
        );
    }

    #[test]
    fn the_flag_constants_are_the_table_s_values() {
        for (name, value) in [
            (
                "WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED",
                flag::CERT_REV_FAILED,
            ),
            (
                "WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CERT",
                flag::INVALID_CERT,
            ),
            (
                "WINHTTP_CALLBACK_STATUS_FLAG_CERT_REVOKED",
                flag::CERT_REVOKED,
            ),
            ("WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA", flag::INVALID_CA),
            (
                "WINHTTP_CALLBACK_STATUS_FLAG_CERT_CN_INVALID",
                flag::CERT_CN_INVALID,
            ),
            (
                "WINHTTP_CALLBACK_STATUS_FLAG_CERT_DATE_INVALID",
                flag::CERT_DATE_INVALID,
            ),
            (
                "WINHTTP_CALLBACK_STATUS_FLAG_CERT_WRONG_USAGE",
                flag::CERT_WRONG_USAGE,
            ),
            (
                "WINHTTP_CALLBACK_STATUS_FLAG_SECURITY_CHANNEL_ERROR",
                flag::SECURITY_CHANNEL_ERROR,
            ),
        ] {
            assert_eq!(flag_value(name), Some(value), "{name}");
        }
    }
}
