//! What one revocation source said about one certificate — its kind, its answer, the facts of
//! the exchange — in the words reports and `revocation` evidence quote. The `revocation`
//! module asks and judges; this is only the vocabulary.

use serde::Serialize;
use time::OffsetDateTime;

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// A CRL (downloaded or from `--crl-file`).
    Crl,
    /// An OCSP response fetched from the responder (or from `--ocsp-response`).
    Ocsp,
    /// The OCSP response the server stapled to the handshake.
    StapledOcsp,
}

impl SourceKind {
    /// As written in reports.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::Crl => "CRL",
            Self::Ocsp => "OCSP",
            Self::StapledOcsp => "stapled OCSP",
        }
    }
}

/// Why a source gave no usable answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Unavailable {
    /// The host could not be resolved or reached.
    Unreachable,
    /// A step timed out.
    Timeout,
    /// The connection was refused.
    Refused,
    /// The answer is larger than the cap.
    TooLarge,
    /// The server answered with an HTTP error (or a page that is not revocation data).
    HttpError,
    /// The bytes are not a CRL / OCSP response.
    Malformed,
    /// The signature does not verify, or the signer is not authorised.
    BadSignature,
    /// Past its nextUpdate.
    Stale,
    /// Its thisUpdate is in the future.
    NotYetValid,
    /// The responder does not know the certificate.
    UnknownStatus,
    /// The responder answered tryLater, unauthorized, malformedRequest, internalError or
    /// sigRequired.
    ResponderError,
    /// The response echoes a different nonce.
    NonceMismatch,
    /// The answer is about other certificates (CertID, CRL issuer or scope).
    NotForThisCertificate,
    /// The issuer needed to check the answer is not known.
    NoIssuer,
    /// An algorithm this tool does not verify.
    Unsupported,
    /// This machine could not open a socket to ask (out of file descriptors): not the network.
    LocalLimit,
    /// A delta CRL of the issuer applies, which is not merged: the base CRL's answer may be out
    /// of date, so no "good" is read while it stands (like an OCSP "unknown").
    DeltaCrl,
    /// The CRL answers only for some revocation reasons (onlySomeReasons): good only when the
    /// CRLs that answered cover every reason together.
    SomeReasons,
}

impl Unavailable {
    /// Whether the cause is the network path (what the article's Step 1 is about).
    pub(crate) fn is_network(self) -> bool {
        matches!(self, Self::Unreachable | Self::Timeout | Self::Refused)
    }
}

/// One source's answer about one certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Status {
    /// Not revoked, by a verified and fresh answer.
    Good,
    /// Revoked.
    Revoked {
        /// The reason code, if given.
        #[serde(rename = "revocation_reason")]
        reason: Option<String>,
        /// When.
        #[serde(with = "crate::clock::serde_time::option")]
        #[schemars(with = "Option<String>")]
        revoked_at: Option<OffsetDateTime>,
    },
    /// No usable answer; never read this as good.
    Unavailable {
        /// The kind of failure.
        reason: Unavailable,
        /// What exactly happened.
        detail: String,
    },
}

impl Status {
    /// An unavailable status.
    pub fn unavailable(reason: Unavailable, detail: impl Into<String>) -> Self {
        Self::Unavailable {
            reason,
            detail: detail.into(),
        }
    }
}

/// Whether the nonce we sent came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NonceState {
    /// We sent none (`--no-ocsp-nonce`, a staple, or a saved response).
    NotSent,
    /// The response carries it back.
    Echoed,
    /// The responder ignored it (allowed; a cached, pre-signed answer).
    Ignored,
}

impl NonceState {
    /// As written in reports.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::NotSent => "not sent",
            Self::Echoed => "echoed",
            Self::Ignored => "ignored by the responder",
        }
    }
}

/// The facts of one source, for the JSON report and for clock evidence.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct SourceFacts {
    /// Where it was fetched from (none for staples and files).
    pub url: Option<String>,
    /// `GET` or `POST`, for OCSP.
    pub method: Option<&'static str>,
    /// The HTTP status.
    pub http_status: Option<u16>,
    /// Size of the answer, bytes.
    pub bytes: Option<usize>,
    /// OCSP producedAt.
    #[serde(with = "crate::clock::serde_time::option")]
    #[schemars(with = "Option<String>")]
    pub produced_at: Option<OffsetDateTime>,
    /// thisUpdate (CRL or OCSP).
    #[serde(with = "crate::clock::serde_time::option")]
    #[schemars(with = "Option<String>")]
    pub this_update: Option<OffsetDateTime>,
    /// nextUpdate (CRL or OCSP).
    #[serde(with = "crate::clock::serde_time::option")]
    #[schemars(with = "Option<String>")]
    pub next_update: Option<OffsetDateTime>,
    /// Who signed: `issuer`, or `delegated responder <subject>`.
    pub responder: Option<String>,
    /// The OCSP nonce.
    pub nonce: Option<NonceState>,
    /// The signature algorithm that verified.
    pub signature_algorithm: Option<&'static str>,
    /// The signature verified with the issuer's key (or its delegated responder's): the times
    /// above come from the validated PKI, not from whoever is on the path.
    pub authenticated: bool,
    /// A CRL that answers only for some revocation reasons: which (RFC 5280 names).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasons: Option<Vec<String>>,
}

/// One source's result for one certificate of the path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct SourceResult {
    /// Position in the presented chain (0 = leaf).
    pub cert_index: usize,
    /// The source.
    pub source: SourceKind,
    /// What it said.
    #[serde(flatten)]
    pub status: Status,
    /// Its facts.
    #[serde(flatten)]
    pub facts: SourceFacts,
}

impl SourceResult {
    /// Whether the source could not be reached (what the article's Step 1 is about).
    pub(crate) fn failed_on_the_network(&self) -> bool {
        matches!(&self.status, Status::Unavailable { reason, .. } if reason.is_network())
    }
}
