//! Detector files: built-ins embedded, user detectors loaded from a
//! directory (`--detectors DIR`), and bad files rejected with the file's
//! name in the message. Also the end-to-end contract for values: masks and
//! fingerprints in the output, never raw values.

mod common;

use std::path::Path;
use tizim::detect::Engine;
use tizim::model::{Category, Segment};

const PASSPORT: &str = r#"
id = "kz-passport"
category = "id_document"
description = "Kazakh passport number (N + 8 digits) next to the word passport"
validator = "none"
priority = 15

[candidates]
regex = 'N(?P<value>\d{8})'

[context]
kk = ["паспорт*"]
ru = ["паспорт*"]
en = ["passport*"]

[confidence]
base = "low"
context = "medium"
require_context = true
"#;

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn every_file_under_detectors_is_built_in() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("detectors");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let v: toml::Value = toml::from_str(&text).unwrap();
            v["id"].as_str().unwrap().to_string()
        })
        .collect();
    on_disk.sort();
    let engine = Engine::builtin().unwrap();
    let mut loaded: Vec<String> = engine.detectors().iter().map(|d| d.id.clone()).collect();
    loaded.sort();
    assert_eq!(on_disk, loaded);
    for c in [
        Category::Iin,
        Category::Bin,
        Category::Phone,
        Category::Email,
        Category::Card,
        Category::Iban,
    ] {
        assert!(
            engine.detectors().iter().any(|d| d.category == c),
            "no built-in detector for {c}"
        );
    }
}

#[test]
fn user_detectors_load_from_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "passport.toml", PASSPORT);
    write(dir.path(), "notes.txt", "not a detector");
    let engine = Engine::with_user_dir(dir.path()).unwrap();
    assert!(engine.detectors().iter().any(|d| d.id == "kz-passport"));
    assert!(engine.detectors().iter().any(|d| d.id == "kz-iin"));

    let text = "Паспорт N12345678 выдан МВД РК, ИИН 850315300128\nзаказ N87654321";
    let mut out = Vec::new();
    engine.scan(&Segment::whole(text, 1, None), &mut out);
    let got: Vec<(&str, &str, u64)> = out
        .iter()
        .map(|m| (m.detector, m.normalized.as_str(), m.line))
        .collect();
    assert_eq!(
        got,
        vec![
            ("kz-passport", "12345678", 1),
            ("kz-iin", "850315300128", 1)
        ]
    );
}

#[test]
fn bad_detector_files_name_the_file() {
    let cases = [
        (
            PASSPORT.replace("\"none\"", "\"sha1\""),
            "unknown validator \"sha1\"",
        ),
        (
            PASSPORT.replace("id_document", "passport"),
            "unknown category \"passport\"",
        ),
        (PASSPORT.replace(r"\d{8})", r"\d{8}"), "bad regex"),
        (
            PASSPORT.replace("regex = ", "extractor = \"magic\"\n#"),
            "unknown extractor \"magic\"",
        ),
        (PASSPORT.replace("kz-passport", "kz-iin"), "already defined"),
        (PASSPORT.replace("[context]", "[contex]"), "unknown field"),
        ("id = \"x\"\n= broken".to_string(), "line 2"),
    ];
    for (text, expect) in cases {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "mine.toml", &text);
        let err = Engine::with_user_dir(dir.path())
            .err()
            .expect("a bad detector must not load")
            .to_string();
        assert!(err.contains("mine.toml"), "{err}");
        assert!(err.contains(expect), "{err:?} should contain {expect:?}");
    }
    let missing = Engine::with_user_dir(Path::new("/nonexistent/tizim-detectors"))
        .err()
        .unwrap()
        .to_string();
    assert!(
        missing.contains("/nonexistent/tizim-detectors"),
        "{missing}"
    );
}

#[test]
fn cli_reports_masks_and_fingerprints_never_values() {
    let dir = tempfile::tempdir().unwrap();
    let raw = [
        "850315300128",
        "87012345678",
        "ivan.petrov@mail.kz",
        "4400430123456789",
        "KZ86125KZT5004100100",
    ];
    write(
        dir.path(),
        "app.log",
        &format!(
            "ИИН {}\nтел {}\nmail {}\ncard {}\nИИК {}\nсно8 {}\n",
            raw[0], raw[1], raw[2], raw[3], raw[4], "8 (701) 234-56-78"
        ),
    );
    let out = common::tizim(std::path::Path::new("."))
        .args(["scan", "--format", "ndjson", "--quiet"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    for r in raw {
        assert!(!stdout.contains(r), "raw value {r} leaked:\n{stdout}");
    }
    let findings: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v.get("masked").is_some())
        .collect();
    let masked: Vec<&str> = findings
        .iter()
        .map(|f| f["masked"].as_str().unwrap())
        .collect();
    assert_eq!(
        masked,
        [
            "**********28",
            "+7********78",
            "i***@m***.kz",
            "440043******6789",
            "KZ**125***********00",
            "+7********78"
        ]
    );
    // The same phone written two ways fingerprints alike.
    assert_eq!(findings[1]["fingerprint"], findings[5]["fingerprint"]);
    assert_ne!(findings[0]["fingerprint"], findings[1]["fingerprint"]);
    assert_eq!(out.status.code(), Some(1), "findings exit 1");
}

#[test]
fn cli_rejects_a_bad_detector_directory() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "bad.toml",
        &PASSPORT.replace("\"none\"", "\"md5\""),
    );
    let out = common::tizim(std::path::Path::new("."))
        .args(["detectors", "--detectors"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("bad.toml") && stderr.contains("unknown validator"),
        "{stderr}"
    );
}

#[test]
fn the_documented_example_detector_loads_and_works() {
    let doc = include_str!("../detectors/README.md");
    let start = doc.find("```toml\n").expect("a toml example") + "```toml\n".len();
    let end = start + doc[start..].find("```").unwrap();
    let engine = Engine::from_toml(&[("detectors/README.md", &doc[start..end])]).unwrap();
    let mut out = Vec::new();
    engine.scan(
        &Segment::whole("Паспорт: N12345678\nN87654321", 1, None),
        &mut out,
    );
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].normalized, "12345678");
    assert_eq!(out[0].category, Category::IdDocument);
}
