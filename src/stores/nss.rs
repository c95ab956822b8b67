//! NSS databases (`cert9.db`: Chrome's and Firefox's stores on Linux) through NSS's own
//! `certutil` (Debian's `libnss3-tools`), read-only: `certutil -d sql:DIR -L` lists each
//! certificate's nickname and trust flags, `-L -n NICKNAME -a` gives its PEM. The flags decide:
//! a certificate whose SSL flags hold `C` (a CA trusted to issue server certificates) is an
//! anchor for TLS; any other (`c,,`, `,,`, `p,p,p` — NSS's explicit distrust) is listed as not
//! trusted for TLS, with its flags. Listing never writes the database (checked in the tests).
//! Firefox's built-in roots live in a module (`libnssckbi`), not in the database: what is read
//! is what the profile adds or overrides.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The most certificates exported from one database.
const MAX_CERTIFICATES: usize = 2_000;
/// The environment variable naming `certutil` (else `certutil` on PATH).
pub const CERTUTIL_ENV: &str = "TLSINSPECT_CERTUTIL";

/// One certificate of a database: its nickname, its trust flags, its DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NssEntry {
    pub(crate) nickname: String,
    pub(crate) flags: String,
    pub(crate) der: Result<Vec<u8>, String>,
}

impl NssEntry {
    /// Whether NSS trusts it as a CA for TLS servers (`C` in the SSL flags).
    pub(crate) fn trusted_for_tls(&self) -> bool {
        self.flags
            .split(',')
            .next()
            .is_some_and(|ssl| ssl.contains('C'))
    }
}

/// NSS's `certutil`: `$TLSINSPECT_CERTUTIL`, else `certutil` on PATH (on Windows `certutil` is
/// Microsoft's, another program: NSS databases are not read there).
pub fn certutil_program() -> Option<PathBuf> {
    if cfg!(windows) && std::env::var_os(CERTUTIL_ENV).is_none() {
        return None;
    }
    crate::input::program(CERTUTIL_ENV, "certutil")
}

/// Every certificate of the database in `dir`, with its trust flags.
pub(crate) fn read_database(certutil: &Path, dir: &Path) -> Result<Vec<NssEntry>, String> {
    let database = format!("sql:{}", dir.display());
    let listing = run(certutil, &["-L", "-d", &database])?;
    let mut entries = Vec::new();
    for (nickname, flags) in parse_listing(&listing).into_iter().take(MAX_CERTIFICATES) {
        let der = run(certutil, &["-L", "-d", &database, "-n", &nickname, "-a"]).and_then(|pem| {
            crate::chain::read_certificates_unbounded(pem.as_bytes())
                .map_err(|error| error.to_string())
                .and_then(|certs| {
                    certs
                        .into_iter()
                        .next()
                        .map(|der| der.to_vec())
                        .ok_or_else(|| "no certificate".to_owned())
                })
        });
        entries.push(NssEntry {
            nickname,
            flags,
            der,
        });
    }
    Ok(entries)
}

/// The nickname and flags of each line of `certutil -L` (after its two header lines): the
/// flags are the last word (`C,,`, `CT,C,C`, `,,`), the nickname what comes before.
fn parse_listing(listing: &str) -> Vec<(String, String)> {
    listing
        .lines()
        .filter(|line| !line.trim().is_empty())
        .filter(|line| !line.starts_with("Certificate Nickname"))
        .filter(|line| line.trim() != "SSL,S/MIME,JAR/XPI")
        .filter_map(|line| {
            let line = line.trim_end();
            let (nickname, flags) = line.rsplit_once(char::is_whitespace)?;
            (flags.matches(',').count() == 2 && !nickname.trim().is_empty())
                .then(|| (nickname.trim().to_owned(), flags.to_owned()))
        })
        .collect()
}

fn run(certutil: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new(certutil)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|error| format!("cannot run {}: {error}", certutil.display()))?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "certutil {}: {}",
            args.join(" "),
            said.lines().last().unwrap_or("failed").trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listings_give_nicknames_with_spaces_and_their_flags() {
        let listing = "\nCertificate Nickname                                         Trust Attributes\n                                                             SSL,S/MIME,JAR/XPI\n\nFiddler Root                                                 C,,  \nNo trust                                                     ,,   \nACME CA                                                      CT,C,C\n";
        let entries = parse_listing(listing);
        assert_eq!(
            entries,
            [
                ("Fiddler Root".to_owned(), "C,,".to_owned()),
                ("No trust".to_owned(), ",,".to_owned()),
                ("ACME CA".to_owned(), "CT,C,C".to_owned()),
            ]
        );
        let entry = |flags: &str| NssEntry {
            nickname: String::new(),
            flags: flags.to_owned(),
            der: Ok(Vec::new()),
        };
        assert!(entry("C,,").trusted_for_tls());
        assert!(entry("CT,C,C").trusted_for_tls());
        assert!(!entry(",C,").trusted_for_tls());
        assert!(!entry("p,p,p").trusted_for_tls());
        assert!(!entry("c,,").trusted_for_tls());
    }
}
