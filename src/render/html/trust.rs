//! `trust` as HTML: the summary, the problems (each with the root's locations and SPKI pin),
//! Google's roots, then every root of the store in one table.

use std::io::{self, Write};

use super::{Page, esc, findings_list};
use crate::clock::rfc3339;
use crate::finding::Severity;
use crate::trust::{GoogleRootStatus, TrustReport};

/// Writes the trust-store audit as one HTML page.
pub fn write_trust_html(report: &TrustReport, out: &mut impl Write) -> io::Result<()> {
    let mut page = Page::new("tlsinspect trust store audit");
    page.push(format_args!(
        "<section class=\"summary\"><p class=\"counts\">{}</p>\n<p>Judged at {} against {} \
         ({} keys). Sources read:</p><ul>\n",
        esc(&report.summary.line),
        rfc3339(report.evaluated_at),
        esc(&report.baseline.name),
        report.baseline.roots
    ));
    for source in &report.sources {
        page.push(format_args!(
            "<li>{} <code>{}</code>: {} certificates</li>\n",
            source.kind,
            esc(&source.location),
            source.certificates
        ));
    }
    for entry in &report.unreadable {
        page.push(format_args!("<li>unreadable: {}</li>\n", esc(entry)));
    }
    page.push(format_args!(
        "</ul></section>\n<section><h2>Problems</h2>\n"
    ));
    let problems: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity > Severity::Info)
        .cloned()
        .collect();
    findings_list(&mut page, &problems);
    page.push(format_args!(
        "</section>\n<section><h2>Google's roots</h2><table><thead><tr><th>root</th>\
         <th>state</th><th>found in</th></tr></thead><tbody>\n"
    ));
    for google in &report.google_roots {
        let (class, state) = match google.status {
            GoogleRootStatus::Present => ("ok", "present"),
            GoogleRootStatus::Expired => ("error", "not valid now"),
            GoogleRootStatus::Disallowed => ("error", "disallowed"),
            GoogleRootStatus::Missing => ("error", "missing"),
        };
        page.push(format_args!(
            "<tr><td>{}</td><td><span class=\"badge {class}\">{state}</span></td><td>{}</td></tr>\n",
            esc(&google.name),
            esc(&google.locations.join(", "))
        ));
    }
    page.push(format_args!(
        "</tbody></table></section>\n<section><h2>Every root ({})</h2><table class=\"roots\">\
         <thead><tr><th>subject</th><th>state</th><th>key</th><th>until</th><th>found in</th>\
         <th>SHA-1 thumbprint</th></tr></thead><tbody>\n",
        report.roots.len()
    ));
    for root in &report.roots {
        let cert = &root.certificate;
        let state = match (root.headline, root.disallowed, root.in_baseline) {
            (_, true, _) => "disallowed here".to_owned(),
            (Some(code), _, _) => format!("<code>{code}</code>"),
            (None, _, true) => "in the baseline".to_owned(),
            (None, _, false) => "added locally".to_owned(),
        };
        page.push(format_args!(
            "<tr data-index=\"{}\" data-codes=\"{}\"><td>{}</td><td>{state}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td><code>{}</code></td></tr>\n",
            root.index,
            root.headline.map_or("", |code| code.as_str()),
            esc(&cert.subject),
            esc(&cert.key.to_string()),
            rfc3339(cert.not_after),
            esc(&root.locations.join(", ")),
            cert.sha1
        ));
    }
    page.push(format_args!("</tbody></table></section>\n"));
    page.write(out)
}
