//! Reading trace logs: finding files in folders (saying what was skipped and why), decoding
//! UTF-8 or UTF-16 (little or big endian, with or without a BOM), and cutting the text into
//! large chunks of whole lines for the scan. A line longer than [`MAX_LINE`] keeps its first
//! [`MAX_LINE`] bytes and is counted as truncated, so a multi-gigabyte line costs no more memory
//! than a short one. Invalid encodings are replaced, never fatal.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde::Serialize;

/// The longest line kept; the rest of a longer line is skipped (and counted as truncated).
pub const MAX_LINE: usize = 64 * 1024;
/// The size of the chunks handed to the scan (whole lines; a chunk grows past it only to end
/// its last line, by at most [`MAX_LINE`]).
pub const CHUNK: usize = 2 << 20;
/// How deep folders are searched.
pub const MAX_DEPTH: usize = 16;
/// How many bytes are looked at to tell UTF-16 without a BOM from UTF-8.
const SNIFF: usize = 4096;

/// The text encoding of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    /// UTF-16 big endian (with a BOM, or recognised by its zero bytes).
    Utf16be,
    /// UTF-16 little endian (with a BOM, or recognised by its zero bytes), as Windows writes.
    Utf16le,
    /// UTF-8 (or anything else, read as UTF-8 with replacement).
    Utf8,
}

/// A path given (or found in a folder) that was not read, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Skipped {
    /// The path.
    pub path: String,
    /// Why it was not read.
    pub reason: String,
}

/// The inputs found: the files to read, in the order given (folders sorted), and what was
/// skipped.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Files (and `-` for stdin).
    pub files: Vec<PathBuf>,
    /// Paths not read.
    pub skipped: Vec<Skipped>,
}

/// Expands folders into their `*.log` files (recursively, sorted, at most [`MAX_DEPTH`] levels);
/// files and `-` are kept as given. A folder that cannot be listed is an error; what a folder
/// holds that cannot be read (too deep, not a log, a link) is listed in `skipped`.
pub fn expand(inputs: &[PathBuf]) -> Result<Inputs, (PathBuf, io::Error)> {
    let mut found = Inputs::default();
    for input in inputs {
        if input.as_os_str() == "-" || !input.is_dir() {
            found.files.push(input.clone());
        } else {
            let before = found.files.len();
            walk(input, &mut found, 0)?;
            if found.files.len() == before {
                found.skipped.push(Skipped {
                    path: input.display().to_string(),
                    reason: "the folder holds no *.log file".to_owned(),
                });
            }
        }
    }
    Ok(found)
}

fn walk(dir: &Path, found: &mut Inputs, depth: usize) -> Result<(), (PathBuf, io::Error)> {
    let listing = std::fs::read_dir(dir).map_err(|error| (dir.to_owned(), error))?;
    let mut entries: Vec<PathBuf> = listing.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        let Ok(metadata) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let file_type = metadata.file_type();
        let is_log = path
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("log"));
        if file_type.is_dir() {
            if depth + 1 > MAX_DEPTH {
                found.skipped.push(Skipped {
                    path: path.display().to_string(),
                    reason: format!("deeper than {MAX_DEPTH} folders"),
                });
            } else {
                walk(&path, found, depth + 1)?;
            }
        } else if file_type.is_file() && is_log {
            found.files.push(path);
        } else if file_type.is_symlink() && is_log {
            found.skipped.push(Skipped {
                path: path.display().to_string(),
                reason: "a symbolic link (name the file itself to read it)".to_owned(),
            });
        }
    }
    Ok(())
}

/// Wraps a byte stream, sniffing its encoding: a BOM, or for UTF-16 without one, the zero bytes
/// of ASCII text in its first bytes. UTF-16 is transcoded to UTF-8 on the fly.
pub fn as_utf8(
    mut reader: impl Read + Send + 'static,
) -> io::Result<(Box<dyn Read + Send>, Encoding)> {
    let mut head = Vec::with_capacity(SNIFF);
    (&mut reader).take(SNIFF as u64).read_to_end(&mut head)?;
    let (encoding, skip) = match head.get(..2) {
        Some([0xff, 0xfe]) => (Encoding::Utf16le, 2),
        Some([0xfe, 0xff]) => (Encoding::Utf16be, 2),
        _ if head.starts_with(&[0xef, 0xbb, 0xbf]) => (Encoding::Utf8, 3),
        _ => (sniff_utf16(&head).unwrap_or(Encoding::Utf8), 0),
    };
    let rest = io::Cursor::new(head.split_off(skip)).chain(reader);
    let reader: Box<dyn Read + Send> = match encoding {
        Encoding::Utf8 => Box::new(rest),
        Encoding::Utf16le | Encoding::Utf16be => Box::new(Utf16Reader::new(rest, encoding)),
    };
    Ok((reader, encoding))
}

/// UTF-16 without a BOM: text that is mostly ASCII has a zero in every other byte. Only the
/// file's start is asked (its first 256 bytes): a UTF-8 log that another writer continued in
/// UTF-16 is UTF-8 (its UTF-16 lines are mended as they come: [`repair_nuls`]).
fn sniff_utf16(head: &[u8]) -> Option<Encoding> {
    let head = &head[..head.len().min(256)];
    let pairs = head.len() / 2;
    if pairs < 8 {
        return None;
    }
    let zeros_at = |offset: usize| {
        head.iter()
            .skip(offset)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (zeros_at(0), zeros_at(1));
    // At least 40 % of the code units are ASCII, and the other half of each unit almost never
    // is zero: UTF-8 text has no zero bytes at all.
    let plenty = pairs * 2 / 5;
    if odd >= plenty && even <= pairs / 10 {
        Some(Encoding::Utf16le)
    } else if even >= plenty && odd <= pairs / 10 {
        Some(Encoding::Utf16be)
    } else {
        None
    }
}

/// Mends the lines of `chunk` that hold NUL bytes: a run of NULs before a line (the padding a
/// crash leaves) is dropped, so the record after it starts its line; a line that is UTF-16 LE
/// (a writer that appended UTF-16 to a UTF-8 log: ASCII with a zero after every byte, its first
/// zero left at the start of the line by the previous line break) is transcoded; any other NUL
/// is dropped.
fn repair_nuls(chunk: &mut Vec<u8>) {
    let mut mended = Vec::with_capacity(chunk.len());
    for line in chunk.split_inclusive(|byte| *byte == b'\n') {
        if memchr::memchr(0, line).is_none() {
            mended.extend_from_slice(line);
            continue;
        }
        let (body, newline) = match line.strip_suffix(b"\n") {
            Some(body) => (body, true),
            None => (line, false),
        };
        let start = body
            .iter()
            .position(|byte| *byte != 0)
            .unwrap_or(body.len());
        let body = &body[start..];
        if body.len() >= 2 && sniff_utf16_line(body) {
            let units: Vec<u16> = body
                .chunks(2)
                .map(|pair| u16::from_le_bytes([pair[0], *pair.get(1).unwrap_or(&0)]))
                .collect();
            mended.extend_from_slice(String::from_utf16_lossy(&units).as_bytes());
        } else {
            mended.extend(body.iter().copied().filter(|byte| *byte != 0));
        }
        if newline {
            mended.push(b'\n');
        }
    }
    *chunk = mended;
}

/// Whether a line's bytes are UTF-16 LE text: a zero at most odd positions, none at even ones.
fn sniff_utf16_line(body: &[u8]) -> bool {
    let pairs = body.len() / 2;
    let odd_zeros = body.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    let even_zeros = body.iter().step_by(2).filter(|&&b| b == 0).count();
    odd_zeros * 5 >= pairs * 4 && even_zeros * 10 <= pairs
}

/// Transcodes UTF-16 to UTF-8; unpaired surrogates and an odd final byte become U+FFFD.
struct Utf16Reader<R> {
    inner: R,
    big_endian: bool,
    pending: Vec<u8>,
    raw: Vec<u8>,
    out: Vec<u8>,
    pos: usize,
}

impl<R: Read> Utf16Reader<R> {
    fn new(inner: R, encoding: Encoding) -> Self {
        Self {
            inner,
            big_endian: encoding == Encoding::Utf16be,
            pending: Vec::new(),
            raw: vec![0u8; 256 * 1024],
            out: Vec::new(),
            pos: 0,
        }
    }

    fn unit(&self, pair: &[u8]) -> u16 {
        let bytes = [pair[0], pair[1]];
        if self.big_endian {
            u16::from_be_bytes(bytes)
        } else {
            u16::from_le_bytes(bytes)
        }
    }
}

impl<R: Read> Read for Utf16Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.out.len() {
            self.out.clear();
            self.pos = 0;
            let read = self.inner.read(&mut self.raw)?;
            if read == 0 {
                if self.pending.is_empty() {
                    return Ok(0);
                }
                self.pending.clear();
                self.out.extend_from_slice("\u{fffd}".as_bytes());
                break;
            }
            self.pending.extend_from_slice(&self.raw[..read]);
            let even = self.pending.len() & !1;
            let mut units: Vec<u16> = self.pending[..even]
                .chunks_exact(2)
                .map(|pair| self.unit(pair))
                .collect();
            // Keep a trailing high surrogate for the next read.
            if units
                .last()
                .is_some_and(|unit| (0xd800..0xdc00).contains(unit))
            {
                units.pop();
            }
            let consumed = units.len() * 2;
            for c in char::decode_utf16(units) {
                let mut utf8 = [0u8; 4];
                let c = c.unwrap_or('\u{fffd}');
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

/// Cuts a text stream into chunks of whole lines of about [`CHUNK`] bytes.
pub struct Chunker<R> {
    reader: R,
    carry: Vec<u8>,
    done: bool,
}

impl<R: Read> Chunker<R> {
    /// Wraps a (decoded) text stream.
    pub fn new(reader: R) -> Self {
        Self {
            reader,
            carry: Vec::new(),
            done: false,
        }
    }

    /// Fills `chunk` with the next whole lines (the last one may lack its line break at the end
    /// of the input). Returns false when the input is exhausted. A line longer than the chunk
    /// keeps its first [`MAX_LINE`] + 1 bytes (enough for the scan to see it is too long).
    pub(crate) fn next_chunk(&mut self, chunk: &mut Vec<u8>) -> io::Result<bool> {
        chunk.clear();
        chunk.append(&mut self.carry);
        if !self.done {
            let want = CHUNK.saturating_sub(chunk.len()) as u64;
            let read = (&mut self.reader).take(want).read_to_end(chunk)?;
            self.done = read < want as usize;
        }
        if chunk.is_empty() {
            return Ok(false);
        }
        if !self.done {
            match memchr::memrchr(b'\n', chunk) {
                Some(end) => {
                    self.carry.extend_from_slice(&chunk[end + 1..]);
                    chunk.truncate(end + 1);
                }
                None => self.cut_long_line(chunk)?,
            }
        }
        // Text logs hold no NUL: where one appears, a crash left padding or another writer
        // appended UTF-16 (rare: one search per chunk finds none in a healthy log).
        if memchr::memchr(0, chunk).is_some() {
            repair_nuls(chunk);
        }
        Ok(true)
    }

    /// The chunk holds part of one line longer than a chunk: keep its head, skip to its end.
    fn cut_long_line(&mut self, chunk: &mut Vec<u8>) -> io::Result<()> {
        chunk.truncate(MAX_LINE + 1);
        let mut scratch = vec![0u8; 64 * 1024];
        loop {
            let read = self.reader.read(&mut scratch)?;
            if read == 0 {
                self.done = true;
                return Ok(());
            }
            if let Some(end) = memchr::memchr(b'\n', &scratch[..read]) {
                chunk.push(b'\n');
                self.carry.extend_from_slice(&scratch[end + 1..read]);
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(bytes: Vec<u8>) -> (Encoding, Vec<Vec<u8>>) {
        let (reader, encoding) = as_utf8(io::Cursor::new(bytes)).unwrap();
        let mut chunker = Chunker::new(reader);
        let mut out = Vec::new();
        let mut chunk = Vec::new();
        while chunker.next_chunk(&mut chunk).unwrap() {
            out.push(chunk.clone());
        }
        (encoding, out)
    }

    fn text(bytes: Vec<u8>) -> (Encoding, String) {
        let (encoding, chunks) = chunks(bytes);
        (encoding, String::from_utf8(chunks.concat()).unwrap())
    }

    const SAMPLE: &str = "ä line\r\n😀 two [2022-09-21T03:59:46:ERROR:x.cc(1)] failure\n";

    #[test]
    fn utf16_is_read_with_and_without_a_bom_in_both_byte_orders() {
        let le: Vec<u8> = SAMPLE.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = SAMPLE.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let cases = [
            ([&[0xff, 0xfe][..], &le].concat(), Encoding::Utf16le),
            (le.clone(), Encoding::Utf16le),
            ([&[0xfe, 0xff][..], &be].concat(), Encoding::Utf16be),
            (be.clone(), Encoding::Utf16be),
            (SAMPLE.as_bytes().to_vec(), Encoding::Utf8),
            (
                [&[0xef, 0xbb, 0xbf][..], SAMPLE.as_bytes()].concat(),
                Encoding::Utf8,
            ),
        ];
        for (bytes, want) in cases {
            assert_eq!(text(bytes), (want, SAMPLE.to_owned()), "{want:?}");
        }
    }

    #[test]
    fn broken_utf16_becomes_replacement_characters() {
        let mut bytes = vec![0xff, 0xfe];
        bytes.extend([0x00, 0xd8, b'a', 0x00, b'b']); // lone high surrogate, 'a', odd byte
        assert_eq!(text(bytes).1, "\u{fffd}a\u{fffd}");
    }

    #[test]
    fn chunks_hold_whole_lines() {
        let line = "x".repeat(999) + "\n";
        let (_, got) = chunks(line.repeat(5000).into_bytes());
        assert!(got.len() >= 2);
        for chunk in &got {
            assert!(chunk.ends_with(b"\n"));
            assert!(chunk.len() <= CHUNK + MAX_LINE);
        }
        assert_eq!(got.concat().len(), 5000 * 1000);
    }

    #[test]
    fn a_line_longer_than_a_chunk_keeps_its_head_and_the_next_line_survives() {
        let mut bytes = vec![b'x'; 3 * CHUNK];
        bytes.extend_from_slice(b"\nnext\n");
        let (_, got) = chunks(bytes);
        let all = got.concat();
        assert_eq!(all.len(), MAX_LINE + 2 + "next\n".len());
        assert!(all.ends_with(b"x\nnext\n"));
    }
}
