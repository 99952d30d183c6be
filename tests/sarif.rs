//! `--format sarif` validates against the official SARIF 2.1.0 JSON schema
//! and carries what GitHub code scanning needs.
//!
//! tests/sarif-schema-2.1.0.json is the OASIS SARIF 2.1.0 (errata 01) schema,
//! `sarif-2.1/schema/sarif-schema-2.1.0.json` of the OASIS TC repository
//! github.com/oasis-tcs/sarif-spec (commit e058381, file last changed in
//! a560296ca8c9), unmodified; sha256
//! c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e.

mod common;

use common::{isolate, output, tizim};
use serde_json::Value;
use std::path::Path;

const ALICE: &str = "aigerim.nurlanova@mail.kz";
const BOB: &str = "bolat.seitkali@inbox.kz";
const CAROL: &str = "dana.omarova@halykmail.kz";

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sarif-schema-2.1.0.json"),
    )
    .unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles")
}

fn assert_valid(validator: &jsonschema::Validator, sarif: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(sarif)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
}

fn sarif_of(dir: &Path, args: &[&str]) -> (i32, String, Value) {
    let out = output(tizim(dir).args(["scan", "--format", "sarif"]).args(args));
    let value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", out.stdout, out.stderr));
    (out.code, out.stdout, value)
}

#[test]
fn schema_rejects_broken_logs() {
    // The validator is not vacuous: a result without a message is invalid.
    let v = validator();
    let broken = serde_json::json!({
        "version": "2.1.0",
        "runs": [{ "tool": { "driver": { "name": "x" } }, "results": [{ "ruleId": "r" }] }]
    });
    assert!(v.iter_errors(&broken).next().is_some());
    let wrong_level = serde_json::json!({
        "version": "2.1.0",
        "runs": [{ "tool": { "driver": { "name": "x" } },
                   "results": [{ "message": { "text": "m" }, "level": "fatal" }] }]
    });
    assert!(v.iter_errors(&wrong_level).next().is_some());
}

#[test]
fn sarif_validates_and_carries_rules_locations_fingerprints_suppressions() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("data dir")).unwrap();
    std::fs::write(
        d.join("data dir/клиенты #1.csv"),
        format!("email\n{ALICE}\n  {BOB} tizim:allow\n"),
    )
    .unwrap();
    std::fs::write(d.join("old.txt"), format!("{CAROL}\n")).unwrap();
    let baseline = output(tizim(d).args(["baseline", "create", "old.txt"]));
    assert_eq!(baseline.code, 0, "{}", baseline.stderr);
    std::fs::write(d.join("b.json"), baseline.stdout).unwrap();

    let (code, text, sarif) = sarif_of(d, &["--baseline", "b.json", ".", "missing.txt"]);
    assert_eq!(code, 1, "ALICE fails the default gate");
    assert_valid(&validator(), &sarif);
    for raw in [ALICE, BOB, CAROL] {
        assert!(!text.contains(raw), "raw value {raw} in SARIF");
    }

    let run = &sarif["runs"][0];
    assert_eq!(sarif["version"], "2.1.0");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 3, "{results:#?}");
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        assert!(
            rules[index]["help"]["text"].as_str().unwrap().len() > 40,
            "every rule has a help text"
        );
        // No shared key given: value-free identities (tests/keys.rs has both kinds).
        let fp = r["partialFingerprints"]["tizimLocation/v1"]
            .as_str()
            .unwrap();
        assert_eq!(fp.len(), 32);
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1);
        assert!(region["startColumn"].as_u64().unwrap() >= 1);
    }
    let by_line = |uri: &str, line: u64| {
        results
            .iter()
            .find(|r| {
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == uri
                    && r["locations"][0]["physicalLocation"]["region"]["startLine"] == line
            })
            .unwrap_or_else(|| panic!("no result at {uri}:{line}: {results:#?}"))
    };
    let csv = "data%20dir/%D0%BA%D0%BB%D0%B8%D0%B5%D0%BD%D1%82%D1%8B%20%231.csv";
    let alice = by_line(csv, 2);
    assert_eq!(alice["level"], "error");
    assert!(alice.get("suppressions").is_none());
    assert_eq!(
        alice["locations"][0]["physicalLocation"]["region"]["startColumn"],
        1
    );
    let bob = by_line(csv, 3);
    assert_eq!(bob["suppressions"][0]["kind"], "inSource");
    assert_eq!(
        bob["locations"][0]["physicalLocation"]["region"]["startColumn"],
        3
    );
    let carol = by_line("old.txt", 1);
    assert_eq!(carol["suppressions"][0]["kind"], "external");

    let notifications = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notifications.len(), 1, "the missing path is reported");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
}

#[test]
fn git_history_sarif_validates_and_passes_when_clean() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let git = |args: &[&str]| {
        let mut cmd = std::process::Command::new("git");
        isolate(&mut cmd);
        let out = cmd.current_dir(d).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["config", "user.name", "T"]);
    git(&["config", "user.email", "t@tizim.test"]);
    git(&["config", "commit.gpgsign", "false"]);
    std::fs::write(d.join("a.txt"), format!("x\n{ALICE}\n")).unwrap();
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "add"]);

    let (code, _, sarif) = sarif_of(d, &["--git"]);
    assert_eq!(code, 1);
    assert_valid(&validator(), &sarif);
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["properties"]["commit"].as_str().unwrap().len(), 40);
    assert!(result["message"]["text"]
        .as_str()
        .unwrap()
        .contains("added in commit"));

    // No findings: still a valid log, and the gate passes.
    std::fs::write(d.join("b.txt"), "nothing personal\n").unwrap();
    git(&["add", "b.txt"]);
    let (code, _, sarif) = sarif_of(d, &["--staged"]);
    assert_eq!(code, 0);
    assert_valid(&validator(), &sarif);
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 0);
}
