//! The audit root loads as a trust anchor in the TLS stacks proxies are built on — OpenSSL,
//! GnuTLS (`certtool`), NSS (`certutil`), Java (`keytool`) and mbedTLS 2.28 (a small program
//! built against Debian's libmbedtls-dev) — and the stacks that implement name constraints keep
//! it to its domain: a leaf for `www.example.com` signed with its key is refused. mbedTLS 2.28
//! implements none: it refuses a root whose name constraint is critical (so the audit root's is
//! not) and accepts the foreign leaf, which is the cost README states.
//!
//! `.ci/run` installs gnutls-bin, libnss3-tools, libmbedtls-dev and a JRE; under `CI=true` a
//! missing one fails these tests.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::*;

/// The root (made by the library, with its key on disk) and two leaves openssl signs with its
/// key: one under the audit domain, one for a real name.
struct Pki {
    dir: PathBuf,
    root: PathBuf,
    good: PathBuf,
    foreign: PathBuf,
}

impl Pki {
    fn make(name: &str) -> Self {
        let (dir, root) = crate::audit::lab_dir(&format!("stacks-{name}"));
        let root = root.path;
        let leaf = |host: &str, file: &str, serial: &str| {
            std::fs::write(
                dir.join("leaf.ext"),
                format!(
                    "subjectAltName=DNS:{host}\nbasicConstraints=CA:FALSE\n\
                     extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n"
                ),
            )
            .unwrap();
            openssl_in(
                &dir,
                &[
                    "req",
                    "-new",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-nodes",
                    "-keyout",
                    "leaf.key",
                    "-subj",
                    &format!("/CN={host}"),
                    "-out",
                    "leaf.csr",
                ],
            );
            openssl_in(
                &dir,
                &[
                    "x509",
                    "-req",
                    "-in",
                    "leaf.csr",
                    "-CA",
                    "audit-root.pem",
                    "-CAkey",
                    "audit-root.key",
                    "-set_serial",
                    serial,
                    "-days",
                    "30",
                    "-extfile",
                    "leaf.ext",
                    "-out",
                    file,
                ],
            );
            dir.join(file)
        };
        let good = leaf("good.audit.tlsinspect.test", "good.pem", "7");
        let foreign = leaf("www.example.com", "foreign.pem", "8");
        Self {
            dir,
            root,
            good,
            foreign,
        }
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run(program: &str, args: &[&str], dir: &Path) -> (bool, String) {
    let output = Command::new(program)
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("{program}: {error}"));
    let text = format!("{}{}", stdout(&output), stderr(&output));
    (output.status.success(), text)
}

fn path(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn openssl_trusts_the_audit_root_for_its_domain_only() {
    let pki = Pki::make("openssl");
    let verify = |leaf: &Path| {
        run(
            openssl(),
            &["verify", "-CAfile", path(&pki.root), path(leaf)],
            &pki.dir,
        )
    };
    let (ok, text) = verify(&pki.good);
    assert!(ok, "{text}");
    let (ok, text) = verify(&pki.foreign);
    assert!(
        !ok && text.contains("permitted subtree violation"),
        "{text}"
    );
}

#[test]
fn gnutls_trusts_the_audit_root_for_its_domain_only() {
    let Some(certtool) = peer_program(
        "certtool",
        "TLSINSPECT_CERTTOOL",
        "TLSINSPECT_REQUIRE_STACKS",
    ) else {
        return;
    };
    let pki = Pki::make("gnutls");
    let verify = |leaf: &Path| {
        let args = [
            "--verify",
            "--load-ca-certificate",
            path(&pki.root),
            "--infile",
            path(leaf),
        ];
        run(&certtool, &args, &pki.dir)
    };
    let (ok, text) = verify(&pki.good);
    assert!(ok && text.contains("Verified."), "{text}");
    let (ok, text) = verify(&pki.foreign);
    assert!(
        !ok && text.contains("violates the signer's constraints"),
        "{text}"
    );
}

#[test]
fn nss_trusts_the_audit_root_for_its_domain_only() {
    let Some(certutil) = peer_program(
        "certutil",
        "TLSINSPECT_CERTUTIL",
        "TLSINSPECT_REQUIRE_STACKS",
    ) else {
        return;
    };
    let pki = Pki::make("nss");
    let db = format!("sql:{}", pki.dir.join("nssdb").display());
    std::fs::create_dir_all(pki.dir.join("nssdb")).unwrap();
    let nss = |args: &[&str]| run(&certutil, &[&["-d", &db][..], args].concat(), &pki.dir);
    let (ok, text) = nss(&["-N", "--empty-password"]);
    assert!(ok, "{text}");
    let (ok, text) = nss(&[
        "-A",
        "-n",
        "audit",
        "-t",
        "C,,",
        "-a",
        "-i",
        path(&pki.root),
    ]);
    assert!(ok, "the root does not load: {text}");
    for (name, leaf) in [("good", &pki.good), ("foreign", &pki.foreign)] {
        let (ok, text) = nss(&["-A", "-n", name, "-t", ",,", "-a", "-i", path(leaf)]);
        assert!(ok, "{text}");
    }
    let (ok, text) = nss(&["-V", "-n", "good", "-u", "V"]);
    assert!(ok && text.contains("certificate is valid"), "{text}");
    let (ok, text) = nss(&["-V", "-n", "foreign", "-u", "V"]);
    assert!(
        !ok && text.contains("not permitted to issue a certificate with this name"),
        "{text}"
    );
}

#[test]
fn java_imports_the_audit_root_as_a_trusted_certificate() {
    let Some(keytool) = peer_program("keytool", "TLSINSPECT_KEYTOOL", "TLSINSPECT_REQUIRE_STACKS")
    else {
        return;
    };
    let pki = Pki::make("java");
    let store = pki.dir.join("trust.p12");
    let keystore = |args: &[&str]| {
        let common = [
            "-storetype",
            "PKCS12",
            "-keystore",
            path(&store),
            "-storepass",
            "changeit",
        ];
        run(&keytool, &[args, &common[..]].concat(), &pki.dir)
    };
    let (ok, text) = keystore(&[
        "-importcert",
        "-noprompt",
        "-alias",
        "audit",
        "-file",
        path(&pki.root),
    ]);
    assert!(ok, "{text}");
    let (ok, text) = keystore(&["-list", "-alias", "audit"]);
    assert!(ok && text.contains("trustedCertEntry"), "{text}");
}

#[test]
fn mbedtls_loads_the_audit_root_which_it_could_not_with_a_critical_constraint() {
    let header = Path::new("/usr/include/mbedtls/x509_crt.h");
    if !header.exists() {
        missing_peer("libmbedtls-dev", "TLSINSPECT_REQUIRE_STACKS");
        return;
    }
    let pki = Pki::make("mbedtls");
    let program = pki.dir.join("mbedtls-verify");
    let source = repo().join("tests/data/mbedtls_verify.c");
    let (ok, text) = run(
        "gcc",
        &[
            "-o",
            path(&program),
            path(&source),
            "-lmbedx509",
            "-lmbedcrypto",
        ],
        &pki.dir,
    );
    assert!(ok, "{text}");
    let check = |args: &[&str]| run(path(&program), args, &pki.dir);
    let (ok, text) = check(&[
        path(&pki.root),
        path(&pki.good),
        "good.audit.tlsinspect.test",
    ]);
    assert!(ok && text.contains("verified"), "{text}");
    // mbedTLS 2.28 implements no name constraints: a non-critical one is ignored (the cost).
    let (ok, text) = check(&[path(&pki.root), path(&pki.foreign), "www.example.com"]);
    assert!(ok, "{text}");
    // The same root with a critical constraint, as RFC 5280 asks, does not even load.
    openssl_in(
        &pki.dir,
        &[
            "req",
            "-x509",
            "-key",
            "audit-root.key",
            "-subj",
            "/CN=critical",
            "-days",
            "30",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-addext",
            "nameConstraints=critical,permitted;DNS:audit.tlsinspect.test",
            "-out",
            "critical.pem",
        ],
    );
    let (ok, text) = check(&["critical.pem"]);
    assert!(
        !ok && text.contains("extension tag or value is invalid"),
        "{text}"
    );
}
