//! Plain-HTTP downloads (AIA issuers, CRLs, OCSP) through the [`Connector`]: the same
//! `--connect-to` rules, proxy and per-step timeouts as every other connection, a size cap on
//! every body, no redirects followed, and at most one download per URL per run for cached GETs.

use std::sync::Arc;

use super::http::{self, Body, Method};
use super::{Connected, Connector, Error, Step};
use crate::finding::ConnectFailure;
use crate::flight::SingleFlight;
use crate::target::{Scheme, Target};

/// An HTTP answer (any status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The status code.
    pub status: u16,
    /// The `Content-Type`, if sent.
    pub content_type: Option<String>,
    /// The body (at most the cap).
    pub body: Arc<Vec<u8>>,
}

/// Why a download failed, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchFailure {
    /// The URL is not plain HTTP.
    NotHttp,
    /// DNS failed, no route, or another connect failure.
    Unreachable,
    /// The connection was refused.
    Refused,
    /// A step timed out.
    Timeout,
    /// The body exceeds the cap.
    TooLarge,
    /// The peer did not speak HTTP, closed early, or a proxy failed.
    Protocol,
    /// This machine could not open a socket (out of file descriptors): not the network.
    LocalLimit,
}

/// A failed download.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct FetchError {
    /// The kind.
    pub failure: FetchFailure,
    /// What happened.
    pub detail: String,
}

impl From<Error> for FetchError {
    fn from(error: Error) -> Self {
        let failure = match &error {
            Error::Dns { .. } => FetchFailure::Unreachable,
            Error::Connect { failure, .. } => match failure {
                ConnectFailure::Refused | ConnectFailure::Reset => FetchFailure::Refused,
                ConnectFailure::TimedOut => FetchFailure::Timeout,
                ConnectFailure::Unreachable | ConnectFailure::Other => FetchFailure::Unreachable,
                ConnectFailure::LocalLimit => FetchFailure::LocalLimit,
            },
            Error::Timeout { .. } => FetchFailure::Timeout,
            Error::Http(http::Error::TooLarge { .. }) => FetchFailure::TooLarge,
            _ => FetchFailure::Protocol,
        };
        Self {
            failure,
            detail: error.to_string(),
        }
    }
}

/// Downloads over plain HTTP, with a per-run cache for GETs.
#[derive(Debug, Clone)]
pub struct Fetcher {
    connector: Connector,
    cache: SingleFlight<String, Result<Fetched, FetchError>>,
}

/// Distinct URLs whose downloads a run remembers (CRLs and AIA issuers are few).
const CACHED_URLS: usize = 64;

impl Fetcher {
    /// A fetcher connecting through `connector`.
    pub fn new(connector: Connector) -> Self {
        Self {
            connector,
            cache: SingleFlight::new(CACHED_URLS),
        }
    }

    /// The connector.
    pub fn connector(&self) -> &Connector {
        &self.connector
    }

    /// GETs `url` (at most `max` bytes), whatever the status.
    pub async fn get(&self, url: &str, max: usize, step: Step) -> Result<Fetched, FetchError> {
        self.exchange(url, Method::Get, None, max, step).await
    }

    /// GETs `url` once per run: later calls get the first answer (or failure), and calls made
    /// while it is under way wait for it. Downloads of different URLs run side by side.
    pub(crate) async fn get_cached(
        &self,
        url: &str,
        max: usize,
        step: Step,
    ) -> Result<Fetched, FetchError> {
        self.cache
            .get_or_compute(url.to_owned(), self.get(url, max, step))
            .await
    }

    /// POSTs `body` to `url` (at most `max` bytes back), whatever the status.
    pub(crate) async fn post(
        &self,
        url: &str,
        body: Body<'_>,
        max: usize,
        step: Step,
    ) -> Result<Fetched, FetchError> {
        self.exchange(url, Method::Post, Some(body), max, step)
            .await
    }

    async fn exchange(
        &self,
        url: &str,
        method: Method,
        body: Option<Body<'_>>,
        max: usize,
        step: Step,
    ) -> Result<Fetched, FetchError> {
        let target: Target = match url.parse() {
            Ok(
                target @ Target {
                    scheme: Scheme::Http,
                    ..
                },
            ) => target,
            _ => {
                return Err(FetchError {
                    failure: FetchFailure::NotHttp,
                    detail: format!("{url} is not a plain-HTTP URL"),
                });
            }
        };
        let mut connected = self
            .connector
            .open(&target.host, target.port, Scheme::Http)
            .await?;
        let request_target = self.request_target(&target, &connected);
        let host_header = target.authority_for_header();
        let exchange = http::send(
            &mut connected.stream,
            method,
            &request_target,
            &host_header,
            body,
            max,
        );
        let response = self
            .connector
            .bounded(step, exchange)
            .await?
            .map_err(|error| FetchError::from(Error::Http(error)))?;
        Ok(Fetched {
            status: response.status,
            content_type: response.header("content-type").map(str::to_owned),
            body: Arc::new(response.body),
        })
    }

    /// The request target: origin form, or absolute form through a plain-HTTP proxy.
    pub(crate) fn request_target(&self, target: &Target, connected: &Connected) -> String {
        if connected.absolute_form {
            let (host, port) = self.connector.destination(&target.host, target.port);
            format!("http://{host}:{port}{}", target.path)
        } else {
            target.path.clone()
        }
    }
}
