//! The text renderer, for people: per endpoint the destination, TLS facts, the article's
//! "Certificate details" block, fingerprints, then findings in plain words with advice.
//! Every string that came from a peer or a certificate goes through `sanitize`.

use std::io::{self, Write};

use time::OffsetDateTime;

use crate::chain::CertInfo;
use crate::clock::rfc3339;
use crate::finding::{Finding, Severity};
use crate::report::{EndpointReport, Report, Status, Summary};
use crate::revocation::{Overall, RevocationReport, Status as RevocationStatus};
use crate::sanitize::sanitize;
use crate::validate::Trust;

/// Text rendering options.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    /// ANSI colours.
    pub color: bool,
    /// Every certificate of the chain, not only the leaf.
    pub verbose: bool,
}

impl TextOptions {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// `text` in the colour of a good state.
    pub(crate) fn paint_ok(&self, text: &str) -> String {
        self.paint("32", text)
    }

    /// `text` coloured as `severity` is.
    pub(crate) fn severity_text(&self, severity: Severity, text: &str) -> String {
        match severity {
            Severity::Error => self.paint("1;31", text),
            Severity::Info => self.paint("36", text),
            Severity::Warning => self.paint("33", text),
        }
    }

    /// The severity's word padded to one column (`error  `, `warning`), coloured, for lists
    /// of findings.
    pub(crate) fn severity_column(&self, severity: Severity) -> String {
        self.severity_text(severity, &format!("{:<7}", severity.as_str()))
    }

    fn severity(&self, severity: Severity) -> String {
        match severity {
            Severity::Error => self.paint("1;31", "error"),
            Severity::Info => self.paint("36", "info"),
            Severity::Warning => self.paint("33", "warning"),
        }
    }

    pub(super) fn status(&self, status: Status) -> String {
        match status {
            Status::Error => self.paint("1;31", "FAIL"),
            Status::Ok => self.paint("32", "OK"),
            Status::Warning => self.paint("33", "WARN"),
        }
    }
}

/// Writes the report as text.
pub fn write_text(report: &Report, out: &mut impl Write, options: TextOptions) -> io::Result<()> {
    if report.summary.diagnosis.is_some() {
        write_diagnosis(&report.summary, out)?;
        for endpoint in &report.endpoints {
            let code = endpoint.headline.map(|code| code.as_str()).unwrap_or("ok");
            writeln!(
                out,
                "  {} {} ({code})",
                options.status(endpoint.status),
                sanitize(&endpoint.target)
            )?;
        }
    } else {
        for endpoint in &report.endpoints {
            write_endpoint(endpoint, out, options)?;
            writeln!(out)?;
        }
    }
    write_totals(&report.summary, report.evaluated_at, out)
}

/// The last line: how many endpoints, judged when, and their states.
pub(super) fn write_totals(
    summary: &Summary,
    evaluated_at: OffsetDateTime,
    out: &mut impl Write,
) -> io::Result<()> {
    writeln!(
        out,
        "{} endpoint{} checked at {}: {} ok, {} with warnings, {} with errors",
        summary.endpoints,
        if summary.endpoints == 1 { "" } else { "s" },
        rfc3339(evaluated_at),
        summary.ok,
        summary.warnings,
        summary.errors
    )
}

/// The diagnosis paragraph, when there is one, and a blank line.
pub(super) fn write_diagnosis(summary: &Summary, out: &mut impl Write) -> io::Result<()> {
    match &summary.diagnosis {
        Some(diagnosis) => writeln!(out, "{}\n", wrap(diagnosis, 96)),
        None => Ok(()),
    }
}

/// One endpoint's block.
pub(super) fn write_endpoint(
    endpoint: &EndpointReport,
    out: &mut impl Write,
    options: TextOptions,
) -> io::Result<()> {
    let purpose = endpoint
        .purpose
        .as_deref()
        .map(|p| format!(" ({p})"))
        .unwrap_or_default();
    writeln!(
        out,
        "{} {}{purpose}",
        options.status(endpoint.status),
        sanitize(&endpoint.target)
    )?;
    if let Some(destination) = &endpoint.destination {
        let name = destination
            .peer_name
            .as_deref()
            .map(sanitize)
            .unwrap_or_else(|| "no reverse name".into());
        write!(
            out,
            "  Network connection destination details: {} ({name})",
            destination.peer
        )?;
        if let Some(route) = destination.route() {
            write!(out, " {}", sanitize(&route))?;
        }
        if let Some(connect_to) = &destination.connect_to {
            write!(out, " [--connect-to {connect_to}]")?;
        }
        writeln!(out)?;
        if destination.resolved.len() > 1 {
            writeln!(out, "  resolved: {}", destination.resolved.join(", "))?;
        }
    }
    if let Some(tls) = &endpoint.tls {
        let alpn = tls.alpn.as_deref().unwrap_or("none");
        let sni = tls.sni.as_deref().unwrap_or("none (IP address)");
        writeln!(
            out,
            "  TLS: {} {}, ALPN {alpn}, SNI {sni}",
            tls.version, tls.cipher_suite
        )?;
    }
    match (&endpoint.http, &endpoint.http_error) {
        (Some(http), _) => {
            let date = match (http.date, &http.date_invalid) {
                (Some(date), _) => rfc3339(date),
                (None, Some(invalid)) => format!("\"{}\" is not an HTTP date", sanitize(invalid)),
                (None, None) => "no Date header".to_owned(),
            };
            writeln!(
                out,
                "  HTTP: {} (Date: {date})",
                sanitize(&http.status_line)
            )?;
        }
        (None, Some(error)) => writeln!(out, "  HTTP: no answer ({})", sanitize(error))?,
        (None, None) => {}
    }
    if let Some(leaf) = endpoint.certificates.first() {
        write_details(leaf, out)?;
        let shown = if options.verbose {
            endpoint.certificates.len()
        } else {
            1
        };
        for (index, cert) in endpoint.certificates.iter().enumerate().take(shown) {
            write_fingerprints(index, cert, out)?;
        }
        if endpoint.certificates.len() > 1 {
            writeln!(out, "  Chain as presented:")?;
            for (index, cert) in endpoint.certificates.iter().enumerate() {
                writeln!(
                    out,
                    "    [{index}] {} (until {}, {})",
                    sanitize(&cert.subject),
                    rfc3339(cert.not_after),
                    cert.key
                )?;
            }
        }
    }
    if let Some(trust) = &endpoint.trust {
        writeln!(out, "  Trust: {}", describe_trust(trust))?;
        write_revocation(out, endpoint.revocation.as_ref())?;
    }
    for finding in &endpoint.findings {
        write_finding(finding, out, options)?;
    }
    Ok(())
}

/// A finding: severity, code, message, the WinHTTP flag it matches and the advice.
pub(super) fn write_finding(
    finding: &Finding,
    out: &mut impl Write,
    options: TextOptions,
) -> io::Result<()> {
    writeln!(
        out,
        "  {} {}: {}",
        options.severity(finding.severity),
        finding.code,
        sanitize(&finding.message)
    )?;
    if let Some(flag) = finding.winhttp_flag {
        writeln!(out, "      WinHTTP: {flag}")?;
    }
    writeln!(out, "      advice: {}", finding.advice())
}

/// The article's "Certificate details" block: one line per RDN value.
fn write_details(cert: &CertInfo, out: &mut impl Write) -> io::Result<()> {
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    let date = |at: OffsetDateTime| at.format(&format).unwrap_or_else(|_| rfc3339(at));
    writeln!(out, "  Certificate details:")?;
    writeln!(out, "  ---Validity--")?;
    writeln!(out, "  Valid from: {}", date(cert.not_before))?;
    writeln!(out, "  Valid until: {}", date(cert.not_after))?;
    writeln!(out, "  ---Subject---")?;
    for value in &cert.subject_values {
        writeln!(out, "  {}", sanitize(value))?;
    }
    writeln!(out, "  ---Issuer----")?;
    for value in &cert.issuer_values {
        writeln!(out, "  {}", sanitize(value))?;
    }
    writeln!(out, "  -------------")?;
    let names = cert.names();
    if !names.is_empty() {
        let shown: Vec<_> = names
            .iter()
            .take(8)
            .map(|name| sanitize(name).into_owned())
            .collect();
        let more = if names.len() > 8 {
            format!(" (+{} more)", names.len() - 8)
        } else {
            String::new()
        };
        writeln!(out, "  SANs: {}{more}", shown.join(", "))?;
    }
    Ok(())
}

fn write_fingerprints(index: usize, cert: &CertInfo, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "  [{index}] SHA-256 {}", cert.sha256)?;
    writeln!(out, "      SPKI SHA-256 {}", cert.spki_sha256)
}

fn describe_trust(trust: &Trust) -> String {
    match trust {
        Trust::Trusted {
            source,
            anchor_subject,
            via_fetched_intermediate,
            ..
        } => {
            let store = source.describe();
            let fetched = if *via_fetched_intermediate {
                " (with an intermediate fetched by AIA)"
            } else {
                ""
            };
            format!("chains to {} in {store}{fetched}", sanitize(anchor_subject))
        }
        Trust::Unknown { reason } => format!("not determined: {}", sanitize(reason)),
        Trust::Untrusted { reason } => format!("NOT trusted: {}", sanitize(reason)),
    }
}

/// Wraps a paragraph at `width` columns.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line_len = 0;
    for word in text.split_whitespace() {
        if line_len > 0 && line_len + 1 + word.len() > width {
            out.push('\n');
            line_len = 0;
        } else if line_len > 0 {
            out.push(' ');
            line_len += 1;
        }
        out.push_str(word);
        line_len += word.len();
    }
    out
}

/// "Revocation: …" and one line per source.
fn write_revocation(out: &mut dyn Write, report: Option<&RevocationReport>) -> io::Result<()> {
    let Some(report) = report else {
        return writeln!(out, "  Revocation: not checked");
    };
    let overall = match report.status {
        Overall::Good => "not revoked (verified, fresh answers from the issuers)",
        Overall::Revoked => "REVOKED",
        Overall::Unavailable => "UNKNOWN (a certificate has no usable answer)",
    };
    writeln!(out, "  Revocation: {overall}")?;
    for source in &report.sources {
        let status = match &source.status {
            RevocationStatus::Good => "good".to_owned(),
            RevocationStatus::Revoked { reason, revoked_at } => format!(
                "REVOKED{}{}",
                revoked_at
                    .map(|at| format!(" since {}", rfc3339(at)))
                    .unwrap_or_default(),
                reason
                    .as_deref()
                    .map(|r| format!(" ({})", sanitize(r)))
                    .unwrap_or_default()
            ),
            RevocationStatus::Unavailable { detail, .. } => {
                format!("unavailable: {}", sanitize(detail))
            }
        };
        let facts = &source.facts;
        let mut notes: Vec<String> = Vec::new();
        if let Some(url) = &facts.url {
            notes.push(sanitize(url).into_owned());
        }
        if let Some(method) = facts.method {
            notes.push(method.to_owned());
        }
        if let Some(responder) = &facts.responder {
            notes.push(format!("signed by {}", sanitize(responder)));
        }
        if let Some(nonce) = facts.nonce {
            notes.push(format!("nonce {}", nonce.describe()));
        }
        if let (Some(this), Some(next)) = (facts.this_update, facts.next_update) {
            notes.push(format!("{} .. {}", rfc3339(this), rfc3339(next)));
        }
        writeln!(
            out,
            "    [{}] {}{}: {status}",
            source.cert_index,
            source.source.describe(),
            if notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", notes.join(", "))
            }
        )?;
    }
    Ok(())
}
