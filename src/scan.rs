//! Wires the stages together: walk → source → detect → findings.
//!
//! [`FileScanner`] is the detection stage's [`SourceSink`]: it runs the
//! engine over each segment and turns matches into masked, fingerprinted
//! [`Finding`]s. [`run`] drives it over a whole tree on the walker's threads.

use crate::detect::{DecodeStats, Engine, FieldContext, FingerprintKey};
use crate::model::{
    Category, Confidence, Evidence, FileMeta, Finding, Match, Notice, ScanError, Segment,
    SkipReason, Stats, TableRead,
};
use crate::source::structured::CellBatch;
use crate::source::{self, db, SourceOptions, SourceSink};
use crate::walk::{self, WalkEvent, WalkOptions};
use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// How many findings a streaming [`FileScanner`] hands over at once.
const STREAM_BATCH: usize = 256;

/// The marker that suppresses findings on its own line.
pub const INLINE_ALLOW: &str = "tizim:allow";

#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    pub walk: WalkOptions,
    pub source: SourceOptions,
    /// The key of value fingerprints; by default a random one for this
    /// process only (the CLI resolves flag, key file or installation key:
    /// [`crate::key::resolve`]).
    pub fingerprint_key: FingerprintKey,
    /// Put raw values into findings (`--show-values`).
    pub show_values: bool,
    /// Scan only this shard of the files (`--shard I/N`).
    pub shard: Option<Shard>,
    /// Written before every path (`--location-prefix host17:`), so that the
    /// hosts of a fleet stay apart in one merged inventory.
    pub location_prefix: Option<String>,
    /// Where the stream of a `-` argument comes from, and what to call it.
    pub stdin: StdinSource,
}

/// The stream a `-` scan argument reads (`tizim scan -`).
#[derive(Debug, Clone, Default)]
pub struct StdinSource {
    /// Its path in reports and for format detection (`--stdin-name`);
    /// `<stdin>` when not given.
    pub name: Option<String>,
    /// Its modification time, Unix seconds (`--stdin-modified`): an engine
    /// that hands over bytes knows the file's date, and retention needs it.
    pub modified: Option<i64>,
}

/// The scan argument that means "read standard input".
pub const STDIN_ARGUMENT: &str = "-";

/// One of `count` disjoint parts of a scan (`--shard I/N`, `index` from 1).
///
/// A file belongs to the shard picked by a stable hash (BLAKE3, never the
/// process-seeded std hasher) of its path relative to the scan root, so
/// every run on every machine splits the same tree the same way, and the
/// shards' union is the whole scan with no file in two of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Parses `I/N` with 1 ≤ I ≤ N.
    pub fn parse(s: &str) -> Result<Shard, String> {
        let bad = || format!("--shard {s:?}: expected I/N with 1 <= I <= N (e.g. 3/16)");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether the file at `relative` (its path relative to the scan root,
    /// see [`crate::gate::relative_path`]) is this shard's.
    pub fn owns(&self, relative: &str) -> bool {
        Shard::of(relative, self.count) == self.index
    }

    /// The shard (1-based) of `relative` among `count`.
    pub fn of(relative: &str, count: u32) -> u32 {
        let hash = blake3::hash(relative.as_bytes());
        let mut head = [0u8; 8];
        head.copy_from_slice(&hash.as_bytes()[..8]);
        (u64::from_le_bytes(head) % u64::from(count)) as u32 + 1
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Receives findings as they are made, from any worker thread.
pub trait FindingSink: Sync {
    fn finding(&self, finding: Finding);
    /// Several findings of one file at once, in order, leaving `batch`
    /// empty. Sinks behind a lock override this to take it once a batch
    /// instead of once a finding (the worker threads contended on it).
    fn findings(&self, batch: &mut Vec<Finding>) {
        batch.drain(..).for_each(|f| self.finding(f));
    }
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

    fn findings(&self, batch: &mut Vec<Finding>) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .append(batch);
    }
}

impl Collect {
    pub fn into_findings(self) -> Vec<Finding> {
        self.0.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

/// Everything but the findings themselves (those went to the [`FindingSink`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanSummary {
    pub errors: Vec<ScanError>,
    pub notices: Vec<Notice>,
    pub stats: Stats,
    /// Database tables read, in no particular order.
    pub tables: Vec<TableRead>,
}

/// Scans `roots` and streams findings into `sink`.
pub fn run(
    roots: &[PathBuf],
    opts: &ScanOptions,
    engine: &Engine,
    sink: &dyn FindingSink,
) -> ScanSummary {
    let started = Instant::now();
    let fingerprinter = &opts.fingerprint_key;
    let summary = Mutex::new(ScanSummary::default());
    let root_names: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
    // Every event, skips and errors included, belongs to exactly one shard,
    // so the shards' counters add up to the whole scan's.
    let owned = |display: &str| {
        opts.shard.map_or(true, |shard| {
            shard.owns(crate::gate::relative_path(display, &root_names))
        })
    };
    let prefixed = |display: String| match &opts.location_prefix {
        Some(prefix) => format!("{prefix}{display}"),
        None => display,
    };
    let visit = |event: WalkEvent| match event {
        WalkEvent::File { display, .. } | WalkEvent::Skipped { display, .. }
            if !owned(&display) => {}
        WalkEvent::Error(e) if !owned(&e.path) => {}
        WalkEvent::File {
            path,
            display,
            metadata,
        } => {
            let display = prefixed(display);
            // Findings go to the sink as they are made: a log with millions
            // of values must not pile them up in memory.
            let mut scanner = FileScanner::streaming(engine, fingerprinter, opts.show_values, sink);
            source::read_walked_file(
                &path,
                &display,
                metadata.as_ref(),
                &opts.source,
                &mut scanner,
            );
            let (_, file_summary) = scanner.finish();
            sink.file_done(&file_summary.stats);
            summary
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .absorb(file_summary);
        }
        WalkEvent::Skipped { display, reason } => {
            let display = prefixed(display);
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
        WalkEvent::Error(mut e) => {
            e.path = prefixed(e.path);
            let mut s = summary.lock().unwrap_or_else(|e| e.into_inner());
            s.stats.errors += 1;
            s.errors.push(e);
        }
    };
    let (stdin, files): (Vec<PathBuf>, Vec<PathBuf>) = roots
        .iter()
        .cloned()
        .partition(|r| r.as_os_str() == STDIN_ARGUMENT);
    if !stdin.is_empty() {
        let name = opts.stdin.name.as_deref().unwrap_or("<stdin>");
        if owned(name) {
            let display = prefixed(name.to_string());
            let mut scanner = FileScanner::streaming(engine, fingerprinter, opts.show_values, sink);
            source::read_stream(
                Box::new(std::io::stdin().lock()),
                &display,
                opts.stdin.modified,
                &opts.source,
                &mut scanner,
            );
            let (_, file_summary) = scanner.finish();
            sink.file_done(&file_summary.stats);
            summary
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .absorb(file_summary);
        }
    }
    if !files.is_empty() || opts.walk.files_from.is_some() {
        walk::walk(&files, &opts.walk, &visit);
    }
    let mut summary = summary.into_inner().unwrap_or_else(|e| e.into_inner());
    if !opts.show_values {
        summary.mask_values(engine);
    }
    summary.sort();
    summary.stats.elapsed_ms = started.elapsed().as_millis() as u64;
    summary
}

/// Scans `roots`, where database URLs (`postgres://…`, `mysql://…`, `redis://…`,
/// `sqlite:///…`) stand beside paths. Every database is connected to
/// before anything is read: a bad URL or an unreachable server is an error
/// (with no password in it), not a finding-less report.
pub fn run_targets(
    roots: &[PathBuf],
    opts: &ScanOptions,
    engine: &Engine,
    sink: &dyn FindingSink,
) -> Result<ScanSummary, String> {
    let started = Instant::now();
    let mut paths = Vec::new();
    let mut databases = Vec::new();
    for root in roots {
        match root.to_str().filter(|r| db::DbUrl::looks_like_url(r)) {
            Some(url) => {
                let url = db::DbUrl::parse(url).map_err(|e| e.0)?;
                let first = db::connect(&url, &opts.source.db).map_err(|e| e.0)?;
                databases.push((url, first));
            }
            None => paths.push(root.clone()),
        }
    }
    db::validate(&opts.source.db)?;
    let mut summary = match paths.is_empty() && !databases.is_empty() {
        true => ScanSummary::default(),
        false => run(&paths, opts, engine, sink),
    };
    let tables = TableScanners {
        engine,
        fingerprinter: &opts.fingerprint_key,
        show_values: opts.show_values,
        sink,
        summary: Mutex::new(ScanSummary::default()),
    };
    for (url, first) in databases {
        db::scan_database(&url, first, &opts.source.db, &tables);
    }
    let mut tables = tables
        .summary
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    if !opts.show_values {
        tables.mask_values(engine);
    }
    summary.absorb(tables);
    summary.sort();
    summary.stats.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(summary)
}

/// A fresh detection stage for each database table, on whichever thread
/// reads it; what each found is added up.
struct TableScanners<'a> {
    engine: &'a Engine,
    fingerprinter: &'a FingerprintKey,
    show_values: bool,
    sink: &'a dyn FindingSink,
    summary: Mutex<ScanSummary>,
}

impl db::TableSinks for TableScanners<'_> {
    fn with_sink(&self, read: &mut dyn FnMut(&mut dyn SourceSink)) {
        let mut scanner =
            FileScanner::streaming(self.engine, self.fingerprinter, self.show_values, self.sink);
        read(&mut scanner);
        let (_, table_summary) = scanner.finish();
        self.sink.file_done(&table_summary.stats);
        self.summary
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .absorb(table_summary);
    }
}

impl ScanSummary {
    /// Masks values in the paths and messages of errors and notices: a file
    /// named for a person must not put their IIN in the report.
    pub fn mask_values(&mut self, engine: &Engine) {
        let masked = |s: &mut String| {
            if let Cow::Owned(m) = engine.mask_values_in(s) {
                *s = m;
            }
        };
        for e in &mut self.errors {
            masked(&mut e.path);
            masked(&mut e.message);
        }
        for n in &mut self.notices {
            masked(&mut n.path);
            masked(&mut n.message);
        }
    }

    /// Errors and notices in path order (each path's own in the order it
    /// met them): threads finish files in any order, and a report, like a
    /// merge of shards, must come out the same every time.
    pub fn sort(&mut self) {
        self.errors.sort_by(|a, b| a.path.cmp(&b.path));
        self.notices.sort_by(|a, b| a.path.cmp(&b.path));
    }

    pub fn absorb(&mut self, other: ScanSummary) {
        self.stats.merge(&other.stats);
        self.errors.extend(other.errors);
        self.notices.extend(other.notices);
        self.tables.extend(other.tables);
    }
}

#[derive(Debug, Clone, Copy)]
struct NameSays {
    category: Option<Category>,
    context: FieldContext,
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
    fingerprinter: &'e FingerprintKey,
    show_values: bool,
    /// Open files and members; the innermost is last.
    open: Vec<OpenFile>,
    matches: Vec<Match>,
    /// Findings kept for [`FileScanner::finish`]; empty when streaming.
    findings: Vec<Finding>,
    /// Where findings go as they are made, when streaming.
    out: Option<&'e dyn FindingSink>,
    /// Findings made but not yet handed to `out`: they go in batches of
    /// [`STREAM_BATCH`], so memory stays bounded and the sink's lock is
    /// taken once a batch.
    pending: Vec<Finding>,
    summary: ScanSummary,
    /// The day minors are counted on (IIN holders under 18).
    today: chrono::NaiveDate,
    /// Each field name met, shared by the findings in that field, with what
    /// it says (the category it suggests, the detectors whose keywords it
    /// holds): structured sources ask about the same few names for every
    /// value.
    /// Hashed with foldhash: looked up once per cell, where std's SipHash
    /// cost ~200 instructions a lookup. Its seed is random per process and
    /// the memo is cleared at 4096 names, so crafted names cannot grow
    /// its chains for long.
    field_names: HashMap<Arc<str>, NameSays, foldhash::fast::RandomState>,
    /// The entry of `field_names` asked about last.
    last_field: Option<(Arc<str>, NameSays)>,
    /// `field_names` of the fields of the batch being scanned.
    batch_fields: Vec<NameSays>,
    cell_matches: Vec<Match>,
}

struct OpenFile {
    /// The path as found; reports show [`OpenFile::shown_path`].
    path: Box<str>,
    /// The path as reports show it, worked out when a first finding or
    /// notice needs it: masking scans it with every detector (~4,900
    /// instructions), and most files have nothing to report. Shared by
    /// every finding of the file.
    shown: Option<Arc<str>>,
    modified: Option<i64>,
    named_fields: Vec<NamedField>,
    /// (category, field) of the value findings made in this file, for the
    /// name-only evidence check at its end. Few per file: a Vec is enough.
    valued_fields: Vec<(Category, Arc<str>)>,
    had_text: bool,
    /// A database table, counted as a table rather than a file.
    table: bool,
    /// Written in a programming language: bare number literals there are
    /// constants (see `detect::code`).
    code: bool,
    /// Where decoding layers stopped short in this file, said at its end.
    decode: DecodeStats,
}

impl OpenFile {
    /// The path as reports show it: masked, since file and member names can
    /// hold values too (`exports/850315300128_резюме.pdf`).
    fn shown_path(&mut self, engine: &Engine, show_values: bool) -> Arc<str> {
        let path = &self.path;
        self.shown
            .get_or_insert_with(|| match show_values {
                true => Arc::from(&**path),
                false => Arc::from(engine.mask_values_in(path).as_ref()),
            })
            .clone()
    }
}

/// Whether the line around an offset holds the inline allow marker. Matches
/// come in order, so a long line is searched once, not once a match (which
/// made lines of many values quadratic).
struct AllowLines<'t> {
    text: &'t str,
    /// Whether the text holds the marker at all, searched once on first
    /// use: most text holds none, and then no line needs searching.
    any: Option<bool>,
    last: Option<(Range<usize>, bool)>,
}

impl<'t> AllowLines<'t> {
    fn new(text: &'t str) -> Self {
        AllowLines {
            text,
            any: None,
            last: None,
        }
    }

    fn allowed(&mut self, at: usize) -> bool {
        let text = self.text;
        if !*self.any.get_or_insert_with(|| {
            memchr::memmem::find(text.as_bytes(), INLINE_ALLOW.as_bytes()).is_some()
        }) {
            return false;
        }
        match &self.last {
            Some((line, allowed)) if line.contains(&at) || line.start == at => *allowed,
            _ => {
                let line = line_around(self.text, at);
                let allowed = memchr::memmem::find(
                    &self.text.as_bytes()[line.clone()],
                    INLINE_ALLOW.as_bytes(),
                )
                .is_some();
                self.last = Some((line, allowed));
                allowed
            }
        }
    }
}

impl<'e> FileScanner<'e> {
    /// Remembers a field whose name (or description) suggests `category`,
    /// for name-only evidence at the end of the file.
    fn named_field(&mut self, name: &str, category: Category, line: u64) {
        let Some(file) = self.open.last_mut() else {
            return;
        };
        if !file.named_fields.iter().any(|f| f.name == name) {
            file.named_fields.push(NamedField {
                name: name.to_string(),
                category,
                line,
            });
        }
    }

    pub fn new(engine: &'e Engine, fingerprinter: &'e FingerprintKey, show_values: bool) -> Self {
        FileScanner {
            engine,
            fingerprinter,
            show_values,
            open: Vec::new(),
            matches: Vec::new(),
            findings: Vec::new(),
            out: None,
            pending: Vec::new(),
            summary: ScanSummary::default(),
            today: chrono::Local::now().date_naive(),
            field_names: HashMap::default(),
            last_field: None,
            batch_fields: Vec::new(),
            cell_matches: Vec::new(),
        }
    }

    /// Like [`FileScanner::new`], but hands each finding to `out` as soon as
    /// it is made, so memory does not grow with the number of findings.
    pub fn streaming(
        engine: &'e Engine,
        fingerprinter: &'e FingerprintKey,
        show_values: bool,
        out: &'e dyn FindingSink,
    ) -> Self {
        FileScanner {
            out: Some(out),
            ..FileScanner::new(engine, fingerprinter, show_values)
        }
    }

    /// The findings kept (none when streaming) and the counters.
    pub fn finish(mut self) -> (Vec<Finding>, ScanSummary) {
        self.flush();
        (self.findings, self.summary)
    }

    /// The shared copy of a field name, and what it says. A JSON file with
    /// endlessly many distinct key paths makes the memo start over now and
    /// then.
    fn known_field(&mut self, name: &str) -> (Arc<str>, NameSays) {
        // Values of one column come one after another: comparing with the
        // last name asked about spares hashing it for each of them.
        if let Some((shared, says)) = &self.last_field {
            if **shared == *name {
                return (shared.clone(), *says);
            }
        }
        if let Some((shared, &says)) = self.field_names.get_key_value(name) {
            self.last_field = Some((shared.clone(), says));
            return (shared.clone(), says);
        }
        let says = NameSays {
            category: self.engine.field_category(name),
            context: self.engine.field_context(name),
        };
        if self.field_names.len() >= 4096 {
            self.field_names.clear();
        }
        let shared: Arc<str> = name.into();
        self.field_names.insert(shared.clone(), says);
        self.last_field = Some((shared.clone(), says));
        (shared, says)
    }

    fn name_says(&mut self, name: &str) -> NameSays {
        self.known_field(name).1
    }

    /// Turns a match into a finding of the innermost open file and delivers it.
    fn push_finding(
        &mut self,
        m: &Match,
        column: u64,
        field: Option<&str>,
        raw: &str,
        allowed: bool,
    ) {
        // A value decoded from a run: its own raw text, and its place inside
        // the decoded data (a token's key path) under the run's field.
        let (field, raw, evidence) = match m.decoded.as_deref() {
            None => (field.map(Cow::Borrowed), raw, Evidence::Value),
            Some(d) => {
                let field = match (field, d.path.as_deref()) {
                    (Some(f), Some(p)) => Some(Cow::Owned(format!("{f}.{p}"))),
                    (None, Some(p)) => Some(Cow::Borrowed(p)),
                    (f, None) => f.map(Cow::Borrowed),
                };
                (field, d.raw.as_str(), Evidence::Decoded(d.layer))
            }
        };
        let field = field.map(|name| self.known_field(&name).0);
        let Some(file) = self.open.last_mut() else {
            return;
        };
        if let Some(field) = &field {
            if !file
                .valued_fields
                .iter()
                .any(|(c, f)| *c == m.category && f == field)
            {
                file.valued_fields.push((m.category, field.clone()));
            }
        }
        let code_literal = file.code && crate::detect::code::is_bare_literal(m, raw);
        let finding = Finding {
            path: file.shown_path(self.engine, self.show_values),
            line: m.line,
            column,
            category: m.category,
            detector: Cow::Borrowed(m.detector),
            confidence: match code_literal {
                true => Confidence::Low,
                false => m.confidence,
            },
            field,
            masked: self.fingerprinter.mask(m.category, &m.normalized),
            fingerprint: self.fingerprinter.fingerprint(m.category, &m.normalized),
            evidence,
            lowered: match code_literal {
                true => Some(crate::model::Lowered::CodeLiteral),
                false => m.lowered,
            },
            test: m.test,
            suppressed: allowed.then(|| "inline".to_string()),
            modified: file.modified,
            commit: None,
            author_date: None,
            value: self.show_values.then(|| raw.to_string()),
            subject: (m.category == Category::Iin)
                .then(|| crate::inventory::subjects::iin_traits(&m.normalized, self.today))
                .flatten(),
        };
        self.deliver(finding);
    }

    /// Adds where decoding stopped short to the innermost open file's count.
    fn note_decoding(&mut self, decode: DecodeStats) {
        if let Some(file) = self.open.last_mut() {
            file.decode.depth_limited += decode.depth_limited;
            file.decode.over_budget += decode.over_budget;
        }
    }

    fn deliver(&mut self, finding: Finding) {
        if finding.suppressed.is_none() {
            self.summary.stats.findings += 1;
        } else {
            self.summary.stats.suppressed += 1;
        }
        match self.out {
            Some(_) => {
                self.pending.push(finding);
                if self.pending.len() >= STREAM_BATCH {
                    self.flush();
                }
            }
            None => self.findings.push(finding),
        }
    }

    /// Hands the pending findings to the streaming sink.
    fn flush(&mut self) {
        if let Some(sink) = self.out {
            if !self.pending.is_empty() {
                sink.findings(&mut self.pending);
            }
        }
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
        let chars = crate::position::count_chars;
        let stretch = &text[self.at..to];
        self.column = match memchr::memrchr(b'\n', stretch) {
            Some(nl) => 1 + chars(&stretch[nl + 1..]),
            None => self.column + chars(stretch),
        };
        self.at = to;
        self.column
    }
}

/// The byte range of the line of `text` around byte `at`.
fn line_around(text: &str, at: usize) -> Range<usize> {
    let start = memchr::memrchr(b'\n', &text.as_bytes()[..at]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &text.as_bytes()[at..]).map_or(text.len(), |i| at + i);
    start..end
}

impl SourceSink for FileScanner<'_> {
    fn begin(&mut self, meta: &FileMeta) {
        self.open.push(OpenFile {
            path: meta.path.as_str().into(),
            shown: None,
            modified: meta.modified,
            named_fields: Vec::new(),
            valued_fields: Vec::new(),
            had_text: false,
            table: false,
            code: crate::detect::code::is_code_path(&meta.path),
            decode: DecodeStats::default(),
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
        let named = seg.field.map(|name| self.name_says(name));
        let mut decode = DecodeStats::default();
        match named {
            Some(says) => {
                self.engine
                    .scan_noting(seg, Some(&|_| says.context), &mut matches, &mut decode)
            }
            None => self
                .engine
                .scan_noting(seg, None, &mut matches, &mut decode),
        }
        self.note_decoding(decode);
        if let Some(category) = named.and_then(|says| says.category) {
            // Unless a detector already found it in the value (a `dob`
            // field's date, with the field's name as context).
            if is_value_level(category) && !matches.iter().any(|m| m.category == category) {
                crate::detect::fields::scan_field_value(category, seg, &mut matches);
            }
        }
        // A segment that starts mid-line: the detectors counted columns of
        // its first line from text[0].
        let first_break = memchr::memchr(b'\n', seg.text.as_bytes()).unwrap_or(seg.text.len());
        let mut allow = AllowLines::new(seg.text);
        for m in &matches {
            let column = if m.start < first_break {
                m.column + seg.first_column - 1
            } else {
                m.column
            };
            let allowed = allow.allowed(m.start);
            self.push_finding(m, column, seg.field, &seg.text[m.start..m.end], allowed);
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
        let mut fields = std::mem::take(&mut self.batch_fields);
        fields.clear();
        for name in batch.fields {
            fields.push(self.name_says(name));
        }
        let mut matches = std::mem::take(&mut self.matches);
        matches.clear();
        // A value's column name is context for it, as a keyword beside it is.
        let context_at = |at: usize| {
            let i = batch.cells.partition_point(|c| c.range.start <= at);
            i.checked_sub(1)
                .map(|i| &batch.cells[i])
                .filter(|c| at < c.range.end)
                .and_then(|c| fields.get(c.field as usize))
                .map_or(FieldContext::default(), |f| f.context)
        };
        let mut decode = DecodeStats::default();
        self.engine.scan_noting(
            &Segment::whole(batch.text, batch.first_line, None),
            Some(&context_at),
            &mut matches,
            &mut decode,
        );
        matches.sort_by_key(|m| m.start);
        let mut allow = AllowLines::new(batch.text);
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
            let allowed = allow.allowed(m.start);
            self.push_finding(m, column, field, raw, allowed);
        }
        let value_level = fields
            .iter()
            .any(|f| f.category.is_some_and(is_value_level));
        if value_level || !batch.decoded.is_empty() {
            let mut found = std::mem::take(&mut self.cell_matches);
            let mut columns = ColumnCursor::new(batch.first_column);
            for cell in batch.cells {
                let category = fields
                    .get(cell.field as usize)
                    .and_then(|f| f.category)
                    .filter(|&c| is_value_level(c));
                if category.is_none() && cell.decoded.is_none() {
                    continue;
                }
                let field = batch.fields.get(cell.field as usize).map(String::as_str);
                let value = batch.value(cell);
                let seg = Segment::whole(value, cell.line, field);
                found.clear();
                if cell.decoded.is_some() {
                    let context = fields.get(cell.field as usize).map(|f| f.context);
                    self.engine.scan_noting(
                        &seg,
                        Some(&|_| context.unwrap_or_default()),
                        &mut found,
                        &mut decode,
                    );
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
                let allowed = allow.allowed(cell.range.start);
                for m in &found {
                    let column = if m.line == cell.line {
                        column0 + m.column - 1
                    } else {
                        m.column
                    };
                    let raw = &value[m.start..m.end];
                    self.push_finding(m, column, field, raw, allowed);
                }
            }
            self.cell_matches = found;
        }
        self.matches = matches;
        self.batch_fields = fields;
        self.note_decoding(decode);
    }

    fn field(&mut self, name: &str, line: u64) {
        if let Some(category) = self.name_says(name).category {
            self.named_field(name, category, line);
        }
    }

    fn field_described(&mut self, name: &str, description: &str, line: u64) {
        if self.name_says(name).category.is_none() {
            if let Some(category) = self.engine.field_category(description) {
                self.named_field(name, category, line);
            }
        }
    }

    fn table(&mut self, read: TableRead) {
        let stats = &mut self.summary.stats;
        stats.tables_scanned += 1;
        stats.rows_read += read.rows_read;
        stats.rows_estimated += read.rows_estimated;
        if let Some(file) = self.open.last_mut() {
            file.table = true;
        }
        self.summary.tables.push(read);
    }

    fn notice(&mut self, mut notice: Notice) {
        if notice.path.is_empty() {
            if let Some(file) = self.open.last_mut() {
                notice.path = file.shown_path(self.engine, self.show_values).to_string();
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
        let Some(mut file) = self.open.pop() else {
            return;
        };
        if file.had_text && !file.table {
            self.summary.stats.files_scanned += 1;
        }
        // Encoded text left encoded: the reader may want a deeper look.
        let d = file.decode;
        if d.depth_limited > 0 || d.over_budget > 0 {
            let mut message = String::new();
            if d.depth_limited > 0 {
                message = format!(
                    "{} encoded run(s) inside decoded text left undecoded: \
                     --max-decode-depth {} reached",
                    d.depth_limited,
                    self.engine.max_decode_depth()
                );
            }
            if d.over_budget > 0 {
                if !message.is_empty() {
                    message.push_str("; ");
                }
                message.push_str(&format!(
                    "{} encoded run(s) left undecoded: decoding budget spent",
                    d.over_budget
                ));
            }
            self.summary.notices.push(Notice {
                path: file.shown_path(self.engine, self.show_values).to_string(),
                line: None,
                reason: None,
                message,
            });
        }
        // Name-only evidence: a PII-named field none of whose values validated.
        for nf in std::mem::take(&mut file.named_fields) {
            if file
                .valued_fields
                .iter()
                .any(|(c, f)| *c == nf.category && **f == *nf.name)
            {
                continue;
            }
            let path = file.shown_path(self.engine, self.show_values);
            let location = format!("{path}#{}", nf.name);
            let finding = Finding {
                path,
                line: nf.line,
                column: 1,
                category: nf.category,
                detector: Cow::Borrowed("column-name"),
                confidence: Confidence::Low,
                field: Some(nf.name.into()),
                masked: String::new(),
                fingerprint: self.fingerprinter.fingerprint(nf.category, &location),
                evidence: Evidence::ColumnName,
                lowered: None,
                test: false,
                suppressed: None,
                modified: file.modified,
                commit: None,
                author_date: None,
                value: None,
                subject: None,
            };
            self.deliver(finding);
        }
        // A top-level file is done: its findings reach the output before
        // the scan moves on, as they did when streamed one by one.
        if self.open.is_empty() {
            self.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Confidence;

    /// `(field, confidence)` of the IIN findings in `text`, read as file `name`.
    fn iin_confidences(name: &str, text: &str) -> Vec<(Option<String>, Confidence)> {
        let engine = Engine::builtin().unwrap();
        let fingerprinter = FingerprintKey::default();
        let mut scanner = FileScanner::new(&engine, &fingerprinter, false);
        scanner.begin(&FileMeta {
            path: name.to_string(),
            modified: None,
        });
        let opts = SourceOptions {
            structured: true,
            ..SourceOptions::default()
        };
        source::read_text(name, &mut text.as_bytes(), &opts, &mut scanner);
        scanner.end();
        let (findings, _) = scanner.finish();
        findings
            .into_iter()
            .filter(|f| f.category == Category::Iin)
            .map(|f| (f.field.as_deref().map(str::to_string), f.confidence))
            .collect()
    }

    #[test]
    fn a_column_named_for_the_value_raises_its_confidence() {
        let iin = "850315300128";
        let named = Some("public.clients.iin".to_string());
        let other = Some("public.clients.note".to_string());
        let dump = format!(
            "CREATE TABLE public.clients (id integer, iin text, note text);\n\
             COPY public.clients (id, iin, note) FROM stdin;\n\
             1\t{iin}\tx\n2\tx\t{iin}\n\\.\n"
        );
        assert_eq!(
            iin_confidences("dump.sql", &dump),
            [(named, Confidence::High), (other, Confidence::Medium)]
        );
        let csv = format!("id,ИИН,note\n1,{iin},x\n2,x,{iin}\n");
        assert_eq!(
            iin_confidences("export.csv", &csv),
            [
                (Some("ИИН".to_string()), Confidence::High),
                (Some("note".to_string()), Confidence::Medium)
            ]
        );
        // On lines of their own: a keyword earlier on the same line counts.
        let json = format!("{{\"client\": {{\n\"iin\": \"{iin}\",\n\"note\": \"{iin}\"}}}}\n");
        assert_eq!(
            iin_confidences("doc.json", &json),
            [
                (Some("client.iin".to_string()), Confidence::High),
                (Some("client.note".to_string()), Confidence::Medium)
            ]
        );
    }
}
