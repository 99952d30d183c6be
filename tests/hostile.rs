//! Hostile inputs: bombs, deep nesting, huge lines, broken encodings, special
//! files, files that change under the scanner, path traversal in archives.
//!
//! For each case the real binary runs with a deadline (a hang fails the
//! test) and its peak memory is sampled from /proc. Every case asserts:
//! the scan finishes; no panic and no signal; exit code 0 or 1; memory stays
//! under [`MEMORY_LIMIT_MIB`]; the report says what was skipped or failed
//! and why; and a canary file next to the hostile one is still found, so
//! one bad file never aborts the scan.

mod common;

use common::{gzip, run_tizim, zip64, Outcome, Report};
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Peak RSS allowed for any hostile scan. The sources issue sets 128 MiB
/// for a 100 MB corpus and 256 MiB for a 2 GiB single file; hostile inputs
/// get the larger of the two.
const MEMORY_LIMIT_MIB: u64 = 256;
const DEADLINE: Duration = Duration::from_secs(120);

/// Size of the single-line file. 200 MB by default, as in the issue;
/// `TIZIM_HOSTILE_LINE_MB` makes it smaller on a slow machine (refused in CI).
fn single_line_mb() -> u64 {
    common::ci::knob("TIZIM_HOSTILE_LINE_MB")
        .and_then(|s| s.parse().ok())
        .unwrap_or(200)
}

fn tree() -> tempfile::TempDir {
    common::temp_dir("tizim-hostile-")
}

/// A small file with one e-mail address in it, next to each hostile input:
/// finding it proves the scan went on past the hostile file.
fn canary(dir: &Path, name: &str) -> String {
    let address = format!("canary.{}@mail.kz", name.replace(['.', '/'], "-"));
    fs::write(
        dir.join(format!("{name}-canary.log")),
        format!("2024-03-01 10:00:00 INFO contact {address}\n"),
    )
    .expect("write canary");
    format!("{name}-canary.log")
}

fn scan_json(dir: &Path, extra: &[&str]) -> (Outcome, Report) {
    let mut args = vec!["scan", "--format", "json", "--no-ignore", "--hidden"];
    args.extend_from_slice(extra);
    args.push(".");
    let out = run_tizim(&args, dir, DEADLINE);
    out.assert_survived();
    out.assert_rss_below_mib(MEMORY_LIMIT_MIB);
    let report = out.report();
    (out, report)
}

fn assert_found(report: &Report, path_suffix: &str, line: u64) {
    let emails = report.located("email");
    assert!(
        emails
            .iter()
            .any(|(p, l)| p.ends_with(path_suffix) && *l == line),
        "no e-mail finding at {path_suffix}:{line}; e-mail findings: {emails:?}"
    );
}

/// Writes `total` bytes of `pattern` repeated, calling `plant` at every
/// `every` bytes to splice in a value. Returns the number of plants.
fn write_repeated(
    path: &Path,
    pattern: &[u8],
    total: u64,
    every: u64,
    plant: impl Fn(u64) -> Vec<u8>,
) -> u64 {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path).expect("create"));
    let mut written = 0u64;
    let mut next_plant = every;
    let mut planted = 0;
    while written < total {
        if written >= next_plant {
            let p = plant(planted);
            w.write_all(&p).unwrap();
            written += p.len() as u64;
            planted += 1;
            next_plant += every;
            continue;
        }
        w.write_all(pattern).unwrap();
        written += pattern.len() as u64;
    }
    w.flush().unwrap();
    planted
}

// ---------------------------------------------------------------- bombs

#[test]
fn zip_bomb_is_cut_off_and_reported() {
    let dir = tree();
    let canary = canary(dir.path(), "zip-bomb");
    // 256 MiB of one letter deflates about 1000:1, far past the 200:1 default.
    let mut z = zip::ZipWriter::new(File::create(dir.path().join("bomb.zip")).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    z.start_file("bomb.txt", opts).unwrap();
    let block = vec![b'a'; 1 << 20];
    for _ in 0..256 {
        z.write_all(&block).unwrap();
    }
    // A member after the bomb is still read: the bomb is cut off alone.
    z.start_file("after.txt", opts).unwrap();
    z.write_all(b"header\nafter the bomb: ivan.after@mail.kz\n")
        .unwrap();
    z.finish().unwrap();

    let (_, report) = scan_json(dir.path(), &[]);
    assert!(
        report.skipped("ratio_limit") + report.skipped("size_limit") >= 1,
        "the bomb is not reported as cut off: {}",
        report.skip_and_error_text()
    );
    assert!(
        report
            .located("email")
            .iter()
            .any(|(p, l)| p.ends_with("bomb.zip!after.txt") && *l == 2),
        "the member after the bomb was not scanned: {}",
        report.skip_and_error_text()
    );
    assert_found(&report, &canary, 1);

    // The size limit alone stops it too, when the ratio limit is lifted;
    // that one is the whole file's, so the member after may be left out
    // (and then is reported as such).
    let (_, report) = scan_json(
        dir.path(),
        &["--max-ratio", "100000000", "--max-decompressed", "16M"],
    );
    assert!(
        report.skipped("size_limit") >= 1,
        "--max-decompressed 16M did not cut off 256 MiB: {}",
        report.skip_and_error_text()
    );
    assert_found_or_reported(&report, "bomb.zip", "after.txt", 2);
}

/// A member after a bomb is either scanned, or the archive carries a
/// notice with the limit's reason saying members were left unscanned (the
/// whole file's decompression allowance may be spent by the bomb): never
/// dropped in silence.
fn assert_found_or_reported(report: &Report, archive: &str, member: &str, line: u64) {
    let path = format!("{archive}!{member}");
    let found = report
        .located("email")
        .iter()
        .any(|(p, l)| p.ends_with(&path) && *l == line);
    let reported = report.notices().iter().any(|n| {
        n["path"].as_str().is_some_and(|p| p.ends_with(archive))
            && n["reason"].as_str().is_some_and(|r| r.ends_with("_limit"))
            && n["message"]
                .as_str()
                .is_some_and(|m| m.contains("not scanned"))
    });
    assert!(
        found || reported,
        "{path} neither scanned nor reported as left out: {}",
        report.skip_and_error_text()
    );
}

#[test]
fn gzip_bomb_is_cut_off_and_reported() {
    let dir = tree();
    let canary = canary(dir.path(), "gzip-bomb");
    let mut gz = flate2::write::GzEncoder::new(
        File::create(dir.path().join("huge.log.gz")).unwrap(),
        flate2::Compression::default(),
    );
    let block = vec![b'z'; 1 << 20];
    for _ in 0..512 {
        gz.write_all(&block).unwrap();
    }
    gz.finish().unwrap();

    let (_, report) = scan_json(dir.path(), &[]);
    assert!(
        report.skipped("ratio_limit") + report.skipped("size_limit") >= 1,
        "512 MiB from a ~500 KB gzip is not reported as cut off: {}",
        report.skip_and_error_text()
    );
    assert_found(&report, &canary, 1);
}

/// 42.zip-style: each level holds 16 copies of the level below, so 4096
/// leaves of 1 MiB (4 GiB) fit in a few tens of kilobytes, within the
/// default nesting depth. Per-member limits must not add up to a scan that
/// takes forever.
#[test]
fn fan_out_zip_bomb_finishes() {
    let dir = tree();
    let canary = canary(dir.path(), "fan-out");
    let leaf = vec![b'q'; 1 << 20];
    let names = |prefix: &str, ext: &str| -> Vec<String> {
        (0..16).map(|i| format!("{prefix}-{i:02}.{ext}")).collect()
    };
    let mut level = leaf;
    let mut ext = "txt";
    for depth in 1..=3 {
        let n = names(&format!("l{depth}"), ext);
        let members: Vec<(&str, &[u8])> =
            n.iter().map(|s| (s.as_str(), level.as_slice())).collect();
        level = zip64(&members);
        ext = "zip";
    }
    fs::write(dir.path().join("fanout.zip"), &level).unwrap();

    let (_, report) = scan_json(dir.path(), &[]);
    assert!(
        report.skipped("ratio_limit") + report.skipped("size_limit") >= 1,
        "4 GiB inside {} bytes not reported as cut off: {}",
        level.len(),
        report.skip_and_error_text()
    );
    assert_found(&report, &canary, 1);
}

#[test]
fn zip_nested_ten_deep_stops_at_the_depth_limit() {
    let dir = tree();
    let canary = canary(dir.path(), "nested");
    let mut bytes = zip64(&[(
        "secret.txt",
        b"line one\nline two\ncontact deep.inside@mail.kz\n",
    )]);
    let mut chain = vec!["secret.txt".to_string()];
    for level in 1..=9 {
        let name = format!("level-{level}.zip");
        bytes = zip64(&[(name.as_str(), bytes.as_slice())]);
        chain.push(name);
    }
    fs::write(dir.path().join("nest.zip"), &bytes).unwrap();
    chain.push("nest.zip".to_string());
    chain.reverse();
    let member_path = chain.join("!");

    // Default depth (4): cut off, reported, nothing from below the limit.
    let (_, report) = scan_json(dir.path(), &[]);
    assert!(
        report.skipped("depth_limit") >= 1,
        "ten nested zips are not reported at the depth limit: {}",
        report.skip_and_error_text()
    );
    assert!(
        !report
            .located("email")
            .iter()
            .any(|(p, _)| p.contains("secret.txt")),
        "a member below the depth limit was scanned"
    );
    assert_found(&report, &canary, 1);

    // Allowed deep enough, the innermost member is read, its path chained.
    let (_, report) = scan_json(dir.path(), &["--max-archive-depth", "12"]);
    assert_found(&report, &member_path, 3);
}

// ------------------------------------------------------- huge and odd text

/// 200 MB with no newline at all, an e-mail address every 8 MiB: every one
/// found exactly once, all on line 1, under the README's figure
/// ([`common::FILE_MEMORY_MIB`]).
#[test]
fn single_line_of_200_mb_in_bounded_memory() {
    let dir = tree();
    let canary = canary(dir.path(), "long-line");
    let total = single_line_mb() * 1_000_000;
    let planted = write_repeated(
        &dir.path().join("one-line.txt"),
        b"lorem ipsum dolor sit amet 2024 order 5521 status ok; ",
        total,
        8 << 20,
        |i| format!(" user{i}.longline@mail.kz ").into_bytes(),
    );
    let out = run_tizim(
        ["scan", "--format", "ndjson", "--no-ignore", "."],
        dir.path(),
        Duration::from_secs(600),
    );
    out.assert_survived();
    // The README's figure, not the looser one for bombs.
    out.assert_rss_below_mib(common::FILE_MEMORY_MIB);
    let findings = out.findings();
    let path_ends = |f: &serde_json::Value, suffix: &str| {
        f["path"].as_str().is_some_and(|p| p.ends_with(suffix))
    };
    let in_line: Vec<_> = findings
        .iter()
        .filter(|f| path_ends(f, "one-line.txt"))
        .collect();
    assert_eq!(
        in_line.len() as u64,
        planted,
        "expected each of the {planted} planted addresses once"
    );
    for f in &in_line {
        assert_eq!(
            f["line"], 1,
            "a finding in a file without newlines not on line 1: {f}"
        );
    }
    assert!(findings.iter().any(|f| path_ends(f, &canary)));
}

#[test]
fn invalid_utf8_is_decoded_not_fatal() {
    let dir = tree();
    let canary = canary(dir.path(), "bad-utf8");
    let mut bytes = b"valid \xc3\xa9 start\n".to_vec();
    bytes.extend_from_slice(b"broken \xc3\x28 \xa0\xa1 \xf0\x28\x8c\xbc \xff\xfe\xfd\n");
    bytes.extend_from_slice(b"then ivan.utf@mail.kz on line three\n");
    bytes.extend_from_slice(b"and a cut-off char at the end \xe2\x82");
    fs::write(dir.path().join("broken.log"), &bytes).unwrap();

    let (_, report) = scan_json(dir.path(), &[]);
    assert_found(&report, "broken.log", 3);
    assert_found(&report, &canary, 1);
}

#[test]
fn truncated_utf16_is_decoded_not_fatal() {
    let dir = tree();
    let canary = canary(dir.path(), "utf16");
    let text = "Отчёт\r\nконтакт ivan.utf16@mail.kz\r\nконец";
    let mut le = vec![0xff, 0xfe];
    le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    // A lone high surrogate, then half a code unit: cut off mid-character.
    le.extend_from_slice(&0xd800u16.to_le_bytes());
    le.push(b'A');
    fs::write(dir.path().join("export-le.txt"), &le).unwrap();
    let mut be = vec![0xfe, 0xff];
    be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    be.push(0x04);
    fs::write(dir.path().join("export-be.txt"), &be).unwrap();

    let (_, report) = scan_json(dir.path(), &[]);
    assert_found(&report, "export-le.txt", 2);
    assert_found(&report, "export-be.txt", 2);
    assert_found(&report, &canary, 1);
}

#[test]
fn zero_byte_files_of_every_kind() {
    let dir = tree();
    let canary = canary(dir.path(), "empty");
    let names = [
        "empty.txt",
        "empty.log.gz",
        "empty.bz2",
        "empty.xz",
        "empty.zst",
        "empty.zip",
        "empty.tar",
        "empty.tar.gz",
        "empty.sql",
        "empty.csv",
        "empty.json",
        "empty.ndjson",
    ];
    for n in names {
        File::create(dir.path().join(n)).unwrap();
    }
    let (out, report) = scan_json(dir.path(), &[]);
    assert_eq!(
        report.findings().len(),
        1,
        "only the canary may be found: {:?}",
        report.findings()
    );
    assert_found(&report, &canary, 1);
    assert_eq!(out.code, Some(1), "the canary is a finding: exit code 1");
    // Every file is accounted for: scanned, skipped or reported as an error.
    let accounted = report.files_scanned() + report.skipped_total() + report.errors().len() as u64;
    assert!(
        accounted > names.len() as u64,
        "{accounted} of {} files accounted for (stats {})",
        names.len() + 1,
        report.stats()
    );
}

#[test]
fn file_of_nothing_but_digits() {
    let dir = tree();
    let canary = canary(dir.path(), "digits");
    // 20 MB of pseudo-random digits, one run: no value may be cut out of
    // it (a match must not touch digits), and no quadratic backtracking.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut digits = Vec::with_capacity(20_000_000);
    while digits.len() < 20_000_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        digits.push(b'0' + (state % 10) as u8);
    }
    fs::write(dir.path().join("digits.txt"), &digits).unwrap();

    let (_, report) = scan_json(dir.path(), &[]);
    let from_digits: Vec<_> = report
        .findings()
        .iter()
        .filter(|f| f["path"].as_str().unwrap_or("").ends_with("digits.txt"))
        .collect();
    assert!(
        from_digits.is_empty(),
        "values cut out of a digit run: {from_digits:?}"
    );
    assert_found(&report, &canary, 1);
}

// ------------------------------------------------------------ structure

#[test]
fn deeply_nested_json_does_not_overflow_the_stack() {
    let dir = tree();
    let canary = canary(dir.path(), "deep-json");
    let depth = 1_000_000;
    let mut doc = Vec::with_capacity(depth * 2 + 64);
    doc.extend_from_slice(&vec![b'['; depth]);
    doc.extend_from_slice(br#"{"email":"deep.json@mail.kz"}"#);
    doc.extend_from_slice(&vec![b']'; depth]);
    fs::write(dir.path().join("deep.json"), &doc).unwrap();

    let (_, report) = scan_json(dir.path(), &[]);
    assert_found(&report, "deep.json", 1);
    assert_found(&report, &canary, 1);
}

/// A quote opened and never closed: a CSV reader would take the rest of the
/// file as one field. Nothing may be lost and memory must stay bounded.
#[test]
fn csv_with_an_unclosed_quote() {
    let dir = tree();
    let canary = canary(dir.path(), "csv-quote");
    let path = dir.path().join("clients.csv");
    let mut w = BufWriter::new(File::create(&path).unwrap());
    writeln!(w, "id;name;email").unwrap();
    writeln!(w, "1;\"Unclosed quote starts here;x@y").unwrap();
    let mut planted = 0;
    for row in 2..1_000_000u64 {
        if row % 50_000 == 0 {
            writeln!(w, "{row};Row {row};row{row}.csv@mail.kz").unwrap();
            planted += 1;
        } else {
            writeln!(w, "{row};Some filler text for row {row};n/a").unwrap();
        }
    }
    w.flush().unwrap();
    drop(w);

    let (_, report) = scan_json(dir.path(), &[]);
    let found = report
        .located("email")
        .iter()
        .filter(|(p, _)| p.ends_with("clients.csv"))
        .count();
    assert_eq!(found, planted, "addresses lost after the unclosed quote");
    assert_found(&report, &canary, 1);
}

// --------------------------------------------------------- special files

#[test]
fn symlink_loop_is_reported_not_followed_forever() {
    let dir = tree();
    let canary = canary(dir.path(), "loop");
    let sub = dir.path().join("a/b");
    fs::create_dir_all(&sub).unwrap();
    std::os::unix::fs::symlink("../..", sub.join("up")).unwrap();
    std::os::unix::fs::symlink("self", dir.path().join("self")).unwrap();
    fs::write(sub.join("data.log"), "x\nmail loop.data@mail.kz\n").unwrap();

    for follow in [false, true] {
        let extra: &[&str] = if follow { &["--follow"] } else { &[] };
        let (_, report) = scan_json(dir.path(), extra);
        let hits = report
            .located("email")
            .into_iter()
            .filter(|(p, _)| p.ends_with("data.log"))
            .count();
        assert_eq!(hits, 1, "data.log found {hits} times (follow: {follow})");
        assert_found(&report, &canary, 1);
        if follow {
            let text = report.skip_and_error_text();
            assert!(
                report.skipped("symlink_loop") >= 1 || text.to_lowercase().contains("loop"),
                "a followed symlink loop is not reported: {text}"
            );
        }
    }
}

#[test]
fn dangling_symlink_is_reported() {
    let dir = tree();
    let canary = canary(dir.path(), "dangling");
    std::os::unix::fs::symlink("/nonexistent/tizim/target", dir.path().join("gone.log")).unwrap();
    for follow in [false, true] {
        let extra: &[&str] = if follow { &["--follow"] } else { &[] };
        let (_, report) = scan_json(dir.path(), extra);
        assert_found(&report, &canary, 1);
        if follow {
            assert!(
                report.errors().iter().any(|(p, _)| p.contains("gone.log"))
                    || report.skipped_total() >= 1,
                "a dangling symlink followed is neither an error nor a skip: {}",
                report.skip_and_error_text()
            );
        }
    }
    // Named directly on the command line.
    let out = run_tizim(
        ["scan", "--format", "json", "gone.log", &canary],
        dir.path(),
        DEADLINE,
    );
    out.assert_survived();
    let report = out.report();
    assert_found(&report, &canary, 1);
    assert!(
        report.errors().iter().any(|(p, _)| p.contains("gone.log")) || report.skipped_total() >= 1,
        "a dangling symlink named as an argument is not reported: {}",
        report.skip_and_error_text()
    );
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: valid NUL-terminated path.
    let r = unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
    assert_eq!(r, 0, "mkfifo: {}", std::io::Error::last_os_error());
}

/// Opening a FIFO for reading blocks until a writer comes: a scanner that
/// opens it hangs. It must be skipped as a special file, whether found by
/// the walk or named on the command line; so must a device.
#[test]
fn fifo_and_device_are_skipped_not_read() {
    let dir = tree();
    let canary = canary(dir.path(), "fifo");
    mkfifo(&dir.path().join("pipe.log"));

    let (_, report) = scan_json(dir.path(), &[]);
    assert!(
        report.skipped("special") >= 1,
        "the FIFO is not counted as a skipped special file: {}",
        report.skip_and_error_text()
    );
    assert_found(&report, &canary, 1);

    let out = run_tizim(
        ["scan", "--format", "json", "pipe.log", "/dev/zero", &canary],
        dir.path(),
        Duration::from_secs(30),
    );
    out.assert_survived();
    let report = out.report();
    assert!(
        report.skipped("special") >= 2,
        "a FIFO and /dev/zero named as arguments are not both skipped: {}",
        report.skip_and_error_text()
    );
    assert_found(&report, &canary, 1);
}

/// Files deleted or truncated while the scan runs. The race is real (a
/// thread rewrites them as fast as it can while tizim reads), so which
/// files are hit differs between runs; what must hold does not: no panic,
/// no SIGBUS from a shrunk memory map, exit code 0 or 1.
#[test]
fn files_that_vanish_or_shrink_during_the_scan() {
    let dir = tree();
    let data = dir.path().join("data");
    fs::create_dir(&data).unwrap();
    let files: Vec<PathBuf> = (0..400)
        .map(|i| data.join(format!("f{i:03}.log")))
        .collect();
    let body = {
        let mut b = "filler line without values, just text and 123 numbers\n".repeat(4000);
        b.push_str("tail ivan.vanish@mail.kz\n");
        b
    };
    for f in &files {
        fs::write(f, &body).unwrap();
    }
    let stop = Arc::new(AtomicBool::new(false));
    let vandal = {
        let stop = stop.clone();
        let files = files.clone();
        std::thread::spawn(move || {
            let mut round = 0u64;
            while !stop.load(Ordering::Relaxed) {
                for (i, f) in files.iter().enumerate() {
                    match (i as u64 + round) % 4 {
                        0 => {
                            let _ = fs::remove_file(f);
                        }
                        1 => {
                            let _ = File::options()
                                .write(true)
                                .open(f)
                                .and_then(|h| h.set_len(7));
                        }
                        2 => {
                            let _ = File::options()
                                .write(true)
                                .open(f)
                                .and_then(|h| h.set_len(0));
                        }
                        _ => {
                            let _ = fs::write(f, &body);
                        }
                    }
                }
                round += 1;
            }
        })
    };
    let outcome = run_tizim(
        ["scan", "--format", "json", "-j", "2", "--no-ignore", "data"],
        dir.path(),
        DEADLINE,
    );
    stop.store(true, Ordering::Relaxed);
    vandal.join().unwrap();
    outcome.assert_survived();
    outcome.assert_rss_below_mib(MEMORY_LIMIT_MIB);
    let report = outcome.report();
    assert!(report.stats().is_object());

    // The deterministic half: paths listed and gone before they are read
    // are each reported as an error; the rest of the list is scanned.
    let list_dir = tree();
    let canary = canary(list_dir.path(), "vanished");
    let missing: Vec<String> = (0..5)
        .map(|i| format!("{}/vanished-{i}.log", list_dir.path().display()))
        .collect();
    let mut list = missing.join("\n");
    list.push('\n');
    list.push_str(&format!("{}\n", list_dir.path().join(&canary).display()));
    fs::write(list_dir.path().join("list.txt"), list).unwrap();
    let out = run_tizim(
        ["scan", "--format", "json", "--files-from", "list.txt"],
        list_dir.path(),
        DEADLINE,
    );
    out.assert_survived();
    let report = out.report();
    assert_found(&report, &canary, 1);
    let errors = report.errors();
    for m in &missing {
        assert!(
            errors
                .iter()
                .any(|(p, _)| p.contains(m.rsplit('/').next().unwrap())),
            "missing file {m} not reported; errors: {errors:?}"
        );
    }
}

// ------------------------------------------------------- path traversal

/// Everything under `root`: path → (size, mtime), symlinks not followed.
fn snapshot(root: &Path) -> std::collections::BTreeMap<PathBuf, (u64, i64)> {
    use std::os::unix::fs::MetadataExt;
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let md = fs::symlink_metadata(e.path()).unwrap();
            if md.is_dir() {
                stack.push(e.path());
            }
            out.insert(e.path(), (md.len(), md.mtime()));
        }
    }
    out
}

/// A tar member with any name, as a malicious archive has it. The tar
/// crate refuses to write `..` and absolute names through its checked
/// setters, so the name goes straight into the header bytes.
fn raw_tar_member(
    b: &mut tar::Builder<Vec<u8>>,
    name: &str,
    kind: tar::EntryType,
    link: &str,
    data: &[u8],
) {
    let mut h = tar::Header::new_ustar();
    let old = h.as_old_mut();
    old.name[..name.len()].copy_from_slice(name.as_bytes());
    old.linkname[..link.len()].copy_from_slice(link.as_bytes());
    h.set_entry_type(kind);
    h.set_mode(0o644);
    h.set_size(data.len() as u64);
    h.set_mtime(1_700_000_000);
    h.set_cksum();
    b.append(&h, data).unwrap();
}

#[test]
fn archive_members_with_absolute_and_dotdot_paths_are_never_written() {
    let dir = tree();
    let work = dir.path().join("work");
    fs::create_dir(&work).unwrap();
    let canary = canary(&work, "traversal");
    let tag = format!("tizim-escape-{}-{}", std::process::id(), rand_tag());
    let abs_dir = std::env::temp_dir().join(&tag);
    let abs_file = format!("{}/abs.txt", abs_dir.display());
    let link_target = std::env::temp_dir().join(format!("{tag}-via-link"));
    let escapes = [
        abs_file.clone(),
        format!("../{tag}-up.txt"),
        format!("a/../../../{tag}-deep.txt"),
        "./ok/normal.txt".to_string(),
    ];
    let mut b = tar::Builder::new(Vec::new());
    for (i, name) in escapes.iter().enumerate() {
        let body = format!("member {i}\ncontact member{i}.tar@mail.kz\n");
        raw_tar_member(&mut b, name, tar::EntryType::Regular, "", body.as_bytes());
    }
    // A symlink member, then a file written "through" it, then a hard link
    // to a system file: an extractor would write outside or read /etc.
    let link_str = link_target.display().to_string();
    raw_tar_member(&mut b, "link", tar::EntryType::Symlink, &link_str, b"");
    raw_tar_member(
        &mut b,
        "link",
        tar::EntryType::Regular,
        "",
        b"x\nvia.link@mail.kz\n",
    );
    raw_tar_member(&mut b, "shadow", tar::EntryType::Link, "/etc/shadow", b"");
    let tar_bytes = b.into_inner().unwrap();
    fs::write(work.join("evil.tar"), &tar_bytes).unwrap();
    fs::write(work.join("evil.tar.gz"), gzip(&tar_bytes)).unwrap();
    // The same names in a zip.
    let zip_members: Vec<(String, Vec<u8>)> = escapes
        .iter()
        .map(|n| (format!("{n}.zipped"), b"x\nzip.member@mail.kz\n".to_vec()))
        .collect();
    let zip_refs: Vec<(&str, &[u8])> = zip_members
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    fs::write(work.join("evil.zip"), zip64(&zip_refs)).unwrap();

    let before = snapshot(dir.path());
    let tmp_before = fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(&tag))
        .count();
    assert_eq!(tmp_before, 0);

    let (_, report) = scan_json(&work, &[]);

    assert_eq!(before, snapshot(dir.path()), "files appeared or changed");
    assert!(!abs_dir.exists(), "{} was created", abs_dir.display());
    assert!(
        !link_target.exists(),
        "{} was created",
        link_target.display()
    );
    let leaked: Vec<_> = fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().contains(&tag))
        .collect();
    assert!(leaked.is_empty(), "written outside the tree: {leaked:?}");
    for root in ["/", "/etc", "/root"] {
        let hit: Vec<_> = fs::read_dir(root)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(&tag))
            .collect();
        assert!(hit.is_empty(), "written under {root}: {hit:?}");
    }
    // Each member was read in memory, under its archive's name: the four
    // regular members and the one behind the symlink.
    for archive in ["evil.tar!", "evil.tar.gz!", "evil.zip!"] {
        let n = report
            .located("email")
            .iter()
            .filter(|(p, _)| p.contains(archive))
            .count();
        let expected = if archive == "evil.zip!" { 4 } else { 5 };
        assert_eq!(n, expected, "findings from {archive} members");
    }
    assert_found(&report, &canary, 1);
}

fn rand_tag() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// Log rotation and parallel gzip (pigz, bgzip) write gzip files of several
/// members; a reader that stops after the first loses the rest.
#[test]
fn multi_member_gzip_is_read_to_the_end() {
    let dir = tree();
    let mut file = Vec::new();
    for part in [
        "first part\n",
        "second part\n",
        "third part: tail.gzip@mail.kz\n",
    ] {
        file.extend(gzip(part.as_bytes()));
    }
    fs::write(dir.path().join("rotated.log.gz"), &file).unwrap();
    let (_, report) = scan_json(dir.path(), &[]);
    assert_found(&report, "rotated.log.gz", 3);
}
