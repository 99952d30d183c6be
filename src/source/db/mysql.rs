//! MySQL and MariaDB through the `mysql` crate (synchronous).
//!
//! The session is made read-only (`SET SESSION TRANSACTION READ ONLY`) and
//! every table is read in a `START TRANSACTION READ ONLY` with a statement
//! time limit (`max_execution_time` on MySQL, `max_statement_time` on
//! MariaDB). Rows stream from the socket as they are iterated (the crate's
//! text-protocol results are unbuffered). Large tables are sampled with
//! `WHERE RAND(seed) < p LIMIT n`: a seeded constant-initialiser `RAND`
//! gives the same rows again for the same seed, and nothing is sorted.
//!
//! Columns in another character set than UTF-8 (cp1251, latin1 holding
//! cp1251 bytes, as legacy Kazakh systems have) are read as their bytes and
//! decoded, with a notice, instead of trusting the server's conversion.

use super::{
    sample_size, CellValue, Column, ColumnKind, Database, DbError, DbOptions, DbUrl, TableSpec,
    TableWriter,
};
use crate::source::SourceSink;
use mysql::prelude::Queryable;
use mysql::{Conn, OptsBuilder, Value};

pub struct Mysql {
    conn: Conn,
    url: DbUrl,
    /// The database named in the URL; all but the system ones without it.
    database: Option<String>,
}

const SYSTEM_SCHEMAS: &str = "'mysql', 'sys', 'performance_schema', 'information_schema'";

fn decoded(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

impl Mysql {
    pub fn connect(url: &DbUrl, opts: &DbOptions) -> Result<Mysql, DbError> {
        let u = url.url();
        let database = Some(u.path().trim_start_matches('/'))
            .filter(|d| !d.is_empty())
            .map(decoded);
        let password = u
            .password()
            .map(decoded)
            .or_else(|| std::env::var("MYSQL_PWD").ok());
        let user = match u.username() {
            "" => std::env::var("USER").unwrap_or_else(|_| "root".to_string()),
            name => decoded(name),
        };
        let socket = u
            .query_pairs()
            .find(|(k, _)| k == "socket")
            .map(|(_, v)| v.into_owned());
        let builder = OptsBuilder::new()
            .ip_or_hostname(Some(u.host_str().unwrap_or("localhost")))
            .tcp_port(u.port().unwrap_or(3306))
            .socket(socket)
            .prefer_socket(false)
            .user(Some(user))
            .pass(password)
            .db_name(database.clone())
            .tcp_connect_timeout(Some(opts.timeout))
            .read_timeout(Some(opts.timeout * 2));
        let mut conn =
            Conn::new(builder).map_err(|e| url.error(&format!("connecting to {url}"), e))?;
        let version: Option<String> = conn
            .query_first("SELECT VERSION()")
            .map_err(|e| url.error(&format!("setting up the session on {url}"), e))?;
        let secs = opts.timeout.as_secs_f64().max(0.001);
        let limit = match version.unwrap_or_default().contains("MariaDB") {
            true => format!("SET SESSION max_statement_time = {secs}"),
            false => format!(
                "SET SESSION max_execution_time = {}",
                opts.timeout.as_millis().max(1)
            ),
        };
        for statement in [
            "SET SESSION TRANSACTION READ ONLY",
            "SET NAMES utf8mb4",
            limit.as_str(),
            &format!("SET SESSION lock_wait_timeout = {}", secs.ceil() as u64),
        ] {
            conn.query_drop(statement)
                .map_err(|e| url.error(&format!("setting up the session on {url}"), e))?;
        }
        Ok(Mysql {
            conn,
            url: url.clone(),
            database,
        })
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::NULL => None,
        other => Some(other.as_sql(true).trim_matches('\'').to_string()),
    }
}

fn quote_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

fn column_kind(data_type: &str) -> (ColumnKind, bool) {
    match data_type {
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" | "decimal" => {
            (ColumnKind::Integer, false)
        }
        "json" => (ColumnKind::Json, false),
        "date" | "datetime" | "timestamp" => (ColumnKind::Text, true),
        "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" | "bit"
        | "geometry" | "point" | "linestring" | "polygon" | "multipoint" | "multilinestring"
        | "multipolygon" | "geometrycollection" => (ColumnKind::Skip, false),
        _ => (ColumnKind::Text, false),
    }
}

impl Database for Mysql {
    fn is_broken(&mut self) -> bool {
        self.conn.ping().is_err()
    }

    fn tables(&mut self) -> Result<Vec<TableSpec>, DbError> {
        let only = match &self.database {
            Some(db) => format!("AND c.TABLE_SCHEMA = '{}'", db.replace(['\'', '\\'], "")),
            None => String::new(),
        };
        let query = format!(
            "SELECT c.TABLE_SCHEMA, c.TABLE_NAME, t.TABLE_TYPE, t.TABLE_ROWS, c.COLUMN_NAME, \
                    c.DATA_TYPE, c.COLUMN_COMMENT \
             FROM information_schema.COLUMNS c \
             JOIN information_schema.TABLES t \
               ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME \
             WHERE c.TABLE_SCHEMA NOT IN ({SYSTEM_SCHEMAS}) {only} \
             ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION"
        );
        let rows: Vec<mysql::Row> = self
            .conn
            .query(query)
            .map_err(|e| self.url.error("listing tables", e))?;
        let mut tables: Vec<TableSpec> = Vec::new();
        for row in rows {
            let get = |i| text(row.as_ref(i));
            let (Some(schema), Some(name), Some(column)) = (get(0), get(1), get(4)) else {
                continue;
            };
            let view = get(2).as_deref() == Some("VIEW");
            let (kind, time) = column_kind(&get(5).unwrap_or_default().to_ascii_lowercase());
            let column = Column {
                name: column,
                kind,
                comment: get(6),
                time,
            };
            let estimated_rows = get(3).and_then(|n| n.parse().ok()).filter(|_| !view);
            TableSpec::add_listed_column(&mut tables, schema, name, column, estimated_rows, view);
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
        let url = self.url.clone();
        let fail = |doing: &str, e: mysql::Error| url.error(&format!("{qualified}: {doing}"), e);
        let from = format!(
            "{}.{}",
            quote_ident(&table.schema),
            quote_ident(&table.name)
        );
        // TABLE_ROWS of InnoDB is an estimate, and 0 for a table never
        // analysed: small or unknown tables are counted.
        let estimated = match table.estimated_rows {
            Some(n) if n > opts.sample_rows.max(1) * 2 || table.view => Some(n),
            _ if table.view => None,
            _ => self
                .conn
                .query_first::<u64, _>(format!("SELECT COUNT(*) FROM {from}"))
                .map_err(|e| fail("counting rows", e))?,
        };
        let limit = sample_size(opts, estimated);
        let source = match (limit, estimated) {
            (Some(n), Some(rows)) if rows > 0 && !table.view => {
                let p = (n as f64 / rows as f64).min(1.0);
                format!(
                    "{from} WHERE RAND({}) < {p} LIMIT {n}",
                    opts.sample_seed % (1 << 31)
                )
            }
            (Some(n), _) => format!("{from} LIMIT {n}"),
            (None, _) => from.clone(),
        };
        let time_col = table.row_time_column(opts);
        let mut select: Vec<String> = table
            .columns
            .iter()
            .map(|c| match c.kind {
                ColumnKind::Skip => "NULL".to_string(),
                // Bytes as stored: decoded here, not by the server.
                _ => format!("CAST({} AS BINARY)", quote_ident(&c.name)),
            })
            .collect();
        if let Some(i) = time_col {
            select.push(format!(
                "CAST(UNIX_TIMESTAMP({}) AS SIGNED)",
                quote_ident(&table.columns[i].name)
            ));
        }
        self.conn
            .query_drop("START TRANSACTION READ ONLY")
            .map_err(|e| fail("starting a read-only transaction", e))?;
        let modified = match time_col {
            Some(i) => self
                .conn
                .query_first::<Option<i64>, _>(format!(
                    "SELECT CAST(UNIX_TIMESTAMP(MIN(s.c)) AS SIGNED) FROM \
                     (SELECT {} AS c FROM {source}) s",
                    quote_ident(&table.columns[i].name)
                ))
                .map_err(|e| fail("finding the oldest row", e))?
                .flatten(),
            None => None,
        };
        let query = format!("SELECT {} FROM {source}", select.join(", "));
        let ncols = table.columns.len();
        let mut out = TableWriter::begin(sink, location, table, modified);
        let result = (|| -> Result<(), mysql::Error> {
            let mut rows = self.conn.query_iter(query)?;
            for row in rows.by_ref() {
                let row = row?;
                for i in 0..ncols {
                    match row.as_ref(i) {
                        Some(Value::Bytes(b)) => out.put(i, CellValue::Bytes(b)),
                        Some(Value::NULL) | None => {}
                        Some(v) => out.put(i, CellValue::Text(v.as_sql(true).trim_matches('\''))),
                    }
                }
                let time = time_col.and_then(|_| text(row.as_ref(ncols))?.parse().ok());
                out.end_row_at(time);
            }
            Ok(())
        })();
        let _ = self.conn.query_drop("COMMIT");
        out.conclude(result, table, location, limit.is_some(), estimated, fail)
    }
}
