//! The layers of ARCHITECTURE.md hold in the code: every `crate::` path of every module under
//! `src/` (outside `#[cfg(test)]` items and comments) names a top-level module of the same layer
//! or of an earlier one in the list, and the top-level modules import each other in no cycle.
//! The list is read from ARCHITECTURE.md itself, so the document and the test cannot disagree.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One `crate::module` reference: where, and which top-level module it names.
#[derive(Debug)]
struct Import {
    file: PathBuf,
    line: usize,
    to: String,
}

/// The ordered layers from ARCHITECTURE.md's `## Layers` section: each numbered line lists its
/// modules in backticks.
fn layers() -> BTreeMap<String, usize> {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let section = text
        .split("\n## Layers\n")
        .nth(1)
        .expect("ARCHITECTURE.md has a `## Layers` section")
        .split("\n## ")
        .next()
        .unwrap();
    // Each item: a numbered line and its indented continuation lines.
    let mut items: Vec<String> = Vec::new();
    for line in section.lines() {
        if line
            .split_once(". ")
            .is_some_and(|(n, _)| n.parse::<usize>().is_ok())
        {
            items.push(line.to_owned());
        } else if let Some(item) = items.last_mut().filter(|_| line.starts_with("   ")) {
            item.push_str(line);
        }
    }
    let mut layers = BTreeMap::new();
    for (level, item) in items.iter().enumerate() {
        for name in item.split('`').skip(1).step_by(2) {
            let previous = layers.insert(name.to_owned(), level);
            assert!(previous.is_none(), "`{name}` is listed twice in ## Layers");
        }
    }
    assert!(!layers.is_empty(), "## Layers lists no module");
    layers
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The top-level modules of `src/` (the binary's `main.rs` and `cli/` count as `cli`).
fn top_level(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative.components().next().unwrap().as_os_str();
    let name = first.to_str().unwrap().trim_end_matches(".rs");
    if name == "main" { "cli" } else { name }.to_owned()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The source with comments, string and character literals blanked (line breaks kept, so
/// positions still give line numbers) and every `#[cfg(test)]` item removed.
fn code_only(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    let blank = |out: &mut Vec<u8>, from: &[u8]| {
        out.extend(from.iter().map(|&b| if b == b'\n' { b'\n' } else { b' ' }))
    };
    while i < bytes.len() {
        let rest = &bytes[i..];
        let end = if rest.starts_with(b"//") {
            i + rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len())
        } else if rest.starts_with(b"/*") {
            i + 2 + find(&rest[2..], b"*/").expect("an unterminated block comment") + 2
        } else if rest.starts_with(b"r#\"") || rest.starts_with(b"r\"") {
            let hashes = rest[1..].iter().take_while(|&&b| b == b'#').count();
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            let open = 2 + hashes;
            i + open
                + find(&rest[open..], &close).expect("an unterminated raw string")
                + close.len()
        } else if rest[0] == b'"' {
            let mut j = 1;
            while rest[j] != b'"' {
                j += if rest[j] == b'\\' { 2 } else { 1 };
            }
            i + j + 1
        } else if rest[0] == b'\'' && char_literal(rest).is_some() {
            i + char_literal(rest).unwrap()
        } else if rest.starts_with(b"#[cfg(test)]") {
            i + item_end(text, i)
        } else {
            out.push(rest[0]);
            i += 1;
            continue;
        };
        blank(&mut out, &bytes[i..end]);
        i = end;
    }
    String::from_utf8(out).unwrap()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The length of a character literal at the start of `rest` (`'{'`, `'\n'`, `'\u{7b}'`), or
/// `None` for a lifetime.
fn char_literal(rest: &[u8]) -> Option<usize> {
    if rest.get(1) == Some(&b'\\') {
        return find(&rest[2..], b"'").map(|end| 2 + end + 1);
    }
    let width = std::str::from_utf8(&rest[1..rest.len().min(5)])
        .or_else(|e| std::str::from_utf8(&rest[1..1 + e.valid_up_to()]))
        .ok()?
        .chars()
        .next()?
        .len_utf8();
    (rest.get(1 + width) == Some(&b'\'')).then_some(width + 2)
}

/// The length of the item starting at `start` (an attribute, then up to its `;` or the brace
/// that closes its first `{`), counted on the source with literals and comments blanked.
fn item_end(text: &str, start: usize) -> usize {
    let after = code_only(&text[start + "#[cfg(test)]".len()..]);
    let mut depth = 0usize;
    for (offset, byte) in after.bytes().enumerate() {
        match byte {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return "#[cfg(test)]".len() + offset + 1;
                }
            }
            b';' if depth == 0 => return "#[cfg(test)]".len() + offset + 1,
            _ => {}
        }
    }
    panic!("a #[cfg(test)] item without an end");
}

/// Every `crate::name` and every name of a `use crate::{a, b::c}` group, with its line.
fn imports(file: &Path, code: &str, modules: &BTreeSet<String>) -> Vec<Import> {
    let mut found = Vec::new();
    let line_of = |at: usize| code[..at].matches('\n').count() + 1;
    let mut push = |at: usize, name: &str| {
        if modules.contains(name) {
            found.push(Import {
                file: file.to_owned(),
                line: line_of(at),
                to: name.to_owned(),
            });
        }
    };
    for (at, _) in code.match_indices("crate::") {
        if code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0usize;
            let mut expect_name = true;
            for (offset, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => expect_name = true,
                    c if expect_name && depth == 0 && (c.is_alphanumeric() || c == '_') => {
                        let name: String = group[offset..]
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        push(at + "crate::{".len() + offset, &name);
                        expect_name = false;
                    }
                    _ => {}
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            push(at, &name);
        }
    }
    found
}

#[test]
fn imports_point_only_down_and_top_level_modules_form_no_cycle() {
    let src = root().join("src");
    let layers = layers();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    // lib.rs is the crate's root: its `pub use` lines are the surface, not a layer.
    files.retain(|file| file != &src.join("lib.rs"));
    let modules: BTreeSet<String> = files.iter().map(|f| top_level(&src, f)).collect();
    let unlisted: Vec<&String> = modules
        .iter()
        .filter(|m| !layers.contains_key(*m))
        .collect();
    assert!(
        unlisted.is_empty(),
        "top-level modules missing from ARCHITECTURE.md's ## Layers: {unlisted:?}"
    );
    let stale: Vec<&String> = layers.keys().filter(|m| !modules.contains(*m)).collect();
    assert!(
        stale.is_empty(),
        "## Layers names modules src/ does not have: {stale:?}"
    );

    let mut problems = Vec::new();
    let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for file in &files {
        let from = top_level(&src, file);
        if from == "cli" {
            continue; // The binary's `crate::` is the binary, not the library.
        }
        let text = std::fs::read_to_string(file).unwrap();
        for import in imports(file, &code_only(&text), &modules) {
            if import.to == from {
                continue;
            }
            let place = format!(
                "{}:{}",
                import.file.strip_prefix(root()).unwrap().display(),
                import.line
            );
            if layers[&import.to] > layers[&from] {
                problems.push(format!(
                    "{place}: `{from}` (layer {}) imports `{}` (layer {}, higher)",
                    layers[&from] + 1,
                    import.to,
                    layers[&import.to] + 1
                ));
            }
            edges
                .entry(from.clone())
                .or_default()
                .entry(import.to)
                .or_insert(place);
        }
    }
    problems.extend(cycles(&edges));
    assert!(
        problems.is_empty(),
        "layering broken:\n{}",
        problems.join("\n")
    );
}

/// Every cycle between top-level modules (one per strongly connected component, as a path
/// with the place of each import).
fn cycles(edges: &BTreeMap<String, BTreeMap<String, String>>) -> Vec<String> {
    let mut reported = Vec::new();
    let mut seen_in_cycle = BTreeSet::new();
    for start in edges.keys() {
        if seen_in_cycle.contains(start) {
            continue;
        }
        if let Some(path) = path_back(edges, start) {
            let names: Vec<String> = path.iter().map(|(from, _)| from.clone()).collect();
            seen_in_cycle.extend(names.iter().cloned());
            let steps: Vec<String> = path
                .iter()
                .map(|(from, place)| format!("`{from}` at {place}"))
                .collect();
            reported.push(format!("cycle: {}", steps.join(" -> ")));
        }
    }
    reported
}

/// A path of imports from `start` back to itself, breadth first (the shortest), if any.
fn path_back(
    edges: &BTreeMap<String, BTreeMap<String, String>>,
    start: &str,
) -> Option<Vec<(String, String)>> {
    let mut previous: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(at) = queue.pop_front() {
        for (next, place) in edges.get(at).into_iter().flatten() {
            if next == start {
                let mut path = vec![(at.to_owned(), place.clone())];
                let mut cursor = at;
                while cursor != start {
                    let (before, place) = previous[cursor];
                    path.push((before.to_owned(), place.to_owned()));
                    cursor = before;
                }
                path.reverse();
                return Some(path);
            }
            if !previous.contains_key(next.as_str()) && next != start {
                previous.insert(next, (at, place));
                queue.push_back(next);
            }
        }
    }
    None
}

#[test]
fn the_scanner_sees_imports_and_skips_tests_comments_and_literals() {
    let modules: BTreeSet<String> = ["a", "b", "c", "d"].map(str::to_owned).into();
    let text = "use crate::a::X;\n// crate::b in a comment\nlet s = \"crate::b\";\n\
                let c = '{';\nuse crate::{\n    c::{Y, Z},\n    d,\n};\n\
                #[cfg(test)]\nmod tests {\n    use crate::b;\n    fn f() { let _ = '}'; }\n}\n";
    let found = imports(Path::new("x.rs"), &code_only(text), &modules);
    let seen: Vec<(usize, &str)> = found.iter().map(|i| (i.line, i.to.as_str())).collect();
    assert_eq!(seen, [(1, "a"), (6, "c"), (7, "d")]);
}
