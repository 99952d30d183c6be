//! Redis against the real server on 127.0.0.1:6379 (README, "Databases"),
//! as on the development machines and in CI. Nothing is mocked.
//!
//! Each test writes keys under a prefix of its own (letters only, so that
//! the prefix is part of every key pattern and no other run's keys share
//! it), scans with `--db-include 'PREFIX*'`, and deletes its keys after.
//! Without a server a test skips, saying why on stderr; with `CI=true` it
//! fails instead.

mod common;

use common::values::{iin, phone, Rng};
use common::{output, scan_json, tizim, Report};
use std::collections::BTreeMap;

const SERVER: &str = "redis://127.0.0.1:6379/";

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Letters only: digits in a key name become `*` in its pattern.
fn letters(mut n: u64) -> String {
    let mut s = String::new();
    for _ in 0..8 {
        s.push(char::from(b'a' + (n % 26) as u8));
        n /= 26;
    }
    s
}

/// Keys of one test, under a prefix of their own, deleted on drop.
struct Keys {
    conn: redis::Connection,
    prefix: String,
    db: u8,
}

impl Keys {
    fn new(db: u8) -> Option<Keys> {
        let client = redis::Client::open(format!("{SERVER}{db}")).unwrap();
        let conn = match client.get_connection_with_timeout(std::time::Duration::from_secs(5)) {
            Ok(c) => c,
            Err(e) => {
                if ci() {
                    panic!("Redis on 127.0.0.1:6379 is needed with CI=true: {e}");
                }
                eprintln!("skipped: Redis on 127.0.0.1:6379 is not reachable ({e})");
                return None;
            }
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        let prefix = format!(
            "tzt{}",
            letters(nanos ^ (u64::from(std::process::id()) << 32))
        );
        Some(Keys { conn, prefix, db })
    }

    fn cmd(&mut self, args: &[&str]) -> redis::Value {
        let mut c = redis::cmd(args[0]);
        for a in &args[1..] {
            c.arg(*a);
        }
        c.query(&mut self.conn)
            .unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }

    fn key(&self, rest: &str) -> String {
        format!("{}:{rest}", self.prefix)
    }

    fn url(&self) -> String {
        format!("{SERVER}{}", self.db)
    }

    fn include(&self) -> String {
        format!("{}*", self.prefix)
    }

    /// Every key of the test with its `DUMP` (type, value and encoding,
    /// byte for byte) and whether it has a TTL, and the database's size.
    fn state(&mut self) -> (u64, BTreeMap<String, (Vec<u8>, bool)>) {
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}*", self.prefix))
            .query(&mut self.conn)
            .unwrap();
        let mut state = BTreeMap::new();
        for k in keys {
            let dump: Vec<u8> = redis::cmd("DUMP").arg(&k).query(&mut self.conn).unwrap();
            let ttl: i64 = redis::cmd("PTTL").arg(&k).query(&mut self.conn).unwrap();
            state.insert(k, (dump, ttl > 0));
        }
        let size: u64 = redis::cmd("DBSIZE").query(&mut self.conn).unwrap();
        (size, state)
    }
}

impl Drop for Keys {
    fn drop(&mut self) {
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}*", self.prefix))
            .query(&mut self.conn)
            .unwrap_or_default();
        for k in keys {
            let _: Result<i64, _> = redis::cmd("DEL").arg(&k).query(&mut self.conn);
        }
    }
}

fn scan(args: &[&str]) -> Report {
    let dir = tempfile::tempdir().unwrap();
    let out = scan_json(dir.path(), args);
    assert!(
        matches!(out.code, 0 | 1),
        "exit {}:\n{}",
        out.code,
        out.stderr
    );
    out.report
}

/// category → count of the value findings in the inventory rows of `path`.
fn value_counts(report: &Report, path: &str) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for row in report.0["inventory"].as_array().expect("inventory rows") {
        if !row["path"].as_str().unwrap_or("").starts_with(path) {
            continue;
        }
        let n = row["count"].as_u64().unwrap_or(0);
        if n > 0 {
            *counts
                .entry(row["category"].as_str().unwrap().to_string())
                .or_default() += n;
        }
    }
    counts
}

fn fields(report: &Report, category: &str) -> Vec<String> {
    let mut f: Vec<String> = report.0["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["category"] == category && r["count"].as_u64().unwrap_or(0) > 0)
        .filter_map(|r| r["field"].as_str().map(str::to_string))
        .collect();
    f.sort();
    f.dedup();
    f
}

#[test]
fn redis_values_give_the_findings_of_a_file_of_the_same_values_and_nothing_changes() {
    let Some(mut keys) = Keys::new(0) else { return };
    let mut rng = Rng(0x5eed_1234);
    // What is written to Redis, and the same values as files.
    let mut text_values = Vec::new();
    let mut json_values = Vec::new();
    for n in [1001, 1002, 1003] {
        let (i, p) = (iin(&mut rng, false), phone(&mut rng));
        let email = format!("client{n}@mail.kz");
        let key = keys.key(&format!("user:{n}"));
        keys.cmd(&[
            "HSET", &key, "iin", &i, "phone", &p, "email", &email, "note", "ok",
        ]);
        text_values.extend([i, p, email]);
        let key = keys.key(&format!("session:{n}:a1b2c3d4e5f6"));
        let json = format!(
            r#"{{"user":{{"iin":"{}","mail":"s{n}@mail.kz"}},"n":{n}}}"#,
            iin(&mut rng, false)
        );
        keys.cmd(&["SET", &key, &json, "EX", "3600"]);
        json_values.push(json);
    }
    let plain = format!("ИИН {} тел {}", iin(&mut rng, false), phone(&mut rng));
    keys.cmd(&["SET", &keys.key("note:7"), &plain]);
    text_values.push(plain);
    let list: Vec<String> = (0..4).map(|i| format!("queue{i}@mail.kz")).collect();
    let mut args = vec!["RPUSH".to_string(), keys.key("outbox")];
    args.extend(list.iter().cloned());
    keys.cmd(&args.iter().map(String::as_str).collect::<Vec<_>>());
    text_values.extend(list);
    let phones: Vec<String> = (0..3).map(|_| phone(&mut rng)).collect();
    let mut args = vec!["SADD".to_string(), keys.key("phones:9")];
    args.extend(phones.iter().cloned());
    keys.cmd(&args.iter().map(String::as_str).collect::<Vec<_>>());
    text_values.extend(phones);
    keys.cmd(&[
        "ZADD",
        &keys.key("ranked"),
        "1",
        "top@mail.kz",
        "2",
        "next@mail.kz",
    ]);
    text_values.extend(["top@mail.kz".to_string(), "next@mail.kz".to_string()]);
    let s_iin = iin(&mut rng, false);
    keys.cmd(&[
        "XADD",
        &keys.key("events"),
        "*",
        "iin",
        &s_iin,
        "kind",
        "login",
    ]);
    text_values.push(s_iin);
    // A binary value (a NUL byte) is counted, not read.
    redis::cmd("SET")
        .arg(keys.key("blob"))
        .arg(b"\x00\x01bin 850315300128".as_slice())
        .query::<()>(&mut keys.conn)
        .unwrap();

    let before = keys.state();
    let url = keys.url();
    let include = keys.include();
    let report = scan(&["--sample-rows", "0", "--db-include", &include, &url]);
    assert_eq!(keys.state(), before, "the scan changed the database");
    assert!(report.errors().is_empty(), "{:?}", report.errors());

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("values.txt"), text_values.join("\n") + "\n").unwrap();
    for (i, j) in json_values.iter().enumerate() {
        std::fs::write(dir.path().join(format!("s{i}.json")), j).unwrap();
    }
    let files = scan(&[dir.path().to_str().unwrap()]);
    let path = format!("redis://127.0.0.1:6379/{}", keys.db);
    let live = value_counts(&report, &path);
    let dumped = value_counts(&files, dir.path().to_str().unwrap());
    assert!(live.get("iin").copied().unwrap_or(0) >= 8, "{live:?}");
    if live != dumped {
        let show = |r: &Report| {
            r.findings()
                .iter()
                .filter(|f| f["category"] == "phone")
                .map(|f| format!("{} {} {}", f["path"], f["field"], f["line"]))
                .collect::<Vec<_>>()
        };
        panic!(
            "Redis and the same values as files differ: {live:?} {dumped:?}\n{:#?}\n{:#?}\n{}",
            show(&report),
            show(&files),
            text_values.join("\n")
        );
    }

    // Locations: key family × field, with the variable parts as `*`.
    let p = &keys.prefix;
    let iins = fields(&report, "iin");
    for want in [
        format!("{p}:user:*.iin"),
        format!("{p}:session:*:*.user.iin"),
        format!("{p}:note:*"),
        format!("{p}:events.iin"),
    ] {
        assert!(iins.contains(&want), "{want} not in {iins:?}");
    }
    let emails = fields(&report, "email");
    for want in [format!("{p}:outbox[]"), format!("{p}:ranked[]")] {
        assert!(emails.contains(&want), "{want} not in {emails:?}");
    }
    // Key families are tables: keys read and keys there; TTLs and the
    // binary value are said.
    let notices = serde_json::to_string(&report.notices()).unwrap();
    assert!(notices.contains(&format!("{p}:user:*: 3 of 3 keys read have no TTL")));
    assert!(
        !notices.contains(&format!("{p}:session:*:*: ")),
        "{notices}"
    );
    assert!(notices.contains("1 binary values"), "{notices}");
    assert!(notices.contains("DBSIZE"), "{notices}");
    assert!(report.stat("tables_scanned") >= 8);
}

#[test]
fn redis_key_samples_repeat_for_a_seed_and_say_how_many_keys_there_are() {
    let Some(mut keys) = Keys::new(0) else { return };
    for n in 0..60 {
        let key = keys.key(&format!("c:{n}"));
        keys.cmd(&["SET", &key, &format!("user{n}x@mail.kz")]);
    }
    let url = keys.url();
    let include = keys.include();
    let run = |seed: &str| {
        let report = scan(&[
            "--sample-rows",
            "10",
            "--sample-seed",
            seed,
            "--db-include",
            &include,
            &url,
        ]);
        let mut prints: Vec<String> = report
            .findings()
            .iter()
            .filter(|f| f["category"] == "email")
            .map(|f| f["fingerprint"].as_str().unwrap().to_string())
            .collect();
        prints.sort();
        let row = report.0["inventory"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["category"] == "email")
            .cloned()
            .expect("an email row");
        (prints, row)
    };
    let (a, row) = run("3");
    let (b, _) = run("3");
    let (c, _) = run("4");
    assert_eq!(a.len(), 10, "{a:?}");
    assert_eq!(a, b, "the same seed read other keys");
    assert_ne!(a, c, "another seed read the same keys");
    assert_eq!(row["sample"]["sampled"], true, "{row}");
    assert_eq!(row["sample"]["rows_sampled"], 10, "{row}");
    assert_eq!(row["sample"]["rows_estimated"], 60, "{row}");
    assert_eq!(row["sample"]["estimated_count"], 60, "{row}");
}

#[test]
fn a_redis_password_shows_in_no_output_and_only_reads_are_needed() {
    let Some(mut keys) = Keys::new(0) else { return };
    let user = format!("{}u", keys.prefix);
    let password = format!("Pw{}Zq9", keys.prefix);
    // A user that may read and nothing else (and not even KEYS).
    keys.cmd(&[
        "ACL",
        "SETUSER",
        &user,
        "reset",
        "on",
        &format!(">{password}"),
        "~*",
        "+@read",
        "-@dangerous",
        "+select",
    ]);
    let key = keys.key("acct:1");
    keys.cmd(&["HSET", &key, "email", "anna.k@mail.kz"]);
    let include = keys.include();
    let url = format!("redis://{user}:{password}@127.0.0.1:6379/0");
    let result = std::panic::catch_unwind(|| {
        for format in [
            "json", "ndjson", "csv", "table", "markdown", "html", "sarif", "junit",
        ] {
            let dir = tempfile::tempdir().unwrap();
            let out = output(tizim(dir.path()).args([
                "scan",
                "--format",
                format,
                "--db-include",
                &include,
                &url,
            ]));
            assert!(matches!(out.code, 0 | 1), "{format}: {}", out.stderr);
            assert!(!out.stdout.contains(&password), "{format}: password shown");
            assert!(!out.stderr.contains(&password), "{format}: password shown");
            if matches!(format, "json" | "csv") {
                assert!(out.stdout.contains("acct:*.email"), "{format}: not read");
                assert!(!out.stdout.contains("\"errors\":[{"), "{}", out.stdout);
            }
        }
        // The password from REDISCLI_AUTH, as redis-cli takes it.
        let dir = tempfile::tempdir().unwrap();
        let out = output(
            tizim(dir.path())
                .env("REDISCLI_AUTH", &password)
                .args(["scan", "--format", "json", "--db-include", &include])
                .arg(format!("redis://{user}@127.0.0.1:6379/0")),
        );
        assert!(matches!(out.code, 0 | 1), "{}", out.stderr);
        assert!(out.stdout.contains("acct:*.email"));
        // Refused credentials, TLS, a bad database: exit 2, nothing shown.
        for bad in [
            format!("redis://{user}:{password}x@127.0.0.1:6379/0"),
            format!("rediss://{user}:{password}@127.0.0.1:6379/0"),
            format!("redis://{user}:{password}@127.0.0.1:6379/zero"),
            format!("redis://{user}:{password}@127.0.0.1:1/0"),
        ] {
            let out = output(tizim(dir.path()).args(["scan", "--db-timeout", "5", &bad]));
            assert_eq!(out.code, 2, "{}", out.stderr);
            assert!(out.stderr.contains("error"), "{}", out.stderr);
            assert!(!out.stderr.contains(&password), "{}", out.stderr);
            assert!(!out.stdout.contains(&password));
        }
    });
    keys.cmd(&["ACL", "DELUSER", &user]);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

/// The id of a client of database `db` that is reading values (not
/// listing keys), other than `own`, from `CLIENT LIST`.
fn reading_client(list: &str, db: u8, own: i64) -> Option<i64> {
    const READS: [&str; 10] = [
        "type", "pttl", "get", "getrange", "strlen", "hscan", "lrange", "sscan", "zrange", "xrange",
    ];
    list.lines().find_map(|line| {
        let field = |name: &str| {
            line.split(' ')
                .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
        };
        let id: i64 = field("id")?.parse().ok()?;
        (id != own && field("db")? == db.to_string() && READS.contains(&field("cmd")?))
            .then_some(id)
    })
}

#[test]
fn a_redis_connection_killed_mid_scan_is_reported_and_the_scan_goes_on() {
    // Database 9 is this test's alone: the connection killed is tizim's.
    const DB: u8 = 9;
    const FAMILIES: u64 = 40;
    const KEYS_EACH: u64 = 250;
    let Some(mut keys) = Keys::new(DB) else {
        return;
    };
    for family in 0..FAMILIES {
        let mut mset = vec!["MSET".to_string()];
        for n in 0..KEYS_EACH {
            mset.push(keys.key(&format!("{}:{n}", letters(family + 1000))));
            mset.push(format!("order {n} for client{n}.{family}@mail.kz"));
        }
        let args: Vec<&str> = mset.iter().map(String::as_str).collect();
        keys.cmd(&args);
    }
    let own = match keys.cmd(&["CLIENT", "ID"]) {
        redis::Value::Int(id) => id,
        other => panic!("CLIENT ID: {other:?}"),
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("canary.log"), "mail canary.redis@mail.kz\n").unwrap();
    let include = keys.include();
    let url = keys.url();
    let mut command = std::process::Command::new(common::tizim_bin());
    common::isolate(&mut command);
    let child = command
        .current_dir(dir.path())
        .args(["scan", "--format", "json", "--db-connections", "1"])
        .args(["--db-include", &include, &url, "."])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Kill tizim's connection while it reads values.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let killed = loop {
        let list = match keys.cmd(&["CLIENT", "LIST"]) {
            redis::Value::BulkString(b) => String::from_utf8(b).unwrap(),
            redis::Value::VerbatimString { text, .. } => text,
            other => panic!("CLIENT LIST: {other:?}"),
        };
        if let Some(id) = reading_client(&list, DB, own) {
            keys.cmd(&["CLIENT", "KILL", "ID", &id.to_string()]);
            break true;
        }
        if std::time::Instant::now() > deadline {
            break false;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    };
    let out = child.wait_with_output().unwrap();
    assert!(killed, "tizim's connection was never seen reading");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{:?}: {stderr}",
        out.status
    );
    let report = Report(serde_json::from_slice(&out.stdout).unwrap());
    let errors: Vec<String> = report.0["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{} {}", e["path"], e["message"]))
        .collect();
    // One family lost its connection; it is the one error.
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains(&keys.prefix), "{errors:?}");
    // A new connection read every other family whole, and the file too.
    let whole = report.0["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["path"].as_str().unwrap_or("").starts_with(&url)
                && r["category"] == "email"
                && r["count"].as_u64() == Some(KEYS_EACH)
        })
        .count() as u64;
    assert!(whole >= FAMILIES - 1, "{whole} families read whole");
    let canary = report.0["inventory"].as_array().unwrap().iter().any(|r| {
        r["path"].as_str().unwrap_or("").ends_with("canary.log") && r["category"] == "email"
    });
    assert!(canary, "the file beside the database was not scanned");
}
