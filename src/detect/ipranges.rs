//! Google's published address ranges (data/google-ipranges: goog.json minus cloud.json, Google's
//! documented rule for "Google services"), and where a peer address falls. `--ip-ranges FILE`
//! replaces goog.json with a newer copy.

use std::net::IpAddr;

use serde::Deserialize;

const GOOG: &str = include_str!("../../data/google-ipranges/goog.json");
const CLOUD: &str = include_str!("../../data/google-ipranges/cloud.json");

/// Where an address is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    /// A Google Cloud customer range: not Google's own front ends.
    GoogleCloud,
    /// Loopback, private, link-local or unique-local: a local or internal machine answered.
    Local,
    /// Outside every published Google range.
    Outside,
    /// A Google services range.
    Google,
}

#[derive(Debug, Clone, Copy)]
struct Prefix {
    network: u128,
    mask: u128,
    v6: bool,
}

impl Prefix {
    fn parse(text: &str) -> Option<Self> {
        let (address, length) = text.split_once('/')?;
        let length: u32 = length.parse().ok()?;
        let (value, bits, v6) = match address.parse::<IpAddr>().ok()? {
            IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32, false),
            IpAddr::V6(v6) => (u128::from(v6), 128, true),
        };
        if length > bits {
            return None;
        }
        let mask = if length == 0 {
            0
        } else {
            (!0u128 << (bits - length)) & (!0u128 >> (128 - bits))
        };
        Some(Self {
            network: value & mask,
            mask,
            v6,
        })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(v4) if !self.v6 => u128::from(u32::from(v4)) & self.mask == self.network,
            IpAddr::V6(v6) if self.v6 => u128::from(v6) & self.mask == self.network,
            _ => false,
        }
    }
}

#[derive(Deserialize)]
struct RangesFile {
    prefixes: Vec<RangeEntry>,
}

#[derive(Deserialize)]
struct RangeEntry {
    #[serde(rename = "ipv4Prefix")]
    ipv4: Option<String>,
    #[serde(rename = "ipv6Prefix")]
    ipv6: Option<String>,
}

/// Google's ranges and Google Cloud's.
#[derive(Debug, Clone)]
pub struct IpRanges {
    google: Vec<Prefix>,
    cloud: Vec<Prefix>,
}

impl IpRanges {
    /// The embedded snapshot.
    #[allow(clippy::expect_used)] // The embedded files are part of the program: a bad one is a bug.
    pub fn builtin() -> Self {
        Self::from_json(GOOG).expect("invariant: the embedded goog.json and cloud.json parse")
    }

    /// A goog.json-format file replacing the embedded goog.json (cloud.json stays embedded).
    pub fn from_json(goog: &str) -> Result<Self, serde_json::Error> {
        Ok(Self {
            google: prefixes(goog)?,
            cloud: prefixes(CLOUD)?,
        })
    }

    /// Where `ip` falls.
    pub(crate) fn classify(&self, ip: IpAddr) -> AddressClass {
        let local = match ip {
            IpAddr::V4(v4) => {
                v4.is_loopback() || v4.is_private() || v4.is_link_local() || v4.is_unspecified()
            }
            IpAddr::V6(v6) => {
                v6.is_loopback()
                    || v6.is_unspecified()
                    || (v6.segments()[0] & 0xfe00) == 0xfc00
                    || (v6.segments()[0] & 0xffc0) == 0xfe80
            }
        };
        if local {
            AddressClass::Local
        } else if self.cloud.iter().any(|p| p.contains(ip)) {
            AddressClass::GoogleCloud
        } else if self.google.iter().any(|p| p.contains(ip)) {
            AddressClass::Google
        } else {
            AddressClass::Outside
        }
    }
}

fn prefixes(json: &str) -> Result<Vec<Prefix>, serde_json::Error> {
    let file: RangesFile = serde_json::from_str(json)?;
    Ok(file
        .prefixes
        .iter()
        .filter_map(|e| e.ipv4.as_deref().or(e.ipv6.as_deref()))
        .filter_map(Prefix::parse)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_classified() {
        let ranges = IpRanges::builtin();
        assert!(ranges.google.len() > 80 && ranges.cloud.len() > 600);
        let cases = [
            ("216.58.194.170", AddressClass::Google), // the article's sfo07s13-in-f170.1e100.net
            ("8.8.8.8", AddressClass::Google),
            ("127.0.0.1", AddressClass::Local),
            ("10.1.2.3", AddressClass::Local),
            ("::1", AddressClass::Local),
            ("1.1.1.1", AddressClass::Outside),
        ];
        for (ip, want) in cases {
            assert_eq!(ranges.classify(ip.parse().unwrap()), want, "{ip}");
        }
    }

    #[test]
    fn prefixes_parse_and_bad_ones_are_skipped() {
        assert!(
            Prefix::parse("8.8.8.0/24")
                .unwrap()
                .contains("8.8.8.200".parse().unwrap())
        );
        assert!(
            !Prefix::parse("8.8.8.0/24")
                .unwrap()
                .contains("8.8.9.1".parse().unwrap())
        );
        assert!(
            Prefix::parse("2001:4860::/32")
                .unwrap()
                .contains("2001:4860:1::1".parse().unwrap())
        );
        assert!(
            Prefix::parse("0.0.0.0/0")
                .unwrap()
                .contains("1.2.3.4".parse().unwrap())
        );
        for bad in ["8.8.8.0", "8.8.8.0/33", "x/8", "8.8.8.0/x"] {
            assert!(Prefix::parse(bad).is_none(), "{bad}");
        }
        assert!(IpRanges::from_json("{}").is_err());
    }
}
