//! Scale-out: `--shard`, `--format partial`, `tizim merge`, `--location-prefix`,
//! `tizim scan -`, the fleet script and the Spark job. The promise under
//! test: the merged inventory equals the one process's scan of everything,
//! byte for byte in `--format json` once timings are removed.

mod common;

use common::values::{self, Rng};
use common::{output, tizim, write};
use proptest::prelude::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use tizim::detect::Engine;
use tizim::scan::{self, Collect, ScanOptions, Shard};

const POLICY: &str = r#"prohibited = ["card"]

[operator]
name = "ТОО «Scale Test»"

[[purpose]]
id = "support"
title = "Support requests"
categories = ["email", "phone", "iin"]
retention = "1y"

[[purpose]]
id = "payroll"
title = "Payroll"
categories = ["iban", "iin"]
retention = "5y"
locations = ["**/hr/**"]
"#;

/// A tree with what a merge must get right: the same IINs (children among
/// them) in several files, so people and minors are counted across parts;
/// files dated years ago (past retention); every status; CSV columns;
/// compressed and archived members; a binary file that is skipped; and a
/// stream of structured text.
fn plant(root: &Path, seed: u64, files: usize) -> Vec<String> {
    let mut rng = Rng(seed | 1);
    let people: Vec<String> = (0..12).map(|i| values::iin(&mut rng, i % 4 == 0)).collect();
    let mut written = Vec::new();
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_500_000_000);
    for i in 0..files {
        let dir = ["logs", "hr", "exports", "misc/deep"][i % 4];
        let person = &people[rng.below(people.len() as u64) as usize];
        let (name, body) = match i % 5 {
            0 => (
                format!("{dir}/clients-{i}.csv"),
                format!(
                    "id,iin,email,note\n1,{person},user{i}@mail.kz,ok\n2,{},x{i}@example.org,{}\n",
                    people[(i + 1) % people.len()],
                    values::phone(&mut rng)
                ),
            ),
            1 => (
                format!("{dir}/app-{i}.log"),
                format!(
                    "2024-01-0{} login client={person} phone={}\npaid with {}\n",
                    1 + i % 9,
                    values::phone(&mut rng),
                    values::card(&mut rng)
                ),
            ),
            2 => (
                format!("{dir}/notes-{i}.txt"),
                format!("ИИН {person}, тел. {}\n", values::phone(&mut rng)),
            ),
            3 => (
                format!("{dir}/bank-{i}.txt"),
                format!("IBAN KZ86125KZT5004100100 client {person}\n"),
            ),
            _ => (format!("{dir}/empty-{i}.txt"), "nothing here\n".to_string()),
        };
        let path = root.join(&name);
        write(&path, &body);
        if i % 3 == 0 {
            fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|f| f.set_modified(old))
                .unwrap();
        }
        written.push(name);
    }
    let gz = root.join("logs/rotated.log.gz");
    write(
        &gz,
        common::gzip(format!("rotated {} {}\n", people[0], people[3]).as_bytes()),
    );
    written.push("logs/rotated.log.gz".into());
    let zip = root.join("exports/backup.zip");
    write(
        &zip,
        common::zip(&[
            ("a.txt", format!("{}\n", people[5]).as_bytes()),
            ("b/c.csv", format!("iin\n{}\n", people[6]).as_bytes()),
        ]),
    );
    written.push("exports/backup.zip".into());
    write(
        &root.join("misc/blob.bin"),
        [0u8, 159, 146, 150, 0, 1, 2, 3],
    );
    written.push("misc/blob.bin".into());
    written.sort();
    written
}

fn scanned_keys(summary_findings: &[tizim::model::Finding]) -> Vec<(String, u64, u64, String)> {
    let mut keys: Vec<_> = summary_findings
        .iter()
        .map(|f| {
            (
                f.path.to_string(),
                f.line,
                f.column,
                f.category.id().to_string(),
            )
        })
        .collect();
    keys.sort();
    keys
}

fn library_scan(
    root: &Path,
    shard: Option<Shard>,
    engine: &Engine,
) -> (Vec<(String, u64, u64, String)>, tizim::model::Stats) {
    let collect = Collect::default();
    let opts = ScanOptions {
        shard,
        ..ScanOptions::default()
    };
    let summary = scan::run(&[root.to_path_buf()], &opts, engine, &collect);
    (scanned_keys(&collect.into_findings()), summary.stats)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// For any N, the shards' findings are disjoint and together are the
    /// whole scan's, and so are their counters (files, skips, bytes).
    #[test]
    fn shards_are_disjoint_and_their_union_is_the_scan(count in 1u32..=16, seed in any::<u64>()) {
        let dir = common::temp_dir("tizim-shards-");
        plant(dir.path(), seed, 24);
        let engine = Engine::builtin().unwrap();
        let (whole, whole_stats) = library_scan(dir.path(), None, &engine);
        prop_assert!(!whole.is_empty());
        let mut union = Vec::new();
        let mut files = 0;
        let mut skipped = 0;
        let mut bytes = 0;
        let mut owner: BTreeMap<String, u32> = BTreeMap::new();
        for index in 1..=count {
            let (part, stats) = library_scan(dir.path(), Some(Shard { index, count }), &engine);
            for (path, ..) in &part {
                let top = path.split('!').next().unwrap().to_string();
                let first = *owner.entry(top.clone()).or_insert(index);
                prop_assert_eq!(first, index, "{} is in shards {} and {}", top, first, index);
            }
            union.extend(part);
            files += stats.files_scanned;
            skipped += stats.skipped.values().sum::<u64>();
            bytes += stats.bytes_scanned;
        }
        union.sort();
        prop_assert_eq!(union, whole);
        prop_assert_eq!(files, whole_stats.files_scanned);
        prop_assert_eq!(skipped, whole_stats.skipped.values().sum::<u64>());
        prop_assert_eq!(bytes, whole_stats.bytes_scanned);
    }
}

/// `tizim` in `dir` with `args`; exit 0 or 1 (a gate verdict) expected.
fn run_ok(dir: &Path, args: &[&str]) -> String {
    let out = output(tizim(dir).args(args));
    assert!(
        out.code == 0 || out.code == 1,
        "tizim {args:?} exited {}: {}",
        out.code,
        out.stderr
    );
    out.stdout
}

/// The JSON report without what may differ between equal scans: timings.
fn without_timings(json: &str) -> Value {
    let mut doc: Value = serde_json::from_str(json).expect("a JSON report");
    doc["stats"]
        .as_object_mut()
        .expect("stats")
        .remove("elapsed_ms");
    doc
}

/// Text of the JSON report without timings, for a byte-for-byte comparison.
fn canonical(json: &str) -> String {
    let doc = without_timings(json);
    serde_json::to_string_pretty(&doc).unwrap()
}

fn write_list(path: &Path, files: &[String]) {
    fs::write(path, files.join("\n") + "\n").unwrap();
}

/// Merges `parts` (files under `dir`) as JSON against the policy.
fn merge_json(dir: &Path, parts: &[PathBuf]) -> String {
    let mut args: Vec<String> = vec!["merge".into(), "--format".into(), "json".into()];
    args.extend(["--policy".into(), "policy.toml".into()]);
    args.extend(parts.iter().map(|p| p.display().to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run_ok(dir, &refs)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Any split of a scan into parts, merged in any order, is the whole
    /// scan: findings, rows, distinct counts, people, minors, statuses
    /// (past-retention included), errors, notices and stats.
    #[test]
    fn merging_any_split_in_any_order_is_the_whole_scan(
        seed in any::<u64>(),
        assignment in prop::collection::vec(0usize..4, 40),
        order in Just((0..4).collect::<Vec<usize>>()).prop_shuffle(),
    ) {
        let dir = common::temp_dir("tizim-merge-");
        let files = plant(&dir.path().join("tree"), seed, 36);
        fs::write(dir.path().join("policy.toml"), POLICY).unwrap();
        let files: Vec<String> = files.iter().map(|f| format!("tree/{f}")).collect();
        write_list(&dir.path().join("all.txt"), &files);
        let whole = run_ok(
            dir.path(),
            &["scan", "--files-from", "all.txt", "--policy", "policy.toml", "--format", "json", "-q"],
        );
        let mut parts = Vec::new();
        for (k, &slot) in order.iter().enumerate() {
            let mine: Vec<String> = files
                .iter()
                .zip(assignment.iter().cycle())
                .filter(|(_, &a)| a == slot)
                .map(|(f, _)| f.clone())
                .collect();
            let list = dir.path().join(format!("list-{k}.txt"));
            write_list(&list, &mine);
            let part = dir.path().join(format!("part-{k}.ndjson"));
            let stdout = run_ok(
                dir.path(),
                &["scan", "--files-from", list.to_str().unwrap(), "--format", "partial", "-q"],
            );
            fs::write(&part, stdout).unwrap();
            parts.push(part);
        }
        let merged = merge_json(dir.path(), &parts);
        let doc = without_timings(&whole);
        prop_assert!(doc["subjects"]["people"].as_u64().unwrap() > 0);
        prop_assert!(doc["subjects"]["minors"].as_u64().unwrap() > 0);
        let statuses: Vec<&str> = doc["inventory"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["status"].as_str())
            .collect();
        for status in ["prohibited", "past-retention", "declared", "out-of-place", "undeclared"] {
            prop_assert!(statuses.contains(&status), "no {} row in the test tree", status);
        }
        prop_assert_eq!(canonical(&merged), canonical(&whole));
    }
}

#[test]
fn shards_of_a_directory_walk_merge_into_the_walk() {
    let dir = common::temp_dir("tizim-shard-walk-");
    plant(&dir.path().join("tree"), 7, 40);
    fs::write(dir.path().join("policy.toml"), POLICY).unwrap();
    let whole = run_ok(
        dir.path(),
        &[
            "scan",
            "tree",
            "--policy",
            "policy.toml",
            "--format",
            "json",
            "-q",
        ],
    );
    let mut parts = Vec::new();
    for i in 1..=3 {
        let part = dir.path().join(format!("parts/{i}.ndjson"));
        let shard = format!("{i}/3");
        let stdout = run_ok(
            dir.path(),
            &[
                "scan", "tree", "--shard", &shard, "--format", "partial", "-q",
            ],
        );
        assert!(stdout.contains("\"shard\":\"") && stdout.contains(&shard));
        write(&part, stdout);
        parts.push(part);
    }
    // A directory of parts, as the fleet script and the Spark job hand over.
    let merged = merge_json(dir.path(), &[dir.path().join("parts")]);
    assert_eq!(canonical(&merged), canonical(&whole));
    // Other formats come out of a merge as out of a scan.
    for format in ["csv", "markdown", "sarif"] {
        let scanned = run_ok(
            dir.path(),
            &[
                "scan",
                "tree",
                "--policy",
                "policy.toml",
                "--format",
                format,
                "-q",
            ],
        );
        let merged = run_ok(
            dir.path(),
            &[
                "merge",
                "parts",
                "--policy",
                "policy.toml",
                "--format",
                format,
                "-q",
            ],
        );
        // The summary line says how long the scan took; a merge, the slowest part.
        let untimed = |s: &str| -> String {
            s.lines()
                .filter(|l| !l.starts_with("- **Scan:**"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(untimed(&merged), untimed(&scanned), "--format {format}");
    }
}

#[test]
fn bad_parts_are_clear_errors() {
    let dir = common::temp_dir("tizim-bad-parts-");
    plant(&dir.path().join("tree"), 3, 10);
    let good = run_ok(dir.path(), &["scan", "tree", "--format", "partial", "-q"]);
    fs::write(dir.path().join("good.ndjson"), &good).unwrap();
    let lines: Vec<&str> = good.lines().collect();
    let truncated = lines[..lines.len() - 1].join("\n") + "\n";
    let cut_mid_line = &good[..good.len() / 2];
    let foreign = good.replacen("\"version\":1", "\"version\":99", 1);
    let altered = {
        let mut l = lines.clone();
        l.remove(1);
        l.join("\n") + "\n"
    };
    let other_key = output(
        tizim(dir.path())
            .args(["scan", "tree", "--format", "partial", "-q"])
            .env("TIZIM_FINGERPRINT_KEY", "another key entirely"),
    )
    .stdout;
    for (name, text, expect) in [
        ("truncated", truncated.as_str(), "truncated"),
        ("cut", cut_mid_line, "line"),
        ("foreign", foreign.as_str(), "version 99"),
        ("altered", altered.as_str(), "end record counts"),
        ("other-key", other_key.as_str(), "another fingerprint key"),
        ("garbage", "this is not a report\n", "not a partial report"),
        ("empty", "", "empty"),
    ] {
        let path = dir.path().join(format!("{name}.ndjson"));
        fs::write(&path, text).unwrap();
        let out = output(tizim(dir.path()).args([
            "merge",
            "good.ndjson",
            path.to_str().unwrap(),
            "--format",
            "json",
        ]));
        assert_eq!(out.code, 2, "{name}: exit {} ({})", out.code, out.stderr);
        assert!(
            out.stderr.contains(expect) && out.stderr.contains(&format!("{name}.ndjson")),
            "{name}: stderr does not say {expect:?} and name the part: {}",
            out.stderr
        );
        assert!(out.stdout.is_empty(), "{name}: a report was written anyway");
    }
}

#[test]
fn location_prefixes_keep_hosts_apart_and_policies_match_them() {
    let dir = common::temp_dir("tizim-prefix-");
    let mut rng = Rng(11);
    let iin = values::iin(&mut rng, false);
    for host in ["db1", "web2"] {
        write(
            &dir.path().join(host).join("hr/staff.txt"),
            format!("ИИН {iin}\n"),
        );
    }
    fs::write(
        dir.path().join("policy.toml"),
        "[[purpose]]\nid = \"payroll\"\ntitle = \"Payroll\"\ncategories = [\"iin\"]\nretention = \"5y\"\nlocations = [\"db1:*/**\"]\n",
    )
    .unwrap();
    let mut parts = Vec::new();
    for host in ["db1", "web2"] {
        let prefix = format!("{host}:");
        let stdout = run_ok(
            &dir.path().join(host),
            &[
                "scan",
                "hr",
                "--location-prefix",
                &prefix,
                "--format",
                "partial",
                "-q",
            ],
        );
        let part = dir.path().join(format!("{host}.ndjson"));
        fs::write(&part, stdout).unwrap();
        parts.push(part);
    }
    let merged: Value = serde_json::from_str(&merge_json(dir.path(), &parts)).unwrap();
    let rows: Vec<(String, String)> = merged["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["category"] == "iin")
        .map(|r| {
            (
                r["location"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("db1:hr/staff.txt".to_string(), "declared".to_string()),
            ("web2:hr/staff.txt".to_string(), "out-of-place".to_string()),
        ]
    );
    // One person on two hosts.
    assert_eq!(merged["subjects"]["people"], 1);
}

#[test]
fn standard_input_scans_like_the_file_it_names() {
    let dir = common::temp_dir("tizim-stdin-");
    let mut rng = Rng(5);
    let csv = format!(
        "id,iin,phone\n1,{},{}\n2,{},{}\n",
        values::iin(&mut rng, false),
        values::phone(&mut rng),
        values::iin(&mut rng, true),
        values::phone(&mut rng)
    );
    write(&dir.path().join("data/clients.csv"), &csv);
    write(
        &dir.path().join("data/clients.csv.gz"),
        common::gzip(csv.as_bytes()),
    );
    let file = run_ok(
        dir.path(),
        &["scan", "data/clients.csv", "--format", "ndjson", "-q"],
    );
    assert!(file.contains("\"field\":\"iin\""), "{file}");
    let mut cmd = tizim(dir.path());
    cmd.args([
        "scan",
        "-",
        "--stdin-name",
        "data/clients.csv",
        "--format",
        "ndjson",
        "-q",
    ])
    .write_stdin(csv.clone());
    let stdin = output(&mut cmd).stdout;
    // The same findings, but without a modification time (a stream has none).
    let strip = |s: &str| -> Vec<Value> {
        common::parse_ndjson(s)
            .into_iter()
            .map(|mut f| {
                f.as_object_mut().unwrap().remove("modified");
                f
            })
            .collect()
    };
    assert_eq!(strip(&stdin), strip(&file));
    // Compressed input is recognised by its content, and --stdin-modified dates it.
    let mut cmd = tizim(dir.path());
    cmd.args([
        "scan",
        "-",
        "--stdin-name",
        "data/clients.csv.gz",
        "--stdin-modified",
        "1500000000",
        "--format",
        "ndjson",
        "-q",
    ])
    .write_stdin(common::gzip(csv.as_bytes()));
    let gz = common::parse_ndjson(&output(&mut cmd).stdout);
    assert_eq!(gz.len(), strip(&file).len());
    assert!(gz
        .iter()
        .all(|f| f["modified"] == 1_500_000_000 && f["path"] == "data/clients.csv.gz"));
    // Two readers of one stdin are refused.
    let out = output(tizim(dir.path()).args(["scan", "-", "--files-from", "-"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[test]
fn the_fleet_script_merges_three_hosts() {
    let dir = common::temp_dir("tizim-fleet-");
    let mut rng = Rng(21);
    let shared_iin = values::iin(&mut rng, false);
    let mut hosts = String::from("# host paths\n");
    for host in ["alpha", "beta", "gamma"] {
        let root = dir.path().join("hosts").join(host);
        write(
            &root.join("var/log/app.log"),
            format!("client {shared_iin} {}\n", values::phone(&mut rng)),
        );
        hosts.push_str(&format!("{host} {}\n", root.join("var").display()));
    }
    hosts.push_str("broken /nonexistent\n");
    fs::write(dir.path().join("hosts.txt"), hosts).unwrap();
    // "ssh HOST CMD…" runs CMD here, as if on HOST; the host named broken is down.
    let ssh = dir.path().join("fake-ssh");
    fs::write(
        &ssh,
        "#!/bin/sh\nhost=$1; shift\n[ \"$host\" = broken ] && { echo 'ssh: connect to host broken: Connection refused' >&2; exit 255; }\nexec \"$@\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&ssh, fs::Permissions::from_mode(0o755)).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/fleet/fleet.sh");
    let mut cmd = std::process::Command::new("bash");
    common::isolate(&mut cmd);
    let out = cmd
        .arg(&script)
        .arg("hosts.txt")
        .arg("out")
        .args(["--", "--format", "json", "-o", "fleet.json"])
        .current_dir(dir.path())
        .env("SSH", &ssh)
        .env("TIZIM_REMOTE", common::tizim_bin())
        .env("TIZIM_LOCAL", common::tizim_bin())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The down host is reported and makes the run fail; the others are merged.
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("1 host(s) failed") && stderr.contains("broken"),
        "{stderr}"
    );
    let report: Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("fleet.json")).unwrap()).unwrap();
    let mut locations: Vec<String> = report["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["category"] == "iin")
        .map(|r| r["location"].as_str().unwrap().to_string())
        .collect();
    locations.sort();
    assert_eq!(locations.len(), 3, "{locations:?}");
    for (location, host) in locations.iter().zip(["alpha", "beta", "gamma"]) {
        assert!(
            location.starts_with(&format!("{host}:")) && location.ends_with("log/app.log"),
            "{location}"
        );
    }
    assert_eq!(report["subjects"]["people"], 1);
}

/// The Spark job in local[2] mode, on a corpus of thousands of files, both
/// ways of handing data to tizim. Needs pyspark and Java; with CI set it
/// must run (`.ci/run` installs them).
#[test]
fn the_spark_job_equals_the_single_process_scan() {
    let have_spark = std::process::Command::new("python3")
        .args(["-c", "import pyspark"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_spark {
        common::ci::skip("pyspark is not installed (pip install pyspark; .ci/run does)");
        return;
    }
    let dir = common::temp_dir("tizim-spark-");
    let corpus = dir.path().join("corpus");
    plant(&corpus, 99, 3000);
    // Bytes mode starts one tizim a file: a smaller tree keeps it quick.
    let small = dir.path().join("small");
    plant(&small, 98, 120);
    fs::write(dir.path().join("policy.toml"), POLICY).unwrap();
    let corpus_arg = corpus.display().to_string();
    let whole = run_ok(
        dir.path(),
        &[
            "scan",
            &corpus_arg,
            "--policy",
            "policy.toml",
            "--format",
            "json",
            "-q",
        ],
    );
    let job = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/spark/tizim_spark.py");
    for (mode, inputs) in [("paths", corpus.clone()), ("bytes", small.clone())] {
        let report = dir.path().join(format!("spark-{mode}.json"));
        let mut cmd = std::process::Command::new("python3");
        common::isolate(&mut cmd);
        let out = cmd
            .arg(&job)
            .args(["--master", "local[2]", "--partitions", "4", "--mode", mode])
            .arg("--tizim")
            .arg(common::tizim_bin())
            .args(["--policy", "policy.toml", "--format", "json", "-o"])
            .arg(&report)
            .arg(&inputs)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.code().is_some_and(|c| c == 0 || c == 1),
            "spark job ({mode}) failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let merged = fs::read_to_string(&report).unwrap();
        let expected = if mode == "paths" {
            whole.clone()
        } else {
            let hr = inputs.display().to_string();
            run_ok(
                dir.path(),
                &[
                    "scan",
                    &hr,
                    "--policy",
                    "policy.toml",
                    "--format",
                    "json",
                    "-q",
                ],
            )
        };
        assert_eq!(canonical(&merged), canonical(&expected), "--mode {mode}");
    }
}
