//! Office files end to end: spreadsheets, documents, RTF and delimited text
//! recognised by content, each finding with its field and position.
//!
//! The fixtures in `fixtures/office/` come from real producers (openpyxl,
//! python-docx, python-pptx, LibreOffice) through `fixtures/office/make.py`,
//! which also writes `truth.json`: every planted value. Each test compares
//! the *whole* set of findings of a file with the set expected from it, so
//! a missed value and a spurious one both fail.

mod common;

use serde_json::Value;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

/// `(path suffix, line, category, field, value)` of one finding.
type Found = (String, u64, String, Option<String>, String);

struct Person {
    name: String,
    iin: String,
    born: String,
    phone: String,
    email: String,
    iban: String,
}

struct Company {
    bin: String,
    email: String,
}

fn truth() -> (Vec<Person>, Vec<Company>) {
    let text = std::fs::read_to_string(common::fixture("office/truth.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let s = |p: &Value, k: &str| p[k].as_str().unwrap().to_string();
    let people = v["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| Person {
            name: s(p, "name"),
            iin: s(p, "iin"),
            born: s(p, "born"),
            phone: s(p, "phone"),
            email: s(p, "email"),
            iban: s(p, "iban"),
        })
        .collect();
    let companies = v["companies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Company {
            bin: s(c, "bin"),
            email: s(c, "email"),
        })
        .collect();
    (people, companies)
}

/// Every finding of scanning `name` (under fixtures/office), with values.
fn scan(name: &str) -> (BTreeSet<Found>, Vec<Value>) {
    let path = common::fixture(&format!("office/{name}"));
    let run = common::scan_ndjson(
        path.parent().unwrap(),
        &["--show-values", "--quiet", path.to_str().unwrap()],
    );
    assert!(matches!(run.code, 0 | 1), "tizim failed: {}", run.stderr);
    let base = path.parent().unwrap().to_str().unwrap().to_string() + "/";
    let set = run
        .findings
        .iter()
        .map(|f| {
            (
                f["path"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches(&base)
                    .to_string(),
                f["line"].as_u64().unwrap(),
                f["category"].as_str().unwrap().to_string(),
                f["field"].as_str().map(str::to_string),
                f["value"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    (set, run.findings)
}

fn found(path: &str, line: u64, category: &str, field: Option<&str>, value: &str) -> Found {
    (
        path.to_string(),
        line,
        category.to_string(),
        field.map(str::to_string),
        value.to_string(),
    )
}

/// What the HR workbook holds: the `Сотрудники` sheet (a title in row 1,
/// the header in row 3) and `Контрагенты` (whose e-mails are formulas).
fn workbook(path: &str, with_formula_values: bool) -> BTreeSet<Found> {
    let (people, companies) = truth();
    let mut expected = BTreeSet::new();
    for (k, p) in people.iter().enumerate() {
        let line = 4 + k as u64;
        let f = |h: &str| format!("Сотрудники.{h}");
        expected.insert(found(path, line, "person_name", Some(&f("ФИО")), &p.name));
        expected.insert(found(path, line, "iin", Some(&f("ИИН")), &p.iin));
        expected.insert(found(
            path,
            line,
            "birth_date",
            Some(&f("Дата рождения")),
            &p.born,
        ));
        expected.insert(found(path, line, "phone", Some(&f("Телефон")), &p.phone));
        expected.insert(found(path, line, "email", Some(&f("E-mail")), &p.email));
        expected.insert(found(path, line, "iban", Some(&f("ИИК")), &p.iban));
    }
    for (k, c) in companies.iter().enumerate() {
        let line = 2 + k as u64;
        expected.insert(found(path, line, "bin", Some("Контрагенты.БИН"), &c.bin));
        if with_formula_values {
            expected.insert(found(
                path,
                line,
                "email",
                Some("Контрагенты.Контакт"),
                &c.email,
            ));
        }
    }
    expected
}

fn assert_same(name: &str, got: &BTreeSet<Found>, expected: &BTreeSet<Found>) {
    let missed: Vec<_> = expected.difference(got).collect();
    let extra: Vec<_> = got.difference(expected).collect();
    assert!(
        missed.is_empty() && extra.is_empty(),
        "{name}: missed {missed:#?}\nunexpected {extra:#?}"
    );
}

#[test]
fn xlsx_xls_and_ods_from_libreoffice_name_every_column() {
    for name in ["hr-libreoffice.xlsx", "hr.xls", "hr.ods"] {
        let (got, _) = scan(name);
        assert_same(name, &got, &workbook(name, true));
    }
}

#[test]
fn openpyxl_xlsx_iin_typed_as_a_number_gets_its_zero_back() {
    let (people, _) = truth();
    // The first person was born in 2005: the IIN starts with 0, and the
    // sheet stores it as the number 50722…, eleven digits.
    assert!(people[0].iin.starts_with('0'));
    let (got, findings) = scan("hr.xlsx");
    // openpyxl stores no cached values for formulas: nothing to find there.
    assert_same("hr.xlsx", &got, &workbook("hr.xlsx", false));
    let iin = findings
        .iter()
        .find(|f| f["value"] == people[0].iin.as_str())
        .unwrap();
    // Row 4 written out: `1 ⇥ <name> ⇥ <iin>`, so the IIN's column is
    // the name's length plus 4.
    let column = people[0].name.chars().count() as u64 + 4;
    assert_eq!(
        (
            iin["line"].as_u64(),
            iin["column"].as_u64(),
            iin["masked"].as_str()
        ),
        (
            Some(4),
            Some(column),
            Some(&*format!("**********{}", &people[0].iin[10..]))
        )
    );
}

#[test]
fn a_workbook_is_recognised_by_content_inside_an_archive() {
    let (got, _) = scan("backup.zip");
    let mut expected = workbook("backup.zip!hr.xlsx", true);
    expected.extend(workbook("backup.zip!old/hr.bin", true));
    assert_same("backup.zip", &got, &expected);
}

#[test]
fn inline_strings_are_read() {
    let (people, _) = truth();
    let (got, _) = scan("inline.xlsx");
    let mut expected = BTreeSet::new();
    for (k, p) in people[..2].iter().enumerate() {
        let line = 2 + k as u64;
        expected.insert(found(
            "inline.xlsx",
            line,
            "person_name",
            Some("Лист1.ФИО"),
            &p.name,
        ));
        expected.insert(found(
            "inline.xlsx",
            line,
            "email",
            Some("Лист1.E-mail"),
            &p.email,
        ));
    }
    assert_same("inline.xlsx", &got, &expected);
}

/// The contract: a paragraph with an IIN and an e-mail, a table with a
/// header row, a `label | value` table, a header, a footer and a comment.
/// `body_shift` is the line of the first body paragraph minus 1.
fn contract(
    body: &str,
    comment: (&str, u64),
    header: &str,
    footer: &str,
    footer_line: u64,
) -> BTreeSet<Found> {
    let (p, _) = truth();
    [
        // The name in the opening paragraph is a value of its own.
        found(body, 2, "person_name", None, &p[0].name),
        found(body, 2, "iin", None, &p[0].iin),
        found(body, 2, "email", None, &p[0].email),
        // Header row on lines 3–5, then one paragraph per cell.
        found(body, 6, "person_name", Some("ФИО"), &p[1].name),
        found(body, 7, "iin", Some("ИИН"), &p[1].iin),
        found(body, 8, "phone", Some("Телефон"), &p[1].phone),
        found(body, 9, "person_name", Some("ФИО"), &p[2].name),
        found(body, 10, "iin", Some("ИИН"), &p[2].iin),
        found(body, 11, "phone", Some("Телефон"), &p[2].phone),
        // Line 12 «Реквизиты:», then label and value paragraphs.
        found(body, 14, "phone", Some("Телефон"), &p[3].phone),
        found(body, 16, "iban", Some("ИИК"), &p[3].iban),
        found(body, 18, "email", Some("Почта"), &p[3].email),
        found(comment.0, comment.1, "iin", None, &p[4].iin),
        found(header, 1, "email", None, "hr.office@romashka.kz"),
        found(footer, footer_line, "phone", None, "+7 727 355 66 77"),
    ]
    .into_iter()
    .collect()
}

#[test]
fn docx_tables_give_fields_and_lines_are_paragraphs() {
    let (got, _) = scan("contract.docx");
    let expected = contract(
        "contract.docx",
        ("contract.docx!word/comments.xml", 1),
        "contract.docx!word/header1.xml",
        "contract.docx!word/footer1.xml",
        1,
    );
    assert_same("contract.docx", &got, &expected);
}

#[test]
fn odt_from_libreoffice_reads_the_same() {
    let (got, _) = scan("contract.odt");
    // The comment is an annotation inside paragraph 1; header and footer
    // live in styles.xml, paragraphs 1 and 2.
    let expected = contract(
        "contract.odt",
        ("contract.odt", 1),
        "contract.odt!styles.xml",
        "contract.odt!styles.xml",
        2,
    );
    assert_same("contract.odt", &got, &expected);
}

#[test]
fn rtf_from_libreoffice_decodes_cp1251_and_unicode() {
    let (p, _) = truth();
    let (got, _) = scan("contract.rtf");
    // RTF has no columns to name; table rows are lines, cells tab-separated.
    let r = "contract.rtf";
    let expected: BTreeSet<Found> = [
        found(r, 1, "email", None, "hr.office@romashka.kz"),
        found(r, 2, "phone", None, "+7 727 355 66 77"),
        found(r, 3, "iin", None, &p[4].iin),
        found(r, 4, "person_name", None, &p[0].name),
        found(r, 4, "iin", None, &p[0].iin),
        found(r, 4, "email", None, &p[0].email),
        found(r, 6, "person_name", None, &p[1].name),
        found(r, 6, "iin", None, &p[1].iin),
        found(r, 6, "phone", None, &p[1].phone),
        found(r, 7, "person_name", None, &p[2].name),
        found(r, 7, "iin", None, &p[2].iin),
        found(r, 7, "phone", None, &p[2].phone),
        found(r, 9, "phone", None, &p[3].phone),
        found(r, 10, "iban", None, &p[3].iban),
        found(r, 11, "email", None, &p[3].email),
    ]
    .into_iter()
    .collect();
    assert_same(r, &got, &expected);
}

#[test]
fn pptx_and_odp_slides_tables_and_notes() {
    let (p, _) = truth();
    let (got, _) = scan("slides.pptx");
    let s1 = "slides.pptx!ppt/slides/slide1.xml";
    let s2 = "slides.pptx!ppt/slides/slide2.xml";
    let expected: BTreeSet<Found> = [
        found(s1, 2, "person_name", None, &p[0].name),
        found(s1, 2, "email", None, &p[0].email),
        found(s2, 4, "person_name", Some("ФИО"), &p[1].name),
        found(s2, 5, "iin", Some("ИИН"), &p[1].iin),
        found(s2, 6, "person_name", Some("ФИО"), &p[2].name),
        found(s2, 7, "iin", Some("ИИН"), &p[2].iin),
        found(
            "slides.pptx!ppt/notesSlides/notesSlide1.xml",
            1,
            "phone",
            None,
            &p[3].phone,
        ),
    ]
    .into_iter()
    .collect();
    assert_same("slides.pptx", &got, &expected);

    let (got, _) = scan("slides.odp");
    let o = "slides.odp";
    let expected: BTreeSet<Found> = [
        found(o, 2, "person_name", None, &p[0].name),
        found(o, 2, "email", None, &p[0].email),
        found(o, 6, "person_name", Some("ФИО"), &p[1].name),
        found(o, 7, "iin", Some("ИИН"), &p[1].iin),
        found(o, 8, "person_name", Some("ФИО"), &p[2].name),
        found(o, 9, "iin", Some("ИИН"), &p[2].iin),
        found(o, 10, "phone", None, &p[3].phone),
    ]
    .into_iter()
    .collect();
    assert_same("slides.odp", &got, &expected);
}

/// A delimited export: header on line 1, one person a line.
fn delimited(path: &str, columns: &[(&str, &str)]) -> BTreeSet<Found> {
    let (people, _) = truth();
    let mut expected = BTreeSet::new();
    for (k, p) in people.iter().enumerate() {
        for &(category, header) in columns {
            let value = match category {
                "person_name" => &p.name,
                "iin" => &p.iin,
                "phone" => &p.phone,
                "email" => &p.email,
                _ => &p.iban,
            };
            expected.insert(found(path, 2 + k as u64, category, Some(header), value));
        }
    }
    expected
}

#[test]
fn delimited_text_is_recognised_by_content() {
    let columns = [
        ("person_name", "ФИО"),
        ("iin", "ИИН"),
        ("phone", "Телефон"),
        ("email", "E-mail"),
    ];
    // Excel's "Unicode text" (UTF-16LE, tabs) and a cp1251 `;` export
    // without an extension.
    for name in ["unicode-export.txt", "1c-export"] {
        let (got, _) = scan(name);
        assert_same(name, &got, &delimited(name, &columns));
    }
    // A `|` table whose header names no personal data: consistent rows.
    let (got, _) = scan("clients.dat");
    // The `Клиент` column names nobody's data, but its values are names:
    // found by the `person-name` detector from the values themselves.
    let expected = delimited(
        "clients.dat",
        &[
            ("person_name", "Клиент"),
            ("email", "Контакт"),
            ("iban", "Счёт"),
        ],
    );
    assert_same("clients.dat", &got, &expected);
}

// ------------------------------------------------------------ hostile

/// An xlsx package around `sheet` (the worksheet XML), deflated.
fn xlsx_with_sheet(path: &Path, sheet: &mut dyn FnMut(&mut dyn Write)) {
    let file = std::fs::File::create(path).unwrap();
    let mut z = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let parts: [(&str, &str); 4] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Big" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    for (name, text) in parts {
        z.start_file(name, opts).unwrap();
        z.write_all(text.as_bytes()).unwrap();
    }
    z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
    z.write_all(br#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#)
        .unwrap();
    sheet(&mut z);
    z.write_all(b"</sheetData></worksheet>").unwrap();
    z.finish().unwrap();
}

#[test]
fn a_zip_bomb_inside_an_xlsx_is_cut_off_and_reported() {
    let dir = common::temp_dir("tizim-office-bomb-");
    // 300 MiB of whitespace between rows deflates far past 200:1.
    xlsx_with_sheet(&dir.path().join("bomb.xlsx"), &mut |w| {
        w.write_all(b"<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>E-mail</t></is></c></row>")
            .unwrap();
        let block = vec![b' '; 1 << 20];
        for _ in 0..300 {
            w.write_all(&block).unwrap();
        }
    });
    let size = std::fs::metadata(dir.path().join("bomb.xlsx"))
        .unwrap()
        .len();
    assert!(size < (300 << 20) / 400, "not a bomb: {size} bytes");
    // Workbooks that declare vast sheets in a few kilobytes (see
    // fixtures/office/broken/SOURCES.md): calamine would allocate gigabytes.
    for name in ["xls-cell-at-column-65535.xls", "ods-repeated-columns.ods"] {
        std::fs::copy(
            common::fixture(&format!("office/broken/{name}")),
            dir.path().join(name),
        )
        .unwrap();
    }
    std::fs::write(
        dir.path().join("canary.log"),
        "contact canary.office@mail.kz\n",
    )
    .unwrap();
    let out = common::run_tizim(
        ["scan", "--format", "json", "."],
        dir.path(),
        common::DEADLINE,
    );
    out.assert_survived();
    out.assert_rss_below_mib(256);
    let report = out.report();
    assert!(
        report.skipped("ratio_limit") + report.skipped("size_limit") >= 1,
        "the bomb is not reported as cut off: {}",
        report.skip_and_error_text()
    );
    assert!(report
        .located("email")
        .iter()
        .any(|(p, _)| p.ends_with("canary.log")));
}

#[test]
fn a_large_sheet_streams_in_bounded_memory() {
    let dir = common::temp_dir("tizim-office-rows-");
    // 300,000 rows with an e-mail in each: about 40 MB of sheet XML.
    const ROWS: u64 = 300_000;
    xlsx_with_sheet(&dir.path().join("rows.xlsx"), &mut |w| {
        w.write_all(b"<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>E-mail</t></is></c><c r=\"B1\" t=\"inlineStr\"><is><t>N</t></is></c></row>")
            .unwrap();
        for r in 2..=ROWS + 1 {
            write!(
                w,
                "<row r=\"{r}\"><c r=\"A{r}\" t=\"inlineStr\"><is><t>user{r}@mail.kz</t></is></c><c r=\"B{r}\"><v>{r}</v></c></row>"
            )
            .unwrap();
        }
    });
    let out = common::run_tizim(
        ["scan", "--format", "ndjson", "--max-ratio", "100000", "."],
        dir.path(),
        common::DEADLINE,
    );
    out.assert_survived();
    // The sheet's XML (about 30 MB) is larger than this: it was streamed,
    // not held whole (14 MiB measured).
    out.assert_rss_below_mib(32);
    let findings = out.findings();
    assert_eq!(findings.len() as u64, ROWS, "{}", out.stderr);
    let last = findings.iter().map(|f| f["line"].as_u64().unwrap()).max();
    assert_eq!(last, Some(ROWS + 1));
    assert!(findings.iter().all(|f| f["field"] == "Big.E-mail"));
}

#[test]
fn broken_office_files_are_errors_and_the_scan_goes_on() {
    let dir = common::temp_dir("tizim-office-broken-");
    let ok = std::fs::read(common::fixture("office/hr-libreoffice.xlsx")).unwrap();
    // Truncated: the central directory is gone.
    std::fs::write(dir.path().join("cut.xlsx"), &ok[..ok.len() / 2]).unwrap();
    // A docx whose body is not XML.
    let docx = common::zip(&[
        ("[Content_Types].xml", b"<Types/>"),
        (
            "word/document.xml",
            b"<w:document><w:body><w:p><w:t>a@b.kz</w:t></w:p><w:p></w:q>",
        ),
    ]);
    std::fs::write(dir.path().join("bad.docx"), docx).unwrap();
    // OLE magic and nothing after it.
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.extend_from_slice(&[0u8; 600]);
    std::fs::write(dir.path().join("bad.xls"), ole).unwrap();
    // An OLE file on which calamine 0.38 panics (a sector past the end of
    // the file; found by `cargo fuzz run spreadsheet`): an error of this
    // file, not the end of the scan.
    std::fs::copy(
        common::fixture("office/calamine-panics.xls"),
        dir.path().join("panics.xls"),
    )
    .unwrap();
    // A compound file whose sector chain loops, and one whose Workbook
    // stream ends before calamine's reader would stop (see SOURCES.md).
    std::fs::copy(
        common::fixture("office/broken/cfb-loop-in-open-2"),
        dir.path().join("loop.xls"),
    )
    .unwrap();
    std::fs::copy(
        common::fixture("office/broken/xls-stream-shorter-than-calamine-reads.xls"),
        dir.path().join("short.xls"),
    )
    .unwrap();
    // Workbooks that declare vast sheets in a few kilobytes (see
    // fixtures/office/broken/SOURCES.md): calamine would allocate gigabytes.
    for name in ["xls-cell-at-column-65535.xls", "ods-repeated-columns.ods"] {
        std::fs::copy(
            common::fixture(&format!("office/broken/{name}")),
            dir.path().join(name),
        )
        .unwrap();
    }
    std::fs::write(
        dir.path().join("canary.log"),
        "contact canary.office@mail.kz\n",
    )
    .unwrap();
    let out = common::run_tizim(
        ["scan", "--format", "json", "."],
        dir.path(),
        common::DEADLINE,
    );
    out.assert_survived();
    // The looping chain was not followed (it grew past 1 GiB before).
    out.assert_rss_below_mib(64);
    let report = out.report();
    let emails = report.located("email");
    assert!(
        emails.iter().any(|(p, _)| p.ends_with("canary.log")),
        "{emails:?}"
    );
    // What came before the XML error is still found.
    assert!(
        emails
            .iter()
            .any(|(p, l)| p.ends_with("bad.docx") && *l == 1),
        "{emails:?}"
    );
    let errors = report.skip_and_error_text();
    assert!(
        errors.contains("bad.docx") && errors.contains("malformed XML"),
        "{errors}"
    );
    assert!(errors.contains("cut.xlsx"), "{errors}");
    assert!(errors.contains("panics.xls"), "{errors}");
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    assert!(errors.contains("loop.xls"), "{errors}");
    assert!(errors.contains("short.xls"), "{errors}");
    for name in ["xls-cell-at-column-65535.xls", "ods-repeated-columns.ods"] {
        let refused = report.0["errors"].as_array().unwrap().iter().any(|e| {
            e["path"].as_str().unwrap().ends_with(name)
                && e["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("workbook not read: its sheets span at least")
        });
        assert!(refused, "{errors}");
    }
}
