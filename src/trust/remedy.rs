//! Remediation commands per store kind and platform: how to remove a root from a store, or to
//! import one it lacks. Shown with each problem, never run.

use crate::stores::StoreKind;

/// A root as the commands need it.
#[derive(Debug, Clone)]
pub(crate) struct RootRef<'a> {
    /// Its subject.
    pub(crate) subject: &'a str,
    /// Its SHA-1 thumbprint, hex (Windows names roots by it).
    pub(crate) sha1: &'a str,
    /// Where the store holds it (`FILE#alias` in a Java keystore, a file in a folder).
    pub(crate) location: Option<&'a str>,
}

/// A short file-name-safe name for a root (`GTS_Root_R1`).
fn file_name(subject: &str) -> String {
    let common_name = subject
        .split(", ")
        .find_map(|part| part.strip_prefix("CN="))
        .unwrap_or(subject);
    let name: String = common_name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    name.trim_matches('_').chars().take(60).collect()
}

/// Single-quoted for a POSIX shell.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// How to stop `store` (of `kind`, at `location`) trusting `root`.
pub(crate) fn remove(kind: StoreKind, location: &str, root: &RootRef<'_>) -> Vec<String> {
    let name = file_name(root.subject);
    match kind {
        StoreKind::System if cfg!(windows) => vec![
            format!("certutil -delstore Root {}", root.sha1),
            format!(
                "Get-ChildItem Cert:\\LocalMachine\\Root, Cert:\\CurrentUser\\Root | Where-Object Thumbprint -eq '{}' | Remove-Item",
                root.sha1.to_ascii_uppercase()
            ),
        ],
        StoreKind::System => system_removal(root),
        StoreKind::Java => {
            let alias = root
                .location
                .and_then(|location| location.rsplit_once('#'))
                .map_or(name.as_str(), |(_, alias)| alias);
            let mut commands = vec![format!(
                "keytool -delete -alias {} -keystore {} -storepass changeit",
                quoted(alias),
                quoted(location)
            )];
            if location.starts_with("/etc/ssl/certs/java/") {
                commands.push(
                    "Debian's ca-certificates-java rebuilds this keystore from the system store: \
                     remove the root there too, then sudo update-ca-certificates --fresh"
                        .to_owned(),
                );
            }
            commands
        }
        StoreKind::Nss => vec![
            match root.location.and_then(|location| location.split_once('#')) {
                Some((_, nickname)) => format!(
                    "certutil -d sql:{} -D -n {} (close Firefox first)",
                    quoted(location),
                    quoted(nickname.split(" (not trusted").next().unwrap_or(nickname))
                ),
                None => format!(
                    "certutil -d sql:{} -L (find the root's nickname), then certutil -d sql:{} -D -n NICKNAME",
                    quoted(location),
                    quoted(location)
                ),
            },
            "Firefox: Settings > Privacy & Security > Certificates > View Certificates > Authorities: select it, Delete or Distrust".to_owned(),
        ],
        StoreKind::Certifi => vec![
            "python -m pip install --upgrade certifi (certifi ships Mozilla's set: an upgrade drops roots Mozilla removed)".to_owned(),
            format!(
                "if the root was appended by hand, delete its block from {} (the next upgrade rewrites the file)",
                quoted(location)
            ),
        ],
        StoreKind::Bundle => vec![format!(
            "delete the root's PEM block ({}) from {}, or point the program at the system store",
            root.subject,
            quoted(location)
        )],
    }
}

/// How to take a root out of a Linux system store, from the file it comes from (the link in
/// `/etc/ssl/certs` followed): a local addition is deleted, a distribution root deselected in
/// `/etc/ca-certificates.conf` (Debian) or blocklisted (p11-kit). Never the bundle itself.
fn system_removal(root: &RootRef<'_>) -> Vec<String> {
    const LOCAL: &str = "/usr/local/share/ca-certificates/";
    const DISTRIBUTION: &str = "/usr/share/ca-certificates/";
    let source = root
        .location
        .filter(|location| !location.contains('#') && location.starts_with('/'));
    let p11_kit = format!(
        "Fedora, RHEL, Arch (p11-kit): copy the root (SHA-1 {}) into /etc/pki/ca-trust/source/blocklist/ and run sudo update-ca-trust",
        root.sha1
    );
    match source {
        Some(file) if file.starts_with(LOCAL) => vec![
            format!(
                "sudo rm {} && sudo update-ca-certificates --fresh",
                quoted(file)
            ),
            p11_kit,
        ],
        Some(file)
            if file.starts_with("/etc/pki/ca-trust/source/")
                || file.starts_with("/usr/share/pki/ca-trust-source/") =>
        {
            vec![format!(
                "Fedora, RHEL, Arch (p11-kit): sudo trust anchor --remove {}",
                quoted(file)
            )]
        }
        Some(file) if file.starts_with(DISTRIBUTION) => {
            let relative = &file[DISTRIBUTION.len()..];
            vec![
                format!(
                    "Debian, Ubuntu: sudo sed -i 's|^{relative}$|!{relative}|' /etc/ca-certificates.conf && sudo update-ca-certificates --fresh"
                ),
                p11_kit,
            ]
        }
        Some(file) => vec![
            format!(
                "remove {} from the store's sources (Debian: /usr/local/share/ca-certificates, then sudo update-ca-certificates --fresh)",
                quoted(file)
            ),
            p11_kit,
        ],
        None => vec![
            format!(
                "find the root's source file (SHA-1 {}; Debian: /usr/local/share/ca-certificates for local additions, else deselect it in /etc/ca-certificates.conf) and run sudo update-ca-certificates --fresh",
                root.sha1
            ),
            p11_kit,
        ],
    }
}

/// How to make `store` trust a root it lacks (`ROOT.pem` stands for the root's file).
pub(crate) fn import(kind: StoreKind, location: &str, root: &RootRef<'_>) -> Vec<String> {
    let name = file_name(root.subject);
    match kind {
        StoreKind::System if cfg!(windows) => vec![
            format!("certutil -addstore Root {name}.cer"),
            format!(
                "Import-Certificate -FilePath {name}.cer -CertStoreLocation Cert:\\LocalMachine\\Root"
            ),
        ],
        StoreKind::System => vec![
            format!(
                "Debian, Ubuntu: sudo cp ROOT.pem /usr/local/share/ca-certificates/{name}.crt && sudo update-ca-certificates"
            ),
            "Fedora, RHEL, Arch (p11-kit): sudo trust anchor --store ROOT.pem".to_owned(),
        ],
        StoreKind::Java => {
            let mut commands = vec![format!(
                "keytool -importcert -noprompt -alias {} -file ROOT.pem -keystore {} -storepass changeit",
                quoted(&name.to_ascii_lowercase()),
                quoted(location)
            )];
            if location.starts_with("/etc/ssl/certs/java/") {
                commands.push(
                    "Debian: importing into the system store (update-ca-certificates) adds it \
                     here too, through ca-certificates-java"
                        .to_owned(),
                );
            }
            commands
        }
        StoreKind::Nss => vec![format!(
            "certutil -d sql:{} -A -t 'C,,' -n {} -i ROOT.pem",
            quoted(location),
            quoted(&name)
        )],
        StoreKind::Certifi => vec![
            "point Python at the system store: export REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt, or python -m pip install truststore (Python 3.10+) and use the OS store".to_owned(),
            format!(
                "appending ROOT.pem to {} works until certifi is upgraded",
                quoted(location)
            ),
        ],
        StoreKind::Bundle => vec![format!(
            "cat ROOT.pem >> {} (or point the program at the system store)",
            quoted(location)
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_name_the_store_and_the_root_and_quote_paths() {
        let root = RootRef {
            subject: "CN=Evil Root, O=It's Evil",
            sha1: "abcdef",
            location: Some("/etc/ssl/certs/java/cacerts#evil root"),
        };
        let java = remove(StoreKind::Java, "/etc/ssl/certs/java/cacerts", &root);
        assert!(
            java[0].starts_with("keytool -delete -alias 'evil root' -keystore"),
            "{java:?}"
        );
        assert!(java[1].contains("update-ca-certificates"));
        let nss = import(StoreKind::Nss, "/home/a b/.pki/nssdb", &root);
        assert!(nss[0].contains("sql:'/home/a b/.pki/nssdb'"), "{nss:?}");
        assert_eq!(
            file_name("CN=GTS Root R1, O=Google Trust Services LLC"),
            "GTS_Root_R1"
        );
        assert_eq!(quoted("it's"), r"'it'\''s'");
        let distribution = RootRef {
            location: Some("/usr/share/ca-certificates/mozilla/Evil_Root.crt"),
            ..root.clone()
        };
        let system = remove(
            StoreKind::System,
            "/etc/ssl/certs/ca-certificates.crt",
            &distribution,
        );
        if !cfg!(windows) {
            assert!(system[0].contains("'s|^mozilla/Evil_Root.crt$|!mozilla/Evil_Root.crt|'"));
            let bundle = RootRef {
                location: Some("/etc/ssl/certs/ca-certificates.crt#3"),
                ..root
            };
            let never_the_bundle = remove(StoreKind::System, "x", &bundle).join(" ");
            assert!(!never_the_bundle.contains("rm"), "{never_the_bundle}");
        }
    }
}
