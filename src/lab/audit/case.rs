//! The audit cases: one origin server each, named after badssl.com's hosts where one exists.

/// The domain every audit case lives under (the audit root is name-constrained to it).
pub const AUDIT_DOMAIN: &str = "audit.tlsinspect.test";

/// An audit domain as `--domain` names it, lowercased: a DNS name strictly below its
/// registrable domain (`audit.example.com`, not `example.com` or `com`), since the audit root is
/// constrained to it and its key lives on disk — a leaked key must not vouch for an
/// organisation's real names.
pub fn parse_domain(text: &str) -> Result<String, String> {
    let name = text.trim_end_matches('.').to_ascii_lowercase();
    let valid = matches!(
        name.parse::<crate::target::Host>(),
        Ok(crate::target::Host::Dns(_))
    ) && !name.contains('*');
    if !valid {
        return Err(format!("{text:?} is not a DNS name"));
    }
    // Room for the longest case name and a dot below it (253 characters in all).
    if name.len() + "unknown-critical-extension.".len() > 253 {
        return Err(format!("{text:?} is too long to name the cases under it"));
    }
    let registrable = psl::domain_str(&name)
        .ok_or_else(|| format!("{text:?} is a public suffix: name a subdomain of your own"))?;
    if registrable == name {
        return Err(format!(
            "{text:?} is a registrable domain: the audit root would be constrained to all of it; \
             name a subdomain used only for the audit (audit.{name})"
        ));
    }
    Ok(name)
}

/// What is wrong with an upstream, by kind: how a proxy that lets it through is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Flaw {
    /// Nothing: the proxy should let it through.
    None,
    /// The chain is invalid (RFC 5280 path validation fails).
    Invalid,
    /// The leaf is revoked; only a proxy that checks CRL or OCSP notices.
    Revoked,
    /// Signed with SHA-1.
    Sha1,
    /// Signed with MD5.
    Md5,
    /// An RSA key under 2048 bits.
    WeakKey,
    /// Only TLS 1.0 or TLS 1.1 (RFC 8996 deprecates both; no AEAD suites).
    OldProtocol,
    /// Only static RSA key exchange: no forward secrecy.
    NoForwardSecrecy,
    /// Only 3DES suites: 64-bit blocks (SWEET32).
    Sweet32,
    /// Finite-field DHE with a 1024-bit group (Logjam: within reach of precomputation).
    WeakDh,
    /// Finite-field DHE with a 512-bit group (Logjam: export strength, broken by anyone).
    ExportDh,
    /// The ServerKeyExchange signed with SHA-1 (SLOTH: transcript collisions).
    Sha1Handshake,
}

impl Flaw {
    /// Whether the flaw is in the handshake the origin offers rather than in its certificates:
    /// the cases served by OpenSSL's `s_server` (`weak`).
    pub fn is_weak_upstream(self) -> bool {
        matches!(
            self,
            Self::OldProtocol
                | Self::NoForwardSecrecy
                | Self::Sweet32
                | Self::WeakDh
                | Self::ExportDh
                | Self::Sha1Handshake
        )
    }
}

/// One audit case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum AuditCase {
    /// A valid chain from the audit root.
    Good,
    /// The leaf expired 30 days ago.
    Expired,
    /// The leaf starts in 30 days.
    NotYetValid,
    /// The leaf is for another name.
    WrongHost,
    /// The leaf signs itself.
    SelfSigned,
    /// A chain to a root the proxy does not trust.
    UntrustedRoot,
    /// A leaf naming the audit root as its issuer (name and key identifier) but signed by
    /// another key.
    ImpostorRoot,
    /// The leaf is on its issuer's CRL.
    RevokedCrl,
    /// The issuer's OCSP responder says the leaf is revoked.
    RevokedOcsp,
    /// The intermediate expired 30 days ago.
    ExpiredIntermediate,
    /// The leaf's issuer is not a CA (basicConstraints CA:FALSE).
    NoCaIntermediate,
    /// Two intermediates below a root-issued CA whose pathLenConstraint is 0.
    PathLen,
    /// The intermediate may only issue for another subtree.
    NameConstraints,
    /// The leaf's EKU is clientAuth only.
    ClientAuthEku,
    /// The leaf carries a critical extension nobody knows.
    UnknownCriticalExtension,
    /// The leaf is signed with SHA-1.
    Sha1,
    /// The leaf is signed with MD5.
    Md5,
    /// The leaf key is RSA-1024.
    Rsa1024,
    /// The origin speaks only TLS 1.0.
    Tls10,
    /// The origin speaks only TLS 1.1.
    Tls11,
    /// The origin offers only static RSA key exchange (TLS 1.2).
    StaticRsa,
    /// The origin offers only 3DES suites (TLS 1.2).
    TripleDes,
    /// The origin offers only DHE, with a 1024-bit group (RFC 2409's Oakley group 2).
    Dh1024,
    /// The origin offers only DHE, with a 512-bit group.
    Dh512,
    /// The origin signs its ServerKeyExchange with SHA-1 (TLS 1.2, ECDHE-RSA).
    Sha1Handshake,
}

impl AuditCase {
    /// Every case, in display order.
    pub const ALL: [Self; 25] = [
        Self::Good,
        Self::Expired,
        Self::NotYetValid,
        Self::WrongHost,
        Self::SelfSigned,
        Self::UntrustedRoot,
        Self::ImpostorRoot,
        Self::RevokedCrl,
        Self::RevokedOcsp,
        Self::ExpiredIntermediate,
        Self::NoCaIntermediate,
        Self::PathLen,
        Self::NameConstraints,
        Self::ClientAuthEku,
        Self::UnknownCriticalExtension,
        Self::Sha1,
        Self::Md5,
        Self::Rsa1024,
        Self::Tls10,
        Self::Tls11,
        Self::StaticRsa,
        Self::TripleDes,
        Self::Dh1024,
        Self::Dh512,
        Self::Sha1Handshake,
    ];

    /// The case's name (badssl.com's where it has one).
    pub fn name(self) -> &'static str {
        match self {
            Self::Good => "good",
            Self::Expired => "expired",
            Self::NotYetValid => "not-yet-valid",
            Self::WrongHost => "wrong-host",
            Self::SelfSigned => "self-signed",
            Self::UntrustedRoot => "untrusted-root",
            Self::ImpostorRoot => "impostor-root",
            Self::RevokedCrl => "revoked-crl",
            Self::RevokedOcsp => "revoked-ocsp",
            Self::ExpiredIntermediate => "expired-intermediate",
            Self::NoCaIntermediate => "no-ca-intermediate",
            Self::PathLen => "pathlen",
            Self::NameConstraints => "name-constraints",
            Self::ClientAuthEku => "client-auth-eku",
            Self::UnknownCriticalExtension => "unknown-critical-extension",
            Self::Sha1 => "sha1",
            Self::Md5 => "md5",
            Self::Rsa1024 => "rsa1024",
            Self::Tls10 => "tls-v1-0",
            Self::Tls11 => "tls-v1-1",
            Self::StaticRsa => "static-rsa",
            Self::TripleDes => "3des",
            Self::Dh1024 => "dh1024",
            Self::Dh512 => "dh512",
            Self::Sha1Handshake => "sha1-handshake",
        }
    }

    /// The case named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|case| case.name() == name)
    }

    /// The host name the case is asked for (the SNI) under the audit's `domain`.
    pub fn host(self, domain: &str) -> String {
        format!("{}.{domain}", self.name())
    }

    /// What is wrong with the upstream.
    pub(crate) fn flaw(self) -> Flaw {
        match self {
            Self::Good => Flaw::None,
            Self::RevokedCrl | Self::RevokedOcsp => Flaw::Revoked,
            Self::Sha1 => Flaw::Sha1,
            Self::Md5 => Flaw::Md5,
            Self::Rsa1024 => Flaw::WeakKey,
            Self::Tls10 | Self::Tls11 => Flaw::OldProtocol,
            Self::StaticRsa => Flaw::NoForwardSecrecy,
            Self::TripleDes => Flaw::Sweet32,
            Self::Dh1024 => Flaw::WeakDh,
            Self::Dh512 => Flaw::ExportDh,
            Self::Sha1Handshake => Flaw::Sha1Handshake,
            _ => Flaw::Invalid,
        }
    }

    /// What the upstream presents, in words.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::Good => "a valid chain from the audit root",
            Self::Expired => "a leaf that expired 30 days ago",
            Self::NotYetValid => "a leaf valid only from 30 days on",
            Self::WrongHost => "a leaf for other.audit.tlsinspect.test",
            Self::SelfSigned => "a self-signed leaf",
            Self::UntrustedRoot => "a chain to a root the proxy does not trust",
            Self::ImpostorRoot => "a leaf naming the audit root as issuer, signed by another key",
            Self::RevokedCrl => "a leaf listed on its issuer's CRL",
            Self::RevokedOcsp => "a leaf its issuer's OCSP responder calls revoked",
            Self::ExpiredIntermediate => "an intermediate that expired 30 days ago",
            Self::NoCaIntermediate => "a leaf issued by a certificate with CA:FALSE",
            Self::PathLen => "two intermediates below a CA with pathLenConstraint 0",
            Self::NameConstraints => {
                "an intermediate constrained to permitted.audit.tlsinspect.test"
            }
            Self::ClientAuthEku => "a leaf for clientAuth only (no serverAuth)",
            Self::UnknownCriticalExtension => "a leaf with an unknown critical extension",
            Self::Sha1 => "a leaf signed with SHA-1 (sha1WithRSAEncryption)",
            Self::Md5 => "a leaf signed with MD5 (md5WithRSAEncryption)",
            Self::Rsa1024 => "a leaf with a 1024-bit RSA key",
            Self::Tls10 => "a valid chain, over TLS 1.0 only",
            Self::Tls11 => "a valid chain, over TLS 1.1 only",
            Self::StaticRsa => "a valid chain, static RSA key exchange only (no forward secrecy)",
            Self::TripleDes => "a valid chain, 3DES suites only (SWEET32)",
            Self::Dh1024 => "a valid chain, DHE with a 1024-bit group only (Logjam)",
            Self::Dh512 => "a valid chain, DHE with a 512-bit group only (Logjam, export strength)",
            Self::Sha1Handshake => "a valid chain, the key exchange signed with SHA-1 (SLOTH)",
        }
    }

    /// What a safe proxy does with it.
    pub(crate) fn safe_behaviour(self) -> &'static str {
        match self.flaw() {
            Flaw::None => "let it through (forged by the proxy's trusted CA, or untouched)",
            Flaw::Revoked => "block it (check the CRL or OCSP responder) or signal it",
            flaw if flaw.is_weak_upstream() => {
                "refuse the handshake upstream (a modern client would), or show it to the client"
            }
            _ => "block it, or forge from a CA the client does not trust",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_domains_are_subdomains_of_a_registrable_domain() {
        assert_eq!(parse_domain(AUDIT_DOMAIN).unwrap(), AUDIT_DOMAIN);
        assert_eq!(
            parse_domain("Audit.Example.COM.").unwrap(),
            "audit.example.com"
        );
        for bad in [
            "com",
            "example.com",
            "co.uk",
            "example.co.uk",
            "*.example.com",
            "1.2.3.4",
            "a b",
        ] {
            assert!(parse_domain(bad).is_err(), "{bad}");
        }
        assert!(parse_domain(&format!("{}.example.com", "a".repeat(230))).is_err());
    }

    #[test]
    fn names_round_trip_and_hosts_stay_under_the_audit_domain() {
        for case in AuditCase::ALL {
            assert_eq!(AuditCase::from_name(case.name()), Some(case));
            assert!(case.host(AUDIT_DOMAIN).ends_with(".audit.tlsinspect.test"));
        }
        assert_eq!(AuditCase::from_name("nonsense"), None);
    }
}
