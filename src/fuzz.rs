//! Entry points for the fuzz targets (`fuzz/`, cargo-fuzz): one per parser that takes outside
//! bytes. Each feeds the bytes through the same code a command runs and must return, whatever
//! the bytes: no panic, no hang, bounded memory. The regression test `tests/it/fuzzing.rs`
//! replays every input kept in `tests/fuzz-regressions/<target>/` through these same functions.
//! Not part of the tool's interface.

use std::sync::OnceLock;

use rustls_pki_types::{CertificateDer, CertificateRevocationListDer};
use time::OffsetDateTime;

use crate::chain::{CertInfo, read_certificates, read_certificates_unbounded};
use crate::revocation::{Depth, Link, check_saved, links, read_crls, read_ocsp_response};
use crate::validate::{AiaOutcome, AnchorSet, Anchors, ValidationInput, validate};

/// A fuzz target's entry point.
pub(crate) type Entry = fn(&[u8]);

/// The targets, by name (the names of `fuzz/fuzz_targets/*.rs` and of the regression folders).
pub const TARGETS: [(&str, Entry); 10] = [
    ("certificate", certificate),
    ("pem", pem),
    ("crl", crl),
    ("ocsp", ocsp),
    ("http_head", http_head),
    ("trace", trace),
    ("targets", targets),
    ("cli_values", cli_values),
    ("client_hello", client_hello),
    ("proxy_list", proxy_list),
];

/// The lab chain the revocation targets ask about (testcerts/valid, embedded).
const LEAF: &str = include_str!("../testcerts/valid/leaf.pem");
const INTER: &str = include_str!("../testcerts/valid/inter.pem");
const ROOT: &str = include_str!("../testcerts/ca.pem");

fn lab_chain() -> &'static (Vec<CertificateDer<'static>>, Anchors) {
    static CHAIN: OnceLock<(Vec<CertificateDer<'static>>, Anchors)> = OnceLock::new();
    CHAIN.get_or_init(|| {
        let mut chain = read_certificates(LEAF.as_bytes()).unwrap_or_default();
        chain.extend(read_certificates(INTER.as_bytes()).unwrap_or_default());
        let anchors = AnchorSet::from_pem(ROOT.as_bytes())
            .map(Anchors::only)
            .unwrap_or_else(|_| Anchors::new(AnchorSet::mozilla(), None));
        (chain, anchors)
    })
}

fn lab_links() -> &'static Vec<Link> {
    static LINKS: OnceLock<Vec<Link>> = OnceLock::new();
    LINKS.get_or_init(|| {
        let (chain, anchors) = lab_chain();
        let anchor = anchors.primary().anchors().first();
        links(chain, None, anchor, None, Depth::Chain)
    })
}

fn at() -> OffsetDateTime {
    time::macros::datetime!(2030-01-01 00:00 UTC)
}

/// The certificate view, and validation with the bytes as the leaf under the lab root.
pub fn certificate(data: &[u8]) {
    let _ = CertInfo::parse(data);
    let (chain, anchors) = lab_chain();
    let mut presented = vec![CertificateDer::from(data.to_vec())];
    presented.extend(chain.iter().skip(1).cloned());
    let host = "www.googleapis.com".parse().ok();
    let _ = validate(&ValidationInput {
        chain: &presented,
        host: host.as_ref(),
        at: at(),
        anchors,
        aia: AiaOutcome::NotTried,
    });
}

/// The PEM/DER readers of chains, bundles, CRLs and OCSP responses.
pub fn pem(data: &[u8]) {
    let _ = read_certificates(data);
    let _ = read_certificates_unbounded(data);
    let _ = read_crls(data.to_vec());
    let _ = read_ocsp_response(data.to_vec());
}

/// A CRL applied to the lab chain (outer fields, signature, scope, serial lookup), and its
/// entries walked whole (the lookup is reached only past the signature).
pub fn crl(data: &[u8]) {
    let _ = crate::revocation::count_entries(data);
    let crls = [CertificateRevocationListDer::from(data.to_vec())];
    let _ = check_saved(
        lab_links(),
        &crls,
        &[],
        at(),
        time::Duration::minutes(5),
        crate::revocation::RevocationPolicy::Hard,
    );
}

/// An OCSP response applied to the lab chain (status, CertID, signer, freshness).
pub fn ocsp(data: &[u8]) {
    let _ = check_saved(
        lab_links(),
        &[],
        &[data.to_vec()],
        at(),
        time::Duration::minutes(5),
        crate::revocation::RevocationPolicy::Hard,
    );
}

/// An HTTP response head and its dates.
pub fn http_head(data: &[u8]) {
    if let Ok(response) = crate::net::http::parse_head(data) {
        let _ = response.date();
        let _ = response.invalid_date();
    }
    let _ = crate::net::http::parse_http_date(&String::from_utf8_lossy(data));
}

/// Trace-log bytes through the whole `logs` pipeline (encoding, chunks, scan, assembler,
/// diagnosis, problems) and its text renderer.
pub fn trace(data: &[u8]) {
    // Built by hand: `LogRequest::new` asks the system for its cores, which costs more than a
    // small input's whole analysis.
    let request = crate::logs::LogRequest {
        inputs: vec!["-".into()],
        since: None,
        until: None,
        timeline: Some(crate::logs::DEFAULT_TIMELINE_ROWS),
        workers: 1,
        bytes_read: Default::default(),
    };
    let stdin = std::io::Cursor::new(data.to_vec());
    if let Ok(report) = crate::logs::analyze(&request, stdin) {
        let _ = crate::render::write_logs_text(&report, &mut std::io::sink(), Default::default());
    }
}

/// A targets file, read as `--targets-file` reads it (ranges expanded lazily: the first
/// hundred thousand targets are made).
pub fn targets(data: &[u8]) {
    crate::target::TargetList::new(data)
        .take(100_000)
        .for_each(drop);
}

/// Option values: `--connect-to`, `--proxy`, a target, a value for `decode`.
pub fn cli_values(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = text.parse::<crate::net::ConnectTo>();
    let _ = text.parse::<crate::net::ProxyUrl>();
    let _ = text.parse::<crate::Target>();
    let _ = crate::wincodes::decode_pasted(&text);
    let _ = crate::target::redact_credentials(&text);
}

/// A ClientHello a proxy sent upstream (`audit-proxy`'s upstream leg), and its grade.
pub fn client_hello(data: &[u8]) {
    if let Ok(hello) = crate::audit::parse_client_hello(data) {
        let _ = crate::audit::grade(&[hello], &[], &crate::audit::ClientLegFlaws::default());
    }
}

/// A proxy list and a bypass list as Windows gives them (the user's settings, `netsh winhttp`,
/// or the answer of a PAC script downloaded from the network): the first line is the bypass
/// list, the rest the proxy list; the bypass list is matched against a few hosts and against
/// those of the proxy list's first four entries that parse as one (a URL asks about one host).
pub fn proxy_list(data: &[u8]) {
    use crate::net::system_proxy::{bypass_matches, proxy_from_list};
    use crate::target::{Host, Scheme};
    let text = String::from_utf8_lossy(data);
    let (bypass, list) = text.split_once('\n').unwrap_or((&text, &text));
    for scheme in [Scheme::Https, Scheme::Http] {
        let _ = proxy_from_list(list, scheme);
    }
    let hosts = ["www.google.com", "intranet", "127.0.0.1", "[::1]"]
        .into_iter()
        .map(str::to_owned)
        .chain(list.split([';', ' ']).take(4).map(str::to_owned))
        .filter_map(|host| host.parse::<Host>().ok());
    for host in hosts {
        let _ = bypass_matches(bypass, &host);
    }
}
