//! Opening a TCP connection for a target: `--connect-to` rules (curl semantics), DNS through the
//! [`Resolver`], the proxy choice (a given proxy and `NO_PROXY`, or the [`SystemProxy`]'s answer
//! for the URL), and the `CONNECT` tunnel. Each step is bounded by the timeout.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpStream;

use super::proxy::{NoProxy, ProxyUrl, tunnel};
use super::{Error, Resolver, Step, SystemProxy};
use crate::finding::ConnectFailure;
use crate::target::{Host, Scheme, split_host_port};

/// The most addresses tried for one name.
const MAX_ADDRESSES: usize = 8;

/// `HOST:PORT:ADDR:PORT`: connect to ADDR:PORT when HOST:PORT is asked for. An empty HOST or
/// PORT matches any; an empty connect port keeps the asked port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectTo {
    host: Option<Host>,
    port: Option<u16>,
    to_host: Host,
    to_port: Option<u16>,
}

impl ConnectTo {
    /// A rule sending `host:port` to `addr`.
    pub fn new(host: Host, port: u16, addr: SocketAddr) -> Self {
        Self {
            host: Some(host),
            port: Some(port),
            to_host: Host::Ip(addr.ip()),
            to_port: Some(addr.port()),
        }
    }

    fn applies(&self, host: &Host, port: u16) -> bool {
        self.host.as_ref().is_none_or(|rule| rule == host)
            && self.port.is_none_or(|rule| rule == port)
    }
}

impl FromStr for ConnectTo {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || Error::BadConnectTo(text.to_owned());
        let (host, rest) = text.split_once(':').ok_or_else(bad)?;
        let (port, rest) = rest.split_once(':').ok_or_else(bad)?;
        // An empty connect port (`127.0.0.1:`) keeps the port asked for.
        let (to_host, to_port) = match rest.strip_suffix(':') {
            Some(stripped) => (split_host_port(stripped).map_err(|_| bad())?.0, None),
            None => split_host_port(rest).map_err(|_| bad())?,
        };
        Ok(Self {
            host: if host.is_empty() {
                None
            } else {
                Some(host.parse().map_err(|_| bad())?)
            },
            port: if port.is_empty() {
                None
            } else {
                Some(port.parse().map_err(|_| bad())?)
            },
            to_host: to_host.parse().map_err(|_| bad())?,
            to_port,
        })
    }
}

/// How connections are made.
#[derive(Debug, Clone)]
pub struct NetOptions {
    /// `--connect-to` rules, first match wins.
    pub connect_to: Vec<ConnectTo>,
    /// Proxy for `https` targets.
    pub https_proxy: Option<ProxyUrl>,
    /// Proxy for plain-HTTP fetches.
    pub http_proxy: Option<ProxyUrl>,
    /// Hosts that bypass the proxies.
    pub no_proxy: NoProxy,
    /// Asked per URL when neither proxy above is set (Windows: WinHTTP's settings).
    pub system_proxy: Option<Arc<dyn SystemProxy>>,
    /// Per-step timeout.
    pub timeout: Duration,
}

impl Default for NetOptions {
    fn default() -> Self {
        Self {
            connect_to: Vec::new(),
            https_proxy: None,
            http_proxy: None,
            no_proxy: NoProxy::default(),
            system_proxy: None,
            timeout: Duration::from_secs(10),
        }
    }
}

/// An open connection and how it was reached.
#[derive(Debug)]
pub struct Connected {
    /// The stream (a tunnel when `proxy` is set).
    pub stream: TcpStream,
    /// The address connected to (the proxy's, through a proxy).
    pub peer: SocketAddr,
    /// Every address the name resolved to (empty through a proxy or for IP literals).
    pub resolved: Vec<IpAddr>,
    /// The proxy used, if any.
    pub proxy: Option<ProxyUrl>,
    /// Which system setting chose the proxy (or chose none), when one did.
    pub proxy_source: Option<String>,
    /// A plain-HTTP request through `proxy` must use the absolute form.
    pub absolute_form: bool,
}

/// Opens connections according to [`NetOptions`].
#[derive(Debug, Clone)]
pub struct Connector {
    options: NetOptions,
    resolver: Arc<dyn Resolver>,
}

impl Connector {
    /// A connector using `resolver` for every name.
    pub fn new(options: NetOptions, resolver: Arc<dyn Resolver>) -> Self {
        Self { options, resolver }
    }

    /// The options.
    pub fn options(&self) -> &NetOptions {
        &self.options
    }

    /// The resolver.
    pub fn resolver(&self) -> &Arc<dyn Resolver> {
        &self.resolver
    }

    /// The per-step timeout.
    pub fn timeout(&self) -> Duration {
        self.options.timeout
    }

    /// Connects to `host:port` for `scheme`, through the proxy when one applies.
    pub async fn open(&self, host: &Host, port: u16, scheme: Scheme) -> Result<Connected, Error> {
        let (dest_host, dest_port) = self.destination(host, port);
        let (proxy, proxy_source) = self.proxy_for(host, port, scheme).await?;
        let Some(proxy) = proxy else {
            let (stream, peer, resolved) = self.dial(&dest_host, dest_port).await?;
            return Ok(Connected {
                stream,
                peer,
                resolved,
                proxy: None,
                proxy_source,
                absolute_form: false,
            });
        };
        let (mut stream, peer, _) = self
            .dial(&proxy.host, proxy.port)
            .await
            .map_err(|error| error.at_proxy(proxy_source.as_deref()))?;
        if scheme == Scheme::Https {
            let authority = format!("{dest_host}:{dest_port}");
            self.bounded(Step::ProxyConnect, tunnel(&mut stream, &proxy, &authority))
                .await?
                .map_err(|error| error.at_proxy(proxy_source.as_deref()))?;
        }
        Ok(Connected {
            stream,
            peer,
            resolved: Vec::new(),
            proxy: Some(proxy),
            proxy_source,
            absolute_form: scheme == Scheme::Http,
        })
    }

    /// The proxy for `host:port` and the setting that chose it: the given proxy unless
    /// `NO_PROXY` exempts the host; with none given, the system's answer for the URL.
    async fn proxy_for(
        &self,
        host: &Host,
        port: u16,
        scheme: Scheme,
    ) -> Result<(Option<ProxyUrl>, Option<String>), Error> {
        let given = match scheme {
            Scheme::Https => self.options.https_proxy.as_ref(),
            Scheme::Http => self.options.http_proxy.as_ref(),
        };
        let system =
            self.options.system_proxy.as_ref().filter(|_| {
                self.options.https_proxy.is_none() && self.options.http_proxy.is_none()
            });
        let Some(system) = system else {
            let proxy = given.filter(|_| !self.options.no_proxy.matches(host));
            return Ok((proxy.cloned(), None));
        };
        let url = system_url(host, port, scheme);
        let (system, asked_host) = (Arc::clone(system), host.clone());
        let decision = self
            .bounded(
                Step::SystemProxyLookup,
                tokio::task::spawn_blocking(move || system.proxy_for(&url, &asked_host, scheme)),
            )
            .await?
            .map_err(|error| Error::SystemProxy(error.to_string()))?;
        Ok((decision.proxy, decision.source))
    }

    /// Where `host:port` really goes, after `--connect-to`.
    pub fn destination(&self, host: &Host, port: u16) -> (Host, u16) {
        match self
            .options
            .connect_to
            .iter()
            .find(|rule| rule.applies(host, port))
        {
            Some(rule) => (rule.to_host.clone(), rule.to_port.unwrap_or(port)),
            None => (host.clone(), port),
        }
    }

    /// Resolves `host` (unless it is an IP) and connects to the first address that answers.
    async fn dial(
        &self,
        host: &Host,
        port: u16,
    ) -> Result<(TcpStream, SocketAddr, Vec<IpAddr>), Error> {
        let addresses = match host {
            Host::Ip(ip) => vec![SocketAddr::new(*ip, port)],
            Host::Dns(name) => {
                let dns_error = |detail: String| Error::Dns {
                    host: name.clone(),
                    detail,
                };
                let found = self
                    .bounded(Step::DnsLookup, self.resolver.lookup(name, port))
                    .await
                    .map_err(|error| dns_error(error.to_string()))?
                    .map_err(|error| dns_error(error.to_string()))?;
                if found.is_empty() {
                    return Err(dns_error("no addresses".to_owned()));
                }
                found
            }
        };
        let resolved = match host {
            Host::Ip(_) => Vec::new(),
            Host::Dns(_) => addresses.iter().map(SocketAddr::ip).collect(),
        };
        let mut last_error = None;
        for addr in addresses.into_iter().take(MAX_ADDRESSES) {
            match tokio::time::timeout(self.options.timeout, TcpStream::connect(addr)).await {
                Ok(Ok(stream)) => return Ok((stream, addr, resolved)),
                Ok(Err(error)) => last_error = Some(connect_error(addr, &error)),
                Err(_) => {
                    last_error = Some(Error::Connect {
                        addr,
                        failure: ConnectFailure::TimedOut,
                        detail: format!("no answer within {}s", self.options.timeout.as_secs()),
                        proxy: false,
                        chosen_by: None,
                    });
                }
            }
        }
        Err(last_error.unwrap_or_else(|| Error::Dns {
            host: host.to_string(),
            detail: "no addresses".into(),
        }))
    }

    /// Runs `future` under the per-step timeout.
    pub async fn bounded<T>(
        &self,
        step: Step,
        future: impl Future<Output = T>,
    ) -> Result<T, Error> {
        tokio::time::timeout(self.options.timeout, future)
            .await
            .map_err(|_| Error::Timeout {
                step,
                secs: self.options.timeout.as_secs(),
            })
    }
}

pub(crate) fn connect_error(addr: SocketAddr, error: &io::Error) -> Error {
    let failure = match error.kind() {
        _ if is_local_limit(error) => ConnectFailure::LocalLimit,
        io::ErrorKind::ConnectionRefused => ConnectFailure::Refused,
        // The handshake completed and the peer reset at once: the kernel reports it as the
        // outcome of connect, or later on the first read; both are the same event.
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => ConnectFailure::Reset,
        io::ErrorKind::TimedOut => ConnectFailure::TimedOut,
        io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable => {
            ConnectFailure::Unreachable
        }
        _ => ConnectFailure::Other,
    };
    Error::Connect {
        addr,
        failure,
        detail: error.to_string(),
        proxy: false,
        chosen_by: None,
    }
}

/// Whether opening a socket failed for a limit of this machine (EMFILE, ENFILE, ENOBUFS; on
/// Windows WSAEMFILE, WSAENOBUFS), which no firewall rule explains.
fn is_local_limit(error: &io::Error) -> bool {
    let codes: &[i32] = if cfg!(windows) {
        &[10024, 10055]
    } else if cfg!(target_os = "linux") {
        &[23, 24, 105]
    } else {
        &[23, 24, 55]
    };
    error
        .raw_os_error()
        .is_some_and(|code| codes.contains(&code))
}

/// The URL a system proxy is asked about: `https://host/` (the port when not the scheme's own).
fn system_url(host: &Host, port: u16, scheme: Scheme) -> String {
    format!(
        "{}://{}/",
        scheme.as_str(),
        crate::target::header_authority(host, port, scheme)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_to_rules_follow_curl_syntax() {
        let rule: ConnectTo = "www.google.com:443:127.0.0.1:4433".parse().unwrap();
        assert!(rule.applies(&"www.google.com".parse().unwrap(), 443));
        assert!(!rule.applies(&"www.google.com".parse().unwrap(), 80));
        assert_eq!(rule.to_port, Some(4433));
        let any: ConnectTo = "::[::1]:8443".parse().unwrap();
        assert!(any.applies(&"mail.google.com".parse().unwrap(), 443));
        assert_eq!(any.to_host, "::1".parse().unwrap());
        let keep_port: ConnectTo = "crl.pki.goog:80:127.0.0.1:".parse().unwrap();
        assert_eq!(keep_port.to_port, None);
        for bad in [
            "www.google.com",
            "a:b:c:d",
            "h:443:not a host:1",
            "h:443:127.0.0.1:0",
        ] {
            assert!(bad.parse::<ConnectTo>().is_err(), "{bad}");
        }
    }

    #[test]
    fn running_out_of_descriptors_is_a_local_limit_not_a_network_failure() {
        let addr: SocketAddr = "127.0.0.1:443".parse().unwrap_or_else(|_| unreachable!());
        let code = if cfg!(windows) { 10024 } else { 24 };
        let error = connect_error(addr, &io::Error::from_raw_os_error(code));
        assert!(
            matches!(
                error,
                Error::Connect {
                    failure: ConnectFailure::LocalLimit,
                    ..
                }
            ),
            "{error:?}"
        );
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert!(matches!(
            connect_error(addr, &refused),
            Error::Connect {
                failure: ConnectFailure::Refused,
                ..
            }
        ));
    }
}
