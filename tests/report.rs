//! Every report format: its shape, and that none of them carries a raw value.

mod common;

mod report_fixture;

use serde_json::Value;
use std::collections::BTreeSet;
use tizim::gate::{FailOn, GateConfig};
use tizim::report::{self, Format, Report};

/// The fixture rendered as `format`, with the default gate for its policy.
fn render(format: Format, with_policy: bool) -> String {
    report_fixture::sample().render(format, with_policy, None).0
}

fn render_gated(format: Format, with_policy: bool, gate: &GateConfig) -> String {
    report_fixture::sample()
        .render(format, with_policy, Some(gate))
        .0
}

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

#[test]
fn json_is_one_document_with_the_documented_fields() {
    let doc: Value = serde_json::from_str(&render(Format::Json, true)).unwrap();
    for key in [
        "schema",
        "tool",
        "as_of",
        "policy",
        "findings",
        "inventory",
        "purposes",
        "statuses",
        "subjects",
        "test_values",
        "errors",
        "notices",
        "stats",
    ] {
        assert!(doc.get(key).is_some(), "missing {key}");
    }
    assert!(doc.get("hint").is_none(), "no hint when a policy is loaded");
    assert_eq!(doc["schema"], report::JSON_SCHEMA_VERSION);
    assert_eq!(doc["as_of"], report_fixture::TODAY);
    assert_eq!(doc["policy"]["prohibited"], serde_json::json!(["card"]));
    assert_eq!(doc["policy"]["operator"], "ТОО «Demo Shop»");
    assert!(
        !serde_json::to_string(&doc)
            .unwrap()
            .contains("123456789012"),
        "the operator's BIN is a detectable value: reports leave it out"
    );

    let sample = report_fixture::sample();
    assert_eq!(
        doc["findings"].as_array().unwrap().len(),
        sample.findings.len()
    );

    let rows = doc["inventory"].as_array().unwrap();
    assert_eq!(rows.len(), sample.inventory(true).rows.len());
    let expected: BTreeSet<&str> = [
        "location",
        "path",
        "field",
        "category",
        "count",
        "distinct",
        "first_line",
        "last_line",
        "confidence",
        "evidence",
        "status",
        "purposes",
        "examples",
        "modified",
        "note",
    ]
    .into();
    for row in rows {
        assert_eq!(keys(row), expected);
    }
    let card = rows
        .iter()
        .find(|r| r["category"] == "card")
        .expect("the card row");
    assert_eq!(card["status"], "prohibited");
    assert_eq!(card["location"], "/srv/shop/logs/app-2025-05-20.log");
    assert_eq!(card["field"], Value::Null);
    assert_eq!(
        (card["count"].as_u64(), card["distinct"].as_u64()),
        (Some(2), Some(2))
    );
    let crm_email = rows
        .iter()
        .find(|r| r["location"] == "/srv/shop/db/crm.sql#public.clients.email")
        .unwrap();
    assert_eq!(crm_email["field"], "public.clients.email");
    assert_eq!(crm_email["purposes"], serde_json::json!(["support"]));
    assert_eq!(crm_email["evidence"], serde_json::json!(["value"]));

    let purposes = doc["purposes"].as_array().unwrap();
    assert_eq!(purposes.len(), 3);
    let marketing = purposes.iter().find(|p| p["id"] == "marketing").unwrap();
    assert_eq!(
        keys(marketing),
        [
            "id",
            "title",
            "categories",
            "retention",
            "legal_basis",
            "locations",
            "seen",
            "unseen",
            "rows",
            "findings"
        ]
        .into()
    );
    assert_eq!(marketing["retention"], "3y");
    assert_eq!(
        marketing["unseen"],
        serde_json::json!(["email", "online_identifier"])
    );

    let statuses: Vec<&str> = doc["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "prohibited",
            "undeclared",
            "out-of-place",
            "past-retention",
            "declared"
        ]
    );
    assert_eq!(doc["subjects"]["people"], 12);
    assert_eq!(doc["subjects"]["minors"], 2);
    assert_eq!(doc["test_values"], 1);
    assert_eq!(doc["errors"][0]["path"], "/srv/shop/backups/broken.zip");
    assert_eq!(doc["stats"]["files_scanned"], 5);
}

/// SARIF levels and JUnit failures come from the gate passed to
/// `report::render`, as the CLI passes its `--fail-on`.
#[test]
fn sarif_and_junit_mark_what_the_given_gate_fails() {
    let gate = |fail_on| GateConfig {
        fail_on,
        ..GateConfig::default_for(Some(&report_fixture::sample().policy))
    };
    let sarif = |fail_on| -> Vec<(String, String)> {
        let doc: Value =
            serde_json::from_str(&render_gated(Format::Sarif, true, &gate(fail_on))).unwrap();
        doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["level"].as_str().unwrap().to_string(),
                    r["properties"]["status"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let errors = |results: &[(String, String)]| -> BTreeSet<String> {
        results
            .iter()
            .filter(|(level, _)| level == "error")
            .map(|(_, status)| status.clone())
            .collect()
    };
    let undeclared = sarif(FailOn::Undeclared);
    assert!(
        errors(&undeclared).len() > 1,
        "the default gate fails more than one status: {undeclared:?}"
    );
    assert!(!errors(&undeclared).contains("declared"));
    assert_eq!(
        errors(&sarif(FailOn::Prohibited)),
        BTreeSet::from(["prohibited".to_string()])
    );
    assert!(errors(&sarif(FailOn::None)).is_empty());

    let junit_failures = |fail_on| {
        let xml = render_gated(Format::Junit, true, &gate(fail_on));
        let at = xml.find("failures=\"").expect("a failures count") + "failures=\"".len();
        xml[at..xml[at..].find('"').unwrap() + at]
            .parse::<u64>()
            .unwrap()
    };
    let failing = junit_failures(FailOn::Undeclared);
    let failing_prohibited = junit_failures(FailOn::Prohibited);
    assert!(
        failing > failing_prohibited && failing_prohibited > 0,
        "{failing} {failing_prohibited}"
    );
    assert_eq!(junit_failures(FailOn::None), 0);
}

#[test]
fn json_without_a_policy_carries_the_hint() {
    let doc: Value = serde_json::from_str(&render(Format::Json, false)).unwrap();
    assert_eq!(doc["policy"], Value::Null);
    assert!(doc["hint"]
        .as_str()
        .unwrap()
        .contains("tizim policy import privacy.txt > tizim.toml"));
    assert!(doc["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["status"] == "undeclared"));
    assert_eq!(doc["purposes"], serde_json::json!([]));
}

#[test]
fn csv_has_the_documented_columns_and_one_record_per_row() {
    let text = render(Format::Csv, true);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(header, report::CSV_COLUMNS);
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(
        records.len(),
        report_fixture::sample().inventory(true).rows.len()
    );
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let iban = records
        .iter()
        .find(|r| r[col("category")] == *"iban" && r[col("path")].ends_with("app-2025-05-20.log"))
        .unwrap();
    assert_eq!(&iban[col("status")], "out-of-place");
    assert_eq!(&iban[col("purposes")], "payroll");
    assert_eq!(&iban[col("first_line")], "140");
    let derived = records
        .iter()
        .find(|r| r[col("category")] == *"birth_date")
        .unwrap();
    assert_eq!(&derived[col("evidence")], "derived");
    assert_eq!(&derived[col("status")], "undeclared");
    let phone = records
        .iter()
        .find(|r| r[col("category")] == *"phone" && r[col("path")].ends_with("app-2025-05-20.log"))
        .unwrap();
    assert!(
        phone[col("examples")].starts_with("'+7"),
        "cells starting with + are defused for spreadsheets: {:?}",
        &phone[col("examples")]
    );
}

#[test]
fn markdown_has_status_inventory_and_purpose_tables() {
    let md = render(Format::Markdown, true);
    for heading in [
        "# Personal data inventory",
        "## Status",
        "## Inventory",
        "## Purposes",
        "## People behind the IINs",
        "## Errors (1)",
    ] {
        assert!(md.contains(heading), "missing {heading}\n{md}");
    }
    assert!(md.contains("| prohibited | 1 | 2 |"), "{md}");
    assert!(
        md.contains("| **prohibited** | logs/app-2025-05-20.log | card | 2 | 2 |"),
        "{md}"
    );
    assert!(md.contains("| marketing |"), "{md}");
    assert!(md.contains("Minors today: **2**"));
    let no_policy = render(Format::Markdown, false);
    assert!(no_policy.contains("> **Hint:**"));
    assert!(!no_policy.contains("## Purposes"));
}

#[test]
fn table_has_summary_statuses_rows_purposes_and_minors() {
    let text = render(Format::Table, true);
    assert!(!text.contains('\x1b'), "no colour unless asked for");
    assert!(text.contains("Root:    /srv/shop/"));
    assert!(text.contains("1 error"));
    let status_line = text
        .lines()
        .find(|l| l.starts_with("past-retention "))
        .unwrap();
    assert_eq!(
        status_line.split_whitespace().take(3).collect::<Vec<_>>(),
        ["past-retention", "2", "16"]
    );
    assert!(text.lines().any(|l| l.starts_with("out-of-place")
        && l.contains("logs/app-2025-05-20.log")
        && l.contains("iban")));
    assert!(text
        .lines()
        .any(|l| l.starts_with("marketing") && l.contains("unseen: email, online_identifier")));
    assert!(text.contains("People behind the IINs: 12, 2 minors today"));
    assert!(text.contains("backups/broken.zip: invalid Zip archive"));

    let colour = {
        let sample = report_fixture::sample();
        let inventory = sample.inventory(true);
        let report = Report {
            findings: &sample.findings,
            inventory: &inventory,
            policy: Some(&sample.policy),
            summary: &sample.summary,
            detectors: &[],
            key: report_fixture::fixture_key(),
        };
        let mut out = Vec::new();
        report::table::render(&report, &mut out, true).unwrap();
        String::from_utf8(out).unwrap()
    };
    assert!(colour.contains("\x1b[1;31mprohibited"));

    let no_policy = render(Format::Table, false);
    assert!(no_policy.contains("Hint: No policy file"));
    assert!(no_policy.contains("tizim policy import privacy.txt > tizim.toml"));
}

/// Raw values planted in the scanned tree; long enough that no line number
/// or count can contain one by chance.
const RAW: [&str; 9] = [
    "aigerim.nurlanova@mail.kz",
    "d.seitkali@gmail.com",
    "zhanar.akhmetova@inbox.kz",
    "920705400388",
    "850312300391",
    "4400430180012350",
    "KZ18722S000012345678",
    "+77014123321",
    "+7 777 215 40 18",
];

fn plant(dir: &std::path::Path) {
    std::fs::create_dir_all(dir.join("db")).unwrap();
    std::fs::write(
        dir.join("app.log"),
        format!(
            "login user={}\npayment card={} iin={}\nsms to {} and {}\npayout {}\n",
            RAW[0], RAW[5], RAW[3], RAW[7], RAW[8], RAW[6]
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("clients.csv"),
        format!(
            "name,iin,email\nA,{},{}\nB,{},{}\n",
            RAW[3], RAW[1], RAW[4], RAW[2]
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("db/dump.sql"),
        format!(
            "COPY public.clients (id, email, iin) FROM stdin;\n1\t{}\t{}\n\\.\n",
            RAW[2], RAW[4]
        ),
    )
    .unwrap();
}

fn scan(dir: &std::path::Path, args: &[&str]) -> String {
    let out = common::tizim(std::path::Path::new("."))
        .arg("scan")
        .arg(dir)
        .args(args)
        .args(["--fail-on", "none", "--quiet"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn no_format_contains_a_raw_value() {
    let dir = tempfile::tempdir().unwrap();
    plant(dir.path());
    let json: Value = serde_json::from_str(&scan(dir.path(), &["--format", "json"])).unwrap();
    let found = json["findings"].as_array().unwrap().len();
    assert!(found >= 3, "the scan finds the planted values: {json}");
    for format in ["table", "json", "csv", "markdown", "html", "ndjson"] {
        let out = scan(dir.path(), &["--format", format]);
        assert!(!out.is_empty(), "{format} wrote nothing");
        for raw in RAW {
            assert!(!out.contains(raw), "--format {format} leaks {raw}");
        }
    }
    // The check above can fail: with --show-values the values are there.
    let shown = scan(dir.path(), &["--format", "json", "--show-values"]);
    assert!(RAW.iter().any(|raw| shown.contains(raw)));
}

#[cfg(unix)]
#[test]
fn output_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    plant(&dir.path().join("tree"));
    let report = dir.path().join("report.html");
    // An old report others could read must not stay readable.
    std::fs::write(&report, "old").unwrap();
    std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o644)).unwrap();
    let stdout = scan(
        &dir.path().join("tree"),
        &["--format", "html", "--output", report.to_str().unwrap()],
    );
    assert!(stdout.is_empty(), "the report went to the file, not stdout");
    let mode = std::fs::metadata(&report).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    assert!(std::fs::read_to_string(&report)
        .unwrap()
        .contains("<!doctype html>"));
}

#[test]
fn tizim_finds_nothing_in_its_own_reports_made_with_a_policy() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    plant(&tree);
    std::fs::write(
        tree.join("tizim.toml"),
        r#"prohibited = ["card"]

[operator]
name = "ТОО «Demo Shop»"
bin = "140340014652"

[[purpose]]
id = "support"
title = "Support requests"
categories = ["email", "phone", "iin", "person_name"]
retention = "3y"
legal_basis = "consent"

[[purpose]]
id = "payroll"
title = "Payroll"
categories = ["iban", "iin"]
retention = "5y"
locations = ["hr/**"]
"#,
    )
    .unwrap();
    let reports = dir.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    for (format, file) in [
        ("table", "report.txt"),
        ("json", "report.json"),
        ("csv", "report.csv"),
        ("markdown", "report.md"),
        ("html", "report.html"),
    ] {
        let out = scan(&tree, &["--format", format]);
        assert!(out.contains("support"), "--format {format} used the policy");
        std::fs::write(reports.join(file), out).unwrap();
    }
    let rescan = common::tizim(std::path::Path::new("."))
        .arg("scan")
        .arg(&reports)
        .args([
            "--format",
            "ndjson",
            "--fail-on",
            "any",
            "--min-confidence",
            "low",
        ])
        .args(["--no-ignore", "--hidden", "--quiet"])
        .output()
        .unwrap();
    let found = String::from_utf8(rescan.stdout).unwrap();
    assert!(
        found.is_empty(),
        "tizim finds personal data in its own reports:\n{found}"
    );
    assert!(rescan.status.success());
}
