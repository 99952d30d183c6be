//! Structured formats: SQL dumps, CSV/TSV, JSON/NDJSON. Findings get a
//! `field` (`schema.table.column`, header name, `#3`, key path).
//!
//! # How values reach the detectors
//!
//! A parser does not hand each value to the detectors on its own: a call per
//! value costs more than scanning the value, and structured scanning must
//! stay within 2× of plain scanning. Instead it sends [`CellBatch`]es: a
//! stretch of the *raw* file text (tens of kilobytes, whole values only)
//! together with the byte range and field of every value in it. The
//! detection stage scans the stretch once and gives each match the field of
//! the value it falls in. Because the text is the file's own, line and
//! column numbers come out physical, even for the hundreds of tuples of a
//! mysqldump extended `INSERT` on one line.
//!
//! Escape sequences (`\n` in a COPY row, `\'` in a MySQL string) are
//! overwritten with spaces in the batch text: positions stay put, and a
//! value right after an escaped newline is not glued to the letter `n`.
//! JSON `\uXXXX` escapes change the length of the text, so such strings are
//! blanked in the batch and sent decoded beside it ([`Cell::decoded`]).
//!
//! Each parser reads through a bounded [`Window`], so memory stays bounded
//! whatever the line lengths. When input does not parse (a truncated dump,
//! an unbalanced quote, a ragged CSV, a value longer than [`MAX_TOKEN`]),
//! the parser flushes what it has, records a notice with the line, and
//! scans the rest of the file as plain text: findings are never lost.

use super::decode::SNIFF_LEN;
use super::SourceSink;
use crate::model::{Notice, Segment};
use crate::position::{count_chars, count_newlines};
use std::collections::HashMap;
use std::io::{self, BufRead, Read};
use std::ops::Range;

mod csv;
pub(crate) use csv::{label_like, looks_like_data};
mod json;
mod sql;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StructuredKind {
    Sql,
    Csv,
    Json,
}

/// One value inside a [`CellBatch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// Byte range of the value in [`CellBatch::text`], without its quotes.
    pub range: Range<usize>,
    /// Index into [`CellBatch::fields`].
    pub field: u32,
    /// Physical line of the first byte of the value.
    pub line: u64,
    /// For a value whose escapes change its length (JSON `\u0418`): its
    /// decoded text, as a range of [`CellBatch::decoded`]. Its raw bytes in
    /// `text` are blanked, so it is detected once, from the decoded text.
    pub decoded: Option<Range<usize>>,
}

/// Raw structured text with the values in it marked. What
/// [`SourceSink::cells`] receives.
#[derive(Debug, Clone)]
pub struct CellBatch<'a> {
    /// The file's own text (escape sequences blanked), whole values only.
    pub text: &'a str,
    /// Physical 1-based line of `text[0]`.
    pub first_line: u64,
    /// 1-based column, in characters, of `text[0]` on its line.
    pub first_column: u64,
    /// Field names the cells refer to (`public.users.iin`, `ИИН`, `#3`,
    /// `items[].phone`).
    pub fields: &'a [String],
    /// Sorted by start, not overlapping.
    pub cells: &'a [Cell],
    /// Decoded text of the cells that have [`Cell::decoded`].
    pub decoded: &'a str,
}

impl CellBatch<'_> {
    /// The value of `cell`: decoded when it had to be, raw otherwise.
    pub fn value(&self, cell: &Cell) -> &str {
        match &cell.decoded {
            Some(r) => &self.decoded[r.clone()],
            None => &self.text[cell.range.clone()],
        }
    }
}

/// What a sink that does not scan batches itself does with one
/// ([`SourceSink::cells`]'s default): every cell becomes a segment with its
/// field, and the text between cells a segment without one.
pub fn cells_as_segments<S: SourceSink + ?Sized>(sink: &mut S, batch: &CellBatch<'_>) {
    let text = batch.text;
    let mut at = 0;
    let mut line = batch.first_line;
    let gap = |sink: &mut S, from: usize, to: usize, line: u64| {
        if from < to {
            sink.segment(&Segment::whole(&text[from..to], line, None));
        }
    };
    for cell in batch.cells {
        gap(sink, at, cell.range.start, line);
        let field = batch.fields.get(cell.field as usize).map(String::as_str);
        sink.segment(&Segment::whole(batch.value(cell), cell.line, field));
        line = cell.line + count_newlines(&text.as_bytes()[cell.range.clone()]);
        at = cell.range.end;
    }
    gap(sink, at, text.len(), line);
}

/// Decides from the name and the first buffered bytes (`reader.fill_buf()`,
/// never consumed) whether the text is structured.
///
/// The extension decides first (`.sql`, `.csv`, `.tsv`, `.json`, `.ndjson`,
/// `.jsonl`, also under `.gz` and friends). Without one of those, content
/// decides: a dump header or SQL statements, a JSON object or array, or a
/// delimited header row that names personal data (`ФИО;ИИН;Телефон`).
pub fn sniff(name: &str, reader: &mut dyn BufRead) -> Option<StructuredKind> {
    let ext = extension(name);
    match ext.as_str() {
        "sql" | "mysql" | "pgsql" | "psql" => return Some(StructuredKind::Sql),
        "csv" | "tsv" | "tab" | "psv" => return Some(StructuredKind::Csv),
        "json" | "ndjson" | "jsonl" | "geojson" => return Some(StructuredKind::Json),
        _ => {}
    }
    let head = reader.fill_buf().ok()?;
    // The sample is the start a file's sniff read ([`SNIFF_LEN`]): a small
    // file arrives here whole, and searching all of it for SQL statements
    // and CSV rows cost more than scanning it (and could decide otherwise
    // than the head alone). A stream's first piece may be short of its
    // end and still be taken as all of it, as before.
    let complete = head.len() <= SNIFF_LEN;
    let head = &head[..head.len().min(SNIFF_LEN)];
    // `simdutf8` first: a vector at a time on text beyond ASCII.
    let head = match simdutf8::basic::from_utf8(head) {
        Ok(s) => s,
        // A character cut by the sample's end: `std` says where it begins.
        Err(_) => {
            let valid = std::str::from_utf8(head).map_or_else(|e| e.valid_up_to(), str::len);
            std::str::from_utf8(&head[..valid]).ok()?
        }
    };
    let head = head.trim_start_matches('\u{feff}');
    if json::looks_like_json(head) {
        Some(StructuredKind::Json)
    } else if sql::looks_like_sql(head) {
        Some(StructuredKind::Sql)
    } else if matches!(ext.as_str(), "" | "txt" | "dat") && csv::looks_like_csv(head, complete) {
        Some(StructuredKind::Csv)
    } else {
        None
    }
}

/// Lower-cased extension of the innermost name, compression suffixes
/// removed: `backup.zip!db/dump.sql.gz` → `sql`.
fn extension(name: &str) -> String {
    let base = name.rsplit(['/', '\\', '!']).next().unwrap_or(name);
    let mut base = base.to_ascii_lowercase();
    while let Some(stem) = [".gz", ".bz2", ".xz", ".zst", ".zstd"]
        .iter()
        .find_map(|s| base.strip_suffix(s))
    {
        base = stem.to_string();
    }
    match base.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_string(),
        _ => String::new(),
    }
}

/// Parses structured text. On malformed input, falls back to
/// [`super::text::scan_plain`] for the rest and records a notice.
pub fn scan(
    kind: StructuredKind,
    reader: &mut dyn BufRead,
    sink: &mut dyn SourceSink,
) -> io::Result<()> {
    match kind {
        StructuredKind::Sql => sql::scan(reader, sink),
        StructuredKind::Csv => csv::scan(reader, sink),
        StructuredKind::Json => json::scan(reader, sink),
    }
}

/// Bytes taken from the reader at a time. Parsers send what they have
/// parsed whenever they need more input, so this is also the usual batch
/// size: large enough that the per-call cost of the detectors vanishes,
/// small enough to stay in cache, and the unparsed rest that has to be
/// moved to the front of the buffer stays small.
const READ_CHUNK: usize = 32 << 10;
/// The longest single value, string or comment a parser holds in memory.
/// Longer ones make it fall back to plain text, which streams.
pub(crate) const MAX_TOKEN: usize = 16 << 20;

/// A sliding view of the input: bytes not yet handed on, with the physical
/// position of the first one.
pub(crate) struct Window<'r> {
    reader: &'r mut dyn BufRead,
    pub buf: Vec<u8>,
    /// Line and 1-based character column of `buf[0]`.
    pub line: u64,
    pub column: u64,
    pub eof: bool,
}

impl<'r> Window<'r> {
    pub fn new(reader: &'r mut dyn BufRead) -> Self {
        Window {
            reader,
            buf: Vec::with_capacity(READ_CHUNK * 2),
            line: 1,
            column: 1,
            eof: false,
        }
    }

    /// Appends the next piece of input. `Ok(false)` at the end.
    pub fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        let chunk = loop {
            match self.reader.fill_buf() {
                Ok(c) => break c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        if chunk.is_empty() {
            self.eof = true;
            return Ok(false);
        }
        let n = chunk.len().min(READ_CHUNK);
        self.buf.extend_from_slice(&chunk[..n]);
        self.reader.consume(n);
        Ok(true)
    }

    /// Fills until `n` bytes are buffered or the input ends.
    pub fn fill_to(&mut self, n: usize) -> io::Result<()> {
        while self.buf.len() < n && self.fill()? {}
        Ok(())
    }

    /// Line and column of `buf[at]`.
    pub fn position(&self, at: usize) -> (u64, u64) {
        let before = &self.buf[..at];
        match memchr::memrchr(b'\n', before) {
            Some(nl) => (
                self.line + count_newlines(before),
                1 + count_chars(&before[nl + 1..]),
            ),
            None => (self.line, self.column + count_chars(before)),
        }
    }

    /// Forgets `buf[..n]`, which has been handed on.
    pub fn discard(&mut self, n: usize) {
        let (line, column) = self.position(n);
        self.line = line;
        self.column = column;
        self.buf.drain(..n);
    }

    /// Scans everything from `buf[at]` on as plain text, after a parser gave
    /// up there. The caller has flushed what came before.
    fn plain_from(mut self, at: usize, sink: &mut dyn SourceSink) -> io::Result<()> {
        self.discard(at);
        let rest = std::mem::take(&mut self.buf);
        let mut chained = io::Cursor::new(rest).chain(self.reader);
        super::text::scan_plain(&mut chained, self.line, sink)
    }
}

/// Cells gathered for the next [`CellBatch`], with their field names.
#[derive(Default)]
pub(crate) struct Batch {
    cells: Vec<Cell>,
    fields: Vec<String>,
    index: HashMap<String, u32>,
    decoded: String,
    /// Changes at every flush, so parsers can cache field indexes per batch.
    pub generation: u64,
    /// Whether anything (even an empty batch) was sent.
    sent: bool,
}

impl Batch {
    /// The index of field `name` in this batch.
    pub fn field(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.fields.len() as u32;
        self.fields.push(name.to_string());
        self.index.insert(name.to_string(), i);
        i
    }

    pub fn push(&mut self, range: Range<usize>, field: u32, line: u64) {
        if range.is_empty() {
            return;
        }
        self.cells.push(Cell {
            range,
            field,
            line,
            decoded: None,
        });
    }

    /// A cell detected from `decoded` text; `raw` is blanked in `buf`.
    pub fn push_decoded(
        &mut self,
        buf: &mut [u8],
        raw: Range<usize>,
        decoded: &str,
        field: u32,
        line: u64,
    ) {
        if raw.is_empty() {
            return;
        }
        buf[raw.clone()].iter_mut().for_each(|b| {
            if *b != b'\n' {
                *b = b' '
            }
        });
        let start = self.decoded.len();
        self.decoded.push_str(decoded);
        self.cells.push(Cell {
            range: raw,
            field,
            line,
            decoded: Some(start..self.decoded.len()),
        });
    }

    /// Sends `win.buf[..end]` with its cells, and forgets both. Parsers
    /// flush only between values, so every pending cell lies inside.
    pub fn flush(&mut self, win: &mut Window<'_>, end: usize, sink: &mut dyn SourceSink) {
        // The first flush goes out even when empty: an empty file was still
        // read, and counts as scanned like an empty plain-text file.
        if end == 0 && self.sent {
            return;
        }
        self.sent = true;
        debug_assert!(self.cells.iter().all(|c| c.range.end <= end));
        // Should a cell ever lie past `end`, its bytes are still scanned with
        // the next batch, only without a field.
        self.cells.retain(|c| c.range.end <= end);
        match simdutf8::basic::from_utf8(&win.buf[..end]) {
            Ok(text) => sink.cells(&CellBatch {
                text,
                first_line: win.line,
                first_column: win.column,
                fields: &self.fields,
                cells: &self.cells,
                decoded: &self.decoded,
            }),
            // Sources hand over UTF-8; should one not, scan what is there
            // rather than attribute values to shifted positions.
            Err(_) => sink.segment(&Segment::whole(
                &String::from_utf8_lossy(&win.buf[..end]),
                win.line,
                None,
            )),
        }
        win.discard(end);
        self.cells.clear();
        self.decoded.clear();
        self.fields.clear();
        self.index.clear();
        self.generation += 1;
    }
}

/// Records that a parser gave up at `buf[at]`, then scans the rest of the
/// input as plain text. Everything before `at` is flushed first.
fn fall_back(
    mut win: Window<'_>,
    batch: &mut Batch,
    at: usize,
    sink: &mut dyn SourceSink,
    what: &str,
) -> io::Result<()> {
    batch.flush(&mut win, at, sink);
    let (line, _) = win.position(0);
    sink.structured_fallback(Notice {
        path: String::new(),
        line: Some(line),
        reason: None,
        message: format!("{what} at line {line}; the rest of the file was scanned as plain text"),
    });
    win.plain_from(0, sink)
}

/// A field name as it may appear in reports, or `None` when the name itself
/// looks like a value (an e-mail or a number used as a JSON key, a data row
/// taken for a header): names end up in reports, values must not.
pub(crate) fn presentable_name(name: &str) -> Option<&str> {
    let name = name.trim();
    let digits = name.bytes().filter(u8::is_ascii_digit).count();
    let ok = !name.is_empty()
        && name.len() <= 128
        && digits < 7
        && !name.contains('@')
        && !name.chars().any(char::is_control);
    ok.then_some(name)
}

#[cfg(test)]
pub(crate) mod testing {
    //! A sink that records what sources send, for parser unit tests.
    use super::*;
    use crate::model::{FileMeta, ScanError, SkipReason};

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Value {
        pub field: Option<String>,
        pub text: String,
        pub line: u64,
        /// Column of the value's first character.
        pub column: u64,
    }

    #[derive(Default, Debug)]
    pub struct Recorder {
        pub values: Vec<Value>,
        /// Text sent without a field (between cells, plain fallback).
        pub plain: String,
        pub fields: Vec<(String, u64)>,
        pub notices: Vec<Notice>,
        pub fallbacks: usize,
        pub batches: usize,
    }

    impl SourceSink for Recorder {
        fn begin(&mut self, _: &FileMeta) {}
        fn segment(&mut self, seg: &Segment<'_>) {
            self.plain.push_str(&seg.text[seg.report.clone()]);
        }
        fn cells(&mut self, batch: &CellBatch<'_>) {
            self.batches += 1;
            let mut at = 0;
            for cell in batch.cells {
                self.plain.push_str(&batch.text[at..cell.range.start]);
                at = cell.range.end;
                let before = &batch.text[..cell.range.start];
                let column = match before.rfind('\n') {
                    Some(nl) => before[nl + 1..].chars().count() as u64 + 1,
                    None => batch.first_column + before.chars().count() as u64,
                };
                self.values.push(Value {
                    field: batch.fields.get(cell.field as usize).cloned(),
                    text: batch.value(cell).to_string(),
                    line: cell.line,
                    column,
                });
            }
            self.plain.push_str(&batch.text[at..]);
        }
        fn field(&mut self, name: &str, line: u64) {
            self.fields.push((name.to_string(), line));
        }
        fn notice(&mut self, notice: Notice) {
            self.notices.push(notice);
        }
        fn structured_fallback(&mut self, notice: Notice) {
            self.fallbacks += 1;
            self.notices.push(notice);
        }
        fn error(&mut self, e: ScanError) {
            panic!("unexpected error: {e:?}");
        }
        fn skipped(&mut self, _: &str, _: SkipReason) {}
        fn end(&mut self) {}
    }

    impl Recorder {
        pub fn run(kind: StructuredKind, input: &str) -> Recorder {
            let mut r = Recorder::default();
            scan(kind, &mut input.as_bytes(), &mut r).unwrap();
            r
        }

        /// `(field, value)` pairs, for compact assertions.
        pub fn pairs(&self) -> Vec<(String, String)> {
            self.values
                .iter()
                .map(|v| (v.field.clone().unwrap_or_default(), v.text.clone()))
                .collect()
        }

        pub fn value(&self, text: &str) -> &Value {
            self.values
                .iter()
                .find(|v| v.text == text)
                .unwrap_or_else(|| panic!("no value {text:?} in {:#?}", self.values))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniffed(name: &str, content: &str) -> Option<StructuredKind> {
        sniff(name, &mut content.as_bytes())
    }

    #[test]
    fn extension_decides_first() {
        assert_eq!(sniffed("a/dump.sql", ""), Some(StructuredKind::Sql));
        assert_eq!(sniffed("dump.SQL.gz", ""), Some(StructuredKind::Sql));
        assert_eq!(
            sniffed("b.zip!x/clients.csv", "x"),
            Some(StructuredKind::Csv)
        );
        assert_eq!(sniffed("t.tsv", ""), Some(StructuredKind::Csv));
        assert_eq!(sniffed("e.jsonl", ""), Some(StructuredKind::Json));
        assert_eq!(extension(".bashrc"), "");
    }

    #[test]
    fn content_decides_without_a_known_extension() {
        assert_eq!(
            sniffed(
                "backup",
                "--\n-- PostgreSQL database dump\n--\n\nSET x = 1;\n"
            ),
            Some(StructuredKind::Sql)
        );
        assert_eq!(
            sniffed("db.bak", "-- MySQL dump 10.13  Distrib 8.0.36\n"),
            Some(StructuredKind::Sql)
        );
        assert_eq!(
            sniffed(
                "events.log",
                "{\"user\":{\"email\":\"a@b.kz\"}}\n{\"x\":1}\n"
            ),
            Some(StructuredKind::Json)
        );
        assert_eq!(
            sniffed(
                "export.txt",
                "ФИО;ИИН;Телефон\nИванов Иван;850315300128;+77012345678\n"
            ),
            Some(StructuredKind::Csv)
        );
        assert_eq!(
            sniffed(
                "clients.dat",
                "Код|Клиент|Счёт\n1|Иванов|KZ86125KZT5004100100\n2|Петров|KZ86125KZT5004100101\n3|Ким|KZ86125KZT5004100102\n"
            ),
            Some(StructuredKind::Csv)
        );
        for plain in [
            "Код|Клиент|Счёт\n1|Иванов|KZ86125KZT5004100100\n",
            "Note: one, two\nAnd 3, four\nthen five, six\nseven, 8\n",
            "INFO | main | started\nINFO | db | connected\nWARN | db | slow\nINFO | x | y\n",
            "2024-01-01 INFO user logged in\n",
            "[2024-01-01] started\n",
            "hello; world\nfoo; bar\n",
            "insert into the cart\n",
        ] {
            assert_eq!(sniffed("app.log", plain), None, "{plain}");
            assert_eq!(sniffed("notes.txt", plain), None, "{plain}");
        }
    }

    #[test]
    fn an_empty_file_still_sends_one_empty_batch() {
        for kind in [
            StructuredKind::Sql,
            StructuredKind::Csv,
            StructuredKind::Json,
        ] {
            let r = testing::Recorder::run(kind, "");
            assert_eq!(
                (r.batches, r.values.len(), r.fallbacks),
                (1, 0, 0),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn names_that_look_like_values_are_not_shown() {
        assert_eq!(presentable_name(" ИИН "), Some("ИИН"));
        assert_eq!(presentable_name("ivan@mail.kz"), None);
        assert_eq!(presentable_name("850315300128"), None);
        assert_eq!(presentable_name("+7 701 234 56 78"), None);
        assert_eq!(presentable_name(""), None);
    }

    #[test]
    fn window_tracks_physical_positions_across_discards() {
        let text = "ab\ncdé\nfgh";
        let mut input = text.as_bytes();
        let mut win = Window::new(&mut input);
        win.fill_to(100).unwrap();
        assert_eq!(win.position(5), (2, 3));
        win.discard(4);
        assert_eq!((win.line, win.column), (2, 2));
        assert_eq!(win.position(3), (2, 4));
        win.discard(4);
        assert_eq!((win.line, win.column), (3, 1));
    }
}
