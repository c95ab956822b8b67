//! `inspect`: validate certificates read from files, with no network, through the same
//! validation and pin code as the live check.

use std::path::PathBuf;

use rustls_pki_types::{CertificateDer, CertificateRevocationListDer};
use time::OffsetDateTime;

use crate::chain::{MAX_CHAIN_LEN, read_certificates};
use crate::error::Error;
use crate::input::{MAX_CHAIN_FILE, MAX_CRL_FILE, MAX_OCSP_FILE, read_file};
use crate::pins::Pins;
use crate::report::{EndpointReport, Report};
use crate::revocation::{self, RevocationOptions, read_crls, read_ocsp_response};
use crate::target::Host;
use crate::validate::{AiaOutcome, Anchors, ValidationInput, validate};

/// What to inspect.
#[derive(Debug, Clone)]
pub struct InspectRequest {
    /// PEM or DER files; their certificates form one chain, leaf first, in file order.
    pub files: Vec<PathBuf>,
    /// The host for the name check (`--host`).
    pub host: Option<Host>,
    /// The evaluation instant.
    pub at: OffsetDateTime,
    /// Expected roots, if any (`--pin-file`).
    pub pins: Option<Pins>,
    /// Saved CRLs (`--crl-file`, PEM or DER).
    pub crl_files: Vec<PathBuf>,
    /// Saved OCSP responses (`--ocsp-response`, DER or PEM).
    pub ocsp_files: Vec<PathBuf>,
    /// Depth, leeway and policy.
    pub revocation: RevocationOptions,
}

/// Saved revocation data, already read.
#[derive(Debug, Clone, Default)]
pub struct SavedRevocation {
    /// CRLs (DER).
    pub crls: Vec<CertificateRevocationListDer<'static>>,
    /// OCSP responses (DER).
    pub ocsp_responses: Vec<Vec<u8>>,
}

/// Reads the files and validates their chain. Unreadable files are errors; bad certificates are
/// findings.
pub fn inspect_files(request: &InspectRequest, anchors: &Anchors) -> Result<Report, Error> {
    let mut chain = Vec::new();
    for path in &request.files {
        let bytes = read_file(path, MAX_CHAIN_FILE)?;
        let certs = read_certificates(&bytes).map_err(|source| Error::Certificates {
            path: path.clone(),
            source,
        })?;
        chain.extend(certs);
        if chain.len() > MAX_CHAIN_LEN {
            let source = crate::chain::Error::TooMany {
                count: chain.len(),
                limit: MAX_CHAIN_LEN,
            };
            return Err(Error::Certificates {
                path: path.clone(),
                source,
            });
        }
    }
    let mut saved = SavedRevocation::default();
    for path in &request.crl_files {
        let found =
            read_crls(read_file(path, MAX_CRL_FILE)?).map_err(|source| Error::Revocation {
                path: path.clone(),
                source,
            })?;
        saved.crls.extend(found);
    }
    for path in &request.ocsp_files {
        let response = read_ocsp_response(read_file(path, MAX_OCSP_FILE)?).map_err(|source| {
            Error::Revocation {
                path: path.clone(),
                source,
            }
        })?;
        saved.ocsp_responses.push(response);
    }
    let label = request
        .files
        .iter()
        .map(|path| path.display().to_string())
        .collect::<Vec<_>>()
        .join(" + ");
    Ok(inspect_chain(label, &chain, request, &saved, anchors))
}

/// Validates a chain held in memory (leaf first) as `inspect` does, with saved revocation data;
/// `request.files` is not read.
pub fn inspect_chain(
    label: String,
    chain: &[CertificateDer<'static>],
    request: &InspectRequest,
    saved: &SavedRevocation,
    anchors: &Anchors,
) -> Report {
    let input = ValidationInput {
        chain,
        host: request.host.as_ref(),
        at: request.at,
        anchors,
        aia: AiaOutcome::NotTried,
    };
    let validation = validate(&input);
    let mut endpoint = EndpointReport::new(label);
    endpoint.host = request.host.as_ref().map(ToString::to_string);
    let trust = validation.trust.clone();
    crate::detect::judge_chain(&mut endpoint, validation, request.pins.as_ref());
    let off = request.revocation.policy == revocation::RevocationPolicy::Off;
    if !off && (!saved.crls.is_empty() || !saved.ocsp_responses.is_empty()) {
        let options = request.revocation;
        let links =
            revocation::links_for(chain, None, anchors, &trust, options.depth).unwrap_or_default();
        let sources = revocation::check_saved(
            &links,
            &saved.crls,
            &saved.ocsp_responses,
            request.at,
            options.leeway,
            options.policy,
        );
        let (report, findings) = revocation::conclude(&links, sources, options.policy, &|_| false);
        endpoint.findings.extend(findings);
        endpoint.revocation = report;
    }
    Report::new("inspect", None, request.at, vec![endpoint.finish()])
}
