//! HTTP proxies: URL parsing, `NO_PROXY` matching and the `CONNECT` tunnel (RFC 9110 §9.3.6).
//!
//! A 407 becomes [`Error::ProxyAuthRequired`] with the `Proxy-Authenticate` schemes; any other
//! non-2xx reply is [`Error::ProxyRefused`]. Environment variables are read by the CLI, not here.

use std::fmt;
use std::str::FromStr;

use base64::Engine;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use super::{Error, http};
use crate::target::{Host, redact_credentials, split_host_port};

/// An HTTP proxy: `http://[user:pass@]host[:port]` (port 8080 by default, like curl 1080 is for
/// SOCKS; most HTTP proxies listen on 8080 or 3128, so name it).
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    /// Proxy host.
    pub host: Host,
    /// Proxy port.
    pub port: u16,
    credentials: Option<(String, String)>,
}

impl ProxyUrl {
    /// `host:port` of the proxy.
    pub(crate) fn authority(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    fn authorization(&self) -> Option<String> {
        let (user, password) = self.credentials.as_ref()?;
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        Some(format!("Basic {token}"))
    }
}

// Credentials never reach logs or reports.
impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProxyUrl({})", self.authority())
    }
}

impl fmt::Display for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http://{}", self.authority())
    }
}

impl FromStr for ProxyUrl {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || Error::BadProxy(redact_credentials(text));
        let rest = match text.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some(_) => return Err(bad()),
            None => text,
        };
        let authority = rest.split('/').next().unwrap_or_default();
        let (credentials, host_port) = match authority.rsplit_once('@') {
            Some((userinfo, host_port)) => {
                // RFC 3986 §3.2.1: user and password are percent-encoded in a URL.
                let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                (
                    Some((percent_decode(user), percent_decode(password))),
                    host_port,
                )
            }
            None => (None, authority),
        };
        let (host, port) = split_host_port(host_port).map_err(|_| bad())?;
        let host = host.parse().map_err(|_| bad())?;
        Ok(Self {
            host,
            port: port.unwrap_or(8080),
            credentials,
        })
    }
}

/// Decodes `%XX` escapes; a `%` not followed by two hex digits stays as it is.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = (bytes[index] == b'%')
            .then(|| bytes.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                index += 3;
            }
            None => {
                out.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `NO_PROXY`: comma-separated host suffixes, `*` for everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoProxy {
    entries: Vec<String>,
}

impl NoProxy {
    /// Parses a `NO_PROXY` value.
    pub fn parse(text: &str) -> Self {
        let entries = text
            .split(',')
            .map(|entry| entry.trim().trim_start_matches('*').trim_start_matches('.'))
            .filter(|entry| !entry.is_empty() || text.trim() == "*")
            .map(str::to_ascii_lowercase)
            .collect();
        Self { entries }
    }

    /// Whether `host` bypasses the proxy.
    pub fn matches(&self, host: &Host) -> bool {
        let host = host.to_string();
        let host = host.trim_start_matches('[').trim_end_matches(']');
        self.entries
            .iter()
            .any(|entry| entry.is_empty() || host == entry || host.ends_with(&format!(".{entry}")))
    }
}

/// Asks the proxy on `stream` for a tunnel to `authority`.
pub(crate) async fn tunnel<S>(
    stream: &mut S,
    proxy: &ProxyUrl,
    authority: &str,
) -> Result<(), Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let broken = |source| Error::ProxyBroken {
        proxy: proxy.authority(),
        chosen_by: None,
        source,
    };
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(authorization) = proxy.authorization() {
        request.push_str(&format!("Proxy-Authorization: {authorization}\r\n"));
    }
    request.push_str("\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|error| broken(error.into()))?;
    let reply = http::read_head(stream).await.map_err(broken)?;
    match reply.status {
        200..=299 => Ok(()),
        407 => Err(Error::ProxyAuthRequired {
            proxy: proxy.authority(),
            chosen_by: None,
            schemes: reply
                .headers_named("proxy-authenticate")
                .map(|value| value.split_whitespace().next().unwrap_or(value).to_owned())
                .collect(),
        }),
        _ => Err(Error::ProxyRefused {
            proxy: proxy.authority(),
            chosen_by: None,
            status_line: reply.status_line,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls_parse_with_and_without_credentials() {
        let proxy: ProxyUrl = "http://user:secret@127.0.0.1:3128".parse().unwrap();
        assert_eq!(proxy.authority(), "127.0.0.1:3128");
        assert_eq!(proxy.authorization().unwrap(), "Basic dXNlcjpzZWNyZXQ=");
        assert!(!format!("{proxy:?}").contains("secret"));
        let proxy: ProxyUrl = "proxy.corp.example".parse().unwrap();
        assert_eq!(proxy.port, 8080);
        let error = "socks5://u:p@h:1".parse::<ProxyUrl>().unwrap_err();
        assert!(!error.to_string().contains("u:p"));
        // Percent-encoded credentials are sent decoded: "dom\user" / "p@ss:w%rd".
        let proxy: ProxyUrl = "http://dom%5Cuser:p%40ss%3Aw%25rd@h:1".parse().unwrap();
        let expected = base64::engine::general_purpose::STANDARD.encode("dom\\user:p@ss:w%rd");
        assert_eq!(proxy.authorization().unwrap(), format!("Basic {expected}"));
        assert_eq!(percent_decode("100%"), "100%");
    }

    #[test]
    fn no_proxy_matches_suffixes_and_star() {
        let host = |text: &str| text.parse::<Host>().unwrap();
        let no_proxy = NoProxy::parse("localhost, .corp.example,127.0.0.1");
        assert!(no_proxy.matches(&host("localhost")));
        assert!(no_proxy.matches(&host("a.corp.example")));
        assert!(no_proxy.matches(&host("127.0.0.1")));
        assert!(!no_proxy.matches(&host("www.google.com")));
        assert!(!no_proxy.matches(&host("xcorp.example")));
        assert!(NoProxy::parse("*").matches(&host("www.google.com")));
        assert!(!NoProxy::parse("").matches(&host("www.google.com")));
    }

    #[tokio::test]
    async fn a_407_lists_the_authentication_schemes() {
        let (mut client, mut server) = tokio::io::duplex(4096);
        server
            .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\nProxy-Authenticate: NTLM\r\n\r\n")
            .await
            .unwrap();
        let proxy: ProxyUrl = "http://127.0.0.1:1".parse().unwrap();
        match tunnel(&mut client, &proxy, "www.google.com:443").await {
            Err(Error::ProxyAuthRequired { schemes, .. }) => assert_eq!(schemes, ["Basic", "NTLM"]),
            other => panic!("unexpected {other:?}"),
        }
    }
}
