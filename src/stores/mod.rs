//! Reading trust stores: a file (a PEM bundle, or DER certificates one after the other), a folder
//! (OpenSSL's hashed names `0123abcd.0` when there are any, as OpenSSL reads a CApath, else every
//! certificate file; links to one file counted once), and the system store (what this machine's
//! TLS clients trust: on Linux the bundle and folder OpenSSL uses, `SSL_CERT_FILE` /
//! `SSL_CERT_DIR` first; elsewhere the platform store). Every certificate keeps where it was found.
//! Reading never judges.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

mod discover;
mod jks;
mod nss;
mod pkcs12;

pub use discover::{Discovered, Environment, StoreKind, discover};
pub use nss::{CERTUTIL_ENV, certutil_program};

use crate::input::{self, MAX_BUNDLE_FILE, read_file};

/// Why a store could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or folder could not be read.
    #[error(transparent)]
    Input(#[from] input::Error),
    /// A file holds no usable certificates.
    #[error("{path}: unusable certificates")]
    Certificates {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: crate::chain::Error,
    },
}

/// The most files read from one folder.
const MAX_FOLDER_FILES: usize = 100_000;

/// Bundles OpenSSL builds of common distributions read, in the order openssl-probe tries them.
#[cfg(not(any(windows, target_os = "macos")))]
const SYSTEM_FILES: [&str; 9] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/ssl/cert.pem",
    "/usr/local/share/certs/ca-root-nss.crt",
    "/usr/share/ssl/certs/ca-bundle.crt",
    "/etc/openssl/certs/ca-certificates.crt",
];
/// Hashed folders OpenSSL builds of common distributions read.
#[cfg(not(any(windows, target_os = "macos")))]
const SYSTEM_DIRS: [&str; 4] = [
    "/etc/ssl/certs",
    "/etc/pki/tls/certs",
    "/etc/openssl/certs",
    "/usr/local/share/certs",
];

/// Where to look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreSpec {
    /// A folder.
    Dir(PathBuf),
    /// A file.
    File(PathBuf),
    /// A Java keystore (JKS: the trusted-certificate entries).
    Keystore(PathBuf),
    /// An NSS database folder (`cert9.db`), read with NSS's `certutil`.
    Nss(PathBuf),
    /// What this machine's TLS clients trust.
    System,
}

/// The system store's overrides, as the environment gives them (`SSL_CERT_FILE`,
/// `SSL_CERT_DIR`); the CLI reads the environment, the library does not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemOverrides {
    /// `SSL_CERT_FILE`.
    pub cert_file: Option<PathBuf>,
    /// `SSL_CERT_DIR` (colon-separated folders).
    pub cert_dir: Option<String>,
}

/// One certificate as found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// DER.
    pub der: Vec<u8>,
    /// Where: `FILE#N` (N-th certificate of a bundle), a file, or a platform store.
    pub location: String,
    /// The store it came from says not to trust it (Windows' Disallowed, or OpenSSL trust
    /// settings that reject TLS server authentication).
    pub disallowed: bool,
    /// The index of the source it came from (duplicates count within one source).
    pub source: usize,
}

/// One source read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct SourceReport {
    /// What it is: `file`, `folder`, `system file`, `system folder`, or a platform store.
    pub kind: String,
    /// Where.
    pub location: String,
    /// Certificates read from it.
    pub certificates: usize,
    /// Entries that held no certificate that could be read (`file: why`), at most 100.
    pub unreadable: Vec<String>,
}

/// Everything read from the stores asked for.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scan {
    /// The certificates, in the order found.
    pub found: Vec<Found>,
    /// The sources.
    pub sources: Vec<SourceReport>,
}

/// Certificates read from one source (DER and where), and what could not be read there.
#[derive(Debug, Default)]
struct Gathered {
    /// DER, where, and whether this entry itself says not to trust it (OpenSSL trust settings).
    certs: Vec<(Vec<u8>, String, bool)>,
    unreadable: Vec<String>,
    /// The source is a store of certificates not to trust (Windows' Disallowed).
    disallowed: bool,
}

impl Scan {
    fn add(&mut self, kind: &str, location: String, gathered: Gathered) {
        let Gathered {
            certs,
            unreadable,
            disallowed,
        } = gathered;
        let source = self.sources.len();
        self.sources.push(SourceReport {
            kind: kind.to_owned(),
            location,
            certificates: certs.len(),
            unreadable: unreadable.into_iter().take(100).collect(),
        });
        self.found
            .extend(certs.into_iter().map(|(der, location, rejected)| Found {
                der,
                location,
                disallowed: disallowed || rejected,
                source,
            }));
    }
}

/// One distinct certificate of what was read (the same DER once), with every place it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Distinct {
    /// DER.
    pub der: Vec<u8>,
    /// Where it was found, in order.
    pub locations: Vec<String>,
    /// A Disallowed store holds it.
    pub disallowed: bool,
    /// Found more than once within one source (not counting links to one file).
    pub duplicated: bool,
}

/// Merges what was found into distinct certificates (by SHA-256 of the DER), in order of first
/// appearance.
pub fn distinct(found: Vec<Found>) -> Vec<Distinct> {
    let mut groups: Vec<(Distinct, Vec<usize>)> = Vec::new();
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    for item in found {
        let digest = ring::digest::digest(&ring::digest::SHA256, &item.der)
            .as_ref()
            .to_vec();
        match index.get(&digest) {
            Some(&position) => {
                let (group, sources) = &mut groups[position];
                group.duplicated |= sources.contains(&item.source);
                sources.push(item.source);
                group.locations.push(item.location);
                group.disallowed |= item.disallowed;
            }
            None => {
                index.insert(digest, groups.len());
                let group = Distinct {
                    der: item.der,
                    locations: vec![item.location],
                    disallowed: item.disallowed,
                    duplicated: false,
                };
                groups.push((group, vec![item.source]));
            }
        }
    }
    groups.into_iter().map(|(group, _)| group).collect()
}

/// The bundle file the system store reads (on Linux and the BSDs: `SSL_CERT_FILE`, else the
/// first of the usual places); none elsewhere.
pub fn system_bundle(overrides: &SystemOverrides) -> Option<PathBuf> {
    #[cfg(not(any(windows, target_os = "macos")))]
    {
        overrides.cert_file.clone().or_else(|| {
            SYSTEM_FILES
                .iter()
                .map(PathBuf::from)
                .find(|path| path.is_file())
        })
    }
    #[cfg(any(windows, target_os = "macos"))]
    {
        let _ = overrides;
        None
    }
}

/// Reads every store asked for. A file or folder named by the user that cannot be read is an
/// error; inside a folder, what cannot be read is listed.
pub(crate) fn read_stores(specs: &[StoreSpec], overrides: &SystemOverrides) -> Result<Scan, Error> {
    let mut read = Scan::default();
    for spec in specs {
        match spec {
            StoreSpec::File(path) => {
                read.add("file", path.display().to_string(), read_bundle(path)?)
            }
            StoreSpec::Dir(path) => {
                read.add("folder", path.display().to_string(), read_folder(path)?)
            }
            StoreSpec::Keystore(path) => read.add(
                "Java keystore",
                path.display().to_string(),
                read_keystore(path)?,
            ),
            StoreSpec::Nss(dir) => {
                read.add("NSS database", dir.display().to_string(), read_nss(dir))
            }
            StoreSpec::System => read_system(&mut read, overrides)?,
        }
    }
    Ok(read)
}

/// The certificates of one file: PEM `CERTIFICATE` blocks, OpenSSL's `TRUSTED CERTIFICATE`
/// blocks (with their trust settings: one that rejects TLS server authentication is read as
/// not trusted, as OpenSSL reads it), or DER certificates back to back.
fn read_bundle(path: &Path) -> Result<Gathered, Error> {
    let bytes = read_file(path, MAX_BUNDLE_FILE)?;
    let name = path.display().to_string();
    let trusted = crate::chain::read_trusted_certificates(&bytes);
    let plain = match split_certificates(&bytes) {
        Ok(ders) => ders,
        Err(crate::chain::Error::Empty) if !trusted.is_empty() => Vec::new(),
        Err(source) => {
            return Err(Error::Certificates {
                path: path.to_owned(),
                source,
            });
        }
    };
    let mut gathered = Gathered::default();
    let mut entries: Vec<(Vec<u8>, Option<String>)> =
        plain.into_iter().map(|der| (der, None)).collect();
    for block in trusted {
        match block {
            Ok(cert) => entries.push((cert.der, cert.rejected_for_tls)),
            Err(why) => gathered.unreadable.push(format!("{name}: {why}")),
        }
    }
    let many = entries.len() > 1;
    for (index, (der, rejected)) in entries.into_iter().enumerate() {
        let mut location = if many {
            format!("{name}#{}", index + 1)
        } else {
            name.clone()
        };
        if let Some(why) = &rejected {
            location.push_str(&format!(" (not trusted for TLS: {why})"));
        }
        gathered.certs.push((der, location, rejected.is_some()));
    }
    Ok(gathered)
}

/// The trusted-certificate entries of a Java keystore (JKS, or PKCS#12 as the JDK writes it),
/// each at `FILE#alias`; what cannot be read is listed as unreadable, with why (a damaged file,
/// blocks encrypted under a store password).
fn read_keystore(path: &Path) -> Result<Gathered, Error> {
    let bytes = read_file(path, MAX_BUNDLE_FILE)?;
    let name = path.display().to_string();
    let mut gathered = Gathered::default();
    let trusted = if jks::is_jks(&bytes) {
        jks::read_keystore(&bytes)
            .map(|store| {
                if !store.digest_matches_default_password {
                    gathered.unreadable.push(format!(
                        "{name}: its integrity digest does not match the default password \
                         \"{}\" (another password, or the file was altered); its entries were \
                         read anyway",
                        jks::DEFAULT_PASSWORD
                    ));
                }
                store.trusted
            })
            .map_err(|why| why.to_string())
    } else {
        pkcs12::read_pkcs12(&bytes)
            .map(|store| {
                if store.encrypted > 0 {
                    gathered.unreadable.push(format!(
                        "{name}: {} block{} encrypted under the store password, not read (list \
                         them: keytool -list -keystore {name})",
                        store.encrypted,
                        if store.encrypted == 1 { "" } else { "s" }
                    ));
                }
                store.trusted
            })
            .map_err(|why| format!("not a JKS or PKCS#12 keystore: {why}"))
    };
    match trusted {
        Ok(entries) => {
            gathered.certs = entries
                .into_iter()
                .map(|(alias, der)| (der, format!("{name}#{alias}"), false))
                .collect();
        }
        Err(why) => gathered.unreadable.push(format!("{name}: {why}")),
    }
    Ok(gathered)
}

/// The certificates of an NSS database with their trust flags: those without `C` in the SSL
/// flags are listed as not trusted for TLS. Without `certutil`, or when it fails, the database
/// is named unreadable with why.
fn read_nss(dir: &Path) -> Gathered {
    let name = dir.display().to_string();
    let mut gathered = Gathered::default();
    let Some(certutil) = certutil_program() else {
        gathered.unreadable.push(format!(
            "{name}: NSS's certutil (Debian: libnss3-tools) is needed to read an NSS database"
        ));
        return gathered;
    };
    match nss::read_database(&certutil, dir) {
        Ok(entries) => {
            for entry in entries {
                let trusted = entry.trusted_for_tls();
                match entry.der {
                    Ok(der) => {
                        let mut location = format!("{name}#{}", entry.nickname);
                        if !trusted {
                            location.push_str(&format!(
                                " (not trusted for TLS: NSS trust flags '{}')",
                                entry.flags
                            ));
                        }
                        gathered.certs.push((der, location, !trusted));
                    }
                    Err(why) => gathered
                        .unreadable
                        .push(format!("{name}#{}: {why}", entry.nickname)),
                }
            }
        }
        Err(why) => gathered.unreadable.push(format!("{name}: {why}")),
    }
    gathered
}

/// PEM blocks, or consecutive DER SEQUENCEs.
fn split_certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>, crate::chain::Error> {
    if bytes.windows(11).any(|window| window == b"-----BEGIN ") {
        return crate::chain::read_certificates_unbounded(bytes)
            .map(|certs| certs.into_iter().map(|der| der.to_vec()).collect());
    }
    let mut certs = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let length = der_length(rest).ok_or(crate::chain::Error::Empty)?;
        certs.push(rest[..length].to_vec());
        rest = &rest[length..];
    }
    if certs.is_empty() {
        return Err(crate::chain::Error::Empty);
    }
    Ok(certs)
}

/// The length of the DER SEQUENCE at the start of `bytes`, header included.
fn der_length(bytes: &[u8]) -> Option<usize> {
    crate::chain::asn1::expect(bytes, 0x30).map(|(sequence, _)| sequence.whole.len())
}

/// OpenSSL's hashed name (`0123abcd.0`); CRL entries (`.r0`) are not certificates.
fn is_hashed_name(name: &str) -> bool {
    let Some((hash, number)) = name.split_once('.') else {
        return false;
    };
    hash.len() == 8
        && hash.chars().all(|c| c.is_ascii_hexdigit())
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
}

fn is_certificate_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".pem", ".crt", ".cer", ".der"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// The certificates of a folder, each file once however many links lead to it.
fn read_folder(dir: &Path) -> Result<Gathered, Error> {
    let listing =
        std::fs::read_dir(dir).map_err(|source| Error::from(input::Error::read(dir, source)))?;
    let mut names: Vec<(String, PathBuf)> = listing
        .filter_map(Result::ok)
        .take(MAX_FOLDER_FILES)
        .map(|entry| {
            (
                entry.file_name().to_string_lossy().into_owned(),
                entry.path(),
            )
        })
        .collect();
    names.sort();
    let hashed = names.iter().any(|(name, _)| is_hashed_name(name));
    let mut seen = HashSet::new();
    let mut gathered = Gathered::default();
    for (name, path) in names {
        let wanted = if hashed {
            is_hashed_name(&name)
        } else {
            is_certificate_name(&name)
        };
        if !wanted || !path.is_file() {
            continue;
        }
        // A hash link and the file it names are one certificate.
        let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if !seen.insert(canonical) {
            continue;
        }
        match read_bundle(&path) {
            Ok(found) => {
                gathered.certs.extend(found.certs);
                gathered.unreadable.extend(found.unreadable);
            }
            Err(error) => gathered.unreadable.push(format!("{name}: {error}")),
        }
    }
    Ok(gathered)
}

/// The system store.
fn read_system(read: &mut Scan, overrides: &SystemOverrides) -> Result<(), Error> {
    #[cfg(windows)]
    {
        let _ = overrides;
        read_windows(read);
        Ok(())
    }
    #[cfg(target_os = "macos")]
    {
        let _ = overrides;
        read_platform(read)
    }
    #[cfg(not(any(windows, target_os = "macos")))]
    read_files(read, overrides)
}

/// The Windows stores, through the `schannel` crate: CurrentUser and LocalMachine × Root,
/// AuthRoot and Disallowed, each a source with its location (`Windows LocalMachine\Root`);
/// then the Enterprise and Group Policy physical stores by name ([`read_windows_policy`]).
/// The intermediate stores (`CA`) are not read: CryptoAPI uses them to build paths, never as
/// anchors, so what they hold is not this machine's trust. A store that cannot be opened is
/// named as unreadable.
#[cfg(windows)]
fn read_windows(read: &mut Scan) {
    use schannel::cert_store::CertStore;
    type Open = fn(&str) -> std::io::Result<CertStore>;
    let scopes: [(&str, Open); 2] = [
        ("CurrentUser", CertStore::open_current_user),
        ("LocalMachine", CertStore::open_local_machine),
    ];
    for (scope, open) in scopes {
        for name in ["Root", "AuthRoot", "Disallowed"] {
            let location = format!("Windows {scope}\\{name}");
            let mut gathered = Gathered {
                disallowed: name == "Disallowed",
                ..Gathered::default()
            };
            match open(name) {
                Ok(store) => {
                    gathered.certs = store
                        .certs()
                        .map(|cert| (cert.to_der().to_vec(), location.clone(), false))
                        .collect();
                }
                Err(error) => gathered.unreadable.push(format!("{location}: {error}")),
            }
            read.add("windows store", location, gathered);
        }
    }
    read_windows_policy(read);
}

/// The physical stores CryptoAPI merges into the logical ones above but schannel cannot open by
/// name — the Enterprise store (Active Directory) and the Group Policy stores of the machine and
/// the user — read from their registry keys, so that a root pushed by policy is named by where
/// it came from (`Windows LocalMachine Group Policy\Root`). A store without its key is absent.
#[cfg(windows)]
fn read_windows_policy(read: &mut Scan) {
    use winreg::RegKey;
    use winreg::enums::{HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE, KEY_READ};
    let places = [
        (
            HKEY_LOCAL_MACHINE,
            "SOFTWARE\\Microsoft\\EnterpriseCertificates",
            "LocalMachine Enterprise",
        ),
        (
            HKEY_LOCAL_MACHINE,
            "SOFTWARE\\Policies\\Microsoft\\SystemCertificates",
            "LocalMachine Group Policy",
        ),
        (
            HKEY_CURRENT_USER,
            "Software\\Policies\\Microsoft\\SystemCertificates",
            "CurrentUser Group Policy",
        ),
    ];
    for (hive, base, label) in places {
        for name in ["Root", "Disallowed"] {
            let path = format!("{base}\\{name}\\Certificates");
            let key = match RegKey::predef(hive).open_subkey_with_flags(&path, KEY_READ) {
                Ok(key) => key,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
                Err(error) => {
                    let location = format!("Windows {label}\\{name}");
                    let gathered = Gathered {
                        unreadable: vec![format!("{location}: {error}")],
                        ..Gathered::default()
                    };
                    read.add("windows store", location, gathered);
                    continue;
                }
            };
            let location = format!("Windows {label}\\{name}");
            let mut gathered = Gathered {
                disallowed: name == "Disallowed",
                ..Gathered::default()
            };
            for thumbprint in key.enum_keys().map_while(Result::ok) {
                let blob = key
                    .open_subkey_with_flags(&thumbprint, KEY_READ)
                    .and_then(|entry| entry.get_raw_value("Blob"));
                match blob.as_ref().map(|value| certificate_in_blob(&value.bytes)) {
                    Ok(Some(der)) => gathered.certs.push((der.to_vec(), location.clone(), false)),
                    Ok(None) => gathered.unreadable.push(format!(
                        "{location}\\{thumbprint}: no certificate in its Blob"
                    )),
                    Err(error) => gathered
                        .unreadable
                        .push(format!("{location}\\{thumbprint}: {error}")),
                }
            }
            read.add("windows store", location, gathered);
        }
    }
}

/// The certificate in a CryptoAPI registry `Blob`: serialised properties, each `id`, a reserved
/// word and a length (little-endian `u32`s) then its bytes; the certificate is property 32
/// (`CERT_CERT_PROP_ID`). None when the blob ends early or holds no certificate.
#[cfg(any(windows, test))]
fn certificate_in_blob(blob: &[u8]) -> Option<&[u8]> {
    const CERT_CERT_PROP_ID: u32 = 32;
    let word = |bytes: &[u8], at: usize| -> Option<u32> {
        let bytes: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
        Some(u32::from_le_bytes(bytes))
    };
    let mut rest = blob;
    while rest.len() >= 12 {
        let id = word(rest, 0)?;
        let length = usize::try_from(word(rest, 8)?).ok()?;
        let value = rest.get(12..12usize.checked_add(length)?)?;
        if id == CERT_CERT_PROP_ID {
            return Some(value);
        }
        rest = &rest[12 + length..];
    }
    None
}

/// The files OpenSSL reads (Linux and other Unix systems).
#[cfg(not(any(windows, target_os = "macos")))]
fn read_files(read: &mut Scan, overrides: &SystemOverrides) -> Result<(), Error> {
    let file = system_bundle(overrides);
    let dirs: Vec<PathBuf> = match &overrides.cert_dir {
        Some(list) => std::env::split_paths(list).collect(),
        None => SYSTEM_DIRS
            .iter()
            .map(PathBuf::from)
            .filter(|path| path.is_dir())
            .take(1)
            .collect(),
    };
    if file.is_none() && dirs.is_empty() {
        read.add(
            "system",
            "no CA bundle or folder in the usual places (SSL_CERT_FILE and SSL_CERT_DIR unset)"
                .to_owned(),
            Gathered::default(),
        );
    }
    if let Some(file) = file {
        read.add(
            "system file",
            file.display().to_string(),
            read_bundle(&file)?,
        );
    }
    for dir in dirs {
        read.add(
            "system folder",
            dir.display().to_string(),
            read_folder(&dir)?,
        );
    }
    Ok(())
}

/// The macOS keychains with their trust settings, through rustls-native-certs.
#[cfg(target_os = "macos")]
fn read_platform(read: &mut Scan) -> Result<(), Error> {
    let loaded = rustls_native_certs::load_native_certs();
    let location = "macOS keychains (admin and user trust settings)";
    let certs = loaded
        .certs
        .into_iter()
        .map(|der| (der.to_vec(), location.to_owned(), false))
        .collect();
    let unreadable = loaded.errors.iter().map(ToString::to_string).collect();
    read.add(
        "system",
        location.to_owned(),
        Gathered {
            certs,
            unreadable,
            disallowed: false,
        },
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_certificate_is_found_among_a_blobs_properties_and_short_blobs_are_none() {
        let property = |id: u32, value: &[u8]| {
            let mut bytes = id.to_le_bytes().to_vec();
            bytes.extend(1u32.to_le_bytes());
            bytes.extend(u32::try_from(value.len()).unwrap().to_le_bytes());
            bytes.extend(value);
            bytes
        };
        let der = b"\x30\x03\x02\x01\x05";
        let blob = [property(3, &[0xaa; 20]), property(32, der)].concat();
        assert_eq!(certificate_in_blob(&blob), Some(&der[..]));
        assert_eq!(certificate_in_blob(&property(3, &[1, 2])), None);
        assert_eq!(certificate_in_blob(&blob[..blob.len() - 1]), None);
        let mut huge = property(32, der);
        huge[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(certificate_in_blob(&huge), None);
        assert_eq!(certificate_in_blob(&[]), None);
    }

    #[test]
    fn hashed_names_are_recognised() {
        for (name, hashed) in [
            ("0123abcd.0", true),
            ("0123ABCD.12", true),
            ("0123abcd.r0", false),
            ("ca-certificates.crt", false),
            ("0123abc.0", false),
        ] {
            assert_eq!(is_hashed_name(name), hashed, "{name}");
        }
    }

    #[test]
    fn der_certificates_back_to_back_are_split() {
        let one = [0x30, 0x03, 0x02, 0x01, 0x01];
        let two = [0x30, 0x81, 0x02, 0x05, 0x00];
        let both = [&one[..], &two[..]].concat();
        assert_eq!(
            split_certificates(&both).unwrap(),
            [one.to_vec(), two.to_vec()]
        );
        assert!(split_certificates(&[0x30, 0x05, 0x00]).is_err());
        assert!(split_certificates(b"garbage").is_err());
    }
}
