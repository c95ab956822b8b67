//! Live revocation checking: for each certificate of the path, the staple or the OCSP
//! responder, and the CRL distribution points, all fetched through the [`Fetcher`] (same
//! `--connect-to`, proxy rules and timeouts as the handshake; CRLs once per URL per run, OCSP
//! answers once per certificate per run: [`OcspAnswers`]).
//! Certificates are checked concurrently, so one silent server costs one timeout, not one per
//! source.

use base64::Engine;
use ring::rand::SecureRandom;
use time::OffsetDateTime;

use super::links::{IssuerKey, Link, Subject};
use super::outcome::{SourceFacts, SourceKind, SourceResult, Status, Unavailable};
use super::{RevocationOptions, crl, ocsp};
use crate::flight::SingleFlight;
use crate::net::http::Body;
use crate::net::{FetchError, FetchFailure, Fetched, Fetcher, Step};

/// The largest CRL downloaded (a million entries is about 37 MB).
pub(super) const MAX_CRL_BYTES: usize = 64 * 1024 * 1024;
/// The largest OCSP response accepted.
pub(super) const MAX_OCSP_BYTES: usize = 64 * 1024;
/// The most CRL distribution points followed per certificate.
pub(super) const MAX_CRL_URLS: usize = 4;
/// RFC 5019 §5: GET when the URL with the encoded request stays under 255 bytes.
const MAX_GET_URL: usize = 255;

/// Distinct certificates whose OCSP answers a run remembers.
const REMEMBERED_ANSWERS: usize = 4096;

/// OCSP answers of a run, judged, per (issuer key, serial, responder URL): every endpoint that
/// presents one certificate shares one request, and concurrent endpoints wait for the first.
/// All endpoints of a run are judged at one instant, so a judged answer holds for each.
#[derive(Debug, Clone)]
pub struct OcspAnswers(SingleFlight<AnswerKey, (Status, SourceFacts)>);

/// The issuer's key bits, the certificate's serial and the responder URL.
type AnswerKey = (Vec<u8>, Vec<u8>, String);

impl Default for OcspAnswers {
    fn default() -> Self {
        Self(SingleFlight::new(REMEMBERED_ANSWERS))
    }
}

/// Checks every link; `staple` is the leaf's stapled OCSP response.
pub async fn check_live(
    fetcher: &Fetcher,
    answers: &OcspAnswers,
    links: &[Link],
    staple: Option<&[u8]>,
    options: &RevocationOptions,
    at: OffsetDateTime,
) -> Vec<SourceResult> {
    let mut tasks = tokio::task::JoinSet::new();
    for (position, link) in links.iter().enumerate() {
        let fetcher = fetcher.clone();
        let answers = answers.clone();
        let link = link.clone();
        let staple = staple
            .filter(|_| link.subject.index == 0)
            .map(<[u8]>::to_vec);
        let options = *options;
        tasks.spawn(async move {
            (
                position,
                check_link(&fetcher, &answers, &link, staple.as_deref(), &options, at).await,
            )
        });
    }
    let mut per_link = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        if let Ok(result) = joined {
            per_link.push(result);
        }
    }
    per_link.sort_by_key(|(position, _)| *position);
    per_link
        .into_iter()
        .flat_map(|(_, results)| results)
        .collect()
}

async fn check_link(
    fetcher: &Fetcher,
    answers: &OcspAnswers,
    link: &Link,
    staple: Option<&[u8]>,
    options: &RevocationOptions,
    at: OffsetDateTime,
) -> Vec<SourceResult> {
    let subject = &link.subject;
    let result = |source, (status, facts)| SourceResult {
        cert_index: subject.index,
        source,
        status,
        facts,
    };
    let crl_urls: Vec<&String> = subject
        .crl_urls
        .iter()
        .filter(|url| url.starts_with("http://"))
        .take(MAX_CRL_URLS)
        .collect();
    let ocsp_url = subject
        .ocsp_urls
        .iter()
        .find(|url| url.starts_with("http://"));
    let Some(issuer) = &link.issuer else {
        if crl_urls.is_empty() && ocsp_url.is_none() && staple.is_none() {
            return Vec::new();
        }
        let status = Status::unavailable(
            Unavailable::NoIssuer,
            "the issuer's certificate is not known, so no answer can be verified",
        );
        return vec![result(SourceKind::Crl, (status, SourceFacts::default()))];
    };
    let mut results = Vec::new();
    if let Some(staple) = staple {
        results.push(result(
            SourceKind::StapledOcsp,
            ocsp::check(staple, subject, issuer, None, at, options.leeway),
        ));
    } else if let Some(url) = ocsp_url {
        results.push(result(
            SourceKind::Ocsp,
            answers
                .0
                .get_or_compute(
                    (issuer.key_bits.clone(), subject.serial.clone(), url.clone()),
                    query_ocsp(fetcher, subject, issuer, url, options, at),
                )
                .await,
        ));
    }
    for url in crl_urls {
        let fetched = fetcher
            .get_cached(url, MAX_CRL_BYTES, Step::CrlDownload)
            .await;
        let answer = judge_download(url, fetched, |body| {
            crl::check(body, &[], link, Some(url), at, options.leeway)
        });
        results.push(result(SourceKind::Crl, answer));
    }
    results
}

/// Asks the responder at `url` (GET when small, else POST; POST again when a GET is refused).
async fn query_ocsp(
    fetcher: &Fetcher,
    subject: &Subject,
    issuer: &IssuerKey,
    url: &str,
    options: &RevocationOptions,
    at: OffsetDateTime,
) -> (Status, SourceFacts) {
    let nonce = options.nonce.then(|| {
        let mut nonce = [0u8; ocsp::NONCE_LEN];
        // A failing system RNG leaves a zero nonce: still a valid request, and the echo check
        // still rejects another request's answer.
        let _ = ring::rand::SystemRandom::new().fill(&mut nonce);
        nonce
    });
    let request = match ocsp::request(subject, issuer, nonce.as_ref().map(|n| n.as_slice())) {
        Ok(request) => request,
        Err(why) => {
            return (
                Status::unavailable(Unavailable::Unsupported, why),
                SourceFacts::default(),
            );
        }
    };
    let encoded = base64::engine::general_purpose::STANDARD.encode(&request);
    let get_url = format!("{}/{}", url.trim_end_matches('/'), percent_encode(&encoded));
    let mut method = "GET";
    let mut fetched = if get_url.len() < MAX_GET_URL {
        fetcher
            .get(&get_url, MAX_OCSP_BYTES, Step::OcspRequest)
            .await
    } else {
        method = "POST";
        post(fetcher, url, &request).await
    };
    // A responder that cannot read the GET form answers an HTTP error or malformedRequest.
    const MALFORMED_REQUEST: [u8; 5] = [0x30, 0x03, 0x0a, 0x01, 0x01];
    let refused_get = |answer: &Fetched| {
        answer.status >= 400 || answer.body.as_slice() == MALFORMED_REQUEST.as_slice()
    };
    if method == "GET" && matches!(&fetched, Ok(answer) if refused_get(answer)) {
        method = "POST";
        fetched = post(fetcher, url, &request).await;
    }
    let sent = nonce.as_ref().map(|n| n.as_slice());
    let (status, mut facts) = judge_download(url, fetched, |body| {
        ocsp::check(body, subject, issuer, sent, at, options.leeway)
    });
    facts.url = Some(url.to_owned());
    facts.method = Some(method);
    (status, facts)
}

async fn post(fetcher: &Fetcher, url: &str, request: &[u8]) -> Result<Fetched, FetchError> {
    let body = Body {
        content_type: "application/ocsp-request",
        bytes: request,
    };
    fetcher
        .post(url, body, MAX_OCSP_BYTES, Step::OcspRequest)
        .await
}

/// Percent-encodes the base64 characters that are not URL-safe (RFC 6960 appendix A.1).
fn percent_encode(base64: &str) -> String {
    base64
        .chars()
        .map(|c| match c {
            '+' => "%2B".to_owned(),
            '/' => "%2F".to_owned(),
            '=' => "%3D".to_owned(),
            other => other.to_string(),
        })
        .collect()
}

/// A `200` body judged by `judge`; any other status or a failed download is unavailable.
fn judge_download(
    url: &str,
    fetched: Result<Fetched, FetchError>,
    judge: impl FnOnce(&[u8]) -> (Status, SourceFacts),
) -> (Status, SourceFacts) {
    match fetched {
        Ok(answer) if answer.status == 200 => {
            let (status, mut facts) = judge(&answer.body);
            facts.http_status = Some(200);
            (status, facts)
        }
        Ok(answer) => http_error(url, &answer),
        Err(error) => fetch_failed(url, &error),
    }
}

fn http_error(url: &str, answer: &Fetched) -> (Status, SourceFacts) {
    let redirect = (300..400).contains(&answer.status);
    let detail = format!(
        "{url} answered HTTP {}{}",
        answer.status,
        if redirect {
            " (redirects are not followed)"
        } else {
            ""
        }
    );
    let facts = SourceFacts {
        url: Some(url.to_owned()),
        http_status: Some(answer.status),
        bytes: Some(answer.body.len()),
        ..SourceFacts::default()
    };
    (Status::unavailable(Unavailable::HttpError, detail), facts)
}

fn fetch_failed(url: &str, error: &FetchError) -> (Status, SourceFacts) {
    let reason = match error.failure {
        FetchFailure::NotHttp => Unavailable::Unsupported,
        FetchFailure::Unreachable => Unavailable::Unreachable,
        FetchFailure::Refused => Unavailable::Refused,
        FetchFailure::Timeout => Unavailable::Timeout,
        FetchFailure::TooLarge => Unavailable::TooLarge,
        FetchFailure::Protocol => Unavailable::HttpError,
        FetchFailure::LocalLimit => Unavailable::LocalLimit,
    };
    let facts = SourceFacts {
        url: Some(url.to_owned()),
        ..SourceFacts::default()
    };
    (
        Status::unavailable(reason, format!("{url}: {}", error.detail)),
        facts,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_made_url_safe() {
        assert_eq!(percent_encode("ab+/c=="), "ab%2B%2Fc%3D%3D");
    }
}
