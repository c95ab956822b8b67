//! The lab's named scenarios and what a correct inspector must say about each.

use crate::finding::FindingCode;

/// The Google host every lab server poses as.
pub const LAB_HOST: &str = "www.googleapis.com";

/// One TLS server configuration of the lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Scenario {
    /// Leaf and intermediate from the lab root: nothing to report.
    Good,
    /// The leaf ended in 2021.
    Expired,
    /// The leaf starts in 2035.
    NotYetValid,
    /// The leaf is for another name.
    WrongHost,
    /// The leaf signs itself.
    SelfSigned,
    /// A full chain to a root nobody trusts.
    UntrustedRoot,
    /// Only the leaf is sent; its AIA URL (served by the lab) has the intermediate.
    IncompleteChain,
    /// The leaf is listed on the CRL its distribution point names (served by the lab).
    RevokedByCrl,
    /// The lab's OCSP responder says the leaf is revoked.
    RevokedByOcsp,
    /// The responder does not know the leaf (`unknown`); its CRL, fresh, does not list it.
    OcspUnknown,
    /// The leaf's revocation hosts (c.pki.goog, o.pki.goog) refuse connections on port 80.
    RevocationUnreachable,
    /// The server staples a good OCSP response.
    StapledOcspGood,
    /// The server staples a response saying its leaf is revoked.
    StapledOcspRevoked,
    /// The responder's answer has a corrupted signature.
    OcspBadSignature,
    /// The leaf's CRL is stale (nextUpdate in 2021).
    StaleCrl,
    /// The intermediate is revoked by the root's CRL (found with `--revocation-depth chain`).
    RevokedIntermediate,
    /// Through the Fiddler-like proxy, whose root is not trusted (the article's INVALID_CA case).
    FiddlerUntrusted,
    /// Through the Fiddler-like proxy, with its root added to the anchors (a user installed it).
    FiddlerTrusted,
    /// Through a proxy that answers 407.
    ProxyAuth407,
    /// The article's first case: the local clock years ahead (`--at`), two servers' Date agree.
    ClockAhead,
    /// The local clock years behind.
    ClockBehind,
    /// The local clock years ahead, seen from one endpoint: its stapled OCSP response, signed
    /// by the validated PKI, and its Date header put the time years earlier.
    ClockAheadSigned,
}

impl Scenario {
    /// Every scenario, in display order.
    pub const ALL: [Self; 22] = [
        Self::Good,
        Self::Expired,
        Self::NotYetValid,
        Self::WrongHost,
        Self::SelfSigned,
        Self::UntrustedRoot,
        Self::IncompleteChain,
        Self::RevokedByCrl,
        Self::RevokedByOcsp,
        Self::OcspUnknown,
        Self::RevocationUnreachable,
        Self::StapledOcspGood,
        Self::StapledOcspRevoked,
        Self::OcspBadSignature,
        Self::StaleCrl,
        Self::RevokedIntermediate,
        Self::FiddlerUntrusted,
        Self::FiddlerTrusted,
        Self::ProxyAuth407,
        Self::ClockAhead,
        Self::ClockBehind,
        Self::ClockAheadSigned,
    ];

    /// Whether the scenario has a TLS server (and certificates) of its own; the others go
    /// through a proxy to the `good` server, or (clock-ahead-signed) ask stapled-ocsp-good's.
    pub(crate) fn has_own_server(self) -> bool {
        !matches!(
            self,
            Self::FiddlerUntrusted
                | Self::FiddlerTrusted
                | Self::ProxyAuth407
                | Self::ClockAhead
                | Self::ClockBehind
                | Self::ClockAheadSigned
        )
    }

    /// The scenarios with a TLS server of their own, in display order.
    pub fn servers() -> impl Iterator<Item = Self> {
        Self::ALL
            .into_iter()
            .filter(|scenario| scenario.has_own_server())
    }

    /// Whether the scenario is about revocation (its leaf names lab revocation servers).
    pub fn is_revocation(self) -> bool {
        matches!(
            self,
            Self::RevokedByCrl
                | Self::RevokedByOcsp
                | Self::OcspUnknown
                | Self::RevocationUnreachable
                | Self::StapledOcspGood
                | Self::StapledOcspRevoked
                | Self::OcspBadSignature
                | Self::StaleCrl
                | Self::RevokedIntermediate
        )
    }

    /// The scenario's name (`lab`, `demo`).
    pub fn name(self) -> &'static str {
        match self {
            Self::ClockAhead => "clock-ahead",
            Self::ClockAheadSigned => "clock-ahead-signed",
            Self::ClockBehind => "clock-behind",
            Self::Expired => "expired",
            Self::FiddlerTrusted => "fiddler-trusted",
            Self::FiddlerUntrusted => "fiddler-untrusted",
            Self::Good => "good",
            Self::IncompleteChain => "incomplete-chain",
            Self::NotYetValid => "not-yet-valid",
            Self::ProxyAuth407 => "proxy-auth-407",
            Self::OcspBadSignature => "ocsp-bad-signature",
            Self::OcspUnknown => "ocsp-unknown",
            Self::RevocationUnreachable => "revocation-unreachable",
            Self::RevokedByCrl => "revoked-by-crl",
            Self::RevokedByOcsp => "revoked-by-ocsp",
            Self::RevokedIntermediate => "revoked-intermediate",
            Self::StapledOcspGood => "stapled-ocsp-good",
            Self::StapledOcspRevoked => "stapled-ocsp-revoked",
            Self::StaleCrl => "stale-crl",
            Self::SelfSigned => "self-signed",
            Self::UntrustedRoot => "untrusted-root",
            Self::WrongHost => "wrong-host",
        }
    }

    /// The folder under `testcerts/` (STYLE.md names).
    pub(crate) fn testcerts_dir(self) -> &'static str {
        match self {
            Self::Good => "valid",
            Self::IncompleteChain => "missing-intermediate",
            other => other.name(),
        }
    }

    /// How wrong the simulated local clock is (`--at` = now + this), for the clock scenarios.
    pub fn clock_offset(self) -> Option<time::Duration> {
        // 4 years 9 months, as in the article's example (365-day years, 30-day months).
        let days = 4 * 365 + 9 * 30;
        match self {
            Self::ClockAhead | Self::ClockAheadSigned => Some(time::Duration::days(days)),
            Self::ClockBehind => Some(time::Duration::days(-days)),
            _ => None,
        }
    }

    /// The headline finding a correct check reports (none: a clean endpoint).
    pub fn expected(self) -> Option<FindingCode> {
        match self {
            Self::ClockAhead | Self::ClockBehind | Self::ClockAheadSigned => {
                Some(FindingCode::ClockSkew)
            }
            Self::Expired => Some(FindingCode::Expired),
            Self::FiddlerTrusted | Self::FiddlerUntrusted => Some(FindingCode::Interception),
            Self::Good => None,
            Self::IncompleteChain => Some(FindingCode::IncompleteChain),
            Self::NotYetValid => Some(FindingCode::NotYetValid),
            Self::ProxyAuth407 => Some(FindingCode::ProxyAuthRequired),
            Self::RevokedByCrl
            | Self::RevokedByOcsp
            | Self::StapledOcspRevoked
            | Self::RevokedIntermediate => Some(FindingCode::Revoked),
            Self::OcspUnknown
            | Self::RevocationUnreachable
            | Self::OcspBadSignature
            | Self::StaleCrl => Some(FindingCode::RevocationUnavailable),
            Self::StapledOcspGood => None,
            Self::SelfSigned => Some(FindingCode::SelfSigned),
            Self::UntrustedRoot => Some(FindingCode::UntrustedRoot),
            Self::WrongHost => Some(FindingCode::NameMismatch),
        }
    }
}
