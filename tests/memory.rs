//! The README's memory promises, with its figures in the tests: a 2 GiB log
//! is scanned under [`FILE_MEMORY_MIB`] of peak resident memory (the 200 MB
//! single line is held to the same figure in `tests/hostile.rs`), and NDJSON
//! memory stays flat while the number of findings grows tenfold.
//!
//! Peak memory is tizim's own VmHWM, read from /proc while it runs and by
//! tizim itself in its summary line (`common::monitored`).

mod common;

use common::{run_tizim, FILE_MEMORY_MIB};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Duration;

const README: &str = include_str!("../README.md");

/// The figures tested here are the ones the README states, word for word.
#[test]
fn readme_states_the_tested_figures() {
    let file = format!(
        "a 2 GiB log or a 200 MB single-line file is scanned in under {FILE_MEMORY_MIB} MiB"
    );
    assert!(
        README.contains(&file),
        "README.md must say {file:?} (tests/memory.rs)"
    );
    assert!(
        README.contains("memory does not grow with the number of\nfindings"),
        "README.md's NDJSON promise changed; update tests/memory.rs with it"
    );
}

/// 2 GiB of log lines (streamed to disk, never held), an e-mail address
/// every 64 MiB: all found, under the README's figure.
#[test]
fn two_gib_log_in_bounded_memory() {
    let dir = common::temp_dir("tizim-2gib-");
    let path = dir.path().join("app.log");
    let line = b"2024-03-01 10:00:00 INFO request handled status=200 bytes=5521 order=42\n";
    let total: u64 = 2 << 30;
    let every: u64 = 64 << 20;
    let mut w = BufWriter::with_capacity(1 << 20, File::create(&path).unwrap());
    let (mut written, mut planted) = (0u64, 0u64);
    while written < total {
        if written >= (planted + 1) * every {
            let plant = format!("2024-03-01 10:00:01 WARN user{planted}.biglog@mail.kz failed\n");
            w.write_all(plant.as_bytes()).unwrap();
            written += plant.len() as u64;
            planted += 1;
        } else {
            w.write_all(line).unwrap();
            written += line.len() as u64;
        }
    }
    w.flush().unwrap();
    drop(w);
    assert!(std::fs::metadata(&path).unwrap().len() >= total);

    let out = run_tizim(
        ["scan", "--format", "ndjson", "--fail-on", "none", "."],
        dir.path(),
        Duration::from_secs(900),
    );
    out.assert_survived();
    out.assert_rss_below_mib(FILE_MEMORY_MIB);
    let emails = out
        .findings()
        .iter()
        .filter(|f| f["category"] == "email")
        .count() as u64;
    assert_eq!(emails, planted, "each planted address found once");
}

/// `files` logs of `lines` lines each; every `every`-th line holds a
/// distinct e-mail address. Returns the number of addresses.
fn logs(dir: &Path, files: u64, lines: u64, every: u64) -> u64 {
    let mut n = 0;
    for f in 0..files {
        let mut w = BufWriter::new(File::create(dir.join(format!("app{f}.log"))).unwrap());
        for i in 0..lines {
            if i % every == 0 {
                writeln!(w, "2024-03-01 10:00:00 INFO login user{n}.flat@mail.kz ok").unwrap();
                n += 1;
            } else {
                writeln!(w, "2024-03-01 10:00:00 INFO heartbeat from node-17 is ok").unwrap();
            }
        }
        w.flush().unwrap();
    }
    n
}

/// Peak RSS (KiB) of `tizim scan --format FORMAT` over `dir`, which holds
/// `expected` e-mail addresses, all of which must be reported.
fn peak_of_scan(dir: &Path, format: &str, expected: u64) -> u64 {
    let out = run_tizim(
        [
            "scan",
            "--format",
            format,
            "--fail-on",
            "none",
            "-j",
            "2",
            ".",
        ],
        dir,
        Duration::from_secs(300),
    );
    out.assert_survived();
    let findings = if format == "ndjson" {
        out.findings()
    } else {
        out.report().findings().clone()
    };
    let found = findings.iter().filter(|f| f["category"] == "email").count() as u64;
    assert_eq!(found, expected, "--format {format}");
    assert!(out.max_rss_kib > 0, "no reading of tizim's peak memory");
    out.max_rss_kib
}

/// Whether `ten` (KiB) is within 8 MiB + 10 % of `one`: allocator and
/// thread-timing noise, far below what kept findings cost.
fn flat(one: u64, ten: u64) -> bool {
    ten <= one + one / 10 + 8 * 1024
}

/// The same bytes to scan, once with N findings and once with 10 N: the
/// NDJSON run's peak memory does not follow the findings. Control: the
/// JSON report, which must hold every finding to build its inventory, does
/// grow past the same allowance, so the measurement can tell.
#[test]
fn ndjson_memory_is_flat_while_findings_grow_tenfold() {
    let (files, lines) = (8, 40_000);
    let sparse = common::temp_dir("tizim-flat-1x-");
    let dense = common::temp_dir("tizim-flat-10x-");
    let few = logs(sparse.path(), files, lines, 10);
    let many = logs(dense.path(), files, lines, 1);
    assert_eq!(many, few * 10);
    let one = peak_of_scan(sparse.path(), "ndjson", few);
    let ten = peak_of_scan(dense.path(), "ndjson", many);
    assert!(
        flat(one, ten),
        "NDJSON peak RSS {one} KiB with {few} findings grew to {ten} KiB with {many}"
    );
    let one = peak_of_scan(sparse.path(), "json", few);
    let ten = peak_of_scan(dense.path(), "json", many);
    assert!(
        !flat(one, ten),
        "control: the JSON report's peak RSS ({one} KiB, then {ten} KiB) did not grow with \
         the findings, so this measurement cannot tell kept findings"
    );
}
