//! Replays every input kept in tests/fuzz-regressions/<target>/ through the fuzz target's own
//! entry point (`tlsinspect::fuzz`): what once crashed, hung or grew stays fixed.

use crate::support::repo;

#[test]
fn every_kept_fuzz_input_is_handled() {
    let root = repo().join("tests/fuzz-regressions");
    let mut replayed = 0;
    for (name, target) in tlsinspect::fuzz::TARGETS {
        let dir = root.join(name);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{name}: no input kept");
        for file in files {
            let bytes = std::fs::read(&file).unwrap();
            let outcome = std::panic::catch_unwind(|| target(&bytes));
            assert!(outcome.is_ok(), "{} panicked", file.display());
            replayed += 1;
        }
    }
    // Every target folder holds inputs, and each target was driven.
    assert!(
        replayed >= tlsinspect::fuzz::TARGETS.len() * 2,
        "{replayed}"
    );
}
