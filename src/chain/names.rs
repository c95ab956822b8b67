//! Distinguished-name comparison as RFC 5280 §7.1 asks (after RFC 4518's string preparation,
//! simplified as OpenSSL and browsers' verifiers do it): two names are the same when they have the
//! same relative names, each with the same attributes, and each string value matches once leading
//! and trailing white space is dropped, inner runs of white space become one space, and case is
//! folded — whatever string type encodes it (PrintableString, UTF8String, BMPString, …). Values
//! that are not strings compare byte for byte.

use der::{Decode, Tag, Tagged};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::Name;

/// Whether the DER names `left` and `right` (whole SEQUENCEs) name the same entity. Identical
/// encodings always do; names that do not decode match only byte for byte.
pub(crate) fn same_name(left: &[u8], right: &[u8]) -> bool {
    if left == right {
        return true;
    }
    let (Ok(left), Ok(right)) = (Name::from_der(left), Name::from_der(right)) else {
        return false;
    };
    left.0.len() == right.0.len()
        && left.0.iter().zip(&right.0).all(|(left, right)| {
            left.0.len() == right.0.len()
                && left
                    .0
                    .iter()
                    .all(|attribute| right.0.iter().any(|other| same_attribute(attribute, other)))
        })
}

fn same_attribute(left: &AttributeTypeAndValue, right: &AttributeTypeAndValue) -> bool {
    if left.oid != right.oid {
        return false;
    }
    match (prepared(left), prepared(right)) {
        (Some(left), Some(right)) => left == right,
        _ => left.value == right.value,
    }
}

/// A string value, prepared for comparison; `None` when the value is not a string.
fn prepared(attribute: &AttributeTypeAndValue) -> Option<String> {
    let value = attribute.value.value();
    let text = match attribute.value.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::VisibleString => {
            std::str::from_utf8(value).ok()?.to_owned()
        }
        // T.61 as Latin-1, as OpenSSL reads it.
        Tag::TeletexString => value.iter().map(|byte| char::from(*byte)).collect(),
        Tag::BmpString => {
            let units: Vec<u16> = value
                .chunks(2)
                .map(|pair| Some(u16::from_be_bytes([pair[0], *pair.get(1)?])))
                .collect::<Option<_>>()?;
            String::from_utf16(&units).ok()?
        }
        _ => return None,
    };
    let folded = text.to_lowercase();
    Some(folded.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Encode;
    use std::str::FromStr;

    fn der(name: &str) -> Vec<u8> {
        Name::from_str(name)
            .and_then(|name| name.to_der())
            .unwrap_or_else(|_| unreachable!("{name}"))
    }

    #[test]
    fn case_and_spaces_are_folded_but_values_and_types_are_not() {
        assert!(same_name(
            &der("CN=Good CA,O=Test"),
            &der("CN=good  ca,O=TEST")
        ));
        assert!(!same_name(
            &der("CN=Good CA,O=Test"),
            &der("CN=Good CB,O=Test")
        ));
        assert!(!same_name(
            &der("CN=Good CA,O=Test"),
            &der("OU=Good CA,O=Test")
        ));
        assert!(!same_name(&der("CN=Good CA,O=Test"), &der("CN=Good CA")));
        assert!(!same_name(&[0x30, 0x03, 0x31], &[0x30, 0x03, 0x32]));
    }
}
