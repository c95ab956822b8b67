//! The embedded tables `trust` judges roots by, all keyed by the SHA-256 of the root's
//! SubjectPublicKeyInfo — never by certificate hash or name: one key appears in several
//! certificates, and a name can be copied. Sources: `data/README.md`.

use std::sync::OnceLock;

use time::{Date, Month, OffsetDateTime, Time};

use crate::csv::load;

const LEAKED: &str = include_str!("../../data/trust/leaked-key-roots.csv");
const DISTRUSTED: &str = include_str!("../../data/trust/distrusted-roots.csv");
const INTERCEPTION: &str = include_str!("../../data/trust/interception-roots.csv");

/// A root whose private key is public.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeakedKey {
    /// The product or incident.
    pub product: String,
    /// What happened.
    pub incident: String,
    /// Where the certificate and the fact come from.
    pub source: String,
}

/// How far browsers distrust a root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distrust {
    /// Certificates issued after this instant are distrusted; earlier ones still validate.
    After(OffsetDateTime),
    /// Removed outright.
    Full,
}

/// A root browsers removed or restricted for cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Distrusted {
    /// Its name.
    pub name: String,
    /// How far.
    pub distrust: Distrust,
    /// When (the date of the decision or cut-off).
    pub date: String,
    /// Why.
    pub reason: String,
    /// Where the fact comes from.
    pub source: String,
}

/// An inspection product's root shared by all its customers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorRoot {
    /// The product.
    pub product: String,
    /// What it is.
    pub note: String,
}

fn field(fields: &[String], index: usize) -> Option<String> {
    fields.get(index).filter(|value| !value.is_empty()).cloned()
}

fn leaked() -> &'static [(String, LeakedKey)] {
    static TABLE: OnceLock<Vec<(String, LeakedKey)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        load("trust/leaked-key-roots.csv", LEAKED, |f| {
            Some((
                field(f, 1)?,
                LeakedKey {
                    product: field(f, 0)?,
                    incident: field(f, 2)?,
                    source: field(f, 3)?,
                },
            ))
        })
    })
}

fn distrusted() -> &'static [(String, Distrusted)] {
    static TABLE: OnceLock<Vec<(String, Distrusted)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        load("trust/distrusted-roots.csv", DISTRUSTED, |f| {
            let distrust = match field(f, 2)?.as_str() {
                "full" => Distrust::Full,
                other => Distrust::After(parse_date(other.strip_prefix("after:")?)?),
            };
            Some((
                field(f, 1)?,
                Distrusted {
                    name: field(f, 0)?,
                    distrust,
                    date: field(f, 3)?,
                    reason: field(f, 4)?,
                    source: field(f, 5)?,
                },
            ))
        })
    })
}

fn vendors() -> &'static [(String, VendorRoot)] {
    static TABLE: OnceLock<Vec<(String, VendorRoot)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        load("trust/interception-roots.csv", INTERCEPTION, |f| {
            Some((
                field(f, 1)?,
                VendorRoot {
                    product: field(f, 0)?,
                    note: field(f, 2)?,
                },
            ))
        })
    })
}

/// `2024-11-11` as the end of that day, UTC (certificates issued that day are still trusted).
fn parse_date(text: &str) -> Option<OffsetDateTime> {
    let mut parts = text.split('-').map(str::parse::<u16>);
    let (year, month, day) = (
        parts.next()?.ok()?,
        parts.next()?.ok()?,
        parts.next()?.ok()?,
    );
    let date = Date::from_calendar_date(
        i32::from(year),
        Month::try_from(u8::try_from(month).ok()?).ok()?,
        u8::try_from(day).ok()?,
    )
    .ok()?;
    Some(
        date.with_time(Time::from_hms(23, 59, 59).ok()?)
            .assume_utc(),
    )
}

fn find<'a, T>(table: &'a [(String, T)], spki_sha256: &str) -> Option<&'a T> {
    table
        .iter()
        .find(|(key, _)| key == spki_sha256)
        .map(|(_, value)| value)
}

/// The leaked-key entry for a key, if any.
pub fn leaked_key(spki_sha256: &str) -> Option<&'static LeakedKey> {
    find(leaked(), spki_sha256)
}

/// The distrust entry for a key, if any.
pub fn distrusted_root(spki_sha256: &str) -> Option<&'static Distrusted> {
    find(distrusted(), spki_sha256)
}

/// The shared vendor root for a key, if any.
pub fn vendor_root(spki_sha256: &str) -> Option<&'static VendorRoot> {
    find(vendors(), spki_sha256)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes() -> (usize, usize, usize) {
        (leaked().len(), distrusted().len(), vendors().len())
    }

    #[test]
    fn every_row_of_every_table_is_read() {
        let lines = |text: &str| text.lines().skip(1).filter(|l| !l.is_empty()).count();
        assert_eq!(
            sizes(),
            (lines(LEAKED), lines(DISTRUSTED), lines(INTERCEPTION))
        );
        for (key, _) in leaked().iter().map(|(k, v)| (k, v)) {
            assert_eq!(key.len(), 64, "{key}");
        }
        let superfish = "4bb8f35ba1e126f8dde1b0c420625ed86dce61a7bddadbdea9aba578ff13145e";
        assert_eq!(leaked_key(superfish).unwrap().product, "Superfish");
        let entrust = "6dbfae00d37b9cd73f8fb47de65917af00e0dddf42dbceac20c17c0275ee2095";
        assert!(matches!(
            distrusted_root(entrust).unwrap().distrust,
            Distrust::After(_)
        ));
        let diginotar = "a903af8c07bb91b0d9e3f3a30c6d53339fc5bd47e5d6bdb476598860c068a024";
        assert_eq!(distrusted_root(diginotar).unwrap().distrust, Distrust::Full);
        let zscaler = "a3d43860a9265aa0394cce5b17a6f4e8b3f13dfbf639ae0f558e55b535492779";
        assert_eq!(vendor_root(zscaler).unwrap().product, "Zscaler");
    }
}
