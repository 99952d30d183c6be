//! PostgreSQL through the `postgres` crate (synchronous).
//!
//! Every table is read in a `READ ONLY` transaction through a portal
//! (a cursor), a few hundred rows at a time, so memory does not grow with
//! the table. Session settings bound each query (`statement_timeout`,
//! `lock_timeout`) and forbid writes (`default_transaction_read_only`).
//! Large tables are sampled with `TABLESAMPLE … REPEATABLE (seed)`, sized
//! from `pg_class.reltuples`.

use super::{
    sample_size, CellValue, Column, ColumnKind, Database, DbError, DbOptions, DbUrl, TableSpec,
    TableWriter,
};
use crate::source::SourceSink;
use postgres::config::SslMode;
use postgres::{Client, Config, NoTls};
use std::str::FromStr;

/// Rows fetched from the portal at a time.
const FETCH: i32 = 512;
/// Above this many times the sample size, sample whole pages (`SYSTEM`)
/// instead of reading every page to pick rows (`BERNOULLI`).
const SYSTEM_SAMPLING_FACTOR: f64 = 50.0;

/// The server's own message (`permission denied for table x`, `canceling
/// statement due to statement timeout`) rather than the driver's bare
/// "db error"; the cause of a client-side error otherwise.
fn describe(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{} ({})", db.message(), db.code().code());
    }
    match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

pub struct Postgres {
    client: Client,
    url: DbUrl,
}

impl Postgres {
    pub fn connect(url: &DbUrl, opts: &DbOptions) -> Result<Postgres, DbError> {
        let (driver_url, tls) = super::tls::split_url(url)?;
        let mut config = Config::from_str(&driver_url)
            .map_err(|e| url.error("not a valid PostgreSQL URL", e))?;
        // libpq ignores sslmode on a Unix socket; the driver would fail
        // `require` there.
        let local_socket = !config.get_hosts().is_empty()
            && config
                .get_hosts()
                .iter()
                .all(|h| !matches!(h, postgres::config::Host::Tcp(_)));
        config.ssl_mode(if local_socket {
            SslMode::Disable
        } else {
            tls.mode
        });
        if config.get_user().is_none() {
            let user = std::env::var("PGUSER")
                .or_else(|_| std::env::var("USER"))
                .unwrap_or_else(|_| "postgres".to_string());
            config.user(&user);
        }
        if config.get_dbname().is_none() {
            if let Ok(db) = std::env::var("PGDATABASE") {
                config.dbname(&db);
            }
        }
        if config.get_password().is_none() {
            if let Some(password) = env_password(&config) {
                config.password(password);
            }
        }
        config
            .application_name("tizim")
            .connect_timeout(opts.timeout);
        let connected = match tls.connector {
            Some(connector) if !local_socket => config.connect(connector),
            _ => config.connect(NoTls),
        };
        let mut client = connected.map_err(|e| {
            url.error(
                &format!("connecting to {url} ({})", tls.described),
                describe(&e),
            )
        })?;
        let ms = opts.timeout.as_millis().max(1);
        client
            .batch_execute(&format!(
                "SET default_transaction_read_only = on; \
                 SET statement_timeout = {ms}; SET lock_timeout = {ms}; \
                 SET idle_in_transaction_session_timeout = {}; \
                 SET client_encoding = 'UTF8'",
                ms.saturating_mul(4)
            ))
            .map_err(|e| url.error(&format!("setting up the session on {url}"), describe(&e)))?;
        Ok(Postgres {
            client,
            url: url.clone(),
        })
    }
}

/// `PGPASSWORD`, else the matching line of the password file (`PGPASSFILE`
/// or `~/.pgpass`), as libpq does; the driver itself reads neither.
fn env_password(config: &Config) -> Option<Vec<u8>> {
    if let Ok(p) = std::env::var("PGPASSWORD") {
        return Some(p.into_bytes());
    }
    let file = std::env::var_os("PGPASSFILE")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".pgpass")))?;
    let text = std::fs::read_to_string(file).ok()?;
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(_)) | None => "localhost".to_string(),
        #[cfg(not(unix))]
        None => "localhost".to_string(),
    };
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let db = config.get_dbname().unwrap_or("");
    let user = config.get_user().unwrap_or("");
    pgpass_lookup(&text, [&host, &port, db, user]).map(String::into_bytes)
}

/// The password of the first `host:port:database:user:password` line that
/// matches (`*` matches anything, `\:` and `\\` escape), as libpq reads it.
fn pgpass_lookup(text: &str, want: [&str; 4]) -> Option<String> {
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut fields = Vec::with_capacity(5);
        let mut current = String::new();
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => current.extend(chars.next()),
                ':' if fields.len() < 4 => fields.push(std::mem::take(&mut current)),
                c => current.push(c),
            }
        }
        fields.push(current);
        if fields.len() == 5
            && fields[..4]
                .iter()
                .zip(want)
                .all(|(have, want)| have == "*" || have == want)
        {
            return fields.pop();
        }
    }
    None
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

const TABLES_QUERY: &str = "
SELECT n.nspname, c.relname, c.relkind::text, c.reltuples::float8,
       a.attname, t.typname, t.typcategory::text, col_description(c.oid, a.attnum)
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
ORDER BY n.nspname, c.relname, a.attnum";

fn column_kind(type_name: &str, category: &str) -> (ColumnKind, bool) {
    match (type_name, category) {
        ("json" | "jsonb", _) => (ColumnKind::Json, false),
        ("bytea" | "bool", _) => (ColumnKind::Skip, false),
        (_, "N") => (ColumnKind::Integer, false),
        (_, "D") => (ColumnKind::Text, true),
        (_, "G" | "V") => (ColumnKind::Skip, false),
        _ => (ColumnKind::Text, false),
    }
}

impl Database for Postgres {
    fn is_broken(&mut self) -> bool {
        self.client.is_closed()
    }

    fn tables(&mut self) -> Result<Vec<TableSpec>, DbError> {
        let rows = self
            .client
            .query(TABLES_QUERY, &[])
            .map_err(|e| self.url.error("listing tables", describe(&e)))?;
        let mut tables: Vec<TableSpec> = Vec::new();
        for row in rows {
            let schema: String = row.get(0);
            let name: String = row.get(1);
            let kind: String = row.get(2);
            let reltuples: f64 = row.get(3);
            let (column_kind, time) = column_kind(row.get(5), row.get(6));
            let column = Column {
                name: row.get(4),
                kind: column_kind,
                comment: row.get(7),
                time,
            };
            let view = kind == "v";
            // -1: never vacuumed or analysed; unknown.
            let estimated_rows = (reltuples >= 0.0 && !view).then_some(reltuples as u64);
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
        let from = format!(
            "{}.{}",
            quote_ident(&table.schema),
            quote_ident(&table.name)
        );
        let url = &self.url;
        let fail = |doing: &str, e: postgres::Error| {
            url.error(&format!("{qualified}: {doing}"), describe(&e))
        };
        let mut tx = self
            .client
            .build_transaction()
            .read_only(true)
            .start()
            .map_err(|e| fail("starting a read-only transaction", e))?;
        // Not analysed yet: count, bounded by the statement timeout.
        let estimated = match table.estimated_rows {
            Some(n) if n > 0 || table.view => Some(n),
            _ if table.view => None,
            _ => {
                let row = tx
                    .query_one(&format!("SELECT count(*) FROM {from}"), &[])
                    .map_err(|e| fail("counting rows", e))?;
                Some(row.get::<_, i64>(0) as u64)
            }
        };
        let limit = sample_size(opts, estimated);
        let source = match (limit, estimated) {
            (Some(n), Some(rows)) if !table.view && rows > 0 => {
                let percent = (100.0 * n as f64 / rows as f64).min(100.0);
                let method = match rows as f64 > n as f64 * SYSTEM_SAMPLING_FACTOR {
                    true => "SYSTEM",
                    false => "BERNOULLI",
                };
                format!(
                    "{from} TABLESAMPLE {method} ({percent}) REPEATABLE ({}) LIMIT {n}",
                    opts.sample_seed % (1 << 31)
                )
            }
            // A view, or no estimate: its first rows.
            (Some(n), _) => format!("{from} LIMIT {n}"),
            (None, _) => from.clone(),
        };
        let sampled = limit.is_some();
        let time_col = table.row_time_column(opts);
        let mut select: Vec<String> = table
            .columns
            .iter()
            .map(|c| match c.kind {
                ColumnKind::Skip => "NULL::text".to_string(),
                _ => format!("{}::text", quote_ident(&c.name)),
            })
            .collect();
        if let Some(i) = time_col {
            select.push(format!(
                "floor(extract(epoch FROM {}))::int8",
                quote_ident(&table.columns[i].name)
            ));
        }
        // The oldest row first, so that every finding carries the table's age.
        let modified = match time_col {
            Some(i) => tx
                .query_one(
                    &format!(
                        "SELECT floor(extract(epoch FROM min(t.c)))::int8 FROM \
                         (SELECT {} AS c FROM {source}) t",
                        quote_ident(&table.columns[i].name)
                    ),
                    &[],
                )
                .map_err(|e| fail("finding the oldest row", e))?
                .get::<_, Option<i64>>(0),
            None => None,
        };
        let query = format!("SELECT {} FROM {source}", select.join(", "));
        let portal = tx
            .bind(query.as_str(), &[])
            .map_err(|e| fail("reading", e))?;
        let mut out = TableWriter::begin(sink, location, table, modified);
        let ncols = table.columns.len();
        let result = (|| -> Result<(), postgres::Error> {
            loop {
                let rows = tx.query_portal(&portal, FETCH)?;
                if rows.is_empty() {
                    return Ok(());
                }
                for row in &rows {
                    for i in 0..ncols {
                        if let Ok(Some(v)) = row.try_get::<_, Option<&str>>(i) {
                            out.put(i, CellValue::Text(v));
                        }
                    }
                    let time = time_col.and_then(|_| row.try_get::<_, Option<i64>>(ncols).ok()?);
                    out.end_row_at(time);
                }
            }
        })();
        let done = out.conclude(result, table, location, sampled, estimated, fail);
        let _ = tx.commit();
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pgpass_lines_match_like_libpq() {
        let file = "# comment\n\
                    db1:5432:crm:app:first\n\
                    *:*:*:app:se\\:cret\\\\x\n";
        assert_eq!(
            pgpass_lookup(file, ["db1", "5432", "crm", "app"]).as_deref(),
            Some("first")
        );
        assert_eq!(
            pgpass_lookup(file, ["other", "5433", "x", "app"]).as_deref(),
            Some("se:cret\\x")
        );
        assert_eq!(pgpass_lookup(file, ["db1", "5432", "crm", "bob"]), None);
    }
}
