//! Sources end to end: the `tizim` binary on trees built in temp dirs.
//! Compressed files, archives (nested, bombs, hostile names), encodings,
//! special files, symlink loops, chunk boundaries, a 50 MB single line,
//! walking flags and read errors. Every test checks the findings (path,
//! line, column) and what the `--format json` report counts in `stats`
//! (files scanned, skipped by reason, errors) and lists in `errors` and
//! `notices`.
//!
//! Planted values are e-mail addresses: every detector engine finds those,
//! and only the `email` category is looked at, so other detectors finding
//! more in the same text do not disturb the assertions.

mod common;

use common::{bzip2, gzip, json, output, tar, tizim, write, xz, zip, Report};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// What one `--format json` scan reported.
struct Scan {
    /// E-mail findings as (path, line, column), sorted.
    emails: Vec<(String, u64, u64)>,
    report: Report,
    stderr: String,
}

impl Scan {
    fn of(report: Report, stderr: String) -> Scan {
        // Every error counted in `stats` is listed, and the other way round.
        assert_eq!(
            report.stat("errors"),
            report.errors().len() as u64,
            "stats.errors and the errors list disagree: {}",
            report.skip_and_error_text()
        );
        Scan {
            emails: report.positions("email"),
            report,
            stderr,
        }
    }

    /// `stats.skipped[reason]`.
    fn skipped(&self, reason: &str) -> u64 {
        self.report.skipped(reason)
    }

    /// `stats.skipped`: every reason with a count above zero.
    fn skipped_reasons(&self) -> BTreeMap<String, u64> {
        self.report.stats()["skipped"]
            .as_object()
            .expect("stats.skipped is an object")
            .iter()
            .map(|(reason, n)| (reason.clone(), n.as_u64().expect("a count")))
            .collect()
    }

    fn files_scanned(&self) -> u64 {
        self.report.stat("files_scanned")
    }

    fn errors(&self) -> u64 {
        self.report.stat("errors")
    }

    /// Paths of the `errors` list, sorted.
    fn error_paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = self.report.errors().into_iter().map(|(p, _)| p).collect();
        paths.sort();
        paths
    }

    /// Fails unless `notices` has one for `path` with `reason` whose
    /// message contains `text`.
    fn assert_notice(&self, path: &str, reason: &str, text: &str) {
        let notices = self.report.notices();
        assert!(
            notices.iter().any(|n| n["path"] == path
                && n["reason"] == reason
                && n["message"].as_str().is_some_and(|m| m.contains(text))),
            "no {reason} notice {text:?} for {path} in {notices:#?}"
        );
    }

    /// E-mail findings, raw.
    fn email_findings(&self) -> Vec<&Value> {
        self.report
            .findings()
            .iter()
            .filter(|f| f["category"] == "email")
            .collect()
    }

    fn paths(&self) -> Vec<&str> {
        self.emails.iter().map(|(p, _, _)| p.as_str()).collect()
    }
}

fn scan(dir: &Path, args: &[&str]) -> Scan {
    scan_with_stdin(dir, args, None)
}

fn scan_with_stdin(dir: &Path, args: &[&str], stdin: Option<&str>) -> Scan {
    let mut cmd = tizim(dir);
    cmd.args(["scan", "--format", "json"]).args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let run = json(&mut cmd);
    assert!(
        matches!(run.code, 0 | 1),
        "exit {}\n{}",
        run.code,
        run.stderr
    );
    Scan::of(run.report, run.stderr)
}

/// The peak memory tizim itself reports at the end of its summary line on
/// Linux (`…; peak memory 7.04 MiB`), in bytes.
fn summary_peak_memory(stderr: &str) -> Option<u64> {
    let summary = stderr
        .lines()
        .find_map(|l| l.strip_prefix("tizim: scanned "))?;
    summary
        .split("; peak memory ")
        .nth(1)
        .map(parse_human_bytes)
}

/// `7.04 MiB` → bytes.
fn parse_human_bytes(s: &str) -> u64 {
    let (number, unit) = s.trim().split_once(' ').unwrap();
    let scale = match unit {
        "B" => 1.0,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        other => panic!("unit {other}"),
    };
    (number.parse::<f64>().unwrap() * scale) as u64
}

/// Compares long lists and shows only the first difference.
fn assert_same(actual: &[(String, u64, u64)], expected: &[(String, u64, u64)]) {
    if let Some(i) =
        (0..actual.len().max(expected.len())).find(|&i| actual.get(i) != expected.get(i))
    {
        panic!(
            "{} found, {} expected; first difference at #{i}: found {:?}, expected {:?}",
            actual.len(),
            expected.len(),
            actual.get(i),
            expected.get(i)
        );
    }
}

const LOG: &[u8] =
    b"2024-01-01 start\n2024-01-01 user login\n2024-01-02 contact anna@example.kz ok\n";

#[test]
fn compressed_streams_keep_their_own_path_and_lines() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(&d.join("app.log.gz"), gzip(LOG));
    write(&d.join("app.log.bz2"), bzip2(LOG));
    write(&d.join("app.log.xz"), xz(LOG));
    write(&d.join("app.log.zst"), zstd::encode_all(LOG, 3).unwrap());
    // Magic bytes, not the name: a gzip called .txt is still decompressed.
    write(&d.join("misnamed.txt"), gzip(LOG));
    // Two gzip members back to back (`cat a.gz b.gz`) are one stream.
    let mut two = gzip(b"first\n");
    two.extend(gzip(b"second bob@example.kz\n"));
    write(&d.join("concat.gz"), two);

    let s = scan(d, &["."]);
    assert_eq!(
        s.emails,
        vec![
            ("./app.log.bz2".into(), 3, 20),
            ("./app.log.gz".into(), 3, 20),
            ("./app.log.xz".into(), 3, 20),
            ("./app.log.zst".into(), 3, 20),
            ("./concat.gz".into(), 2, 8),
            ("./misnamed.txt".into(), 3, 20),
        ]
    );
    assert_eq!(s.files_scanned(), 6);
    assert!(s.skipped_reasons().is_empty(), "{:?}", s.skipped_reasons());
    assert_eq!(s.errors(), 0);
}

#[test]
fn archives_name_members_outer_inner_and_chain_nested_ones() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let logs_tgz = gzip(&tar(&[
        ("app.log", LOG, 1_600_000_000),
        ("empty/", b"", 1_600_000_000),
    ]));
    let backup = zip(&[
        ("2023/logs.tar.gz", &logs_tgz),
        (
            "2023/readme.txt",
            b"no personal data\nwrite to ops@example.kz\n",
        ),
    ]);
    write(&d.join("backup.zip"), &backup);
    write(
        &d.join("plain.tar"),
        tar(&[("a/b.txt", b"id,email\n1,c@example.kz\n", 1_500_000_000)]),
    );
    write(&d.join("logs.tgz"), &logs_tgz);

    let s = scan(d, &["."]);
    assert_eq!(
        s.emails,
        vec![
            ("./backup.zip!2023/logs.tar.gz!app.log".into(), 3, 20),
            ("./backup.zip!2023/readme.txt".into(), 2, 10),
            ("./logs.tgz!app.log".into(), 3, 20),
            ("./plain.tar!a/b.txt".into(), 2, 3),
        ]
    );
    // Members carry their own mtime (retention checks rely on it).
    let modified = |path: &str| {
        s.email_findings()
            .into_iter()
            .find(|f| f["path"] == path)
            .map(|f| f["modified"].as_i64().unwrap())
            .unwrap()
    };
    assert_eq!(modified("./logs.tgz!app.log"), 1_600_000_000);
    assert_eq!(modified("./plain.tar!a/b.txt"), 1_500_000_000);
    assert_eq!(
        modified("./backup.zip!2023/readme.txt"),
        common::ZIP_MEMBER_MTIME
    );
    assert_eq!(s.files_scanned(), 4);
    assert_eq!(s.errors(), 0);
    assert!(s.skipped_reasons().is_empty(), "{:?}", s.skipped_reasons());
}

#[test]
fn nesting_deeper_than_the_limit_is_reported_not_opened() {
    let dir = tempfile::tempdir().unwrap();
    // level0.zip holds level0.txt and level1.zip, which holds level1.txt …
    let mut inner = zip(&[("level9.txt", b"x9@example.kz\n")]);
    for level in (0..9).rev() {
        let text = format!("x{level}@example.kz\n");
        inner = zip(&[
            (&format!("level{level}.txt"), text.as_bytes()),
            (&format!("level{}.zip", level + 1), &inner),
        ]);
    }
    write(&dir.path().join("deep.zip"), &inner);

    let s = scan(dir.path(), &["deep.zip"]);
    // Four archives are opened (the default depth), the fifth is not.
    assert_eq!(
        s.paths(),
        vec![
            "deep.zip!level0.txt",
            "deep.zip!level1.zip!level1.txt",
            "deep.zip!level1.zip!level2.zip!level2.txt",
            "deep.zip!level1.zip!level2.zip!level3.zip!level3.txt",
        ]
    );
    assert_eq!(s.skipped("depth_limit"), 1);
    s.assert_notice(
        "deep.zip!level1.zip!level2.zip!level3.zip!level4.zip",
        "depth_limit",
        "archive nested deeper than 4",
    );
    assert!(s.stderr.contains(
        "deep.zip!level1.zip!level2.zip!level3.zip!level4.zip: archive nested deeper than 4"
    ));

    let s = scan(dir.path(), &["deep.zip", "--max-archive-depth", "1"]);
    assert_eq!(s.paths(), vec!["deep.zip!level0.txt"]);
    assert_eq!(s.skipped("depth_limit"), 1);
    s.assert_notice(
        "deep.zip!level1.zip",
        "depth_limit",
        "archive nested deeper than 1",
    );
}

#[test]
fn zip_and_gzip_bombs_are_cut_off_with_a_reason_and_keep_what_came_first() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 64 MiB of blank lines compresses about 1000:1.
    let mut bomb = b"victim@example.kz\n".to_vec();
    bomb.resize(64 << 20, b'\n');
    bomb.extend_from_slice(b"after@example.kz\n");
    write(
        &d.join("bomb.zip"),
        zip(&[("blank.txt", &bomb), ("ok.txt", b"z@example.kz\n")]),
    );
    write(&d.join("bomb.gz"), gzip(&bomb));

    let s = scan(d, &["."]);
    assert_eq!(
        s.emails,
        vec![
            ("./bomb.gz".into(), 1, 1),
            ("./bomb.zip!blank.txt".into(), 1, 1),
            // The bomb member is cut off alone: the member after it is read.
            ("./bomb.zip!ok.txt".into(), 1, 1)
        ]
    );
    // One cut per file: the bomb member, and the gzip stream.
    assert_eq!(s.skipped("ratio_limit"), 2, "{}", s.stderr);
    s.assert_notice(
        "./bomb.zip!blank.txt",
        "ratio_limit",
        "compression ratio above 200:1",
    );
    s.assert_notice("./bomb.gz", "ratio_limit", "compression ratio above 200:1");
    assert!(s
        .stderr
        .contains("./bomb.zip!blank.txt: compression ratio above 200:1"));
    assert!(!s.stderr.contains("remaining members not scanned"));

    // Three bombs in one archive: the whole file is given up, and what was
    // left is reported, not dropped.
    let many = d.join("many");
    write(
        &many.join("bombs.zip"),
        zip(&[
            ("b1.txt", &bomb),
            ("b2.txt", &bomb),
            ("b3.txt", &bomb),
            ("ok.txt", b"z@example.kz\n"),
        ]),
    );
    let m = scan(&many, &["."]);
    assert_eq!(m.skipped("ratio_limit"), 4, "{}", m.stderr);
    m.assert_notice(
        "./bombs.zip",
        "ratio_limit",
        "decompression limit for this file reached; 1 remaining members not scanned",
    );
    assert!(!m.emails.iter().any(|(p, _, _)| p.ends_with("ok.txt")));
    assert!(s
        .stderr
        .contains("./bomb.gz: compression ratio above 200:1"));
    assert_eq!(s.errors(), 0);

    // A size limit cuts at the limit, whatever the ratio.
    let small = dir.path().join("small");
    let mut text = b"first@example.kz\n".to_vec();
    for i in 0..200_000u32 {
        text.extend_from_slice(format!("line {i} {}\n", i.wrapping_mul(2_654_435_761)).as_bytes());
    }
    text.extend_from_slice(b"late@example.kz\n");
    write(&small.join("big.log.gz"), gzip(&text));
    let s = scan(&small, &["--max-decompressed", "1M", "."]);
    assert_eq!(s.emails, vec![("./big.log.gz".into(), 1, 1)]);
    assert_eq!(s.skipped("size_limit"), 1);
    s.assert_notice(
        "./big.log.gz",
        "size_limit",
        "decompressed size limit (1 MiB) reached",
    );
    assert!(s.stderr.contains("decompressed size limit (1 MiB) reached"));
}

#[test]
fn hostile_tar_member_names_are_only_names() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("scan");
    let mut out = Vec::new();
    for (name, data) in [
        ("../../escape.txt", &b"up@example.kz\n"[..]),
        ("/etc/abs.txt", b"abs@example.kz\n"),
    ] {
        // tar::Builder refuses such names, so the header is written by hand.
        let mut h = tar::Header::new_old();
        h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    write(&d.join("evil.tar"), &out);

    let s = scan(&d, &["evil.tar"]);
    assert_eq!(
        s.paths(),
        vec!["evil.tar!../../escape.txt", "evil.tar!/etc/abs.txt"]
    );
    assert!(!dir.path().join("escape.txt").exists());
    assert_eq!(
        fs::read_dir(&d).unwrap().count(),
        1,
        "nothing written next to the scanned file"
    );
}

#[test]
fn utf16_and_cp1251_are_decoded_with_lines_of_the_decoded_text() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = "ФИО\tПочта\r\nИванов Иван\tivan@example.kz\r\n";
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    write(&d.join("bom-le.txt"), [&[0xFF, 0xFE][..], &le].concat());
    write(&d.join("bom-be.txt"), [&[0xFE, 0xFF][..], &be].concat());
    // Excel "Unicode text" without a BOM: NULs at every other byte.
    write(&d.join("excel.txt"), &le);
    let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(text);
    write(&d.join("1c.txt"), &cp1251);
    // Cyrillic in UTF-8 first, then cp1251 bytes: the file stays UTF-8 and
    // the bad bytes become U+FFFD; the address is still found.
    let mut mixed = "Иванов\n".as_bytes().to_vec();
    mixed.extend_from_slice(&cp1251);
    write(&d.join("mixed.txt"), &mixed);

    let s = scan(d, &["."]);
    // Column 13 = "Иванов Иван\t" + 1, counted in characters: only right
    // when the Cyrillic was decoded as characters, not bytes.
    assert_eq!(
        s.emails,
        vec![
            ("./1c.txt".into(), 2, 13),
            ("./bom-be.txt".into(), 2, 13),
            ("./bom-le.txt".into(), 2, 13),
            ("./excel.txt".into(), 2, 13),
            ("./mixed.txt".into(), 3, 13),
        ]
    );
    assert_eq!(s.files_scanned(), 5);
    assert!(s.skipped_reasons().is_empty(), "{:?}", s.skipped_reasons());
}

#[test]
fn encoding_flag_overrides_detection() {
    let dir = tempfile::tempdir().unwrap();
    // Mostly Cyrillic UTF-16LE without a BOM: too few NULs to pass for
    // UTF-16, so detection calls it binary; --encoding says otherwise.
    let text = format!("{}\nmail: olga@example.kz\n", "Казахстан ".repeat(40));
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    write(&dir.path().join("export.txt"), &le);

    let s = scan(dir.path(), &["export.txt"]);
    assert!(s.emails.is_empty());
    assert_eq!(s.skipped("binary"), 1);
    assert_eq!(s.files_scanned(), 0);

    let s = scan(dir.path(), &["--encoding", "utf-16le", "export.txt"]);
    assert_eq!(s.emails, vec![("export.txt".into(), 2, 7)]);
    assert_eq!(s.skipped("binary"), 0);

    let out = output(tizim(dir.path()).args(["scan", "--encoding", "klingon", "export.txt"]));
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("unknown encoding \"klingon\""));
}

#[test]
fn binary_files_are_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec();
    elf.extend_from_slice(b"hidden@example.kz\n");
    write(&dir.path().join("prog"), &elf);
    write(&dir.path().join("zero"), b"");
    let s = scan(dir.path(), &["."]);
    assert!(s.emails.is_empty());
    assert_eq!(s.skipped("binary"), 1);
    // The empty file is text with nothing in it.
    assert_eq!(s.files_scanned(), 1);
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_reported_not_followed_forever() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(&d.join("tree/a.txt"), b"loop@example.kz\n");
    std::os::unix::fs::symlink(".", d.join("tree/again")).unwrap();
    std::os::unix::fs::symlink("self", d.join("tree/self")).unwrap();

    // Without --follow links are not entered at all.
    let s = scan(d, &["tree"]);
    assert_eq!(s.paths(), vec!["tree/a.txt"]);
    assert!(s.skipped_reasons().is_empty(), "{:?}", s.skipped_reasons());

    let s = scan(d, &["--follow", "tree"]);
    // tree/again leads back to tree, tree/self to itself.
    assert_eq!(s.skipped("symlink_loop"), 2, "{}", s.stderr);
    s.assert_notice("tree/again", "symlink_loop", "symbolic link loop");
    s.assert_notice("tree/self", "symlink_loop", "symbolic link loop");
    assert!(
        s.stderr.contains("tizim: tree/again: symbolic link loop"),
        "{}",
        s.stderr
    );
    assert!(
        s.stderr.contains("tizim: tree/self: symbolic link loop"),
        "{}",
        s.stderr
    );
    assert_eq!(s.paths(), vec!["tree/a.txt"]);
}

#[cfg(unix)]
#[test]
fn fifos_are_skipped_without_opening_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(&d.join("a.txt"), b"f@example.kz\n");
    let fifo = std::ffi::CString::new(d.join("pipe").as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);

    // Opening the FIFO for reading would block forever: the deadline of
    // `common::tizim` turns that into a failure.
    let s = scan(d, &["."]);
    assert_eq!(s.paths(), vec!["./a.txt"]);
    assert_eq!(s.skipped("special"), 1);
    // Named explicitly, it is still not opened.
    let s = scan(d, &["pipe", "a.txt"]);
    assert_eq!(s.skipped("special"), 1);
    assert_eq!(s.files_scanned(), 1);
}

#[test]
fn values_straddling_chunk_boundaries_are_found_once_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    // 1000 short lines, then one 1.1 MB line dense with addresses: every
    // segment boundary falls inside an address or close to one, whatever
    // the read sizes.
    let mut text = String::new();
    for i in 0..1000 {
        text.push_str(&format!("filler line {i}\n"));
    }
    let mut expected = Vec::new();
    let mut column = 1u64;
    let mut n = 0u32;
    while column < 1_100_000 {
        let value = format!("u{n:06}@example.kz ");
        expected.push(("dense.txt".to_string(), 1001, column));
        column += value.len() as u64;
        text.push_str(&value);
        n += 1;
    }
    text.push_str("\nlast@example.kz\n");
    expected.push(("dense.txt".to_string(), 1002, 1));
    write(&dir.path().join("dense.txt"), &text);

    let s = scan(dir.path(), &["dense.txt"]);
    assert_same(&s.emails, &expected);
}

#[test]
fn fifty_megabyte_single_line_is_scanned_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let size = 50 << 20;
    let mut text = Vec::with_capacity(size + 64);
    let mut expected = Vec::new();
    let mut k = 0;
    while text.len() < size {
        // An address every ~7 MiB, at offsets that are not round numbers.
        if text.len() >= k * 7_340_033 {
            let value = format!("big{k}@example.kz ");
            expected.push(("one-line.txt".to_string(), 1, text.len() as u64 + 1));
            text.extend_from_slice(value.as_bytes());
            k += 1;
        }
        text.extend_from_slice(b"abcdefgh ");
    }
    write(&dir.path().join("one-line.txt"), &text);
    drop(text);

    // Through the monitored runner: its peak-memory reading (VmHWM sampled
    // from /proc) does not take tizim's word for it.
    let out = common::run_tizim(
        ["scan", "--format", "json", "one-line.txt"],
        dir.path(),
        common::DEADLINE,
    );
    out.assert_survived();
    let s = Scan::of(out.report(), out.stderr.clone());
    assert_same(&s.emails, &expected);
    assert_eq!(s.files_scanned(), 1);

    // Peak memory under half the file, so the file was never held whole:
    // as measured from outside, and as tizim reports it itself.
    out.assert_rss_below_mib((size as u64 >> 20) / 2);
    let reported = summary_peak_memory(&s.stderr).expect("peak memory in the summary on Linux");
    assert!(
        reported < (size as u64) / 2,
        "peak RSS {reported} bytes reported by tizim"
    );
}

#[test]
fn broken_inputs_are_reported_and_counted_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A truncated gzip: what was decompressed before the cut is kept.
    let mut text = b"early@example.kz\n".to_vec();
    for i in 0..50_000u32 {
        text.extend_from_slice(format!("{i} {}\n", i.wrapping_mul(2_654_435_761)).as_bytes());
    }
    let gz = gzip(&text);
    write(&d.join("cut.log.gz"), &gz[..gz.len() / 2]);
    // A corrupt zip: the magic, then garbage.
    write(
        &d.join("broken.zip"),
        b"PK\x03\x04 this is not a zip archive at all",
    );
    // A zip with one damaged member and one good one.
    // bad.txt's CRC in the central directory is wrong: its data reads to
    // the end, then fails the check.
    let mut partly = zip(&[
        ("bad.txt", &[b'x'; 4096]),
        ("good.txt", b"good@example.kz\n"),
    ]);
    let central = partly.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    partly[central + 16] ^= 0xFF;
    write(&d.join("partly.zip"), &partly);
    write(&d.join("fine.txt"), b"fine@example.kz\n");

    let s = scan(d, &[".", "missing.txt"]);
    assert_eq!(
        s.paths(),
        vec!["./cut.log.gz", "./fine.txt", "./partly.zip!good.txt"]
    );
    assert_eq!(s.errors(), 4, "{}", s.stderr);
    assert_eq!(
        s.error_paths(),
        [
            "./broken.zip",
            "./cut.log.gz",
            "./partly.zip!bad.txt",
            "missing.txt"
        ]
    );
    for path in [
        "./cut.log.gz:",
        "./broken.zip:",
        "./partly.zip!bad.txt:",
        "missing.txt:",
    ] {
        assert!(
            s.stderr.contains(&format!("tizim: {path}")),
            "{path} in\n{}",
            s.stderr
        );
    }
}

#[test]
fn walking_flags_ignore_hidden_globs_size_files_from_threads() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // An empty .git marks a work tree for the ignore rules; no git needed.
    fs::create_dir_all(d.join(".git")).unwrap();
    write(&d.join(".gitignore"), "ignored/\n");
    write(&d.join("ignored/a.log"), b"ign@example.kz\n");
    write(&d.join(".hidden/h.log"), b"hid@example.kz\n");
    write(&d.join("src/app.log"), b"app@example.kz\n");
    write(&d.join("src/data.csv"), b"csv@example.kz\n");
    let mut big = b"big@example.kz\n".to_vec();
    big.resize(200_000, b'\n');
    write(&d.join("src/big.txt"), &big);

    let s = scan(d, &["."]);
    assert_eq!(
        s.paths(),
        vec!["./src/app.log", "./src/big.txt", "./src/data.csv"]
    );

    let s = scan(d, &["--no-ignore", "--hidden", "."]);
    assert_eq!(
        s.paths(),
        vec![
            "./.hidden/h.log",
            "./ignored/a.log",
            "./src/app.log",
            "./src/big.txt",
            "./src/data.csv"
        ]
    );

    let s = scan(d, &["--glob", "*.log", "."]);
    assert_eq!(s.paths(), vec!["./src/app.log"]);
    let s = scan(d, &["--glob", "!*.log", "."]);
    assert_eq!(s.paths(), vec!["./src/big.txt", "./src/data.csv"]);

    let s = scan(d, &["--max-filesize", "100K", "."]);
    assert_eq!(s.paths(), vec!["./src/app.log", "./src/data.csv"]);
    assert_eq!(s.skipped("too_large"), 1);

    write(&d.join("list.txt"), "src/app.log\r\n\nignored/a.log\n");
    let s = scan(d, &["--files-from", "list.txt"]);
    assert_eq!(s.paths(), vec!["ignored/a.log", "src/app.log"]);
    let s = scan_with_stdin(d, &["--files-from", "-"], Some("src/data.csv\n"));
    assert_eq!(s.paths(), vec!["src/data.csv"]);

    let one = scan(d, &["-j", "1", "--no-ignore", "."]);
    let two = scan(d, &["-j", "2", "--no-ignore", "."]);
    assert_eq!(one.emails, two.emails);
    assert_eq!(one.emails.len(), 4);
}

#[cfg(target_os = "linux")]
#[test]
fn reading_leaves_access_times_alone() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.txt");
    write(&file, b"t@example.kz\n");
    // An access time older than the modification time: on relatime mounts
    // any plain read would update it.
    let c_path = std::ffi::CString::new(file.as_os_str().as_encoded_bytes()).unwrap();
    let times = [
        libc::timespec {
            tv_sec: 1_000_000,
            tv_nsec: 0,
        },
        libc::timespec {
            tv_sec: 0,
            tv_nsec: libc::UTIME_OMIT,
        },
    ];
    assert_eq!(
        unsafe { libc::utimensat(libc::AT_FDCWD, c_path.as_ptr(), times.as_ptr(), 0) },
        0
    );
    let before = fs::metadata(&file).unwrap();
    let s = scan(dir.path(), &["a.txt"]);
    assert_eq!(s.paths(), vec!["a.txt"]);
    let after = fs::metadata(&file).unwrap();
    assert_eq!(after.accessed().unwrap(), before.accessed().unwrap());
    assert_eq!(after.modified().unwrap(), before.modified().unwrap());
}
