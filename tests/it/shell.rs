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
