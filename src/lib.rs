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
pub mod cause;
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    fn csv_files(dir: &Path, root: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                csv_files(&path, root, out);
            } else if path.extension().is_some_and(|ext| ext == "csv") {
                let relative = path.strip_prefix(root).unwrap().to_str().unwrap();
                out.push(relative.replace('\\', "/"));
            }
        }
    }

    /// Every embedded table loads whole (a loader panics naming the table and line of a row it
    /// cannot read: `csv::load`), and none in data/ is left out.
    #[test]
    fn every_embedded_table_loads_every_row() {
        assert!(crate::audit::suite_class(0x1301).is_some());
        assert!(crate::detect::identify_product(["CN=mitmproxy"]).is_some());
        assert!(crate::wincodes::winhttp::decode_flags(1).len() == 1);
        assert!(crate::wincodes::winhttp::status_name(0x0001_0000).is_some());
        assert!(crate::wincodes::winhttp::error_name(12175).is_some());
        assert!(!crate::wincodes::decode("0x80072f8f").unwrap().is_empty());
        let _ = crate::wincodes::explain_error(5);
        let superfish = "4bb8f35ba1e126f8dde1b0c420625ed86dce61a7bddadbdea9aba578ff13145e";
        assert!(crate::trust::leaked_key(superfish).is_some());
        assert!(crate::trust::distrusted_root(superfish).is_none());
        assert!(crate::trust::vendor_root(superfish).is_none());
        // Not tables of rows, but embedded data with the same rule: they parse whole.
        assert_eq!(crate::pins::google_operated_roots().len(), 5);
        let _ = crate::detect::IpRanges::builtin();

        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        let mut files = Vec::new();
        csv_files(&data, &data, &mut files);
        let loaded = crate::csv::LOADED.lock().unwrap().clone();
        let missing: Vec<&String> = files.iter().filter(|f| !loaded.contains(*f)).collect();
        assert!(missing.is_empty(), "tables no test loads: {missing:?}");
    }
}
