//! WinHTTP's proxy settings on Windows: the user's Internet settings
//! (`WinHttpGetIEProxyConfigForCurrentUser`), WinHTTP's default configuration
//! (`WinHttpGetDefaultProxyConfiguration`, i.e. `netsh winhttp`), and PAC / WPAD through
//! `WinHttpGetProxyForUrl`. The only module with `unsafe` code: each call is one FFI call whose
//! strings are copied and freed here. The decision itself is [`super::system_proxy::decide`].

#![allow(unsafe_code)]

use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use windows_sys::Win32::Foundation::{GetLastError, GlobalFree};
use windows_sys::Win32::Networking::WinHttp::{
    ERROR_WINHTTP_AUTODETECTION_FAILED, WINHTTP_ACCESS_TYPE_NAMED_PROXY,
    WINHTTP_ACCESS_TYPE_NO_PROXY, WINHTTP_AUTO_DETECT_TYPE_DHCP, WINHTTP_AUTO_DETECT_TYPE_DNS_A,
    WINHTTP_AUTOPROXY_AUTO_DETECT, WINHTTP_AUTOPROXY_CONFIG_URL, WINHTTP_AUTOPROXY_OPTIONS,
    WINHTTP_CURRENT_USER_IE_PROXY_CONFIG, WINHTTP_PROXY_INFO, WinHttpCloseHandle,
    WinHttpGetDefaultProxyConfiguration, WinHttpGetIEProxyConfigForCurrentUser,
    WinHttpGetProxyForUrl, WinHttpOpen, WinHttpSetTimeouts,
};
use windows_sys::core::PWSTR;

use super::system_proxy::{
    FixedProxy, PacAnswer, PacLocation, PacRunner, ProxyDecision, SystemProxy, UserSettings,
    WinHttpConfig, decide,
};
use crate::target::{Host, Scheme};
use crate::wincodes as codes;

/// The proxy WinHTTP would use, per URL.
#[derive(Debug)]
pub struct WinHttpProxy {
    config: WinHttpConfig,
    pac: WinHttpPac,
}

impl WinHttpProxy {
    /// Reads this user's and this machine's settings now; PAC downloads are bounded by `timeout`.
    pub fn from_system(timeout: Duration) -> Self {
        Self {
            config: read_config(),
            pac: WinHttpPac::open(timeout),
        }
    }

    /// The settings read.
    pub fn config(&self) -> &WinHttpConfig {
        &self.config
    }
}

impl SystemProxy for WinHttpProxy {
    fn proxy_for(&self, url: &str, host: &Host, scheme: Scheme) -> ProxyDecision {
        decide(&self.config, &self.pac, url, host, scheme)
    }
}

/// The settings as WinHTTP reports them (a call that fails reads as "not set").
fn read_config() -> WinHttpConfig {
    let mut user = WINHTTP_CURRENT_USER_IE_PROXY_CONFIG::default();
    // SAFETY: `user` is a valid, zeroed out-structure; on success its strings are GlobalAlloc'ed
    // and `take_string` frees each one exactly once.
    let user = if unsafe { WinHttpGetIEProxyConfigForCurrentUser(&mut user) } != 0 {
        UserSettings {
            auto_detect: user.fAutoDetect != 0,
            auto_config_url: take_string(user.lpszAutoConfigUrl),
            proxy: take_string(user.lpszProxy),
            bypass: take_string(user.lpszProxyBypass),
        }
    } else {
        UserSettings::default()
    };
    let mut fixed = WINHTTP_PROXY_INFO::default();
    // SAFETY: as above, for a WINHTTP_PROXY_INFO.
    let winhttp = if unsafe { WinHttpGetDefaultProxyConfiguration(&mut fixed) } != 0 {
        let (proxy, bypass) = (
            take_string(fixed.lpszProxy),
            take_string(fixed.lpszProxyBypass),
        );
        proxy
            .filter(|_| fixed.dwAccessType == WINHTTP_ACCESS_TYPE_NAMED_PROXY)
            .map(|proxy| FixedProxy { proxy, bypass })
    } else {
        None
    };
    WinHttpConfig { user, winhttp }
}

/// Copies a GlobalAlloc'ed, NUL-terminated UTF-16 string WinHTTP returned, and frees it.
fn take_string(text: PWSTR) -> Option<String> {
    if text.is_null() {
        return None;
    }
    // SAFETY: WinHTTP returned a NUL-terminated string; it is read up to the NUL, then freed
    // once with GlobalFree as its documentation requires.
    let copied = unsafe {
        let mut len = 0;
        while *text.add(len) != 0 {
            len += 1;
        }
        let copied = String::from_utf16_lossy(std::slice::from_raw_parts(text, len));
        GlobalFree(text.cast());
        copied
    };
    Some(copied).filter(|text| !text.trim().is_empty())
}

fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}

/// A WinHTTP session used only to run PAC scripts (it caches the downloaded script).
#[derive(Debug)]
struct WinHttpPac {
    session: Session,
    /// WPAD failed once: it is not tried again in this run (each try can take seconds).
    no_wpad: AtomicBool,
}

/// A WinHTTP session handle; null when `WinHttpOpen` failed.
#[derive(Debug)]
struct Session(*mut core::ffi::c_void);

// SAFETY: WinHTTP session handles may be used from any thread (WinHTTP serialises internally).
unsafe impl Send for Session {}
// SAFETY: as above.
unsafe impl Sync for Session {}

impl Drop for Session {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: the handle came from WinHttpOpen and is closed once.
            unsafe { WinHttpCloseHandle(self.0) };
        }
    }
}

impl WinHttpPac {
    fn open(timeout: Duration) -> Self {
        let agent = wide("tlsinspect");
        // SAFETY: `agent` is NUL-terminated and outlives the call; null proxy strings are allowed
        // with WINHTTP_ACCESS_TYPE_NO_PROXY.
        let handle = unsafe {
            WinHttpOpen(
                agent.as_ptr(),
                WINHTTP_ACCESS_TYPE_NO_PROXY,
                ptr::null(),
                ptr::null(),
                0,
            )
        };
        if !handle.is_null() {
            let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
            // SAFETY: a valid session handle.
            unsafe { WinHttpSetTimeouts(handle, ms, ms, ms, ms) };
        }
        Self {
            session: Session(handle),
            no_wpad: AtomicBool::new(false),
        }
    }
}

impl PacRunner for WinHttpPac {
    fn run(&self, url: &str, location: PacLocation<'_>) -> Result<PacAnswer, String> {
        if self.session.0.is_null() {
            return Err("WinHttpOpen failed".to_owned());
        }
        if location == PacLocation::AutoDetect && self.no_wpad.load(Ordering::Relaxed) {
            return Err("failed earlier in this run".to_owned());
        }
        let pac_url = match location {
            PacLocation::Url(pac_url) => Some(wide(pac_url)),
            PacLocation::AutoDetect => None,
        };
        let mut options = WINHTTP_AUTOPROXY_OPTIONS {
            fAutoLogonIfChallenged: 1,
            ..WINHTTP_AUTOPROXY_OPTIONS::default()
        };
        match &pac_url {
            Some(pac_url) => {
                options.dwFlags = WINHTTP_AUTOPROXY_CONFIG_URL;
                options.lpszAutoConfigUrl = pac_url.as_ptr();
            }
            None => {
                options.dwFlags = WINHTTP_AUTOPROXY_AUTO_DETECT;
                options.dwAutoDetectFlags =
                    WINHTTP_AUTO_DETECT_TYPE_DHCP | WINHTTP_AUTO_DETECT_TYPE_DNS_A;
            }
        }
        let url = wide(url);
        let mut info = WINHTTP_PROXY_INFO::default();
        // SAFETY: every pointer is valid for the call (`url` and `pac_url` outlive it); on
        // success the strings in `info` are GlobalAlloc'ed and freed by `take_string`.
        let ok =
            unsafe { WinHttpGetProxyForUrl(self.session.0, url.as_ptr(), &mut options, &mut info) };
        if ok == 0 {
            // SAFETY: no precondition.
            let error = unsafe { GetLastError() };
            if location == PacLocation::AutoDetect && error == ERROR_WINHTTP_AUTODETECTION_FAILED {
                self.no_wpad.store(true, Ordering::Relaxed);
            }
            return Err(error_name(error));
        }
        let proxies = take_string(info.lpszProxy);
        drop(take_string(info.lpszProxyBypass));
        match proxies {
            Some(list) if info.dwAccessType == WINHTTP_ACCESS_TYPE_NAMED_PROXY => {
                Ok(PacAnswer::Proxies(list))
            }
            _ => Ok(PacAnswer::Direct),
        }
    }
}

/// A Win32 / WinHTTP error as `12167 ERROR_WINHTTP_UNABLE_TO_DOWNLOAD_SCRIPT`.
fn error_name(error: u32) -> String {
    let explained = codes::explain_error(error);
    match explained.names.first() {
        Some(name) => format!("{error} {name}"),
        None => format!("{error} ({})", explained.meaning),
    }
}
