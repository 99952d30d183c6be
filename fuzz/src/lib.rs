//! Shared harness for tizim's fuzz targets.
//!
//! Every target drives real tizim code and then checks the contracts that
//! the rest of the pipeline relies on, so a fuzzer finds not only panics and
//! hangs but also silent breakage:
//!
//! - [`CheckingSink`] sits between a source and the detection stage
//!   ([`FileScanner`]) and checks every call against the [`SourceSink`]
//!   contract: `begin`/`end` nest, a segment's `report` range lies inside its
//!   text on character boundaries, line numbers are 1-based, archive members
//!   are named `outer!inner`.
//! - [`check_findings`] checks what leaves the scanner: no raw value, masks
//!   that keep too few digits to re-identify anyone, well-formed fingerprints.
//! - [`Tiling`] checks that plain-text segments cover the decoded text
//!   exactly once, with real context and the right line numbers: the
//!   property that makes a value on a chunk boundary be found exactly once.

use std::io::BufRead;
use std::path::PathBuf;
use std::sync::OnceLock;

use tizim::detect::{Engine, FingerprintKey};
use tizim::model::{Category, FileMeta, Finding, Notice, ScanError, Segment, SkipReason};
use tizim::scan::{FileScanner, ScanSummary};
use tizim::source::structured::CellBatch;
use tizim::source::SourceSink;

pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::builtin().expect("built-in detectors load"))
}

/// Loads what detection loads lazily (the detectors, libphonenumber's
/// metadata) before fuzzing starts, so the first input is not charged
/// seconds of set-up against libFuzzer's per-input `-timeout`.
pub fn warm_up() {
    let text = "+7 701 000 00 00 +998 90 000 00 00 a@b.kz 000000000000";
    let mut out = Vec::new();
    engine().scan(&Segment::whole(text, 1, None), &mut out);
    let _ = fingerprinter();
}

pub fn fingerprinter() -> &'static FingerprintKey {
    static FP: OnceLock<FingerprintKey> = OnceLock::new();
    FP.get_or_init(FingerprintKey::default)
}

/// Buffer sizes for readers built over fuzz input: tiny buffers split UTF-8
/// characters, lines and tokens at every possible place.
pub fn buffer_capacity(data: &[u8]) -> usize {
    const CAPACITIES: [usize; 5] = [1, 3, 64, 4096, 1 << 16];
    CAPACITIES[data.len() % CAPACITIES.len()]
}

/// A per-process scratch file for targets whose entry point takes a path
/// (`source::read_file`). Lives in /dev/shm when there is one, so the
/// fuzzer does not wear the disk.
pub fn scratch_file(name: &str, data: &[u8]) -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let base = if std::path::Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("tizim-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        dir
    });
    let path = dir.join(name);
    std::fs::write(&path, data).expect("write scratch file");
    path
}

/// One of `names`, picked by the input's length so that every name is tried.
pub fn pick<'n>(names: &[&'n str], data: &[u8]) -> &'n str {
    names[data.len() % names.len()]
}

/// Writes `data` to a scratch file called `name` and reads it through
/// `source::read_file`, checking the sink contract. The decompression budget
/// is small (4 MiB) to keep each run fast; it is a limit like any other.
/// The shared body of the targets whose formats are found by content.
pub fn read_as_file(name: &str, data: &[u8]) {
    let path = scratch_file(name, data);
    let opts = tizim::source::SourceOptions {
        max_decompressed: 4 << 20,
        ..tizim::source::SourceOptions::default()
    };
    let mut sink = CheckingSink::new(name);
    tizim::source::read_file(&path, name, &opts, &mut sink);
    sink.finish();
}

/// Wraps the detection stage and checks the [`SourceSink`] contract on
/// every call before passing it on.
pub struct CheckingSink {
    scanner: FileScanner<'static>,
    /// Paths of the files and members begun and not yet ended.
    open: Vec<String>,
    /// The path every error and notice must belong to.
    top: String,
    pub segments: usize,
    /// When set, plain-text segments are checked against the decoded text.
    pub tiling: Option<Tiling>,
}

impl CheckingSink {
    pub fn new(top: &str) -> Self {
        CheckingSink {
            scanner: FileScanner::new(engine(), fingerprinter(), false),
            open: Vec::new(),
            top: top.to_string(),
            segments: 0,
            tiling: None,
        }
    }

    /// Ends the run: every `begin` must have had its `end`; the findings
    /// are checked.
    pub fn finish(self) -> (Vec<Finding>, ScanSummary) {
        assert!(
            self.open.is_empty(),
            "begin without end for {:?}",
            self.open
        );
        if let Some(t) = &self.tiling {
            t.check_complete();
        }
        let (findings, summary) = self.scanner.finish();
        check_findings(&findings);
        (findings, summary)
    }

    fn check_belongs(&self, path: &str, what: &str) {
        // An empty path means the file or member being read.
        assert!(
            path.is_empty() || path == self.top || path.starts_with(&format!("{}!", self.top)),
            "{what} path {path:?} is not {:?} or one of its members",
            self.top
        );
    }
}

impl SourceSink for CheckingSink {
    fn begin(&mut self, meta: &FileMeta) {
        match self.open.last() {
            // Archive members may be begun at the top level (the archive
            // itself is not a text file), still named `archive!member`.
            None => self.check_belongs(&meta.path, "top-level begin"),
            // A compressed stream may re-begin under its own path; an
            // archive member is `outer!inner`.
            Some(parent) => assert!(
                meta.path == *parent || meta.path.starts_with(&format!("{parent}!")),
                "member {:?} begun inside {parent:?} is not named {parent}!…",
                meta.path
            ),
        }
        self.open.push(meta.path.clone());
        self.scanner.begin(meta);
    }

    fn segment(&mut self, seg: &Segment<'_>) {
        assert!(!self.open.is_empty(), "segment outside begin/end");
        check_segment(seg);
        if let Some(t) = &mut self.tiling {
            t.check(seg);
        }
        self.segments += 1;
        self.scanner.segment(seg);
    }

    fn field(&mut self, name: &str, line: u64) {
        assert!(!self.open.is_empty(), "field {name:?} outside begin/end");
        assert!(line >= 1, "field {name:?} declared at line 0");
        self.scanner.field(name, line);
    }

    fn cells(&mut self, batch: &CellBatch<'_>) {
        assert!(!self.open.is_empty(), "cells outside begin/end");
        check_cells(batch);
        self.segments += 1;
        self.scanner.cells(batch);
    }

    fn structured_fallback(&mut self, notice: Notice) {
        assert!(
            !self.open.is_empty(),
            "structured fallback outside begin/end"
        );
        self.check_belongs(&notice.path, "fallback notice");
        self.scanner.structured_fallback(notice);
    }

    fn notice(&mut self, notice: Notice) {
        self.check_belongs(&notice.path, "notice");
        if let Some(line) = notice.line {
            assert!(line >= 1, "notice at line 0: {notice:?}");
        }
        self.scanner.notice(notice);
    }

    fn error(&mut self, error: ScanError) {
        self.check_belongs(&error.path, "error");
        assert!(!error.message.is_empty(), "error without a message");
        self.scanner.error(error);
    }

    fn skipped(&mut self, path: &str, reason: SkipReason) {
        self.check_belongs(path, "skip");
        self.scanner.skipped(path, reason);
    }

    fn end(&mut self) {
        assert!(self.open.pop().is_some(), "end without begin");
        self.scanner.end();
    }
}

/// The shape every segment must have, whoever made it.
pub fn check_segment(seg: &Segment<'_>) {
    let r = &seg.report;
    assert!(
        r.start <= r.end && r.end <= seg.text.len(),
        "report range {r:?} outside a text of {} bytes",
        seg.text.len()
    );
    assert!(
        seg.text.is_char_boundary(r.start) && seg.text.is_char_boundary(r.end),
        "report range {r:?} splits a character"
    );
    assert!(seg.first_line >= 1, "segment starts at line 0");
    assert!(seg.first_column >= 1, "segment starts at column 0");
    if let Some(field) = seg.field {
        assert!(
            !field.is_empty(),
            "empty field name (use None for plain text)"
        );
    }
}

/// The shape of a structured batch: cells sorted, apart, inside the text on
/// character boundaries, naming declared fields, at or after the batch's line.
pub fn check_cells(batch: &CellBatch<'_>) {
    assert!(
        batch.first_line >= 1 && batch.first_column >= 1,
        "batch at line/column 0"
    );
    let mut last_end = 0;
    let mut last_line = batch.first_line;
    let (mut counted_to, mut counted_line) = (0usize, batch.first_line);
    for cell in batch.cells {
        let r = &cell.range;
        assert!(
            r.start >= last_end && r.start <= r.end && r.end <= batch.text.len(),
            "cell {r:?} out of order or outside a {}-byte batch (previous ended at {last_end})",
            batch.text.len()
        );
        assert!(
            batch.text.is_char_boundary(r.start) && batch.text.is_char_boundary(r.end),
            "cell {r:?} splits a character"
        );
        assert!(
            (cell.field as usize) < batch.fields.len(),
            "cell names field #{} of {}",
            cell.field,
            batch.fields.len()
        );
        assert!(
            !batch.fields[cell.field as usize].is_empty(),
            "cell with an empty field name"
        );
        if let Some(d) = &cell.decoded {
            assert!(
                d.start <= d.end
                    && d.end <= batch.decoded.len()
                    && batch.decoded.is_char_boundary(d.start)
                    && batch.decoded.is_char_boundary(d.end),
                "decoded range {d:?} outside the decoded text"
            );
        }
        // Lines counted incrementally: from the previous cell's start.
        counted_line += batch.text.as_bytes()[counted_to..r.start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        counted_to = r.start;
        assert_eq!(cell.line, counted_line, "cell {r:?} has the wrong line");
        assert!(cell.line >= last_line, "cell lines go backwards");
        last_line = cell.line;
        last_end = r.end;
    }
}

/// Longest run of ASCII digits in `s`.
pub fn longest_digit_run(s: &str) -> usize {
    s.split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0)
}

/// What a mask may keep: at most the first 4 and last 2 digits of an IIN or
/// BIN, the first 6 and last 4 of a card (PCI DSS), and never the whole value.
pub fn check_mask(category: Category, normalized: &str, masked: &str) {
    let digits = masked.chars().filter(char::is_ascii_digit).count();
    let (max_digits, max_run) = match category {
        Category::Iin | Category::Bin => (6, 4),
        Category::Card => (10, 6),
        _ => (usize::MAX, 6),
    };
    assert!(
        digits <= max_digits && longest_digit_run(masked) <= max_run,
        "{category} mask {masked:?} keeps too many digits"
    );
    if normalized.chars().count() >= 4 {
        assert!(
            !masked.contains(normalized),
            "{category} mask {masked:?} contains the whole value"
        );
    }
}

/// What leaves the scanner without `--show-values`.
pub fn check_findings(findings: &[Finding]) {
    for f in findings {
        assert!(
            f.value.is_none(),
            "raw value in a finding without --show-values"
        );
        assert!(
            f.line >= 1 && f.column >= 1,
            "finding at line/column 0: {f:?}"
        );
        let (max_digits, max_run) = match f.category {
            Category::Iin | Category::Bin => (6, 4),
            Category::Card => (10, 6),
            _ => (usize::MAX, 6),
        };
        let digits = f.masked.chars().filter(char::is_ascii_digit).count();
        assert!(
            digits <= max_digits && longest_digit_run(&f.masked) <= max_run,
            "{} mask {:?} keeps too many digits",
            f.category,
            f.masked
        );
        assert!(
            f.fingerprint.len() >= 16 && f.fingerprint.bytes().all(|b| b.is_ascii_hexdigit()),
            "malformed fingerprint {:?}",
            f.fingerprint
        );
    }
}

/// Checks that plain-text segments tile the decoded text: the `report`
/// ranges, in order, cover every byte exactly once; the context around them
/// is the real neighbouring text; `first_line` is the line of `text[0]`.
pub struct Tiling {
    expected: String,
    /// Bytes of `expected` reported so far.
    covered: usize,
    first_line: u64,
}

impl Tiling {
    pub fn new(expected: String, first_line: u64) -> Self {
        Tiling {
            expected,
            covered: 0,
            first_line,
        }
    }

    fn line_at(&self, offset: usize) -> u64 {
        self.first_line + count_newlines(&self.expected.as_bytes()[..offset])
    }

    pub fn check(&mut self, seg: &Segment<'_>) {
        assert!(seg.field.is_none(), "plain text segment with a field");
        let r = seg.report.clone();
        // Segments that report nothing carry no promise about position.
        if r.is_empty() {
            return;
        }
        let exp = self.expected.as_bytes();
        let at = self.covered;
        assert!(
            at + r.len() <= exp.len(),
            "segments report {} bytes past the end of the {}-byte text",
            at + r.len() - exp.len(),
            exp.len()
        );
        assert!(
            seg.text.as_bytes()[r.clone()] == exp[at..at + r.len()],
            "reported bytes at offset {at} are not the decoded text there"
        );
        assert!(
            r.start <= at && seg.text.as_bytes()[..r.start] == exp[at - r.start..at],
            "context before offset {at} is not the text before it"
        );
        let after = seg.text.len() - r.end;
        let end = at + r.len();
        assert!(
            end + after <= exp.len() && seg.text.as_bytes()[r.end..] == exp[end..end + after],
            "context after offset {end} is not the text after it"
        );
        let text_start = at - r.start;
        assert_eq!(
            seg.first_line,
            self.line_at(text_start),
            "first_line is not the line of text[0] (offset {text_start})"
        );
        self.covered = end;
    }

    pub fn check_complete(&self) {
        assert_eq!(
            self.covered,
            self.expected.len(),
            "segments reported {} of {} bytes",
            self.covered,
            self.expected.len()
        );
    }
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// Runs a structured parser over `data` (as decoded UTF-8 text) through the
/// checking sink. Malformed input must not make it give up: it falls back to
/// plain text and keeps going, so the result must be `Ok`.
pub fn structured(kind: tizim::source::structured::StructuredKind, name: &str, data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut reader = std::io::BufReader::with_capacity(buffer_capacity(data), text.as_bytes());
    // Sniffing must not consume anything; its answer is not checked.
    let _ = tizim::source::structured::sniff(name, &mut reader);
    let mut sink = CheckingSink::new(name);
    sink.begin(&FileMeta {
        path: name.to_string(),
        modified: None,
    });
    let result = tizim::source::structured::scan(kind, &mut reader, &mut sink);
    assert!(
        result.is_ok(),
        "{kind:?} parser gave up on in-memory input: {result:?}"
    );
    assert!(
        reader.fill_buf().map(|b| b.is_empty()).unwrap_or(false),
        "{kind:?} parser stopped before the end of the input"
    );
    sink.end();
    sink.finish();
}
