//! RFC 5280 rules that OpenSSL, NSS, Chrome's verifier and CryptoAPI enforce and rustls-webpki
//! does not: an issuer whose key usage lacks keyCertSign (§6.1.4 (n)) and CRLs that do not apply
//! to the certificate (§6.3.3 (a)–(b), (f): another issuer, another partition, another key), or
//! that a delta CRL updates (§5.2.4: merged with its base CRL, so the leaf it revokes is revoked). Each
//! case is a PKI built by `openssl req`/`x509`/`ca` (an independent builder), judged by
//! `tlsinspect inspect --revocation hard` and by `openssl verify -crl_check_all` on the same
//! files: the two must agree, and an invalid path is never reported clean.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::*;

/// One case: how its intermediate's key usage reads, the leaf's CRL distribution point, and
/// which CRLs are given.
struct Case {
    name: &'static str,
    /// The intermediate's keyUsage line in the openssl configuration.
    inter_key_usage: &'static str,
    /// The leaf's crlDistributionPoints line (none: the leaf names none).
    leaf_crl_dp: Option<&'static str>,
    /// The intermediate's CRL: its issuingDistributionPoint (fullname value), if any.
    inter_crl_idp: Option<&'static str>,
    /// Which key signs the intermediate's CRL.
    inter_crl_signer: Signer,
    /// A delta CRL of the intermediate revokes the leaf (RFC 5280 §5.2.4).
    delta: bool,
    /// The finding code the leaf or intermediate must get (none: clean).
    expected: Option<&'static str>,
}

#[derive(Clone, Copy, PartialEq)]
enum Signer {
    /// The intermediate's own key.
    Intermediate,
    /// The root signs a CRL presented as the intermediate's (another issuer).
    Root,
    /// A second key under the intermediate's name (a rollover the path does not reach).
    OtherKey,
}

const GOOD_CA_USAGE: &str = "critical, keyCertSign, cRLSign";

/// The valid PKI; every other case changes what it names.
const VALID: Case = Case {
    name: "valid",
    inter_key_usage: GOOD_CA_USAGE,
    leaf_crl_dp: None,
    inter_crl_idp: None,
    inter_crl_signer: Signer::Intermediate,
    delta: false,
    expected: None,
};

const CASES: [Case; 8] = [
    VALID,
    Case {
        name: "key-usage-critical-without-keycertsign",
        inter_key_usage: "critical, digitalSignature, cRLSign",
        expected: Some("invalid-chain"),
        ..VALID
    },
    Case {
        name: "key-usage-not-critical-without-keycertsign",
        inter_key_usage: "digitalSignature, cRLSign",
        expected: Some("invalid-chain"),
        ..VALID
    },
    Case {
        name: "crl-from-another-issuer",
        inter_crl_signer: Signer::Root,
        expected: Some("revocation-unavailable"),
        ..VALID
    },
    Case {
        name: "crl-partition-by-directory-name-in-scope",
        leaf_crl_dp: Some("dirName:partition1"),
        inter_crl_idp: Some("dirName:partition1"),
        ..VALID
    },
    Case {
        name: "crl-partition-by-directory-name-out-of-scope",
        leaf_crl_dp: Some("dirName:partition2"),
        inter_crl_idp: Some("dirName:partition1"),
        expected: Some("revocation-unavailable"),
        ..VALID
    },
    Case {
        name: "crl-signed-by-another-key-of-the-issuer",
        inter_crl_signer: Signer::OtherKey,
        expected: Some("revocation-unavailable"),
        ..VALID
    },
    Case {
        name: "delta-crl-revokes-the-leaf",
        delta: true,
        expected: Some("revoked"),
        ..VALID
    },
];

/// The configuration: the extensions of each certificate, the partitions' names, and a CA
/// section per signer for `openssl ca -gencrl` (an empty database: nothing revoked).
fn config(case: &Case) -> String {
    let mut text = format!(
        "[ req ]\ndistinguished_name = dn\n[ dn ]\n\
         [ root_ext ]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = {GOOD_CA_USAGE}\n\
         subjectKeyIdentifier = hash\n\
         [ inter_ext ]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = {}\n\
         subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n\
         [ leaf_ext ]\nbasicConstraints = critical, CA:FALSE\n\
         keyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth\n\
         subjectAltName = DNS:{HOST}\nauthorityKeyIdentifier = keyid\n",
        case.inter_key_usage
    );
    if let Some(dp) = case.leaf_crl_dp {
        text.push_str(&format!(
            "crlDistributionPoints = leaf_dp\n[ leaf_dp ]\nfullname = {dp}\n"
        ));
    }
    text.push_str(
        "[ partition1 ]\nCN = Partition 1\n[ partition2 ]\nCN = Partition 2\n\
         [ ca ]\ndefault_ca = crl\n[ crl ]\ndatabase = index.txt\ncrlnumber = crlnumber\n\
         default_md = sha256\ndefault_crl_days = 30\n",
    );
    if let Some(idp) = case.inter_crl_idp {
        text.push_str(&format!(
            "crl_extensions = crl_ext\n[ crl_ext ]\n\
             issuingDistributionPoint = critical, @idp\n[ idp ]\nfullname = {idp}\n"
        ));
    }
    text
}

/// Builds the case's PKI in a scratch folder: root, intermediate, leaf, the root's CRL (over
/// the intermediate) and the intermediate's CRL (over the leaf), as the case says.
fn build(case: &Case) -> PathBuf {
    let dir = scratch(&format!("rfc5280-{}", case.name));
    std::fs::write(dir.join("ca.cnf"), config(case)).unwrap();
    std::fs::write(dir.join("index.txt"), "").unwrap();
    let key = |name: &str| {
        openssl_in(
            &dir,
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                name,
            ],
        )
    };
    for name in ["root.key", "inter.key", "other.key", "leaf.key"] {
        key(name);
    }
    openssl_in(
        &dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "root.key",
            "-subj",
            "/CN=RFC 5280 Root",
            "-days",
            "30",
            "-config",
            "ca.cnf",
            "-extensions",
            "root_ext",
            "-out",
            "root.pem",
        ],
    );
    let issue = |csr_key: &str, subject: &str, ca: &str, ca_key: &str, ext: &str, out: &str| {
        let csr = format!("{out}.csr");
        openssl_in(
            &dir,
            &[
                "req", "-new", "-key", csr_key, "-subj", subject, "-config", "ca.cnf", "-out", &csr,
            ],
        );
        openssl_in(
            &dir,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                ca,
                "-CAkey",
                ca_key,
                "-CAcreateserial",
                "-days",
                "20",
                "-extfile",
                "ca.cnf",
                "-extensions",
                ext,
                "-out",
                out,
            ],
        );
    };
    issue(
        "inter.key",
        "/CN=RFC 5280 Inter",
        "root.pem",
        "root.key",
        "inter_ext",
        "inter.pem",
    );
    issue(
        "leaf.key",
        &format!("/CN={HOST}"),
        "inter.pem",
        "inter.key",
        "leaf_ext",
        "leaf.pem",
    );
    // The same name as the intermediate with another key: its CRL is signed by a key the path
    // does not reach.
    issue(
        "other.key",
        "/CN=RFC 5280 Inter",
        "root.pem",
        "root.key",
        "inter_ext",
        "other.pem",
    );
    let crl = |cert: &str, key: &str, extensions: bool, out: &str| {
        std::fs::write(dir.join("crlnumber"), "01\n").unwrap();
        let mut args = vec![
            "ca", "-gencrl", "-config", "ca.cnf", "-cert", cert, "-keyfile", key,
        ];
        if !extensions {
            args.extend(["-crlexts", "no_idp"]);
        }
        args.extend(["-out", out]);
        openssl_in(&dir, &args);
    };
    // The root's CRL never carries the partition (its section is empty when asked for none).
    let mut cnf = std::fs::read_to_string(dir.join("ca.cnf")).unwrap();
    cnf.push_str("[ no_idp ]\n[ delta_ext ]\ndeltaCRL = critical, DER:02:01:01\n");
    std::fs::write(dir.join("ca.cnf"), cnf).unwrap();
    crl("root.pem", "root.key", false, "root.crl");
    match case.inter_crl_signer {
        Signer::Intermediate => crl("inter.pem", "inter.key", true, "inter.crl"),
        Signer::Root => crl("root.pem", "root.key", true, "inter.crl"),
        Signer::OtherKey => crl("other.pem", "other.key", true, "inter.crl"),
    }
    // The delta: the leaf revoked after the base CRL was issued.
    let delta = if case.delta {
        // OpenSSL takes a delta only when it is later than its base: a second later.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let revoke = [
            "ca",
            "-config",
            "ca.cnf",
            "-revoke",
            "leaf.pem",
            "-cert",
            "inter.pem",
            "-keyfile",
            "inter.key",
        ];
        openssl_in(&dir, &revoke);
        std::fs::write(dir.join("crlnumber"), "02\n").unwrap();
        openssl_in(
            &dir,
            &[
                "ca",
                "-gencrl",
                "-config",
                "ca.cnf",
                "-cert",
                "inter.pem",
                "-keyfile",
                "inter.key",
                "-crlexts",
                "delta_ext",
                "-out",
                "delta.crl",
            ],
        );
        std::fs::read_to_string(dir.join("delta.crl")).unwrap()
    } else {
        String::new()
    };
    std::fs::write(dir.join("delta.crl"), delta).unwrap();
    dir
}

/// Whether `openssl verify -crl_check_all` accepts the leaf with both CRLs.
fn openssl_accepts(dir: &Path) -> bool {
    let crls = ["root.crl", "inter.crl", "delta.crl"]
        .map(|name| std::fs::read_to_string(dir.join(name)).unwrap())
        .concat();
    std::fs::write(dir.join("crls.pem"), crls).unwrap();
    Command::new(openssl())
        .current_dir(dir)
        .args([
            "verify",
            "-crl_check_all",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "inter.pem",
            "-CRLfile",
            "crls.pem",
            "leaf.pem",
        ])
        .output()
        .unwrap()
        .status
        .success()
}

/// `tlsinspect inspect --revocation hard` on the same files: the error codes it reports.
fn our_errors(dir: &Path) -> Vec<String> {
    let path = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    let (leaf, inter, root) = (path("leaf.pem"), path("inter.pem"), path("root.pem"));
    let mut args = vec!["inspect", &leaf, &inter, "--ca-file", &root];
    let crls = ["root.crl", "inter.crl", "delta.crl"].map(path);
    for crl in &crls {
        if std::fs::metadata(crl).is_ok_and(|meta| meta.len() > 0) {
            args.extend(["--crl-file", crl]);
        }
    }
    args.extend(["--host", HOST, "--revocation", "hard", "--format", "json"]);
    let output = tlsinspect(&args);
    let report: JsonReport = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", stderr(&output)));
    report.endpoints[0]
        .findings
        .iter()
        .filter(|finding| finding.severity == "error")
        .map(|finding| finding.code.clone())
        .collect()
}

#[test]
fn rfc5280_rules_browsers_enforce_are_enforced_as_openssl_does() {
    crate::skip_on_windows!("openssl");
    let mut wrong = Vec::new();
    for case in &CASES {
        let dir = build(case);
        let errors = our_errors(&dir);
        let openssl = openssl_accepts(&dir);
        let as_expected = match case.expected {
            None => errors.is_empty(),
            Some(code) => errors.iter().any(|error| error == code),
        };
        if !as_expected || errors.is_empty() != openssl {
            wrong.push(format!(
                "{}: expected {:?}, ours {errors:?}, openssl verify accepts: {openssl}",
                case.name, case.expected
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
