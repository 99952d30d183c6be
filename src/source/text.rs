//! Plain text: cut a decoded stream into overlapping segments in bounded memory.
//!
//! A window of decoded text is filled to about [`CHUNK`] bytes and handed to
//! the sink as one [`Segment`]. The last [`OVERLAP`] bytes of each window are
//! carried into the next one as context: a segment *reports* only matches
//! starting in its own range, but sees the bytes around it, so a value that
//! straddles a boundary is found exactly once and with whole context. Memory
//! is about `CHUNK + OVERLAP + one read`, whatever the line lengths.

use super::decode::{Sniffed, TextDecoder};
use super::SourceSink;
use crate::model::Segment;
use crate::position::{count_chars, count_newlines};
use std::io::{self, BufRead, Read};

/// Bytes of text reported per segment: large enough that per-segment costs
/// vanish, small enough to stay in cache while the detectors scan it.
pub const CHUNK: usize = 256 * 1024;
/// Context carried across a boundary, on both sides. Must exceed the
/// longest value plus the context a detector looks at around it.
pub const OVERLAP: usize = 4 * 1024;
/// How far back from the ideal cut a line break is looked for, so that
/// segments end at line ends whenever lines are of sane length.
const LINE_SEARCH: usize = 64 * 1024;

/// Scans UTF-8 text from `reader` as plain text, starting at line
/// `first_line`. Memory stays bounded whatever the line lengths. Bytes that
/// are not UTF-8 become U+FFFD.
pub fn scan_plain(
    reader: &mut dyn BufRead,
    first_line: u64,
    sink: &mut dyn SourceSink,
) -> io::Result<()> {
    let mut decoder = TextDecoder::new(
        BufReadAsRead(reader),
        Sniffed::Fixed {
            encoding: encoding_rs::UTF_8,
            bom_len: 0,
        },
        None,
    );
    scan_chunks(|window| decoder.decode_into(window), first_line, sink)
}

/// Lets a `&mut dyn BufRead` be owned by the decoder.
struct BufReadAsRead<'a>(&'a mut dyn BufRead);

impl Read for BufReadAsRead<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

/// Drives the window. `fill` appends decoded text and returns `false` at the
/// end of input. On a read error, what was read is still scanned, then the
/// error is returned.
pub(crate) fn scan_chunks(
    fill: impl FnMut(&mut String) -> io::Result<bool>,
    first_line: u64,
    sink: &mut dyn SourceSink,
) -> io::Result<()> {
    let mut window = super::spare::string();
    let result = scan_window(&mut window, fill, first_line, sink);
    super::spare::give_string(window);
    result
}

fn scan_window(
    window: &mut String,
    mut fill: impl FnMut(&mut String) -> io::Result<bool>,
    first_line: u64,
    sink: &mut dyn SourceSink,
) -> io::Result<()> {
    // window[..reported] was reported by the previous segment and is context now.
    let mut reported = 0usize;
    let mut window_line = first_line;
    let mut window_column = 1u64;
    let mut more = true;
    loop {
        let mut failure = None;
        while more && window.len() < reported + CHUNK + OVERLAP {
            match fill(window) {
                Ok(m) => more = m,
                Err(e) => {
                    failure = Some(e);
                    more = false;
                }
            }
        }
        let report_end = if more {
            cut_point(window, reported)
        } else {
            window.len()
        };
        sink.segment(&Segment {
            text: window,
            report: reported..report_end,
            first_line: window_line,
            first_column: window_column,
            field: None,
        });
        if let Some(e) = failure {
            return Err(e);
        }
        if !more {
            return Ok(());
        }
        let keep_from = floor_char_boundary(window, report_end.saturating_sub(OVERLAP));
        let dropped = &window.as_bytes()[..keep_from];
        window_line += count_newlines(dropped);
        window_column = match memchr::memrchr(b'\n', dropped) {
            Some(i) => count_chars(&dropped[i + 1..]) + 1,
            None => window_column + count_chars(dropped),
        };
        window.drain(..keep_from);
        reported = report_end - keep_from;
    }
}

/// Where the current segment's report range ends: after the last line break
/// shortly before `len - OVERLAP`, else at a character boundary there.
fn cut_point(window: &str, reported: usize) -> usize {
    let ideal = window.len() - OVERLAP;
    let search_from = ideal.saturating_sub(LINE_SEARCH).max(reported + 1);
    match memchr::memrchr(b'\n', &window.as_bytes()[search_from..ideal]) {
        Some(i) => search_from + i + 1,
        None => floor_char_boundary(window, ideal),
    }
}

fn floor_char_boundary(s: &str, mut at: usize) -> usize {
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FileMeta, Notice, ScanError, SkipReason};

    /// Records, for every occurrence of `needle` that starts in a report
    /// range, its absolute offset and line.
    struct Spy {
        needle: &'static str,
        hits: Vec<(u64, usize)>,
        consumed: usize,
        max_text: usize,
    }
    impl SourceSink for Spy {
        fn begin(&mut self, _: &FileMeta) {}
        fn segment(&mut self, seg: &Segment<'_>) {
            self.max_text = self.max_text.max(seg.text.len());
            let base = self.consumed - seg.report.start;
            for (i, _) in seg.text.match_indices(self.needle) {
                if seg.report.contains(&i) {
                    let line = seg.first_line + count_newlines(&seg.text.as_bytes()[..i]);
                    self.hits.push((line, base + i));
                }
            }
            self.consumed = base + seg.report.end;
        }
        fn field(&mut self, _: &str, _: u64) {}
        fn notice(&mut self, _: Notice) {}
        fn error(&mut self, _: ScanError) {}
        fn skipped(&mut self, _: &str, _: SkipReason) {}
        fn end(&mut self) {}
    }

    fn spy(text: &str, needle: &'static str) -> Spy {
        let mut spy = Spy {
            needle,
            hits: vec![],
            consumed: 0,
            max_text: 0,
        };
        scan_plain(&mut io::BufReader::new(text.as_bytes()), 1, &mut spy).unwrap();
        assert_eq!(spy.consumed, text.len(), "every byte reported once");
        spy
    }

    #[test]
    fn value_on_every_offset_around_a_boundary_found_once_with_its_line() {
        let needle = "x@y.kz";
        for shift in 0..12 {
            let mut text = "line\n".repeat(CHUNK / 5);
            let lines_before = (CHUNK / 5) as u64;
            text.truncate(CHUNK - 6 + shift);
            let at = text.len();
            let line = 1 + lines_before.min(text.matches('\n').count() as u64);
            text.push_str(needle);
            text.push_str(&"ё".repeat(CHUNK));
            let spy = spy(&text, needle);
            assert_eq!(spy.hits, vec![(line, at)], "shift {shift}");
        }
    }

    #[test]
    fn one_long_line_in_bounded_windows() {
        let mut text = "a".repeat(5 * CHUNK + 17);
        text.insert_str(3 * CHUNK - 2, "x@y.kz");
        let spy = spy(&text, "x@y.kz");
        assert_eq!(spy.hits, vec![(1, 3 * CHUNK - 2)]);
        assert!(spy.max_text <= CHUNK + OVERLAP + 256 * 1024 + OVERLAP);
    }
}
