//! Finding the trust stores of this machine (`trust --discover`): the system store, every Java
//! runtime's `cacerts`, NSS databases (Chrome's and Firefox's profiles), the `certifi` bundles
//! of Python interpreters and virtualenvs, and the bundles programs are pointed at by
//! environment variables (`REQUESTS_CA_BUNDLE`, `CURL_CA_BUNDLE`, `NODE_EXTRA_CA_CERTS`, …) or
//! their configuration (git's `http.sslCAInfo`, pip's `cert`, npm's `cafile`, conda's
//! `ssl_verify`). Each store is named after what uses it and listed once, by its real path
//! (links followed): what several programs share is one store used by several. Nothing is
//! read here beyond names, small text files and version strings; nothing is ever written.
//!
//! The environment is given, never read from the process (the CLI reads it): tests point
//! every search at folders of their own.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::StoreSpec;

/// Environment variables that point programs at a bundle, and who reads them.
const BUNDLE_VARIABLES: [(&str, &str); 7] = [
    ("SSL_CERT_FILE", "OpenSSL-based programs (SSL_CERT_FILE)"),
    ("REQUESTS_CA_BUNDLE", "Python requests (REQUESTS_CA_BUNDLE)"),
    ("CURL_CA_BUNDLE", "curl (CURL_CA_BUNDLE)"),
    (
        "NODE_EXTRA_CA_CERTS",
        "Node.js, added to its built-in roots (NODE_EXTRA_CA_CERTS)",
    ),
    ("GIT_SSL_CAINFO", "git (GIT_SSL_CAINFO)"),
    ("PIP_CERT", "pip (PIP_CERT)"),
    ("AWS_CA_BUNDLE", "the AWS CLI and SDKs (AWS_CA_BUNDLE)"),
];
/// The most runtimes, profiles or interpreters looked at under one folder.
const MAX_CHILDREN: usize = 1_000;

/// What kind of store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StoreKind {
    /// The operating system's store.
    System,
    /// A Java runtime's `cacerts`.
    Java,
    /// An NSS database (Chrome and Firefox on Linux).
    Nss,
    /// A Python `certifi` bundle.
    Certifi,
    /// A bundle a program is pointed at.
    Bundle,
}

/// One store found.
#[derive(Debug, Clone)]
pub struct Discovered {
    /// What it is, named after what uses it ("Java 17.0.13 (java-17-openjdk-amd64)").
    pub name: String,
    /// Its kind.
    pub kind: StoreKind,
    /// Where it is (the real path; the system store's description).
    pub location: String,
    /// The programs and settings that use it.
    pub used_by: Vec<String>,
    /// How to read it; none when it cannot be read (then `note` says why).
    pub spec: Option<StoreSpec>,
    /// Why it is not read, when it is not.
    pub note: Option<String>,
}

/// Where to look: the environment as the CLI read it, and the folders searched (each
/// defaulted for this platform by [`Environment::new`], each replaceable by a test).
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// The folder looked under as if it were `/` (`--root`): a disk image, a container's files.
    pub root: Option<PathBuf>,
    /// The system store is this bundle under `root`, not this machine's.
    pub system_file: Option<PathBuf>,
    /// The environment variables that matter here (name, value).
    pub vars: Vec<(String, String)>,
    /// The user's home folder.
    pub home: Option<PathBuf>,
    /// The system store's bundle, when it has one (merges a variable naming the same file).
    pub system_bundle: Option<PathBuf>,
    /// Folders holding Java runtimes (each child may have `lib/security/cacerts`).
    pub java_roots: Vec<PathBuf>,
    /// Keystores looked at directly (Debian's `/etc/ssl/certs/java/cacerts`).
    pub java_keystores: Vec<PathBuf>,
    /// Folders that hold `pythonX.Y` library folders, or are library folders themselves.
    pub python_roots: Vec<PathBuf>,
    /// Firefox profile folders' parents.
    pub firefox_roots: Vec<PathBuf>,
    /// NSS databases looked at directly (`~/.pki/nssdb`).
    pub nss_dirs: Vec<PathBuf>,
    /// Configuration files: git's, pip's, npm's and conda's.
    pub config_files: Vec<PathBuf>,
}

impl Environment {
    /// The usual places on this platform, for `vars` and `home`; `venvs` are virtualenvs to
    /// look in too. With `root` (a mounted disk image, a container's files), the usual places,
    /// the home folder and the paths its configuration names are looked for under it, its
    /// system bundle is the system store, and `vars` are not used: they are this machine's.
    pub fn new(
        vars: Vec<(String, String)>,
        home: Option<PathBuf>,
        system_bundle: Option<PathBuf>,
        venvs: &[PathBuf],
        root: Option<&Path>,
    ) -> Self {
        let under = |path: PathBuf| match root {
            Some(root) if path.is_absolute() => root.join(path.strip_prefix("/").unwrap_or(&path)),
            _ => path,
        };
        let home = home.map(under);
        let vars = if root.is_some() { Vec::new() } else { vars };
        let system_file = root.and_then(|_| {
            system_bundle
                .clone()
                .map(under)
                .filter(|bundle| bundle.is_file())
        });
        let system_bundle = match root {
            Some(_) => system_file.clone(),
            None => system_bundle,
        };
        let var = |name: &str| {
            vars.iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| PathBuf::from(value))
        };
        let in_home = |relative: &str| home.as_ref().map(|home| home.join(relative));
        let mut java_roots: Vec<PathBuf> = var("JAVA_HOME").into_iter().collect();
        let mut python_roots: Vec<PathBuf> = venvs.iter().map(|venv| venv.join("lib")).collect();
        python_roots.extend(var("VIRTUAL_ENV").map(|venv| venv.join("lib")));
        let mut config_files = Vec::new();
        if cfg!(windows) {
            for program_files in ["C:\\Program Files", "C:\\Program Files (x86)"] {
                for vendor in [
                    "Java",
                    "Eclipse Adoptium",
                    "Microsoft",
                    "Zulu",
                    "Amazon Corretto",
                ] {
                    java_roots.push(Path::new(program_files).join(vendor));
                }
            }
            python_roots.extend(var("LOCALAPPDATA").map(|local| local.join("Programs\\Python")));
            config_files.extend(var("APPDATA").map(|roaming| roaming.join("pip\\pip.ini")));
        } else {
            java_roots.extend(
                ["/usr/lib/jvm", "/usr/java", "/opt/java", "/opt"]
                    .map(|path| under(PathBuf::from(path))),
            );
            python_roots.extend(
                [
                    "/usr/lib/python3/dist-packages",
                    "/usr/lib",
                    "/usr/local/lib",
                    "/usr/lib64",
                ]
                .map(|path| under(PathBuf::from(path))),
            );
            config_files.extend(
                ["/etc/gitconfig", "/etc/pip.conf", "/etc/npmrc"]
                    .map(|path| under(PathBuf::from(path))),
            );
        }
        python_roots.extend(in_home(".local/lib"));
        if let Some(pyenv) = in_home(".pyenv/versions") {
            python_roots.extend(
                children(&pyenv)
                    .into_iter()
                    .map(|version| version.join("lib")),
            );
        }
        config_files.extend(
            [
                ".gitconfig",
                ".config/git/config",
                ".config/pip/pip.conf",
                ".pip/pip.conf",
                ".npmrc",
                ".condarc",
            ]
            .iter()
            .filter_map(|relative| in_home(relative)),
        );
        Self {
            java_keystores: if cfg!(windows) {
                Vec::new()
            } else {
                vec![under(PathBuf::from("/etc/ssl/certs/java/cacerts"))]
            },
            system_file,
            root: root.map(Path::to_path_buf),
            firefox_roots: [".mozilla/firefox", "snap/firefox/common/.mozilla/firefox"]
                .iter()
                .filter_map(|relative| in_home(relative))
                .chain(var("APPDATA").map(|roaming| roaming.join("Mozilla\\Firefox\\Profiles")))
                .collect(),
            nss_dirs: in_home(".pki/nssdb").into_iter().collect(),
            vars,
            home,
            system_bundle,
            java_roots,
            python_roots,
            config_files,
        }
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(key, value)| key == name && !value.is_empty())
            .map(|(_, value)| value.as_str())
    }
}

/// Every store found, the system store first, each real path once.
pub fn discover(environment: &Environment) -> Vec<Discovered> {
    let mut found = Stores::default();
    found.push(Discovered {
        name: "the system store".to_owned(),
        kind: StoreKind::System,
        location: if cfg!(windows) {
            "Windows certificate stores".to_owned()
        } else {
            environment.system_bundle.as_ref().map_or_else(
                || "the system store".to_owned(),
                |path| path.display().to_string(),
            )
        },
        used_by: vec![if cfg!(windows) {
            "Windows programs (CryptoAPI: browsers, .NET, the Google Workspace Sync client)"
                .to_owned()
        } else {
            "OpenSSL- and GnuTLS-based programs (curl, wget, git, Python's ssl)".to_owned()
        }],
        spec: Some(match &environment.system_file {
            Some(file) => StoreSpec::File(file.clone()),
            None => StoreSpec::System,
        }),
        note: None,
    });
    java(environment, &mut found);
    nss(environment, &mut found);
    certifi(environment, &mut found);
    for (variable, user) in BUNDLE_VARIABLES {
        if let Some(value) = environment.var(variable) {
            found.bundle(Path::new(value), user, environment);
        }
    }
    configured_bundles(environment, &mut found);
    found.0
}

/// The stores found so far, merged by real path.
#[derive(Debug, Default)]
struct Stores(Vec<Discovered>);

impl Stores {
    /// Adds a store, or the users of one already found at the same real path.
    fn push(&mut self, store: Discovered) {
        let key = real(Path::new(&store.location));
        if let Some(existing) = self
            .0
            .iter_mut()
            .find(|known| real(Path::new(&known.location)) == key)
        {
            for user in store.used_by {
                if !existing.used_by.contains(&user) {
                    existing.used_by.push(user);
                }
            }
            return;
        }
        self.0.push(store);
    }

    /// A bundle (file or folder) a program is pointed at; the system store's own bundle is the
    /// system store.
    fn bundle(&mut self, path: &Path, user: &str, environment: &Environment) {
        let system = environment.system_bundle.as_deref().map(real);
        if system.as_deref() == Some(real(path).as_path())
            && let Some(store) = self
                .0
                .iter_mut()
                .find(|store| store.kind == StoreKind::System)
        {
            if !store.used_by.iter().any(|known| known == user) {
                store.used_by.push(user.to_owned());
            }
            return;
        }
        let (spec, note) = if path.is_dir() {
            (Some(StoreSpec::Dir(path.to_owned())), None)
        } else if path.is_file() {
            (Some(StoreSpec::File(path.to_owned())), None)
        } else {
            (None, Some("named, but there is no such file".to_owned()))
        };
        self.push(Discovered {
            name: format!("the bundle {}", path.display()),
            kind: StoreKind::Bundle,
            location: real(path).display().to_string(),
            used_by: vec![user.to_owned()],
            spec,
            note,
        });
    }
}

/// Every Java runtime's `cacerts`, grouped by the keystore they share.
fn java(environment: &Environment, found: &mut Stores) {
    let mut keystores: Vec<(PathBuf, Vec<String>)> = Vec::new();
    let mut add = |keystore: PathBuf, runtime: Option<String>| {
        if !keystore.is_file() {
            return;
        }
        let key = real(&keystore);
        match keystores.iter_mut().find(|(known, _)| *known == key) {
            Some((_, runtimes)) => runtimes.extend(runtime),
            None => keystores.push((key, runtime.into_iter().collect())),
        }
    };
    let mut runtimes: Vec<PathBuf> = environment
        .java_roots
        .iter()
        .flat_map(|root| std::iter::once(root.clone()).chain(children(root)))
        .collect();
    // `java-1.17.0-openjdk-amd64` is a link to `java-17-openjdk-amd64`: one runtime.
    runtimes.sort_by_key(|runtime| (real(runtime), runtime.is_symlink()));
    runtimes.dedup_by_key(|runtime| real(runtime));
    for runtime in runtimes {
        for relative in ["lib/security/cacerts", "jre/lib/security/cacerts"] {
            add(runtime.join(relative), Some(runtime_name(&runtime)));
        }
    }
    for keystore in &environment.java_keystores {
        add(keystore.clone(), None);
    }
    for (keystore, mut runtimes) in keystores {
        runtimes.sort();
        runtimes.dedup();
        let name = if runtimes.is_empty() {
            "Java (no runtime found using it)".to_owned()
        } else {
            format!("Java {}", runtimes.join(", "))
        };
        found.push(Discovered {
            name,
            kind: StoreKind::Java,
            location: keystore.display().to_string(),
            used_by: vec!["Java programs (the runtime's default trust store)".to_owned()],
            spec: Some(StoreSpec::Keystore(keystore)),
            note: None,
        });
    }
}

/// A runtime's folder name and version (`java-17-openjdk-amd64 17.0.13`), from its `release`.
fn runtime_name(runtime: &Path) -> String {
    let folder = runtime
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let version = small_text(&runtime.join("release")).and_then(|release| {
        release.lines().find_map(|line| {
            line.strip_prefix("JAVA_VERSION=")
                .map(|value| value.trim_matches('"').to_owned())
        })
    });
    match version {
        Some(version) => format!("{version} ({folder})"),
        None => folder,
    }
}

/// NSS databases: `~/.pki/nssdb` (Chrome, Chromium and most GNOME programs) and each Firefox
/// profile, read with NSS's `certutil` when it is installed (the trust flags decide which
/// certificates are anchors); without it they are listed as not read, with why.
fn nss(environment: &Environment, found: &mut Stores) {
    let databases = environment
        .nss_dirs
        .iter()
        .map(|dir| {
            (
                dir.clone(),
                "Chrome, Chromium and other NSS programs (shared NSS database)".to_owned(),
            )
        })
        .chain(environment.firefox_roots.iter().flat_map(|root| {
            children(root).into_iter().map(|profile| {
                let name = profile
                    .file_name()
                    .map(|name| name.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let short = name.split_once('.').map_or(name.as_str(), |(_, rest)| rest);
                (profile, format!("Firefox profile {short}"))
            })
        }));
    for (dir, user) in databases {
        if !dir.join("cert9.db").is_file() && !dir.join("cert8.db").is_file() {
            continue;
        }
        // The legacy DBM format (`cert8.db`, before 2017) is found but not read.
        let readable = super::certutil_program().is_some() && dir.join("cert9.db").is_file();
        found.push(Discovered {
            name: format!("NSS database: {user}"),
            kind: StoreKind::Nss,
            location: real(&dir).display().to_string(),
            used_by: vec![user],
            spec: readable.then(|| StoreSpec::Nss(dir.clone())),
            note: (!readable).then(|| {
                if dir.join("cert9.db").is_file() {
                    format!(
                        "NSS's certutil (Debian: libnss3-tools) is needed to read it (it lists \
                         it: certutil -d sql:{} -L)",
                        dir.display()
                    )
                } else {
                    "a legacy cert8.db (DBM) database, not read: open the profile once with a \
                     current Firefox to convert it"
                        .to_owned()
                }
            }),
        });
    }
}

/// `certifi` in every Python library folder found: its own `cacert.pem`, or (Debian's
/// python3-certifi) the system store it points at.
fn certifi(environment: &Environment, found: &mut Stores) {
    for folder in python_library_folders(&environment.python_roots) {
        let certifi = folder.join("certifi");
        if !certifi.is_dir() {
            continue;
        }
        let python = folder
            .ancestors()
            .filter_map(|dir| dir.file_name())
            .map(|name| name.to_string_lossy().into_owned())
            .find(|name| name.starts_with("python3"))
            .map_or_else(
                || "Python".to_owned(),
                |name| name.replacen("python", "Python ", 1),
            );
        let version = small_text(&certifi.join("__init__.py")).and_then(|init| {
            init.lines().find_map(|line| {
                line.trim()
                    .strip_prefix("__version__ = ")
                    .map(|value| value.trim_matches(['"', '\'']).to_owned())
            })
        });
        let version = version.map_or_else(String::new, |version| format!(" {version}"));
        let user = format!("{python} certifi{version} ({})", folder.display());
        // Debian's and Fedora's certifi answer where() with the system bundle, named in core.py
        // (`DEBIAN_CA_CERTS_PATH = '/etc/ssl/certs/ca-certificates.crt'`), whatever else lies
        // beside it.
        let patched = small_text(&certifi.join("core.py")).and_then(|core| where_path(&core));
        let bundle = certifi.join("cacert.pem");
        if let Some(path) = patched {
            let named = match &environment.root {
                Some(root) => root.join(path.strip_prefix("/").unwrap_or(&path)),
                None => path,
            };
            found.bundle(&named, &format!("{user}, patched to use it"), environment);
        } else if bundle.is_file() {
            found.push(Discovered {
                name: format!("{python} certifi{version}"),
                kind: StoreKind::Certifi,
                location: real(&bundle).display().to_string(),
                used_by: vec![format!(
                    "{user}: requests, pip, httpx and most Python HTTP clients"
                )],
                spec: Some(StoreSpec::File(bundle)),
                note: None,
            });
        }
    }
}

/// The bundle a distribution's patched `certifi/core.py` names: a quoted absolute path ending
/// in `.crt` or `.pem` on an assignment line.
fn where_path(core: &str) -> Option<PathBuf> {
    core.lines()
        .filter(|line| line.contains('='))
        .filter_map(|line| {
            let (_, value) = line.split_once('=')?;
            let value = value.trim().trim_matches(['"', '\'']);
            (value.starts_with('/') && (value.ends_with(".crt") || value.ends_with(".pem")))
                .then(|| PathBuf::from(value))
        })
        .next()
}

/// `pythonX.Y/site-packages` and `dist-packages` under each root (or the root itself).
fn python_library_folders(roots: &[PathBuf]) -> Vec<PathBuf> {
    let mut folders = Vec::new();
    for root in roots {
        if root.join("certifi").is_dir() {
            folders.push(root.clone());
        }
        for child in children(root) {
            let name = child
                .file_name()
                .map(|name| name.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            if !name.starts_with("python3") {
                continue;
            }
            for packages in ["site-packages", "dist-packages", "Lib/site-packages"] {
                let folder = child.join(packages);
                if folder.is_dir() {
                    folders.push(folder);
                }
            }
        }
    }
    folders
}

/// Bundles named in git's, pip's, npm's and conda's configuration.
fn configured_bundles(environment: &Environment, found: &mut Stores) {
    for file in &environment.config_files {
        let Some(text) = small_text(file) else {
            continue;
        };
        let name = file
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (keys, program): (&[&str], &str) = match name.as_str() {
            "gitconfig" | ".gitconfig" | "config" => (&["sslcainfo"], "git http.sslCAInfo"),
            "pip.conf" | "pip.ini" => (&["cert"], "pip cert"),
            "npmrc" | ".npmrc" => (&["cafile"], "npm cafile"),
            ".condarc" => (&["ssl_verify"], "conda ssl_verify"),
            _ => continue,
        };
        for line in text.lines() {
            let Some((key, value)) = line.split_once(['=', ':']) else {
                continue;
            };
            let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
            if keys.contains(&key.as_str()) && (value.starts_with('/') || value.contains(":\\")) {
                let user = format!("{program} ({})", file.display());
                let named = PathBuf::from(value.trim_matches('"'));
                let named = match &environment.root {
                    Some(root) => root.join(named.strip_prefix("/").unwrap_or(&named)),
                    None => named,
                };
                found.bundle(&named, &user, environment);
            }
        }
    }
}

/// The children of a folder (at most [`MAX_CHILDREN`]), sorted; none when it cannot be read.
fn children(dir: &Path) -> Vec<PathBuf> {
    let Ok(listing) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut children: Vec<PathBuf> = listing
        .filter_map(Result::ok)
        .take(MAX_CHILDREN)
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect();
    children.sort();
    children
}

/// A small text file (a configuration, a version string), at most 64 KiB.
fn small_text(path: &Path) -> Option<String> {
    if !path.is_file() {
        return None;
    }
    let bytes = crate::input::read_file(path, 64 * 1024).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// The real path (links followed), or the path as given when it cannot be resolved.
fn real(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patched_certifi_names_the_bundle_it_uses() {
        let debian = "DEBIAN_CA_CERTS_PATH = '/etc/ssl/certs/ca-certificates.crt'\n\ndef where() -> str:\n    return DEBIAN_CA_CERTS_PATH\n";
        assert_eq!(
            where_path(debian),
            Some(PathBuf::from("/etc/ssl/certs/ca-certificates.crt"))
        );
        let upstream = "def where() -> str:\n    _CACERT_PATH = str(files(\"certifi\").joinpath(\"cacert.pem\"))\n";
        assert_eq!(where_path(upstream), None);
    }
}
