//! Makes untrusted strings (from peers, certificates, logs, file names, option values) safe for a
//! terminal: control characters (ESC and line breaks among them), bidirectional controls, line and
//! paragraph separators and invisible characters are shown escaped instead of being interpreted.
//! One sanitiser serves stdout (reports) and stderr (errors, progress).

use std::borrow::Cow;

/// Escapes control characters (C0, DEL, C1), bidi controls, U+2028/U+2029 and zero-width and
/// other invisible characters as `\u{..}`.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether a terminal would interpret `c` or hide it.
pub(crate) fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            // Bidirectional embeddings, overrides, isolates and marks (Trojan Source).
            '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{061c}'
                // Line and paragraph separators.
                | '\u{2028}'
                | '\u{2029}'
                // Zero-width and invisible characters.
                | '\u{200b}'..='\u{200d}'
                | '\u{2060}'..='\u{2064}'
                | '\u{feff}'
                | '\u{00ad}'
                | '\u{180e}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        let cases = [
            ("plain *.google.com", "plain *.google.com"),
            ("evil\x1b[31mred", "evil\\u{1b}[31mred"),
            ("two\nlines\r", "two\\u{a}lines\\u{d}"),
            ("bidi\u{202e}txt", "bidi\\u{202e}txt"),
            ("mark\u{200f}x\u{061c}", "mark\\u{200f}x\\u{61c}"),
            ("line\u{2028}para\u{2029}", "line\\u{2028}para\\u{2029}"),
            ("zero\u{200b}width\u{feff}", "zero\\u{200b}width\\u{feff}"),
            ("Zürich", "Zürich"),
        ];
        for (input, want) in cases {
            assert_eq!(sanitize(input), want);
        }
    }
}
