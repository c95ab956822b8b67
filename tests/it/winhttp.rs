//! Windows only: with no `--proxy`, `check` goes through the proxy WinHTTP would use, and says
//! which setting chose it. Each test writes the settings where Windows keeps them (the user's
//! `DefaultConnectionSettings`, the machine's `WinHttpSettings`), runs the binary, and puts back
//! the direct setting `scripts/wine-test.sh` starts from. Proxies and PAC servers are on 127.0.0.1.

use std::sync::{Mutex, MutexGuard};

use winreg::enums::{HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE, REG_BINARY};
use winreg::{RegKey, RegValue};

use crate::support::*;

const CONNECTIONS: &str =
    r"Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections";
/// `DefaultConnectionSettings` flags.
const DIRECT: u32 = 1;
const MANUAL_PROXY: u32 = 2;
const PAC_URL: u32 = 4;
/// Asked through a proxy: the proxy resolves it, this machine never does.
const TARGET: &str = "https://mail.google.com/mail/r/";

/// Serialises the tests that change the proxy settings, and restores them when dropped.
struct ProxySettings {
    _lock: MutexGuard<'static, ()>,
}

impl ProxySettings {
    fn take() -> Self {
        static LOCK: Mutex<()> = Mutex::new(());
        Self {
            _lock: LOCK
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        }
    }

    /// The user's settings: `flags`, a manual proxy and bypass list, a PAC URL.
    fn user(&self, flags: u32, proxy: &str, bypass: &str, pac: &str) {
        let mut blob = Vec::new();
        for word in [0x46, 0, flags] {
            blob.extend(u32::to_le_bytes(word));
        }
        for text in [proxy, bypass, pac] {
            blob.extend(u32::try_from(text.len()).unwrap().to_le_bytes());
            blob.extend(text.as_bytes());
        }
        blob.extend([0; 28]);
        write(HKEY_CURRENT_USER, "DefaultConnectionSettings", blob);
    }

    /// WinHTTP's own configuration, as `netsh winhttp set proxy PROXY BYPASS` writes it.
    fn winhttp(&self, proxy: &str, bypass: &str) {
        let mut blob = Vec::new();
        for word in [0x18, 0, 3] {
            blob.extend(u32::to_le_bytes(word));
        }
        for text in [proxy, bypass] {
            blob.extend(u32::try_from(text.len()).unwrap().to_le_bytes());
            blob.extend(text.as_bytes());
        }
        write(HKEY_LOCAL_MACHINE, "WinHttpSettings", blob);
    }
}

impl Drop for ProxySettings {
    fn drop(&mut self) {
        self.user(DIRECT, "", "", "");
        if let Ok(key) = RegKey::predef(HKEY_LOCAL_MACHINE)
            .open_subkey_with_flags(CONNECTIONS, winreg::enums::KEY_ALL_ACCESS)
        {
            let _ = key.delete_value("WinHttpSettings");
        }
    }
}

fn write(root: winreg::HKEY, name: &str, bytes: Vec<u8>) {
    let (key, _) = RegKey::predef(root).create_subkey(CONNECTIONS).unwrap();
    let value = RegValue {
        bytes: bytes.into(),
        vtype: REG_BINARY,
    };
    key.set_raw_value(name, &value).unwrap();
}

/// Runs `check TARGET` with `extra` options: the proxy used and the setting that chose it (from
/// the connection, or from the proxy finding when the proxy stopped it), and the finding codes.
fn check(extra: &[&str]) -> (Option<String>, Option<String>, Vec<String>) {
    let mut args = vec!["check", TARGET, "--timeout", "5", "--format", "json", "-q"];
    args.extend(extra);
    let output = tlsinspect(&args);
    let report = parse_report(&output);
    let endpoint = &report.endpoints[0];
    let codes = endpoint
        .findings
        .iter()
        .map(|finding| finding.code.clone())
        .collect();
    if let Some(destination) = &endpoint.destination {
        return (
            destination.proxy.clone(),
            destination.proxy_source.clone(),
            codes,
        );
    }
    let evidence = endpoint
        .findings
        .iter()
        .map(|finding| &finding.evidence)
        .find(|evidence| evidence.get("proxy").is_some());
    let text = |name: &str| {
        evidence
            .and_then(|evidence| evidence[name].as_str())
            .map(str::to_owned)
    };
    (
        text("proxy").map(|proxy| format!("http://{proxy}")),
        text("chosen_by"),
        codes,
    )
}

#[test]
fn the_user_s_manual_proxy_is_used_and_named() {
    let proxy = proxy_407();
    let settings = ProxySettings::take();
    settings.user(MANUAL_PROXY, &proxy.addr.to_string(), "<local>", "");
    let (used, source, codes) = check(&[]);
    assert_eq!(used, Some(format!("http://{}", proxy.addr)));
    assert_eq!(source.as_deref(), Some("user settings"));
    assert_eq!(codes, ["proxy-auth-required"]);
    let server = TcpServer::start(drop);
    let connect_to = format!("::127.0.0.1:{}", server.addr.port());
    let (used, source, codes) = check(&["--no-proxy", "--connect-to", &connect_to]);
    assert_eq!(
        (used, source),
        (None, None),
        "--no-proxy ignores the settings"
    );
    assert!(
        !codes.contains(&"proxy-auth-required".to_owned()),
        "{codes:?}"
    );
}

/// A manual proxy left behind by a closed Fiddler: the failure names the proxy and the setting.
#[test]
fn an_unreachable_proxy_from_the_user_s_settings_is_named_with_its_setting() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy = closed.local_addr().unwrap();
    drop(closed);
    let settings = ProxySettings::take();
    settings.user(MANUAL_PROXY, &proxy.to_string(), "", "");
    let output = tlsinspect(&["check", TARGET, "--timeout", "5", "--format", "json", "-q"]);
    let report = parse_report(&output);
    let finding = &report.endpoints[0].findings[0];
    assert_eq!(finding.code, "connect-failed");
    assert_eq!(finding.evidence["proxy"], true);
    assert_eq!(finding.evidence["chosen_by"], "user settings");
    assert!(
        finding.message.starts_with(&format!(
            "TCP connection to the proxy {proxy} (chosen by user settings) was refused"
        )),
        "{}",
        finding.message
    );
}

#[test]
fn a_host_on_the_bypass_list_is_reached_directly() {
    let proxy = proxy_407();
    let server = TcpServer::start(drop);
    let settings = ProxySettings::take();
    settings.user(MANUAL_PROXY, &proxy.addr.to_string(), "*.google.com", "");
    let connect_to = format!("mail.google.com:443:127.0.0.1:{}", server.addr.port());
    let (used, source, codes) = check(&["--connect-to", &connect_to]);
    assert_eq!(used, None);
    assert_eq!(source.as_deref(), Some("user settings: bypass list"));
    assert!(
        !codes.contains(&"proxy-auth-required".to_owned()),
        "{codes:?}"
    );
}

#[test]
fn winhttp_settings_apply_when_the_user_has_none() {
    let proxy = proxy_407();
    let settings = ProxySettings::take();
    settings.winhttp(&proxy.addr.to_string(), "");
    let (used, source, codes) = check(&[]);
    assert_eq!(used, Some(format!("http://{}", proxy.addr)));
    assert_eq!(source.as_deref(), Some("WinHTTP settings"));
    assert_eq!(codes, ["proxy-auth-required"]);
}

#[test]
fn a_pac_file_chooses_the_proxy_and_a_failed_one_is_told() {
    let proxy = proxy_407();
    let script = format!(
        "function FindProxyForURL(url, host) {{\n  if (dnsDomainIs(host, \".google.com\")) \
         return \"PROXY {}\";\n  return \"DIRECT\";\n}}\n",
        proxy.addr
    );
    let pac = http_file(script.into_bytes());
    let pac_url = format!("http://{}/proxy.pac", pac.addr);
    let settings = ProxySettings::take();
    settings.user(PAC_URL, "", "", &pac_url);
    let (used, source, codes) = check(&[]);
    assert_eq!(used, Some(format!("http://{}", proxy.addr)));
    assert_eq!(source, Some(format!("PAC {pac_url}")));
    assert_eq!(codes, ["proxy-auth-required"]);

    // The script cannot be fetched: WinHTTP falls back to the manual proxy, and the report says so.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let unreachable = format!("http://{}/proxy.pac", closed.local_addr().unwrap());
    drop(closed);
    settings.user(
        PAC_URL | MANUAL_PROXY,
        &proxy.addr.to_string(),
        "",
        &unreachable,
    );
    let (used, source, _) = check(&[]);
    assert_eq!(used, Some(format!("http://{}", proxy.addr)));
    let source = source.unwrap_or_default();
    assert!(
        source.starts_with(&format!(
            "user settings (after: PAC {unreachable} failed: 1216"
        )),
        "{source}"
    );
}
