//! Fingerprint keys: no published key, installation keys, key files, key
//! ids in every report, and baselines that refuse another key.
//!
//! Every run here has its own `HOME` and `XDG_CONFIG_HOME` (an
//! "installation"), so the installation key is created in a temporary
//! directory, never in the config directory of whoever runs the tests.

mod common;

use common::{output, tizim, tree_with, Output};
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

const IIN: &str = "850315300128";

/// A fresh machine: its own home and config directory.
struct Installation {
    home: TempDir,
}

impl Installation {
    fn new() -> Installation {
        Installation {
            home: tempfile::tempdir().unwrap(),
        }
    }

    fn config(&self) -> PathBuf {
        self.home.path().join("config")
    }

    fn key_file(&self) -> PathBuf {
        self.config().join("tizim/fingerprint.key")
    }

    /// `tizim ARGS` in `dir` on this installation.
    fn run(&self, dir: &Path, args: &[&str]) -> Output {
        output(
            tizim(dir)
                .env("HOME", self.home.path())
                .env("XDG_CONFIG_HOME", self.config())
                .args(args),
        )
    }

    fn ndjson(&self, dir: &Path, args: &[&str]) -> Vec<Value> {
        let out = self.run(dir, &[&["scan", "--format", "ndjson"], args].concat());
        out.assert_scanned();
        common::parse_ndjson(&out.stdout)
    }
}

fn key_file(dir: &Path, name: &str, key: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, format!("{key}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path.to_str().unwrap().to_string()
}

fn fingerprint_of(findings: &[Value], category: &str) -> (String, String) {
    let f = findings
        .iter()
        .find(|f| f["category"] == category)
        .unwrap_or_else(|| panic!("no {category} finding: {findings:?}"));
    (
        f["fingerprint"].as_str().unwrap().to_string(),
        f["key_id"].as_str().unwrap().to_string(),
    )
}

#[test]
fn two_installations_fingerprint_alike_only_with_the_same_key() {
    let tree = tree_with(&[("a.txt", &format!("ИИН {IIN}\n"))]);
    let (a, b) = (Installation::new(), Installation::new());
    assert!(!a.key_file().exists());

    let first_a = a.ndjson(tree.path(), &[]);
    let first_b = b.ndjson(tree.path(), &[]);
    let (fp_a, id_a) = fingerprint_of(&first_a, "iin");
    let (fp_b, id_b) = fingerprint_of(&first_b, "iin");
    assert_ne!(fp_a, fp_b, "no key given: each installation has its own");
    assert_ne!(id_a, id_b);

    // Created on first use, private, and used again on this machine.
    for install in [&a, &b] {
        let meta = std::fs::metadata(install.key_file()).expect("installation key created");
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        let dir = std::fs::metadata(install.config().join("tizim")).unwrap();
        assert_eq!(dir.permissions().mode() & 0o777, 0o700);
        let text = std::fs::read_to_string(install.key_file()).unwrap();
        assert_eq!(text.trim().len(), 64, "32 random bytes as hex");
    }
    assert_eq!(fingerprint_of(&a.ndjson(tree.path(), &[]), "iin").0, fp_a);

    // The same key, given in any of the ways, on both machines.
    let keys = tempfile::tempdir().unwrap();
    let secret = "5a0c3b9d1e7f24681357acef02468bdf5a0c3b9d1e7f24681357acef02468bdf";
    let path = key_file(keys.path(), "team.key", secret);
    let with_file_a = a.ndjson(tree.path(), &["--fingerprint-key-file", &path]);
    let with_file_b = b.ndjson(tree.path(), &["--fingerprint-key-file", &path]);
    let shared = fingerprint_of(&with_file_a, "iin");
    assert_eq!(shared, fingerprint_of(&with_file_b, "iin"));
    assert_ne!(shared.0, fp_a);
    let with_flag = a.ndjson(tree.path(), &["--fingerprint-key", secret]);
    assert_eq!(fingerprint_of(&with_flag, "iin"), shared);
    let with_env = output(
        tizim(tree.path())
            .env("HOME", b.home.path())
            .env("XDG_CONFIG_HOME", b.config())
            .env("TIZIM_FINGERPRINT_KEY_FILE", &path)
            .args(["scan", "--format", "ndjson"]),
    );
    assert_eq!(
        fingerprint_of(&common::parse_ndjson(&with_env.stdout), "iin"),
        shared
    );
    // .tizim.toml names the file, relative to itself.
    let keys_dir = keys.path().file_name().unwrap().to_str().unwrap();
    std::fs::write(
        tree.path().join(".tizim.toml"),
        format!("fingerprint_key_file = \"../{keys_dir}/team.key\"\n"),
    )
    .unwrap();
    let configured = b.ndjson(tree.path(), &[]);
    assert_eq!(fingerprint_of(&configured, "iin"), shared);

    // Without XDG_CONFIG_HOME (and without .tizim.toml naming a key) the
    // installation key lives in ~/.config.
    std::fs::remove_file(tree.path().join(".tizim.toml")).unwrap();
    let d = Installation::new();
    let out = output(
        tizim(tree.path())
            .env("HOME", d.home.path())
            .env_remove("XDG_CONFIG_HOME")
            .args(["scan", "--format", "ndjson"]),
    );
    out.assert_scanned();
    assert!(d
        .home
        .path()
        .join(".config/tizim/fingerprint.key")
        .is_file());
    assert_ne!(
        fingerprint_of(&common::parse_ndjson(&out.stdout), "iin").0,
        fp_a
    );

    // A machine given a key never needs (or makes) an installation key.
    let c = Installation::new();
    c.ndjson(tree.path(), &["--fingerprint-key-file", &path]);
    assert!(!c.key_file().exists());
}

#[test]
fn key_settings_fail_clearly() {
    let tree = tree_with(&[("a.txt", &format!("ИИН {IIN}\n"))]);
    let install = Installation::new();
    let keys = tempfile::tempdir().unwrap();
    let path = key_file(keys.path(), "k", "0123456789abcdef0123456789abcdef");

    let both = install.run(
        tree.path(),
        &[
            "scan",
            "--fingerprint-key",
            "x",
            "--fingerprint-key-file",
            &path,
        ],
    );
    assert_eq!(both.code, 2);
    assert!(both.stderr.contains("use one"), "{}", both.stderr);

    let short = key_file(keys.path(), "short", "abc");
    let r = install.run(tree.path(), &["scan", "--fingerprint-key-file", &short]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("at least 16"), "{}", r.stderr);

    let missing = install.run(
        tree.path(),
        &["scan", "--fingerprint-key-file", "/nonexistent/k"],
    );
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("/nonexistent/k"),
        "{}",
        missing.stderr
    );

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let open = install.run(tree.path(), &["scan", "--fingerprint-key-file", &path]);
    open.assert_scanned();
    assert!(
        open.stderr.contains("readable by other users"),
        "{}",
        open.stderr
    );

    // A guessable key still works, with a warning, and the card mask
    // keeps no issuer digits next to its fingerprints.
    let cards = tree_with(&[("c.txt", "card 4400 4301 2345 6789\n")]);
    let weak = install.run(
        cards.path(),
        &["scan", "--format", "ndjson", "--fingerprint-key", "abc"],
    );
    assert!(weak.stderr.contains("may be guessed"), "{}", weak.stderr);
    assert_eq!(
        common::parse_ndjson(&weak.stdout)[0]["masked"],
        "************6789"
    );
    let strong = install.ndjson(cards.path(), &["--fingerprint-key-file", &path]);
    assert_eq!(strong[0]["masked"], "440043******6789");

    // No home, no config directory, no key: an error, not a published key.
    let r = output(
        tizim(tree.path())
            .env_remove("HOME")
            .env_remove("XDG_CONFIG_HOME")
            .args(["scan"]),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--fingerprint-key-file"), "{}", r.stderr);
}

#[test]
fn key_new_prints_fresh_random_keys() {
    let install = Installation::new();
    let dir = tempfile::tempdir().unwrap();
    let a = install.run(dir.path(), &["key", "new"]);
    let b = install.run(dir.path(), &["key", "new"]);
    assert_eq!(a.code, 0, "{}", a.stderr);
    let (a, b) = (a.stdout.trim(), b.stdout.trim());
    assert_eq!(a.len(), 64);
    assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(a, b);
    let file = dir.path().join("team.key");
    let written = install.run(dir.path(), &["key", "new", "-o", "team.key"]);
    assert_eq!(written.code, 0, "{}", written.stderr);
    let meta = std::fs::metadata(&file).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.trim().len(), 64);
    // An existing key file is never overwritten.
    let again = install.run(dir.path(), &["key", "new", "-o", "team.key"]);
    assert_eq!(again.code, 2);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    assert!(
        !install.key_file().exists(),
        "key new touches no installation key"
    );
}

/// Every format names the key it was made with, by id only.
#[test]
fn every_report_carries_the_key_id() {
    let tree = tree_with(&[("a.txt", &format!("ИИН {IIN}\nmail ivan.petrov@mail.kz\n"))]);
    let install = Installation::new();
    let keys = tempfile::tempdir().unwrap();
    let secret = "0123456789abcdef0123456789abcdef";
    let path = key_file(keys.path(), "k", secret);
    for key_args in [vec![], vec!["--fingerprint-key-file", path.as_str()]] {
        let ndjson = install.ndjson(tree.path(), &key_args);
        let id = ndjson[0]["key_id"].as_str().unwrap().to_string();
        assert_eq!(id.len(), 16);
        assert!(ndjson.iter().all(|f| f["key_id"] == id.as_str()));
        let scope = if key_args.is_empty() {
            "installation"
        } else {
            "shared"
        };
        for format in ["json", "sarif", "html", "markdown", "junit"] {
            let out = install.run(
                tree.path(),
                &[&["scan", "--format", format][..], &key_args].concat(),
            );
            out.assert_scanned();
            assert!(out.stdout.contains(&id), "--format {format} names key {id}");
            assert!(
                !out.stdout.contains(secret),
                "--format {format} holds the key"
            );
            match format {
                "json" => {
                    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
                    assert_eq!(doc["key_id"], id.as_str());
                    assert_eq!(doc["key_scope"], scope);
                }
                "sarif" => {
                    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
                    let props = &doc["runs"][0]["properties"];
                    assert_eq!(props["tizimKeyId"], id.as_str());
                    assert_eq!(props["tizimKeyScope"], scope);
                }
                _ => {}
            }
        }
        let baseline = install.run(
            tree.path(),
            &[&["baseline", "create"][..], &key_args].concat(),
        );
        let doc: Value = serde_json::from_str(&baseline.stdout).unwrap();
        if key_args.is_empty() {
            assert_eq!(doc["identity"], "location");
            assert!(doc["key_id"].is_null(), "nothing in it depends on a key");
        } else {
            assert_eq!(doc["identity"], "fingerprint");
            assert_eq!(doc["key_id"], id.as_str());
        }
    }
}

/// SARIF identities: value-free and the same on every machine without a
/// shared key; the keyed fingerprint with one.
#[test]
fn sarif_identities_follow_the_key() {
    let tree = tree_with(&[
        ("a.txt", &format!("ИИН {IIN}\nИИН 920715350560\n")),
        ("b.csv", "email\nivan.petrov@mail.kz\n"),
    ]);
    let (a, b) = (Installation::new(), Installation::new());
    let partials = |install: &Installation, args: &[&str]| -> Vec<Value> {
        let out = install.run(
            tree.path(),
            &[&["scan", "--format", "sarif"][..], args].concat(),
        );
        out.assert_scanned();
        let doc: Value = serde_json::from_str(&out.stdout).unwrap();
        doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["partialFingerprints"].clone())
            .collect()
    };
    let on_a = partials(&a, &[]);
    assert_eq!(on_a.len(), 3);
    for p in &on_a {
        assert!(p.get("tizimValueFingerprint/v1").is_none(), "{p}");
        assert_eq!(p["tizimLocation/v1"].as_str().unwrap().len(), 32);
    }
    assert_ne!(on_a[0], on_a[1], "two IINs in one file are two alerts");
    assert_eq!(on_a, partials(&b, &[]), "stable across machines and runs");
    let ndjson_a = a.ndjson(tree.path(), &[]);
    for f in &ndjson_a {
        let fp = f["fingerprint"].as_str().unwrap();
        assert!(on_a.iter().all(|p| !p.to_string().contains(fp)));
    }

    let keys = tempfile::tempdir().unwrap();
    let path = key_file(keys.path(), "k", "0123456789abcdef0123456789abcdef");
    let keyed = partials(&a, &["--fingerprint-key-file", &path]);
    let ndjson = a.ndjson(tree.path(), &["--fingerprint-key-file", &path]);
    // The same fingerprints (files are scanned in parallel, so the two
    // runs may list them in another order).
    let mut from_sarif: Vec<String> = keyed
        .iter()
        .map(|p| {
            assert!(p.get("tizimLocation/v1").is_none());
            p["tizimValueFingerprint/v1"].as_str().unwrap().to_string()
        })
        .collect();
    let mut from_ndjson: Vec<String> = ndjson
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .collect();
    from_sarif.sort();
    from_ndjson.sort();
    assert_eq!(from_sarif, from_ndjson);
    assert_eq!(keyed, partials(&b, &["--fingerprint-key-file", &path]));
}

#[test]
fn a_baseline_made_with_key_a_and_checked_with_key_b_exits_2() {
    let tree = tree_with(&[("a.txt", &format!("ИИН {IIN}\n"))]);
    let install = Installation::new();
    let keys = tempfile::tempdir().unwrap();
    let key_a = key_file(keys.path(), "a.key", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    let key_b = key_file(keys.path(), "b.key", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    let baseline = keys.path().join("baseline.json");
    let created = install.run(
        tree.path(),
        &["baseline", "create", "--fingerprint-key-file", &key_a],
    );
    assert_eq!(created.code, 0, "{}", created.stderr);
    std::fs::write(&baseline, &created.stdout).unwrap();
    let baseline = baseline.to_str().unwrap();
    let id = |key: &str| {
        fingerprint_of(
            &install.ndjson(tree.path(), &["--fingerprint-key-file", key]),
            "iin",
        )
        .1
    };

    let same = install.run(
        tree.path(),
        &[
            "scan",
            "--baseline",
            baseline,
            "--fingerprint-key-file",
            &key_a,
        ],
    );
    assert_eq!(same.code, 0, "{}", same.stderr);

    let other = install.run(
        tree.path(),
        &[
            "scan",
            "--baseline",
            baseline,
            "--fingerprint-key-file",
            &key_b,
        ],
    );
    assert_eq!(other.code, 2, "{}", other.stderr);
    assert!(
        other
            .stderr
            .contains(&format!("made with fingerprint key {}", id(&key_a)))
            && other.stderr.contains(&format!("uses key {}", id(&key_b))),
        "the message names both keys: {}",
        other.stderr
    );

    let none = install.run(tree.path(), &["scan", "--baseline", baseline]);
    assert_eq!(none.code, 2, "{}", none.stderr);
    assert!(none.stderr.contains("no key configured"), "{}", none.stderr);
}

/// Without a shared key a baseline holds locations, not values, and works
/// on another machine (a CI runner's installation key is new every run).
#[test]
fn a_location_baseline_works_on_another_machine() {
    let tree = tree_with(&[("a.txt", &format!("ИИН {IIN}\n"))]);
    let (dev, ci) = (Installation::new(), Installation::new());
    let created = dev.run(tree.path(), &["baseline", "create"]);
    assert_eq!(created.code, 0, "{}", created.stderr);
    assert!(
        !created.stdout.contains("fingerprint\""),
        "{}",
        created.stdout
    );
    let elsewhere = tempfile::tempdir().unwrap();
    let baseline = elsewhere.path().join("baseline.json");
    std::fs::write(&baseline, &created.stdout).unwrap();
    let baseline = baseline.to_str().unwrap().to_string();

    let r = ci.ndjson(tree.path(), &["--baseline", &baseline]);
    assert_eq!(r[0]["suppressed"], "baseline");
    // A second IIN after the first is new.
    std::fs::write(
        tree.path().join("a.txt"),
        format!("header\nИИН {IIN}\nИИН 920715350560\n"),
    )
    .unwrap();
    let r = ci.run(
        tree.path(),
        &["scan", "--format", "ndjson", "--baseline", &baseline],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let findings = common::parse_ndjson(&r.stdout);
    assert_eq!(findings[0]["suppressed"], "baseline");
    assert!(findings[1].get("suppressed").is_none());
}
