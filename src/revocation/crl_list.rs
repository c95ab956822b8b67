//! A CRL read as RFC 5280 §5 lays it out, without decoding it whole: the outer fields, the CRL
//! extensions this tool understands (CRL number, delta CRL indicator, issuing distribution
//! point), and a lazy walk over the entries (serial, reason, certificate issuer of an indirect
//! CRL), so a CRL of a million entries costs one pass and no copy.
//!
//! A critical CRL or entry extension this tool does not process makes the CRL unusable (RFC 5280
//! §5.2, §5.3: such a CRL "MUST NOT" be used to determine any certificate's status).

use time::OffsetDateTime;

use crate::chain::asn1::{self, Tlv};

/// id-ce-cRLNumber (2.5.29.20).
const CRL_NUMBER: &[u8] = &[0x55, 0x1d, 0x14];
/// id-ce-deltaCRLIndicator (2.5.29.27).
const DELTA_CRL_INDICATOR: &[u8] = &[0x55, 0x1d, 0x1b];
/// id-ce-issuingDistributionPoint (2.5.29.28).
const ISSUING_DISTRIBUTION_POINT: &[u8] = &[0x55, 0x1d, 0x1c];
/// id-ce-authorityKeyIdentifier (2.5.29.35), id-ce-issuerAltName (2.5.29.18), id-ce-freshestCRL
/// (2.5.29.46), id-pe-authorityInfoAccess: read past (never critical in practice, and nothing in
/// them changes an answer here).
const IGNORABLE: &[&[u8]] = &[
    &[0x55, 0x1d, 0x23],
    &[0x55, 0x1d, 0x12],
    &[0x55, 0x1d, 0x2e],
    &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01],
];
/// id-ce-cRLReasons (2.5.29.21).
const REASON_CODE: &[u8] = &[0x55, 0x1d, 0x15];
/// id-ce-invalidityDate (2.5.29.24).
const INVALIDITY_DATE: &[u8] = &[0x55, 0x1d, 0x18];
/// id-ce-certificateIssuer (2.5.29.29).
const CERTIFICATE_ISSUER: &[u8] = &[0x55, 0x1d, 0x1d];

/// The reason code removeFromCRL (RFC 5280 §5.3.1): in a delta CRL, the entry left the base CRL.
pub(super) const REMOVE_FROM_CRL: u8 = 8;

/// Why a CRL cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Unreadable {
    /// The bytes are not a CRL.
    NotACrl,
    /// A critical extension this tool does not process (what it is).
    CriticalExtension(String),
    /// An extension or entry that does not decode (which).
    Damaged(&'static str),
}

/// A CRL's fields, borrowed from its DER.
#[derive(Debug, Clone)]
pub(super) struct CrlList<'a> {
    /// The signed structure.
    pub(super) signed: asn1::Signed<'a>,
    /// The issuer's name, DER (the whole SEQUENCE).
    pub(super) issuer: &'a [u8],
    /// thisUpdate.
    pub(super) this_update: OffsetDateTime,
    /// nextUpdate.
    pub(super) next_update: Option<OffsetDateTime>,
    /// The CRL number's INTEGER contents, and whether the extension is critical.
    pub(super) number: Option<(&'a [u8], bool)>,
    /// A delta CRL: the number of the base CRL it updates (INTEGER contents).
    pub(super) delta_base: Option<&'a [u8]>,
    /// The issuing distribution point extension's value (a DER SEQUENCE).
    pub(super) issuing_distribution_point: Option<&'a [u8]>,
    /// The revokedCertificates contents (the entries, one after another).
    entries: &'a [u8],
}

/// One entry of a CRL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Entry<'a> {
    /// The serial's INTEGER contents.
    pub(super) serial: &'a [u8],
    /// When it was revoked.
    pub(super) revoked_at: Option<OffsetDateTime>,
    /// Its reason code.
    pub(super) reason: Option<u8>,
    /// The certificate issuer this entry and those after it are about (an indirect CRL's
    /// certificateIssuer, as a GeneralNames value); `None` when the entry does not say.
    pub(super) certificate_issuer: Option<&'a [u8]>,
}

impl<'a> CrlList<'a> {
    /// Reads a CRL's fields.
    pub(super) fn parse(der: &'a [u8]) -> Result<Self, Unreadable> {
        let signed = asn1::signed(der).ok_or(Unreadable::NotACrl)?;
        // TBSCertList: version INTEGER OPTIONAL, signature, issuer, thisUpdate, nextUpdate
        // OPTIONAL, revokedCertificates SEQUENCE OPTIONAL, crlExtensions [0] OPTIONAL.
        let mut fields = signed.tbs.contents;
        if let Some((_, rest)) = asn1::expect(fields, 0x02) {
            fields = rest;
        }
        let (_, rest) = asn1::expect(fields, 0x30).ok_or(Unreadable::NotACrl)?;
        let (issuer, rest) = asn1::expect(rest, 0x30).ok_or(Unreadable::NotACrl)?;
        let (this_update, mut rest) = read_time(rest).ok_or(Unreadable::NotACrl)?;
        let mut list = Self {
            signed,
            issuer: issuer.whole,
            this_update,
            next_update: None,
            number: None,
            delta_base: None,
            issuing_distribution_point: None,
            entries: &[],
        };
        if let Some((time, after)) = read_time(rest) {
            list.next_update = Some(time);
            rest = after;
        }
        if let Some((entries, after)) = asn1::expect(rest, 0x30) {
            list.entries = entries.contents;
            rest = after;
        }
        if let Some((explicit, after)) = asn1::expect(rest, 0xa0) {
            let (extensions, _) =
                asn1::expect(explicit.contents, 0x30).ok_or(Unreadable::Damaged("extensions"))?;
            list.read_extensions(extensions.contents)?;
            rest = after;
        }
        if rest.is_empty() {
            Ok(list)
        } else {
            Err(Unreadable::NotACrl)
        }
    }

    fn read_extensions(&mut self, mut extensions: &'a [u8]) -> Result<(), Unreadable> {
        while !extensions.is_empty() {
            let (extension, rest) =
                asn1::expect(extensions, 0x30).ok_or(Unreadable::Damaged("a CRL extension"))?;
            extensions = rest;
            let (oid, critical, value) = extension_parts(extension.contents)
                .ok_or(Unreadable::Damaged("a CRL extension"))?;
            match oid {
                CRL_NUMBER => {
                    let (number, _) =
                        asn1::expect(value, 0x02).ok_or(Unreadable::Damaged("the CRL number"))?;
                    self.number = Some((number.contents, critical));
                }
                DELTA_CRL_INDICATOR => {
                    let (base, _) = asn1::expect(value, 0x02)
                        .ok_or(Unreadable::Damaged("the delta CRL indicator"))?;
                    self.delta_base = Some(base.contents);
                }
                ISSUING_DISTRIBUTION_POINT => self.issuing_distribution_point = Some(value),
                other if IGNORABLE.contains(&other) => {}
                other if critical => {
                    return Err(Unreadable::CriticalExtension(format!(
                        "a critical CRL extension ({})",
                        describe_oid(other)
                    )));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The entries in order; an entry that does not decode, or carries a critical extension
    /// this tool does not process, ends the walk with an error.
    pub(super) fn entries(&self) -> impl Iterator<Item = Result<Entry<'a>, Unreadable>> + 'a {
        let mut rest = self.entries;
        std::iter::from_fn(move || {
            if rest.is_empty() {
                return None;
            }
            let Some((entry, after)) = asn1::expect(rest, 0x30) else {
                rest = &[];
                return Some(Err(DAMAGED_ENTRY));
            };
            rest = after;
            let parsed = read_entry(entry.contents);
            if parsed.is_err() {
                rest = &[];
            }
            Some(parsed)
        })
    }
}

/// An entry that does not decode.
const DAMAGED_ENTRY: Unreadable = Unreadable::Damaged("a CRL entry");

fn read_entry(contents: &[u8]) -> Result<Entry<'_>, Unreadable> {
    let (serial, rest) = asn1::expect(contents, 0x02).ok_or(DAMAGED_ENTRY)?;
    let (revoked_at, rest) = read_time(rest).ok_or(DAMAGED_ENTRY)?;
    let mut entry = Entry {
        serial: serial.contents,
        revoked_at: Some(revoked_at),
        reason: None,
        certificate_issuer: None,
    };
    if rest.is_empty() {
        return Ok(entry);
    }
    let (extensions, _) = asn1::expect(rest, 0x30).ok_or(DAMAGED_ENTRY)?;
    let mut extensions = extensions.contents;
    while !extensions.is_empty() {
        let (extension, after) = asn1::expect(extensions, 0x30).ok_or(DAMAGED_ENTRY)?;
        extensions = after;
        let (oid, critical, value) = extension_parts(extension.contents).ok_or(DAMAGED_ENTRY)?;
        match oid {
            REASON_CODE => {
                let (code, _) = asn1::expect(value, 0x0a).ok_or(DAMAGED_ENTRY)?;
                entry.reason = code.contents.last().copied();
            }
            CERTIFICATE_ISSUER => entry.certificate_issuer = Some(value),
            INVALIDITY_DATE => {}
            other if critical => {
                return Err(Unreadable::CriticalExtension(format!(
                    "a critical CRL entry extension ({})",
                    describe_oid(other)
                )));
            }
            _ => {}
        }
    }
    Ok(entry)
}

/// An Extension's OID, criticality and the value inside its OCTET STRING.
fn extension_parts(contents: &[u8]) -> Option<(&[u8], bool, &[u8])> {
    let (oid, rest) = asn1::expect(contents, 0x06)?;
    let (critical, rest) = match asn1::expect(rest, 0x01) {
        Some((flag, after)) => (flag.contents.first().is_some_and(|byte| *byte != 0), after),
        None => (false, rest),
    };
    let (value, _) = asn1::expect(rest, 0x04)?;
    Some((oid.contents, critical, value.contents))
}

fn read_time(input: &[u8]) -> Option<(OffsetDateTime, &[u8])> {
    let (tlv, rest): (Tlv<'_>, _) = asn1::read(input)?;
    Some((asn1::time(&tlv)?, rest))
}

/// An OID's dotted form (for messages).
fn describe_oid(contents: &[u8]) -> String {
    der::asn1::ObjectIdentifier::from_bytes(contents)
        .map_or_else(|_| "an unreadable OID".to_owned(), |oid| oid.to_string())
}

/// Compares two INTEGER contents as numbers (leading zero octets ignored; both non-negative, as
/// CRL numbers are).
pub(super) fn compare_numbers(left: &[u8], right: &[u8]) -> std::cmp::Ordering {
    let trim =
        |bytes: &'_ [u8]| -> Vec<u8> { bytes.iter().copied().skip_while(|b| *b == 0).collect() };
    let (left, right) = (trim(left), trim(right));
    left.len().cmp(&right.len()).then_with(|| left.cmp(&right))
}
