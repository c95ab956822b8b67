//! What a rustls-webpki error means, in words and as a finding code. Every error becomes a
//! finding — an error this table does not know too, under its own name — so a chain the
//! validator refused is never reported clean. Time errors and an unknown issuer are not here:
//! `validate` judges validity windows itself and explains a missing issuer with the chain.

use crate::finding::FindingCode;

/// Why the validator refused a certificate or a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rejection {
    /// The finding it becomes.
    pub(crate) code: FindingCode,
    /// What is wrong, in words.
    pub(crate) what: String,
    /// webpki's name for it.
    pub(crate) name: String,
}

/// The validator's name for an error, without its context fields.
pub(crate) fn error_name(error: &webpki::Error) -> String {
    let debug = format!("{error:?}");
    debug
        .split([' ', '(', '{'])
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// The validator's name for an error in words, for text (`MaximumSignatureChecksExceeded` ->
/// "maximum signature checks exceeded"; CRL, OCSP and DER kept as such).
pub(crate) fn error_words(error: &webpki::Error) -> String {
    let name = error_name(error);
    let mut words = String::with_capacity(name.len() + 8);
    let chars: Vec<char> = name.chars().collect();
    for (index, c) in chars.iter().enumerate() {
        let next_lower = chars.get(index + 1).is_some_and(char::is_ascii_lowercase);
        let previous_lower = index > 0 && chars[index - 1].is_ascii_lowercase();
        if index > 0 && c.is_ascii_uppercase() && (previous_lower || next_lower) {
            words.push(' ');
        }
        words.push(*c);
    }
    words
        .split(' ')
        .map(|word| match word {
            "Crl" => "CRL".to_owned(),
            "Der" => "DER".to_owned(),
            "Ocsp" => "OCSP".to_owned(),
            other => other.to_ascii_lowercase(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether the error is about time (judged separately, at the evaluation instant).
#[allow(deprecated)] // webpki still returns the context-less variants in some paths.
pub(crate) fn is_time_error(error: &webpki::Error) -> bool {
    matches!(
        error,
        webpki::Error::CertExpired { .. } | webpki::Error::CertNotValidYet { .. }
    )
}

/// The finding an error becomes.
#[allow(deprecated)] // webpki still returns the context-less variants in some paths.
pub(crate) fn describe(error: &webpki::Error) -> Rejection {
    use webpki::Error as E;
    let (code, what) = match error {
        E::BadDer => (
            FindingCode::MalformedCertificate,
            "its DER encoding is invalid",
        ),
        E::BadDerTime => (
            FindingCode::MalformedCertificate,
            "a time field is badly encoded",
        ),
        E::TrailingData(_) => (
            FindingCode::MalformedCertificate,
            "data follows the end of one of its structures",
        ),
        E::UnsupportedCertVersion => (
            FindingCode::MalformedCertificate,
            "it is not an X.509 version 3 certificate",
        ),
        E::UnsupportedCriticalExtension => (
            FindingCode::MalformedCertificate,
            "it has an extension marked critical that validators do not know (RFC 5280 §4.2 \
             says to reject it)",
        ),
        E::ExtensionValueInvalid => (
            FindingCode::MalformedCertificate,
            "an extension's value is invalid, or an extension appears twice",
        ),
        E::MalformedExtensions => (
            FindingCode::MalformedCertificate,
            "its extensions are malformed",
        ),
        E::SignatureAlgorithmMismatch => (
            FindingCode::MalformedCertificate,
            "the signature algorithm outside the signed part differs from the one inside it \
             (RFC 5280 §4.1.1.2)",
        ),
        E::EmptyEkuExtension => (
            FindingCode::MalformedCertificate,
            "its extended key usage extension is empty",
        ),
        E::InvalidSerialNumber => (
            FindingCode::MalformedCertificate,
            "its serial number is invalid",
        ),
        E::InvalidCertValidity => (
            FindingCode::MalformedCertificate,
            "its notBefore is after its notAfter",
        ),
        E::MalformedDnsIdentifier => (
            FindingCode::MalformedCertificate,
            "a DNS name in it is malformed",
        ),
        E::MalformedNameConstraint | E::InvalidNetworkMaskConstraint => (
            FindingCode::MalformedCertificate,
            "a name constraint in it is malformed",
        ),
        E::CaUsedAsEndEntity => (
            FindingCode::WrongUsage,
            "the server's certificate is a CA certificate (basicConstraints CA:TRUE), which \
             clients refuse as a server's certificate",
        ),
        E::RequiredEkuNotFound | E::RequiredEkuNotFoundContext(_) => (
            FindingCode::WrongUsage,
            "a certificate of the chain does not allow serverAuth in its extended key usage",
        ),
        E::EndEntityUsedAsCa => (
            FindingCode::InvalidChain,
            "a certificate that is not a CA (no basicConstraints CA:TRUE) issued another one",
        ),
        E::PathLenConstraintViolated => (
            FindingCode::InvalidChain,
            "the chain is longer than an issuer's path length constraint allows",
        ),
        E::NameConstraintViolation => (
            FindingCode::InvalidChain,
            "a name in the chain lies outside an issuer's name constraints",
        ),
        E::UnsupportedNameType => (
            FindingCode::InvalidChain,
            "a name constraint uses a name type validators do not support",
        ),
        E::InvalidSignatureForPublicKey => (
            FindingCode::InvalidChain,
            "a signature does not verify with its issuer's key (forged or corrupted)",
        ),
        E::UnsupportedSignatureAlgorithm
        | E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKey
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => (
            FindingCode::InvalidChain,
            "a signature uses an algorithm (or key) validators do not accept",
        ),
        E::MaximumPathBuildCallsExceeded
        | E::MaximumSignatureChecksExceeded
        | E::MaximumPathDepthExceeded
        | E::MaximumNameConstraintComparisonsExceeded => (
            FindingCode::InvalidChain,
            "building the path was given up: the chain is too long or too costly to check (more \
             than 6 intermediates, or built to exhaust validators)",
        ),
        E::CertDistrusted => (
            FindingCode::UntrustedRoot,
            "a certificate of the chain is distrusted",
        ),
        E::CertNotValidForName(_) => (
            FindingCode::NameMismatch,
            "the certificate is not valid for the name asked for",
        ),
        E::CertRevoked => (FindingCode::Revoked, "a certificate is revoked"),
        E::UnknownIssuer => (
            FindingCode::UntrustedRoot,
            "the chain does not lead to a trusted root",
        ),
        _ => {
            let what = format!(
                "{} (a reason this version does not describe)",
                error_words(error)
            );
            return Rejection {
                code: FindingCode::InvalidChain,
                what,
                name: error_name(error),
            };
        }
    };
    Rejection {
        code,
        what: what.to_owned(),
        name: error_name(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_is_a_finding_with_its_name() {
        let cases = [
            (
                webpki::Error::UnsupportedCriticalExtension,
                FindingCode::MalformedCertificate,
            ),
            (webpki::Error::CaUsedAsEndEntity, FindingCode::WrongUsage),
            (
                webpki::Error::PathLenConstraintViolated,
                FindingCode::InvalidChain,
            ),
            (
                webpki::Error::MaximumSignatureChecksExceeded,
                FindingCode::InvalidChain,
            ),
            (
                webpki::Error::UnsupportedIndirectCrl,
                FindingCode::InvalidChain,
            ),
        ];
        for (error, code) in cases {
            let rejection = describe(&error);
            assert_eq!(rejection.code, code, "{error:?}");
            assert!(!rejection.what.is_empty());
            assert!(!rejection.name.contains(' '), "{}", rejection.name);
        }
        assert_eq!(
            error_name(&webpki::Error::TrailingData(webpki::DerTypeId::SignedData)),
            "TrailingData"
        );
    }

    #[test]
    fn names_read_as_words_in_text() {
        assert_eq!(
            error_words(&webpki::Error::MaximumSignatureChecksExceeded),
            "maximum signature checks exceeded"
        );
        assert_eq!(
            error_words(&webpki::Error::UnsupportedCrlVersion),
            "unsupported CRL version"
        );
        assert_eq!(error_words(&webpki::Error::BadDer), "bad DER");
    }
}
