//! README promises about the command line that no other test holds:
//! `NO_COLOR`, allow globs written against masked paths, and CI's refusal
//! of the knobs that make tests check less.

mod common;

use common::{isolate, tizim_bin, tree_with};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// Runs `tizim scan --format table DIR` at a pseudo-terminal (util-linux
/// `script`), so that tizim sees a terminal on stdout; returns what the
/// terminal showed.
fn table_at_a_terminal(dir: &Path, no_color: Option<&str>) -> String {
    let command = format!(
        "{} scan --format table --fail-on none {}",
        tizim_bin().display(),
        dir.display()
    );
    let mut cmd = Command::new("script");
    isolate(&mut cmd);
    cmd.args(["-q", "-e", "-c", &command, "/dev/null"])
        .env("TERM", "xterm-256color")
        .env_remove("NO_COLOR");
    if let Some(value) = no_color {
        cmd.env("NO_COLOR", value);
    }
    let out = cmd
        .output()
        .expect("util-linux `script` runs (apt-get install bsdutils)");
    assert!(
        out.status.success(),
        "script -c tizim: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// An SGR (colour) escape sequence: ESC [ digits/semicolons m.
fn has_colour(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.windows(2).enumerate().any(|(i, w)| {
        w == b"\x1b["
            && bytes[i + 2..]
                .iter()
                .find(|b| !(b.is_ascii_digit() || **b == b';'))
                == Some(&b'm')
    })
}

#[test]
fn no_color_turns_colour_off_at_a_terminal() {
    let dir = tree_with(&[("app.log", "contact aigerim.nurlanova@mail.kz\n")]);
    let coloured = table_at_a_terminal(dir.path(), None);
    assert!(
        coloured.contains("app.log") && coloured.contains("email"),
        "the table shows no finding: {coloured}"
    );
    // Control: at a terminal, without NO_COLOR, the table is coloured.
    assert!(
        has_colour(&coloured),
        "no colour at a terminal: {coloured:?}"
    );
    let plain = table_at_a_terminal(dir.path(), Some("1"));
    assert!(!has_colour(&plain), "colour despite NO_COLOR=1: {plain:?}");
    assert!(plain.contains("email"), "{plain}");
}

#[test]
fn allow_globs_match_the_masked_path() {
    let dir = tree_with(&[
        (
            "hr/850315300128_resume.txt",
            "contact aigerim.nurlanova@mail.kz\n",
        ),
        ("hr/other.txt", "contact bolat.seitkali@inbox.kz\n"),
    ]);
    // The README's example: the IIN in the name is masked as **********28.
    std::fs::write(
        dir.path().join(".tizim.toml"),
        "[allow]\npaths = [\"hr/**********28_*\"]\n",
    )
    .unwrap();
    let r = common::scan_ndjson(dir.path(), &[]);
    let emails: Vec<&Value> = r
        .findings
        .iter()
        .filter(|f| f["category"] == "email")
        .collect();
    assert_eq!(emails.len(), 2, "{}", r.stderr);
    let resume = emails
        .iter()
        .find(|f| f["path"].as_str().unwrap().contains("_resume"))
        .expect("the finding in the resume");
    assert_eq!(resume["path"], "./hr/**********28_resume.txt");
    assert_eq!(resume["suppressed"], "allow.paths", "{resume}");
    let other = emails
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with("other.txt"))
        .unwrap();
    assert!(other.get("suppressed").is_none(), "{other}");
    assert_eq!(r.code, 1, "the unsuppressed finding still fails the gate");
}

/// Names of the environment variables read in `text`: Rust's
/// `env::var("X")` / `env::var_os("X")` / `ci::knob("X")`, and shell
/// `${X}`, `${X:-…}`, `${X-…}`, `${X:+…}` (not `${ARRAY[@]}`).
fn variables_read(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (opener, ends) in [
        ("var(\"", &["\""][..]),
        ("var_os(\"", &["\""]),
        ("knob(\"", &["\""]),
        ("${", &["}", ":", "-", "+", "="]),
    ] {
        for (at, _) in text.match_indices(opener) {
            let rest = &text[at + opener.len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            let ended = ends.iter().any(|e| rest[name.len()..].starts_with(e));
            if ended && name.len() > 1 && name.starts_with(|c: char| c.is_ascii_uppercase()) {
                names.push(name);
            }
        }
    }
    names
}

/// `.ci/run` exports `CI=true` and unsets every variable through which a
/// test, or a check CI runs, can be told to check less. Any variable the
/// tests and CI scripts read must be one of those unset, or be listed here
/// as harmless with the reason.
#[test]
fn ci_clears_every_knob_the_tests_read() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ci = std::fs::read_to_string(root.join(".ci/run")).unwrap();
    assert!(
        ci.contains("\nexport CI=true\n"),
        ".ci/run must export CI=true"
    );
    assert!(
        ci.contains("grep -E '^(TIZIM_|PROPTEST_)'"),
        ".ci/run must unset every TIZIM_* and PROPTEST_* variable"
    );
    let unset_explicitly: Vec<&str> = ci
        .lines()
        .filter_map(|l| l.trim().strip_prefix("unset "))
        .flat_map(str::split_whitespace)
        .collect();
    // Read, but they cannot make a test check less.
    let harmless = [
        ("CI", "the switch that forbids skips"),
        ("PATH", "where programs are found"),
        ("HOME", "set per test"),
        ("CARGO_TARGET_DIR", "where the build goes"),
        ("CARGO_MANIFEST_DIR", "set by cargo"),
        ("CARGO_TERM_COLOR", "cargo's output"),
        ("CORPUS", "scripts/bench.sh only, not run by CI"),
        ("BIG_MIB", "scripts/bench.sh only, not run by CI"),
        ("STARTUP_RUNS", "scripts/bench.sh only, not run by CI"),
        (
            "TIZIM",
            "scripts/bench.sh only (the binary to measure), not run by CI",
        ),
        ("SECONDS", "bash's clock"),
    ];
    let mut sources = vec![root.join(".ci/run")];
    for dir in ["tests", "tests/common", "scripts", "fuzz"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "rs" || e == "sh") {
                sources.push(path);
            }
        }
    }
    let mut uncovered = Vec::new();
    for source in &sources {
        let text = std::fs::read_to_string(source).unwrap();
        for name in variables_read(&text) {
            let covered = name.starts_with("TIZIM_")
                || name.starts_with("PROPTEST_")
                || unset_explicitly.contains(&name.as_str())
                || harmless.iter().any(|(h, _)| *h == name);
            if !covered {
                uncovered.push(format!("{name} (read in {})", source.display()));
            }
        }
    }
    uncovered.sort();
    uncovered.dedup();
    assert!(
        uncovered.is_empty(),
        "variables read by tests or CI scripts that .ci/run does not unset: {uncovered:?}"
    );
    // Every early return that skips a check goes through common::ci::skip,
    // which fails in CI.
    let mut bare_skips = Vec::new();
    for source in sources
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
    {
        let text = std::fs::read_to_string(source).unwrap();
        if source.ends_with("common/ci.rs") {
            continue; // the one place that may print "skipping"
        }
        // Spelt in two halves so that this file does not match itself.
        if text.contains(concat!("eprintln!(\"", "skipping"))
            || text.contains(concat!("#[", "ignore"))
        {
            bare_skips.push(source.display().to_string());
        }
    }
    assert!(
        bare_skips.is_empty(),
        "tests that skip without common::ci::skip: {bare_skips:?}"
    );
}
