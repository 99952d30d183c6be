//! Shared by the integration tests, in the spirit of ripgrep's test
//! utilities: the `tizim` command, kept apart from the machine's own
//! settings; a scan run and what it printed, parsed (NDJSON lines, the
//! `--format json` document); temp trees and archives to scan
//! ([`tree`]); and runs with a deadline and a peak-memory reading
//! ([`monitored`]).
//!
//! Each test crate compiles this module whole and uses part of it.
#![allow(dead_code)]

pub mod ci;
mod monitored;
mod tree;
pub mod values;

// Re-exported for the test crates; each uses some.
#[allow(unused_imports)]
pub use monitored::{run_tizim, run_tizim_env, Outcome};
#[allow(unused_imports)]
pub use tree::*;

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

/// How long one command may run before it fails the test as a hang.
/// Generous: a debug build on a busy machine.
pub const DEADLINE: Duration = Duration::from_secs(120);

/// The README's figure ("Limits"): a 2 GiB log or a 200 MB single-line file
/// is scanned in under this much peak resident memory (tests/memory.rs
/// checks that the README says so, and the 2 GiB log; tests/hostile.rs the
/// 200 MB line).
pub const FILE_MEMORY_MIB: u64 = 32;

pub fn tizim_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tizim"))
}

/// An empty directory for `$HOME` and `$XDG_CONFIG_HOME`, so that no
/// `~/.gitconfig` or global gitignore of the machine running the tests
/// changes what is scanned, and tizim's installation fingerprint key is
/// created here (`tizim/fingerprint.key`), never in the user's own config
/// directory. Nothing else writes into it.
pub fn empty_home() -> &'static Path {
    static HOME: OnceLock<PathBuf> = OnceLock::new();
    HOME.get_or_init(|| {
        let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("empty-home");
        std::fs::create_dir_all(&home).expect("create the test home");
        home
    })
}

/// Keeps the machine's own git and tizim settings out of a command (tizim
/// or git): an empty home, no system git config, no inherited repository,
/// no fingerprint key from the caller's shell.
pub fn isolate(cmd: &mut std::process::Command) {
    cmd.env("HOME", empty_home())
        .env("XDG_CONFIG_HOME", empty_home())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("TIZIM_FINGERPRINT_KEY")
        .env_remove("TIZIM_FINGERPRINT_KEY_FILE");
}

/// `tizim` run in `dir`, [isolated](isolate), killed after [`DEADLINE`].
pub fn tizim(dir: &Path) -> Command {
    let mut std_cmd = std::process::Command::new(tizim_bin());
    isolate(&mut std_cmd);
    std_cmd.current_dir(dir);
    let mut cmd = Command::from_std(std_cmd);
    cmd.timeout(DEADLINE);
    cmd
}

/// What one run printed, and how it exited.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cmd` to its end. Fails the test if it was killed (by the
/// [`DEADLINE`] or a signal) or printed anything but UTF-8.
pub fn output(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("tizim runs");
    let stderr = String::from_utf8(out.stderr).expect("stderr is UTF-8");
    let code = out.status.code().unwrap_or_else(|| {
        panic!(
            "tizim did not exit by itself ({}; killed after {DEADLINE:?}?):\n{stderr}",
            out.status
        )
    });
    Output {
        code,
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr,
    }
}

impl Output {
    /// The scan ended on its own terms: 0 (nothing fails the gate) or 1.
    pub fn assert_scanned(&self) -> &Self {
        assert!(
            matches!(self.code, 0 | 1),
            "exit code {} (0 or 1 expected):\n{}",
            self.code,
            self.stderr
        );
        self
    }
}

/// A finished `--format ndjson` run.
#[derive(Debug)]
pub struct Ndjson {
    pub code: i32,
    /// One finding a line, in output order.
    pub findings: Vec<Value>,
    pub stderr: String,
}

/// Runs `cmd`, which prints NDJSON, and parses every line.
pub fn ndjson(cmd: &mut Command) -> Ndjson {
    let out = output(cmd);
    Ndjson {
        code: out.code,
        findings: parse_ndjson(&out.stdout),
        stderr: out.stderr,
    }
}

/// `tizim scan --format ndjson ARGS` in `dir`.
pub fn scan_ndjson(dir: &Path, args: &[&str]) -> Ndjson {
    ndjson(tizim(dir).args(["scan", "--format", "ndjson"]).args(args))
}

/// Every line a JSON value: a line that is not fails the test.
pub fn parse_ndjson(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("NDJSON line is not JSON ({e}): {l}"))
        })
        .collect()
}

/// A finished `--format json` run.
pub struct Json {
    pub code: i32,
    pub report: Report,
    pub stderr: String,
}

/// Runs `cmd`, which prints the `--format json` document, and parses it.
pub fn json(cmd: &mut Command) -> Json {
    let out = output(cmd);
    let report = Report::parse(out.stdout.as_bytes())
        .unwrap_or_else(|e| panic!("{e}\nstderr:\n{}", out.stderr));
    Json {
        code: out.code,
        report,
        stderr: out.stderr,
    }
}

/// `tizim scan --format json ARGS` in `dir`.
pub fn scan_json(dir: &Path, args: &[&str]) -> Json {
    json(tizim(dir).args(["scan", "--format", "json"]).args(args))
}

/// A `--format json` report (README, "JSON report").
pub struct Report(pub Value);

impl Report {
    /// One JSON document with at least `findings`, `errors` and `stats`.
    pub fn parse(stdout: &[u8]) -> Result<Report, String> {
        let doc: Value = serde_json::from_slice(stdout).map_err(|e| {
            format!(
                "--format json must print one JSON document ({e}); stdout starts {:?}",
                String::from_utf8_lossy(&stdout[..stdout.len().min(300)])
            )
        })?;
        for key in ["findings", "errors", "stats"] {
            if doc.get(key).is_none() {
                return Err(format!(
                    "the JSON report has no {key:?} (keys: {:?})",
                    doc.as_object()
                        .map(|o| o.keys().cloned().collect::<Vec<_>>())
                ));
            }
        }
        Ok(Report(doc))
    }

    pub fn stats(&self) -> &Value {
        &self.0["stats"]
    }

    /// A counter of `stats` (`files_scanned`, `errors`, …); fails the test
    /// when it is missing.
    pub fn stat(&self, key: &str) -> u64 {
        self.stats()[key]
            .as_u64()
            .unwrap_or_else(|| panic!("stats.{key} is not a count: {}", self.stats()))
    }

    /// `stats.skipped[reason]`.
    pub fn skipped(&self, reason: &str) -> u64 {
        self.stats()["skipped"][reason].as_u64().unwrap_or(0)
    }

    pub fn skipped_total(&self) -> u64 {
        self.stats()["skipped"]
            .as_object()
            .map_or(0, |m| m.values().filter_map(Value::as_u64).sum())
    }

    pub fn files_scanned(&self) -> u64 {
        self.stats()["files_scanned"].as_u64().unwrap_or(0)
    }

    /// The `errors` list, as (path, message).
    pub fn errors(&self) -> Vec<(String, String)> {
        self.0["errors"]
            .as_array()
            .expect("errors is a list")
            .iter()
            .map(|e| {
                (
                    e["path"].as_str().unwrap_or_default().to_string(),
                    e["message"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    /// The `notices` list (limits hit, members not opened, fallbacks).
    pub fn notices(&self) -> Vec<Value> {
        self.0["notices"].as_array().cloned().unwrap_or_default()
    }

    pub fn findings(&self) -> &Vec<Value> {
        self.0["findings"].as_array().expect("findings is a list")
    }

    /// (path, line) of the findings of `category`.
    pub fn located(&self, category: &str) -> Vec<(String, u64)> {
        self.findings()
            .iter()
            .filter(|f| f["category"] == category)
            .map(|f| {
                (
                    f["path"].as_str().unwrap_or_default().to_string(),
                    f["line"].as_u64().unwrap_or(0),
                )
            })
            .collect()
    }

    /// (path, line, column) of the findings of `category`, sorted.
    pub fn positions(&self, category: &str) -> Vec<(String, u64, u64)> {
        let mut found: Vec<(String, u64, u64)> = self
            .findings()
            .iter()
            .filter(|f| f["category"] == category)
            .map(|f| {
                (
                    f["path"].as_str().expect("path").to_string(),
                    f["line"].as_u64().expect("line"),
                    f["column"].as_u64().expect("column"),
                )
            })
            .collect();
        found.sort();
        found
    }

    /// Everything the report says was skipped, cut off or failed: the
    /// skip counters, the errors and any notices, as one text to search.
    pub fn skip_and_error_text(&self) -> String {
        format!(
            "{} {} {}",
            self.stats()["skipped"],
            self.0["errors"],
            self.0.get("notices").cloned().unwrap_or(Value::Null)
        )
    }
}

/// A file or directory under the repository's `fixtures/`.
pub fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(relative)
}
