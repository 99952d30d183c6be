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
use crate::source::structured::CellBatch;
use crate::source::{self, SourceOptions, SourceSink};
use crate::walk::{self, WalkEvent, WalkOptions};
use std::collections::{HashMap, HashSet};
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
        WalkEvent::Skipped { display: _, reason } => {
            summary
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .stats
                .skip(reason);
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
    /// Category each field name suggests: structured sources ask about the
    /// same few names for every value.
    field_categories: HashMap<String, Option<Category>>,
    /// `field_categories` of the fields of the batch being scanned.
    batch_categories: Vec<Option<Category>>,
    cell_matches: Vec<Match>,
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
            field_categories: HashMap::new(),
            batch_categories: Vec::new(),
            cell_matches: Vec::new(),
        }
    }

    fn field_category(&mut self, name: &str) -> Option<Category> {
        if let Some(&c) = self.field_categories.get(name) {
            return c;
        }
        let c = self.engine.field_category(name);
        if self.field_categories.len() >= 4096 {
            self.field_categories.clear();
        }
        self.field_categories.insert(name.to_string(), c);
        c
    }

    /// Turns a match into a finding of the innermost open file. `allow`
    /// is the text and offset whose line is checked for the inline allow
    /// marker, given only when the text holds one at all: lines of a dump
    /// can be megabytes long, too long to search once per finding.
    fn push_finding(
        &mut self,
        m: &Match,
        column: u64,
        field: Option<&str>,
        raw: &str,
        allow: Option<(&str, usize)>,
    ) {
        let Some(file) = self.open.last() else { return };
        let allowed = allow.is_some_and(|(text, at)| {
            memchr::memmem::find(line_around(text, at).as_bytes(), INLINE_ALLOW.as_bytes())
                .is_some()
        });
        self.findings.push(Finding {
            path: file.meta.path.clone(),
            line: m.line,
            column,
            category: m.category,
            detector: m.detector.to_string(),
            confidence: m.confidence,
            field: field.map(str::to_string),
            masked: mask(m.category, &m.normalized),
            fingerprint: self.fingerprinter.fingerprint(m.category, &m.normalized),
            evidence: Evidence::Value,
            test: m.test,
            suppressed: allowed.then(|| "inline".to_string()),
            modified: file.meta.modified,
            commit: None,
            author_date: None,
            value: self.show_values.then(|| raw.to_string()),
        });
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

/// Categories whose values are recognised only inside a field named for
/// them (a capitalised word is a name only in a `ФИО` column).
fn is_value_level(category: Category) -> bool {
    matches!(
        category,
        Category::PersonName | Category::BirthDate | Category::IdDocument
    )
}

/// Columns of increasing offsets in one text, counted incrementally so
/// that a megabyte-long line is walked once, not once per value.
struct ColumnCursor {
    at: usize,
    column: u64,
}

impl ColumnCursor {
    fn new(first_column: u64) -> Self {
        ColumnCursor {
            at: 0,
            column: first_column,
        }
    }

    fn column_at(&mut self, text: &[u8], to: usize) -> u64 {
        let chars = |b: &[u8]| b.iter().filter(|&&b| (b as i8) >= -0x40).count() as u64;
        let stretch = &text[self.at..to];
        self.column = match memchr::memrchr(b'\n', stretch) {
            Some(nl) => 1 + chars(&stretch[nl + 1..]),
            None => self.column + chars(stretch),
        };
        self.at = to;
        self.column
    }
}

/// Whether `text` holds the inline allow marker at all: searched once per
/// segment, so that findings on marker-free text skip the per-line search.
fn has_allow_marker(text: &str) -> bool {
    memchr::memmem::find(text.as_bytes(), INLINE_ALLOW.as_bytes()).is_some()
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
        let mut matches = std::mem::take(&mut self.matches);
        matches.clear();
        self.engine.scan(seg, &mut matches);
        if let Some(category) = seg.field.and_then(|name| self.field_category(name)) {
            if is_value_level(category) {
                crate::detect::fields::scan_field_value(category, seg, &mut matches);
            }
        }
        let markers = !matches.is_empty() && has_allow_marker(seg.text);
        for m in &matches {
            let raw = &seg.text[m.start..m.end];
            let allow = markers.then_some((seg.text, m.start));
            self.push_finding(m, m.column, seg.field, raw, allow);
        }
        self.matches = matches;
    }

    /// One detector pass over the batch's raw text; each match takes the
    /// field of the value it lies in. Then the values the raw pass cannot
    /// judge: decoded ones, and those of name / birth-date / document fields.
    fn cells(&mut self, batch: &CellBatch<'_>) {
        let Some(file) = self.open.last_mut() else {
            return;
        };
        file.had_text = true;
        self.summary.stats.bytes_scanned += batch.text.len() as u64;
        let mut categories = std::mem::take(&mut self.batch_categories);
        categories.clear();
        for name in batch.fields {
            categories.push(self.field_category(name));
        }
        let mut matches = std::mem::take(&mut self.matches);
        matches.clear();
        self.engine.scan(
            &Segment::whole(batch.text, batch.first_line, None),
            &mut matches,
        );
        matches.sort_by_key(|m| m.start);
        let value_level = categories.iter().any(|c| c.is_some_and(is_value_level));
        let markers = (!matches.is_empty() || value_level || !batch.decoded.is_empty())
            && has_allow_marker(batch.text);
        for m in &matches {
            let i = batch.cells.partition_point(|c| c.range.start <= m.start);
            let field = i
                .checked_sub(1)
                .map(|i| &batch.cells[i])
                .filter(|c| m.end <= c.range.end && c.decoded.is_none())
                .and_then(|c| batch.fields.get(c.field as usize))
                .map(String::as_str);
            let column = if m.line == batch.first_line {
                m.column + batch.first_column - 1
            } else {
                m.column
            };
            let raw = &batch.text[m.start..m.end];
            let allow = markers.then_some((batch.text, m.start));
            self.push_finding(m, column, field, raw, allow);
        }
        if value_level || !batch.decoded.is_empty() {
            let mut found = std::mem::take(&mut self.cell_matches);
            let mut columns = ColumnCursor::new(batch.first_column);
            for cell in batch.cells {
                let category = categories
                    .get(cell.field as usize)
                    .copied()
                    .flatten()
                    .filter(|&c| is_value_level(c));
                if category.is_none() && cell.decoded.is_none() {
                    continue;
                }
                let field = batch.fields.get(cell.field as usize).map(String::as_str);
                let value = batch.value(cell);
                let seg = Segment::whole(value, cell.line, field);
                found.clear();
                if cell.decoded.is_some() {
                    self.engine.scan(&seg, &mut found);
                }
                if let Some(category) = category {
                    let first = matches.partition_point(|m| m.end <= cell.range.start);
                    let covered = matches[first..]
                        .iter()
                        .take_while(|m| m.start < cell.range.end)
                        .chain(found.iter())
                        .any(|m| m.category == category);
                    if !covered {
                        crate::detect::fields::scan_field_value(category, &seg, &mut found);
                    }
                }
                if found.is_empty() {
                    continue;
                }
                let column0 = columns.column_at(batch.text.as_bytes(), cell.range.start);
                for m in &found {
                    let column = if m.line == cell.line {
                        column0 + m.column - 1
                    } else {
                        m.column
                    };
                    let raw = &value[m.start..m.end];
                    let allow = markers.then_some((batch.text, cell.range.start));
                    self.push_finding(m, column, field, raw, allow);
                }
            }
            self.cell_matches = found;
        }
        self.matches = matches;
        self.batch_categories = categories;
    }

    fn field(&mut self, name: &str, line: u64) {
        let category = self.field_category(name);
        let Some(file) = self.open.last_mut() else {
            return;
        };
        if let Some(category) = category {
            if !file.named_fields.iter().any(|f| f.name == name) {
                file.named_fields.push(NamedField {
                    name: name.to_string(),
                    category,
                    line,
                });
            }
        }
    }

    fn notice(&mut self, mut notice: Notice) {
        if notice.path.is_empty() {
            if let Some(file) = self.open.last() {
                notice.path = file.meta.path.clone();
            }
        }
        if let Some(reason) = notice.reason {
            self.summary.stats.skip(reason);
        }
        self.summary.notices.push(notice);
    }

    fn structured_fallback(&mut self, notice: Notice) {
        self.summary.stats.structured_fallbacks += 1;
        self.notice(notice);
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
        let validated: HashSet<(Category, &str)> = if file.named_fields.is_empty() {
            HashSet::new()
        } else {
            self.findings[file.first_finding..]
                .iter()
                .filter_map(|f| Some((f.category, f.field.as_deref()?)))
                .collect()
        };
        let unvalidated: Vec<NamedField> = file
            .named_fields
            .into_iter()
            .filter(|nf| !validated.contains(&(nf.category, nf.name.as_str())))
            .collect();
        for nf in unvalidated {
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
