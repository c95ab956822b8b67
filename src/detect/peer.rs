//! Interception signals from where the server is and how new its leaf is: the peer address of a
//! profile endpoint against Google's ranges (unless a forward-confirmed `*.1e100.net` name shows
//! it is Google's all the same), and a leaf minted minutes before the check, as interception
//! proxies mint theirs on the fly.

use std::net::SocketAddr;

use time::OffsetDateTime;

use super::AddressClass;
use crate::chain::CertInfo;

/// A leaf younger than this is "minted minutes ago".
const FRESH_LEAF_MINUTES: i64 = 60;

/// Google's reverse-DNS domain for its front ends.
pub const GOOGLE_REVERSE_DOMAIN: &str = ".1e100.net";

/// What a peer address says. `proxy` is the proxy connected through; `confirmed_name` is the
/// peer's reverse name when it ends in `.1e100.net` and resolves back to the peer.
pub fn address_signal(
    host: &str,
    peer: SocketAddr,
    class: AddressClass,
    proxy: Option<&str>,
    peer_name: Option<&str>,
    confirmed_name: bool,
) -> Option<String> {
    match (proxy, class) {
        (_, AddressClass::Google) => None,
        (Some(proxy), AddressClass::Local) => Some(format!(
            "the connection goes through the local proxy {proxy}"
        )),
        (Some(_), _) => None,
        (None, AddressClass::Local) => Some(format!(
            "{host} answered from {peer}, a local address, not from Google"
        )),
        (None, _) if confirmed_name => None,
        (None, class) => {
            let range = if class == AddressClass::GoogleCloud {
                "a Google Cloud customer address"
            } else {
                "outside Google's published ranges"
            };
            let name = match peer_name {
                Some(name) if name.ends_with(GOOGLE_REVERSE_DOMAIN) => {
                    format!("; its reverse name {name} does not resolve back to it")
                }
                Some(name) => format!(", named {name}, not a forward-confirmed 1e100.net name"),
                None => ", without a forward-confirmed 1e100.net name".to_owned(),
            };
            Some(format!("{host} answered from {peer}, {range}{name}"))
        }
    }
}

/// "Minted minutes ago": the leaf's notBefore is within the last hour of `at`.
pub fn fresh_leaf_signal(leaf: &CertInfo, at: OffsetDateTime) -> Option<String> {
    let age = at - leaf.not_before;
    (age >= time::Duration::ZERO && age < time::Duration::minutes(FRESH_LEAF_MINUTES)).then(|| {
        format!(
            "the leaf was minted {} minutes before this check, as interception proxies do on the fly",
            age.whole_minutes()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer() -> SocketAddr {
        "203.0.113.7:443".parse().unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn an_outside_address_is_a_signal_unless_its_1e100_name_is_forward_confirmed() {
        let host = "www.googleapis.com";
        let outside = AddressClass::Outside;
        let name = Some("lga25s12-in-f10.1e100.net");
        assert_eq!(
            address_signal(host, peer(), outside, None, name, true),
            None
        );
        let forged = address_signal(host, peer(), outside, None, name, false);
        assert!(forged.is_some_and(|s| s.contains("does not resolve back")));
        let unnamed = address_signal(host, peer(), outside, None, None, false);
        assert!(unnamed.is_some_and(|s| s.contains("outside Google's published ranges")));
        let cloud = address_signal(host, peer(), AddressClass::GoogleCloud, None, None, false);
        assert!(cloud.is_some_and(|s| s.contains("Google Cloud customer")));
        assert_eq!(
            address_signal(host, peer(), AddressClass::Google, None, None, false),
            None
        );
        let local = address_signal(
            host,
            peer(),
            AddressClass::Local,
            Some("127.0.0.1:8888"),
            None,
            false,
        );
        assert!(local.is_some_and(|s| s.contains("local proxy")));
    }

    #[test]
    fn a_leaf_minted_minutes_ago_is_a_signal_an_older_one_is_not() {
        let at = time::macros::datetime!(2030-01-01 12:00 UTC);
        let leaf = |minutes: i64| {
            let key = rcgen::KeyPair::generate().unwrap_or_else(|_| unreachable!());
            let mut params = rcgen::CertificateParams::new(vec!["www.googleapis.com".to_owned()])
                .unwrap_or_else(|_| unreachable!());
            params.not_before = at - time::Duration::minutes(minutes);
            params.not_after = at + time::Duration::days(90);
            let cert = params.self_signed(&key).unwrap_or_else(|_| unreachable!());
            CertInfo::parse(cert.der()).unwrap_or_else(|_| unreachable!())
        };
        assert!(fresh_leaf_signal(&leaf(7), at).is_some_and(|s| s.contains("7 minutes")));
        assert_eq!(fresh_leaf_signal(&leaf(3 * 24 * 60), at), None);
        assert_eq!(fresh_leaf_signal(&leaf(-30), at), None);
    }
}
