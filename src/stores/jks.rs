//! Java's keystores as a trust store: the trusted-certificate entries of a JKS file (what every
//! JDK's `lib/security/cacerts` was until JDK 18, and what Debian's `ca-certificates-java`
//! still writes), read as `KeyStore.load` reads them. Private-key entries are not trust
//! anchors (a PKIX trust manager uses only trusted-certificate entries) and are counted, not
//! read. The keystore's integrity digest (SHA-1 over the password, "Mighty Aphrodite" and the
//! entries) is checked with the JDK's default password `changeit`; a mismatch is said, and the
//! entries are still read, as `keytool -list` without a password does.
//!
//! PKCS#12 keystores (the JDK's own cacerts since JDK 18) are read by `pkcs12.rs`.

use sha1::Digest;

/// The JKS magic number.
const JKS_MAGIC: u32 = 0xFEED_FEED;
/// The JCEKS magic number (same layout, plus secret-key entries).
const JCEKS_MAGIC: u32 = 0xCECE_CECE;
/// The password every JDK ships `cacerts` with.
pub(crate) const DEFAULT_PASSWORD: &str = "changeit";
/// The most entries read from one keystore.
const MAX_ENTRIES: u32 = 100_000;

/// What a keystore holds.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Keystore {
    /// The trusted-certificate entries: alias and DER.
    pub(crate) trusted: Vec<(String, Vec<u8>)>,
    /// Private-key entries (not trust anchors).
    pub(crate) private_keys: usize,
    /// Whether the integrity digest matches the default password.
    pub(crate) digest_matches_default_password: bool,
}

/// Why a keystore could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum KeystoreError {
    /// Not JKS.
    #[error("not a Java keystore (no JKS magic number)")]
    NotKeystore,
    /// The file ends inside an entry, or an entry is of a kind that cannot be read.
    #[error("a damaged keystore: {0}")]
    Damaged(String),
}

/// Whether `bytes` start with the JKS or JCEKS magic number.
pub(crate) fn is_jks(bytes: &[u8]) -> bool {
    matches!(
        bytes
            .get(..4)
            .map(|head| u32::from_be_bytes([head[0], head[1], head[2], head[3]])),
        Some(JKS_MAGIC | JCEKS_MAGIC)
    )
}

/// Reads a JKS or JCEKS keystore's entries.
pub(crate) fn read_keystore(bytes: &[u8]) -> Result<Keystore, KeystoreError> {
    if !is_jks(bytes) {
        return Err(KeystoreError::NotKeystore);
    }
    let mut reader = Reader { bytes, at: 4 };
    let version = reader.u32()?;
    if !(1..=2).contains(&version) {
        return Err(KeystoreError::Damaged(format!("version {version}")));
    }
    let count = reader.u32()?;
    if count > MAX_ENTRIES {
        return Err(KeystoreError::Damaged(format!("{count} entries")));
    }
    let mut keystore = Keystore::default();
    for _ in 0..count {
        let tag = reader.u32()?;
        let alias = reader.utf()?;
        let _timestamp = reader.take(8)?;
        match tag {
            1 => {
                let key_length = reader.u32()?;
                reader.take(key_length as usize)?;
                let chain = reader.u32()?;
                for _ in 0..chain.min(MAX_ENTRIES) {
                    reader.certificate(version)?;
                }
                keystore.private_keys += 1;
            }
            2 => {
                let der = reader.certificate(version)?;
                keystore.trusted.push((alias, der.to_vec()));
            }
            other => {
                return Err(KeystoreError::Damaged(format!(
                    "entry {alias:?} is of kind {other} (a secret key?), which cannot be read"
                )));
            }
        }
    }
    let body = &bytes[..reader.at];
    let digest = reader.take(20)?;
    keystore.digest_matches_default_password = integrity(body, DEFAULT_PASSWORD) == digest;
    Ok(keystore)
}

/// The keystore's integrity digest for `password`.
fn integrity(body: &[u8], password: &str) -> Vec<u8> {
    let mut hash = sha1::Sha1::new();
    for unit in password.encode_utf16() {
        hash.update(unit.to_be_bytes());
    }
    hash.update(b"Mighty Aphrodite");
    hash.update(body);
    hash.finalize().to_vec()
}

/// A bounded big-endian reader.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, length: usize) -> Result<&'a [u8], KeystoreError> {
        let end = self
            .at
            .checked_add(length)
            .filter(|end| *end <= self.bytes.len())
            .ok_or_else(|| {
                KeystoreError::Damaged(format!("it ends at byte {}", self.bytes.len()))
            })?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    fn u32(&mut self) -> Result<u32, KeystoreError> {
        let bytes = self.take(4)?;
        Ok(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    /// Java's `writeUTF`: a 16-bit length, then modified UTF-8 (read leniently).
    fn utf(&mut self) -> Result<String, KeystoreError> {
        let length = self.take(2)?;
        let length = usize::from(u16::from_be_bytes([length[0], length[1]]));
        Ok(String::from_utf8_lossy(self.take(length)?).into_owned())
    }

    /// A certificate: (version 2) its type, then a length and the encoding.
    fn certificate(&mut self, version: u32) -> Result<&'a [u8], KeystoreError> {
        if version == 2 {
            let kind = self.utf()?;
            if kind != "X.509" {
                return Err(KeystoreError::Damaged(format!(
                    "a certificate of type {kind:?}"
                )));
            }
        }
        let length = self.u32()?;
        self.take(length as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JKS file as `keytool` writes it: version 2, the entries, the digest.
    pub(crate) fn jks(entries: &[(&str, &[u8])], password: &str) -> Vec<u8> {
        let mut bytes = JKS_MAGIC.to_be_bytes().to_vec();
        bytes.extend_from_slice(&2u32.to_be_bytes());
        bytes.extend_from_slice(&u32::try_from(entries.len()).unwrap().to_be_bytes());
        for (alias, der) in entries {
            bytes.extend_from_slice(&2u32.to_be_bytes());
            bytes.extend_from_slice(&u16::try_from(alias.len()).unwrap().to_be_bytes());
            bytes.extend_from_slice(alias.as_bytes());
            bytes.extend_from_slice(&0u64.to_be_bytes());
            bytes.extend_from_slice(&5u16.to_be_bytes());
            bytes.extend_from_slice(b"X.509");
            bytes.extend_from_slice(&u32::try_from(der.len()).unwrap().to_be_bytes());
            bytes.extend_from_slice(der);
        }
        let digest = integrity(&bytes, password);
        bytes.extend_from_slice(&digest);
        bytes
    }

    #[test]
    fn trusted_entries_are_read_and_the_default_password_is_checked() {
        let bytes = jks(
            &[("a", b"\x30\x03\x02\x01\x01"), ("b", b"\x30\x00")],
            "changeit",
        );
        let store = read_keystore(&bytes).unwrap();
        assert_eq!(store.trusted.len(), 2);
        assert_eq!(store.trusted[0].0, "a");
        assert!(store.digest_matches_default_password);
        let other = read_keystore(&jks(&[("a", b"\x30\x00")], "secret")).unwrap();
        assert!(!other.digest_matches_default_password);
    }

    #[test]
    fn damaged_and_foreign_files_are_errors_not_panics() {
        let bytes = jks(&[("a", b"\x30\x03\x02\x01\x01")], "changeit");
        for cut in 0..bytes.len() - 20 {
            assert!(read_keystore(&bytes[..cut]).is_err(), "{cut}");
        }
        assert_eq!(read_keystore(b"hello"), Err(KeystoreError::NotKeystore));
        let mut huge = JKS_MAGIC.to_be_bytes().to_vec();
        huge.extend_from_slice(&2u32.to_be_bytes());
        huge.extend_from_slice(&u32::MAX.to_be_bytes());
        assert!(read_keystore(&huge).is_err());
    }
}
