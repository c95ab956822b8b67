//! tlsinspect: is the TLS path from this machine to a set of services clean — and if not, why?
//!
//! The library captures what a server really presents (a recording verifier keeps any chain), then
//! judges it afterwards, at an explicit instant, with one validation module shared by every
//! command. It never prints: it produces a [`Report`] that the renderers in [`render`] write.
//!
//! The paved path:
//! - [`Inspector`] checks live endpoints ([`Target`]s or the built-in [`profile::workspace`]).
//! - [`inspect_files`] validates certificates read from files, offline.
//! - [`logs::analyze`] reads the Sync client's trace logs and diagnoses them.
//! - [`lab`] builds a test PKI and local scenario servers on 127.0.0.1.
#![warn(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod audit;
pub mod chain;
pub mod check;
pub mod clock;
mod csv;
pub mod demo;
pub mod detect;
pub mod error;
pub mod finding;
pub mod flight;
#[doc(hidden)]
pub mod fuzz;
pub mod input;
pub mod inspect;
pub mod lab;
pub mod logs;
pub mod net;
pub mod output;
pub mod pins;
pub mod profile;
pub mod render;
pub mod report;
pub mod revocation;
pub mod sanitize;
pub mod stores;
pub mod target;
pub mod trust;
pub mod validate;
pub mod wincodes;

pub use check::{Inspector, InspectorConfig};
pub use error::Error;
pub use finding::{Finding, FindingCode, Severity};
pub use inspect::{InspectRequest, SavedRevocation, inspect_chain, inspect_files};
pub use report::{EndpointReport, Report};
pub use target::Target;

/// Installs the ring crypto provider as the process default, once; later calls do nothing.
pub fn install_crypto_provider() {
    // Err means a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
