//! Names the commit the binary is built from, for `tlsinspect --version`: `TLSINSPECT_COMMIT`
//! when set (a build from a source archive, or a packager's), else the commit checked out in
//! this git work tree (`git rev-parse HEAD`), else `unknown`. Uncommitted changes are not
//! detected: a release is built from a clean checkout.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=TLSINSPECT_COMMIT");
    // A new commit moves the branch HEAD names; a checkout moves HEAD.
    // (Only files that exist: a missing one would rerun this on every build.)
    let git = Path::new(".git");
    for file in ["HEAD", "packed-refs"] {
        if git.join(file).is_file() {
            println!("cargo:rerun-if-changed=.git/{file}");
        }
    }
    if let Ok(head) = std::fs::read_to_string(git.join("HEAD"))
        && let Some(reference) = head.trim().strip_prefix("ref: ")
        && git.join(reference).is_file()
    {
        println!("cargo:rerun-if-changed=.git/{reference}");
    }
    if !git.join("HEAD").is_file() {
        // Not a git work tree: the commit can only change with the environment.
        println!("cargo:rerun-if-changed=build.rs");
    }
    #[allow(clippy::disallowed_methods)] // A build script's input is its environment.
    let commit = std::env::var("TLSINSPECT_COMMIT")
        .ok()
        .filter(|commit| !commit.is_empty())
        .or_else(git_head)
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=TLSINSPECT_COMMIT={commit}");
}

fn git_head() -> Option<String> {
    let output = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()?;
    let commit = String::from_utf8(output.stdout).ok()?.trim().to_owned();
    (output.status.success() && commit.len() == 40).then_some(commit)
}
