//! WinHTTP names for the numbers in trace logs: `Info` bit masks
//! (WINHTTP_CALLBACK_STATUS_FLAG_*), `Status` values, error codes and their HRESULT forms
//! (data/winhttp/, embedded).

const FLAGS: &str = include_str!("../../data/winhttp/secure-failure-flags.csv");
const ERRORS: &str = include_str!("../../data/winhttp/winhttp-errors.csv");

/// WINHTTP_CALLBACK_STATUS_SECURE_FAILURE, the `Status` of a secure-connection failure.
pub const STATUS_SECURE_FAILURE: u32 = 0x0001_0000;

/// The flag names set in an `Info` mask, lowest bit first; unknown bits as `0x…`.
pub fn decode_flags(mask: u32) -> Vec<String> {
    let mut names = Vec::new();
    let mut known = 0u32;
    for (name, value) in FLAGS.lines().skip(1).filter_map(flag_row) {
        if mask & value != 0 {
            names.push(name.to_owned());
            known |= value;
        }
    }
    let unknown = mask & !known;
    if unknown != 0 {
        names.push(format!("0x{unknown:08x}"));
    }
    names
}

/// The bit of a flag name.
pub fn flag_value(name: &str) -> Option<u32> {
    FLAGS
        .lines()
        .skip(1)
        .filter_map(flag_row)
        .find(|(flag, _)| *flag == name)
        .map(|(_, value)| value)
}

fn flag_row(line: &str) -> Option<(&str, u32)> {
    let mut fields = line.split(',');
    let name = fields.next()?;
    let value = u32::from_str_radix(fields.next()?.trim_start_matches("0x"), 16).ok()?;
    Some((name, value))
}

/// The name of a `Status` value.
pub fn status_name(status: u32) -> Option<&'static str> {
    (status == STATUS_SECURE_FAILURE).then_some("WINHTTP_CALLBACK_STATUS_SECURE_FAILURE")
}

/// The ERROR_WINHTTP_* name of an error code or its HRESULT (`0x2f8f` or `0x80072f8f`).
pub fn error_name(code: u32) -> Option<&'static str> {
    let code = if code & 0xffff_0000 == 0x8007_0000 {
        code & 0xffff
    } else {
        code
    };
    ERRORS.lines().skip(1).find_map(|line| {
        let mut fields = line.split(',');
        let name = fields.next()?;
        let decimal: u32 = fields.next()?.parse().ok()?;
        (decimal == code).then_some(name)
    })
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
        assert_eq!(
            error_name(0x8007_2f8f),
            Some("ERROR_WINHTTP_SECURE_FAILURE")
        );
        assert_eq!(error_name(0x2f8f), Some("ERROR_WINHTTP_SECURE_FAILURE"));
        assert_eq!(
            error_name(0x8007_2ee7),
            Some("ERROR_WINHTTP_NAME_NOT_RESOLVED")
        );
        assert_eq!(error_name(0x1234_5678), None);
        assert_eq!(
            status_name(0x10000),
            Some("WINHTTP_CALLBACK_STATUS_SECURE_FAILURE")
        );
        assert_eq!(
            flag_value("WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA"),
            Some(0x8)
        );
    }
}
