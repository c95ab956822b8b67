//! The proxy a system's HTTP stack would use for a URL, and which setting chose it.
//!
//! On Windows the Sync client goes through WinHTTP, so its proxy comes from the user's Internet
//! settings (a PAC file, WPAD auto-detection, a manual proxy with its bypass list) or WinHTTP's
//! own configuration (`netsh winhttp set proxy`). This module holds those settings as data,
//! decides for one URL in that order ([`decide`]), and parses WinHTTP's proxy and bypass lists.
//! Reading the settings and running PAC scripts is the platform's job ([`PacRunner`]; the
//! Windows implementation is `winhttp.rs`), so the decision is tested on every platform.

use std::fmt;

use super::ProxyUrl;
use crate::target::{Host, Scheme};

/// The proxy a system setting chose for one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyDecision {
    /// The proxy, or `None` for a direct connection.
    pub proxy: Option<ProxyUrl>,
    /// Which setting decided, in words (`user settings`, `PAC http://…`), with any PAC failure
    /// on the way; `None` when no setting applied.
    pub source: Option<String>,
}

/// Asks the system which proxy a URL goes through. Blocking: it may download and run a PAC file.
pub trait SystemProxy: Send + Sync + fmt::Debug {
    /// The decision for `url` (whose host and scheme are given parsed).
    fn proxy_for(&self, url: &str, host: &Host, scheme: Scheme) -> ProxyDecision;
}

/// The user's Internet settings (what WinHTTP's `WinHttpGetIEProxyConfigForCurrentUser` reads).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserSettings {
    /// "Automatically detect settings" (WPAD).
    pub auto_detect: bool,
    /// "Use automatic configuration script": the PAC URL.
    pub auto_config_url: Option<String>,
    /// The manual proxy list.
    pub proxy: Option<String>,
    /// The manual bypass list.
    pub bypass: Option<String>,
}

/// A fixed proxy with its bypass list (WinHTTP's default configuration).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FixedProxy {
    /// The proxy list.
    pub proxy: String,
    /// The bypass list.
    pub bypass: Option<String>,
}

/// Everything WinHTTP consults for a URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WinHttpConfig {
    /// The current user's Internet settings.
    pub user: UserSettings,
    /// WinHTTP's default configuration, when it names a proxy.
    pub winhttp: Option<FixedProxy>,
}

/// Where a PAC script comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacLocation<'a> {
    /// A configured URL.
    Url(&'a str),
    /// Found by WPAD (DHCP, then DNS).
    AutoDetect,
}

/// What a PAC script said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PacAnswer {
    /// `DIRECT`.
    Direct,
    /// A WinHTTP proxy list (`host:port;host:port`).
    Proxies(String),
}

/// Runs PAC scripts.
pub trait PacRunner: Send + Sync + fmt::Debug {
    /// The answer of the script at `location` for `url`, or the reason it gave none.
    fn run(&self, url: &str, location: PacLocation<'_>) -> Result<PacAnswer, String>;
}

/// The decision WinHTTP would make for `url`: a PAC URL, then WPAD, then the user's manual
/// proxy, then WinHTTP's default configuration; a bypass-list match or a PAC `DIRECT` is direct.
/// A PAC that fails falls through to the next setting, and the source says so.
pub fn decide(
    config: &WinHttpConfig,
    pac: &dyn PacRunner,
    url: &str,
    host: &Host,
    scheme: Scheme,
) -> ProxyDecision {
    let mut failures = Vec::new();
    let pac_locations = config
        .user
        .auto_config_url
        .as_deref()
        .map(PacLocation::Url)
        .into_iter()
        .chain(config.user.auto_detect.then_some(PacLocation::AutoDetect));
    for location in pac_locations {
        let name = match location {
            PacLocation::Url(pac_url) => format!("PAC {pac_url}"),
            PacLocation::AutoDetect => "WPAD auto-detection".to_owned(),
        };
        match pac.run(url, location) {
            Ok(PacAnswer::Direct) => return decision(None, format!("{name}: DIRECT"), &failures),
            Ok(PacAnswer::Proxies(list)) => match proxy_from_list(&list, scheme) {
                Some(proxy) => return decision(Some(proxy), name, &failures),
                None => failures.push(format!("{name} gave no usable proxy ({list:?})")),
            },
            Err(reason) => failures.push(format!("{name} failed: {reason}")),
        }
    }
    let fixed = config
        .user
        .proxy
        .as_ref()
        .map(|proxy| ("user settings", proxy, config.user.bypass.as_deref()))
        .into_iter()
        .chain(
            config
                .winhttp
                .as_ref()
                .map(|fixed| ("WinHTTP settings", &fixed.proxy, fixed.bypass.as_deref())),
        );
    for (name, list, bypass) in fixed {
        if bypass.is_some_and(|bypass| bypass_matches(bypass, host)) {
            return decision(None, format!("{name}: bypass list"), &failures);
        }
        if let Some(proxy) = proxy_from_list(list, scheme) {
            return decision(Some(proxy), name.to_owned(), &failures);
        }
    }
    ProxyDecision {
        proxy: None,
        source: (!failures.is_empty()).then(|| format!("direct ({})", failures.join("; "))),
    }
}

fn decision(proxy: Option<ProxyUrl>, source: String, failures: &[String]) -> ProxyDecision {
    let source = if failures.is_empty() {
        source
    } else {
        format!("{source} (after: {})", failures.join("; "))
    };
    ProxyDecision {
        proxy,
        source: Some(source),
    }
}

/// The proxy a WinHTTP proxy list gives `scheme`: entries separated by `;` or white space,
/// each `[scheme=][http://]host[:port]` (port 80 when none). A `https=` entry wins for HTTPS,
/// `http=` for HTTP; an entry without a scheme serves both; other schemes (`socks=`, `ftp=`)
/// are not HTTP proxies and are skipped.
pub(crate) fn proxy_from_list(list: &str, scheme: Scheme) -> Option<ProxyUrl> {
    let wanted = match scheme {
        Scheme::Https => "https",
        Scheme::Http => "http",
    };
    let entries: Vec<(Option<String>, &str)> = list
        .split(|c: char| c == ';' || c.is_whitespace())
        .filter(|entry| !entry.is_empty())
        .map(|entry| match entry.split_once('=') {
            Some((for_scheme, proxy)) => (Some(for_scheme.to_ascii_lowercase()), proxy),
            None => (None, entry),
        })
        .collect();
    let specific = entries
        .iter()
        .find(|(for_scheme, _)| for_scheme.as_deref() == Some(wanted));
    let general = entries.iter().find(|(for_scheme, _)| for_scheme.is_none());
    let (_, proxy) = specific.or(general)?;
    let authority = proxy
        .strip_prefix("http://")
        .or_else(|| proxy.strip_prefix("HTTP://"))
        .unwrap_or(proxy)
        .trim_end_matches('/');
    let has_port = authority
        .rsplit_once(':')
        .is_some_and(|(_, port)| port.parse::<u16>().is_ok())
        && !authority.ends_with(']');
    let url = if has_port {
        format!("http://{authority}")
    } else {
        format!("http://{authority}:80")
    };
    url.parse().ok()
}

/// Whether `host` is on a WinHTTP bypass list: entries separated by `;`, `,` or white space,
/// `*` matching any run of characters, case-insensitive, an optional `http://` or `https://`
/// prefix ignored; `<local>` matches names without a dot.
pub(crate) fn bypass_matches(list: &str, host: &Host) -> bool {
    let host = host.to_string().to_ascii_lowercase();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    list.split(|c: char| c == ';' || c == ',' || c.is_whitespace())
        .filter(|entry| !entry.is_empty())
        .any(|entry| {
            let entry = entry.to_ascii_lowercase();
            if entry == "<local>" {
                return !bare.contains('.') && !bare.contains(':');
            }
            let pattern = entry
                .strip_prefix("https://")
                .or_else(|| entry.strip_prefix("http://"))
                .unwrap_or(&entry);
            wildcard_match(pattern.as_bytes(), bare.as_bytes())
        })
}

/// `*` matches any run of bytes; everything else matches itself. Iterative, linear in the
/// product of the lengths at worst (no backtracking blow-up).
fn wildcard_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&byte| byte == b'*')
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// PAC answers by location; a missing location fails like an unreachable script.
    #[derive(Debug, Default)]
    struct FakePac(HashMap<String, PacAnswer>);

    impl PacRunner for FakePac {
        fn run(&self, _url: &str, location: PacLocation<'_>) -> Result<PacAnswer, String> {
            let key = match location {
                PacLocation::Url(url) => url.to_owned(),
                PacLocation::AutoDetect => "wpad".to_owned(),
            };
            self.0
                .get(&key)
                .cloned()
                .ok_or_else(|| "ERROR_WINHTTP_UNABLE_TO_DOWNLOAD_SCRIPT".to_owned())
        }
    }

    fn host(name: &str) -> Host {
        name.parse().unwrap()
    }

    fn decide_for(config: &WinHttpConfig, pac: &FakePac, name: &str) -> (Option<String>, String) {
        let decision = decide(
            config,
            pac,
            &format!("https://{name}/"),
            &host(name),
            Scheme::Https,
        );
        (
            decision.proxy.map(|proxy| proxy.authority()),
            decision.source.unwrap_or_default(),
        )
    }

    fn user_proxy(proxy: &str, bypass: Option<&str>) -> WinHttpConfig {
        WinHttpConfig {
            user: UserSettings {
                proxy: Some(proxy.to_owned()),
                bypass: bypass.map(str::to_owned),
                ..UserSettings::default()
            },
            winhttp: None,
        }
    }

    #[test]
    fn a_proxy_list_gives_the_entry_for_the_scheme() {
        let list = "http=10.0.0.1:3128;https=10.0.0.2:8443;socks=10.0.0.3:1080";
        let pick = |scheme| proxy_from_list(list, scheme).map(|proxy| proxy.authority());
        assert_eq!(pick(Scheme::Https).as_deref(), Some("10.0.0.2:8443"));
        assert_eq!(pick(Scheme::Http).as_deref(), Some("10.0.0.1:3128"));
        let plain = |list| proxy_from_list(list, Scheme::Https).map(|proxy| proxy.authority());
        assert_eq!(plain("proxy.corp").as_deref(), Some("proxy.corp:80"));
        assert_eq!(
            plain("http://proxy.corp:8080/ backup:3128").as_deref(),
            Some("proxy.corp:8080")
        );
        assert_eq!(plain("socks=10.0.0.3:1080"), None);
        assert_eq!(plain(" ; "), None);
        assert_eq!(plain("[::1]").as_deref(), Some("[::1]:80"));
    }

    #[test]
    fn a_bypass_list_matches_wildcards_and_local_names() {
        let list = "*.google.com; 10.*;<local>, HTTPS://exact.example";
        assert!(bypass_matches(list, &host("accounts.google.com")));
        assert!(bypass_matches(list, &host("ACCOUNTS.GOOGLE.COM")));
        assert!(!bypass_matches(list, &host("google.com")));
        assert!(bypass_matches(list, &host("10.1.2.3")));
        assert!(bypass_matches(list, &host("intranet")));
        assert!(bypass_matches(list, &host("exact.example")));
        assert!(!bypass_matches(list, &host("www.gstatic.com")));
        assert!(!bypass_matches("", &host("intranet")));
        assert!(wildcard_match(b"a*b*c", b"axxbyyc"));
        assert!(!wildcard_match(b"a*b*c", b"axxbyy"));
        assert!(!wildcard_match(&[b'*', b'a'].repeat(100), &[b'a'; 99]));
        assert!(wildcard_match(&[b'*', b'a'].repeat(100), &[b'a'; 150]));
    }

    #[test]
    fn the_user_s_manual_proxy_applies_unless_bypassed() {
        let config = user_proxy("127.0.0.1:8888", Some("*.gstatic.com"));
        assert_eq!(
            decide_for(&config, &FakePac::default(), "accounts.google.com"),
            (
                Some("127.0.0.1:8888".to_owned()),
                "user settings".to_owned()
            )
        );
        assert_eq!(
            decide_for(&config, &FakePac::default(), "www.gstatic.com"),
            (None, "user settings: bypass list".to_owned())
        );
    }

    #[test]
    fn winhttp_settings_apply_when_the_user_has_none() {
        let config = WinHttpConfig {
            user: UserSettings::default(),
            winhttp: Some(FixedProxy {
                proxy: "proxy.corp:3128".to_owned(),
                bypass: Some("<local>".to_owned()),
            }),
        };
        assert_eq!(
            decide_for(&config, &FakePac::default(), "accounts.google.com"),
            (
                Some("proxy.corp:3128".to_owned()),
                "WinHTTP settings".to_owned()
            )
        );
        assert_eq!(
            decide_for(&config, &FakePac::default(), "intranet"),
            (None, "WinHTTP settings: bypass list".to_owned())
        );
        assert_eq!(
            decide_for(&WinHttpConfig::default(), &FakePac::default(), "a.b"),
            (None, String::new())
        );
    }

    #[test]
    fn a_pac_file_wins_and_its_failure_falls_back_and_is_told() {
        let pac_url = "http://wpad.corp/proxy.pac";
        let mut config = user_proxy("127.0.0.1:8888", None);
        config.user.auto_config_url = Some(pac_url.to_owned());
        let answers = FakePac(HashMap::from([(
            pac_url.to_owned(),
            PacAnswer::Proxies("10.0.0.9:3128; 10.0.0.10:3128".to_owned()),
        )]));
        assert_eq!(
            decide_for(&config, &answers, "accounts.google.com"),
            (Some("10.0.0.9:3128".to_owned()), format!("PAC {pac_url}"))
        );
        let direct = FakePac(HashMap::from([(pac_url.to_owned(), PacAnswer::Direct)]));
        assert_eq!(
            decide_for(&config, &direct, "accounts.google.com"),
            (None, format!("PAC {pac_url}: DIRECT"))
        );
        config.user.auto_detect = true;
        let (proxy, source) = decide_for(&config, &FakePac::default(), "accounts.google.com");
        assert_eq!(proxy.as_deref(), Some("127.0.0.1:8888"));
        assert_eq!(
            source,
            format!(
                "user settings (after: PAC {pac_url} failed: ERROR_WINHTTP_UNABLE_TO_DOWNLOAD_SCRIPT; \
                 WPAD auto-detection failed: ERROR_WINHTTP_UNABLE_TO_DOWNLOAD_SCRIPT)"
            )
        );
        config.user.proxy = None;
        let (proxy, source) = decide_for(&config, &FakePac::default(), "accounts.google.com");
        assert_eq!(proxy, None);
        assert!(source.starts_with("direct (PAC "), "{source}");
    }
}
