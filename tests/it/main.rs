//! Integration tests: one binary, topic modules. Everything runs on 127.0.0.1; no test resolves
//! a real name (they use `--connect-to`, the lab, or an injected resolver).

#![allow(unreachable_pub)] // Helpers are `pub` inside this private test binary; nothing is exported.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code: a panic is how a test reports failure.
#![allow(clippy::disallowed_methods)] // Tests read their own settings (TLSINSPECT_MITMDUMP) from the environment.

mod audit;
#[cfg(unix)]
mod audit_root;
mod cli;
mod crosscheck;
mod discover;
mod ecs_fields;
mod fuzzing;
mod google;
mod hostile;
mod hostile_input;
#[cfg(unix)]
mod inline;
mod layers;
mod library;
mod limbo;
mod logs;
mod metrics;
mod mitmproxy;
mod ocsp;
mod pkits;
mod reports;
mod revocation;
mod rfc5280;
mod scan;
mod schemas;
mod shell;
#[cfg(unix)]
mod squid;
mod support;
mod testcerts;
mod trust;
#[cfg(windows)]
mod winhttp;
