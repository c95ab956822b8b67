//! Reading trace logs: finding files in folders, decoding UTF-8 or UTF-16LE (BOM), and a line
//! reader with a hard cap on line length, so a multi-megabyte line costs no more memory than a
//! short one. Invalid encodings are replaced, never fatal.

use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// The longest line kept; the rest of a longer line is skipped (and counted as truncated).
pub const MAX_LINE: usize = 64 * 1024;
/// Read buffer size.
const BUFFER: usize = 1 << 20;

/// The text encoding of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    /// UTF-16 little endian, with a BOM.
    Utf16le,
    /// UTF-8 (or anything else, read as UTF-8 with replacement).
    Utf8,
}

/// Expands folders into their `Trace-*.log` and `*.log` files (recursively, sorted); files and `-`
/// are kept as given.
pub fn expand(inputs: &[PathBuf]) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for input in inputs {
        if input.as_os_str() == "-" || !input.is_dir() {
            files.push(input.clone());
        } else {
            walk(input, &mut files, 0)?;
        }
    }
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, depth: usize) -> io::Result<()> {
    const MAX_DEPTH: usize = 16;
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let file_type = std::fs::symlink_metadata(&path)?.file_type();
        if file_type.is_dir() {
            walk(&path, files, depth + 1)?;
        } else if file_type.is_file()
            && path
                .extension()
                .is_some_and(|ext| ext.eq_ignore_ascii_case("log"))
        {
            files.push(path);
        }
    }
    Ok(())
}

/// Wraps a byte stream, sniffing a BOM: UTF-16LE is transcoded to UTF-8 on the fly.
pub fn decode(mut reader: impl Read + 'static) -> io::Result<(Box<dyn BufRead>, Encoding)> {
    let mut head = [0u8; 3];
    let mut len = 0;
    while len < head.len() {
        let read = reader.read(&mut head[len..])?;
        if read == 0 {
            break;
        }
        len += read;
    }
    if len >= 2 && head[..2] == [0xff, 0xfe] {
        let pending = head[2..len].to_vec();
        let utf16 = Utf16leReader {
            inner: reader,
            pending,
            out: Vec::new(),
            pos: 0,
        };
        return Ok((
            Box::new(BufReader::with_capacity(BUFFER, utf16)),
            Encoding::Utf16le,
        ));
    }
    let skip = if head[..len] == [0xef, 0xbb, 0xbf] {
        3
    } else {
        0
    };
    let prefix = io::Cursor::new(head[skip..len].to_vec());
    Ok((
        Box::new(BufReader::with_capacity(BUFFER, prefix.chain(reader))),
        Encoding::Utf8,
    ))
}

/// Transcodes UTF-16LE to UTF-8; unpaired surrogates and an odd final byte become U+FFFD.
struct Utf16leReader<R> {
    inner: R,
    pending: Vec<u8>,
    out: Vec<u8>,
    pos: usize,
}

impl<R: Read> Read for Utf16leReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.out.len() {
            self.out.clear();
            self.pos = 0;
            let mut raw = vec![0u8; 64 * 1024];
            let read = self.inner.read(&mut raw)?;
            if read == 0 {
                if self.pending.is_empty() {
                    return Ok(0);
                }
                self.pending.clear();
                self.out.extend_from_slice("\u{fffd}".as_bytes());
                break;
            }
            self.pending.extend_from_slice(&raw[..read]);
            let even = self.pending.len() & !1;
            let mut units: Vec<u16> = self.pending[..even]
                .chunks_exact(2)
                .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
                .collect();
            // Keep a trailing high surrogate for the next chunk.
            let keep_surrogate = units
                .last()
                .is_some_and(|unit| (0xd800..0xdc00).contains(unit));
            if keep_surrogate {
                units.pop();
            }
            let consumed = units.len() * 2;
            for c in char::decode_utf16(units) {
                let c = c.unwrap_or('\u{fffd}');
                let mut utf8 = [0u8; 4];
                self.out
                    .extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            }
            self.pending.drain(..consumed);
        }
        let count = buf.len().min(self.out.len() - self.pos);
        buf[..count].copy_from_slice(&self.out[self.pos..self.pos + count]);
        self.pos += count;
        Ok(count)
    }
}

/// Reads lines of at most [`MAX_LINE`] bytes.
pub struct LineReader<R> {
    reader: R,
}

impl<R: BufRead> LineReader<R> {
    /// Wraps a buffered reader.
    pub fn new(reader: R) -> Self {
        Self { reader }
    }

    /// Reads the next line into `line` (without the line break). Returns `None` at the end, or
    /// whether the line was truncated.
    pub fn next_line(&mut self, line: &mut Vec<u8>) -> io::Result<Option<bool>> {
        line.clear();
        let mut truncated = false;
        let mut any = false;
        loop {
            let buffer = self.reader.fill_buf()?;
            if buffer.is_empty() {
                return Ok(any.then_some(truncated));
            }
            any = true;
            let (chunk, found) = match memchr::memchr(b'\n', buffer) {
                Some(index) => (&buffer[..index], Some(index)),
                None => (buffer, None),
            };
            let room = MAX_LINE - line.len();
            if chunk.len() > room {
                truncated = true;
            }
            line.extend_from_slice(&chunk[..chunk.len().min(room)]);
            match found {
                Some(index) => {
                    self.reader.consume(index + 1);
                    if line.last() == Some(&b'\r') {
                        line.pop();
                    }
                    return Ok(Some(truncated));
                }
                None => {
                    let len = buffer.len();
                    self.reader.consume(len);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(bytes: Vec<u8>) -> Vec<(String, bool)> {
        let (reader, _) = decode(io::Cursor::new(bytes)).unwrap();
        let mut reader = LineReader::new(reader);
        let mut line = Vec::new();
        let mut out = Vec::new();
        while let Some(truncated) = reader.next_line(&mut line).unwrap() {
            out.push((String::from_utf8_lossy(&line).into_owned(), truncated));
        }
        out
    }

    #[test]
    fn utf16le_with_bom_is_transcoded() {
        let text = "ä line\r\n😀 two\n";
        let mut bytes = vec![0xff, 0xfe];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(
            lines(bytes),
            [("ä line".to_owned(), false), ("😀 two".to_owned(), false)]
        );
    }

    #[test]
    fn broken_utf16_becomes_replacement_characters() {
        let mut bytes = vec![0xff, 0xfe];
        bytes.extend([0x00, 0xd8, b'a', 0x00, b'b']); // lone high surrogate, 'a', odd byte
        assert_eq!(lines(bytes), [("\u{fffd}a\u{fffd}".to_owned(), false)]);
    }

    #[test]
    fn long_lines_are_truncated_and_the_next_line_survives() {
        let mut bytes = vec![b'x'; 3 * MAX_LINE];
        bytes.extend_from_slice(b"\nnext");
        let got = lines(bytes);
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].0.len(), got[0].1), (MAX_LINE, true));
        assert_eq!(got[1], ("next".to_owned(), false));
    }

    #[test]
    fn utf8_bom_and_invalid_bytes_are_tolerated() {
        let got = lines(b"\xef\xbb\xbfone\n\xff\xfe\xfdtwo\n".to_vec());
        assert_eq!(got[0].0, "one");
        assert!(got[1].0.ends_with("two"));
    }
}
