//! The output must never become the leak.
//!
//! A tree with known personal data (plain, structured, compressed, archived,
//! and deliberately broken files, so that error messages are covered too) is
//! scanned into every output format. Then:
//! - no planted value appears in any output or on stderr, written as planted,
//!   as its digits alone, or (for e-mail) as its local part; nor does any
//!   encoded run a planted value was found behind (a JWT, base64, hex, HTML
//!   references: issue 19), which is as sensitive as the value;
//! - masks keep no more than the last 2 digits of an IIN or BIN (no birth
//!   date) and the first 6 and last 4 of a card number;
//! - all of it with the installation key (no key given: value-free SARIF
//!   identities and baselines) and with a shared key file (value
//!   fingerprints in SARIF and baselines), and the key never shows;
//! - tizim, scanning its own reports, finds nothing in them;
//! - `--show-values` is the only way to see raw values, and it warns;
//! - report files are created with mode 0600.

mod common;

use common::{gzip, parse_ndjson, run_tizim, run_tizim_env, zip, Outcome};
use serde_json::Value;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(120);

/// Every report format, with the file name its output is saved under for
/// the rescan. `baseline` is `tizim baseline create`.
const FORMATS: [(&str, &str); 10] = [
    ("table", "report.txt"),
    ("ndjson", "report.ndjson"),
    ("json", "report.json"),
    ("csv", "report.csv"),
    ("markdown", "report.md"),
    ("html", "report.html"),
    ("sarif", "report.sarif"),
    ("junit", "report.junit.xml"),
    ("partial", "report.partial.ndjson"),
    ("baseline", "baseline.json"),
];

/// A planted value: how it is written in the tree, and its category.
struct Planted {
    written: &'static str,
    category: &'static str,
}

const PLANTED: &[Planted] = &[
    Planted {
        written: "850315300128",
        category: "iin",
    },
    Planted {
        written: "920715350560",
        category: "iin",
    },
    Planted {
        written: "881102400124",
        category: "iin",
    },
    Planted {
        written: "750428300032",
        category: "iin",
    },
    Planted {
        written: "140340014652",
        category: "bin",
    },
    Planted {
        written: "240740036857",
        category: "bin",
    },
    Planted {
        written: "+7 705 318 42 96",
        category: "phone",
    },
    Planted {
        written: "8 (747) 765-43-21",
        category: "phone",
    },
    Planted {
        written: "ivan.petrov@mail.kz",
        category: "email",
    },
    Planted {
        written: "aigerim.seitkali@gmail.com",
        category: "email",
    },
    Planted {
        written: "4400 4301 2345 6789",
        category: "card",
    },
    Planted {
        written: "5169493109876543",
        category: "card",
    },
    Planted {
        written: "KZ86125KZT5004100100",
        category: "iban",
    },
    Planted {
        written: "KZ18 722S 0000 1234 5678",
        category: "iban",
    },
    Planted {
        written: "85.141.27.93",
        category: "ip_address",
    },
    Planted {
        written: "N17243981",
        category: "id_document",
    },
    Planted {
        written: "043918275",
        category: "id_document",
    },
    Planted {
        written: "14.07.1986",
        category: "birth_date",
    },
];

/// Names in a name column: the value, and the surname alone.
const NAMES: [&str; 2] = ["Жумабаев Ерлан Серикович", "Жумабаев"];

/// Planted values written behind one more layer (issue 19), as they are
/// written in `logs/gateway.log`: a JWT whose payload holds an IIN and a
/// phone, base64 of a line with an e-mail and a card, hex of an IIN line,
/// HTML references around a phone. Every run is secret, and so is each part
/// of the token.
fn encoded_runs() -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use base64::Engine as _;
    let p = |i: usize| PLANTED[i].written;
    let payload = URL_SAFE_NO_PAD.encode(format!(
        r#"{{"sub":"u-1","iin":"{}","contact":{{"phone":"{}"}}}}"#,
        p(1),
        p(7)
    ));
    let jwt = format!(
        "{}.{payload}.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#)
    );
    let b64 = STANDARD.encode(format!("клиент {} карта {}", p(9), p(11)));
    let hex: String = format!("ИИН: {}", p(2))
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect();
    let html = p(6).replace('+', "&#43;").replace(' ', "&nbsp;");
    vec![jwt, payload, b64, hex, html]
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// The tree: every kind of source, with the planted values spread over them.
fn write_tree(root: &Path) {
    let p = |i: usize| PLANTED[i].written;
    fs::create_dir_all(root.join("logs")).unwrap();
    fs::create_dir_all(root.join("db")).unwrap();
    fs::write(
        root.join("logs/app.log"),
        format!(
            "2024-03-01 10:00:01 INFO login user={} iin={}\n\
             2024-03-01 10:00:02 INFO callback phone {}, ИИН клиента {}\n\
             2024-03-01 10:00:03 INFO paid card {} to IBAN {}\n\
             2024-03-01 10:00:04 INFO company БИН {}\n\
             2024-03-01 10:00:05 INFO login from {}, паспорт {}, уд. л. {}, дата рождения {}\n",
            p(8),
            p(0),
            p(6),
            p(1),
            p(10),
            p(12),
            p(4),
            p(14),
            p(15),
            p(16),
            p(17)
        ),
    )
    .unwrap();
    let enc = encoded_runs();
    fs::write(
        root.join("logs/gateway.log"),
        format!(
            "2024-03-01 10:00:06 GET /me Authorization: Bearer {}\n\
             2024-03-01 10:00:07 callback data={}\n\
             2024-03-01 10:00:08 blob {}\n\
             2024-03-01 10:00:09 <td>{}</td>\n",
            enc[0], enc[2], enc[3], enc[4]
        ),
    )
    .unwrap();
    let rotated = format!("2023-01-01 rotated log: client {} tel {}\n", p(2), p(7));
    fs::write(root.join("logs/app.log.1.gz"), gzip(rotated.as_bytes())).unwrap();
    fs::write(
        root.join("db/clients.csv"),
        format!(
            "ФИО;ИИН;Телефон;E-mail;Карта\n{};{};{};{};{}\n",
            NAMES[0],
            p(3),
            p(7),
            p(9),
            p(11)
        ),
    )
    .unwrap();
    fs::write(
        root.join("db/dump.sql"),
        format!(
            "CREATE TABLE public.clients (id integer, iin text, email text, bin text, iban text);\n\
             COPY public.clients (id, iin, email, bin, iban) FROM stdin;\n\
             1\t{}\t{}\t{}\t{}\n\\.\n\
             INSERT INTO `orders` (`id`, `card`) VALUES (1,'{}'),(2,'{}');\n",
            p(1),
            p(9),
            p(5),
            p(13),
            p(10),
            p(11)
        ),
    )
    .unwrap();
    fs::write(
        root.join("db/events.ndjson"),
        format!(
            "{{\"event\":\"signup\",\"user\":{{\"email\":\"{}\",\"iin\":\"{}\"}}}}\n\
             {{\"event\":\"call\",\"phone\":\"{}\"}}\n",
            p(8),
            p(2),
            p(6)
        ),
    )
    .unwrap();
    fs::write(
        root.join("db/profile.json"),
        format!(
            "{{\"profile\":{{\"fio\":\"{}\",\"iin\":\"{}\",\"cards\":[{{\"pan\":\"{}\"}}]}}}}\n",
            NAMES[0],
            p(3),
            p(11)
        ),
    )
    .unwrap();
    // Broken files put values right where parsers give up, so any error or
    // notice that quotes its input would show them.
    fs::write(
        root.join("db/broken.json"),
        format!("{{\"users\":[{{\"iin\":\"{}\", \"email\": \"{}", p(0), p(8)),
    )
    .unwrap();
    fs::write(
        root.join("db/broken.csv"),
        format!(
            "ИИН;E-mail\n\"{};{}\n{};\"{}\"x\"\n",
            p(1),
            p(9),
            p(2),
            p(8)
        ),
    )
    .unwrap();
    fs::write(
        root.join("db/broken.sql"),
        format!("INSERT INTO `t` VALUES (1,'{}'),(2,'{}", p(3), p(5)),
    )
    .unwrap();
    let contacts = format!("contact {} phone {} iban {}\n", p(9), p(6), p(13));
    let scan_name = format!("scans/{}.txt", p(4));
    let scan_text = format!("карта {}\n", p(10));
    fs::write(
        root.join("backup.zip"),
        zip(&[
            ("export/contacts.txt", contacts.as_bytes()),
            // Member, file and directory names hold values too.
            (scan_name.as_str(), scan_text.as_bytes()),
        ]),
    )
    .unwrap();
    fs::create_dir_all(root.join("hr")).unwrap();
    fs::write(
        root.join(format!("hr/{}_резюме.txt", p(0))),
        format!("Телефон: {}\n", p(6)),
    )
    .unwrap();
    fs::create_dir_all(root.join(format!("users/{}", p(9)))).unwrap();
    fs::write(
        root.join(format!("users/{}/notes.txt", p(9))),
        format!("iin {}\n", p(3)),
    )
    .unwrap();
    // Mail and PDF, from real producers (fixtures/mail/make.py,
    // fixtures/pdf/make.sh): planted values in headers, display names,
    // base64 and quoted-printable bodies, attachments (a cp1251 CSV, a zip,
    // a forwarded message), mbox messages and PDF pages.
    fs::create_dir_all(root.join("mail")).unwrap();
    for name in ["0001.eml", "0002.eml", "inbox.mbox"] {
        fs::copy(
            common::fixture(&format!("mail/{name}")),
            root.join("mail").join(name),
        )
        .unwrap();
    }
    fs::copy(
        common::fixture("pdf/contract.pdf"),
        root.join("hr/contract.pdf"),
    )
    .unwrap();
    // An attachment named for someone, and a PDF broken right after a value.
    fs::write(
        root.join("mail/named.eml"),
        format!(
            "From: x@example-corp.kz\r\nTo: y@example-corp.kz\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
             Content-Type: text/plain\r\nContent-Disposition: attachment; filename=\"{}.txt\"\r\n\r\n\
             ИИН {}\r\n--b--\r\n",
            p(4),
            p(3)
        ),
    )
    .unwrap();
    fs::write(
        root.join("hr/broken.pdf"),
        format!(
            "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R /Note ({}) >>\nendobj\n2 0 obj\n<< /Kids [",
            p(0)
        ),
    )
    .unwrap();
    // A SQLite database (read as a database, not as a file): its values
    // are masked like any other.
    let db = rusqlite::Connection::open(root.join("db/app.sqlite3")).unwrap();
    db.execute_batch("CREATE TABLE clients (id INTEGER, iin TEXT, email TEXT, phone TEXT)")
        .unwrap();
    db.execute(
        "INSERT INTO clients VALUES (1, ?1, ?2, ?3)",
        [p(0), p(8), p(6)],
    )
    .unwrap();
    drop(db);
    write_office(root);
    // A broken file named for someone: its error names it.
    let truncated = gzip(b"line one\nline two\n");
    fs::write(
        root.join(format!("logs/{}.log.gz", digits(p(7)))),
        &truncated[..truncated.len() / 2],
    )
    .unwrap();
}

/// An xlsx package around one worksheet's `<sheetData>` rows.
fn xlsx(rows: &str) -> Vec<u8> {
    let sheet = format!(
        "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>{rows}</sheetData></worksheet>"
    );
    zip(&[
        ("[Content_Types].xml", b"<Types/>".as_slice()),
        ("_rels/.rels", br#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
        ("xl/workbook.xml", br#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="HR" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
        ("xl/_rels/workbook.xml.rels", br#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
    ])
}

fn inline(cell: &str, text: &str) -> String {
    format!("<c r=\"{cell}\" t=\"inlineStr\"><is><t>{text}</t></is></c>")
}

/// Office files (issue 12): a workbook with an IIN typed as a number, a
/// document with a label | value table, RTF, Excel's UTF-16 "Unicode
/// text", and broken ones that fail right after a value.
fn write_office(root: &Path) {
    let p = |i: usize| PLANTED[i].written;
    fs::create_dir_all(root.join("office")).unwrap();
    let rows = format!(
        "<row r=\"1\">{}{}{}{}</row><row r=\"2\">{}<c r=\"B2\"><v>{}</v></c>{}{}</row>",
        inline("A1", "ФИО"),
        inline("B1", "ИИН"),
        inline("C1", "E-mail"),
        inline("D1", "Телефон"),
        inline("A2", NAMES[0]),
        p(3),
        inline("C2", p(8)),
        inline("D2", p(7)),
    );
    fs::write(root.join("office/hr.xlsx"), xlsx(&rows)).unwrap();
    let broken_rows = format!(
        "<row r=\"1\">{}</row><row r=\"2\"><c><v>{}",
        inline("A1", "ИИН"),
        p(0)
    );
    fs::write(root.join("office/broken.xlsx"), xlsx(&broken_rows)).unwrap();
    let para = |t: &str| format!("<w:p><w:r><w:t>{t}</w:t></w:r></w:p>");
    let cell = |t: &str| format!("<w:tc>{}</w:tc>", para(t));
    let body = format!(
        "<w:document><w:body>{}<w:tbl><w:tr>{}{}</w:tr><w:tr>{}{}</w:tr></w:tbl></w:body></w:document>",
        para(&format!("Клиент, ИИН {}", p(1))),
        cell("Телефон"),
        cell(p(6)),
        cell("ИИК"),
        cell(p(12)),
    );
    let docx = |body: &str| {
        zip(&[
            ("[Content_Types].xml", b"<Types/>".as_slice()),
            ("word/document.xml", body.as_bytes()),
        ])
    };
    fs::write(root.join("office/contract.docx"), docx(&body)).unwrap();
    let broken = format!(
        "<w:document><w:body><w:p><w:t>{}</w:t></w:p><w:p>{}</w:q>",
        p(9),
        p(2)
    );
    fs::write(root.join("office/broken.docx"), docx(&broken)).unwrap();
    fs::write(
        root.join("office/letter.rtf"),
        format!(
            "{{\\rtf1\\ansi\\ansicpg1251 \\'c8\\'c8\\'cd {}\\par {}\\par}}",
            p(0),
            p(13)
        ),
    )
    .unwrap();
    let export = format!("ФИО\tИИН\tКарта\r\n{}\t{}\t{}\r\n", NAMES[0], p(2), p(10));
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(export.encode_utf16().flat_map(u16::to_le_bytes));
    fs::write(root.join("office/export.txt"), utf16).unwrap();
}

/// Masked forms of the values in the names above, as reports show them.
const MASKED_NAMES: [&str; 5] = [
    "backup.zip!scans/**********52.txt",
    "mail/named.eml!**********52.txt",
    "hr/**********28_резюме.txt",
    "users/a***@g***.com/notes.txt",
    "logs/+7********21.log.gz",
];

fn tree() -> tempfile::TempDir {
    let dir = common::temp_dir("tizim-noleak-");
    write_tree(dir.path());
    dir
}

fn args_for(format: &str) -> Vec<String> {
    let mut a: Vec<String> = if format == "baseline" {
        vec!["baseline".into(), "create".into()]
    } else {
        vec!["scan".into(), "--format".into(), format.into()]
    };
    a.extend(["--no-ignore".into(), "--hidden".into()]);
    a
}

fn scan(root: &Path, format: &str, extra: &[&str]) -> Outcome {
    let mut a = args_for(format);
    a.extend(extra.iter().map(|s| s.to_string()));
    a.push(".".into());
    let out = run_tizim(&a, root, DEADLINE);
    out.assert_survived();
    out
}

/// Fails unless `text` is free of every planted value in every form.
fn assert_no_raw_values(text: &str, what: &str) {
    let lower = text.to_lowercase();
    let text_digits = digits(text);
    for v in PLANTED {
        assert!(
            !text.contains(v.written),
            "{what}: contains the raw {} {:?}",
            v.category,
            v.written
        );
        let d = digits(v.written);
        if d.len() >= 10 {
            assert!(
                !text_digits.contains(&d),
                "{what}: the digits of the {} {:?} appear (digits-only form)",
                v.category,
                v.written
            );
        }
        if v.category == "iban" {
            let compact: String = v.written.split_whitespace().collect();
            assert!(!text.contains(&compact), "{what}: contains IBAN {compact}");
        }
        if v.category == "email" {
            let local = v.written.split('@').next().unwrap();
            assert!(
                !lower.contains(local),
                "{what}: contains the local part of {:?}",
                v.written
            );
        }
    }
    for name in NAMES {
        assert!(!text.contains(name), "{what}: contains the name {name:?}");
    }
    for run in encoded_runs() {
        assert!(
            !text.contains(&run),
            "{what}: contains the encoded run {run:?}"
        );
    }
}

/// Findings in the JSON formats carry no `value` key without --show-values.
fn assert_no_value_field(format: &str, out: &str) {
    let findings: Vec<Value> = match format {
        "ndjson" => parse_ndjson(out),
        "partial" => parse_ndjson(out)
            .into_iter()
            .filter_map(|r| r.get("finding").cloned())
            .collect(),
        "json" => serde_json::from_str::<Value>(out)
            .ok()
            .and_then(|d| d["findings"].as_array().cloned())
            .unwrap_or_default(),
        _ => return,
    };
    assert!(
        !findings.is_empty(),
        "--format {format}: no findings to check"
    );
    for f in findings {
        assert!(
            f.get("value").is_none(),
            "--format {format}: a finding has a value without --show-values: {f}"
        );
    }
}

/// The output really is the format asked for, so that a format nobody has
/// implemented yet fails here instead of passing as something else.
fn assert_shape(format: &str, out: &str) {
    let trimmed = out.trim_start();
    let json = || -> Value {
        serde_json::from_str(out)
            .unwrap_or_else(|e| panic!("--format {format} is not one JSON document: {e}"))
    };
    match format {
        "table" => assert!(
            !trimmed.is_empty() && !trimmed.starts_with('{'),
            "the table format prints JSON or nothing"
        ),
        "ndjson" => {
            parse_ndjson(out);
        }
        "json" => {
            let doc = json();
            for key in ["findings", "inventory", "errors", "stats"] {
                assert!(doc.get(key).is_some(), "--format json has no {key:?}");
            }
        }
        "csv" => {
            let header = out.lines().next().unwrap_or_default();
            assert!(
                header.contains(',') && header.to_lowercase().contains("category"),
                "--format csv has no header row: {header:?}"
            );
        }
        "markdown" => assert!(
            out.lines().any(|l| l.starts_with('#')) && out.contains('|'),
            "--format markdown has no heading or table"
        ),
        "html" => assert!(
            trimmed.to_lowercase().starts_with("<!doctype html"),
            "--format html is not an HTML document"
        ),
        "sarif" => {
            let doc = json();
            assert_eq!(doc["version"], "2.1.0", "--format sarif is not SARIF 2.1.0");
        }
        "junit" => assert!(
            out.contains("<testsuite"),
            "--format junit has no <testsuite>"
        ),
        "baseline" => {
            json();
        }
        "partial" => {
            let records = parse_ndjson(out);
            assert!(
                records
                    .first()
                    .is_some_and(|r| r["partial"]["format"] == "tizim-partial")
                    && records.last().is_some_and(|r| r.get("end").is_some()),
                "--format partial has no header or end record"
            );
        }
        other => panic!("unknown format {other}"),
    }
}

#[test]
fn the_fixture_tree_is_found_at_all() {
    // Without this the other tests could pass on a scanner that finds nothing.
    let dir = tree();
    let findings = scan(dir.path(), "ndjson", &[]).findings();
    for category in [
        "iin",
        "bin",
        "phone",
        "email",
        "card",
        "iban",
        "ip_address",
        "id_document",
        "birth_date",
    ] {
        assert!(
            findings
                .iter()
                .any(|f| f["category"] == category && f["evidence"] == "value"),
            "no {category} found in the fixture tree; findings: {findings:#?}"
        );
    }
    // Every layer of logs/gateway.log gives its values, decoded.
    for (category, evidence) in [
        ("iin", "decoded:jwt"),
        ("phone", "decoded:jwt"),
        ("email", "decoded:base64"),
        ("card", "decoded:base64"),
        ("iin", "decoded:hex"),
        ("phone", "decoded:html"),
    ] {
        assert!(
            findings.iter().any(|f| f["category"] == category
                && f["evidence"] == evidence
                && f["path"]
                    .as_str()
                    .is_some_and(|p| p.ends_with("logs/gateway.log"))),
            "no {category} ({evidence}) in logs/gateway.log; findings: {findings:#?}"
        );
    }
    for path in [
        "logs/app.log.1.gz",
        "backup.zip!export/contacts.txt",
        "db/dump.sql",
        "office/hr.xlsx",
        "office/broken.xlsx",
        "office/contract.docx",
        "office/broken.docx",
        "office/letter.rtf",
        "office/export.txt",
    ] {
        assert!(
            findings
                .iter()
                .any(|f| f["path"].as_str().is_some_and(|p| p.ends_with(path))),
            "nothing found in {path}"
        );
    }
}

#[test]
fn names_of_files_members_and_directories_are_masked() {
    let dir = tree();
    let out = scan(dir.path(), "json", &[]);
    let doc: Value = serde_json::from_str(&out.stdout_str()).unwrap();
    let paths: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .chain(doc["errors"].as_array().unwrap())
        .filter_map(|f| f["path"].as_str())
        .collect();
    for masked in MASKED_NAMES {
        assert!(
            paths.iter().any(|p| p.ends_with(masked)),
            "no finding or error at {masked:?}; paths: {paths:#?}"
        );
    }
    assert_no_raw_values(&out.stdout_str(), "--format json with named files");
    // With --show-values the names are shown as they are.
    let raw = scan(dir.path(), "ndjson", &["--show-values"]).stdout_str();
    assert!(raw.contains(&format!("hr/{}_резюме.txt", PLANTED[0].written)));
}

/// A shared key in a file outside the tree: the arguments that use it, and
/// the key text (which must never be printed).
const SHARED_KEY: &str = "c0ffee0ddba11f00dcafe5eedbeefcab1e5a1ad5eed0f1ce";

fn shared_key_args(keys: &Path) -> Vec<String> {
    let path = keys.join("tizim.key");
    fs::write(&path, format!("{SHARED_KEY}\n")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    vec![
        "--fingerprint-key-file".into(),
        path.to_str().unwrap().into(),
    ]
}

/// Every format, with the installation key and with a shared key file.
fn every_format_and_key(keys: &Path) -> Vec<(&'static str, &'static str, Vec<String>)> {
    let mut runs = Vec::new();
    for key_args in [Vec::new(), shared_key_args(keys)] {
        for (format, file) in FORMATS {
            runs.push((format, file, key_args.clone()));
        }
    }
    runs
}

#[test]
fn no_format_contains_a_raw_value() {
    let dir = tree();
    let keys = tempfile::tempdir().unwrap();
    for (format, _, key_args) in every_format_and_key(keys.path()) {
        let key_args: Vec<&str> = key_args.iter().map(String::as_str).collect();
        let out = scan(dir.path(), format, &key_args);
        let stdout = out.stdout_str();
        assert!(!stdout.contains(SHARED_KEY) && !out.stderr.contains(SHARED_KEY));
        if format == "sarif" || format == "baseline" {
            // Value fingerprints only with the shared key.
            assert_eq!(
                stdout.contains("tizimValueFingerprint") || stdout.contains("\"fingerprint\""),
                !key_args.is_empty(),
                "--format {format} {key_args:?}"
            );
        }
        assert!(
            !stdout.trim().is_empty(),
            "--format {format} printed nothing"
        );
        assert_shape(format, &stdout);
        assert_no_raw_values(&stdout, &format!("--format {format} stdout"));
        assert_no_raw_values(&out.stderr, &format!("--format {format} stderr"));
        assert_no_value_field(format, &stdout);
    }
}

#[test]
fn masks_keep_too_few_digits_to_reidentify() {
    let dir = tree();
    let mut checked = 0;
    for f in scan(dir.path(), "ndjson", &[]).findings() {
        let masked = f["masked"].as_str().unwrap_or_default();
        let kept: String = digits(masked);
        let longest_run = masked
            .split(|c: char| !c.is_ascii_digit())
            .map(str::len)
            .max()
            .unwrap_or(0);
        match f["category"].as_str().unwrap() {
            "iin" | "bin" => {
                assert!(
                    kept.len() <= 2 && masked.ends_with(&kept),
                    "IIN/BIN mask {masked:?} keeps more than the last 2 digits"
                );
                checked += 1;
            }
            "card" => {
                assert!(
                    kept.len() <= 10 && longest_run <= 6,
                    "card mask {masked:?} keeps more than the first 6 and last 4 digits"
                );
                checked += 1;
            }
            _ => assert!(longest_run <= 6, "mask {masked:?} keeps a long digit run"),
        }
    }
    assert!(checked >= 4, "only {checked} IIN/BIN/card masks to check");
}

#[test]
fn tizim_finds_nothing_in_its_own_reports() {
    let dir = tree();
    let reports = tempfile::Builder::new()
        .prefix("tizim-reports-")
        .tempdir()
        .unwrap();
    let keys = tempfile::tempdir().unwrap();
    for (format, file, key_args) in every_format_and_key(keys.path()) {
        let key_args: Vec<&str> = key_args.iter().map(String::as_str).collect();
        let out = scan(dir.path(), format, &key_args);
        assert!(!out.stdout.is_empty(), "--format {format} printed nothing");
        let file = if key_args.is_empty() {
            file.to_string()
        } else {
            format!("keyed-{file}")
        };
        fs::write(reports.path().join(file), &out.stdout).unwrap();
    }
    let out = run_tizim(
        [
            "scan",
            "--format",
            "ndjson",
            "--no-ignore",
            "--hidden",
            "--fail-on",
            "any",
            "--min-confidence",
            "low",
            ".",
        ],
        reports.path(),
        DEADLINE,
    );
    out.assert_survived();
    let found = &out.findings();
    assert!(
        found.is_empty(),
        "tizim finds personal data in its own reports:\n{}",
        found
            .iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn show_values_is_the_only_way_to_raw_values_and_it_warns() {
    let dir = tree();
    // Nothing else turns raw values on: not an environment variable.
    let out = run_tizim(
        ["scan", "--format", "ndjson", "--no-ignore", "."],
        dir.path(),
        DEADLINE,
    );
    assert_no_raw_values(&out.stdout_str(), "default scan");
    for extra in [&[][..], &["--quiet"][..]] {
        let mut a = vec!["scan", "--format", "ndjson", "--show-values"];
        a.extend_from_slice(extra);
        a.push(".");
        let out = run_tizim(&a, dir.path(), DEADLINE);
        out.assert_survived();
        assert!(
            out.stdout_str().contains(PLANTED[8].written),
            "--show-values does not show the raw e-mail address"
        );
        assert!(
            out.stderr.to_lowercase().contains("warning"),
            "--show-values {extra:?} prints no warning on stderr: {:?}",
            out.stderr
        );
    }
}

#[test]
fn report_files_are_created_with_mode_0600() {
    let dir = tree();
    let reports = tempfile::tempdir().unwrap();
    for (format, file) in FORMATS {
        let target = reports.path().join(file);
        let mut a = args_for(format);
        a.extend(["--output".into(), target.display().to_string(), ".".into()]);
        let out = run_tizim(&a, dir.path(), DEADLINE);
        out.assert_survived();
        let mode = fs::metadata(&target)
            .unwrap_or_else(|e| panic!("--format {format} --output wrote no file: {e}"))
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "--format {format}: report file mode {mode:o}"
        );
        let written = fs::read_to_string(&target).unwrap();
        assert!(
            !written.trim().is_empty(),
            "--format {format}: empty report file"
        );
        assert_no_raw_values(&written, &format!("--format {format} --output"));
        assert!(
            out.stdout.is_empty(),
            "--format {format} --output also printed the report on stdout"
        );
    }
    // A report file that already exists world-readable is overwritten as
    // 0600, not left readable to everyone.
    let existing = reports.path().join("existing.json");
    fs::write(&existing, "old").unwrap();
    fs::set_permissions(&existing, fs::Permissions::from_mode(0o644)).unwrap();
    let out = run_tizim(
        [
            "scan",
            "--format",
            "json",
            "--output",
            existing.to_str().unwrap(),
            ".",
        ],
        dir.path(),
        DEADLINE,
    );
    out.assert_survived();
    let mode = fs::metadata(&existing).unwrap().permissions().mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "an existing report file kept mode {mode:o}"
    );
}

#[test]
fn fingerprints_are_keyed() {
    // The same value gets another fingerprint under another key, so a
    // report cannot be joined to a list of hashed IINs without the key.
    let dir = tree();
    let fingerprints = |key: Option<&str>| -> Vec<String> {
        let env: Vec<(&str, &str)> = key
            .map(|k| ("TIZIM_FINGERPRINT_KEY", k))
            .into_iter()
            .collect();
        let out = run_tizim_env(
            ["scan", "--format", "ndjson", "logs/app.log"],
            dir.path(),
            DEADLINE,
            &env,
        );
        out.assert_survived();
        out.findings()
            .into_iter()
            .filter(|f| f["evidence"] == "value")
            .map(|f| f["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    let default = fingerprints(None);
    let keyed = fingerprints(Some("audit-2024-secret"));
    assert!(!default.is_empty(), "nothing found in logs/app.log");
    assert_eq!(default.len(), keyed.len());
    for (a, b) in default.iter().zip(&keyed) {
        assert_ne!(a, b, "the fingerprint does not depend on the key");
    }
    assert_eq!(default, fingerprints(None), "fingerprints are not stable");
}
