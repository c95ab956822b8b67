//! Target lists at scale: a line or argument may name one target, one host with a port list
//! (`host:443,8443`, `host:8000-8010`) or an address range (`10.0.0.0/28`,
//! `10.0.0.0/28:443,8443`, `[2001:db8::/120]:443`), and [`TargetList`] reads a list one line at
//! a time and expands ranges lazily, so a list of a million lines or a /8 is never held whole.

use std::io::BufRead;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{Host, Scheme, Target, TargetError};

/// The most targets one range may expand to (a /8 of IPv4 with one port).
pub const MAX_RANGE_TARGETS: u128 = 1 << 24;
/// The longest line of a targets list.
pub const MAX_LINE_BYTES: usize = 4096;
/// The most ports in one port list.
const MAX_PORTS: usize = 65535;

/// One line or argument of a target list, before expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetSpec {
    /// A single target (host, `host:port` or URL).
    One(Target),
    /// One host on several ports.
    Ports {
        /// The host.
        host: Host,
        /// Its ports, in order.
        ports: Vec<u16>,
    },
    /// Every address of a network, on each port.
    Network {
        /// The first address, as a number.
        first: u128,
        /// How many addresses.
        count: u128,
        /// IPv6 (else IPv4).
        v6: bool,
        /// The ports (443 when none is named).
        ports: Vec<u16>,
    },
}

impl std::str::FromStr for TargetSpec {
    type Err = TargetError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.contains("://") {
            return text.parse().map(Self::One);
        }
        let (body, ports) = split_ports(text)?;
        // `address/prefix` is a range; `host/path` (no scheme) stays a target.
        if let Some((address, prefix)) = body.split_once('/')
            && (address.parse::<IpAddr>().is_ok()
                || (!prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_digit())))
        {
            return network(address, prefix, ports, text);
        }
        // A port list (`:443,8443`, `:8000-8010`) is a spec of ports, however few distinct
        // ports it names (`host:443,443` is one); a lone port is a plain target.
        let is_list = text
            .rsplit_once(':')
            .is_some_and(|(_, list)| list.contains([',', '-']));
        match ports {
            Some(ports) if is_list => Ok(Self::Ports {
                host: body.parse()?,
                ports,
            }),
            _ => text.parse().map(Self::One),
        }
    }
}

impl TargetSpec {
    /// How many targets it expands to.
    pub fn len(&self) -> u128 {
        match self {
            Self::One(_) => 1,
            Self::Ports { ports, .. } => ports.len() as u128,
            Self::Network { count, ports, .. } => count * ports.len() as u128,
        }
    }

    /// Whether it expands to nothing (never, once parsed).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Its targets, made one at a time.
    pub fn into_targets(self) -> Expansion {
        Expansion {
            spec: self,
            next: 0,
        }
    }

    /// Its `index`th target (addresses in order, each on every port in turn).
    fn nth_target(&self, index: u128) -> Option<Target> {
        let https = |host: Host, port: u16| Target {
            scheme: Scheme::Https,
            host,
            port,
            path: "/".to_owned(),
            purpose: None,
        };
        match self {
            Self::One(target) => (index == 0).then(|| target.clone()),
            Self::Ports { host, ports } => {
                let port = ports.get(usize::try_from(index).ok()?)?;
                Some(https(host.clone(), *port))
            }
            Self::Network {
                first,
                count,
                v6,
                ports,
            } => {
                let per_address = ports.len() as u128;
                let (offset, port) = (index / per_address, index % per_address);
                if offset >= *count {
                    return None;
                }
                let port = ports[usize::try_from(port).ok()?];
                Some(https(Host::Ip(address(first + offset, *v6)), port))
            }
        }
    }
}

/// The targets of one spec, made as they are asked for.
#[derive(Debug, Clone)]
pub struct Expansion {
    spec: TargetSpec,
    next: u128,
}

impl Iterator for Expansion {
    type Item = Target;

    fn next(&mut self) -> Option<Target> {
        let target = self.spec.nth_target(self.next)?;
        self.next += 1;
        Some(target)
    }
}

fn address(number: u128, v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::from(number))
    } else {
        // Invariant: IPv4 networks are built from 32-bit numbers.
        IpAddr::V4(Ipv4Addr::from(u32::try_from(number).unwrap_or(u32::MAX)))
    }
}

/// Splits a trailing port list (`:443,8443`, `:8000-8010`) off `text`; a lone port stays
/// with a plain target.
fn split_ports(text: &str) -> Result<(&str, Option<Vec<u16>>), TargetError> {
    let colon = if let Some(end) = text.rfind(']') {
        text[end..].find(':').map(|index| end + index)
    } else if text.matches(':').count() == 1 {
        text.find(':')
    } else {
        None // a bare IPv6 address or network: no port list
    };
    let Some(colon) = colon else {
        return Ok((text, None));
    };
    let (body, list) = (&text[..colon], &text[colon + 1..]);
    if list.contains(['/', '?']) {
        return Ok((text, None)); // `host:port/path`: a target with a path
    }
    let body = body
        .strip_prefix('[')
        .and_then(|b| b.strip_suffix(']'))
        .unwrap_or(body);
    Ok((body, Some(parse_ports(list)?)))
}

fn parse_ports(list: &str) -> Result<Vec<u16>, TargetError> {
    let port = |text: &str| {
        text.trim()
            .parse::<u16>()
            .ok()
            .filter(|port| *port != 0)
            .ok_or_else(|| TargetError::BadPort(text.to_owned()))
    };
    // Each port once, in the order first named (`1,1,1` is one endpoint, not three).
    let mut seen = [0u64; 1024];
    let mut ports = Vec::new();
    let mut add = |ports: &mut Vec<u16>, port: u16| {
        let (word, bit) = (usize::from(port / 64), port % 64);
        if seen[word] & (1 << bit) == 0 {
            seen[word] |= 1 << bit;
            ports.push(port);
        }
    };
    for item in list.split(',') {
        match item.split_once('-') {
            Some((low, high)) => {
                let (low, high) = (port(low)?, port(high)?);
                if low > high {
                    return Err(TargetError::BadPort(item.to_owned()));
                }
                (low..=high).for_each(|port| add(&mut ports, port));
            }
            None => add(&mut ports, port(item)?),
        }
        if ports.len() > MAX_PORTS {
            return Err(TargetError::BadPort(list.chars().take(64).collect()));
        }
    }
    Ok(ports)
}

fn network(
    address: &str,
    prefix: &str,
    ports: Option<Vec<u16>>,
    text: &str,
) -> Result<TargetSpec, TargetError> {
    let bad = || TargetError::BadRange(text.chars().take(128).collect());
    let address: IpAddr = address.parse().map_err(|_| bad())?;
    let prefix: u32 = prefix.parse().map_err(|_| bad())?;
    let (bits, number, v6) = match address {
        IpAddr::V4(ip) => (32, u128::from(u32::from(ip)), false),
        IpAddr::V6(ip) => (128, u128::from(ip), true),
    };
    if prefix > bits {
        return Err(bad());
    }
    let host_bits = bits - prefix;
    let count = 1u128.checked_shl(host_bits).unwrap_or(u128::MAX);
    let first = if host_bits >= 128 {
        0
    } else {
        number >> host_bits << host_bits
    };
    let ports = ports.unwrap_or_else(|| vec![Scheme::Https.default_port()]);
    let spec = TargetSpec::Network {
        first,
        count,
        v6,
        ports,
    };
    if count > MAX_RANGE_TARGETS || spec.len() > MAX_RANGE_TARGETS {
        return Err(TargetError::RangeTooLarge {
            range: text.chars().take(128).collect(),
            max: MAX_RANGE_TARGETS,
        });
    }
    Ok(spec)
}

/// Reads a target list one line at a time: `#` starts a comment, blank lines are skipped,
/// ranges are expanded as they are reached. A line longer than [`MAX_LINE_BYTES`] or one that
/// does not parse is an error naming its line number; reading stops there.
pub struct TargetList<R> {
    reader: R,
    line: usize,
    pending: Option<Expansion>,
    failed: bool,
}

impl<R: BufRead> TargetList<R> {
    /// A list read from `reader`.
    pub fn new(reader: R) -> Self {
        Self {
            reader,
            line: 0,
            pending: None,
            failed: false,
        }
    }

    /// The next line's spec (unexpanded), or none at the end of the list.
    pub fn next_spec(&mut self) -> Option<Result<TargetSpec, TargetError>> {
        let mut bytes = Vec::new();
        loop {
            bytes.clear();
            self.line += 1;
            let limit = MAX_LINE_BYTES as u64 + 1;
            let read = <&mut R as std::io::Read>::take(&mut self.reader, limit)
                .read_until(b'\n', &mut bytes);
            match read {
                Ok(0) => return None,
                Ok(_) => {}
                Err(error) => return Some(Err(TargetError::Read(error.to_string()))),
            }
            if bytes.len() > MAX_LINE_BYTES && !bytes.ends_with(b"\n") {
                return Some(Err(self.at_line(TargetError::LineTooLong(MAX_LINE_BYTES))));
            }
            // A byte-order mark (Windows editors, PowerShell 5) starts the first line only.
            let line = if self.line == 1 {
                crate::input::without_bom(&bytes)
            } else {
                &bytes
            };
            let text = String::from_utf8_lossy(line);
            let text = text.split('#').next().unwrap_or("").trim();
            if text.is_empty() {
                continue;
            }
            return Some(text.parse().map_err(|error| self.at_line(error)));
        }
    }

    fn at_line(&self, source: TargetError) -> TargetError {
        TargetError::Line {
            line: self.line,
            source: Box::new(source),
        }
    }
}

impl<R: BufRead> Iterator for TargetList<R> {
    type Item = Result<Target, TargetError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(target) = self.pending.as_mut().and_then(Iterator::next) {
                return Some(Ok(target));
            }
            if self.failed {
                return None;
            }
            match self.next_spec()? {
                Ok(spec) => self.pending = Some(spec.into_targets()),
                Err(error) => {
                    self.failed = true;
                    return Some(Err(error));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(text: &str) -> Vec<String> {
        let spec: TargetSpec = text.parse().unwrap();
        spec.into_targets().map(|t| t.to_string()).collect()
    }

    #[test]
    fn ranges_and_port_lists_expand_in_order() {
        assert_eq!(
            expand("10.0.0.5/31:443,8443"),
            [
                "https://10.0.0.4/",
                "https://10.0.0.4:8443/",
                "https://10.0.0.5/",
                "https://10.0.0.5:8443/"
            ]
        );
        assert_eq!(expand("192.0.2.7/32"), ["https://192.0.2.7/"]);
        assert_eq!(
            expand("[2001:db8::/127]:8443"),
            ["https://[2001:db8::]:8443/", "https://[2001:db8::1]:8443/"]
        );
        assert_eq!(expand("2001:db8::/128"), ["https://[2001:db8::]/"]);
        assert_eq!(
            expand("host.example:8000-8002"),
            [
                "https://host.example:8000/",
                "https://host.example:8001/",
                "https://host.example:8002/"
            ]
        );
        // Plain targets are unchanged, URLs with paths too.
        assert_eq!(expand("host.example:8443"), ["https://host.example:8443/"]);
        assert_eq!(expand("https://a.example/x/y"), ["https://a.example/x/y"]);
        assert_eq!(expand("::1"), ["https://[::1]/"]);
        assert_eq!(
            expand("www.google.com/calendar/"),
            ["https://www.google.com/calendar/"]
        );
        assert_eq!(expand("a.example:8443/x?y"), ["https://a.example:8443/x?y"]);
        // A port named twice is one endpoint.
        assert_eq!(expand("host.example:1,1,1"), ["https://host.example:1/"]);
        assert_eq!(
            expand("host.example:8001,8000-8002,8001"),
            [
                "https://host.example:8001/",
                "https://host.example:8000/",
                "https://host.example:8002/"
            ]
        );
    }

    #[test]
    fn sizes_are_known_without_expanding_and_huge_ranges_are_refused() {
        let spec: TargetSpec = "10.0.0.0/8".parse().unwrap();
        assert_eq!(spec.len(), 1 << 24);
        assert_eq!(
            spec.into_targets().nth(65_536).unwrap().to_string(),
            "https://10.1.0.0/"
        );
        for bad in ["10.0.0.0/7", "10.0.0.0/8:1,2", "::/0", "2001:db8::/64"] {
            assert!(
                matches!(
                    bad.parse::<TargetSpec>(),
                    Err(TargetError::RangeTooLarge { .. })
                ),
                "{bad}"
            );
        }
        for bad in [
            "10.0.0.0/33",
            "10.0.0/8",
            "10.0.0.0/x",
            "host:0",
            "host:5-1",
            "host:1,",
        ] {
            assert!(bad.parse::<TargetSpec>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_list_is_read_line_by_line_and_stops_at_a_bad_line() {
        let text = "# scan\n10.0.0.0/30 # four\n\nhttps://a.example/\nftp://b\nnever.example\n";
        let mut list = TargetList::new(text.as_bytes());
        let read: Vec<_> = list.by_ref().collect();
        assert_eq!(read.len(), 6);
        assert!(read[..5].iter().all(Result::is_ok));
        let error = read[5].as_ref().unwrap_err().to_string();
        assert!(error.starts_with("line 5: unsupported scheme"), "{error}");
        // An over-long line is an error, not a read of everything.
        let long = format!("{}\nnext.example\n", "a".repeat(MAX_LINE_BYTES + 10));
        let first = TargetList::new(long.as_bytes()).next().unwrap();
        assert!(matches!(first, Err(TargetError::Line { line: 1, .. })));
    }
}
