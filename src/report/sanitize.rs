//! Makes untrusted strings (from peers, certificates, logs) safe for a terminal: control
//! characters, including ESC and line breaks, are shown escaped instead of being interpreted.

use std::borrow::Cow;

/// Escapes control characters (C0, DEL, C1) and bidi overrides as `\u{..}`.
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

fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
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
            ("Zürich", "Zürich"),
        ];
        for (input, want) in cases {
            assert_eq!(sanitize(input), want);
        }
    }
}
