//! CRLs: reading them (PEM `X509 CRL` blocks or DER) and checking a leaf against them.
//!
//! rustls-webpki parses a CRL lazily (`BorrowedCertRevocationList`), so a CRL of a million entries
//! costs one pass and no copy of its entries.

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer};
use serde::Serialize;
use time::OffsetDateTime;
use webpki::{
    BorrowedCertRevocationList, CertRevocationList, EndEntityCert, ExpirationPolicy, KeyUsage,
    RevocationCheckDepth, RevocationOptionsBuilder, UnknownStatusPolicy,
};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use super::Error;
use crate::clock::{rfc3339, unix_time};
use crate::validate::AnchorSet;

/// Reads every CRL in `bytes`: PEM `X509 CRL` blocks, or one DER CRL (kept without a copy: a
/// CRL can be tens of megabytes).
pub fn read_crls(bytes: Vec<u8>) -> Result<Vec<CertificateRevocationListDer<'static>>, Error> {
    let crls: Vec<_> = if bytes.windows(11).any(|window| window == b"-----BEGIN ") {
        CertificateRevocationListDer::pem_slice_iter(&bytes)
            .collect::<Result<_, _>>()
            .map_err(|error| Error::Pem(error.to_string()))?
    } else if bytes.first() == Some(&0x30) {
        vec![CertificateRevocationListDer::from(bytes)]
    } else {
        Vec::new()
    };
    if crls.is_empty() {
        Err(Error::Empty)
    } else {
        Ok(crls)
    }
}

/// What the CRLs say about the leaf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum CrlOutcome {
    /// A verified, fresh CRL from the issuer does not list the leaf.
    Good,
    /// The leaf is listed.
    Revoked {
        /// The leaf's serial, hex.
        serial: String,
        /// The reason code, if the CRL gives one.
        reason: Option<String>,
        /// When it was revoked.
        revoked_at: String,
    },
    /// No usable answer (the reason says why); never read this as good.
    Unavailable {
        /// Why.
        reason: String,
    },
}

/// Checks the leaf of `chain` against `crls`, at `at`, with the path built to `anchors`.
pub fn check_leaf_with_crls(
    chain: &[CertificateDer<'static>],
    anchors: &AnchorSet,
    at: OffsetDateTime,
    crls: &[CertificateRevocationListDer<'static>],
) -> CrlOutcome {
    let unavailable = |reason: String| CrlOutcome::Unavailable { reason };
    let Some(leaf_der) = chain.first() else {
        return unavailable("no certificate".into());
    };
    let Ok(leaf) = EndEntityCert::try_from(leaf_der) else {
        return unavailable("the leaf cannot be parsed".into());
    };
    let mut parsed = Vec::new();
    for crl in crls {
        match BorrowedCertRevocationList::from_der(crl.as_ref()) {
            Ok(list) => parsed.push(CertRevocationList::from(list)),
            Err(error) => return unavailable(format!("a CRL cannot be parsed: {error:?}")),
        }
    }
    let references: Vec<&CertRevocationList<'_>> = parsed.iter().collect();
    let Ok(builder) = RevocationOptionsBuilder::new(&references) else {
        return unavailable("no CRL given".into());
    };
    let options = builder
        .with_depth(RevocationCheckDepth::EndEntity)
        .with_status_policy(UnknownStatusPolicy::Deny)
        .with_expiration_policy(ExpirationPolicy::Enforce)
        .build();
    let result = leaf.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        anchors.anchors(),
        &chain[1..],
        unix_time(at),
        KeyUsage::server_auth(),
        Some(options),
        None,
    );
    match result {
        Ok(_) => CrlOutcome::Good,
        Err(webpki::Error::CertRevoked) => revoked(leaf_der, &parsed),
        Err(webpki::Error::CrlExpired { next_update, .. }) => unavailable(format!(
            "the CRL is stale: its nextUpdate {} has passed",
            rfc3339(
                OffsetDateTime::from_unix_timestamp(next_update.as_secs() as i64).unwrap_or(at)
            )
        )),
        Err(webpki::Error::InvalidCrlSignatureForPublicKey) => {
            unavailable("the CRL's signature does not verify with the issuer's key".into())
        }
        Err(webpki::Error::UnknownRevocationStatus) => {
            unavailable("no CRL from the leaf's issuer was given".into())
        }
        Err(error) => unavailable(format!(
            "the chain could not be verified with the CRL: {error:?}"
        )),
    }
}

fn revoked(leaf_der: &CertificateDer<'_>, crls: &[CertRevocationList<'_>]) -> CrlOutcome {
    // webpki parsed this leaf already; an unparsable one would give an empty serial.
    let raw = X509Certificate::from_der(leaf_der.as_ref())
        .map(|(_, cert)| cert.raw_serial().to_vec())
        .unwrap_or_default();
    let serial: String = raw.iter().map(|byte| format!("{byte:02x}")).collect();
    let entry = crls
        .iter()
        .find_map(|crl| crl.find_serial(&raw).ok().flatten());
    match entry {
        Some(entry) => CrlOutcome::Revoked {
            serial,
            reason: entry.reason_code.map(|reason| format!("{reason:?}")),
            revoked_at: rfc3339(
                OffsetDateTime::from_unix_timestamp(entry.revocation_date.as_secs() as i64)
                    .unwrap_or(OffsetDateTime::UNIX_EPOCH),
            ),
        },
        None => CrlOutcome::Revoked {
            serial,
            reason: None,
            revoked_at: String::new(),
        },
    }
}
