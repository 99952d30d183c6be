//! Live databases as a source kind: PostgreSQL, MySQL/MariaDB, SQLite
//! (by URL, and SQLite files met during a walk or inside archives) and Redis
//! (by URL; key families are its tables, see [`redis`]).
//!
//! A database feeds the same [`SourceSink`] as a file does. Each table is
//! one `begin` … `end`: its path is the URL without credentials (or the
//! SQLite file's path), every column is announced with `field`
//! (`schema.table.column`, the column comment beside it), and its rows go
//! out as [`CellBatch`]es, one row a line, so detection, inventory, policy,
//! reports, baselines and allow rules need nothing of their own. The line of
//! a finding is the row's ordinal in what was read.
//!
//! Nothing is ever written: PostgreSQL and MySQL read inside `READ ONLY`
//! transactions with statement timeouts, SQLite files are opened read-only
//! and immutable. One failing table is an error of its own and the scan goes
//! on; an unreachable server or a bad URL stops the run before anything is
//! read ([`connect`]).

use super::structured::{self, Cell, CellBatch, StructuredKind};
use super::SourceSink;
use crate::model::{FileMeta, Notice, ScanError, Segment, SkipReason, TableRead};
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

pub mod mysql;
pub mod postgres;
pub mod redis;
pub mod sqlite;
mod tls;
mod url;

pub use url::{DbKind, DbUrl};

/// How databases are read. Filled from the CLI (`--sample-rows` …).
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Rows read a table at most; tables with more are sampled. 0 reads all.
    pub sample_rows: u64,
    /// Seed of the sampling, so that a sample can be read again.
    pub sample_seed: u64,
    /// Longest a single query may run (and wait for a lock).
    pub timeout: Duration,
    /// `schema.table` globs: only these (all when empty) …
    pub include: Vec<String>,
    /// … and never these.
    pub exclude: Vec<String>,
    /// Connections to one server; tables are read in parallel over them.
    pub connections: usize,
    /// Row-time column of a table, `schema.table=column`, over the usual
    /// names ([`ROW_TIME_NAMES`]).
    pub row_time: Vec<(String, String)>,
    /// Read only this shard's tables (`--shard I/N`): a table belongs to the
    /// shard its location (`URL#schema.table`) hashes to, as a file does.
    pub shard: Option<crate::scan::Shard>,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions {
            sample_rows: 10_000,
            sample_seed: 0,
            timeout: Duration::from_secs(30),
            include: Vec::new(),
            exclude: Vec::new(),
            connections: 2,
            row_time: Vec::new(),
            shard: None,
        }
    }
}

/// Columns taken as a row's creation or change time when no
/// `--db-row-time` names one, in order of preference.
pub const ROW_TIME_NAMES: &[&str] = &[
    "created_at",
    "inserted_at",
    "date_created",
    "created",
    "updated_at",
];

/// A problem with a database as a whole or with one table. Its text never
/// holds a password: [`DbUrl::scrub`] is applied to every driver message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbError(pub String);

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DbError {}

/// A table (or view) to read, with its columns.
#[derive(Debug, Clone)]
pub struct TableSpec {
    pub schema: String,
    pub name: String,
    pub columns: Vec<Column>,
    /// The server's row estimate (`pg_class.reltuples`, `TABLE_ROWS`);
    /// `None` when it has none.
    pub estimated_rows: Option<u64>,
    /// A view: read as it is, never sampled with TABLESAMPLE.
    pub view: bool,
    /// Redis: the keys of this key family chosen to be read (the family is
    /// the "table", its name the key pattern); empty for SQL tables.
    pub keys: Vec<Vec<u8>>,
}

impl TableSpec {
    /// Adds one row of a catalogue listing (one column, ordered by schema and
    /// table) to `tables`: to the last table when it is the same one, else as
    /// a new table. `estimated_rows` and `view` are taken from a table's
    /// first row.
    pub fn add_listed_column(
        tables: &mut Vec<TableSpec>,
        schema: String,
        name: String,
        column: Column,
        estimated_rows: Option<u64>,
        view: bool,
    ) {
        match tables.last_mut() {
            Some(t) if t.schema == schema && t.name == name => t.columns.push(column),
            _ => tables.push(TableSpec {
                schema,
                name,
                columns: vec![column],
                estimated_rows,
                view,
                keys: Vec::new(),
            }),
        }
    }

    /// `schema.table`, what `--db-include` globs and locations use.
    pub fn qualified(&self) -> String {
        match self.schema.is_empty() {
            // A Redis key family has no schema: `session:*`.
            true => self.name.clone(),
            false => format!("{}.{}", self.schema, self.name),
        }
    }

    /// The index of the column that dates the rows, if any.
    pub fn row_time_column(&self, opts: &DbOptions) -> Option<usize> {
        let qualified = self.qualified();
        if let Some((_, column)) = opts.row_time.iter().find(|(t, _)| *t == qualified) {
            return self.columns.iter().position(|c| c.name == *column);
        }
        ROW_TIME_NAMES.iter().find_map(|want| {
            self.columns
                .iter()
                .position(|c| c.time && c.name.eq_ignore_ascii_case(want))
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Read as text (strings, dates, arrays, enums, XML, network types…).
    Text,
    /// Read as text; an 11-digit value in an IIN/BIN-named column gets its
    /// lost leading zero back.
    Integer,
    /// Parsed as JSON; findings get `schema.table.column.key.path`.
    Json,
    /// Not read (binary data, booleans, geometry).
    Skip,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub kind: ColumnKind,
    pub comment: Option<String>,
    /// A date or time type: may date the rows.
    pub time: bool,
}

/// One connection to a database server (or one open SQLite file).
pub trait Database: Send {
    /// Every readable table outside the system schemas.
    fn tables(&mut self) -> Result<Vec<TableSpec>, DbError>;
    /// Reads one table into `sink`, between a `begin` and an `end` of its
    /// own. Errors are returned, not sent: the caller reports them.
    fn read_table(
        &mut self,
        table: &TableSpec,
        location: &str,
        opts: &DbOptions,
        sink: &mut dyn SourceSink,
    ) -> Result<(), DbError>;
    /// The connection is gone (and must be made again to go on).
    fn is_broken(&mut self) -> bool {
        false
    }
    /// What listing the tables found worth saying about the database as a
    /// whole (Redis: keys seen against `DBSIZE`, keys that failed).
    fn notices(&mut self) -> Vec<Notice> {
        Vec::new()
    }
}

/// Opens one connection to `url`. A bad URL, an unreachable server or
/// refused credentials are errors here, before anything is read.
pub fn connect(url: &DbUrl, opts: &DbOptions) -> Result<Box<dyn Database>, DbError> {
    let db: Box<dyn Database> = match url.kind() {
        DbKind::Postgres => Box::new(postgres::Postgres::connect(url, opts)?),
        DbKind::Mysql => Box::new(mysql::Mysql::connect(url, opts)?),
        DbKind::Sqlite => Box::new(sqlite::Sqlite::open(&url.sqlite_path(), opts)?),
        DbKind::Redis => Box::new(redis::Redis::connect(url, opts)?),
    };
    Ok(db)
}

/// Gives each table read a sink of its own and collects what it found;
/// implemented by the scan stage, so tables can be read on several threads.
pub trait TableSinks: Sync {
    fn with_sink(&self, read: &mut dyn FnMut(&mut dyn SourceSink));
}

/// Reads every selected table of the database behind `first` (already
/// connected, see [`connect`]) over up to `opts.connections` connections.
/// Failing tables are reported and counted; the others are read.
pub fn scan_database(
    url: &DbUrl,
    mut first: Box<dyn Database>,
    opts: &DbOptions,
    sinks: &dyn TableSinks,
) {
    let location = url.to_string();
    let report = |message: String| {
        sinks.with_sink(&mut |sink| {
            sink.error(ScanError {
                path: location.clone(),
                message: message.clone(),
            })
        })
    };
    let tables = match first.tables() {
        Ok(t) => t,
        Err(e) => return report(format!("listing tables: {e}")),
    };
    let notices = first.notices();
    if !notices.is_empty() {
        sinks.with_sink(&mut |sink| {
            for n in &notices {
                sink.notice(n.clone());
            }
        });
    }
    let filter = match TableFilter::new(opts) {
        Ok(f) => f,
        Err(e) => return report(e.0),
    };
    let tables: Vec<TableSpec> = tables
        .into_iter()
        .filter(|t| filter.admits(&t.qualified()))
        .filter(|t| {
            opts.shard.map_or(true, |shard| {
                shard.owns(&format!("{location}#{}", t.qualified()))
            })
        })
        .collect();
    let next = AtomicUsize::new(0);
    let work = |mut db: Option<Box<dyn Database>>| loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(table) = tables.get(i) else { break };
        sinks.with_sink(&mut |sink| match db.as_mut() {
            Some(conn) => read_one(conn.as_mut(), table, &location, opts, sink),
            None => sink.error(ScanError {
                path: format!("{location}#{}", table.qualified()),
                message: "not read: the connection was lost and could not be made again"
                    .to_string(),
            }),
        });
        // A connection dropped mid-table (a restart, a killed backend) is
        // made again for the next table.
        if db.as_mut().is_some_and(|conn| conn.is_broken()) {
            db = connect(url, opts).ok();
        }
    };
    let extra = opts.connections.max(1).min(tables.len()).saturating_sub(1);
    std::thread::scope(|scope| {
        for _ in 0..extra {
            // A connection refused now (a server at its limit) only means
            // fewer workers: the first connection reads the rest.
            scope.spawn(|| {
                if let Ok(db) = connect(url, opts) {
                    work(Some(db));
                }
            });
        }
        work(Some(first));
    });
}

/// Reads one table; a failure is reported on the table's location.
fn read_one(
    db: &mut dyn Database,
    table: &TableSpec,
    location: &str,
    opts: &DbOptions,
    sink: &mut dyn SourceSink,
) {
    if let Err(e) = db.read_table(table, location, opts, sink) {
        sink.error(ScanError {
            path: format!("{location}#{}", table.qualified()),
            message: e.0,
        });
    }
}

/// Reads every table of `db` in turn into one sink (SQLite files met in a
/// walk, where the walker's thread is the worker).
pub fn scan_sequentially(
    db: &mut dyn Database,
    location: &str,
    opts: &DbOptions,
    sink: &mut dyn SourceSink,
) {
    let tables = match db.tables() {
        Ok(t) => t,
        Err(e) => {
            sink.error(ScanError {
                path: location.to_string(),
                message: e.0,
            });
            return;
        }
    };
    let filter = match TableFilter::new(opts) {
        Ok(f) => f,
        Err(e) => {
            sink.error(ScanError {
                path: location.to_string(),
                message: e.0,
            });
            return;
        }
    };
    for table in tables.iter().filter(|t| filter.admits(&t.qualified())) {
        read_one(db, table, location, opts, sink);
    }
}

/// `--db-include` / `--db-exclude` on `schema.table`.
struct TableFilter {
    include: Option<globset::GlobSet>,
    exclude: globset::GlobSet,
}

impl TableFilter {
    fn new(opts: &DbOptions) -> Result<Self, DbError> {
        let build = |globs: &[String], what: &str| {
            let mut set = globset::GlobSetBuilder::new();
            for g in globs {
                let glob = globset::GlobBuilder::new(g)
                    .literal_separator(false)
                    .build()
                    .map_err(|e| DbError(format!("{what} {g:?}: {e}")))?;
                set.add(glob);
            }
            set.build().map_err(|e| DbError(format!("{what}: {e}")))
        };
        Ok(TableFilter {
            include: match opts.include.is_empty() {
                true => None,
                false => Some(build(&opts.include, "--db-include")?),
            },
            exclude: build(&opts.exclude, "--db-exclude")?,
        })
    }

    fn admits(&self, qualified: &str) -> bool {
        self.include
            .as_ref()
            .map_or(true, |s| s.is_match(qualified))
            && !self.exclude.is_match(qualified)
    }
}

/// Checks `--db-include` / `--db-exclude` globs before a scan starts.
pub fn validate(opts: &DbOptions) -> Result<(), String> {
    TableFilter::new(opts).map(|_| ()).map_err(|e| e.0)
}

/// How many rows to read from a table of `estimated` rows: `None` reads all.
pub fn sample_size(opts: &DbOptions, estimated: Option<u64>) -> Option<u64> {
    match (opts.sample_rows, estimated) {
        (0, _) => None,
        (n, Some(rows)) if rows <= n => None,
        (n, _) => Some(n),
    }
}

/// The first 16 bytes of every SQLite 3 database file.
pub const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Bytes a batch of rows grows to before it goes to the detectors, as in
/// the structured parsers.
const BATCH_BYTES: usize = 32 << 10;
/// Seconds a day, for the per-day counts of row times.
const DAY: i64 = 86_400;

/// One value as a driver hands it over, for [`TableWriter::put`].
#[derive(Debug, Clone, Copy)]
pub enum CellValue<'a> {
    Null,
    /// Text the driver already decoded.
    Text(&'a str),
    /// Bytes as stored: UTF-8, or decoded as windows-1251 with a notice.
    Bytes(&'a [u8]),
    Int(i64),
    Real(f64),
}

/// Turns the rows of one table into cell batches: one row a line, its
/// values separated by tabs (tabs and line breaks inside values become
/// spaces, as escapes do in dumps), each value a cell of its column.
pub struct TableWriter<'s> {
    sink: &'s mut dyn SourceSink,
    fields: Vec<String>,
    kinds: Vec<ColumnKind>,
    /// IIN/BIN-named integer columns.
    pad: Vec<bool>,
    text: String,
    cells: Vec<Cell>,
    first_line: u64,
    rows: u64,
    days: std::collections::BTreeMap<i64, u64>,
    oldest: Option<i64>,
    undecodable: Vec<bool>,
    json_fields: Vec<String>,
    qualified: String,
}

impl<'s> TableWriter<'s> {
    /// Begins the table in `sink` (`modified`: its oldest row time, when
    /// known) and announces its columns.
    pub fn begin(
        sink: &'s mut dyn SourceSink,
        location: &str,
        table: &TableSpec,
        modified: Option<i64>,
    ) -> Self {
        sink.begin(&FileMeta {
            path: location.to_string(),
            modified,
        });
        let qualified = table.qualified();
        let fields: Vec<String> = table
            .columns
            .iter()
            .map(|c| field_name(&qualified, &c.name))
            .collect();
        for (field, column) in fields.iter().zip(&table.columns) {
            sink.field(field, 1);
            if let Some(comment) = column.comment.as_deref().filter(|c| !c.trim().is_empty()) {
                sink.field_described(field, comment, 1);
            }
        }
        let pad = table
            .columns
            .iter()
            .map(|c| {
                c.kind == ColumnKind::Integer
                    && matches!(
                        crate::detect::fields::category_for_name(&c.name),
                        Some(crate::model::Category::Iin | crate::model::Category::Bin)
                    )
            })
            .collect();
        TableWriter {
            sink,
            kinds: table.columns.iter().map(|c| c.kind).collect(),
            undecodable: vec![false; fields.len()],
            fields,
            pad,
            text: String::with_capacity(BATCH_BYTES + 4096),
            cells: Vec::new(),
            first_line: 1,
            rows: 0,
            days: Default::default(),
            oldest: None,
            json_fields: Vec::new(),
            qualified,
        }
    }

    /// A column found while reading (a Redis hash field): its index, the
    /// same for the same name; announced (name-only evidence) when new.
    pub fn column(&mut self, name: &str) -> usize {
        let field = field_name(&self.qualified, name);
        if let Some(i) = self.fields.iter().position(|f| *f == field) {
            return i;
        }
        self.sink.field(&field, self.rows + 1);
        self.fields.push(field);
        self.kinds.push(ColumnKind::Text);
        self.pad.push(false);
        self.undecodable.push(false);
        self.fields.len() - 1
    }

    /// A value of `column` that is a JSON document, whatever the column's
    /// kind: its key paths hang under the column's field.
    pub fn json_value(&mut self, column: usize, value: &str) {
        if column < self.fields.len() {
            let line = self.rows + 1;
            self.json(column, value, line);
        }
    }

    /// One value of column `column` of the current row.
    pub fn value(&mut self, column: usize, value: &str) {
        let line = self.rows + 1;
        match self.kinds.get(column) {
            None | Some(ColumnKind::Skip) => {}
            Some(ColumnKind::Json) => self.json(column, value, line),
            Some(_) => {
                if !self.text.is_empty() && !self.text.ends_with('\n') {
                    self.text.push('\t');
                }
                let start = self.text.len();
                if self.pad[column]
                    && value.len() == 11
                    && value.bytes().all(|b| b.is_ascii_digit())
                {
                    self.text.push('0');
                }
                self.text.extend(value.chars().map(|c| match c {
                    '\t' | '\n' | '\r' => ' ',
                    c => c,
                }));
                self.cells.push(Cell {
                    range: start..self.text.len(),
                    field: column as u32,
                    line,
                    decoded: None,
                });
            }
        }
    }

    /// A value that is not valid UTF-8: decoded as windows-1251 (the usual
    /// legacy encoding of Kazakh and Russian text), and said once a column.
    pub fn bytes(&mut self, column: usize, value: &[u8]) {
        match std::str::from_utf8(value) {
            Ok(s) => self.value(column, s),
            Err(_) => {
                if !self.undecodable[column] {
                    self.undecodable[column] = true;
                    let field = self.fields[column].clone();
                    self.sink.notice(Notice {
                        path: String::new(),
                        line: Some(self.rows + 1),
                        reason: None,
                        message: format!("{field}: values are not UTF-8; read as windows-1251"),
                    });
                }
                let (text, _, _) = encoding_rs::WINDOWS_1251.decode(value);
                self.value(column, &text);
            }
        }
    }

    /// One value of column `column` of the current row, whatever its type.
    pub fn put(&mut self, column: usize, value: CellValue<'_>) {
        match value {
            CellValue::Null => {}
            CellValue::Text(t) => self.value(column, t),
            CellValue::Bytes(b) => self.bytes(column, b),
            CellValue::Int(n) => self.value(column, itoa::Buffer::new().format(n)),
            CellValue::Real(x) => self.value(column, &x.to_string()),
        }
    }

    /// Ends the current row, dated `time` (Unix seconds) when the table has
    /// a row-time column and the row a value in it.
    pub fn end_row_at(&mut self, time: Option<i64>) {
        if let Some(t) = time {
            self.row_time(t);
        }
        self.end_row();
    }

    /// Ends the table after reading it: finished when `read` succeeded,
    /// abandoned (what was read stays) with the error, and how many rows
    /// came before it, otherwise.
    pub fn conclude<E>(
        self,
        read: Result<(), E>,
        table: &TableSpec,
        location: &str,
        sampled: bool,
        estimated: Option<u64>,
        fail: impl FnOnce(&str, E) -> DbError,
    ) -> Result<(), DbError> {
        match read {
            Ok(()) => {
                self.finish(table, location, sampled, estimated);
                Ok(())
            }
            Err(e) => {
                let rows = self.rows;
                self.abandon();
                Err(fail(&format!("reading (after {rows} rows)"), e))
            }
        }
    }

    /// The current row's time (Unix seconds), for retention.
    pub fn row_time(&mut self, seconds: i64) {
        self.oldest = Some(self.oldest.map_or(seconds, |o| o.min(seconds)));
        *self.days.entry(seconds.div_euclid(DAY)).or_default() += 1;
    }

    /// A JSON value goes through the JSON key-path parser; its paths hang
    /// under the column's field.
    fn json(&mut self, column: usize, value: &str, line: u64) {
        self.flush();
        let mut prefixed = Prefixed {
            inner: &mut *self.sink,
            prefix: &self.fields[column],
            line,
            fields: &mut self.json_fields,
        };
        let mut reader = value.as_bytes();
        if let Err(e) = structured::scan(StructuredKind::Json, &mut reader, &mut prefixed) {
            self.sink.error(ScanError {
                path: String::new(),
                message: format!("{}: {e}", self.fields[column]),
            });
        }
    }

    /// The current row is complete.
    pub fn end_row(&mut self) {
        self.rows += 1;
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        if self.text.len() >= BATCH_BYTES {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if !self.cells.is_empty() {
            self.sink.cells(&CellBatch {
                text: &self.text,
                first_line: self.first_line,
                first_column: 1,
                fields: &self.fields,
                cells: &self.cells,
                decoded: "",
            });
        }
        self.text.clear();
        self.cells.clear();
        self.first_line = self.rows + 1;
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Something about the table worth saying (not an error).
    pub fn notice(&mut self, message: String) {
        self.sink.notice(Notice {
            path: String::new(),
            line: None,
            reason: None,
            message,
        });
    }

    /// A part of the table that could not be read; the rest is.
    pub fn error(&mut self, message: String) {
        self.sink.error(ScanError {
            path: String::new(),
            message,
        });
    }

    /// Sends what is left, the table's read summary, and ends the table.
    /// `estimated`: the table's row count (or the server's estimate of it).
    pub fn finish(
        mut self,
        table: &TableSpec,
        location: &str,
        sampled: bool,
        estimated: Option<u64>,
    ) {
        self.flush();
        let estimated = match sampled {
            true => estimated.unwrap_or(self.rows).max(self.rows),
            false => self.rows,
        };
        self.sink.table(TableRead {
            path: location.to_string(),
            table: table.qualified(),
            rows_read: self.rows,
            rows_estimated: estimated,
            sampled,
            oldest_row: self.oldest,
            row_days: std::mem::take(&mut self.days).into_iter().collect(),
        });
        self.sink.end();
    }

    /// Ends the table after a failure: what was read stays.
    pub fn abandon(mut self) {
        self.flush();
        self.sink.end();
    }
}

/// `schema.table.column`; a column without a name (a Redis string key's
/// value) is the table itself.
fn field_name(qualified: &str, column: &str) -> String {
    match column {
        "" => qualified.to_string(),
        c if c.starts_with('[') => format!("{qualified}{c}"),
        c => format!("{qualified}.{c}"),
    }
}

/// Hands a JSON column's parse to the real sink with the column's field in
/// front of every key path and the row's line on every value.
struct Prefixed<'a> {
    inner: &'a mut dyn SourceSink,
    prefix: &'a str,
    line: u64,
    fields: &'a mut Vec<String>,
}

impl Prefixed<'_> {
    fn name(&self, path: &str) -> String {
        match path {
            "" => self.prefix.to_string(),
            p if p.starts_with('[') => format!("{}{p}", self.prefix),
            p => format!("{}.{p}", self.prefix),
        }
    }
}

impl SourceSink for Prefixed<'_> {
    fn begin(&mut self, meta: &FileMeta) {
        self.inner.begin(meta)
    }
    fn segment(&mut self, seg: &Segment<'_>) {
        let field = self.name(seg.field.unwrap_or(""));
        self.inner.segment(&Segment {
            first_line: self.line,
            field: Some(&field),
            ..seg.clone()
        });
    }
    fn field(&mut self, name: &str, _line: u64) {
        let name = self.name(name);
        self.inner.field(&name, self.line);
    }
    fn cells(&mut self, batch: &CellBatch<'_>) {
        let mut names = std::mem::take(self.fields);
        names.clear();
        names.extend(batch.fields.iter().map(|f| self.name(f)));
        // A JSON value is one row: every line of it is that row's.
        let text = batch.text.replace(['\n', '\r'], " ");
        let cells: Vec<Cell> = batch
            .cells
            .iter()
            .map(|c| Cell {
                line: self.line,
                ..c.clone()
            })
            .collect();
        self.inner.cells(&CellBatch {
            text: &text,
            first_line: self.line,
            first_column: 1,
            fields: &names,
            cells: &cells,
            decoded: batch.decoded,
        });
        *self.fields = names;
    }
    fn notice(&mut self, notice: Notice) {
        self.inner.notice(notice)
    }
    fn structured_fallback(&mut self, notice: Notice) {
        self.inner.notice(notice)
    }
    fn error(&mut self, error: ScanError) {
        self.inner.error(error)
    }
    fn skipped(&mut self, path: &str, reason: SkipReason) {
        self.inner.skipped(path, reason)
    }
    fn end(&mut self) {
        self.inner.end()
    }
}

/// A small seeded generator (SplitMix64) for choosing SQLite rowid ranges:
/// a sample must be the same for the same seed on every machine and
/// version, which a library's unspecified default generator does not
/// promise, and five lines do not earn a dependency.
pub(crate) struct SplitMix(pub u64);

impl SplitMix {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_size_reads_small_tables_whole() {
        let opts = DbOptions::default();
        assert_eq!(sample_size(&opts, Some(500)), None);
        assert_eq!(sample_size(&opts, Some(10_001)), Some(10_000));
        assert_eq!(sample_size(&opts, None), Some(10_000));
        let all = DbOptions {
            sample_rows: 0,
            ..DbOptions::default()
        };
        assert_eq!(sample_size(&all, Some(1 << 40)), None);
    }

    #[test]
    fn include_and_exclude_globs_on_schema_table() {
        let opts = DbOptions {
            include: vec!["public.*".into()],
            exclude: vec!["*.audit_*".into()],
            ..DbOptions::default()
        };
        let f = TableFilter::new(&opts).unwrap();
        assert!(f.admits("public.clients"));
        assert!(!f.admits("public.audit_log"));
        assert!(!f.admits("crm.clients"));
    }
}
