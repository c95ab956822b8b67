//! The HTML renderer (`--format html`): one self-contained file (inline CSS and SVG; no script,
//! font or image is fetched), readable offline and printable. Every page starts with its summary;
//! endpoint reports then draw each chain (`chain.rs`), `logs` tables its problems and charts them
//! over time (`logs.rs`), `trust` and `audit-proxy` table their roots and cases. Every string
//! from a peer, a certificate, a log or a path goes through [`esc`], after `sanitize`.

mod audit;
mod chain;
mod discovery;
mod logs;
mod trust;

use std::fmt::Write as _;
use std::io::{self, Write};

pub use audit::write_audit_html;
pub use discovery::write_discovery_html;
pub use logs::write_logs_html;
pub use trust::write_trust_html;

use crate::clock::rfc3339;
use crate::finding::{Finding, Severity};
use crate::report::{EndpointReport, Report, Status};
use crate::sanitize::sanitize;

const STYLE: &str = include_str!("style.css");

/// Escapes text for HTML element content and quoted attribute values, after the terminal
/// sanitiser has made control, bidi and invisible characters visible.
pub(crate) fn esc(text: &str) -> String {
    let text = sanitize(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A page being built: sections are appended to `body`; [`Page::write`] wraps them.
pub(crate) struct Page {
    title: String,
    pub(crate) body: String,
}

impl Page {
    pub(crate) fn new(title: &str) -> Self {
        Self {
            title: esc(title),
            body: String::new(),
        }
    }

    /// Appends formatted markup (`write!` into a `String` cannot fail).
    pub(crate) fn push(&mut self, args: std::fmt::Arguments<'_>) {
        let _ = self.body.write_fmt(args);
    }

    /// Writes the whole document.
    pub(crate) fn write(&self, out: &mut impl Write) -> io::Result<()> {
        write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
             style-src 'unsafe-inline'; img-src data:\">\n\
             <title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n{}\
             <footer>tlsinspect {}</footer>\n</body>\n</html>\n",
            self.title,
            self.title,
            self.body,
            env!("CARGO_PKG_VERSION")
        )
    }
}

/// The CSS class of a severity.
pub(crate) fn severity_class(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

fn status_label(status: Status) -> (&'static str, &'static str) {
    match status {
        Status::Error => ("error", "FAIL"),
        Status::Warning => ("warning", "WARN"),
        Status::Ok => ("ok", "OK"),
    }
}

/// A list of findings with their advice (`data-code` carries each code).
pub(crate) fn findings_list(page: &mut Page, findings: &[Finding]) {
    if findings.is_empty() {
        page.push(format_args!("<p class=\"ok\">No finding.</p>\n"));
        return;
    }
    page.push(format_args!("<ul class=\"findings\">\n"));
    for finding in findings {
        let class = severity_class(finding.severity);
        page.push(format_args!(
            "<li class=\"finding {class}\" data-code=\"{code}\"><span class=\"badge {class}\">{class}</span> \
             <code>{code}</code> {message}",
            code = finding.code,
            message = esc(&finding.message),
        ));
        if let Some(cause) = finding.consequence_of {
            page.push(format_args!(
                " <em>(follows from <code>{cause}</code>)</em>"
            ));
        }
        if let Some(flag) = finding.winhttp_flag {
            page.push(format_args!(
                "<div class=\"winhttp\">WinHTTP: <code>{flag}</code></div>"
            ));
        }
        page.push(format_args!(
            "<div class=\"advice\">{}</div></li>\n",
            esc(finding.advice())
        ));
    }
    page.push(format_args!("</ul>\n"));
}

/// Writes an endpoint report (`check`, `inspect`, `demo`) as one HTML page.
pub fn write_html(report: &Report, out: &mut impl Write) -> io::Result<()> {
    let mut page = Page::new(&format!("tlsinspect {} report", report.command));
    let summary = &report.summary;
    page.push(format_args!("<section class=\"summary\">\n"));
    if let Some(diagnosis) = &summary.diagnosis {
        page.push(format_args!(
            "<p class=\"diagnosis\">{}</p>\n",
            esc(diagnosis)
        ));
    }
    page.push(format_args!(
        "<p class=\"counts\"><strong>{}</strong> endpoint{} judged at {}{}: \
         <span class=\"ok\">{} ok</span>, <span class=\"warning\">{} with warnings</span>, \
         <span class=\"error\">{} with errors</span>.</p>\n",
        summary.endpoints,
        if summary.endpoints == 1 { "" } else { "s" },
        rfc3339(report.evaluated_at),
        report
            .profile
            .map(|profile| format!(" (profile {profile})"))
            .unwrap_or_default(),
        summary.ok,
        summary.warnings,
        summary.errors
    ));
    page.push(format_args!(
        "<table class=\"overview\"><thead><tr><th>status</th><th>endpoint</th><th>headline</th></tr></thead><tbody>\n"
    ));
    for (id, endpoint) in report.endpoints.iter().enumerate() {
        let (class, label) = status_label(endpoint.status);
        page.push(format_args!(
            "<tr><td><span class=\"badge {class}\">{label}</span></td><td><a href=\"#endpoint-{id}\">{}</a></td><td><code>{}</code></td></tr>\n",
            esc(&endpoint.target),
            endpoint.headline.map_or("ok", |code| code.as_str())
        ));
    }
    page.push(format_args!("</tbody></table>\n</section>\n"));
    for (id, endpoint) in report.endpoints.iter().enumerate() {
        endpoint_section(&mut page, id, endpoint, report.evaluated_at);
    }
    page.write(out)
}

fn endpoint_section(
    page: &mut Page,
    id: usize,
    endpoint: &EndpointReport,
    at: time::OffsetDateTime,
) {
    let (class, label) = status_label(endpoint.status);
    page.push(format_args!(
        "<section class=\"endpoint {class}\" id=\"endpoint-{id}\" data-target=\"{target}\">\n\
         <h2><span class=\"badge {class}\">{label}</span> {target}{purpose}</h2>\n<dl class=\"facts\">\n",
        target = esc(&endpoint.target),
        purpose = endpoint
            .purpose
            .as_deref()
            .map(|purpose| format!(" <small>({})</small>", esc(purpose)))
            .unwrap_or_default(),
    ));
    if let Some(destination) = &endpoint.destination {
        let mut reached = esc(&destination.peer);
        if let Some(name) = &destination.peer_name {
            let _ = write!(reached, " ({})", esc(name));
        }
        if let Some(route) = destination.route() {
            let _ = write!(reached, " {}", esc(&route));
        }
        if let Some(connect_to) = &destination.connect_to {
            let _ = write!(reached, " [--connect-to {}]", esc(connect_to));
        }
        page.push(format_args!("<dt>connected to</dt><dd>{reached}</dd>\n"));
    }
    if let Some(tls) = &endpoint.tls {
        page.push(format_args!(
            "<dt>TLS</dt><dd>{} {}, ALPN {}, SNI {}</dd>\n",
            esc(&tls.version),
            esc(&tls.cipher_suite),
            esc(tls.alpn.as_deref().unwrap_or("none")),
            esc(tls.sni.as_deref().unwrap_or("none (IP address)"))
        ));
    }
    match (&endpoint.http, &endpoint.http_error) {
        (Some(http), _) => page.push(format_args!(
            "<dt>HTTP</dt><dd>{} (Date: {})</dd>\n",
            esc(&http.status_line),
            http.date.map_or_else(|| "none valid".to_owned(), rfc3339)
        )),
        (None, Some(error)) => page.push(format_args!(
            "<dt>HTTP</dt><dd>no answer ({})</dd>\n",
            esc(error)
        )),
        (None, None) => {}
    }
    page.push(format_args!("</dl>\n"));
    if !endpoint.certificates.is_empty() || endpoint.trust.is_some() {
        chain::draw(page, endpoint, at);
    }
    findings_list(page, &endpoint.findings);
    page.push(format_args!("</section>\n"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_peer_strings_becomes_text() {
        assert_eq!(
            esc("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(
            esc("\"><img src=x onerror='a()'>"),
            "&quot;&gt;&lt;img src=x onerror=&#39;a()&#39;&gt;"
        );
        assert_eq!(esc("a\u{202e}b & c"), "a\\u{202e}b &amp; c");
    }
}
