//! `trust --discover` as HTML: the summary, the problems with the commands that fix each, the
//! roots that matter × stores as a table, and the stores with what uses each.

use std::io::{self, Write};

use super::{Page, esc};
use crate::clock::rfc3339;
use crate::trust::{DiscoveryReport, Presence};

/// Writes the discovery report as one HTML page.
pub fn write_discovery_html(report: &DiscoveryReport, out: &mut impl Write) -> io::Result<()> {
    let mut page = Page::new("tlsinspect trust across stores");
    page.push(format_args!(
        "<section class=\"summary\"><p class=\"counts\">{}</p>\n<p>Judged at {} against {} \
         ({} keys).</p></section>\n<section><h2>Problems</h2><ul class=\"findings\">\n",
        esc(&report.summary.line),
        rfc3339(report.evaluated_at),
        esc(&report.baseline.name),
        report.baseline.roots
    ));
    for problem in &report.problems {
        let finding = &problem.finding;
        let class = finding.severity.as_str();
        page.push(format_args!(
            "<li class=\"{class}\" data-code=\"{}\" data-store=\"{}\"><span class=\"badge {class}\">{class}</span> \
             <code>{}</code> [{}] {}<ul>",
            finding.code,
            problem.store,
            finding.code,
            problem.store,
            esc(&finding.message)
        ));
        for command in &problem.remediation {
            page.push(format_args!("<li>fix: <code>{}</code></li>", esc(command)));
        }
        page.push(format_args!("</ul></li>\n"));
    }
    page.push(format_args!(
        "</ul></section>\n<section><h2>Roots that matter × stores</h2><table class=\"matrix\">\
         <thead><tr><th>root</th><th>why</th>"
    ));
    for store in &report.stores {
        page.push(format_args!(
            "<th title=\"{}\">[{}]</th>",
            esc(&store.name),
            store.number
        ));
    }
    page.push(format_args!("</tr></thead><tbody>\n"));
    for row in &report.matrix {
        page.push(format_args!(
            "<tr data-spki=\"{}\"><td>{}</td><td>{}</td>",
            row.spki_sha256,
            esc(&row.subject),
            esc(&row.why.join(", "))
        ));
        for presence in &row.presence {
            let (class, word) = match presence {
                Presence::Trusted => ("ok", "trusted"),
                Presence::Expired => ("warning", "expired"),
                Presence::Disallowed => ("info", "disallowed"),
                Presence::Absent => ("none", "absent"),
                Presence::NotRead => ("warning", "not read"),
            };
            page.push(format_args!(
                "<td class=\"{class}\" data-presence=\"{word}\">{word}</td>"
            ));
        }
        page.push(format_args!("</tr>\n"));
    }
    page.push(format_args!(
        "</tbody></table></section>\n<section><h2>Stores</h2><table class=\"stores\"><thead><tr>\
         <th>#</th><th>store</th><th>where</th><th>used by</th><th>state</th></tr></thead><tbody>\n"
    ));
    for store in &report.stores {
        let state = match (&store.report, &store.not_read) {
            (Some(report), _) => format!("{} roots", report.summary.roots),
            (None, why) => format!("not read: {}", esc(why.as_deref().unwrap_or(""))),
        };
        page.push(format_args!(
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{state}</td></tr>\n",
            store.number,
            esc(&store.name),
            esc(&store.location),
            esc(&store.used_by.join("; "))
        ));
    }
    page.push(format_args!("</tbody></table></section>\n"));
    page.write(out)
}
