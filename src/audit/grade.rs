//! The grade: Durumeric et al.'s four NDSS 2017 grades, weakest reason wins.
//!
//! The cipher rule is the authors' (their suite table is `data/audit/cipher-classes.csv`):
//! any class-4 suite offered upstream gives F, else any class-3 suite gives C, else the class
//! of the first suite (skipping the renegotiation SCSV) gives A (class 1) or B (class 2). TLS 1.3
//! suites are placed in class 1 here. Then the validation results cap it: a proxy that hands
//! this machine a trusted chain for an invalid upstream (or an MD5-signed one) is F; SHA-1 is C;
//! an RSA-1024 key or unchecked revocation is B. Old protocol versions and TLS compression
//! offered upstream cap it too (SSL 3.0 and compression: C; nothing above TLS 1.1: B). A
//! weak upstream the proxy completes a handshake with while showing this machine a trusted
//! modern connection is masked as the paper's tiers place the attack: a 512-bit DH group F
//! (export strength), 3DES (SWEET32), a 1024-bit group (Logjam) and a SHA-1 key-exchange
//! signature (SLOTH) C, TLS 1.0/1.1 only and static RSA (no forward secrecy) B.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Serialize;

use super::hello::ClientHelloSummary;
use crate::csv::load;
use crate::lab::audit::Flaw;

const CIPHER_CLASSES: &str = include_str!("../../data/audit/cipher-classes.csv");

/// The renegotiation SCSV, skipped by the first-suite rule.
const RENEGOTIATION_SCSV: u16 = 0x00ff;
/// The fallback SCSV, a signal rather than a suite.
const FALLBACK_SCSV: u16 = 0x5600;

/// The NDSS 2017 class of a cipher suite (1 optimal … 4 severely broken).
pub fn suite_class(id: u16) -> Option<u8> {
    // SSL 2 cipher kinds are three bytes (0x010080): kept, though no TLS ClientHello offers one.
    static TABLE: OnceLock<HashMap<u32, u8>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            load("audit/cipher-classes.csv", CIPHER_CLASSES, |fields| {
                let id = u32::from_str_radix(fields.first()?.strip_prefix("0x")?, 16).ok()?;
                Some((id, fields.get(2)?.parse().ok()?))
            })
            .into_iter()
            .collect()
        })
        .get(&u32::from(id))
        .copied()
}

/// A grade, best first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
pub enum Grade {
    /// Optimal: what a modern browser would negotiate.
    A,
    /// Suboptimal: non-ideal parameters, no known attack.
    B,
    /// Open to a known attack.
    C,
    /// Severely broken: an active attacker can intercept.
    F,
}

impl Grade {
    /// The paper's label.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::A => "optimal",
            Self::B => "suboptimal",
            Self::C => "known attack",
            Self::F => "severely broken",
        }
    }

    /// The grade's letter.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::A => "A",
            Self::B => "B",
            Self::C => "C",
            Self::F => "F",
        }
    }

    /// Parses a letter (case-insensitive).
    pub fn from_letter(letter: &str) -> Option<Self> {
        match letter.to_ascii_uppercase().as_str() {
            "A" => Some(Self::A),
            "B" => Some(Self::B),
            "C" => Some(Self::C),
            "F" => Some(Self::F),
            _ => None,
        }
    }
}

/// One thing that set or lowered the grade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Reason {
    /// The grade this reason allows at best.
    pub grade: Grade,
    /// What was seen, in words.
    pub text: String,
    /// The cases it rests on.
    pub cases: Vec<String>,
}

/// The grade and everything that decided it, worst first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Grading {
    /// The grade.
    pub grade: Grade,
    /// Its label.
    pub label: &'static str,
    /// The reasons, worst first.
    pub reasons: Vec<Reason>,
}

/// A case a proxy masked: it handed this machine a trusted chain for a flawed upstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Masked {
    /// The case's name.
    pub case: String,
    /// What was wrong upstream.
    pub flaw: Flaw,
}

/// What the client leg contributes (from the chains the proxy forged).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientLegFlaws {
    /// The proxy CA's private key is public.
    pub leaked_key: Option<String>,
    /// Forged certificates signed with MD5 or SHA-1 (algorithm names).
    pub weak_signatures: Vec<String>,
    /// Forged certificates with RSA keys under 2048 bits (descriptions).
    pub weak_keys: Vec<String>,
}

/// Grades a proxy from its upstream hellos, the cases it masked and its forged chains; none
/// without a hello (the upstream leg cannot be judged).
pub fn grade(
    hellos: &[ClientHelloSummary],
    masked: &[Masked],
    client: &ClientLegFlaws,
) -> Option<Grading> {
    if hellos.is_empty() {
        return None;
    }
    let mut reasons = cipher_reasons(hellos);
    reasons.extend(protocol_reasons(hellos));
    reasons.extend(masking_reasons(masked));
    reasons.extend(client_reasons(client));
    reasons.sort_by_key(|reason| std::cmp::Reverse(reason.grade));
    let grade = reasons.iter().map(|reason| reason.grade).max()?;
    Some(Grading {
        grade,
        label: grade.label(),
        reasons,
    })
}

/// The paper's cipher rule, applied to every hello seen (the worst counts).
fn cipher_reasons(hellos: &[ClientHelloSummary]) -> Vec<Reason> {
    let named = |class: u8| -> Vec<String> {
        let mut names: Vec<String> = hellos
            .iter()
            .flat_map(|hello| &hello.cipher_suites)
            .filter(|suite| suite.class == Some(class))
            .map(|suite| suite.name.clone().unwrap_or_else(|| suite.id.clone()))
            .collect();
        names.sort();
        names.dedup();
        names
    };
    let broken = named(4);
    if !broken.is_empty() {
        return vec![Reason {
            grade: Grade::F,
            text: format!(
                "offers severely broken cipher suites upstream (NULL, export, anonymous, single DES): {}",
                broken.join(", ")
            ),
            cases: Vec::new(),
        }];
    }
    let attacked = named(3);
    if !attacked.is_empty() {
        return vec![Reason {
            grade: Grade::C,
            text: format!(
                "offers cipher suites with known attacks upstream (RC4, IDEA, SEED, Camellia, PSK, KRB5): {}",
                attacked.join(", ")
            ),
            cases: Vec::new(),
        }];
    }
    let mut reasons: Vec<Reason> = hellos
        .iter()
        .filter_map(|hello| {
            let first = hello.cipher_suites.iter().find(|suite| {
                suite.id != format!("0x{RENEGOTIATION_SCSV:04X}")
                    && suite.id != format!("0x{FALLBACK_SCSV:04X}")
            })?;
            let name = first.name.clone().unwrap_or_else(|| first.id.clone());
            Some(match first.class {
                Some(1) => Reason {
                    grade: Grade::A,
                    text: format!(
                        "the first suite offered upstream, {name}, is class 1 (forward secret AEAD{})",
                        if name.starts_with("TLS_AES") || name.starts_with("TLS_CHACHA") {
                            "; TLS 1.3 suites are placed in class 1, the 2017 table predates them"
                        } else {
                            ""
                        }
                    ),
                    cases: Vec::new(),
                },
                Some(2) => Reason {
                    grade: Grade::B,
                    text: format!(
                        "the first suite offered upstream, {name}, is class 2 (no forward secrecy, CBC or 3DES)"
                    ),
                    cases: Vec::new(),
                },
                _ => Reason {
                    grade: Grade::B,
                    text: format!(
                        "the first suite offered upstream, {name}, is not in the 2017 table: at best B"
                    ),
                    cases: Vec::new(),
                },
            })
        })
        .collect();
    reasons.sort_by_key(|reason| std::cmp::Reverse(reason.grade));
    reasons.dedup();
    reasons.truncate(1);
    reasons
}

/// Versions and compression offered upstream.
fn protocol_reasons(hellos: &[ClientHelloSummary]) -> Vec<Reason> {
    let mut reasons = Vec::new();
    if let Some(max) = hellos
        .iter()
        .map(ClientHelloSummary::max_version_number)
        .min()
    {
        if max <= 0x0300 {
            reasons.push(Reason {
                grade: Grade::C,
                text: "offers nothing above SSL 3.0 upstream (POODLE)".to_owned(),
                cases: Vec::new(),
            });
        } else if max < 0x0303 {
            reasons.push(Reason {
                grade: Grade::B,
                text: format!(
                    "offers nothing above {} upstream (no AEAD suites)",
                    super::hello::version_name(max)
                ),
                cases: Vec::new(),
            });
        }
    }
    if hellos.iter().any(|hello| !hello.compression.is_empty()) {
        reasons.push(Reason {
            grade: Grade::C,
            text: "offers TLS compression upstream (CRIME)".to_owned(),
            cases: Vec::new(),
        });
    }
    reasons
}

/// The cases whose flaw the proxy hid from this machine.
fn masking_reasons(masked: &[Masked]) -> Vec<Reason> {
    let cases = |flaw: Flaw| -> Vec<String> {
        masked
            .iter()
            .filter(|masked| masked.flaw == flaw)
            .map(|masked| masked.case.clone())
            .collect()
    };
    let rules: [(Flaw, Grade, &str); 11] = [
        (
            Flaw::Invalid,
            Grade::F,
            "accepts invalid upstream certificates and hands this machine a chain it trusts",
        ),
        (
            Flaw::Md5,
            Grade::F,
            "accepts MD5-signed upstream certificates (chosen-prefix collisions forged a CA certificate in 2008)",
        ),
        (
            Flaw::Sha1,
            Grade::C,
            "accepts SHA-1-signed upstream certificates (chosen-prefix collisions since 2020)",
        ),
        (
            Flaw::WeakKey,
            Grade::B,
            "accepts an upstream RSA key under 2048 bits",
        ),
        (
            Flaw::Revoked,
            Grade::B,
            "does not check revocation upstream: a revoked certificate reaches this machine as valid",
        ),
        (
            Flaw::ExportDh,
            Grade::F,
            "completes DHE with a 512-bit group upstream (Logjam: export strength, broken by anyone) and shows this machine a modern connection",
        ),
        (
            Flaw::Sweet32,
            Grade::C,
            "completes a 3DES-only handshake upstream (SWEET32) and shows this machine a modern connection",
        ),
        (
            Flaw::WeakDh,
            Grade::C,
            "completes DHE with a 1024-bit group upstream (Logjam: within reach of one precomputation) and shows this machine a modern connection",
        ),
        (
            Flaw::Sha1Handshake,
            Grade::C,
            "accepts a SHA-1-signed key exchange upstream (SLOTH) and shows this machine a modern connection",
        ),
        (
            Flaw::OldProtocol,
            Grade::B,
            "connects to TLS 1.0- or 1.1-only origins (RFC 8996 deprecates both; modern browsers refuse them) and shows this machine a modern connection",
        ),
        (
            Flaw::NoForwardSecrecy,
            Grade::B,
            "completes static RSA key exchange upstream (no forward secrecy) and shows this machine a forward-secret connection",
        ),
    ];
    rules
        .into_iter()
        .filter_map(|(flaw, grade, text)| {
            let cases = cases(flaw);
            (!cases.is_empty()).then(|| Reason {
                grade,
                text: text.to_owned(),
                cases,
            })
        })
        .collect()
}

/// What the forged chains themselves show.
fn client_reasons(client: &ClientLegFlaws) -> Vec<Reason> {
    let mut reasons = Vec::new();
    if let Some(incident) = &client.leaked_key {
        reasons.push(Reason {
            grade: Grade::F,
            text: format!(
                "the proxy's CA key is public ({incident}): anyone can forge certificates this machine trusts"
            ),
            cases: Vec::new(),
        });
    }
    if client.weak_signatures.iter().any(|alg| alg.contains("md5")) {
        reasons.push(Reason {
            grade: Grade::F,
            text: "signs the certificates it forges with MD5".to_owned(),
            cases: Vec::new(),
        });
    } else if !client.weak_signatures.is_empty() {
        reasons.push(Reason {
            grade: Grade::C,
            text: "signs the certificates it forges with SHA-1".to_owned(),
            cases: Vec::new(),
        });
    }
    if !client.weak_keys.is_empty() {
        reasons.push(Reason {
            grade: Grade::B,
            text: format!(
                "forges with keys under 2048 bits: {}",
                client.weak_keys.join(", ")
            ),
            cases: Vec::new(),
        });
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::hello::parse_client_hello;

    fn hello_with(suites: &[u16], version: u16) -> ClientHelloSummary {
        let mut body = version.to_be_bytes().to_vec();
        body.extend_from_slice(&[0; 32]);
        body.push(0);
        body.extend_from_slice(&u16::try_from(suites.len() * 2).unwrap().to_be_bytes());
        for suite in suites {
            body.extend_from_slice(&suite.to_be_bytes());
        }
        body.extend_from_slice(&[0x01, 0x00]);
        let mut message = vec![0x01, 0x00];
        message.extend_from_slice(&u16::try_from(body.len()).unwrap().to_be_bytes());
        message.extend_from_slice(&body);
        parse_client_hello(&message).unwrap()
    }

    #[test]
    fn the_cipher_rule_is_the_papers() {
        let clean = ClientLegFlaws::default();
        let grade_of =
            |suites: &[u16]| grade(&[hello_with(suites, 0x0303)], &[], &clean).map(|g| g.grade);
        assert_eq!(grade_of(&[0xc02f, 0x009c]), Some(Grade::A));
        assert_eq!(
            grade_of(&[0x00ff, 0xc02f]),
            Some(Grade::A),
            "the SCSV is skipped"
        );
        assert_eq!(grade_of(&[0x1301, 0xc02f]), Some(Grade::A));
        assert_eq!(
            grade_of(&[0x009c, 0xc02f]),
            Some(Grade::B),
            "RSA key exchange first"
        );
        assert_eq!(grade_of(&[0xc02f, 0x0005]), Some(Grade::C), "RC4 anywhere");
        assert_eq!(
            grade_of(&[0xc02f, 0x0005, 0x0009]),
            Some(Grade::F),
            "single DES anywhere"
        );
        assert_eq!(grade_of(&[0xc02f, 0x0003]), Some(Grade::F), "export");
    }

    #[test]
    fn masking_and_protocols_lower_the_grade_and_every_reason_is_kept() {
        let good = hello_with(&[0xc02f], 0x0303);
        let masked = [
            Masked {
                case: "revoked-crl".to_owned(),
                flaw: Flaw::Revoked,
            },
            Masked {
                case: "sha1".to_owned(),
                flaw: Flaw::Sha1,
            },
        ];
        let grading = grade(
            std::slice::from_ref(&good),
            &masked,
            &ClientLegFlaws::default(),
        )
        .unwrap();
        assert_eq!(grading.grade, Grade::C);
        assert_eq!(grading.reasons.len(), 3);
        assert_eq!(grading.reasons[0].cases, ["sha1"]);
        let expired = [Masked {
            case: "expired".to_owned(),
            flaw: Flaw::Invalid,
        }];
        let clean = ClientLegFlaws::default();
        let grade_of = |hello: ClientHelloSummary, masked: &[Masked]| {
            grade(&[hello], masked, &clean).map(|g| g.grade)
        };
        assert_eq!(grade_of(good, &expired), Some(Grade::F));
        assert_eq!(grade_of(hello_with(&[0xc02f], 0x0301), &[]), Some(Grade::B));
        assert_eq!(grade(&[], &[], &clean), None, "no hello, no grade");
    }

    #[test]
    fn the_table_is_complete_and_letters_parse() {
        assert_eq!(suite_class(0x0000), Some(4));
        assert_eq!(suite_class(0x000a), Some(2));
        assert_eq!(suite_class(0x1302), Some(1));
        assert_eq!(
            suite_class(0xfefe),
            Some(4),
            "SSL_RSA_FIPS_WITH_DES_CBC_SHA"
        );
        assert_eq!(suite_class(0xabcd), None);
        assert_eq!(
            load("audit/cipher-classes.csv", CIPHER_CLASSES, |_| Some(())).len(),
            360,
            "355 rows of the paper, 5 of TLS 1.3"
        );
        assert_eq!(Grade::from_letter("b"), Some(Grade::B));
        assert_eq!(Grade::from_letter("D"), None);
        assert!(Grade::A < Grade::F);
    }
}
