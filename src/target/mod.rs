//! What to check: a `host`, `host:port` or URL, parsed once into a [`Target`] (parse, don't
//! validate). It does not resolve names or open connections; `net` does. Lists at scale (port
//! lists, address ranges, files and stdin read line by line) are in `list.rs`.

mod list;

pub use list::{Expansion, MAX_LINE_BYTES, MAX_RANGE_TARGETS, TargetList, TargetSpec};

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use rustls_pki_types::ServerName;

/// How an endpoint is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Scheme {
    /// Plain HTTP reachability (port 80 by default): status and `Date` are recorded.
    Http,
    /// The full TLS audit (port 443 by default).
    Https,
}

impl Scheme {
    /// The port used when the target names none.
    pub(crate) fn default_port(self) -> u16 {
        match self {
            Self::Http => 80,
            Self::Https => 443,
        }
    }

    /// `http` or `https`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Https => "https",
        }
    }
}

/// A host: a DNS name (lowercase, syntactically valid) or an IP literal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    /// A DNS name.
    Dns(String),
    /// An IP address literal.
    Ip(IpAddr),
}

impl Host {
    /// The server name used for SNI and the name check.
    #[allow(clippy::expect_used)] // A broken invariant is a bug, not a user error.
    pub fn server_name(&self) -> ServerName<'static> {
        match self {
            Self::Dns(name) => ServerName::try_from(name.clone()).expect(
                "invariant: `Host::from_str` builds `Dns` only from names ServerName accepts",
            ),
            Self::Ip(ip) => ServerName::IpAddress((*ip).into()),
        }
    }
}

impl FromStr for Host {
    type Err = TargetError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bare = text
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .unwrap_or(text);
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Ok(Self::Ip(ip));
        }
        let name = text.trim_end_matches('.').to_ascii_lowercase();
        match ServerName::try_from(name.as_str()) {
            Ok(ServerName::DnsName(_)) if !name.is_empty() => Ok(Self::Dns(name)),
            _ => Err(TargetError::BadHost(text.to_owned())),
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Dns(name) => f.write_str(name),
            Self::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]"),
            Self::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// One endpoint to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// How it is checked.
    pub scheme: Scheme,
    /// The host asked for (SNI, name check, profile rules).
    pub host: Host,
    /// The port asked for.
    pub port: u16,
    /// Request path for the HTTP request (`/` when the target names none).
    pub path: String,
    /// What the endpoint is for (profile targets: "Calendar", "Mail", …).
    pub purpose: Option<String>,
}

impl Target {
    /// The same target with a purpose attached.
    pub(crate) fn with_purpose(mut self, purpose: &str) -> Self {
        self.purpose = Some(purpose.to_owned());
        self
    }

    /// `host:port` as used in `CONNECT` and `--connect-to` rules.
    pub(crate) fn authority(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

impl FromStr for Target {
    type Err = TargetError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let (scheme, rest) = match text.split_once("://") {
            Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
                "http" => (Scheme::Http, rest),
                "https" => (Scheme::Https, rest),
                _ => return Err(TargetError::BadScheme(scheme.to_owned())),
            },
            None => (Scheme::Https, text),
        };
        let (authority, path) = match rest.find(['/', '?']) {
            Some(index) => (&rest[..index], &rest[index..]),
            None => (rest, "/"),
        };
        if authority.contains('@') {
            return Err(TargetError::UserInfo(redact_credentials(text)));
        }
        let (host, port) = split_host_port(authority)?;
        let port = match port {
            Some(port) => port,
            None => scheme.default_port(),
        };
        // The fragment is the client's own (RFC 9110 §4.2.4: never sent).
        let path = path.split('#').next().unwrap_or_default();
        let path = if path.starts_with('/') {
            request_path(path)
        } else {
            request_path(&format!("/{path}"))
        };
        Ok(Self {
            scheme,
            host: host.parse()?,
            port,
            path,
            purpose: None,
        })
    }
}

/// `path` as a request target may carry it (RFC 9112 §3.2, RFC 3986 §3.3): controls (CR and
/// LF above all: they would end the request line and inject headers or a second request),
/// spaces, non-ASCII bytes and the characters URIs exclude are percent-encoded; what is already
/// percent-encoded stays as it is.
pub(crate) fn request_path(path: &str) -> String {
    use std::fmt::Write;
    let mut encoded = String::with_capacity(path.len());
    for byte in path.bytes() {
        let allowed = byte.is_ascii_graphic() && !b"\"<>\\^`{|}".contains(&byte);
        if allowed {
            encoded.push(char::from(byte));
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    encoded
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme.as_str(), self.host)?;
        if self.port != self.scheme.default_port() {
            write!(f, ":{}", self.port)?;
        }
        f.write_str(&self.path)
    }
}

/// Splits `host`, `host:port`, `[v6]` or `[v6]:port`; a bare IPv6 literal has no port.
pub(crate) fn split_host_port(authority: &str) -> Result<(&str, Option<u16>), TargetError> {
    let parse_port = |port: &str| {
        port.parse::<u16>()
            .ok()
            .filter(|port| *port != 0)
            .ok_or_else(|| TargetError::BadPort(port.to_owned()))
    };
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| TargetError::BadHost(authority.to_owned()))?;
        return match after.strip_prefix(':') {
            Some(port) => Ok((host, Some(parse_port(port)?))),
            None if after.is_empty() => Ok((host, None)),
            None => Err(TargetError::BadHost(authority.to_owned())),
        };
    }
    if authority.matches(':').count() > 1 {
        return Ok((authority, None));
    }
    match authority.split_once(':') {
        Some((host, port)) => Ok((host, Some(parse_port(port)?))),
        None => Ok((authority, None)),
    }
}

/// `text` with the password of any `user:password@` part replaced by `***`, so a credential
/// typed into a target never reaches a message.
pub fn redact_credentials(text: &str) -> String {
    let Some(at) = text.rfind('@') else {
        return text.to_owned();
    };
    let start = text.find("://").map_or(0, |index| index + 3);
    if start > at {
        return text.to_owned();
    }
    let userinfo = &text[start..at];
    let user = userinfo.split(':').next().unwrap_or_default();
    let redacted = if userinfo.contains(':') {
        format!("{user}:***")
    } else {
        "***".to_owned()
    };
    format!("{}{redacted}{}", &text[..start], &text[at..])
}

/// Parses a whole targets file (see [`TargetList`]): one target, port list or range per
/// line, `#` starts a comment, blank lines are skipped.
pub fn parse_targets_file(text: &str) -> Result<Vec<Target>, TargetError> {
    TargetList::new(text.as_bytes()).collect()
}

/// Why a target could not be parsed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// The URL scheme is neither `http` nor `https`.
    #[error("unsupported scheme {0:?} (use http or https)")]
    BadScheme(String),
    /// The host is neither a valid DNS name nor an IP literal.
    #[error("invalid host {0:?}")]
    BadHost(String),
    /// The port is not a number from 1 to 65535.
    #[error("invalid port {0:?}")]
    BadPort(String),
    /// The URL carries credentials, which a check never sends (the text is redacted).
    #[error("credentials in a target are not supported ({0})")]
    UserInfo(String),
    /// An address range is not `address/prefix` with a prefix the address family allows.
    #[error(
        "invalid address range {0:?} (write it as 10.0.0.0/24, 10.0.0.0/24:443,8443 or [2001:db8::/120]:443)"
    )]
    BadRange(String),
    /// A range names more targets than one run takes.
    #[error("range {range:?} names more than {max} targets; split it")]
    RangeTooLarge {
        /// The range as written.
        range: String,
        /// The limit.
        max: u128,
    },
    /// A line of a targets list is longer than the limit.
    #[error("line longer than {0} bytes")]
    LineTooLong(usize),
    /// The list could not be read.
    #[error("cannot read the list: {0}")]
    Read(String),
    /// A line of a targets file is invalid.
    #[error("line {line}: {source}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        source: Box<Self>,
    },
}

impl Target {
    /// The `Host` header value: the host, with the port when it is not the default.
    pub(crate) fn authority_for_header(&self) -> String {
        header_authority(&self.host, self.port, self.scheme)
    }
}

/// `host` as a URL or a `Host` header names it (RFC 9110 §7.2): with `:port` unless the port is
/// the scheme's own.
pub(crate) fn header_authority(host: &Host, port: u16, scheme: Scheme) -> String {
    if port == scheme.default_port() {
        host.to_string()
    } else {
        format!("{host}:{port}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_never_injects_a_header_and_a_fragment_is_never_sent() {
        let target: Target = "https://h.example/a\r\nX-Injected: 1\r\n\r\nGET /b c#frag"
            .parse()
            .unwrap_or_else(|_| unreachable!());
        assert_eq!(
            target.path,
            "/a%0D%0AX-Injected:%201%0D%0A%0D%0AGET%20/b%20c"
        );
        let target: Target = "h.example/ä?q=%41\"<>"
            .parse()
            .unwrap_or_else(|_| unreachable!());
        assert_eq!(target.path, "/%C3%A4?q=%41%22%3C%3E");
    }

    #[test]
    fn targets_parse_into_scheme_host_port_and_path() {
        let cases: &[(&str, Scheme, &str, u16, &str)] = &[
            // bare hosts and ports
            ("www.google.com", Scheme::Https, "www.google.com", 443, "/"),
            ("WWW.Google.COM.", Scheme::Https, "www.google.com", 443, "/"),
            (
                "mail.google.com:8443",
                Scheme::Https,
                "mail.google.com",
                8443,
                "/",
            ),
            ("127.0.0.1:4433", Scheme::Https, "127.0.0.1", 4433, "/"),
            ("[::1]:4433", Scheme::Https, "[::1]", 4433, "/"),
            ("::1", Scheme::Https, "[::1]", 443, "/"),
            // URLs
            (
                "https://www.googleapis.com/calendar/",
                Scheme::Https,
                "www.googleapis.com",
                443,
                "/calendar/",
            ),
            ("http://crl.pki.goog", Scheme::Http, "crl.pki.goog", 80, "/"),
            (
                "HTTP://crl.pki.goog:8080/x?y",
                Scheme::Http,
                "crl.pki.goog",
                8080,
                "/x?y",
            ),
            (
                "https://oauth2.googleapis.com?x",
                Scheme::Https,
                "oauth2.googleapis.com",
                443,
                "/?x",
            ),
        ];
        for (text, scheme, host, port, path) in cases {
            let target: Target = text.parse().unwrap();
            assert_eq!(target.scheme, *scheme, "{text}");
            assert_eq!(target.host.to_string(), *host, "{text}");
            assert_eq!(target.port, *port, "{text}");
            assert_eq!(target.path, *path, "{text}");
        }
    }

    #[test]
    fn bad_targets_are_rejected() {
        for text in [
            "ftp://x.example",
            "",
            "host:0",
            "host:99999",
            "https://u:p@host",
            "a b",
            "[::1",
        ] {
            assert!(
                text.parse::<Target>().is_err(),
                "{text:?} should be rejected"
            );
        }
    }

    #[test]
    fn targets_files_skip_comments_and_name_bad_lines() {
        let targets =
            parse_targets_file("# header\nwww.google.com\n\nhttp://crl.pki.goog # crl\n").unwrap();
        assert_eq!(targets.len(), 2);
        let error = parse_targets_file("ok.example\nftp://bad\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "line 2: unsupported scheme \"ftp\" (use http or https)"
        );
    }

    #[test]
    fn credentials_never_reach_a_message() {
        let error = "https://alice:s3cret@host.example/"
            .parse::<Target>()
            .unwrap_err();
        assert!(!error.to_string().contains("s3cret"), "{error}");
        assert_eq!(
            redact_credentials("https://alice:pw@h/"),
            "https://alice:***@h/"
        );
        assert_eq!(redact_credentials("tok@h"), "***@h");
        assert_eq!(redact_credentials("h.example"), "h.example");
    }

    #[test]
    fn display_omits_default_ports() {
        let target: Target = "https://www.google.com:443/m8/feeds/gal".parse().unwrap();
        assert_eq!(target.to_string(), "https://www.google.com/m8/feeds/gal");
        let target: Target = "crl.pki.goog:80".parse().unwrap();
        assert_eq!(target.to_string(), "https://crl.pki.goog:80/");
    }
}
