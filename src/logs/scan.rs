//! The first pass over a trace log, run on every core: each chunk of whole lines is split with
//! `memchr` (no allocation per line) and every line classified by its structure alone. Ordinary
//! lines (INFO records and their continuations) are only counted; the few lines of problem
//! records are copied out, with their line numbers, for the in-order second pass (the
//! assembler). A chunk's first lines, before its first header, belong to whatever record the
//! previous chunk ended in, so they are set aside for the merge to decide.
//!
//! Chunks are handed to worker threads and their results merged in input order; memory is
//! bounded by the chunks in flight.

use std::collections::BTreeMap;
use std::io;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use time::OffsetDateTime;

use super::grammar::{Level, header_level, header_time, parse_header};
use super::input::MAX_LINE;

/// Counters of one chunk (or file).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct LineCounts {
    /// Lines read.
    pub lines: u64,
    /// Header lines (records).
    pub records: u64,
    /// Error and warning records analysed.
    pub problem_records: u64,
    /// Lines that are neither headers nor part of an analysed record.
    pub unknown_lines: u64,
    /// Lines longer than the cap (the rest was skipped).
    pub truncated_lines: u64,
}

impl LineCounts {
    /// Adds another chunk's counts.
    pub fn add(&mut self, other: &Self) {
        self.lines += other.lines;
        self.records += other.records;
        self.problem_records += other.problem_records;
        self.unknown_lines += other.unknown_lines;
        self.truncated_lines += other.truncated_lines;
    }
}

/// What a line of interest is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The header of an error or warning record, with its time; the text is its message.
    Problem(OffsetDateTime),
    /// A header of another level right after a problem record: it ends that record.
    EndOfProblem,
    /// A line after a problem header (or before a chunk's first header).
    Continuation,
}

/// One line of interest: where it is and what it is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    /// 0-based line number within the chunk.
    pub(crate) line: u64,
    start: usize,
    end: usize,
    pub(crate) kind: Kind,
}

/// The scan of one chunk.
#[derive(Debug, Default)]
pub(crate) struct Scanned {
    /// Counts; lines set aside before the first header are not counted as unknown here.
    pub(crate) counts: LineCounts,
    text: String,
    pub(crate) entries: Vec<Entry>,
    /// `entries[..prefix]` came before the chunk's first header.
    pub(crate) prefix: usize,
    /// The level of the chunk's last header (none: the chunk has no header).
    pub(crate) ends_in: Option<Level>,
    /// The time of the chunk's first and last header whose time parses.
    pub(crate) first_time: Option<OffsetDateTime>,
    pub(crate) last_time: Option<OffsetDateTime>,
}

impl Scanned {
    /// The text of an entry (a problem header's message, or the whole line).
    pub(crate) fn text(&self, entry: &Entry) -> &str {
        &self.text[entry.start..entry.end]
    }

    fn push(&mut self, line: u64, text: &str, kind: Kind) {
        let start = self.text.len();
        self.text.push_str(text);
        self.entries.push(Entry {
            line,
            start,
            end: self.text.len(),
            kind,
        });
    }
}

/// Classifies every line of a chunk of whole lines.
pub(crate) fn scan(chunk: &[u8]) -> Scanned {
    let mut scanned = Scanned::default();
    let mut in_problem = false;
    let mut seen_header = false;
    let mut last_header: Option<&[u8]> = None;
    let mut start = 0;
    let mut number = 0u64;
    while start < chunk.len() {
        let end = memchr::memchr(b'\n', &chunk[start..]).map_or(chunk.len(), |i| start + i);
        let mut line = &chunk[start..end];
        start = end + 1;
        if let [rest @ .., b'\r'] = line {
            line = rest;
        }
        let this = number;
        number += 1;
        if line.len() > MAX_LINE {
            scanned.counts.truncated_lines += 1;
            line = &line[..MAX_LINE];
        }
        if let Some(level) = header_level(line) {
            // A problem header whose time does not parse is not a header (as parse_header).
            let header = match level {
                Level::Info => Some(None),
                Level::Problem => {
                    let text = String::from_utf8_lossy(line);
                    parse_header(&text)
                        .and_then(|header| Some((header.time?, header.message.to_owned())))
                        .map(Some)
                }
            };
            if let Some(problem) = header {
                if !seen_header {
                    scanned.prefix = scanned.entries.len();
                    seen_header = true;
                    scanned.first_time = header_time(&String::from_utf8_lossy(line));
                }
                match problem {
                    Some((time, message)) => scanned.push(this, &message, Kind::Problem(time)),
                    None if in_problem => scanned.push(this, "", Kind::EndOfProblem),
                    None => {}
                }
                scanned.counts.records += 1;
                scanned.counts.problem_records += u64::from(level == Level::Problem);
                in_problem = level == Level::Problem;
                last_header = Some(line);
                continue;
            }
        }
        let blank = line.iter().all(u8::is_ascii_whitespace);
        if !seen_header || in_problem {
            if !blank {
                scanned.push(this, &String::from_utf8_lossy(line), Kind::Continuation);
            }
        } else if !blank {
            scanned.counts.unknown_lines += 1;
        }
    }
    if !seen_header {
        scanned.prefix = scanned.entries.len();
    }
    scanned.counts.lines = number;
    scanned.ends_in = last_header.and_then(header_level);
    scanned.last_time = last_header.and_then(|line| header_time(&String::from_utf8_lossy(line)));
    scanned
}

/// Scans chunks from `next_chunk` on `workers` threads and hands the results to `merge` in
/// input order, on the calling thread. Reading runs on a thread of its own, so that reading,
/// scanning and merging overlap; every channel is bounded, so memory is bounded by the chunks in
/// flight whatever the input size. With one worker, everything runs on the calling thread.
pub(crate) fn scan_all(
    workers: usize,
    mut next_chunk: impl FnMut(&mut Vec<u8>) -> io::Result<bool> + Send,
    mut merge: impl FnMut(Scanned),
) -> io::Result<()> {
    if workers <= 1 {
        let mut chunk = Vec::new();
        while next_chunk(&mut chunk)? {
            merge(scan(&chunk));
        }
        return Ok(());
    }
    let (work_tx, work_rx) = mpsc::sync_channel::<(u64, Vec<u8>)>(workers);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = mpsc::sync_channel::<(u64, Scanned, Vec<u8>)>(workers * 2);
    let (spare_tx, spare_rx) = mpsc::channel::<Vec<u8>>();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let work_rx = Arc::clone(&work_rx);
            let done_tx = done_tx.clone();
            scope.spawn(move || {
                loop {
                    // A poisoned lock means another worker panicked: stop taking work.
                    let job = match work_rx.lock() {
                        Ok(receiver) => receiver.recv(),
                        Err(_) => return,
                    };
                    let Ok((sequence, chunk)) = job else { return };
                    let scanned = scan(&chunk);
                    if done_tx.send((sequence, scanned, chunk)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        let reader = scope.spawn(move || -> io::Result<u64> {
            let mut sequence = 0u64;
            loop {
                let mut chunk = spare_rx.try_recv().unwrap_or_default();
                if !next_chunk(&mut chunk)? {
                    return Ok(sequence);
                }
                if work_tx.send((sequence, chunk)).is_err() {
                    return Err(io::Error::other("a scan worker stopped"));
                }
                sequence += 1;
            }
        });
        let mut pending = BTreeMap::new();
        let mut next_out = 0u64;
        for (sequence, scanned, buffer) in done_rx.iter() {
            pending.insert(sequence, scanned);
            while let Some(scanned) = pending.remove(&next_out) {
                merge(scanned);
                next_out += 1;
            }
            // The reader may have finished: a buffer it no longer wants is simply dropped.
            let _ = spare_tx.send(buffer);
        }
        let sent = reader
            .join()
            .map_err(|_| io::Error::other("the log reader stopped"))??;
        if next_out < sent {
            return Err(io::Error::other("a scan worker stopped"));
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "\
continuation of the previous chunk's record
[2022-09-21T03:59:46:INFO:sync.cc(1)] polled
info continuation
[2022-09-21T03:59:47:ERROR:windows_http.cc(340)] Certificate details:
---Validity--

2017-09-21T04:10:04.356-03:00 1a20 I:Sync Foo ()> ok
more info
[2022-09-21T03:59:48:ERROR:windows_http.cc(340)] last";

    #[test]
    fn lines_are_classified_and_problem_records_copied_out() {
        let scanned = scan(LOG.as_bytes());
        assert_eq!(
            scanned.counts,
            LineCounts {
                lines: 9,
                records: 4,
                problem_records: 2,
                unknown_lines: 2,
                truncated_lines: 0,
            }
        );
        let got: Vec<(u64, &str, Kind)> = scanned
            .entries
            .iter()
            .map(|entry| (entry.line, scanned.text(entry), entry.kind))
            .collect();
        let t = |s| time::macros::datetime!(2022-09-21 03:59:00 UTC) + time::Duration::seconds(s);
        assert_eq!(
            got,
            [
                (
                    0,
                    "continuation of the previous chunk's record",
                    Kind::Continuation
                ),
                (3, "Certificate details:", Kind::Problem(t(47))),
                (4, "---Validity--", Kind::Continuation),
                (6, "", Kind::EndOfProblem),
                (8, "last", Kind::Problem(t(48))),
            ]
        );
        assert_eq!(scanned.prefix, 1);
        assert_eq!(scanned.ends_in, Some(Level::Problem));
        assert_eq!(scanned.first_time, Some(t(46)));
        assert_eq!(scanned.last_time, Some(t(48)));
    }

    #[test]
    fn a_chunk_without_header_is_all_prefix() {
        let scanned = scan(b"a\n\nb\n");
        assert_eq!(scanned.prefix, 2);
        assert_eq!(scanned.ends_in, None);
        assert_eq!(scanned.counts.lines, 3);
    }

    #[test]
    fn a_problem_header_with_a_bad_time_is_not_a_header() {
        let scanned = scan(b"[2022-99-21T03:59:47:ERROR:x.cc(1)] no\n");
        assert_eq!(scanned.counts.records, 0);
        assert_eq!(scanned.entries[0].kind, Kind::Continuation);
    }

    #[test]
    fn the_parallel_scan_delivers_in_order() {
        let chunks: Vec<Vec<u8>> = (0..50)
            .map(|i| format!("[2022-09-21T03:59:{:02}:ERROR:x.cc(1)] n{i}\n", i % 60).into_bytes())
            .collect();
        let mut source = chunks.into_iter();
        let mut got = Vec::new();
        scan_all(
            3,
            |chunk| Ok(source.next().map(|next| *chunk = next).is_some()),
            |scanned| got.push(scanned.text(&scanned.entries[0]).to_owned()),
        )
        .unwrap();
        let want: Vec<String> = (0..50).map(|i| format!("n{i}")).collect();
        assert_eq!(got, want);
    }
}
