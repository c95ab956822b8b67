//! PKCS#12 keystores as a trust store, as Java reads them: the JDK's own `cacerts` since JDK 18
//! is a PKCS#12 file without a password, its certificates in plain `certBag`s, each trusted
//! certificate marked with Oracle's trusted-key-usage attribute
//! (2.16.840.1.113894.746875.1.1); its alias is the bag's friendlyName. Certificate bags
//! without the mark belong to private-key entries' chains and are not anchors (counted, not
//! read as trust). Bags encrypted under a store password (what `keytool` writes for a keystore
//! of its own) are not decrypted: they are counted and reported.
//!
//! DER only (a bounded tag-length-value walk); BER's indefinite lengths are refused.

/// `data` (PKCS#7).
const DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
/// `encryptedData` (PKCS#7).
const ENCRYPTED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x06];
/// `certBag` (PKCS#12).
const CERT_BAG: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x03,
];
/// `x509Certificate` (PKCS#9 certTypes).
const X509_CERTIFICATE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x16, 0x01];
/// `friendlyName` (PKCS#9).
const FRIENDLY_NAME: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x14];
/// Oracle's trusted key usage: Java's mark of a trusted-certificate entry.
const JAVA_TRUSTED: &[u8] = &[
    0x60, 0x86, 0x48, 0x01, 0x86, 0xf9, 0x66, 0xad, 0xca, 0x7b, 0x01, 0x01,
];
/// The most bags read from one keystore.
const MAX_BAGS: usize = 100_000;

/// What a PKCS#12 keystore holds.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Pkcs12Store {
    /// The trusted-certificate entries: alias and DER.
    pub(crate) trusted: Vec<(String, Vec<u8>)>,
    /// Certificate bags without Java's trusted mark (key entries' chains).
    pub(crate) unmarked: usize,
    /// Encrypted content blocks not read.
    pub(crate) encrypted: usize,
}

/// One DER element: its tag, its content, and what follows it.
fn element(input: &[u8]) -> Result<(u8, &[u8], &[u8]), String> {
    let [tag, first, rest @ ..] = input else {
        return Err("it ends inside an element".to_owned());
    };
    let (length, rest) = match *first {
        short if short < 0x80 => (usize::from(short), rest),
        0x80 => return Err("an indefinite (BER) length".to_owned()),
        long => {
            let count = usize::from(long & 0x7f);
            if count > 4 || rest.len() < count {
                return Err("a length it cannot hold".to_owned());
            }
            let length = rest[..count]
                .iter()
                .fold(0usize, |acc, byte| (acc << 8) | usize::from(*byte));
            (length, &rest[count..])
        }
    };
    if rest.len() < length {
        return Err("it ends inside an element".to_owned());
    }
    Ok((*tag, &rest[..length], &rest[length..]))
}

/// The content of an element that must have `tag`.
fn expect<'a>(input: &'a [u8], tag: u8, what: &str) -> Result<(&'a [u8], &'a [u8]), String> {
    let (found, content, rest) = element(input)?;
    if found != tag {
        return Err(format!("{what} has tag 0x{found:02x}, not 0x{tag:02x}"));
    }
    Ok((content, rest))
}

/// The elements of a SEQUENCE's or SET's content, in order.
fn elements(mut content: &[u8]) -> Result<Vec<(u8, &[u8])>, String> {
    let mut list = Vec::new();
    while !content.is_empty() {
        if list.len() >= MAX_BAGS {
            return Err("too many elements".to_owned());
        }
        let (tag, value, rest) = element(content)?;
        list.push((tag, value));
        content = rest;
    }
    Ok(list)
}

/// Reads a PKCS#12 file's certificate bags.
pub(crate) fn read_pkcs12(bytes: &[u8]) -> Result<Pkcs12Store, String> {
    let (pfx, _) = expect(bytes, 0x30, "the PFX")?;
    let (_version, rest) = expect(pfx, 0x02, "the version")?;
    let (auth_safe, _mac) = expect(rest, 0x30, "the authSafe")?;
    let authenticated = data_content(auth_safe)?.ok_or("the authSafe is not `data`")?;
    let (safes, _) = expect(authenticated, 0x30, "the AuthenticatedSafe")?;
    let mut store = Pkcs12Store::default();
    for (tag, info) in elements(safes)? {
        if tag != 0x30 {
            return Err("a ContentInfo is not a SEQUENCE".to_owned());
        }
        match data_content(info)? {
            Some(safe_contents) => read_safe_contents(safe_contents, &mut store)?,
            None => store.encrypted += 1,
        }
    }
    Ok(store)
}

/// The OCTET STRING content of a `data` ContentInfo; none for `encryptedData`.
fn data_content(info: &[u8]) -> Result<Option<&[u8]>, String> {
    let (oid, rest) = expect(info, 0x06, "the contentType")?;
    if oid == ENCRYPTED_DATA {
        return Ok(None);
    }
    if oid != DATA {
        return Err("a ContentInfo of another type (enveloped?)".to_owned());
    }
    let (explicit, _) = expect(rest, 0xa0, "the content")?;
    let (octets, _) = expect(explicit, 0x04, "the data")?;
    Ok(Some(octets))
}

fn read_safe_contents(bytes: &[u8], store: &mut Pkcs12Store) -> Result<(), String> {
    let (bags, _) = expect(bytes, 0x30, "the SafeContents")?;
    for (tag, bag) in elements(bags)? {
        if tag != 0x30 {
            return Err("a SafeBag is not a SEQUENCE".to_owned());
        }
        let (bag_id, rest) = expect(bag, 0x06, "the bagId")?;
        if bag_id != CERT_BAG {
            continue;
        }
        let (explicit, attributes) = expect(rest, 0xa0, "the bagValue")?;
        let (cert_bag, _) = expect(explicit, 0x30, "the CertBag")?;
        let (cert_id, rest) = expect(cert_bag, 0x06, "the certId")?;
        if cert_id != X509_CERTIFICATE {
            continue;
        }
        let (value, _) = expect(rest, 0xa0, "the certValue")?;
        let (der, _) = expect(value, 0x04, "the certificate")?;
        let (alias, trusted) = read_attributes(attributes)?;
        if trusted {
            store.trusted.push((
                alias.unwrap_or_else(|| format!("entry {}", store.trusted.len() + 1)),
                der.to_vec(),
            ));
        } else {
            store.unmarked += 1;
        }
    }
    Ok(())
}

/// The friendlyName and whether Java's trusted mark is present.
fn read_attributes(attributes: &[u8]) -> Result<(Option<String>, bool), String> {
    if attributes.is_empty() {
        return Ok((None, false));
    }
    let (set, _) = expect(attributes, 0x31, "the bagAttributes")?;
    let mut alias = None;
    let mut trusted = false;
    for (_, attribute) in elements(set)? {
        let (oid, rest) = expect(attribute, 0x06, "an attribute's type")?;
        if oid == JAVA_TRUSTED {
            trusted = true;
        } else if oid == FRIENDLY_NAME {
            let (values, _) = expect(rest, 0x31, "the friendlyName values")?;
            if let Some((0x1e, name)) = elements(values)?.first() {
                let units: Vec<u16> = name
                    .chunks_exact(2)
                    .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
                    .collect();
                alias = Some(String::from_utf16_lossy(&units));
            }
        }
    }
    Ok((alias, trusted))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        match content.len() {
            short @ 0..=127 => out.push(u8::try_from(short).unwrap()),
            long => {
                let bytes = u16::try_from(long).unwrap().to_be_bytes();
                out.extend_from_slice(&[0x82, bytes[0], bytes[1]]);
            }
        }
        out.extend_from_slice(content);
        out
    }

    fn cert_bag(alias: &str, der: &[u8], trusted: bool) -> Vec<u8> {
        let value = tlv(
            0xa0,
            &tlv(
                0x30,
                &[tlv(0x06, X509_CERTIFICATE), tlv(0xa0, &tlv(0x04, der))].concat(),
            ),
        );
        let name: Vec<u8> = alias.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let mut attributes = vec![tlv(
            0x30,
            &[tlv(0x06, FRIENDLY_NAME), tlv(0x31, &tlv(0x1e, &name))].concat(),
        )];
        if trusted {
            attributes.push(tlv(
                0x30,
                &[
                    tlv(0x06, JAVA_TRUSTED),
                    tlv(0x31, &tlv(0x06, &[0x55, 0x1d, 0x25, 0x00])),
                ]
                .concat(),
            ));
        }
        tlv(
            0x30,
            &[tlv(0x06, CERT_BAG), value, tlv(0x31, &attributes.concat())].concat(),
        )
    }

    fn pfx(bags: &[Vec<u8>], encrypted: bool) -> Vec<u8> {
        let safe = tlv(0x30, &bags.concat());
        let data = |content: &[u8]| {
            tlv(
                0x30,
                &[tlv(0x06, DATA), tlv(0xa0, &tlv(0x04, content))].concat(),
            )
        };
        let mut infos = vec![data(&safe)];
        if encrypted {
            infos.push(tlv(
                0x30,
                &[tlv(0x06, ENCRYPTED_DATA), tlv(0xa0, &tlv(0x30, &[]))].concat(),
            ));
        }
        let authenticated = tlv(0x30, &infos.concat());
        tlv(0x30, &[tlv(0x02, &[3]), data(&authenticated)].concat())
    }

    #[test]
    fn trusted_bags_are_read_with_their_alias_and_others_counted() {
        let bytes = pfx(
            &[
                cert_bag("gts root r1", b"\x30\x00", true),
                cert_bag("chain", b"\x30\x01\x00", false),
            ],
            true,
        );
        let store = read_pkcs12(&bytes).unwrap();
        assert_eq!(
            store.trusted,
            [("gts root r1".to_owned(), b"\x30\x00".to_vec())]
        );
        assert_eq!(store.unmarked, 1);
        assert_eq!(store.encrypted, 1);
    }

    #[test]
    fn damaged_and_ber_input_is_an_error_not_a_panic() {
        let bytes = pfx(&[cert_bag("a", b"\x30\x00", true)], false);
        for cut in 0..bytes.len() {
            let _ = read_pkcs12(&bytes[..cut]);
        }
        assert!(read_pkcs12(&bytes[..bytes.len() - 1]).is_err());
        assert!(
            read_pkcs12(b"\x30\x80\x00\x00")
                .unwrap_err()
                .contains("indefinite")
        );
        assert!(read_pkcs12(b"").is_err());
    }
}
