//! SQLite database files, through `rusqlite` (SQLite itself, bundled).
//!
//! A file is opened read-only and immutable (`file:…?mode=ro&immutable=1`):
//! SQLite takes no locks, writes no journal and never touches the file.
//! Large tables are sampled in `rowid` ranges: the rowid space is cut into
//! strata and a seeded random stretch of each is read in rowid order, which
//! walks the table's b-tree without sorting anything.

use super::{
    sample_size, CellValue, Column, ColumnKind, Database, DbError, DbOptions, SplitMix, TableSpec,
    TableWriter, ROW_TIME_NAMES,
};
use crate::model::ScanError;
use crate::source::SourceSink;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// Rowid strata a sample is spread over.
const STRATA: u64 = 32;

pub struct Sqlite {
    conn: Connection,
    /// The file's modification time, the age of tables without a row time.
    modified: Option<i64>,
}

/// Characters that would end the path part of a `file:` URI.
const URI_PATH: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b'?')
    .add(b'#')
    .add(b'%')
    .add(b' ');

impl Sqlite {
    pub fn open(path: &Path, _opts: &DbOptions) -> Result<Sqlite, DbError> {
        let path_text = path.to_string_lossy();
        let uri = format!(
            "file:{}?mode=ro&immutable=1",
            percent_encoding::utf8_percent_encode(&path_text, URI_PATH)
        );
        let conn = Connection::open_with_flags(
            uri,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| DbError(format!("opening the SQLite database: {e}")))?;
        // Belt and braces: the connection refuses writes whatever the URI.
        let _ = conn.pragma_update(None, "query_only", true);
        let modified = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs() as i64);
        Ok(Sqlite { conn, modified })
    }
}

/// Reads a SQLite file met during a walk (or extracted from an archive)
/// as a database; `display` is its path in findings.
/// `modified`: the file's (or archive member's) modification time, the age
/// of tables without a row-time column.
pub fn read_file(
    path: &Path,
    display: &str,
    modified: Option<i64>,
    opts: &DbOptions,
    sink: &mut dyn SourceSink,
) {
    match Sqlite::open(path, opts) {
        Ok(mut db) => {
            db.modified = modified;
            super::scan_sequentially(&mut db, display, opts, sink)
        }
        Err(e) => sink.error(ScanError {
            path: display.to_string(),
            message: e.0,
        }),
    }
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The column kind from the declared type, by SQLite's affinity rules.
fn column_kind(name: &str, declared: &str) -> Column {
    let t = declared.to_ascii_uppercase();
    let kind = if t.contains("JSON") {
        ColumnKind::Json
    } else if t.contains("INT") {
        ColumnKind::Integer
    } else if t.contains("BLOB") || t.contains("BOOL") {
        ColumnKind::Skip
    } else {
        ColumnKind::Text
    };
    Column {
        name: name.to_string(),
        kind,
        comment: None,
        // Dates are stored as text or numbers whatever the declaration.
        time: t.contains("DATE")
            || t.contains("TIME")
            || ROW_TIME_NAMES.iter().any(|n| name.eq_ignore_ascii_case(n)),
    }
}

fn err(what: &str, e: rusqlite::Error) -> DbError {
    DbError(format!("{what}: {e}"))
}

impl Database for Sqlite {
    fn tables(&mut self) -> Result<Vec<TableSpec>, DbError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT name, type, sql LIKE '%WITHOUT ROWID%' FROM sqlite_master \
                 WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
                 ORDER BY name",
            )
            .map_err(|e| err("listing tables", e))?;
        let names: Vec<(String, String, bool)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .and_then(|rows| rows.collect())
            .map_err(|e| err("listing tables", e))?;
        let mut tables = Vec::with_capacity(names.len());
        for (name, kind, without_rowid) in names {
            let mut cols = self
                .conn
                .prepare("SELECT name, type FROM pragma_table_info(?1)")
                .map_err(|e| err("listing columns", e))?;
            let columns: Vec<Column> = cols
                .query_map([&name], |r| {
                    Ok(column_kind(
                        &r.get::<_, String>(0)?,
                        &r.get::<_, String>(1)?,
                    ))
                })
                .and_then(|rows| rows.collect())
                .map_err(|e| err(&format!("main.{name}: listing columns"), e))?;
            tables.push(TableSpec {
                schema: "main".to_string(),
                name,
                columns,
                estimated_rows: None,
                // Views and WITHOUT ROWID tables have no rowid to sample by.
                view: kind == "view" || without_rowid,
                keys: Vec::new(),
            });
        }
        Ok(tables)
    }

    fn read_table(
        &mut self,
        table: &TableSpec,
        location: &str,
        opts: &DbOptions,
        sink: &mut dyn SourceSink,
    ) -> Result<(), DbError> {
        let qualified = table.qualified();
        let fail = |doing: &str, e: rusqlite::Error| err(&format!("{qualified}: {doing}"), e);
        let from = quote_ident(&table.name);
        let count: i64 = self
            .conn
            .query_row(&format!("SELECT count(*) FROM {from}"), [], |r| r.get(0))
            .map_err(|e| fail("counting rows", e))?;
        let estimated = Some(count.max(0) as u64);
        let limit = sample_size(opts, estimated);
        let time_col = table.row_time_column(opts);
        let time_expr = time_col.map(|i| {
            let c = quote_ident(&table.columns[i].name);
            format!(
                "CASE WHEN typeof({c}) IN ('integer', 'real') THEN CAST({c} AS INTEGER) \
                 ELSE CAST(strftime('%s', {c}) AS INTEGER) END"
            )
        });
        // Findings carry the table's age: its oldest row, else the file's.
        let modified = match &time_expr {
            Some(expr) => self
                .conn
                .query_row(&format!("SELECT min({expr}) FROM {from}"), [], |r| {
                    r.get::<_, Option<i64>>(0)
                })
                .map_err(|e| fail("finding the oldest row", e))?,
            None => self.modified,
        }
        .or(self.modified);
        let mut select: Vec<String> = table.columns.iter().map(|c| quote_ident(&c.name)).collect();
        if table.view {
            select.push("NULL".to_string());
        } else {
            select.push("rowid".to_string());
        }
        select.extend(time_expr);
        let select = select.join(", ");
        let ncols = table.columns.len();
        let mut out = TableWriter::begin(sink, location, table, modified);
        let read = |sql: &str,
                    params: &[&dyn rusqlite::ToSql],
                    out: &mut TableWriter<'_>|
         -> Result<Option<i64>, rusqlite::Error> {
            let mut stmt = self.conn.prepare(sql)?;
            let mut rows = stmt.query(params)?;
            let mut last = None;
            while let Some(row) = rows.next()? {
                for i in 0..ncols {
                    out.put(
                        i,
                        match row.get_ref(i)? {
                            ValueRef::Text(t) => CellValue::Bytes(t),
                            ValueRef::Integer(n) => CellValue::Int(n),
                            ValueRef::Real(x) => CellValue::Real(x),
                            ValueRef::Null | ValueRef::Blob(_) => CellValue::Null,
                        },
                    );
                }
                if let Ok(Some(rowid)) = row.get::<_, Option<i64>>(ncols) {
                    last = Some(rowid);
                }
                let time = time_col.and_then(|_| row.get::<_, Option<i64>>(ncols + 1).ok()?);
                out.end_row_at(time);
            }
            Ok(last)
        };
        let result = match limit {
            None => read(&format!("SELECT {select} FROM {from}"), &[], &mut out).map(|_| ()),
            Some(n) if table.view => read(
                &format!("SELECT {select} FROM {from} LIMIT {n}"),
                &[],
                &mut out,
            )
            .map(|_| ()),
            Some(n) => (|| {
                let (lo, hi): (i64, i64) = self.conn.query_row(
                    &format!("SELECT min(rowid), max(rowid) FROM {from}"),
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                let span = (hi as i128 - lo as i128 + 1).max(1) as u64;
                let per = n.div_ceil(STRATA);
                let mut rng = SplitMix(opts.sample_seed);
                let sql = format!(
                    "SELECT {select} FROM {from} WHERE rowid >= ?1 ORDER BY rowid LIMIT ?2"
                );
                let mut next_free = i64::MIN;
                for s in 0..STRATA {
                    let stratum = span / STRATA;
                    let start = lo + (s * stratum + rng.next() % stratum.max(1)) as i64;
                    let start = start.max(next_free);
                    let got = read(&sql, &[&start, &(per as i64)], &mut out)?;
                    if let Some(last) = got {
                        next_free = last + 1;
                    }
                }
                Ok(())
            })(),
        };
        out.conclude(result, table, location, limit.is_some(), estimated, fail)
    }
}
