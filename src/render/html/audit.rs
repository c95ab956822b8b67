//! `audit-proxy` as HTML: the grade and its reasons, then one row per case (what a safe proxy
//! does, what this one did) with the chain this machine was given drawn as text, then both legs
//! (the ClientHello sent upstream with its suites' classes, what this machine got) and what
//! differs.

use std::io::{self, Write};

use super::{Page, esc, severity_class};
use crate::audit::{AuditReport, Verdict};
use crate::render::audit::{case_result, what_proxy_did, what_safe_proxy_does, write_legs};

/// Writes the proxy audit as one HTML page.
pub fn write_audit_html(report: &AuditReport, out: &mut impl Write) -> io::Result<()> {
    let mut page = Page::new("tlsinspect proxy audit");
    page.push(format_args!(
        "<section class=\"summary\"><p>Audit of {}, origins on {}.</p>\n",
        esc(&report.subject()),
        esc(&report.origins)
    ));
    match &report.verdict {
        Verdict::Graded(grading) => {
            let class = match grading.grade {
                crate::audit::Grade::A => "ok",
                crate::audit::Grade::B => "warning",
                _ => "error",
            };
            page.push(format_args!(
                "<p class=\"grade {class}\" data-grade=\"{grade}\">Grade {grade} ({})</p><ul>\n",
                esc(grading.label),
                grade = grading.grade.as_str()
            ));
            for reason in &grading.reasons {
                page.push(format_args!(
                    "<li><strong>{}</strong> {} {}</li>\n",
                    reason.grade.as_str(),
                    esc(&reason.text),
                    esc(&reason.cases.join(", "))
                ));
            }
            page.push(format_args!("</ul>\n"));
        }
        Verdict::NotIntercepting { note } => page.push(format_args!(
            "<p class=\"grade ok\">Not intercepting: not graded</p><p>{}</p>\n",
            esc(note)
        )),
        Verdict::NotGraded { reason, advice } => page.push(format_args!(
            "<p class=\"grade error\">Not graded: the audit is inconclusive</p><p>{}</p>\
             <p class=\"advice\">{}</p>\n",
            esc(reason),
            esc(advice)
        )),
    }
    page.push(format_args!(
        "</section>\n<section><h2>Cases</h2><table class=\"cases\"><thead><tr><th>case</th>\
         <th>a safe proxy</th><th>this proxy</th><th>result</th><th>detail and chain given \
         here</th></tr></thead><tbody>\n"
    ));
    for case in &report.cases {
        let (severity, result) = case_result(case);
        let class = severity.map_or("ok", severity_class);
        let chain: String = case
            .presented
            .iter()
            .enumerate()
            .map(|(index, cert)| {
                format!(
                    "<div class=\"mini\">[{index}] {} <small>issued by {}</small></div>",
                    esc(&cert.subject),
                    esc(&cert.issuer)
                )
            })
            .collect();
        let upstream = match (&case.upstream_handshake, case.flaw.is_weak_upstream()) {
            (Some(handshake), true) => {
                format!("<div class=\"mini\">upstream: {}</div>", esc(handshake))
            }
            _ => String::new(),
        };
        page.push(format_args!(
            "<tr class=\"{class}\" data-case=\"{case}\"><td><code>{case}</code></td><td>{}</td>\
             <td>{}</td><td><span class=\"badge {class}\">{result}</span></td><td>{}{upstream}{chain}</td></tr>\n",
            what_safe_proxy_does(case),
            what_proxy_did(case),
            esc(&case.detail),
            case = case.case,
        ));
    }
    page.push(format_args!("</tbody></table></section>\n"));
    write_legs_html(report, &mut page)?;
    page.write(out)
}

/// Both legs and what differs, laid out from the text report's lines (one source for both):
/// a section per heading, `label: value` lines as a definition list, `- note` lines as a list.
fn write_legs_html(report: &AuditReport, page: &mut Page) -> io::Result<()> {
    let mut text = Vec::new();
    write_legs(report, &mut text)?;
    let text = String::from_utf8_lossy(&text);
    let mut open: Option<&str> = None;
    let close = |page: &mut Page, open: &mut Option<&str>| {
        if let Some(tag) = open.take() {
            page.push(format_args!("</{tag}>\n"));
        }
    };
    page.push(format_args!("<section class=\"legs\">\n"));
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let Some(item) = line.strip_prefix("  ") else {
            close(page, &mut open);
            page.push(format_args!("<h2>{}</h2>\n", esc(line)));
            continue;
        };
        let (tag, html) = match (item.strip_prefix("- "), item.split_once(": ")) {
            (Some(note), _) => ("ul", format!("<li>{}</li>", esc(note))),
            (None, Some((label, value))) => (
                "dl",
                format!("<dt>{}</dt><dd>{}</dd>", esc(label), esc(value)),
            ),
            (None, None) => ("dl", format!("<dd>{}</dd>", esc(item))),
        };
        if open != Some(tag) {
            close(page, &mut open);
            page.push(format_args!("<{tag}>"));
            open = Some(tag);
        }
        page.push(format_args!("{html}\n"));
    }
    close(page, &mut open);
    page.push(format_args!("</section>\n"));
    Ok(())
}
