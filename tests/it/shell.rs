//! `completions` and `man`: generated from the clap definitions, checked by the shells that
//! read them where they are installed.

use std::process::Command;

use crate::support::{scratch, stdout, tlsinspect};

const SUBCOMMANDS: [&str; 9] = [
    "check",
    "inspect",
    "logs",
    "lab",
    "trust",
    "audit-proxy",
    "decode",
    "demo",
    "completions",
];

#[test]
fn completion_scripts_name_every_command_and_bash_parses_its_own() {
    crate::skip_on_windows!("bash");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = tlsinspect(&["completions", shell]);
        assert!(output.status.success(), "{shell}: {output:?}");
        let script = stdout(&output);
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell} script lacks {sub}");
        }
        assert!(script.contains("revocation-depth"), "{shell}");
    }
    let script = stdout(&tlsinspect(&["completions", "bash"]));
    let dir = scratch("completions");
    let path = dir.join("tlsinspect.bash");
    std::fs::write(&path, script).unwrap();
    // `bash -n` parses without running; then the script is sourced and asked for completions.
    let checked = Command::new("bash").arg("-n").arg(&path).output().unwrap();
    assert!(checked.status.success(), "{checked:?}");
    let completed = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {}; COMP_WORDS=(tlsinspect aud); COMP_CWORD=1; COMP_LINE='tlsinspect aud'; \
             COMP_POINT=${{#COMP_LINE}}; _tlsinspect tlsinspect aud tlsinspect; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            path.display()
        ))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&completed.stdout).trim(),
        "audit-proxy"
    );
    assert!(tlsinspect(&["completions", "tcsh"]).status.code() == Some(2));
}

#[test]
fn man_page_has_a_section_per_command_and_the_exit_codes() {
    let output = tlsinspect(&["man"]);
    assert!(output.status.success(), "{output:?}");
    let page = stdout(&output);
    assert!(
        page.starts_with(".ie") || page.starts_with(".TH"),
        "{page:.200}"
    );
    assert!(page.contains(".TH tlsinspect 1"));
    for sub in SUBCOMMANDS {
        let heading = format!(".SH \"TLSINSPECT {}\"", sub.to_uppercase());
        assert!(page.contains(&heading), "no section {heading}");
    }
    assert!(page.contains("Exit status"));
    assert!(page.contains("\\-\\-fail\\-on"));
}

/// Runs the binary on a pseudo-terminal (util-linux `script`), so that `--color auto` sees a
/// terminal; `no_color` sets NO_COLOR.
fn on_terminal(args: &[&str], no_color: bool) -> String {
    let binary = env!("CARGO_BIN_EXE_tlsinspect");
    let line = std::iter::once(binary)
        .chain(args.iter().copied())
        .map(|word| format!("'{word}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut command = Command::new("script");
    command
        .args(["-qec", &line, "/dev/null"])
        .env_remove("NO_COLOR")
        .env("TERM", "xterm");
    if no_color {
        command.env("NO_COLOR", "1");
    }
    String::from_utf8_lossy(&command.output().expect("util-linux script").stdout).into_owned()
}

/// Whether `text` holds an SGR (colour or style) escape: `ESC [ digits ; … m`. Cursor moves of a
/// progress line are not colour.
fn coloured(text: &str) -> bool {
    text.split("\x1b[").skip(1).any(|rest| {
        let end = rest.find(|c: char| !(c.is_ascii_digit() || c == ';'));
        end.is_some_and(|end| rest[end..].starts_with('m'))
    })
}

#[test]
fn every_text_report_follows_color_and_no_color() {
    crate::skip_on_windows!("util-linux script (a pseudo-terminal) and openssl");
    let leaf = crate::support::testcerts().join("expired/leaf.pem");
    let log = crate::support::repo().join("tests/data/logs/article-trace.log");
    let store = crate::support::testcerts().join("ca.pem");
    let runs: [Vec<&str>; 3] = [
        vec!["inspect", leaf.to_str().unwrap()],
        vec!["logs", log.to_str().unwrap()],
        vec!["trust", "--store", store.to_str().unwrap()],
    ];
    for args in runs {
        let with = |extra: &[&'static str]| -> Vec<&str> {
            args.iter().copied().chain(extra.iter().copied()).collect()
        };
        // A pipe gets no colour unless asked; --color always wins over NO_COLOR.
        assert!(!coloured(&stdout(&tlsinspect(&args))), "{args:?}");
        let forced = tlsinspect(&with(&["--color", "always"]));
        assert!(coloured(&stdout(&forced)), "{args:?} --color always");
        // A terminal gets colour, unless NO_COLOR is set or --color never.
        assert!(
            coloured(&on_terminal(&args, false)),
            "{args:?} on a terminal"
        );
        assert!(!coloured(&on_terminal(&args, true)), "{args:?} NO_COLOR");
        assert!(
            !coloured(&on_terminal(&with(&["--color", "never"]), false)),
            "{args:?} --color never"
        );
    }
}
