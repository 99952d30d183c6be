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
            let mut scanner = FileScanner::new(engine, &fingerprinter, opts.show_values);
            source::read_file(&path, &display, &opts.source, &mut scanner);
            let (findings, file_summary) = scanner.finish();
            for f in findings {
                sink.finding(f);
            }
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
    findings: Vec<Finding>,
    summary: ScanSummary,
}

struct OpenFile {
    meta: FileMeta,
    named_fields: Vec<NamedField>,
    /// Index into `findings` where this file's findings start.
    first_finding: usize,
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
            summary: ScanSummary::default(),
        }
    }

    /// The findings and counters gathered so far.
    pub fn finish(self) -> (Vec<Finding>, ScanSummary) {
        let mut summary = self.summary;
        summary.stats.findings = self
            .findings
            .iter()
            .filter(|f| f.suppressed.is_none())
            .count() as u64;
        summary.stats.suppressed = self.findings.len() as u64 - summary.stats.findings;
        (self.findings, summary)
    }
}

/// The line of `text` around byte `at`.
fn line_around(text: &str, at: usize) -> &str {
    let start = memchr::memrchr(b'\n', &text.as_bytes()[..at]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &text.as_bytes()[at..]).map_or(text.len(), |i| at + i);
    &text[start..end]
}

impl SourceSink for FileScanner<'_> {
    fn begin(&mut self, meta: &FileMeta) {
        self.open.push(OpenFile {
            meta: meta.clone(),
            named_fields: Vec::new(),
            first_finding: self.findings.len(),
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
        for m in self.matches.drain(..) {
            let allowed = memchr::memmem::find(
                line_around(seg.text, m.start).as_bytes(),
                INLINE_ALLOW.as_bytes(),
            )
            .is_some();
            self.findings.push(Finding {
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
            });
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
            let seen = self.findings[file.first_finding..]
                .iter()
                .any(|f| f.category == nf.category && f.field.as_deref() == Some(nf.name.as_str()));
            if seen {
                continue;
            }
            let location = format!("{}#{}", file.meta.path, nf.name);
            self.findings.push(Finding {
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
            });
        }
    }
}
