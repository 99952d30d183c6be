//! `tizim demo`: drafts a policy from the bundled privacy policy, scans the
//! demo tree, and shows a row in every status.

mod common;

use serde_json::Value;

fn demo(format: &str, keep: &std::path::Path) -> (String, String) {
    let out = common::tizim(std::path::Path::new("."))
        .args(["demo", "--format", format, "--keep"])
        .arg(keep)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        out.status.success(),
        "tizim demo failed:\n{stderr}\n{stdout}"
    );
    (stdout, stderr)
}

#[test]
fn the_demo_shows_every_status() {
    let dir = tempfile::tempdir().unwrap();
    let (json, _) = demo("json", dir.path());
    let doc: Value = serde_json::from_str(&json).unwrap();
    let rows = doc["inventory"].as_array().unwrap();
    let with_status = |status: &str| {
        rows.iter()
            .filter(|r| r["status"] == status)
            .map(|r| format!("{} {}", r["location"], r["category"]))
            .collect::<Vec<_>>()
    };
    for status in [
        "declared",
        "undeclared",
        "out-of-place",
        "prohibited",
        "past-retention",
    ] {
        assert!(
            !with_status(status).is_empty(),
            "no {status} row in the demo; rows: {:#?}",
            rows.iter()
                .map(|r| format!("{} {} {}", r["status"], r["location"], r["category"]))
                .collect::<Vec<_>>()
        );
    }
    // The app's SQLite database is read as a database; the IIN kept as an
    // integer got its leading zero back.
    assert!(
        rows.iter()
            .any(|r| r["path"].as_str().unwrap().ends_with("app/app.db")
                && r["field"] == "main.users.iin"
                && r["category"] == "iin"
                && r["count"] == 3),
        "no IIN row for the demo's SQLite database"
    );
    // The cases the demo tree was built for.
    let located = |status: &str, suffix: &str, category: &str| {
        rows.iter().any(|r| {
            r["status"] == status
                && r["path"].as_str().unwrap().ends_with(suffix)
                && r["category"] == category
        })
    };
    assert!(
        located("prohibited", "logs/app.log", "card"),
        "a card in the log"
    );
    assert!(
        located("out-of-place", "logs/app.log", "iban"),
        "an IBAN outside hr/"
    );
    assert!(located("declared", "hr/payroll-2025.csv", "iban"));
    assert!(
        located(
            "past-retention",
            "payroll-2018.tar.gz!payroll-2018.csv",
            "iban"
        ),
        "the 2018 payroll archive is past the 5y retention"
    );
    assert!(
        rows.iter().any(|r| r["category"] == "birth_date"
            && r["evidence"]
                .as_array()
                .unwrap()
                .contains(&Value::from("derived"))),
        "birth dates derived from IINs"
    );
    // Four children in the kids' club, born 2009–2015.
    assert!(
        doc["subjects"]["minors"].as_u64().unwrap() >= 3,
        "{}",
        doc["subjects"]
    );
    assert!(doc["policy"].is_object());
    assert!(
        doc["purposes"].as_array().unwrap().len() >= 2,
        "drafted purposes plus payroll"
    );

    let policy = std::fs::read_to_string(dir.path().join("tizim.toml")).unwrap();
    assert!(policy.contains("[[purpose]]"));
    assert!(policy.contains("locations = [\"hr/**\"]"));
}

#[test]
fn the_demo_table_names_every_status_in_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (table, steps) = demo("table", dir.path());
    assert!(steps.contains("drafted"), "{steps}");
    let row_statuses: Vec<&str> = table
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for status in [
        "declared",
        "undeclared",
        "out-of-place",
        "prohibited",
        "past-retention",
    ] {
        // The status table lists every status once; inventory rows add more.
        let lines = row_statuses.iter().filter(|s| **s == status).count();
        assert!(lines >= 2, "no inventory row in status {status}:\n{table}");
    }
}
