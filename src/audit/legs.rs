//! The two legs side by side: what the proxy offered and negotiated upstream (from the origins'
//! records) and what it showed this machine (from the forged chains), with the differences a
//! security team looks for.

use std::collections::BTreeSet;

use serde::Serialize;

use super::grade::ClientLegFlaws;
use super::hello::{ClientHelloSummary, parse_client_hello};
use super::probe::{Observation, Outcome};
use crate::detect::identify_product;
use crate::lab::audit::{AuditCase, UpstreamConnection};
use crate::trust::leaked_key;

/// The upstream leg.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct UpstreamLeg {
    /// Connections the proxy opened to the origins.
    pub connections: usize,
    /// The ClientHello the proxy sent for the `good` case (else the first one seen).
    pub hello: Option<ClientHelloSummary>,
    /// Distinct ClientHellos seen (by suites, versions and extensions).
    pub distinct_hellos: usize,
    /// What was negotiated upstream for `good`: version and suite.
    pub negotiated: Option<(String, String)>,
    /// Whether every hello named the case's host (SNI kept); none when no hello was seen.
    pub sni_kept: Option<bool>,
    /// Hellos that could not be read.
    pub unreadable: usize,
    /// Cases the proxy tunnelled (the origin's own certificate reached this machine): the
    /// ClientHellos their origins recorded were this machine's, not the proxy's, so they are
    /// left out of this leg and of its grade.
    pub passed_through: Vec<&'static str>,
    /// Every hello read, for grading.
    #[serde(skip)]
    pub hellos: Vec<ClientHelloSummary>,
}

/// Builds the upstream leg from what each case's origin recorded.
pub fn upstream_leg(records: &[(AuditCase, Vec<UpstreamConnection>)], domain: &str) -> UpstreamLeg {
    let mut leg = UpstreamLeg::default();
    let mut sni_kept = true;
    let mut distinct = BTreeSet::new();
    for (case, connections) in records {
        for connection in connections {
            leg.connections += 1;
            let Some(bytes) = &connection.client_hello else {
                continue;
            };
            let Ok(hello) = parse_client_hello(bytes) else {
                leg.unreadable += 1;
                continue;
            };
            sni_kept &= hello.sni.as_deref() == Some(case.host(domain).as_str());
            distinct.insert(hello.shape());
            if *case == AuditCase::Good && leg.hello.is_none() {
                leg.hello = Some(hello.clone());
                leg.negotiated = connection
                    .version
                    .clone()
                    .zip(connection.cipher_suite.clone());
            }
            leg.hellos.push(hello);
        }
    }
    if leg.hello.is_none() {
        leg.hello = leg.hellos.first().cloned();
    }
    leg.distinct_hellos = distinct.len();
    leg.sni_kept = (!leg.hellos.is_empty()).then_some(sni_kept);
    leg
}

/// The CA the proxy forges with.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct ProxyCa {
    /// Its subject (the anchor's, when this machine trusts it; else the forged chain's top
    /// issuer).
    pub subject: String,
    /// Its SPKI SHA-256, when known.
    pub spki_sha256: Option<String>,
    /// Whether this machine trusts the chains it forges.
    pub trusted_here: bool,
    /// The product its names point to.
    pub product: Option<String>,
    /// Its private key is public: the incident.
    pub leaked_key: Option<String>,
}

/// The client leg.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct ClientLeg {
    /// Version and suite this machine negotiated with the proxy for `good`.
    pub negotiated: Option<(String, String)>,
    /// The proxy's CA, when it forged anything.
    pub ca: Option<ProxyCa>,
    /// How many cases came back forged.
    pub forged: usize,
    /// The keys of the forged leaves (`EC 256`, `RSA 2048`).
    pub leaf_keys: Vec<String>,
    /// The signature algorithms of the forged certificates.
    pub signature_algorithms: Vec<String>,
    /// The forged `good` leaf's lifetime, in days.
    pub leaf_lifetime_days: Option<i64>,
    /// Whether one key serves every forged host (none with fewer than two forgeries).
    pub one_key_for_every_host: Option<bool>,
    /// Whether the forged leaves carry the CA's own key.
    pub leaf_key_is_ca_key: bool,
    /// What differs from the upstream leg, in words.
    pub differences: Vec<String>,
}

impl ClientLeg {
    /// What the forged chains contribute to the grade.
    pub(crate) fn flaws(&self, observations: &[(AuditCase, Observation)]) -> ClientLegFlaws {
        let forged = forged(observations);
        ClientLegFlaws {
            leaked_key: self.ca.as_ref().and_then(|ca| ca.leaked_key.clone()),
            weak_signatures: forged
                .clone()
                .flat_map(|seen| &seen.certs)
                .filter(|cert| cert.has_weak_signature() && !cert.self_signed)
                .map(|cert| cert.signature_algorithm.to_ascii_lowercase())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
            weak_keys: forged
                .flat_map(|seen| &seen.certs)
                .filter(|cert| cert.key.algorithm == "RSA" && cert.key.bits < 2048)
                .map(|cert| format!("{} ({})", cert.key, cert.subject))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        }
    }
}

/// The probes that came back with a forged chain.
fn forged(observations: &[(AuditCase, Observation)]) -> impl Iterator<Item = &Observation> + Clone {
    observations.iter().map(|(_, seen)| seen).filter(|seen| {
        matches!(
            seen.outcome,
            Outcome::ForgedTrusted | Outcome::ForgedUntrusted
        )
    })
}

/// Builds the client leg from the probes (and compares it with the upstream leg).
pub fn client_leg(observations: &[(AuditCase, Observation)], upstream: &UpstreamLeg) -> ClientLeg {
    let good = observations
        .iter()
        .find(|(case, _)| *case == AuditCase::Good)
        .map(|(_, seen)| seen);
    let forged: Vec<&Observation> = forged(observations).collect();
    let mut leg = ClientLeg {
        negotiated: good
            .and_then(|seen| seen.tls.as_ref())
            .map(|tls| (tls.version.clone(), tls.cipher_suite.clone())),
        forged: forged.len(),
        ..ClientLeg::default()
    };
    let leaves: Vec<_> = forged
        .iter()
        .filter_map(|seen| seen.certs.first())
        .collect();
    leg.leaf_keys = distinct(leaves.iter().map(|leaf| leaf.key.to_string()));
    leg.signature_algorithms = distinct(
        forged
            .iter()
            .flat_map(|seen| &seen.certs)
            .filter(|cert| !cert.self_signed)
            .map(|cert| cert.signature_algorithm.clone()),
    );
    let leaf_spkis: BTreeSet<&str> = leaves
        .iter()
        .map(|leaf| leaf.spki_sha256.as_str())
        .collect();
    leg.one_key_for_every_host = (leaves.len() > 1).then_some(leaf_spkis.len() == 1);
    let model = good
        .filter(|seen| {
            matches!(
                seen.outcome,
                Outcome::ForgedTrusted | Outcome::ForgedUntrusted
            )
        })
        .or_else(|| forged.first().copied());
    if let Some(seen) = model {
        leg.leaf_lifetime_days = seen
            .certs
            .first()
            .map(|leaf| (leaf.not_after - leaf.not_before).whole_days());
        let ca = proxy_ca(seen);
        leg.leaf_key_is_ca_key = ca
            .spki_sha256
            .as_deref()
            .is_some_and(|spki| leaf_spkis.contains(spki));
        leg.ca = Some(ca);
    }
    leg.differences = differences(&leg, upstream);
    leg
}

fn proxy_ca(seen: &Observation) -> ProxyCa {
    let top = seen.certs.last();
    let (subject, spki) = match &seen.anchor {
        Some((subject, spki)) => (subject.clone(), Some(spki.clone())),
        None => match top {
            Some(cert) if cert.self_signed || seen.certs.len() > 1 => {
                (cert.subject.clone(), Some(cert.spki_sha256.clone()))
            }
            Some(cert) => (cert.issuer.clone(), None),
            None => (String::new(), None),
        },
    };
    let names: Vec<&str> = seen
        .certs
        .iter()
        .flat_map(|cert| [cert.subject.as_str(), cert.issuer.as_str()])
        .chain([subject.as_str()])
        .collect();
    let leaked = spki
        .iter()
        .map(String::as_str)
        .chain(seen.certs.iter().map(|cert| cert.spki_sha256.as_str()))
        .find_map(leaked_key)
        .map(|leak| format!("{}: {}", leak.product, leak.incident));
    ProxyCa {
        product: identify_product(names).map(|found| found.product),
        trusted_here: seen.outcome == Outcome::ForgedTrusted,
        subject,
        spki_sha256: spki,
        leaked_key: leaked,
    }
}

fn differences(client: &ClientLeg, upstream: &UpstreamLeg) -> Vec<String> {
    let mut notes = Vec::new();
    if let (Some((client_version, client_suite)), Some((up_version, up_suite))) =
        (&client.negotiated, &upstream.negotiated)
    {
        if client_version != up_version {
            notes.push(format!(
                "this machine negotiated {client_version} with the proxy; the proxy negotiated {up_version} upstream"
            ));
        }
        if client_suite != up_suite {
            notes.push(format!(
                "this machine got {client_suite}; the upstream leg used {up_suite}"
            ));
        }
    }
    if upstream
        .hello
        .as_ref()
        .is_some_and(|hello| !hello.ocsp_stapling_requested)
    {
        notes.push("the proxy does not ask origins for a stapled OCSP response".to_owned());
    }
    if upstream.sni_kept == Some(false) {
        notes.push("the proxy did not send the client's server name (SNI) upstream".to_owned());
    }
    if upstream.distinct_hellos > 1 {
        notes.push(format!(
            "the proxy sent {} different ClientHellos upstream",
            upstream.distinct_hellos
        ));
    }
    if client.leaf_key_is_ca_key {
        notes.push("the forged leaves carry the CA's own key".to_owned());
    } else if client.one_key_for_every_host == Some(true) {
        notes.push("one key serves every forged host (a pre-generated key?)".to_owned());
    }
    notes
}

fn distinct(values: impl Iterator<Item = String>) -> Vec<String> {
    values.collect::<BTreeSet<_>>().into_iter().collect()
}
