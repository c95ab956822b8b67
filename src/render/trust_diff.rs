//! `trust diff` as text and JSON: the new problems first (what a change board must see), then
//! per store the roots added, removed and changed, then the problems resolved.

use std::io::{self, Write};

use super::json::write_document;
use super::text::TextOptions;
use crate::sanitize::sanitize;
use crate::trust::{DiffReport, ProblemOut, RootChange};

/// Writes the comparison as one JSON document.
pub fn write_diff_json(report: &DiffReport, out: &mut impl Write) -> io::Result<()> {
    write_document(report, out)
}

/// Writes the comparison as text.
pub fn write_diff_text(
    report: &DiffReport,
    out: &mut impl Write,
    options: TextOptions,
) -> io::Result<()> {
    writeln!(
        out,
        "Trust stores compared: {} (before) and {} (after)",
        sanitize(&report.before),
        sanitize(&report.after)
    )?;
    writeln!(out, "\nNew problems ({})", report.new_problems.len())?;
    if report.new_problems.is_empty() {
        writeln!(out, "  none")?;
    }
    for problem in &report.new_problems {
        write_problem(problem, out, options)?;
    }
    for store in &report.stores {
        let status = match store.status {
            "added" => " (only after)",
            "removed" => " (only before)",
            _ => "",
        };
        writeln!(
            out,
            "\n{}{status} — {}",
            sanitize(&store.name),
            sanitize(&store.location)
        )?;
        if store.added.is_empty() && store.removed.is_empty() && store.changed.is_empty() {
            writeln!(out, "  no change")?;
        }
        for root in &store.added {
            write_root('+', root, out)?;
        }
        for root in &store.removed {
            write_root('-', root, out)?;
        }
        for root in &store.changed {
            write_root('~', root, out)?;
        }
    }
    if !report.resolved_problems.is_empty() {
        writeln!(out, "\nResolved ({})", report.resolved_problems.len())?;
        for problem in &report.resolved_problems {
            writeln!(
                out,
                "  {} [{}] {}",
                problem.code,
                sanitize(&problem.store),
                sanitize(&problem.message)
            )?;
        }
    }
    writeln!(out, "\n{}", report.summary.line)
}

fn write_problem(
    problem: &ProblemOut,
    out: &mut impl Write,
    options: TextOptions,
) -> io::Result<()> {
    writeln!(
        out,
        "  {} {} [{}]: {}",
        options.severity_column(problem.severity),
        problem.code,
        sanitize(&problem.store),
        sanitize(&problem.message)
    )
}

fn write_root(mark: char, root: &RootChange, out: &mut impl Write) -> io::Result<()> {
    let codes = |codes: &[String]| {
        if codes.is_empty() {
            "no finding".to_owned()
        } else {
            codes.join(", ")
        }
    };
    let what = match mark {
        '+' => codes(&root.after),
        '-' => codes(&root.before),
        _ => format!("{} -> {}", codes(&root.before), codes(&root.after)),
    };
    writeln!(
        out,
        "  {mark} {} ({what}); SPKI SHA-256 {}",
        sanitize(&root.subject),
        root.spki_sha256
    )
}
