//! Findings: facts about what was observed, with a stable code, a severity and typed evidence.
//!
//! A bad certificate is a finding, never an error. Codes are a contract (DESIGN.md): JSON
//! consumers and tests match on them. The message is written once, here, from the evidence; the
//! renderers add layout, colour and advice.

pub(crate) mod revocation;

use std::fmt;

use serde::{Deserialize, Serialize};

/// How bad a finding is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Worth knowing; nothing is broken.
    Info,
    /// Something is off but the connection would still work.
    Warning,
    /// The Sync client (or any strict client) would fail here.
    Error,
}

impl Severity {
    /// The kebab-case id used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Info => "info",
            Self::Warning => "warning",
        }
    }
}

/// The stable identity of a finding. Order here is the rank: the first code present in an
/// endpoint's findings is its headline (most specific first, as in webpki's `Error::rank`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum FindingCode {
    /// The proxy answered 407: authenticated proxies are not supported by the Sync client.
    ProxyAuthRequired,
    /// The proxy refused the CONNECT or broke the tunnel.
    ProxyFailed,
    /// The name did not resolve.
    DnsFailed,
    /// TCP refused, unreachable or timed out.
    ConnectFailed,
    /// The chain was minted by an interception proxy.
    Interception,
    /// The local clock disagrees with independent time evidence.
    ClockSkew,
    /// A certificate is revoked.
    Revoked,
    /// The TLS handshake failed.
    TlsFailed,
    /// A certificate could not be parsed.
    MalformedCertificate,
    /// The leaf is self-signed.
    SelfSigned,
    /// A certificate is past its `notAfter`.
    Expired,
    /// A certificate is before its `notBefore`.
    NotYetValid,
    /// No SAN matches the host.
    NameMismatch,
    /// A needed intermediate was not sent.
    IncompleteChain,
    /// The chain breaks a path-validation rule (RFC 5280 §6.1): an intermediate that is not a
    /// CA, a path-length or name constraint, a signature that does not verify, validity windows
    /// that never overlap, or a path too costly to build.
    InvalidChain,
    /// The chain does not lead to a trusted anchor.
    UntrustedRoot,
    /// No revocation answer could be had or verified.
    RevocationUnavailable,
    /// The chain validates only through a root of the system store that is not in Mozilla's set.
    LocallyTrustedRoot,
    /// A profile endpoint's chain does not end at an expected root.
    UnexpectedIssuer,
    /// The leaf's EKU lacks serverAuth.
    WrongUsage,
    /// A SHA-1 or MD5 signature.
    WeakSignature,
    /// An RSA key under 2048 bits, a curve under P-256, or DSA.
    WeakKey,
    /// A trusted root's private key is public: anyone can mint certificates this machine trusts.
    LeakedKeyRoot,
    /// A trusted root that browsers removed or restricted for cause.
    DistrustedRoot,
    /// A root Google's endpoints chain to is missing, expired or disallowed in this store.
    MissingGoogleRoot,
    /// A trusted root of a known inspection product.
    InterceptionRoot,
    /// A leaked-key, distrusted or inspection root removed from some stores of this machine is
    /// still trusted by another (`trust --discover`).
    RemovedRootStillTrusted,
    /// An inspection or organisation root trusted by some stores of this machine is missing
    /// from another: the programs that use it fail through the proxy (`trust --discover`).
    RootMissingFromStore,
    /// A trusted root past its notAfter.
    ExpiredRoot,
    /// A trusted root before its notBefore.
    NotYetValidRoot,
    /// A trusted "root" that is not a CA certificate.
    NotACa,
    /// The same root more than once in one store.
    DuplicateRoot,
    /// A trusted root outside the baseline (Mozilla's set by default).
    NotInBaseline,
    /// A certificate breaks an encoding rule of RFC 5280 or the CA/Browser Forum Baseline
    /// Requirements that validators do not enforce (a warning).
    NonconformingCertificate,
}

impl FindingCode {
    /// Every code, in rank order.
    pub const ALL: [Self; 34] = [
        Self::ProxyAuthRequired,
        Self::ProxyFailed,
        Self::DnsFailed,
        Self::ConnectFailed,
        Self::Interception,
        Self::ClockSkew,
        Self::Revoked,
        Self::TlsFailed,
        Self::MalformedCertificate,
        Self::SelfSigned,
        Self::Expired,
        Self::NotYetValid,
        Self::NameMismatch,
        Self::IncompleteChain,
        Self::InvalidChain,
        Self::UntrustedRoot,
        Self::RevocationUnavailable,
        Self::LocallyTrustedRoot,
        Self::UnexpectedIssuer,
        Self::WrongUsage,
        Self::WeakSignature,
        Self::WeakKey,
        Self::LeakedKeyRoot,
        Self::DistrustedRoot,
        Self::MissingGoogleRoot,
        Self::InterceptionRoot,
        Self::RemovedRootStillTrusted,
        Self::RootMissingFromStore,
        Self::ExpiredRoot,
        Self::NotYetValidRoot,
        Self::NotACa,
        Self::DuplicateRoot,
        Self::NotInBaseline,
        Self::NonconformingCertificate,
    ];

    /// The stable kebab-case id.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClockSkew => "clock-skew",
            Self::ConnectFailed => "connect-failed",
            Self::Interception => "interception",
            Self::RevocationUnavailable => "revocation-unavailable",
            Self::Revoked => "revoked",
            Self::DnsFailed => "dns-failed",
            Self::DistrustedRoot => "distrusted-root",
            Self::DuplicateRoot => "duplicate-root",
            Self::ExpiredRoot => "expired-root",
            Self::InterceptionRoot => "interception-root",
            Self::LeakedKeyRoot => "leaked-key-root",
            Self::MissingGoogleRoot => "missing-google-root",
            Self::NotACa => "not-a-ca",
            Self::NotInBaseline => "not-in-baseline",
            Self::RemovedRootStillTrusted => "removed-root-still-trusted",
            Self::RootMissingFromStore => "root-missing-from-store",
            Self::NotYetValidRoot => "not-yet-valid-root",
            Self::Expired => "expired",
            Self::IncompleteChain => "incomplete-chain",
            Self::InvalidChain => "invalid-chain",
            Self::LocallyTrustedRoot => "locally-trusted-root",
            Self::MalformedCertificate => "malformed-certificate",
            Self::NameMismatch => "name-mismatch",
            Self::NonconformingCertificate => "nonconforming-certificate",
            Self::NotYetValid => "not-yet-valid",
            Self::ProxyAuthRequired => "proxy-auth-required",
            Self::ProxyFailed => "proxy-failed",
            Self::SelfSigned => "self-signed",
            Self::TlsFailed => "tls-failed",
            Self::UnexpectedIssuer => "unexpected-issuer",
            Self::UntrustedRoot => "untrusted-root",
            Self::WeakKey => "weak-key",
            Self::WeakSignature => "weak-signature",
            Self::WrongUsage => "wrong-usage",
        }
    }

    /// The code with this kebab-case id.
    pub(crate) fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|code| code.as_str() == id)
    }

    /// The WinHTTP flag or error the Sync client would log for the same cause.
    pub fn winhttp_flag(self) -> Option<&'static str> {
        Some(match self {
            Self::ClockSkew | Self::Expired | Self::NotYetValid => {
                "WINHTTP_CALLBACK_STATUS_FLAG_CERT_DATE_INVALID"
            }
            Self::ConnectFailed => "ERROR_WINHTTP_CANNOT_CONNECT",
            Self::Interception => "WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA",
            Self::RevocationUnavailable => "WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED",
            Self::Revoked => "WINHTTP_CALLBACK_STATUS_FLAG_CERT_REVOKED",
            Self::DnsFailed => "ERROR_WINHTTP_NAME_NOT_RESOLVED",
            Self::IncompleteChain | Self::SelfSigned | Self::UntrustedRoot => {
                "WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA"
            }
            Self::InvalidChain
            | Self::MalformedCertificate
            | Self::WeakKey
            | Self::WeakSignature => "WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CERT",
            Self::NameMismatch => "WINHTTP_CALLBACK_STATUS_FLAG_CERT_CN_INVALID",
            Self::TlsFailed => "WINHTTP_CALLBACK_STATUS_FLAG_SECURITY_CHANNEL_ERROR",
            Self::WrongUsage => "WINHTTP_CALLBACK_STATUS_FLAG_CERT_WRONG_USAGE",
            Self::DistrustedRoot
            | Self::DuplicateRoot
            | Self::ExpiredRoot
            | Self::InterceptionRoot
            | Self::LeakedKeyRoot
            | Self::MissingGoogleRoot
            | Self::NotACa
            | Self::NotInBaseline
            | Self::RemovedRootStillTrusted
            | Self::RootMissingFromStore
            | Self::NotYetValidRoot
            | Self::LocallyTrustedRoot
            | Self::NonconformingCertificate
            | Self::ProxyAuthRequired
            | Self::ProxyFailed
            | Self::UnexpectedIssuer => return None,
        })
    }

    /// What an administrator can do, naming the step of Google's troubleshooting article.
    pub fn advice(self) -> &'static str {
        match self {
            Self::ClockSkew => {
                "Set the machine's date, time and time zone right (enable automatic time \
                 synchronisation); certificates and revocation data are judged against it."
            }
            Self::Interception => {
                "An HTTPS-inspecting proxy or security product re-signs this traffic: exempt \
                 Google's URLs from SSL inspection, or remove the product's interception \
                 (article Step 2)."
            }
            Self::RevocationUnavailable => {
                "Open port 80 to crl.pki.goog, crls.pki.goog, ocsp.pki.goog, c.pki.goog and \
                 o.pki.goog so revocation can be checked (article Step 1)."
            }
            Self::Revoked => {
                "The certificate was revoked by its issuer: the server must replace it."
            }
            Self::ConnectFailed => {
                "Open the port in the firewall for Outlook.exe and ProfileEditor.exe (article Step 1)."
            }
            Self::DnsFailed => {
                "Check DNS and that the firewall allows the Google URLs (article Steps 1 and 2)."
            }
            Self::Expired | Self::NotYetValid => {
                "Check the machine's date and time first; if it is right, the server's certificate \
                 is out of date."
            }
            Self::IncompleteChain => {
                "The server must send its intermediate certificates; a client without them cannot \
                 build the chain."
            }
            Self::LocallyTrustedRoot => {
                "A root installed on this machine (often by an SSL-inspection product) vouches for \
                 this chain; find out who installed it."
            }
            Self::InvalidChain => {
                "The chain breaks a rule of certificate path validation, so clients refuse it \
                 whatever its root: the server (or the inspection product that built the chain) \
                 must present a valid chain."
            }
            Self::MalformedCertificate => {
                "The certificate cannot be read the way validators read it: its issuer must \
                 reissue it."
            }
            Self::NonconformingCertificate => {
                "The certificate breaks an encoding rule that today's validators do not enforce; \
                 stricter clients may refuse it, and its issuer should fix it."
            }
            Self::NameMismatch => {
                "The certificate is for another name: something between this machine and the \
                 service answers in its place (proxy, captive portal, wrong DNS)."
            }
            Self::ProxyAuthRequired => {
                "The Sync client does not support authenticated proxies: let it through without \
                 authentication (article Step 3)."
            }
            Self::ProxyFailed => "The proxy does not let this connection through (article Step 3).",
            Self::SelfSigned | Self::UntrustedRoot | Self::UnexpectedIssuer => {
                "Google did not issue this chain: an HTTPS-inspecting proxy or a wrong server \
                 answered. Exempt Google's URLs from SSL inspection (article Step 2)."
            }
            Self::TlsFailed => {
                "The secure connection could not be set up: check for a proxy or firewall that \
                 inspects or blocks TLS (article Steps 1 to 3)."
            }
            Self::WeakKey | Self::WeakSignature => {
                "The certificate uses obsolete cryptography that current clients reject."
            }
            Self::WrongUsage => "The certificate is not meant for TLS servers.",
            Self::LeakedKeyRoot => {
                "Remove this root from every store of this machine now (and from the images it \
                 was deployed from): its private key is public, so anyone can impersonate any site \
                 to this machine."
            }
            Self::DistrustedRoot => {
                "Remove this root: browsers no longer trust it, and clients that rely on this \
                 store still do."
            }
            Self::MissingGoogleRoot => {
                "Add Google's roots (https://pki.goog/roots.pem) to this store: on Windows let \
                 automatic root updates run or import them with `certutil -addstore Root FILE`; on \
                 Linux update the ca-certificates package, or copy the root into \
                 /usr/local/share/ca-certificates/ and run update-ca-certificates."
            }
            Self::InterceptionRoot => {
                "Expected only where a company SSL-inspection proxy of this product is in use (its \
                 IT installs the root); otherwise remove it, and exempt Google's URLs from \
                 inspection for the Sync client (article Step 2)."
            }
            Self::ExpiredRoot | Self::NotYetValidRoot => {
                "Remove or replace the root: chains that end at it fail (Windows, OpenSSL)."
            }
            Self::NotACa => {
                "A certificate that is not a CA is no root: remove it from the trust store (a \
                 server's certificate trusted this way is an exception someone added)."
            }
            Self::DuplicateRoot => "Harmless, but the store was assembled carelessly.",
            Self::NotInBaseline => {
                "Someone added this root to this machine: check who and why (company CA, \
                 inspection product, software that installs its own root)."
            }
            Self::RemovedRootStillTrusted => {
                "Remove the root from every store that still trusts it (the commands are listed \
                 per store): a clean-up that misses one runtime leaves its programs exposed."
            }
            Self::RootMissingFromStore => {
                "Import the root into the store that lacks it (the commands are listed per \
                 store), or point its programs at the system store; else they fail behind the \
                 proxy while browsers work."
            }
        }
    }
}

impl fmt::Display for FindingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a TCP connection failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ConnectFailure {
    /// Something else (the detail says what).
    Other,
    /// The peer answered with a reset.
    Refused,
    /// The peer accepted the connection, then reset it.
    Reset,
    /// No answer within the timeout.
    TimedOut,
    /// No route to the address.
    Unreachable,
    /// This machine could not open a socket: out of file descriptors or buffers (a local
    /// limit, not the network).
    LocalLimit,
}

impl fmt::Display for ConnectFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Other => "failed",
            Self::Refused => "refused",
            Self::Reset => "accepted, then reset",
            Self::TimedOut => "timed out",
            Self::Unreachable => "unreachable",
            Self::LocalLimit => "not opened: this machine ran out of sockets",
        })
    }
}

/// The facts behind a finding. Times are RFC 3339 UTC strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Evidence {
    /// An anchor outside Mozilla's set made the chain valid.
    Anchor {
        /// The anchor's subject.
        subject: String,
        /// SHA-256 of its SubjectPublicKeyInfo, hex.
        spki_sha256: String,
        /// The stores it is in, when the platform names them (Windows: `Windows
        /// LocalMachine\Root`, `Windows CurrentUser Group Policy\Root`, …).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        locations: Vec<String>,
    },
    /// The local clock compared with a certificate window a genuine server would not present
    /// that far out of date (trace logs), or with server time.
    ClockSkew {
        /// What the local clock read.
        local_time: String,
        /// notBefore of the certificate.
        not_before: String,
        /// notAfter of the certificate.
        not_after: String,
        /// `ahead` or `behind`.
        direction: String,
        /// The smallest offset consistent with the evidence, seconds.
        min_offset_seconds: i64,
        /// The largest offset consistent with the evidence, seconds.
        max_offset_seconds: i64,
        /// Where the evidence is (`file:line`).
        citations: Vec<String>,
    },
    /// The local clock compared with server time samples.
    ClockOffset {
        /// What the local clock (or `--at`) read.
        local_time: String,
        /// Local minus server time, seconds (positive: ahead).
        offset_seconds: i64,
        /// `ahead` or `behind`.
        direction: String,
        /// How far the estimate may be off, seconds.
        uncertainty_seconds: i64,
        /// The samples, with whether each is authenticated (at most 32 listed).
        samples: Vec<crate::clock::sample::TimeSample>,
        /// How many samples there were.
        samples_total: usize,
    },
    /// Rules of RFC 5280 or the CA/Browser Forum Baseline Requirements a certificate breaks.
    Conformance {
        /// Each rule broken, with its source.
        rules: Vec<String>,
    },
    /// A root of a trust store, where it was found, and the table entry that judged it.
    StoreRoot {
        /// Its subject.
        subject: String,
        /// SHA-256 of its SubjectPublicKeyInfo, hex.
        spki_sha256: String,
        /// SHA-1 of the certificate, hex (the thumbprint Windows shows).
        sha1: String,
        /// Where it was found.
        locations: Vec<String>,
        /// What the table or rule says, with its source.
        detail: String,
    },
    /// Connecting to an address failed.
    Connect {
        /// `ip:port` tried.
        address: String,
        /// What happened.
        failure: ConnectFailure,
        /// The system's words.
        detail: String,
        /// The address is the proxy's.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        proxy: bool,
        /// The system setting that chose that proxy (Windows: `user settings`, `PAC …`).
        #[serde(skip_serializing_if = "Option::is_none")]
        chosen_by: Option<String>,
    },
    /// A name did not resolve.
    Dns {
        /// The name.
        host: String,
        /// The resolver's words.
        detail: String,
    },
    /// A signature or key uses weak cryptography.
    Crypto {
        /// The algorithm (e.g. `sha1WithRSAEncryption`, `RSA 1024`).
        algorithm: String,
    },
    /// Signs of an interception proxy.
    Interception {
        /// The product, when a name identifies one.
        product: Option<String>,
        /// The name keyword that identified it.
        keyword: Option<String>,
        /// How sure the verdict is: `high`, `medium` or `low`.
        confidence: String,
        /// Each signal, in words.
        signals: Vec<String>,
        /// Where the evidence is (`file:line`), for logs.
        citations: Vec<String>,
    },
    /// An issuer was not presented.
    MissingIssuer {
        /// The issuer DN named by the certificate.
        issuer: String,
        /// AIA caIssuers URLs offered by the certificate.
        aia_urls: Vec<String>,
        /// The certificate fetched from the AIA URL, if any.
        fetched_subject: Option<String>,
        /// Why the AIA fetch did not help, if it did not.
        fetch_error: Option<String>,
    },
    /// The name check.
    Names {
        /// The host asked for.
        expected: String,
        /// The names the certificate carries (SAN DNS and IP entries).
        presented: Vec<String>,
    },
    /// The chain's path could not be built; webpki's reason.
    Path {
        /// The subject of the topmost certificate presented.
        top_subject: String,
        /// The top certificate's issuer.
        top_issuer: String,
        /// The validator's reason.
        detail: String,
    },
    /// The pins were not met.
    Pins {
        /// SPKI SHA-256 of the chain (presented certificates and the anchor), hex.
        presented: Vec<String>,
        /// How many pins were expected.
        expected_count: usize,
    },
    /// A proxy refused the tunnel.
    Proxy {
        /// The proxy `host:port`.
        proxy: String,
        /// The status line, if the proxy sent one.
        status_line: Option<String>,
        /// `Proxy-Authenticate` schemes (407 only).
        schemes: Vec<String>,
        /// The system setting that chose the proxy (Windows: `user settings`, `PAC …`).
        #[serde(skip_serializing_if = "Option::is_none")]
        chosen_by: Option<String>,
    },
    /// A TLS handshake failed.
    Tls {
        /// What rustls or the socket said.
        detail: String,
    },
    /// What revocation data said.
    Revocation {
        /// The certificate's position in the presented chain (0 = leaf).
        certificate: usize,
        /// Every source's answer about it, with its facts.
        sources: Vec<revocation::SourceResult>,
    },
    /// Facts read from trace-log lines.
    Trace {
        /// What the lines say (decoded flags, codes, hosts).
        detail: String,
        /// Where (`file:line`).
        citations: Vec<String>,
    },
    /// The EKU list of the leaf.
    Usage {
        /// The EKUs present.
        present: Vec<String>,
    },
    /// A validity window compared with the evaluation instant.
    Validity {
        /// The instant the chain was judged at.
        at: String,
        /// notBefore.
        not_before: String,
        /// notAfter.
        not_after: String,
    },
}

/// One observed problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Finding {
    /// Stable id.
    pub code: FindingCode,
    /// How bad.
    pub severity: Severity,
    /// One sentence for people.
    pub message: String,
    /// Index in the presented chain (0 = leaf), when one certificate is concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cert_index: Option<usize>,
    /// The WinHTTP flag the Sync client would log for the same cause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub winhttp_flag: Option<&'static str>,
    /// The finding that explains this one (e.g. `expired` because of `clock-skew`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consequence_of: Option<FindingCode>,
    /// The facts.
    pub evidence: Evidence,
}

impl Finding {
    /// What an administrator can do: the code's advice, except for a revocation check whose
    /// servers were reached but gave no usable answer (opening port 80 would not help then).
    pub fn advice(&self) -> &'static str {
        if let Evidence::Revocation { sources, .. } = &self.evidence
            && self.code == FindingCode::RevocationUnavailable
            && !sources.is_empty()
            && sources.iter().all(|source| !source.failed_on_the_network())
        {
            return "The revocation servers were reached but gave no usable answer (each \
                    source's reason is listed): if it persists, the issuer's CRL or OCSP service \
                    is at fault, or something on the path alters its answers.";
        }
        if let Evidence::Connect {
            failure: ConnectFailure::LocalLimit,
            ..
        } = &self.evidence
        {
            return "Nothing on the network is at fault: this machine ran out of file \
                    descriptors or socket buffers. Lower --concurrency, or raise the limit \
                    (`ulimit -n`), and check again.";
        }
        if self.code == FindingCode::DistrustedRoot && self.severity < Severity::Error {
            return "Browsers distrust what this root issued after the cut-off date; remove it \
                    once the certificates it issued before then have expired.";
        }
        self.code.advice()
    }

    /// A finding with the code's default WinHTTP flag.
    pub fn new(code: FindingCode, severity: Severity, message: String, evidence: Evidence) -> Self {
        Self {
            code,
            severity,
            message,
            cert_index: None,
            winhttp_flag: code.winhttp_flag(),
            consequence_of: None,
            evidence,
        }
    }

    /// The same finding, about the certificate at `index` in the presented chain.
    pub(crate) fn at_cert(mut self, index: usize) -> Self {
        self.cert_index = Some(index);
        self
    }
}

/// The most specific finding: highest severity first, then rank order of [`FindingCode`].
pub fn headline(findings: &[Finding]) -> Option<&Finding> {
    findings
        .iter()
        .min_by_key(|finding| precedence(finding.severity, finding.code))
}

/// The order [`headline`] picks by: the smallest key leads.
pub(crate) fn precedence(
    severity: Severity,
    code: FindingCode,
) -> (std::cmp::Reverse<Severity>, FindingCode) {
    (std::cmp::Reverse(severity), code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_serde_agrees() {
        let mut seen = std::collections::HashSet::new();
        for code in FindingCode::ALL {
            assert!(seen.insert(code.as_str()));
            assert!(
                code.as_str()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-')
            );
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
    }

    #[test]
    fn rank_order_matches_all() {
        let mut sorted = FindingCode::ALL;
        sorted.sort();
        assert_eq!(sorted, FindingCode::ALL);
    }

    #[test]
    fn headline_prefers_errors_then_rank() {
        let finding = |code, severity| {
            Finding::new(
                code,
                severity,
                String::new(),
                Evidence::Tls {
                    detail: String::new(),
                },
            )
        };
        let findings = [
            finding(FindingCode::WeakKey, Severity::Error),
            finding(FindingCode::LocallyTrustedRoot, Severity::Warning),
            finding(FindingCode::Expired, Severity::Error),
        ];
        assert_eq!(headline(&findings).unwrap().code, FindingCode::Expired);
        assert_eq!(
            headline(&findings[1..2]).unwrap().code,
            FindingCode::LocallyTrustedRoot
        );
        assert!(headline(&[]).is_none());
    }
}
