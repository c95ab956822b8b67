//! `--format prometheus`, checked by Prometheus' own `promtool check metrics` (Debian's
//! `prometheus` package, installed by `.ci/run`; under `CI=true` a missing promtool fails):
//! `demo`'s endpoints (an interception, a wrong clock, expired leaves) and `trust` on a bundle
//! with leaked-key roots.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::*;

/// `promtool check metrics` on `text`: `None` when promtool is not installed outside CI, else
/// whether it passed and what it said.
pub(crate) fn promtool_check(text: &str) -> Option<(bool, String)> {
    let promtool = peer_program(
        "promtool",
        "TLSINSPECT_PROMTOOL",
        "TLSINSPECT_REQUIRE_PROMTOOL",
    )?;
    let mut child = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    Some((
        output.status.success(),
        format!("{}{}", stdout(&output), stderr(&output)),
    ))
}

/// The value of the one series of `family` whose labels include every one of `labels`.
fn value(text: &str, family: &str, labels: &[&str]) -> Vec<f64> {
    text.lines()
        .filter(|line| {
            line.starts_with(&format!("{family}{{")) || line.starts_with(&format!("{family} "))
        })
        .filter(|line| labels.iter().all(|label| line.contains(label)))
        .map(|line| line.rsplit(' ').next().unwrap().parse().unwrap())
        .collect()
}

#[test]
fn demo_endpoints_as_metrics_pass_promtool() {
    crate::skip_on_windows!("promtool");
    let output = tlsinspect(&["demo", "--format", "prometheus"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let Some((ok, said)) = promtool_check(&text) else {
        return;
    };
    assert!(ok, "promtool: {said}\n{text}");
    // Every endpoint once, by its position: a target asked twice is two series.
    let statuses = value(&text, "tlsinspect_endpoint_status", &[]);
    assert_eq!(statuses.len(), 22, "{text}");
    assert!(
        statuses
            .iter()
            .all(|status| [0.0, 1.0, 2.0].contains(status))
    );
    assert!(
        !value(
            &text,
            "tlsinspect_interception",
            &["product=\"Fiddler Classic\""]
        )
        .is_empty()
    );
    assert!(
        value(
            &text,
            "tlsinspect_interception",
            &["product=\"Fiddler Classic\""]
        )
        .iter()
        .all(|v| *v == 1.0)
    );
    assert!(value(&text, "tlsinspect_clock_skew_detected", &[]).contains(&1.0));
    assert!(!value(&text, "tlsinspect_clock_offset_seconds", &[]).is_empty());
    let expired = value(
        &text,
        "tlsinspect_endpoint_findings",
        &["code=\"expired\"", "severity=\"error\""],
    );
    assert!(!expired.is_empty(), "{text}");
    assert!(
        value(&text, "tlsinspect_leaf_expires_in_seconds", &[])
            .iter()
            .any(|left| *left < 0.0)
    );
    let ok: f64 = value(&text, "tlsinspect_endpoints", &["status=\"ok\""])[0];
    let errors: f64 = value(&text, "tlsinspect_endpoints", &["status=\"error\""])[0];
    assert_eq!(
        ok + errors + value(&text, "tlsinspect_endpoints", &["status=\"warning\""])[0],
        22.0
    );
}

#[test]
fn metrics_are_refused_where_they_mean_nothing() {
    for command in [&["logs", "-"][..], &["decode", "0x80072f8f"]] {
        let mut args = command.to_vec();
        args.extend(["--format", "prometheus"]);
        let output = tlsinspect(&args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{command:?}: {}",
            stderr(&output)
        );
    }
}
