//! Wires the stages together: walk → source → detect → findings.
//!
//! [`FileScanner`] is the detection stage's [`SourceSink`]: it runs the
//! engine over each segment and turns matches into masked, fingerprinted
//! [`Finding`]s. [`run`] drives it over a whole tree on the walker's threads.

use crate::detect::{mask, Engine, Fingerprinter};
use crate::model::{
    Category, Confidence, Evidence, FileMeta, Finding, Match, Notice, ScanError, Segment,
    SkipReason, Stats,
};
use crate::source::{self, SourceOptions, SourceSink};
use crate::walk::{self, WalkEvent, WalkOptions};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

/// The marker that suppresses findings on its own line.
pub const INLINE_ALLOW: &str = "tizim:allow";

#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    pub walk: WalkOptions,
    pub source: SourceOptions,
    pub fingerprint_key: Option<String>,
    /// Put raw values into findings (`--show-values`).
    pub show_values: bool,
}

/// Receives findings as they are made, from any worker thread.
pub trait FindingSink: Sync {
    fn finding(&self, finding: Finding);
    /// Called after each top-level file, with its counters; for progress.
    fn file_done(&self, _stats: &Stats) {}
}

/// Collects everything in memory.
#[derive(Default)]
pub struct Collect(pub Mutex<Vec<Finding>>);

impl FindingSink for Collect {
    fn finding(&self, finding: Finding) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(finding);
    }
}

impl Collect {
    pub fn into_findings(self) -> Vec<Finding> {
        self.0.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

/// Everything but the findings themselves (those went to the [`FindingSink`]).
#[derive(Debug, Clone, Default)]
pub struct ScanSummary {
    pub errors: Vec<ScanError>,
    pub notices: Vec<Notice>,
    pub stats: Stats,
}

/// Scans `roots` and streams findings into `sink`.
pub fn run(
    roots: &[PathBuf],
    opts: &ScanOptions,
    engine: &Engine,
    sink: &dyn FindingSink,
) -> ScanSummary {
    let started = Instant::now();
    let fingerprinter = Fingerprinter::new(
        opts.fingerprint_key
            .as_deref()
            .unwrap_or(crate::detect::DEFAULT_FINGERPRINT_KEY),
    );
    let summary = Mutex::new(ScanSummary::default());
    let visit = |event: WalkEvent| match event {
        WalkEvent::File { path, display } => {
            // Findings go to the sink as they are made: a log with millions
            // of values must not pile them up in memory.
            let mut scanner =
                FileScanner::streaming(engine, &fingerprinter, opts.show_values, sink);
            source::read_file(&path, &display, &opts.source, &mut scanner);
            let (_, file_summary) = scanner.finish();
            sink.file_done(&file_summary.stats);
            summary
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .absorb(file_summary);
        }
        WalkEvent::Skipped { display, reason } => {
            let mut s = summary.lock().unwrap_or_else(|e| e.into_inner());
            s.stats.skip(reason);
            // A loop is worth a line of its own; other skips are only counted.
            if reason == SkipReason::SymlinkLoop {
                s.notices.push(Notice {
                    path: display,
                    line: None,
                    reason: Some(reason),
                    message: "symbolic link loop; not followed".to_string(),
                });
            }
        }
        WalkEvent::Error(e) => {
            let mut s = summary.lock().unwrap_or_else(|e| e.into_inner());
            s.stats.errors += 1;
            s.errors.push(e);
        }
    };
    walk::walk(roots, &opts.walk, &visit);
    let mut summary = summary.into_inner().unwrap_or_else(|e| e.into_inner());
    summary.errors.sort_by(|a, b| a.path.cmp(&b.path));
    summary.stats.elapsed_ms = started.elapsed().as_millis() as u64;
    summary
}

impl ScanSummary {
    fn absorb(&mut self, other: ScanSummary) {
        self.stats.merge(&other.stats);
        self.errors.extend(other.errors);
        self.notices.extend(other.notices);
    }
}

/// A field a structured source declared, with the category its name suggests.
struct NamedField {
    name: String,
    category: Category,
    line: u64,
}

/// The detection stage for one top-level file (and its archive members).
pub struct FileScanner<'e> {
    engine: &'e Engine,
    fingerprinter: &'e Fingerprinter,
    show_values: bool,
    /// Open files and members; the innermost is last.
    open: Vec<OpenFile>,
    matches: Vec<Match>,
    /// Findings kept for [`FileScanner::finish`]; empty when streaming.
    findings: Vec<Finding>,
    /// Where findings go as they are made, when streaming.
    out: Option<&'e dyn FindingSink>,
    summary: ScanSummary,
}

struct OpenFile {
    meta: FileMeta,
    named_fields: Vec<NamedField>,
    /// (category, field) of the value findings made in this file, for the
    /// name-only evidence check at its end.
    valued_fields: std::collections::HashSet<(Category, String)>,
    had_text: bool,
}

impl<'e> FileScanner<'e> {
    pub fn new(engine: &'e Engine, fingerprinter: &'e Fingerprinter, show_values: bool) -> Self {
        FileScanner {
            engine,
            fingerprinter,
            show_values,
            open: Vec::new(),
            matches: Vec::new(),
            findings: Vec::new(),
            out: None,
            summary: ScanSummary::default(),
        }
    }

    /// Like [`FileScanner::new`], but hands each finding to `out` as soon as
    /// it is made, so memory does not grow with the number of findings.
    pub fn streaming(
        engine: &'e Engine,
        fingerprinter: &'e Fingerprinter,
        show_values: bool,
        out: &'e dyn FindingSink,
    ) -> Self {
        FileScanner {
            out: Some(out),
            ..FileScanner::new(engine, fingerprinter, show_values)
        }
    }

    /// The findings kept (none when streaming) and the counters.
    pub fn finish(self) -> (Vec<Finding>, ScanSummary) {
        (self.findings, self.summary)
    }

    fn deliver(
        summary: &mut ScanSummary,
        kept: &mut Vec<Finding>,
        out: Option<&dyn FindingSink>,
        finding: Finding,
    ) {
        if finding.suppressed.is_none() {
            summary.stats.findings += 1;
        } else {
            summary.stats.suppressed += 1;
        }
        match out {
            Some(sink) => sink.finding(finding),
            None => kept.push(finding),
        }
    }
}

/// The byte range of the line of `text` around byte `at`.
fn line_around(text: &str, at: usize) -> std::ops::Range<usize> {
    let start = memchr::memrchr(b'\n', &text.as_bytes()[..at]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &text.as_bytes()[at..]).map_or(text.len(), |i| at + i);
    start..end
}

impl SourceSink for FileScanner<'_> {
    fn begin(&mut self, meta: &FileMeta) {
        self.open.push(OpenFile {
            meta: meta.clone(),
            named_fields: Vec::new(),
            valued_fields: Default::default(),
            had_text: false,
        });
    }

    fn segment(&mut self, seg: &Segment<'_>) {
        let Some(file) = self.open.last_mut() else {
            return;
        };
        file.had_text = true;
        self.summary.stats.bytes_scanned += seg.report.len() as u64;
        self.matches.clear();
        self.engine.scan(seg, &mut self.matches);
        if let Some(category) = seg.field.and_then(|name| self.engine.field_category(name)) {
            if matches!(
                category,
                Category::PersonName | Category::BirthDate | Category::IdDocument
            ) {
                crate::detect::fields::scan_field_value(category, seg, &mut self.matches);
            }
        }
        if seg.first_column > 1 {
            // The segment starts mid-line: the detectors counted columns of
            // its first line from text[0].
            let first_break = memchr::memchr(b'\n', seg.text.as_bytes()).unwrap_or(seg.text.len());
            for m in self.matches.iter_mut().filter(|m| m.start < first_break) {
                m.column += seg.first_column - 1;
            }
        }
        let path = &file.meta.path;
        // The line of the last match and whether it holds the allow marker:
        // matches come in order, so a long line is searched once, not once
        // a match (which made lines of many values quadratic).
        let mut line_cache: Option<(std::ops::Range<usize>, bool)> = None;
        for m in self.matches.drain(..) {
            let allowed = match &line_cache {
                Some((line, allowed)) if line.contains(&m.start) => *allowed,
                _ => {
                    let line = line_around(seg.text, m.start);
                    let allowed = memchr::memmem::find(
                        &seg.text.as_bytes()[line.clone()],
                        INLINE_ALLOW.as_bytes(),
                    )
                    .is_some();
                    line_cache = Some((line, allowed));
                    allowed
                }
            };
            if let Some(field) = seg.field {
                if !file
                    .valued_fields
                    .contains(&(m.category, field.to_string()))
                {
                    file.valued_fields.insert((m.category, field.to_string()));
                }
            }
            let finding = Finding {
                path: path.clone(),
                line: m.line,
                column: m.column,
                category: m.category,
                detector: m.detector.to_string(),
                confidence: m.confidence,
                field: seg.field.map(str::to_string),
                masked: mask(m.category, &m.normalized),
                fingerprint: self.fingerprinter.fingerprint(m.category, &m.normalized),
                evidence: Evidence::Value,
                test: m.test,
                suppressed: allowed.then(|| "inline".to_string()),
                modified: file.meta.modified,
                commit: None,
                author_date: None,
                value: self
                    .show_values
                    .then(|| seg.text[m.start..m.end].to_string()),
            };
            Self::deliver(&mut self.summary, &mut self.findings, self.out, finding);
        }
    }

    fn field(&mut self, name: &str, line: u64) {
        let Some(file) = self.open.last_mut() else {
            return;
        };
        if let Some(category) = self.engine.field_category(name) {
            if !file.named_fields.iter().any(|f| f.name == name) {
                file.named_fields.push(NamedField {
                    name: name.to_string(),
                    category,
                    line,
                });
            }
        }
    }

    fn notice(&mut self, notice: Notice) {
        if let Some(reason) = notice.reason {
            self.summary.stats.skip(reason);
        }
        self.summary.notices.push(notice);
    }

    fn error(&mut self, error: ScanError) {
        self.summary.stats.errors += 1;
        self.summary.errors.push(error);
    }

    fn skipped(&mut self, path: &str, reason: SkipReason) {
        let _ = path;
        self.summary.stats.skip(reason);
    }

    fn end(&mut self) {
        let Some(file) = self.open.pop() else { return };
        if file.had_text {
            self.summary.stats.files_scanned += 1;
        }
        // Name-only evidence: a PII-named field none of whose values validated.
        for nf in file.named_fields {
            if file.valued_fields.contains(&(nf.category, nf.name.clone())) {
                continue;
            }
            let location = format!("{}#{}", file.meta.path, nf.name);
            let finding = Finding {
                path: file.meta.path.clone(),
                line: nf.line,
                column: 1,
                category: nf.category,
                detector: "column-name".to_string(),
                confidence: Confidence::Low,
                field: Some(nf.name),
                masked: String::new(),
                fingerprint: self.fingerprinter.fingerprint(nf.category, &location),
                evidence: Evidence::ColumnName,
                test: false,
                suppressed: None,
                modified: file.meta.modified,
                commit: None,
                author_date: None,
                value: None,
            };
            Self::deliver(&mut self.summary, &mut self.findings, self.out, finding);
        }
    }
}
