//! Name resolution behind a trait, so tests inject a resolver and never query real DNS.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;

/// A boxed, sendable future (object-safe async trait methods).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Forward and reverse name resolution.
pub trait Resolver: Send + Sync + std::fmt::Debug {
    /// Every address of `host` (callers bound this with their timeout).
    fn lookup<'a>(&'a self, host: &'a str, port: u16)
    -> BoxFuture<'a, io::Result<Vec<SocketAddr>>>;

    /// The PTR name of `ip`, if any (like the Sync log's "destination details").
    fn reverse(&self, ip: IpAddr) -> BoxFuture<'_, Option<String>>;
}

/// The operating system's resolver (getaddrinfo / getnameinfo).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

impl Resolver for SystemResolver {
    fn lookup<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> BoxFuture<'a, io::Result<Vec<SocketAddr>>> {
        Box::pin(async move { Ok(tokio::net::lookup_host((host, port)).await?.collect()) })
    }

    fn reverse(&self, ip: IpAddr) -> BoxFuture<'_, Option<String>> {
        Box::pin(async move {
            tokio::task::spawn_blocking(move || dns_lookup::lookup_addr(&ip).ok())
                .await
                .ok()
                .flatten()
                .filter(|name| name.parse::<IpAddr>().is_err())
        })
    }
}

/// A resolver with a fixed table; every other name fails. Tests and the lab use it so that no
/// real name is ever looked up.
#[derive(Debug, Clone, Default)]
pub struct StaticResolver {
    table: Vec<(String, Vec<IpAddr>)>,
}

impl StaticResolver {
    /// A resolver that knows no name at all.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The same resolver, also resolving `host` to `ips`.
    pub fn with(mut self, host: &str, ips: Vec<IpAddr>) -> Self {
        self.table.push((host.to_ascii_lowercase(), ips));
        self
    }
}

impl Resolver for StaticResolver {
    fn lookup<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> BoxFuture<'a, io::Result<Vec<SocketAddr>>> {
        let found = self
            .table
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(host))
            .map(|(_, ips)| ips.iter().map(|ip| SocketAddr::new(*ip, port)).collect());
        Box::pin(async move {
            found.ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    "failed to lookup address information: Name or service not known",
                )
            })
        })
    }

    fn reverse(&self, _ip: IpAddr) -> BoxFuture<'_, Option<String>> {
        Box::pin(async { None })
    }
}
