//! The upstream leg: what a proxy's ClientHello offers, parsed with `tls-parser` from the bytes
//! an audit origin recorded. GREASE values (RFC 8701) are dropped; unknown values are kept by
//! number.

use serde::Serialize;
use tls_parser::{
    CertificateStatusType, SNIType, TlsCipherSuite, TlsExtension, TlsExtensionType, TlsMessage,
    TlsMessageHandshake, TlsVersion, parse_tls_client_hello_extensions,
    parse_tls_message_handshake,
};

use super::grade::suite_class;

/// One cipher suite offered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct SuiteOffer {
    /// The IANA value, `0x1301`.
    pub id: String,
    /// The IANA name, when known.
    pub name: Option<String>,
    /// The NDSS 2017 class (1 optimal … 4 severely broken), when the table has the suite.
    pub class: Option<u8>,
}

/// What a ClientHello offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ClientHelloSummary {
    /// The `legacy_version` field (`TLS 1.2` in every TLS 1.3 hello).
    pub legacy_version: String,
    /// The versions of the supported_versions extension (TLS 1.3 hellos), best first.
    pub supported_versions: Vec<String>,
    /// The highest version offered.
    pub max_version: String,
    /// The cipher suites, in the client's order (signalling values kept: 0x00FF, 0x5600).
    pub cipher_suites: Vec<SuiteOffer>,
    /// Compression methods other than `null` (CRIME).
    pub compression: Vec<u8>,
    /// The extensions, by name, in order.
    pub extensions: Vec<String>,
    /// The server name sent, if any.
    pub sni: Option<String>,
    /// Whether OCSP stapling was asked for (status_request).
    pub ocsp_stapling_requested: bool,
    /// The ALPN protocols offered.
    pub alpn: Vec<String>,
    /// The named groups offered.
    pub groups: Vec<String>,
    /// Whether the hello carries the renegotiation_info extension or the SCSV (RFC 5746).
    pub secure_renegotiation: bool,
    #[serde(skip)]
    max_version_number: u16,
}

impl ClientHelloSummary {
    /// The highest version offered, as its wire number (`0x0303` is TLS 1.2).
    pub(crate) fn max_version_number(&self) -> u16 {
        self.max_version_number
    }

    /// What tells one client's hellos from another's: suites, versions, groups and ALPN in
    /// order, and the set of extensions (rustls and browsers shuffle their order); not the
    /// random, the key shares or the server name.
    pub(crate) fn shape(&self) -> String {
        let suites: Vec<&str> = self
            .cipher_suites
            .iter()
            .map(|suite| suite.id.as_str())
            .collect();
        let mut extensions: Vec<&str> = self.extensions.iter().map(String::as_str).collect();
        extensions.sort_unstable();
        format!(
            "{suites:?}|{:?}|{extensions:?}|{:?}|{:?}",
            self.supported_versions, self.groups, self.alpn
        )
    }
}

/// Why a recorded hello could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HelloError {
    /// The bytes are not a TLS handshake message.
    #[error("not a TLS handshake message")]
    NotHandshake,
    /// A handshake message, but not a ClientHello.
    #[error("the first handshake message is not a ClientHello")]
    NotClientHello,
}

/// Parses a ClientHello handshake message (type, length and body).
pub fn parse_client_hello(handshake: &[u8]) -> Result<ClientHelloSummary, HelloError> {
    let Ok((_, TlsMessage::Handshake(message))) = parse_tls_message_handshake(handshake) else {
        return Err(HelloError::NotHandshake);
    };
    let TlsMessageHandshake::ClientHello(hello) = message else {
        return Err(HelloError::NotClientHello);
    };
    let extensions = hello
        .ext
        .and_then(|bytes| parse_tls_client_hello_extensions(bytes).ok())
        .map(|(_, extensions)| extensions)
        .unwrap_or_default();
    let mut summary = ClientHelloSummary {
        legacy_version: version_name(hello.version.0),
        supported_versions: Vec::new(),
        max_version: String::new(),
        cipher_suites: hello
            .ciphers
            .iter()
            .map(|id| id.0)
            .filter(|id| !is_grease(*id))
            .map(suite_offer)
            .collect(),
        compression: hello
            .comp
            .iter()
            .map(|method| method.0)
            .filter(|method| *method != 0)
            .collect(),
        extensions: Vec::new(),
        sni: None,
        ocsp_stapling_requested: false,
        alpn: Vec::new(),
        groups: Vec::new(),
        secure_renegotiation: hello.ciphers.iter().any(|id| id.0 == 0x00ff),
        max_version_number: hello.version.0,
    };
    for extension in &extensions {
        absorb(&mut summary, extension);
    }
    summary.max_version = version_name(summary.max_version_number);
    Ok(summary)
}

fn absorb(summary: &mut ClientHelloSummary, extension: &TlsExtension<'_>) {
    if let TlsExtension::Grease(..) = extension {
        return;
    }
    summary.extensions.push(extension_name(extension));
    match extension {
        TlsExtension::SNI(names) => {
            summary.sni = names
                .iter()
                .find(|(kind, _)| *kind == SNIType::HostName)
                .map(|(_, name)| String::from_utf8_lossy(name).into_owned());
        }
        TlsExtension::StatusRequest(request) => {
            summary.ocsp_stapling_requested = request
                .as_ref()
                .is_none_or(|(kind, _)| *kind == CertificateStatusType::OCSP);
        }
        TlsExtension::ALPN(protocols) => {
            summary.alpn = protocols
                .iter()
                .map(|protocol| String::from_utf8_lossy(protocol).into_owned())
                .collect();
        }
        TlsExtension::EllipticCurves(groups) => {
            summary.groups = groups
                .iter()
                .filter(|group| !is_grease(group.0))
                .map(|group| format!("{group:?}"))
                .collect();
        }
        TlsExtension::SupportedVersions(versions) => {
            let versions: Vec<u16> = versions
                .iter()
                .map(|version| version.0)
                .filter(|version| !is_grease(*version))
                .collect();
            if let Some(max) = versions.iter().copied().max() {
                summary.max_version_number = summary.max_version_number.max(max);
            }
            summary.supported_versions = versions.into_iter().map(version_name).collect();
        }
        TlsExtension::RenegotiationInfo(_) => summary.secure_renegotiation = true,
        _ => {}
    }
}

fn suite_offer(id: u16) -> SuiteOffer {
    SuiteOffer {
        id: format!("0x{id:04X}"),
        name: TlsCipherSuite::from_id(id).map(|suite| suite.name.to_owned()),
        class: suite_class(id),
    }
}

/// An extension's IANA name (TLS ExtensionType Values registry), or its number.
fn extension_name(extension: &TlsExtension<'_>) -> String {
    let number = match extension {
        TlsExtension::Unknown(kind, _) => kind.0,
        _ => TlsExtensionType::from(extension).0,
    };
    let name = match number {
        0 => "server_name",
        1 => "max_fragment_length",
        5 => "status_request",
        10 => "supported_groups",
        11 => "ec_point_formats",
        13 => "signature_algorithms",
        15 => "heartbeat",
        16 => "application_layer_protocol_negotiation",
        17 => "status_request_v2",
        18 => "signed_certificate_timestamp",
        21 => "padding",
        22 => "encrypt_then_mac",
        23 => "extended_master_secret",
        27 => "compress_certificate",
        28 => "record_size_limit",
        34 => "delegated_credential",
        35 => "session_ticket",
        41 => "pre_shared_key",
        42 => "early_data",
        43 => "supported_versions",
        44 => "cookie",
        45 => "psk_key_exchange_modes",
        49 => "post_handshake_auth",
        50 => "signature_algorithms_cert",
        51 => "key_share",
        57 => "quic_transport_parameters",
        13172 => "next_protocol_negotiation",
        17513 | 17613 => "application_settings",
        65037 => "encrypted_client_hello",
        65281 => "renegotiation_info",
        other => return format!("0x{other:04X}"),
    };
    name.to_owned()
}

/// A version number in words.
pub fn version_name(version: u16) -> String {
    match version {
        0x0002 => "SSL 2.0".to_owned(),
        0x0300 => "SSL 3.0".to_owned(),
        0x0301 => "TLS 1.0".to_owned(),
        0x0302 => "TLS 1.1".to_owned(),
        0x0303 => "TLS 1.2".to_owned(),
        0x0304 => "TLS 1.3".to_owned(),
        other => format!("{:?}", TlsVersion(other)),
    }
}

/// GREASE values (RFC 8701): 0x0A0A, 0x1A1A, … 0xFAFA.
fn is_grease(value: u16) -> bool {
    value & 0x0f0f == 0x0a0a && value >> 8 == value & 0xff
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TLS 1.2-style hello: suites RC4-SHA (0x0005) then ECDHE-RSA-AES128-GCM (0xC02F), GREASE
    /// 0x0A0A, extensions SNI "a.test", status_request, ALPN "h2".
    fn hello() -> Vec<u8> {
        let sni = [
            &[0x00, 0x00, 0x00, 0x0b, 0x00, 0x09, 0x00, 0x00, 0x06][..],
            b"a.test",
        ]
        .concat();
        let status = [0x00, 0x05, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00];
        let alpn = [0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x02, b'h', b'2'];
        let extensions = [&sni[..], &status, &alpn].concat();
        let mut body = vec![0x03, 0x03];
        body.extend_from_slice(&[7; 32]);
        body.push(0);
        body.extend_from_slice(&[0x00, 0x06, 0x0a, 0x0a, 0x00, 0x05, 0xc0, 0x2f]);
        body.extend_from_slice(&[0x01, 0x00]);
        body.extend_from_slice(&u16::try_from(extensions.len()).unwrap().to_be_bytes());
        body.extend_from_slice(&extensions);
        let mut message = vec![0x01, 0x00];
        message.extend_from_slice(&u16::try_from(body.len()).unwrap().to_be_bytes());
        message.extend_from_slice(&body);
        message
    }

    #[test]
    fn a_hello_is_read_with_its_suites_classes_and_extensions() {
        let summary = parse_client_hello(&hello()).unwrap();
        assert_eq!(summary.max_version, "TLS 1.2");
        let ids: Vec<&str> = summary
            .cipher_suites
            .iter()
            .map(|s| s.id.as_str())
            .collect();
        assert_eq!(ids, ["0x0005", "0xC02F"]);
        assert_eq!(summary.cipher_suites[0].class, Some(3));
        assert_eq!(summary.cipher_suites[1].class, Some(1));
        assert_eq!(summary.sni.as_deref(), Some("a.test"));
        assert!(summary.ocsp_stapling_requested);
        assert_eq!(summary.alpn, ["h2"]);
        assert_eq!(
            summary.extensions,
            [
                "server_name",
                "status_request",
                "application_layer_protocol_negotiation"
            ]
        );
    }

    #[test]
    fn garbage_and_truncated_hellos_are_errors_not_panics() {
        assert_eq!(
            parse_client_hello(b"GET / HTTP/1.1"),
            Err(HelloError::NotHandshake)
        );
        let whole = hello();
        for cut in 0..whole.len() {
            let _ = parse_client_hello(&whole[..cut]);
        }
        assert!(is_grease(0x0a0a) && is_grease(0xfafa) && !is_grease(0x0a0b));
    }
}
