//! Live databases against real servers (README, "Databases"): PostgreSQL on
//! 127.0.0.1:5432 (trust, user `postgres`) and MariaDB on 127.0.0.1:3306
//! (`root`, no password), as on the development machines and in CI; SQLite
//! files made here. Every test makes its own database with a unique name
//! and drops it afterwards. Nothing is mocked.
//!
//! Without a server a test skips, saying why on stderr; with `CI=true` it
//! fails instead.

mod common;

use common::{output, run_tizim, scan_json, tizim, Report};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

const PG_ADMIN: &str = "host=127.0.0.1 port=5432 user=postgres dbname=postgres";
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/structured");

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Skips (or, in CI, fails) when a server is not there.
fn unavailable(what: &str, why: impl std::fmt::Display) -> bool {
    if ci() {
        panic!("{what} is needed with CI=true: {why}");
    }
    eprintln!("skipped: {what} is not reachable ({why})");
    true
}

fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "tizim_{prefix}_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
            % 100_000
    )
}

/// A PostgreSQL database of the test's own, dropped on drop.
struct PgDb {
    name: String,
}

impl PgDb {
    fn create() -> Option<PgDb> {
        let mut admin = match postgres::Client::connect(PG_ADMIN, postgres::NoTls) {
            Ok(c) => c,
            Err(e) => {
                unavailable("PostgreSQL on 127.0.0.1:5432", e);
                return None;
            }
        };
        let name = unique("pg");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create the test database");
        Some(PgDb { name })
    }

    fn client(&self) -> postgres::Client {
        postgres::Client::connect(
            &format!(
                "host=127.0.0.1 port=5432 user=postgres dbname={}",
                self.name
            ),
            postgres::NoTls,
        )
        .expect("connect to the test database")
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:5432/{}", self.name)
    }

    /// What locations of this database start with.
    fn location(&self) -> String {
        format!("postgres://127.0.0.1:5432/{}", self.name)
    }

    /// Loads a pg_dump file with psql, as an operator restoring it would.
    fn load(&self, dump: &Path) {
        let out = Command::new("psql")
            .args([
                "-q",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-d",
                &self.name,
                "-f",
            ])
            .arg(dump)
            .output()
            .expect("psql runs (package postgresql-client)");
        assert!(
            out.status.success(),
            "psql: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(PG_ADMIN, postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// A MariaDB database of the test's own, dropped on drop.
struct MyDb {
    name: String,
}

fn my_admin() -> Result<mysql::Conn, mysql::Error> {
    mysql::Conn::new(
        mysql::OptsBuilder::new()
            .ip_or_hostname(Some("127.0.0.1"))
            .tcp_port(3306)
            .user(Some("root")),
    )
}

impl MyDb {
    fn create() -> Option<MyDb> {
        use mysql::prelude::Queryable;
        let mut admin = match my_admin() {
            Ok(c) => c,
            Err(e) => {
                unavailable("MariaDB on 127.0.0.1:3306", e);
                return None;
            }
        };
        let name = unique("my");
        admin
            .query_drop(format!("CREATE DATABASE {name} CHARACTER SET utf8mb4"))
            .expect("create the test database");
        Some(MyDb { name })
    }

    fn conn(&self) -> mysql::Conn {
        mysql::Conn::new(
            mysql::OptsBuilder::new()
                .ip_or_hostname(Some("127.0.0.1"))
                .tcp_port(3306)
                .user(Some("root"))
                .db_name(Some(&self.name)),
        )
        .expect("connect to the test database")
    }

    fn url(&self) -> String {
        format!("mysql://root@127.0.0.1:3306/{}", self.name)
    }

    /// Loads a mysqldump file with the mariadb client. The dump came from
    /// MySQL 8, whose default collation MariaDB does not know: it is named
    /// by its MariaDB equivalent, nothing else changes.
    fn load(&self, dump: &Path) {
        use std::io::Write;
        let text = std::fs::read_to_string(dump)
            .unwrap()
            .replace("utf8mb4_0900_ai_ci", "utf8mb4_general_ci");
        let mut child = Command::new("mariadb")
            .args(["-h", "127.0.0.1", "-P", "3306", "-u", "root", &self.name])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("mariadb runs (package mariadb-client)");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "mariadb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for MyDb {
    fn drop(&mut self) {
        use mysql::prelude::Queryable;
        if let Ok(mut admin) = my_admin() {
            let _ = admin.query_drop(format!("DROP DATABASE IF EXISTS {}", self.name));
        }
    }
}

fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// `table.column` (the schema dropped) × category → count, from the
/// inventory rows whose location starts with `path`.
fn column_counts(report: &Report, path: &str) -> BTreeMap<(String, String), u64> {
    let mut counts = BTreeMap::new();
    for row in report.0["inventory"].as_array().expect("inventory rows") {
        if row["path"].as_str() != Some(path) {
            continue;
        }
        let Some(field) = row["field"].as_str() else {
            continue;
        };
        let parts: Vec<&str> = field.split('.').collect();
        let key = parts[parts.len().saturating_sub(2)..].join(".");
        let category = row["category"].as_str().unwrap().to_string();
        *counts.entry((key, category)).or_default() += row["count"].as_u64().unwrap();
    }
    counts
}

fn scan(args: &[&str]) -> Report {
    let dir = scratch();
    let out = scan_json(dir.path(), args);
    assert!(
        matches!(out.code, 0 | 1),
        "exit {}:\n{}",
        out.code,
        out.stderr
    );
    out.report
}

fn errors(report: &Report) -> Vec<String> {
    report.0["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                e["path"].as_str().unwrap(),
                e["message"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn a_live_postgres_and_its_pg_dump_give_the_same_inventory() {
    let Some(db) = PgDb::create() else { return };
    let dump = Path::new(FIXTURES).join("crm_pg.sql");
    db.load(&dump);
    let dumped = scan(&[dump.to_str().unwrap()]);
    let live = scan(&[&db.url()]);
    assert_eq!(errors(&live), Vec::<String>::new());
    let want = column_counts(&dumped, dump.to_str().unwrap());
    let got = column_counts(&live, &db.location());
    assert!(want.len() > 5, "the dump scan found too little: {want:?}");
    assert_eq!(got, want, "live scan (left) against the dump scan (right)");
    assert_eq!(live.stat("tables_scanned"), 2);
    // Locations are the URL without credentials, then #schema.table.column.
    let location = format!("{}#public.clients.iin", db.location());
    assert!(
        live.0["inventory"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["location"] == location.as_str()),
        "no row at {location}"
    );
}

#[test]
fn a_live_mariadb_and_its_mysqldump_give_the_same_inventory() {
    let Some(db) = MyDb::create() else { return };
    let dump = Path::new(FIXTURES).join("shop_mysql.sql");
    db.load(&dump);
    let dumped = scan(&[dump.to_str().unwrap()]);
    let live = scan(&[&db.url()]);
    assert_eq!(errors(&live), Vec::<String>::new());
    let want = column_counts(&dumped, dump.to_str().unwrap());
    let got = column_counts(&live, &format!("mysql://127.0.0.1:3306/{}", db.name));
    assert!(want.len() > 3, "the dump scan found too little: {want:?}");
    assert_eq!(got, want, "live scan (left) against the dump scan (right)");
}

/// The rows of the pg_dump fixture, copied from a live PostgreSQL into a
/// SQLite file with the same tables and columns.
fn sqlite_from_pg(db: &PgDb, file: &Path) {
    let mut pg = db.client();
    let lite = rusqlite::Connection::open(file).unwrap();
    for table in ["clients", "orders"] {
        let columns: Vec<(String, String)> = pg
            .query(
                "SELECT column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
                &[&table],
            )
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let decl: Vec<String> = columns
            .iter()
            .map(|(c, t)| {
                let t = if t.contains("int") { "INTEGER" } else { "TEXT" };
                format!("\"{c}\" {t}")
            })
            .collect();
        lite.execute(&format!("CREATE TABLE {table} ({})", decl.join(", ")), [])
            .unwrap();
        let select: Vec<String> = columns
            .iter()
            .map(|(c, _)| format!("\"{c}\"::text"))
            .collect();
        let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
        for row in pg
            .query(
                &format!("SELECT {} FROM public.{table}", select.join(", ")),
                &[],
            )
            .unwrap()
        {
            let values: Vec<Option<String>> = (0..columns.len()).map(|i| row.get(i)).collect();
            lite.execute(
                &format!("INSERT INTO {table} VALUES ({})", marks.join(", ")),
                rusqlite::params_from_iter(values),
            )
            .unwrap();
        }
    }
}

#[test]
fn a_sqlite_file_of_the_same_rows_gives_the_same_inventory_in_a_walk_and_in_an_archive() {
    let Some(db) = PgDb::create() else { return };
    let dump = Path::new(FIXTURES).join("crm_pg.sql");
    db.load(&dump);
    let dir = scratch();
    // No extension: recognised by its header.
    let file = dir.path().join("crm");
    sqlite_from_pg(&db, &file);
    let before = std::fs::read(&file).unwrap();
    let want = column_counts(&scan(&[dump.to_str().unwrap()]), dump.to_str().unwrap());

    let walked = scan(&[dir.path().to_str().unwrap()]);
    assert_eq!(errors(&walked), Vec::<String>::new());
    assert_eq!(column_counts(&walked, file.to_str().unwrap()), want);

    let url = format!("sqlite://{}", file.display());
    let by_url = scan(&[&url]);
    assert_eq!(column_counts(&by_url, &url), want);
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "the SQLite file changed"
    );

    // The same file inside a .tar.gz: a member extracted to a private file.
    let archive = dir.path().join("backup.tar.gz");
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&archive).unwrap(),
        flate2::Compression::fast(),
    );
    let mut tar = tar::Builder::new(gz);
    tar.append_path_with_name(&file, "app.db").unwrap();
    tar.into_inner().unwrap().finish().unwrap();
    let packed = scan(&[archive.to_str().unwrap()]);
    let member = format!("{}!app.db", archive.display());
    assert_eq!(column_counts(&packed, &member), want);
}

/// Per table: a checksum of its rows. And the write counters of
/// `pg_stat_user_tables`.
/// Table name, rows inserted, updated and deleted.
type WriteCounters = Vec<(String, i64, i64, i64)>;

fn pg_state(db: &PgDb) -> (Vec<String>, WriteCounters) {
    let mut c = db.client();
    let sums = ["clients", "orders", "secrets"]
        .iter()
        .map(|t| {
            c.query_one(
                &format!("SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM {t} t"),
                &[],
            )
            .unwrap()
            .get::<_, String>(0)
        })
        .collect();
    // Counters reach the statistics after the backends that made them
    // report; give them the moment they take.
    std::thread::sleep(Duration::from_millis(1200));
    let _ = c.batch_execute("SELECT pg_stat_clear_snapshot()");
    let counters = c
        .query(
            "SELECT relname::text, n_tup_ins, n_tup_upd + n_tup_hot_upd, n_tup_del \
             FROM pg_stat_user_tables ORDER BY relname",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    (sums, counters)
}

#[test]
fn a_scan_changes_nothing_and_a_select_only_role_is_enough_and_its_password_never_shows() {
    let Some(db) = PgDb::create() else { return };
    db.load(&Path::new(FIXTURES).join("crm_pg.sql"));
    let role = unique("ro");
    let password = format!("Pw{}xQ", std::process::id());
    let mut c = db.client();
    c.batch_execute(&format!(
        "CREATE TABLE secrets (id int, iin text); \
         INSERT INTO secrets VALUES (1, '850315300128'); \
         CREATE ROLE {role} LOGIN PASSWORD '{password}'; \
         GRANT USAGE ON SCHEMA public TO {role}; \
         GRANT SELECT ON public.clients, public.orders TO {role};"
    ))
    .unwrap();
    let before = pg_state(&db);
    let url = format!("postgres://{role}:{password}@127.0.0.1:5432/{}", db.name);
    for format in [
        "json", "ndjson", "csv", "table", "markdown", "html", "sarif", "junit",
    ] {
        let dir = scratch();
        let out = output(tizim(dir.path()).args(["scan", "--format", format, &url]));
        assert!(
            matches!(out.code, 0 | 1),
            "{format}: exit {}:\n{}",
            out.code,
            out.stderr
        );
        assert!(
            !out.stdout.contains(&password),
            "{format}: the password is in the report"
        );
        assert!(
            !out.stderr.contains(&password),
            "{format}: the password is on stderr"
        );
        if matches!(format, "json" | "ndjson" | "csv") {
            assert!(
                out.stdout.contains("public.clients"),
                "{format}: nothing read"
            );
        }
    }
    // The table the role may not read is an error of its own; the rest is read.
    let report = scan(&[&url]);
    let errs = errors(&report);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].contains("public.secrets") && errs[0].contains("permission denied"),
        "{errs:?}"
    );
    assert_eq!(report.stat("tables_scanned"), 2);
    assert_eq!(pg_state(&db), before, "the scan changed the database");
    let _ = c.batch_execute(&format!(
        "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}; \
         REVOKE ALL ON SCHEMA public FROM {role}; DROP ROLE {role}"
    ));
}

#[test]
fn bad_urls_and_unreachable_servers_exit_2_without_the_password() {
    let secret = "Sup3rS3cretPw";
    let dir = scratch();
    for url in [
        format!("postgres://app:{secret}@127.0.0.1:1/crm"),
        format!("mysql://app:{secret}@127.0.0.1:1/shop"),
        format!("postgres://app:{secret}@127.0.0.1:5432/crm?sslmode=require"),
        format!("postgres://app:{secret}@[::1/crm"),
        format!("oracle://app:{secret}@127.0.0.1/x"),
    ] {
        let out = output(tizim(dir.path()).args(["scan", "--db-timeout", "5", &url]));
        assert_eq!(out.code, 2, "{url}: {}", out.stderr);
        assert!(out.stderr.contains("error"), "{}", out.stderr);
        assert!(
            !out.stderr.contains(secret),
            "the password is printed: {}",
            out.stderr
        );
        assert!(!out.stdout.contains(secret));
    }
}

/// `uniform`: 200,000 rows, every fourth with an e-mail address.
fn uniform_table(db: &PgDb, rows: u32) {
    db.client()
        .batch_execute(&format!(
            "CREATE TABLE uniform (id int, contact text); \
             INSERT INTO uniform SELECT g, CASE WHEN g % 4 = 0 THEN 'user' || g || '@mail.kz' ELSE 'n/a' END \
             FROM generate_series(1, {rows}) g; ANALYZE uniform;"
        ))
        .unwrap();
}

fn email_row(report: &Report) -> Value {
    report.0["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["field"] == "public.uniform.contact" && r["category"] == "email")
        .cloned()
        .expect("an e-mail row for uniform.contact")
}

#[test]
fn samples_are_reproducible_and_their_estimates_are_within_ten_percent() {
    let Some(db) = PgDb::create() else { return };
    uniform_table(&db, 200_000);
    let args = ["--sample-rows", "10000", "--sample-seed", "42"];
    let first = scan(&[&db.url(), args[0], args[1], args[2], args[3]]);
    let again = scan(&[&db.url(), args[0], args[1], args[2], args[3]]);
    let (a, b) = (email_row(&first), email_row(&again));
    assert_eq!(a, b, "the same seed read other rows");
    let sample = &a["sample"];
    assert_eq!(sample["sampled"], true);
    let read = sample["rows_sampled"].as_u64().unwrap();
    assert!((8_000..=10_000).contains(&read), "rows sampled {read}");
    let estimated = sample["estimated_count"].as_u64().unwrap() as f64;
    assert!(
        (estimated - 50_000.0).abs() <= 5_000.0,
        "estimated {estimated} e-mails, 50000 true"
    );
    let rows = sample["rows_estimated"].as_u64().unwrap() as f64;
    assert!(
        (rows - 200_000.0).abs() <= 20_000.0,
        "estimated {rows} rows"
    );
    assert!(
        a["note"].as_str().unwrap().contains("estimate"),
        "{}",
        a["note"]
    );
    assert_eq!(first.stat("rows_read"), read);
    // The same seed reads the same rows; another seed, other rows.
    let fingerprints = |seed: &str| -> std::collections::BTreeSet<String> {
        let dir = scratch();
        let out = common::scan_ndjson(dir.path(), &[&db.url(), "--sample-seed", seed]);
        assert!(matches!(out.code, 0 | 1), "{}", out.stderr);
        out.findings
            .iter()
            .filter(|f| f["category"] == "email")
            .map(|f| f["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    let seven = fingerprints("7");
    assert!(seven.len() > 1_000, "{} e-mails sampled", seven.len());
    assert_eq!(fingerprints("7"), seven, "the same seed read other rows");
    assert_ne!(fingerprints("8"), seven, "another seed read the same rows");
    // 0 reads everything, counted exactly.
    let all = scan(&[&db.url(), "--sample-rows", "0"]);
    assert_eq!(email_row(&all)["count"], 50_000);
    assert_eq!(email_row(&all)["sample"]["sampled"], false);
}

#[test]
fn a_million_rows_stream_through_in_bounded_memory() {
    let Some(db) = PgDb::create() else { return };
    uniform_table(&db, 1_000_000);
    let dir = scratch();
    for sample in ["10000", "0"] {
        let run = run_tizim(
            [
                "scan",
                "--format",
                "ndjson",
                "--sample-rows",
                sample,
                &db.url(),
            ],
            dir.path(),
            Duration::from_secs(300),
        );
        run.assert_survived();
        // Far below the table's 40 MB of text, let alone its findings.
        run.assert_rss_below_mib(120);
        let report = run.stderr.clone();
        assert!(report.contains("database tables"), "{report}");
    }
}

#[test]
fn faults_are_reported_and_the_scan_goes_on() {
    let Some(db) = PgDb::create() else { return };
    let mut c = db.client();
    c.batch_execute(
        "CREATE TABLE good (id int, email text); \
         INSERT INTO good VALUES (1, 'ivan@mail.kz'), (2, 'olga@mail.kz'); \
         CREATE VIEW slow AS SELECT pg_sleep(3)::text AS nothing, 'a@b.kz'::text AS email; \
         CREATE VIEW suicide AS SELECT pg_terminate_backend(pg_backend_pid())::text AS email; \
         CREATE TABLE odd (id int, place point, flag bool, blob bytea, iin bigint); \
         INSERT INTO odd VALUES (1, point(1, 2), true, '\\x00ff', 50722600456);",
    )
    .unwrap();
    let report = scan(&[&db.url(), "--db-timeout", "1", "--db-connections", "1"]);
    let errs = errors(&report).join("\n");
    assert!(
        errs.contains("public.slow") && errs.contains("timeout"),
        "{errs}"
    );
    assert!(errs.contains("public.suicide"), "{errs}");
    let rows = column_counts(&report, &db.location());
    assert_eq!(
        rows.get(&("good.email".into(), "email".into())),
        Some(&2),
        "{rows:?}"
    );
    // An IIN kept as bigint lost its leading zero; the column name gives it back.
    assert_eq!(
        rows.get(&("odd.iin".into(), "iin".into())),
        Some(&1),
        "{rows:?}"
    );
    assert_eq!(report.stat("errors"), 2, "{errs}");

    // A corrupt SQLite file next to a good file: an error, and the walk goes on.
    let dir = scratch();
    let mut corrupt = b"SQLite format 3\0".to_vec();
    corrupt.extend(std::iter::repeat(0xA5u8).take(4096));
    std::fs::write(dir.path().join("broken.db"), corrupt).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "write to ivan@mail.kz\n").unwrap();
    let walked = scan(&[dir.path().to_str().unwrap()]);
    let errs = errors(&walked).join("\n");
    assert!(errs.contains("broken.db"), "{errs}");
    assert_eq!(walked.stat("files_scanned"), 1);
}

#[test]
fn a_mariadb_table_in_cp1251_and_latin1_is_decoded_and_reported() {
    use mysql::prelude::Queryable;
    let Some(db) = MyDb::create() else { return };
    let mut c = db.conn();
    // "Иванов Иван" in cp1251 bytes, stored in a cp1251 column and (as
    // legacy systems did) in a latin1 one.
    let cp1251 = "C8E2E0EDEEE220C8E2E0ED";
    c.query_drop(format!(
        "CREATE TABLE legacy (id INT, fio VARCHAR(100) CHARACTER SET latin1, \
                              full_name VARCHAR(100) CHARACTER SET cp1251, iin CHAR(12)); \
         INSERT INTO legacy VALUES (1, _latin1 X'{cp1251}', _cp1251 X'{cp1251}', '850315300128'); \
         CREATE TABLE plain (id INT, email VARCHAR(100)); \
         INSERT INTO plain VALUES (1, 'ivan@mail.kz');"
    ))
    .unwrap();
    let report = scan(&[&db.url()]);
    assert_eq!(errors(&report), Vec::<String>::new());
    let notices: Vec<String> = report.0["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        notices
            .iter()
            .any(|n| n.contains("legacy.fio") && n.contains("windows-1251")),
        "{notices:?}"
    );
    let rows = column_counts(&report, &format!("mysql://127.0.0.1:3306/{}", db.name));
    assert_eq!(
        rows.get(&("legacy.fio".into(), "person_name".into())),
        Some(&1),
        "{rows:?}"
    );
    assert_eq!(
        rows.get(&("legacy.full_name".into(), "person_name".into())),
        Some(&1),
        "{rows:?}"
    );
    assert_eq!(
        rows.get(&("legacy.iin".into(), "iin".into())),
        Some(&1),
        "{rows:?}"
    );
    assert_eq!(
        rows.get(&("plain.email".into(), "email".into())),
        Some(&1),
        "{rows:?}"
    );
}

#[test]
fn json_columns_comments_row_times_and_policy_globs_work_on_databases() {
    let Some(db) = PgDb::create() else { return };
    db.client()
        .batch_execute(
            "CREATE TABLE events (id int, payload jsonb, created_at timestamptz, kod text); \
             COMMENT ON COLUMN events.kod IS 'ИИН клиента'; \
             INSERT INTO events VALUES \
               (1, '{\"user\": {\"iin\": \"850315300128\", \"email\": \"ivan@mail.kz\"}}', '2015-01-10', 'x1'), \
               (2, '{\"user\": {\"email\": \"olga@mail.kz\"}}', now(), 'x2');",
        )
        .unwrap();
    let dir = scratch();
    let policy = dir.path().join("tizim.toml");
    std::fs::write(
        &policy,
        format!(
            "[operator]\nname = \"Test\"\n\n[[purpose]]\nid = \"events\"\ntitle = \"Events\"\n\
             categories = [\"iin\", \"email\", \"birth_date\"]\nretention = \"1y\"\n\
             locations = [\"postgres://127.0.0.1:5432/{}#public.events.*\"]\n",
            db.name
        ),
    )
    .unwrap();
    let out = scan_json(
        dir.path(),
        &[&db.url(), "--policy", policy.to_str().unwrap()],
    );
    assert!(matches!(out.code, 0 | 1), "{}", out.stderr);
    let rows = out.report.0["inventory"].as_array().unwrap().clone();
    let find = |field: &str, category: &str| {
        rows.iter()
            .find(|r| r["field"] == field && r["category"] == category)
            .unwrap_or_else(|| panic!("no {category} row at {field}: {rows:#?}"))
            .clone()
    };
    let iin = find("public.events.payload.user.iin", "iin");
    assert_eq!(iin["count"], 1);
    assert_eq!(
        find("public.events.payload.user.email", "email")["count"],
        2
    );
    // The comment names the column for what it is.
    assert_eq!(
        find("public.events.kod", "iin")["evidence"][0],
        "column_name"
    );
    // The oldest row is from 2015: past the one-year retention, and counted.
    assert_eq!(iin["status"], "past-retention", "{iin:#}");
    assert_eq!(iin["modified"], "2015-01-10");
    assert_eq!(iin["sample"]["rows_past_retention"], 1, "{iin:#}");
}

#[test]
fn database_tables_are_sharded_by_location_like_files() {
    let Some(db) = PgDb::create() else { return };
    let mut client = db.client();
    for t in 0..8 {
        client
            .batch_execute(&format!(
                "CREATE TABLE t{t} (id int, email text); \
                 INSERT INTO t{t} VALUES (1, 'client{t}@mail.kz'), (2, 'other{t}@inbox.kz');"
            ))
            .unwrap();
    }
    let locations = |report: &Report| -> Vec<String> {
        let mut l: Vec<String> = report.0["inventory"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["category"] == "email")
            .map(|r| r["location"].as_str().unwrap().to_string())
            .collect();
        l.sort();
        l
    };
    let whole = locations(&scan(&[&db.url()]));
    assert_eq!(whole.len(), 8, "{whole:?}");
    let mut union = Vec::new();
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let part = locations(&scan(&[&db.url(), "--shard", &shard]));
        for l in &part {
            assert!(!union.contains(l), "{l} is in two shards");
        }
        union.extend(part);
    }
    union.sort();
    assert_eq!(union, whole);
}

#[test]
fn a_pg_service_names_the_database_and_its_password_never_shows() {
    let Some(db) = PgDb::create() else { return };
    db.client()
        .batch_execute(
            "CREATE TABLE svc (id int, email text); \
             INSERT INTO svc VALUES (1, 'anna.k@mail.kz');",
        )
        .unwrap();
    let secret = format!("SvcPw{}Zq", std::process::id());
    let home = scratch();
    let section = format!(
        "# tizim test\n[tzsvc]\nhost=127.0.0.1\nport=5432\ndbname={}\nuser=postgres\n\
         password={secret}\nsslmode=disable\n",
        db.name
    );
    std::fs::write(home.path().join(".pg_service.conf"), &section).unwrap();
    let elsewhere = scratch();
    std::fs::write(elsewhere.path().join("services"), &section).unwrap();
    let file = elsewhere.path().join("services");
    // ?service= with ~/.pg_service.conf; PGSERVICE with PGSERVICEFILE.
    let cases: [(&str, Option<&str>, Option<&Path>); 2] = [
        ("postgres:///?service=tzsvc", None, None),
        ("postgresql://", Some("tzsvc"), Some(&file)),
    ];
    for (url, service, service_file) in cases {
        let dir = scratch();
        let command = || {
            let mut cmd = tizim(dir.path());
            cmd.env("HOME", home.path())
                .env_remove("PGSERVICE")
                .env_remove("PGSERVICEFILE")
                .env_remove("PGSYSCONFDIR");
            if let Some(s) = service {
                cmd.env("PGSERVICE", s);
            }
            if let Some(f) = service_file {
                cmd.env("PGSERVICEFILE", f);
            }
            cmd
        };
        for format in ["json", "csv", "table"] {
            let out = output(command().args(["scan", "--format", format, url]));
            assert!(matches!(out.code, 0 | 1), "{url}: {}", out.stderr);
            assert!(
                !out.stdout.contains(&secret),
                "{url} {format}: password shown"
            );
            assert!(
                !out.stderr.contains(&secret),
                "{url} {format}: password shown"
            );
            if format == "json" {
                let report = Report::parse(out.stdout.as_bytes()).unwrap();
                let counts = column_counts(&report, &db.location());
                assert_eq!(
                    counts.get(&("svc.email".to_string(), "email".to_string())),
                    Some(&1),
                    "{url}: {counts:?}"
                );
            }
        }
    }
    // A service no file defines: exit 2, as libpq refuses it.
    let dir = scratch();
    let out = output(
        tizim(dir.path())
            .env("HOME", home.path())
            .env_remove("PGSERVICEFILE")
            .args(["scan", "postgres:///?service=nosuch"]),
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("service \"nosuch\" not found"),
        "{}",
        out.stderr
    );
}

/// The server's certificate (Debian's snake-oil one on these machines: CN and
/// SAN `localhost`, self-signed), readable by everyone.
fn pg_server_certificate(admin: &mut postgres::Client) -> Option<String> {
    let row = admin.query_one("SHOW ssl", &[]).unwrap();
    if row.get::<_, String>(0) != "on" {
        return None;
    }
    let row = admin.query_one("SHOW ssl_cert_file", &[]).unwrap();
    Some(row.get(0))
}

#[test]
fn sslmode_means_what_it_means_in_libpq() {
    let Some(db) = PgDb::create() else { return };
    // A view with a row only when the session reading it is encrypted: the
    // scan itself says whether its connection used TLS (the column's name
    // says nothing, so only a value read makes a finding).
    db.client()
        .batch_execute(
            "CREATE VIEW tls AS SELECT 'ivan@mail.kz'::text AS note \
             FROM pg_stat_ssl WHERE pid = pg_backend_pid() AND ssl",
        )
        .unwrap();
    let mut admin = postgres::Client::connect(PG_ADMIN, postgres::NoTls).unwrap();
    let dir = scratch();
    let encrypted = |url: &str| {
        let report = scan(&[url]);
        assert_eq!(errors(&report), Vec::<String>::new(), "{url}");
        // The location: the URL without its user and settings.
        let location = url.split('?').next().unwrap().replace("postgres@", "");
        column_counts(&report, &location)
            .get(&("tls.note".into(), "email".into()))
            .copied()
            == Some(1)
    };
    let refused = |url: &str, why: &str| {
        let out = output(tizim(dir.path()).args(["scan", "--db-timeout", "5", url]));
        assert_eq!(out.code, 2, "{url}: {}", out.stderr);
        assert!(out.stderr.contains(why), "{url}: {}", out.stderr);
    };
    let name = &db.name;
    let Some(cert) = pg_server_certificate(&mut admin) else {
        // A server without TLS: `require` never falls back to plain text.
        let url = format!("postgres://postgres@127.0.0.1:5432/{name}?sslmode=require");
        refused(&url, "TLS");
        assert!(!encrypted(&format!("{}?sslmode=prefer", db.url())));
        return;
    };
    let at = |host: &str, query: &str| format!("postgres://postgres@{host}:5432/{name}?{query}");
    assert!(!encrypted(&at("127.0.0.1", "sslmode=disable")));
    // libpq's default, prefer, takes TLS when the server offers it.
    assert!(encrypted(&db.url()));
    assert!(encrypted(&at("127.0.0.1", "sslmode=require")));
    // verify-ca checks the chain, not the name; verify-full checks both.
    assert!(encrypted(&at(
        "127.0.0.1",
        &format!("sslmode=verify-ca&sslrootcert={cert}")
    )));
    assert!(encrypted(&at(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={cert}")
    )));
    refused(
        &at(
            "127.0.0.1",
            &format!("sslmode=verify-full&sslrootcert={cert}"),
        ),
        "certificate",
    );
    let stranger = common::fixture("tls/other-ca.pem");
    refused(
        &at(
            "localhost",
            &format!("sslmode=verify-full&sslrootcert={}", stranger.display()),
        ),
        "certificate",
    );
    // `require` with a root certificate checks the chain, as in libpq.
    refused(
        &at(
            "127.0.0.1",
            &format!("sslmode=require&sslrootcert={}", stranger.display()),
        ),
        "certificate",
    );
    refused(&at("localhost", "sslmode=verify-full"), "sslrootcert");
    refused(&at("localhost", "sslmode=sometimes"), "sslmode");
}
