//! Encoding rules of RFC 5280 and of the CA/Browser Forum Baseline Requirements that today's
//! validators do not enforce: reported as `nonconforming-certificate` warnings, one per
//! certificate, naming each rule and its source. A stricter client may refuse such a
//! certificate; none of these decides trust. One rule is an error: a trust anchor with an
//! unknown critical extension, which Windows' CryptoAPI (the Sync client's) and OpenSSL refuse.

use rustls_pki_types::CertificateDer;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension, X509Extension};
use x509_parser::prelude::FromDer;

use crate::chain::CertInfo;
use crate::finding::{Evidence, Finding, FindingCode, Severity};

/// The longest serial number RFC 5280 §4.1.2.2 allows, in octets.
const MAX_SERIAL_OCTETS: usize = 20;

/// Which certificate of a chain is linted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The server's certificate.
    Leaf,
    /// A presented CA certificate.
    Intermediate(usize),
    /// The trust anchor the path ended at.
    Anchor,
}

/// The findings for the presented certificates and the anchor (when its certificate is known).
pub(crate) fn lint(certs: &[CertInfo], anchor: Option<&CertificateDer<'_>>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (index, info) in certs.iter().enumerate() {
        let role = if index == 0 {
            Role::Leaf
        } else {
            Role::Intermediate(index)
        };
        let der = base64_der(info);
        findings.extend(lint_one(&der, role, &info.subject));
    }
    if let Some(anchor) = anchor {
        let subject = CertInfo::parse(anchor)
            .map(|info| info.subject)
            .unwrap_or_default();
        findings.extend(lint_one(anchor, Role::Anchor, &subject));
    }
    findings
}

fn base64_der(info: &CertInfo) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(&info.der_base64)
        .unwrap_or_default()
}

fn lint_one(der: &[u8], role: Role, subject: &str) -> Vec<Finding> {
    let Ok((_, cert)) = X509Certificate::from_der(der) else {
        return Vec::new();
    };
    let rules = rules(&cert, role);
    let who = match role {
        Role::Leaf => format!("the leaf certificate ({subject})"),
        Role::Intermediate(index) => format!("certificate {index} ({subject})"),
        Role::Anchor => format!("the root {subject} (the trust anchor)"),
    };
    let index = match role {
        Role::Leaf => Some(0),
        Role::Intermediate(index) => Some(index),
        Role::Anchor => None,
    };
    let mut findings = Vec::new();
    let unknown_critical: Vec<String> = cert
        .extensions()
        .iter()
        .filter(|ext| ext.critical && ext.parsed_extension().unsupported())
        .map(|ext| ext.oid.to_id_string())
        .collect();
    if role == Role::Anchor && !unknown_critical.is_empty() {
        let message = format!(
            "{who} has an extension marked critical that validators do not know ({}): Windows' \
             CryptoAPI and OpenSSL refuse every chain ending at it",
            unknown_critical.join(", ")
        );
        let evidence = Evidence::Conformance {
            rules: vec![format!(
                "unknown critical extension {} (RFC 5280 §4.2)",
                unknown_critical.join(", ")
            )],
        };
        findings.push(Finding::new(
            FindingCode::MalformedCertificate,
            Severity::Error,
            message,
            evidence,
        ));
    }
    if !rules.is_empty() {
        let message = format!(
            "{who} does not follow the encoding rules validators leave unchecked: {}",
            rules.join("; ")
        );
        let mut finding = Finding::new(
            FindingCode::NonconformingCertificate,
            Severity::Warning,
            message,
            Evidence::Conformance { rules },
        );
        finding.cert_index = index;
        findings.push(finding);
    }
    if let Some(finding) = findings.first_mut() {
        finding.cert_index = index;
    }
    findings
}

/// Every rule the certificate breaks, each with its source.
fn rules(cert: &X509Certificate<'_>, role: Role) -> Vec<String> {
    let mut rules = Vec::new();
    let mut rule = |text: &str| rules.push(text.to_owned());
    let extension = |wanted: fn(&ParsedExtension<'_>) -> bool| -> Option<&X509Extension<'_>> {
        cert.extensions()
            .iter()
            .find(|ext| wanted(ext.parsed_extension()))
    };
    let self_issued = cert.subject().as_raw() == cert.issuer().as_raw();
    let basic = cert.basic_constraints().ok().flatten();
    let is_ca = basic.as_ref().is_some_and(|bc| bc.value.ca);
    let acts_as_ca = role != Role::Leaf;

    let serial = cert.raw_serial();
    let significant = serial.iter().skip_while(|byte| **byte == 0).count();
    if significant == 0 {
        rule("a zero serial number (RFC 5280 §4.1.2.2: positive)");
    } else if serial.first().is_some_and(|byte| byte & 0x80 != 0) {
        rule("a negative serial number (RFC 5280 §4.1.2.2: positive)");
    }
    if serial.len() > MAX_SERIAL_OCTETS {
        rule("a serial number longer than 20 octets (RFC 5280 §4.1.2.2)");
    }

    let aki = extension(|ext| matches!(ext, ParsedExtension::AuthorityKeyIdentifier(_)));
    let ski = extension(|ext| matches!(ext, ParsedExtension::SubjectKeyIdentifier(_)));
    match aki {
        None if !self_issued => {
            rule("no authority key identifier (RFC 5280 §4.2.1.1)");
        }
        Some(ext) => {
            if ext.critical {
                rule("an authority key identifier marked critical (RFC 5280 §4.2.1.1)");
            }
            if let ParsedExtension::AuthorityKeyIdentifier(aki) = ext.parsed_extension()
                && self_issued
                && acts_as_ca
            {
                if aki.key_identifier.is_none() {
                    rule(
                        "a root authority key identifier without keyIdentifier (CA/B BR 7.1.2.1.3)",
                    );
                }
                if aki.authority_cert_issuer.is_some() || aki.authority_cert_serial.is_some() {
                    rule(
                        "a root authority key identifier naming an issuer and serial (CA/B BR 7.1.2.1.3)",
                    );
                }
                if let (Some(key_id), Some(ParsedExtension::SubjectKeyIdentifier(own))) = (
                    &aki.key_identifier,
                    ski.map(X509Extension::parsed_extension),
                ) && key_id.0 != own.0
                {
                    rule(
                        "a root authority key identifier that differs from its subject key identifier (CA/B BR 7.1.2.1.3)",
                    );
                }
            }
        }
        None => {}
    }
    match ski {
        None if is_ca || acts_as_ca => {
            rule("a CA certificate without subject key identifier (RFC 5280 §4.2.1.2)");
        }
        Some(ext) if ext.critical => {
            rule("a subject key identifier marked critical (RFC 5280 §4.2.1.2)");
        }
        _ => {}
    }

    match &basic {
        None if acts_as_ca => rule("a CA certificate without basicConstraints (RFC 5280 §4.2.1.9)"),
        Some(bc) if bc.value.ca && !bc.critical => {
            rule("basicConstraints of a CA not marked critical (RFC 5280 §4.2.1.9)");
        }
        _ => {}
    }
    if let Ok(Some(usage)) = cert.key_usage() {
        if usage.value.key_cert_sign() && !is_ca {
            rule(
                "keyCertSign in the key usage of a certificate that is not a CA (RFC 5280 §4.2.1.3)",
            );
        }
        if is_ca && !usage.value.key_cert_sign() {
            rule("a CA certificate whose key usage lacks keyCertSign (RFC 5280 §4.2.1.3)");
        }
    }
    if acts_as_ca && cert.subject().as_raw().len() <= 2 {
        rule("a CA certificate with an empty subject (RFC 5280 §4.1.2.6)");
    }

    if let Some(ext) = extension(|ext| matches!(ext, ParsedExtension::NameConstraints(_))) {
        if !ext.critical {
            rule("name constraints not marked critical (RFC 5280 §4.2.1.10)");
        }
        if !is_ca {
            rule("name constraints in a certificate that is not a CA (RFC 5280 §4.2.1.10)");
        }
        if let ParsedExtension::NameConstraints(constraints) = ext.parsed_extension() {
            let empty = |subtrees: &Option<Vec<_>>| subtrees.as_ref().is_none_or(Vec::is_empty);
            if empty(&constraints.permitted_subtrees) && empty(&constraints.excluded_subtrees) {
                rule(
                    "name constraints with neither permitted nor excluded subtrees (RFC 5280 §4.2.1.10)",
                );
            }
            let leading_period = constraints
                .permitted_subtrees
                .iter()
                .chain(&constraints.excluded_subtrees)
                .flatten()
                .any(|subtree| matches!(subtree.base, GeneralName::DNSName(name) if name.starts_with('.')));
            if leading_period {
                rule("a DNS name constraint with a leading period (RFC 5280 §4.2.1.10)");
            }
        }
    }
    if let Some(ext) = extension(|ext| matches!(ext, ParsedExtension::PolicyConstraints(_)))
        && !ext.critical
    {
        rule("policy constraints not marked critical (RFC 5280 §4.2.1.11)");
    }

    let eku = extension(|ext| matches!(ext, ParsedExtension::ExtendedKeyUsage(_)));
    if role == Role::Leaf {
        let empty_subject = cert.subject().as_raw().len() <= 2;
        if let Some(san) =
            extension(|ext| matches!(ext, ParsedExtension::SubjectAlternativeName(_)))
        {
            if empty_subject && !san.critical {
                rule(
                    "an empty subject with a subject alternative name not marked critical (RFC 5280 §4.2.1.6)",
                );
            }
            if !empty_subject && san.critical {
                rule(
                    "a subject alternative name marked critical although the subject is not empty (CA/B BR 7.1.2.7.12)",
                );
            }
        }
        let san_names = san_names(cert);
        if san_names.iter().any(|name| name.contains('_')) {
            rule("an underscore in a SAN DNS name (CA/B BR 7.1.2.7.12)");
        }
        let common_names: Vec<&str> = cert
            .subject()
            .iter_common_name()
            .filter_map(|cn| cn.as_str().ok())
            .collect();
        if common_names
            .iter()
            .any(|cn| !san_names.contains(&(*cn).to_owned()))
        {
            rule(
                "a common name that is not a character-for-character copy of a SAN entry (CA/B BR 7.1.4.3)",
            );
        }
        match eku {
            None => rule("no extended key usage in a server certificate (CA/B BR 7.1.2.7.10)"),
            Some(ext) => {
                if ext.critical {
                    rule("an extended key usage marked critical (CA/B BR 7.1.2.7.10)");
                }
                if let ParsedExtension::ExtendedKeyUsage(usage) = ext.parsed_extension()
                    && usage.any
                {
                    rule("anyExtendedKeyUsage in a server certificate (CA/B BR 7.1.2.7.10)");
                }
            }
        }
    } else if role == Role::Anchor && self_issued && eku.is_some() {
        rule("an extended key usage in a root certificate (CA/B BR 7.1.2.1.2)");
    }

    if let Ok(x509_parser::public_key::PublicKey::RSA(rsa)) = cert.public_key().parsed() {
        let modulus = rsa
            .modulus
            .iter()
            .skip_while(|byte| **byte == 0)
            .copied()
            .collect::<Vec<_>>();
        let bits = modulus.len() * 8 - modulus.first().map_or(0, |b| b.leading_zeros() as usize);
        if bits % 8 != 0 {
            rule("an RSA modulus whose size is not a multiple of 8 bits (CA/B BR 6.1.5)");
        }
    }
    for ext in cert.extensions() {
        if let ParsedExtension::ParseError { .. } = ext.parsed_extension() {
            rules.push(format!(
                "a malformed extension {} (RFC 5280 §4.2)",
                ext.oid.to_id_string()
            ));
        }
    }
    rules
}

/// The SAN DNS names and IP addresses, as a CN would spell them.
fn san_names(cert: &X509Certificate<'_>) -> Vec<String> {
    let Ok(Some(san)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    san.value
        .general_names
        .iter()
        .filter_map(|name| match name {
            GeneralName::DNSName(dns) => Some((*dns).to_owned()),
            GeneralName::IPAddress(bytes) => match bytes.len() {
                4 => <[u8; 4]>::try_from(*bytes)
                    .ok()
                    .map(|ip| std::net::IpAddr::from(ip).to_string()),
                16 => <[u8; 16]>::try_from(*bytes)
                    .ok()
                    .map(|ip| std::net::IpAddr::from(ip).to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}
