//! Documents and mail (issue 12, the PDF and mail half): e-mail messages,
//! mbox and Maildir; PDF pages; and the formats that are said, not read.
//!
//! Fixtures come from real producers: `fixtures/mail/make.py` (Python's
//! `email` package) and `fixtures/pdf/make.sh` (LibreOffice). Each test
//! asserts the exact findings: category, field, line, column and value.

mod common;

use std::path::{Path, PathBuf};
use tizim::detect::Engine;
use tizim::model::Finding;
use tizim::scan::{self, Collect, ScanOptions, ScanSummary};
use tizim::walk::WalkOptions;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Row {
    /// Relative to the directory scanned.
    path: String,
    field: Option<String>,
    line: u64,
    column: u64,
    category: String,
    value: String,
}

fn row(path: &str, field: &str, (line, column): (u64, u64), category: &str, value: &str) -> Row {
    Row {
        path: path.to_string(),
        field: (!field.is_empty()).then(|| field.to_string()),
        line,
        column,
        category: category.to_string(),
        value: value.to_string(),
    }
}

/// Scans `paths` with values shown; findings sorted, paths made relative
/// to `base`.
fn scan_paths(base: &Path, paths: &[PathBuf], show_values: bool) -> (Vec<Finding>, ScanSummary) {
    let engine = Engine::builtin().unwrap();
    let opts = ScanOptions {
        walk: WalkOptions {
            threads: 1,
            ..WalkOptions::default()
        },
        show_values,
        ..ScanOptions::default()
    };
    let collect = Collect::default();
    let summary = scan::run(paths, &opts, &engine, &collect);
    let mut findings = collect.into_findings();
    let prefix = format!("{}/", base.display());
    for f in &mut findings {
        if let Some(rest) = f.path.strip_prefix(&prefix) {
            f.path = rest.into();
        }
    }
    (findings, summary)
}

fn rows(base: &Path, paths: &[PathBuf]) -> (Vec<Row>, ScanSummary) {
    let (findings, summary) = scan_paths(base, paths, true);
    let mut rows: Vec<Row> = findings
        .into_iter()
        .map(|f| Row {
            path: f.path.to_string(),
            field: f.field.as_deref().map(str::to_string),
            line: f.line,
            column: f.column,
            category: f.category.id().to_string(),
            value: f.value.unwrap_or_default(),
        })
        .collect();
    rows.sort();
    (rows, summary)
}

/// Line and 1-based character column of the first occurrence of `needle`.
fn at(text: &str, needle: &str) -> (u64, u64) {
    let i = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in {text:?}"));
    let before = &text[..i];
    let line = before.matches('\n').count() as u64 + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() as u64 + 1)
}

fn mail_dir() -> PathBuf {
    common::fixture("mail")
}

fn pdf_dir() -> PathBuf {
    common::fixture("pdf")
}

fn sorted(mut rows: Vec<Row>) -> Vec<Row> {
    rows.sort();
    rows
}

/// The CSV every mail fixture attaches (fixtures/mail/make.py, CSV_ROWS),
/// as decoded text, with its expected findings under `path`.
const SPISOK: &str = "ФИО;ИИН;Телефон\r\n\
    Сейткали Айгерим Болатовна;920715350560;+7 705 318 42 96\r\n\
    Жумабаев Ерлан Серикович;881102400124;8 (747) 765-43-21\r\n";

fn spisok_rows(path: &str) -> Vec<Row> {
    let s = SPISOK;
    vec![
        row(
            path,
            "ФИО",
            at(s, "Сейткали"),
            "person_name",
            "Сейткали Айгерим Болатовна",
        ),
        row(path, "ИИН", at(s, "920715350560"), "iin", "920715350560"),
        row(
            path,
            "Телефон",
            at(s, "+7 705"),
            "phone",
            "+7 705 318 42 96",
        ),
        row(
            path,
            "ФИО",
            at(s, "Жумабаев"),
            "person_name",
            "Жумабаев Ерлан Серикович",
        ),
        row(path, "ИИН", at(s, "881102400124"), "iin", "881102400124"),
        row(
            path,
            "Телефон",
            at(s, "8 (747)"),
            "phone",
            "8 (747) 765-43-21",
        ),
    ]
}

#[test]
fn eml_headers_base64_body_and_cp1251_csv_attachment() {
    let dir = mail_dir();
    let eml = std::fs::read_to_string(dir.join("0001.eml")).unwrap();
    let (found, summary) = rows(&dir, &[dir.join("0001.eml")]);
    let p = "0001.eml";
    // The body as decoded from base64 (make.py).
    let body = "Добрый день!\nИИН сотрудника: 850315300128\n\
                Телефон для связи: +7 701 234 56 78\nСписок во вложении.\n";
    let mut expected = vec![
        row(
            p,
            "From",
            at(&eml, "erlan.zhumabaev@"),
            "email",
            "erlan.zhumabaev@mail.kz",
        ),
        row(
            p,
            "To",
            at(&eml, "aigerim.seitkali@"),
            "email",
            "aigerim.seitkali@gmail.com",
        ),
        row(p, "To", at(&eml, "hr@"), "email", "hr@example-corp.kz"),
        row(
            p,
            "Cc",
            at(&eml, "ivan.petrov@"),
            "email",
            "ivan.petrov@mail.kz",
        ),
        row(
            p,
            "Reply-To",
            at(&eml, "kadry@"),
            "email",
            "kadry@example-corp.kz",
        ),
        // Display names, encoded words: at the start of the header's value.
        row(
            p,
            "From.sender_name",
            at(&eml, " =?utf-8?b?0JbR"),
            "person_name",
            "Жумабаев Ерлан",
        ),
        row(
            p,
            "To.recipient_name",
            at(&eml, "=?utf-8?b?0KHQtdC5"),
            "person_name",
            "Сейткали Айгерим",
        ),
        row(
            p,
            "Cc.recipient_name",
            at(&eml, "=?utf-8?b?0J/Qt"),
            "person_name",
            "Петров Иван",
        ),
        row(p, "body", at(body, "850315300128"), "iin", "850315300128"),
        row(p, "body", at(body, "+7 701"), "phone", "+7 701 234 56 78"),
    ];
    // The folded From: the name's value starts after the line break.
    expected[5].line = 2;
    expected[5].column = 2;
    expected.extend(spisok_rows("0001.eml!spisok.csv"));
    assert_eq!(found, sorted(expected));
    // Message-ID, In-Reply-To and References hold `local@host` shapes that
    // are not anyone's address.
    for id in ["20240301100000.4821@mail.kz", "20240229.1717@gmail.com"] {
        assert!(eml.contains(id));
        assert!(!found.iter().any(|r| r.value.contains(id)), "{id} reported");
    }
    assert_eq!(
        summary.stats.files_scanned, 2,
        "the message and its attachment"
    );
    assert!(summary.errors.is_empty(), "{:?}", summary.errors);
}

#[test]
fn eml_quoted_printable_cp1251_body_zip_and_forwarded_message() {
    let dir = mail_dir();
    let eml = std::fs::read_to_string(dir.join("0002.eml")).unwrap();
    let (found, summary) = rows(&dir, &[dir.join("0002.eml")]);
    let p = "0002.eml";
    let body = "Оплачено картой 4400 4301 2345 6789.\nБИН организации: 140340014652\n";
    let fwd = "0002.eml!forward.eml";
    // The forwarded message, as its own text (it starts at its From line).
    let inner = &eml[eml.find("From: =?utf-8?b?0JHRg9GF").unwrap()..];
    let mut expected = vec![
        row(
            p,
            "From",
            at(&eml, "kassa@"),
            "email",
            "kassa@example-corp.kz",
        ),
        row(
            p,
            "To",
            at(&eml, "ivan.petrov@"),
            "email",
            "ivan.petrov@mail.kz",
        ),
        row(
            p,
            "To.recipient_name",
            at(&eml, "=?utf-8?b?0J/Qt"),
            "person_name",
            "Петров Иван",
        ),
        row(p, "body", at(body, "4400"), "card", "4400 4301 2345 6789"),
        row(p, "body", at(body, "140340014652"), "bin", "140340014652"),
        row(
            fwd,
            "From",
            at(inner, "buh@"),
            "email",
            "buh@example-corp.kz",
        ),
        row(
            fwd,
            "To",
            at(inner, "erlan.zhumabaev@"),
            "email",
            "erlan.zhumabaev@mail.kz",
        ),
        row(fwd, "body", (1, 7), "iban", "KZ86125KZT5004100100"),
    ];
    expected.extend(spisok_rows("0002.eml!arhiv.zip!spisok.csv"));
    expected.extend(spisok_rows("0002.eml!forward.eml!rekvizity.csv"));
    assert_eq!(found, sorted(expected));
    assert!(summary.errors.is_empty(), "{:?}", summary.errors);
}

#[test]
fn mbox_messages_are_numbered_members_and_maildir_is_read_by_content() {
    let dir = mail_dir();
    let mbox = std::fs::read_to_string(dir.join("inbox.mbox")).unwrap();
    let maildir = dir.join("maildir/cur/1700000000.M1P1.host:2,S");
    let (found, summary) = rows(&dir, &[dir.join("inbox.mbox"), maildir]);
    let message = |n: usize| {
        let start = mbox.match_indices("\nFrom: ").nth(n - 1).unwrap().0 + 1;
        let end = mbox[start..]
            .find("\nFrom MAILER")
            .map_or(mbox.len(), |e| start + e + 1);
        &mbox[start..end]
    };
    let m = |n: usize| format!("inbox.mbox!{n}");
    let md = "maildir/cur/1700000000.M1P1.host:2,S";
    let mut expected = vec![
        row(
            &m(1),
            "From",
            at(message(1), "aigerim"),
            "email",
            "aigerim.seitkali@gmail.com",
        ),
        row(
            &m(1),
            "To",
            at(message(1), "hr@"),
            "email",
            "hr@example-corp.kz",
        ),
        row(&m(1), "body", (1, 9), "iin", "920715350560"),
        row(
            &m(2),
            "From",
            at(message(2), "ivan"),
            "email",
            "ivan.petrov@mail.kz",
        ),
        row(
            &m(2),
            "To",
            at(message(2), "hr@"),
            "email",
            "hr@example-corp.kz",
        ),
        row(
            &m(3),
            "From",
            at(message(3), "kassa"),
            "email",
            "kassa@example-corp.kz",
        ),
        row(
            &m(3),
            "To",
            at(message(3), "hr@"),
            "email",
            "hr@example-corp.kz",
        ),
        // `>From the desk` unescaped: the card keeps its column.
        row(&m(3), "body", (1, 21), "card", "5169493109876543"),
        row(md, "From", (1, 7), "email", "aigerim.seitkali@gmail.com"),
        row(md, "To", (2, 5), "email", "hr@example-corp.kz"),
        row(md, "body", (1, 9), "iin", "920715350560"),
    ];
    expected.extend(spisok_rows("inbox.mbox!2!spisok.csv"));
    assert_eq!(found, sorted(expected));
    assert!(summary.errors.is_empty(), "{:?}", summary.errors);
}

/// A message whose attachment is a message, whose attachment is a
/// message, … 1,000 deep, each holding an e-mail address.
fn nested_mail(depth: usize) -> Vec<u8> {
    let mut message = b"From: leaf@example-corp.kz\r\nSubject: leaf\r\n\r\nleaf\r\n".to_vec();
    for level in (0..depth).rev() {
        let mut outer = format!(
            "From: level{level}@example-corp.kz\r\nSubject: level {level}\r\n\
             MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b{level}\"\r\n\r\n\
             --b{level}\r\nContent-Type: text/plain\r\n\r\nlevel {level}\r\n\
             --b{level}\r\nContent-Type: message/rfc822\r\n\
             Content-Disposition: attachment; filename=\"m{level}.eml\"\r\n\r\n"
        )
        .into_bytes();
        outer.extend_from_slice(&message);
        outer.extend_from_slice(format!("\r\n--b{level}--\r\n").as_bytes());
        message = outer;
    }
    message
}

#[test]
fn a_mail_with_1000_nested_attachments_stops_at_the_depth_limit() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("deep.eml"), nested_mail(1000)).unwrap();
    let started = std::time::Instant::now();
    let (found, summary) = rows(tmp.path(), &[tmp.path().join("deep.eml")]);
    let elapsed = started.elapsed();
    // Depth 0 is the file; --max-archive-depth 4 opens 4 levels of members.
    let froms: Vec<&str> = found
        .iter()
        .filter(|r| r.field.as_deref() == Some("From"))
        .map(|r| r.value.as_str())
        .collect();
    assert_eq!(
        froms,
        [
            "level0@example-corp.kz",
            "level1@example-corp.kz",
            "level2@example-corp.kz",
            "level3@example-corp.kz",
            "level4@example-corp.kz"
        ]
    );
    assert_eq!(
        found.iter().map(|r| r.path.as_str()).max(),
        Some("deep.eml!m0.eml!m1.eml!m2.eml!m3.eml")
    );
    assert_eq!(summary.stats.skipped.get("depth_limit"), Some(&1));
    assert!(elapsed.as_secs() < 30, "took {elapsed:?}");
}

#[test]
fn a_mail_with_1000_attachments_side_by_side_reads_them_all() {
    let mut mail = String::from(
        "From: a@example-corp.kz\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n",
    );
    for i in 0..1000 {
        mail.push_str(&format!(
            "--b\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; filename=\"{i}.csv\"\r\n\r\n\
             email\r\nuser{i}@example-corp.kz\r\n"
        ));
    }
    mail.push_str("--b--\r\n");
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("wide.eml"), mail).unwrap();
    let (found, summary) = rows(tmp.path(), &[tmp.path().join("wide.eml")]);
    let attached = found
        .iter()
        .filter(|r| r.field.as_deref() == Some("email"))
        .count();
    assert_eq!(attached, 1000);
    assert_eq!(summary.stats.files_scanned, 1001);
}

#[test]
fn pdf_pages_and_lines() {
    let dir = pdf_dir();
    let (found, summary) = rows(&dir, &[dir.join("contract.pdf")]);
    let p = "contract.pdf";
    // Positions in the pages' text (pdf_page_text_is_laid_out_by_position).
    let expected = vec![
        row(
            p,
            "page 1",
            (3, 11),
            "person_name",
            "Жумабаев Ерлан Серикович",
        ),
        row(p, "page 1", (3, 41), "iin", "850315300128"),
        row(p, "page 1", (5, 10), "phone", "+7 701 234 56 78"),
        row(p, "page 1", (5, 36), "email", "erlan.zhumabaev@mail.kz"),
        row(p, "page 2", (5, 5), "iban", "KZ86125KZT5004100100"),
        row(p, "page 2", (7, 7), "card", "4400 4301 2345 6789"),
        row(p, "page 2", (9, 9), "phone", "8 (747) 765-43-21"),
    ];
    assert_eq!(found, sorted(expected));
    assert!(summary.errors.is_empty(), "{:?}", summary.errors);
}

#[test]
fn encrypted_and_image_only_pdfs_are_skipped_with_their_reason() {
    let dir = pdf_dir();
    let (found, summary) = rows(&dir, &[dir.join("encrypted.pdf"), dir.join("scanned.pdf")]);
    assert!(found.is_empty(), "{found:?}");
    assert_eq!(summary.stats.skipped.get("encrypted"), Some(&1));
    assert_eq!(summary.stats.skipped.get("image_only"), Some(&1));
    let said = |name: &str| {
        summary
            .notices
            .iter()
            .find(|n| n.path.ends_with(name))
            .unwrap_or_else(|| panic!("no notice for {name}: {:?}", summary.notices))
            .message
            .clone()
    };
    assert!(said("encrypted.pdf").contains("password"));
    assert!(said("scanned.pdf").contains("OCR"));
    assert!(summary.errors.is_empty(), "{:?}", summary.errors);
}

/// A PDF whose one form XObject draws itself: the reader would recurse
/// until the stack overflowed.
fn recursive_pdf() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R \
         /Resources << /XObject << /Fm1 5 0 R >> >> >>"
            .to_string(),
        stream("", "/Fm1 Do"),
        stream(
            "/Type /XObject /Subtype /Form /BBox [0 0 200 200]",
            "/Fm1 Do",
        ),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

fn stream(dict: &str, content: &str) -> String {
    format!(
        "<< {dict} /Length {} >>\nstream\n{content}\nendstream",
        content.len()
    )
}

#[test]
fn hostile_pdfs_are_errors_not_crashes() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("recursive.pdf"), recursive_pdf()).unwrap();
    let mut truncated = std::fs::read(pdf_dir().join("contract.pdf")).unwrap();
    truncated.truncate(truncated.len() / 2);
    std::fs::write(tmp.path().join("truncated.pdf"), truncated).unwrap();
    std::fs::write(
        tmp.path().join("garbage.pdf"),
        b"%PDF-1.7\n\x00\xff garbage <<<<[[[[",
    )
    .unwrap();
    let (found, summary) = rows(tmp.path(), &[tmp.path().to_path_buf()]);
    let errors: Vec<(String, String)> = summary
        .errors
        .iter()
        .map(|e| {
            let name = Path::new(&e.path)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, e.message.clone())
        })
        .collect();
    let recursive = errors.iter().find(|(n, _)| n == "recursive.pdf");
    assert!(
        recursive.is_some_and(|(_, m)| m.contains("cycle")),
        "{errors:?}"
    );
    assert!(errors.iter().any(|(n, _)| n == "garbage.pdf"), "{errors:?}");
    // Whatever the truncated file yields, the scan ends and says so.
    assert!(
        errors.iter().any(|(n, _)| n == "truncated.pdf") || !found.is_empty(),
        "{errors:?} {found:?}"
    );
}

#[test]
fn formats_not_read_are_said_and_fail_only_with_strict() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::write(
        root.join("photo.jpg"),
        [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F'],
    )
    .unwrap();
    std::fs::write(root.join("scan.png"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    let ole = |streams: &[&str]| {
        let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
        for name in streams {
            use std::io::Write;
            file.create_stream(format!("/{name}"))
                .unwrap()
                .write_all(b"850315300128")
                .unwrap();
        }
        file.flush().unwrap();
        file.into_inner().into_inner()
    };
    std::fs::write(root.join("letter.doc"), ole(&["WordDocument", "1Table"])).unwrap();
    std::fs::write(root.join("slides.ppt"), ole(&["PowerPoint Document"])).unwrap();
    std::fs::write(root.join("mail.msg"), ole(&["__substg1.0_0037001F"])).unwrap();
    std::fs::write(root.join("report.txt"), "ИИН 850315300128\n").unwrap();

    let run = |strict: bool| {
        let mut cmd = common::tizim(root);
        cmd.args(["scan", "--format", "json", "--fail-on", "none"]);
        if strict {
            cmd.arg("--strict");
        }
        common::output(cmd.arg("."))
    };
    let lax = run(false);
    assert_eq!(lax.code, 0, "{}", lax.stderr);
    let report = common::Report::parse(lax.stdout.as_bytes()).unwrap();
    assert_eq!(
        report.stats()["skipped"]["unread_format"],
        5,
        "{}",
        report.stats()
    );
    assert_eq!(report.stat("findings"), 1, "only report.txt is read");
    for said in [
        "JPEG image",
        "PNG image",
        "Word 97–2003",
        "PowerPoint 97–2003",
        "Outlook message",
    ] {
        assert!(lax.stderr.contains(said), "{said} not said: {}", lax.stderr);
    }
    assert!(
        lax.stderr.contains("unread_format 5"),
        "summary: {}",
        lax.stderr
    );
    let strict = run(true);
    assert_eq!(
        strict.code, 1,
        "--strict fails on formats not read: {}",
        strict.stderr
    );
}

#[test]
fn pdf_page_text_is_laid_out_by_position() {
    let bytes = std::fs::read(pdf_dir().join("contract.pdf")).unwrap();
    let pages = match tizim::source::pdf::extract_guarded(bytes).unwrap() {
        tizim::source::pdf::Extracted::Pages(pages) => pages,
        other => panic!("{other:?}"),
    };
    // Line 1 is the page's first line of text; a gap between paragraphs
    // wider than a line and a half is a blank line; table cells of a row
    // are one line, separated by spaces.
    assert_eq!(
        pages,
        [
            "Трудовой договор № 17\n\nРаботник: Жумабаев Ерлан Серикович, ИИН 850315300128.\n\n\
             Телефон: +7 701 234 56 78, e-mail: erlan.zhumabaev@mail.kz",
            "Реквизиты для выплаты заработной платы:\n\nПоле Значение\n\n\
             ИИК KZ86125KZT5004100100\n\nКарта 4400 4301 2345 6789\n\nТелефон 8 (747) 765-43-21",
        ]
    );
}

/// Precision and recall of `found` against `labels` (one `key\tcategory\tvalue`
/// a line), each finding keyed by `key_of`. Every value finding counts: one
/// not labelled is a false positive, whatever its category. Name-only
/// evidence (a `ФИО` column whose values are no names, which has no value)
/// says where a column is, not a value, and is left out.
fn accuracy(found: &[Row], labels: &str, key_of: impl Fn(&Row) -> String) -> (f64, f64, usize) {
    use std::collections::BTreeSet;
    let truth: BTreeSet<(String, String, String)> = labels
        .lines()
        .map(|l| {
            let mut f = l.split('\t');
            let mut next = || f.next().unwrap().to_string();
            (next(), next(), next())
        })
        .collect();
    let values: Vec<&Row> = found.iter().filter(|r| !r.value.is_empty()).collect();
    let got: BTreeSet<(String, String, String)> = values
        .iter()
        .map(|r| (key_of(r), r.category.clone(), r.value.clone()))
        .collect();
    assert_eq!(got.len(), values.len(), "a value found twice: {values:?}");
    let hits = got.intersection(&truth).count();
    for missed in truth.difference(&got) {
        eprintln!("missed: {missed:?}");
    }
    for wrong in got.difference(&truth) {
        eprintln!("false positive: {wrong:?}");
    }
    (
        hits as f64 / got.len().max(1) as f64,
        hits as f64 / truth.len().max(1) as f64,
        truth.len(),
    )
}

#[test]
fn accuracy_on_the_labelled_mail_and_pdf_corpora() {
    let mail = mail_dir().join("corpus");
    let (found, summary) = rows(&mail, &[mail.join("corpus.mbox")]);
    assert!(summary.errors.is_empty(), "{:?}", summary.errors);
    let labels = std::fs::read_to_string(mail.join("labels.tsv")).unwrap();
    let (precision, recall, n) = accuracy(&found, &labels, |r| r.path.clone());
    eprintln!("mail: {n} labelled values, precision {precision:.4}, recall {recall:.4}");
    assert!(
        precision >= 0.99 && recall >= 0.99,
        "mail: {precision} {recall}"
    );

    let pdf = pdf_dir().join("corpus");
    let (found, summary) = rows(&pdf, &[pdf.join("corpus.pdf")]);
    assert!(summary.errors.is_empty(), "{:?}", summary.errors);
    let labels = std::fs::read_to_string(pdf.join("labels.tsv")).unwrap();
    let (precision, recall, n) = accuracy(&found, &labels, |r| r.field.clone().unwrap_or_default());
    eprintln!("pdf: {n} labelled values, precision {precision:.4}, recall {recall:.4}");
    assert!(
        precision >= 0.99 && recall >= 0.99,
        "pdf: {precision} {recall}"
    );
}
