//! JSON renderers: one document (`--format json`) or JSON Lines (`--format jsonl`: one object
//! per endpoint tagged `"type": "endpoint"` with its position as `id`, then a `"type": "summary"`
//! line; `check` streams them: `stream.rs`).

use std::io::{self, Write};

use serde::Serialize;

use crate::report::{EndpointReport, Report, SCHEMA_VERSION, Summary};

/// Writes the report as one pretty-printed JSON document.
pub fn write_json(report: &Report, out: &mut impl Write) -> io::Result<()> {
    write_document(report, out)
}

/// An endpoint line: the endpoint with its position in the run.
#[derive(Serialize, schemars::JsonSchema)]
pub(super) struct Numbered<'a> {
    pub(super) id: usize,
    #[serde(flatten)]
    pub(super) endpoint: &'a EndpointReport,
}

/// Writes one line per endpoint (with its position as `id`), then a summary line.
pub fn write_jsonl(report: &Report, out: &mut impl Write) -> io::Result<()> {
    for (id, endpoint) in report.endpoints.iter().enumerate() {
        write_line(out, "endpoint", SCHEMA_VERSION, &Numbered { id, endpoint })?;
    }
    write_line::<Summary>(out, "summary", SCHEMA_VERSION, &report.summary)
}

/// Writes `value` as one pretty-printed JSON document and a newline (every `--format json`),
/// with terminal-unsafe characters escaped (see `Escaping`).
pub fn write_document<T: Serialize>(value: &T, out: &mut impl Write) -> io::Result<()> {
    let formatter = Escaping(serde_json::ser::PrettyFormatter::new());
    value.serialize(&mut serde_json::Serializer::with_formatter(
        &mut *out, formatter,
    ))?;
    writeln!(out)
}

/// Writes `value` as one line of JSON (no newline), with terminal-unsafe characters escaped.
pub(crate) fn write_compact<T: Serialize>(value: &T, out: &mut impl Write) -> io::Result<()> {
    let formatter = Escaping(serde_json::ser::CompactFormatter);
    value
        .serialize(&mut serde_json::Serializer::with_formatter(out, formatter))
        .map_err(io::Error::from)
}

/// A JSON formatter that also escapes, as `\uXXXX`, what serde_json writes raw but a terminal
/// or log viewer would interpret: C1 controls, bidirectional overrides and isolates, line and
/// paragraph separators, invisible characters (the characters [`crate::sanitize`] escapes).
/// Peer data reaches JSON, JSON Lines and ECS: `jq -r` or `cat` must not be steered by it.
pub(crate) struct Escaping<F>(pub(crate) F);

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for Escaping<F> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (index, c) in fragment.char_indices() {
            if crate::sanitize::is_unsafe(c) {
                writer.write_all(&fragment.as_bytes()[start..index])?;
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
                start = index + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
}

/// One JSON Lines record: `{"type": kind, "schema_version": version, …body}` (every
/// `--format jsonl`; `schema.rs` describes each kind from this type).
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct Line<'a, T: Serialize> {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) schema_version: u32,
    #[serde(flatten)]
    pub(crate) body: &'a T,
}

/// Writes one JSON Lines record (a [`Line`]).
pub(crate) fn write_line<T: Serialize>(
    out: &mut impl Write,
    kind: &'static str,
    schema_version: u32,
    body: &T,
) -> io::Result<()> {
    let line = Line {
        kind,
        schema_version,
        body,
    };
    write_compact(&line, &mut *out)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn what_a_terminal_would_interpret_is_escaped_and_reads_back_the_same() {
        let text = "a\u{9b}31m\u{202e}b\u{2028}c\u{200b}d\u{7}é";
        let mut out = Vec::new();
        super::write_compact(&text, &mut out).unwrap_or_else(|_| unreachable!());
        let written = String::from_utf8(out).unwrap_or_default();
        assert_eq!(written, r#""a\u009b31m\u202eb\u2028c\u200bd\u0007é""#);
        let back: String = serde_json::from_str(&written).unwrap_or_default();
        assert_eq!(back, text);
    }
}
