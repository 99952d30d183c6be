//! Redis through the `redis` crate (synchronous), with read-only commands
//! only: `DBSIZE`, `SCAN`, `TYPE`, `PTTL`, `GETRANGE`, `HSCAN`, `LRANGE`,
//! `SSCAN`, `ZRANGE` and `XRANGE`. Never `KEYS` (it blocks the server on a
//! large keyspace), never a write; the connection does not even send
//! `CLIENT SETINFO`, so an ACL user with `+@read` is enough.
//!
//! **Grain.** A Redis database has keys, not tables. Keys are grouped into
//! *key families* by their name with the variable parts (digit runs, hex
//! and UUID ids, long tokens, e-mail addresses) replaced by `*`:
//! `session:8812:a1b2c3d4e5f6` and `session:9:00ff00ff00ff` are both
//! `session:*:*`. A family is read as a table without schema: its location
//! is `redis://host:6379/0#session:*:*`, a string key's value is that field
//! itself, a hash (or stream) field `f` is `…#session:*:*.f` (field names
//! normalised the same way), list, set and sorted-set members are
//! `…#session:*:*[]`, and JSON values go through the JSON parser
//! (`…#session:*:*.user.iin`). Each key read is a row: a finding's line is
//! the key's ordinal among the keys read of its family. Key names are
//! never printed (they can hold personal data); the patterns are.
//!
//! **Sampling.** The key names of the whole database are walked with
//! `SCAN` (cheap: names only, `COUNT` 1000 a call); of each family the
//! `--sample-rows` keys with the smallest seeded hash of their name are
//! read (bottom-k), so a sample is the same for the same seed whatever
//! order `SCAN` returns keys in, and a small family next to a huge one is
//! still read. Members of one key are read up to [`MAX_ITEMS`], string
//! values up to [`MAX_VALUE`] bytes.

use super::{DbError, DbOptions, DbUrl, SplitMix, TableSpec, TableWriter};
use crate::model::Notice;
use crate::source::SourceSink;
use redis::{
    Connection, ConnectionAddr, ConnectionLike, IntoConnectionInfo, RedisConnectionInfo, Value,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// Key names asked for a `SCAN` call.
const SCAN_COUNT: usize = 1000;
/// Fields, members or stream entries read of one key.
pub const MAX_ITEMS: usize = 1000;
/// Bytes read of one string value.
pub const MAX_VALUE: usize = 1 << 20;
/// Key families kept apart; keys of further families are read as `*`, so
/// that keys named by random words cannot grow the inventory without end.
const MAX_FAMILIES: usize = 1000;

pub struct Redis {
    conn: Connection,
    url: DbUrl,
    /// `REDISCLI_AUTH`, scrubbed from messages as the URL's password is.
    env_password: Option<String>,
    sample_rows: u64,
    seed: u64,
    notices: Vec<Notice>,
    /// A timeout or an I/O error: the connection may be out of step with
    /// the server and is not used again.
    broken: bool,
}

fn decoded(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

impl Redis {
    pub fn connect(url: &DbUrl, opts: &DbOptions) -> Result<Redis, DbError> {
        if url.tls() {
            return Err(DbError(format!(
                "{url}: rediss:// needs TLS, which this build of tizim does not have for Redis; \
                 connect through a tunnel (ssh -L, stunnel) with redis://127.0.0.1:PORT"
            )));
        }
        let u = url.url();
        let db: i64 = match u.path().trim_matches('/') {
            "" => 0,
            d => d.parse().map_err(|_| {
                DbError(format!(
                    "{url}: the database must be a number (redis://host:6379/0)"
                ))
            })?,
        };
        let host = u
            .host_str()
            .unwrap_or("127.0.0.1")
            .trim_start_matches('[')
            .trim_end_matches(']');
        // No `CLIENT SETINFO` on connecting: nothing but reads is sent.
        let mut settings = RedisConnectionInfo::default()
            .set_db(db)
            .set_skip_set_lib_name();
        if !u.username().is_empty() {
            settings = settings.set_username(decoded(u.username()));
        }
        // redis-cli's variable, so that the password is not on the command line.
        let env_password = std::env::var("REDISCLI_AUTH")
            .ok()
            .filter(|p| !p.is_empty());
        if let Some(p) = u.password().map(decoded).or_else(|| env_password.clone()) {
            settings = settings.set_password(p);
        }
        let scrub = |doing: &str, e: &dyn std::fmt::Display| {
            scrubbed(url, env_password.as_deref(), doing, e)
        };
        let conn = ConnectionAddr::Tcp(host.to_string(), u.port().unwrap_or(6379))
            .into_connection_info()
            .map(|info| info.set_redis_settings(settings))
            .and_then(redis::Client::open)
            .and_then(|c| c.get_connection_with_timeout(opts.timeout))
            .map_err(|e| scrub(&format!("connecting to {url}"), &e))?;
        let _ = conn.set_read_timeout(Some(opts.timeout));
        let _ = conn.set_write_timeout(Some(opts.timeout));
        Ok(Redis {
            conn,
            url: url.clone(),
            env_password,
            sample_rows: opts.sample_rows,
            seed: opts.sample_seed,
            notices: Vec::new(),
            broken: false,
        })
    }

    fn error(&mut self, doing: &str, e: redis::RedisError) -> DbError {
        if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() {
            self.broken = true;
        }
        scrubbed(&self.url, self.env_password.as_deref(), doing, &e)
    }

    /// Reads one key as one row; `Ok(false)` when it is gone.
    fn read_key(&mut self, key: &[u8], out: &mut KeyOut<'_, '_>) -> redis::RedisResult<bool> {
        let (kind, ttl): (String, i64) = redis::pipe()
            .cmd("TYPE")
            .arg(key)
            .cmd("PTTL")
            .arg(key)
            .query(&mut self.conn)?;
        match ttl {
            -2 => return Ok(false),
            -1 => out.no_ttl += 1,
            _ => {}
        }
        let conn = &mut self.conn;
        match kind.as_str() {
            "none" => return Ok(false),
            "string" => {
                let v: Vec<u8> = redis::cmd("GETRANGE")
                    .arg(key)
                    .arg(0)
                    .arg(MAX_VALUE - 1)
                    .query(conn)?;
                if v.len() >= MAX_VALUE {
                    out.truncated += 1;
                }
                // A string's value is the family itself; its column is made
                // when one is met, so that a family of hashes does not get
                // name-only evidence from its pattern alone.
                let column = out.column("");
                out.value(column, &v, v.len() < MAX_VALUE);
            }
            "hash" => {
                let mut cursor = 0u64;
                let mut read = 0;
                loop {
                    let (next, items): (u64, Vec<Vec<u8>>) = redis::cmd("HSCAN")
                        .arg(key)
                        .arg(cursor)
                        .arg("COUNT")
                        .arg(100)
                        .query(conn)?;
                    for pair in items.chunks_exact(2) {
                        let column = out.column(&key_pattern(&pair[0]));
                        out.value(column, &pair[1], true);
                    }
                    read += items.len() / 2;
                    cursor = next;
                    if cursor == 0 || read >= MAX_ITEMS {
                        break;
                    }
                }
            }
            "list" | "zset" => {
                let command = match kind.as_str() {
                    "list" => "LRANGE",
                    _ => "ZRANGE",
                };
                let members: Vec<Vec<u8>> = redis::cmd(command)
                    .arg(key)
                    .arg(0)
                    .arg(MAX_ITEMS - 1)
                    .query(conn)?;
                let column = out.column("[]");
                for m in &members {
                    out.value(column, m, true);
                }
            }
            "set" => {
                let mut cursor = 0u64;
                let mut read = 0;
                let column = out.column("[]");
                loop {
                    let (next, members): (u64, Vec<Vec<u8>>) = redis::cmd("SSCAN")
                        .arg(key)
                        .arg(cursor)
                        .arg("COUNT")
                        .arg(100)
                        .query(conn)?;
                    for m in &members {
                        out.value(column, m, true);
                    }
                    read += members.len();
                    cursor = next;
                    if cursor == 0 || read >= MAX_ITEMS {
                        break;
                    }
                }
            }
            "stream" => {
                let entries: Value = redis::cmd("XRANGE")
                    .arg(key)
                    .arg("-")
                    .arg("+")
                    .arg("COUNT")
                    .arg(MAX_ITEMS)
                    .query(conn)?;
                // [[id, [field, value, field, value …]] …]
                for entry in items(entries) {
                    let Some(fields) = items(entry).nth(1) else {
                        continue;
                    };
                    let flat: Vec<Vec<u8>> = items(fields).filter_map(bytes).collect();
                    for pair in flat.chunks_exact(2) {
                        let column = out.column(&key_pattern(&pair[0]));
                        out.value(column, &pair[1], true);
                    }
                }
            }
            other => {
                out.unread_types.insert(other.to_string());
            }
        }
        Ok(true)
    }
}

fn scrubbed(
    url: &DbUrl,
    env_password: Option<&str>,
    doing: &str,
    e: &dyn std::fmt::Display,
) -> DbError {
    let mut message = url.scrub(&format!("{doing}: {e}"));
    if let Some(p) = env_password {
        message = message.replace(p, "****");
    }
    DbError(message)
}

/// The elements of an array reply (RESP2 or RESP3), nothing for others.
fn items(v: Value) -> impl Iterator<Item = Value> {
    match v {
        Value::Array(a) | Value::Set(a) => a,
        _ => Vec::new(),
    }
    .into_iter()
}

fn bytes(v: Value) -> Option<Vec<u8>> {
    match v {
        Value::BulkString(b) => Some(b),
        Value::SimpleString(s) => Some(s.into_bytes()),
        _ => None,
    }
}

/// The writer of one family and what reading its keys counted.
struct KeyOut<'w, 's> {
    writer: &'w mut TableWriter<'s>,
    no_ttl: u64,
    truncated: u64,
    binary: u64,
    unread_types: BTreeSet<String>,
}

impl KeyOut<'_, '_> {
    fn column(&mut self, name: &str) -> usize {
        self.writer.column(name)
    }

    /// A value: JSON through the JSON parser, text as text (not UTF-8:
    /// windows-1251, as in MySQL), binary values (a NUL byte: serialised or
    /// compressed data) left unread and counted.
    fn value(&mut self, column: usize, value: &[u8], complete: bool) {
        if value.contains(&0) {
            self.binary += 1;
            return;
        }
        let first = value.iter().find(|b| !b.is_ascii_whitespace());
        if complete
            && matches!(first, Some(b'{' | b'['))
            && serde_json::from_slice::<serde::de::IgnoredAny>(value).is_ok()
        {
            if let Ok(text) = std::str::from_utf8(value) {
                self.writer.json_value(column, text);
                return;
            }
        }
        self.writer.bytes(column, value);
    }
}

impl super::Database for Redis {
    fn is_broken(&mut self) -> bool {
        self.broken || !self.conn.is_open()
    }

    fn notices(&mut self) -> Vec<Notice> {
        std::mem::take(&mut self.notices)
    }

    /// Every key family of the database, with the keys of it to read.
    fn tables(&mut self) -> Result<Vec<TableSpec>, DbError> {
        let dbsize: u64 = match redis::cmd("DBSIZE").query(&mut self.conn) {
            Ok(n) => n,
            Err(e) => return Err(self.error("DBSIZE", e)),
        };
        #[derive(Default)]
        struct Family {
            seen: u64,
            chosen: BTreeSet<(u64, Vec<u8>)>,
        }
        let mut families: BTreeMap<String, Family> = BTreeMap::new();
        let mut lumped = 0u64;
        let mut seen = 0u64;
        let mut cursor = 0u64;
        loop {
            let reply: redis::RedisResult<(u64, Vec<Vec<u8>>)> = redis::cmd("SCAN")
                .arg(cursor)
                .arg("COUNT")
                .arg(SCAN_COUNT)
                .query(&mut self.conn);
            let (next, keys) = match reply {
                Ok(r) => r,
                Err(e) => return Err(self.error(&format!("SCAN (after {seen} keys)"), e)),
            };
            for key in keys {
                seen += 1;
                let mut pattern = key_pattern(&key);
                if families.len() >= MAX_FAMILIES && !families.contains_key(&pattern) {
                    pattern = "*".to_string();
                    lumped += 1;
                }
                let family = families.entry(pattern).or_default();
                family.seen += 1;
                family.chosen.insert((key_hash(self.seed, &key), key));
                if self.sample_rows > 0 && family.chosen.len() as u64 > self.sample_rows {
                    family.chosen.pop_last();
                }
            }
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
        let chosen: usize = families.values().map(|f| f.chosen.len()).sum();
        let mut message = format!(
            "DBSIZE {dbsize} keys; SCAN saw {seen} in {} key patterns; {chosen} keys to read \
             (--sample-rows {} a pattern)",
            families.len(),
            self.sample_rows
        );
        if lumped > 0 {
            message.push_str(&format!(
                "; more than {MAX_FAMILIES} key patterns: {lumped} keys of the others are read \
                 as the pattern *"
            ));
        }
        self.notices.push(Notice {
            path: self.url.to_string(),
            line: None,
            reason: None,
            message,
        });
        Ok(families
            .into_iter()
            .map(|(pattern, family)| {
                let mut keys: Vec<Vec<u8>> =
                    family.chosen.into_iter().map(|(_, key)| key).collect();
                // Read in name order, so that a key's line is the same for
                // the same sample.
                keys.sort_unstable();
                TableSpec {
                    schema: String::new(),
                    name: pattern,
                    columns: Vec::new(),
                    // SCAN may return a key twice while the table grows.
                    estimated_rows: Some(family.seen.max(keys.len() as u64)),
                    view: false,
                    keys,
                }
            })
            .collect())
    }

    fn read_table(
        &mut self,
        table: &TableSpec,
        location: &str,
        _opts: &DbOptions,
        sink: &mut dyn SourceSink,
    ) -> Result<(), DbError> {
        let family = table.qualified();
        let mut writer = TableWriter::begin(sink, location, table, None);
        let mut out = KeyOut {
            writer: &mut writer,
            no_ttl: 0,
            truncated: 0,
            binary: 0,
            unread_types: BTreeSet::new(),
        };
        let mut failed = 0u64;
        for key in &table.keys {
            match self.read_key(key, &mut out) {
                Ok(true) => out.writer.end_row(),
                // Deleted or expired since SCAN.
                Ok(false) => {}
                Err(e) => {
                    let line = out.writer.rows() + 1;
                    let e = self.error(&format!("{family}: key {line}"), e);
                    if self.broken {
                        writer.abandon();
                        return Err(e);
                    }
                    // One odd key (its type changed under us, a module type
                    // refusing a read) is an error of its own; the rest is read.
                    failed += 1;
                    out.writer.error(e.0);
                }
            }
        }
        let read = out.writer.rows();
        let mut said = Vec::new();
        if out.no_ttl > 0 {
            said.push(format!(
                "{} of {read} keys read have no TTL (kept until deleted)",
                out.no_ttl
            ));
        }
        if out.truncated > 0 {
            said.push(format!(
                "{} string values longer than {MAX_VALUE} bytes were read in part",
                out.truncated
            ));
        }
        if out.binary > 0 {
            said.push(format!(
                "{} binary values (with NUL bytes) were not read",
                out.binary
            ));
        }
        if !out.unread_types.is_empty() {
            let types: Vec<&str> = out.unread_types.iter().map(String::as_str).collect();
            said.push(format!("keys of type {} were not read", types.join(", ")));
        }
        if failed > 0 {
            said.push(format!("{failed} keys failed (errors above)"));
        }
        if !said.is_empty() {
            writer.notice(format!("{family}: {}", said.join("; ")));
        }
        let seen = table.estimated_rows.unwrap_or(0);
        let sampled = (table.keys.len() as u64) < seen;
        writer.finish(table, location, sampled, Some(seen));
        Ok(())
    }
}

/// A seeded hash of a key name, for bottom-k sampling: FNV-1a, then
/// SplitMix's finaliser to spread it. Hand-written for the same reason as
/// [`SplitMix`]: a sample must be the same on every machine and version.
fn key_hash(seed: u64, key: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for &b in key {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    SplitMix(h).next()
}

/// The key family of a key (or the column of a hash field): its variable
/// parts replaced by `*`. Segments are split at `: / . | , ; = { } # _ -`
/// and spaces; UUIDs and e-mail addresses go first (they contain
/// separators), then a segment that is a hex id (8 or more hex digits with a
/// digit) or a long token (16 or more letters and digits with a digit)
/// becomes `*`, and any other digit run becomes `*`.
pub fn key_pattern(key: &[u8]) -> String {
    static WHOLE: OnceLock<regex::Regex> = OnceLock::new();
    let whole = WHOLE.get_or_init(|| {
        regex::Regex::new(
            r"(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[^\s:/|,;={}#@]+@[^\s:/|,;={}#@]+",
        )
        .expect("a valid pattern")
    });
    let name = String::from_utf8_lossy(key);
    let name = whole.replace_all(&name, "*");
    let mut out = String::with_capacity(name.len());
    let mut segment = String::new();
    let flush = |segment: &mut String, out: &mut String| {
        let has_digit = segment.bytes().any(|b| b.is_ascii_digit());
        let hex_id = segment.len() >= 8 && segment.bytes().all(|b| b.is_ascii_hexdigit());
        let token = segment.len() >= 16 && segment.bytes().all(|b| b.is_ascii_alphanumeric());
        if has_digit && (hex_id || token) {
            out.push('*');
        } else {
            let mut in_digits = false;
            for c in segment.chars() {
                match c.is_ascii_digit() {
                    true if in_digits => {}
                    true => out.push('*'),
                    false => out.push(c),
                }
                in_digits = c.is_ascii_digit();
            }
        }
        segment.clear();
    };
    for c in name.chars() {
        if matches!(
            c,
            ':' | '/' | '.' | '|' | ',' | ';' | '=' | '{' | '}' | '#' | '_' | '-'
        ) || c.is_whitespace()
        {
            flush(&mut segment, &mut out);
            out.push(c);
        } else {
            segment.push(c);
        }
    }
    flush(&mut segment, &mut out);
    // `**` (an id next to a number) says no more than `*`.
    while out.contains("**") {
        out = out.replace("**", "*");
    }
    if out.len() > 200 {
        let mut end = 200;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
        out.push('*');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_group_into_families() {
        let p = |k: &str| key_pattern(k.as_bytes());
        assert_eq!(p("user:8812:profile"), "user:*:profile");
        assert_eq!(p("user:12:profile"), "user:*:profile");
        assert_eq!(
            p("session:3f2b8c1e-9a7d-4e21-b6a0-0c9d8e7f6a5b"),
            "session:*"
        );
        assert_eq!(p("cache:a1b2c3d4e5f6a7b8"), "cache:*");
        assert_eq!(p("tok:Zx81kQpL0aBcDeFgH2"), "tok:*");
        assert_eq!(p("client:anna.k@mail.kz:cart"), "client:*:cart");
        assert_eq!(p("order_2024_0001"), "order_*_*");
        assert_eq!(p("v2user77"), "v*user*");
        assert_eq!(p("config"), "config");
        // A word of hex letters without a digit is a word.
        assert_eq!(p("facade:deadbeef"), "facade:deadbeef");
        assert!(p(&"x".repeat(500)).len() <= 201);
    }

    #[test]
    fn the_seeded_hash_depends_on_seed_and_name_only() {
        assert_eq!(key_hash(7, b"user:1"), key_hash(7, b"user:1"));
        assert_ne!(key_hash(7, b"user:1"), key_hash(8, b"user:1"));
        assert_ne!(key_hash(7, b"user:1"), key_hash(7, b"user:2"));
    }
}
