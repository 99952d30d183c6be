//! Engine-level rules: forms, boundaries, masks, overlaps, positions.

use super::*;
use crate::model::Confidence;

fn engine() -> &'static Engine {
    static E: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    E.get_or_init(|| Engine::builtin().expect("built-in detectors load"))
}

fn scan(text: &str) -> Vec<Match> {
    let mut out = Vec::new();
    engine().scan(&Segment::whole(text, 1, None), &mut out);
    out
}

/// `(detector, matched text)` pairs.
fn found(text: &str) -> Vec<(&'static str, String)> {
    scan(text)
        .into_iter()
        .map(|m| (m.detector, text[m.start..m.end].to_string()))
        .collect()
}

fn one(text: &str, detector: &str, value: &str) {
    assert_eq!(
        found(text),
        vec![(
            engine()
                .detectors
                .iter()
                .find(|d| d.id == detector)
                .unwrap()
                .id,
            value.to_string()
        )],
        "in {text:?}"
    );
}

fn none(text: &str) {
    assert_eq!(found(text), vec![], "in {text:?}");
}

#[test]
fn iin_and_bin_are_told_apart_by_structure() {
    one("ИИН 850315300128", "kz-iin", "850315300128");
    one("БИН 140340014652", "kz-bin", "140340014652");
    one("bin=240740036857;", "kz-bin", "240740036857");
    none("850315300129");
    none("990230300015");
    none("821214240092");
}

#[test]
fn values_must_not_touch_letters_or_digits() {
    none("x850315300128");
    none("850315300128x");
    none("1850315300128");
    none("ИИН850315300128");
    none("850315300128ж");
    one("(850315300128)", "kz-iin", "850315300128");
    one("\"850315300128\",", "kz-iin", "850315300128");
    one("iin:850315300128\n", "kz-iin", "850315300128");
}

#[test]
fn decimals_versions_and_uuids_are_not_values() {
    none("0.850315300128");
    none("850315300128.5");
    none("550e8400-e29b-41d4-a716-850315300128");
    // A sentence-ending dot is fine.
    one("ИИН: 850315300128.", "kz-iin", "850315300128");
}

#[test]
fn masked_values_are_not_findings() {
    none("8501******34");
    none("850315******");
    none("******300128");
    none("440043******1234");
    none("4400 43** **** 1234");
    none("4400 4301 2345 ****");
    none("+7 701 *** ** 78");
    none("i***@m***.kz");
}

#[test]
fn phones_in_every_usual_form() {
    for form in [
        "+7 701 234 56 78",
        "+7 (701) 234-56-78",
        "+77012345678",
        "8 701 234 56 78",
        "8(701)234-56-78",
        "87012345678",
        "+7-701-234-56-78",
        "+7 (7172) 55-66-77",
        "8 (727) 355-66-77",
        "77012345678",
        "+7 916 123-45-67",
        "+998 90 123 45 67",
        "+996 555 123 456",
        "+1 (415) 555-2671",
        "+44 20 7946 0958",
        "+44 (0)20 7946 0958",
        "+7\u{a0}701\u{a0}234\u{a0}56\u{a0}78",
    ] {
        one(&format!("тел: {form}, далее"), "phone", form);
    }
    let m = scan("Телефон: 8 (701) 234-56-78");
    assert_eq!(m[0].normalized, "+77012345678");
    assert_eq!(m[0].confidence, Confidence::High);
}

#[test]
fn phone_look_alikes() {
    none("+7 099 123 45 67");
    none("8 116 123 45 67");
    none("[10/Oct/2023:13:55:36 +0600]");
    none("8 10 20 30 40 50");
    none("84951234567"); // bare 11 digits: landline-shaped, no formatting
    none("+7 701 234 56 7");
}

#[test]
fn url_encoded_values() {
    one("GET /u?email=ivan%40mail.kz&x=1", "email", "ivan%40mail.kz");
    one("GET /u?phone=%2B77012345678&x=1", "phone", "%2B77012345678");
    let m = scan("?email=Ivan.Petrov%40Mail.KZ");
    assert_eq!(m[0].normalized, "ivan.petrov@mail.kz");
}

#[test]
fn email_look_alikes() {
    none("<img src=\"logo@2x.png\">");
    none("\"lodash@4.17.21\"");
    none("import x from '@scope/pkg'");
    none("npm i pkg@1.2.3");
    none("git@github.com:tizim/tizim.git");
    one("mailto:Ivan@Mail.kz.", "email", "Ivan@Mail.kz");
}

#[test]
fn cards_plain_spaced_dashed_and_test_numbers() {
    one("card 4400430123456789", "card", "4400430123456789");
    one("card 4400 4301 2345 6789 ok", "card", "4400 4301 2345 6789");
    one("card 4400-4301-2345-6789", "card", "4400-4301-2345-6789");
    one("amex 3782 822463 10005", "card", "3782 822463 10005");
    none("4400430123456780");
    none("4400 4301-2345 6789");
    none("4006381333932"); // an EAN-13 barcode that passes Luhn
                           // Bare 19-digit PANs are found since issue 13 (the same number as a
                           // 64-bit constant in code is lowered to `low` by the scan, as an id
                           // joined to a word is no value at all).
    one("4654005815464502513", "card", "4654005815464502513");
    none("const-4654005815464502513");
    one("4000 0000 0000 0000 006", "card", "4000 0000 0000 0000 006");
    let m = scan("4111 1111 1111 1111");
    assert!(m[0].test);
    let m = scan("4400430123456789");
    assert!(!m[0].test);
}

#[test]
fn kz_iban_and_the_digits_inside_it() {
    one(
        "ИИК KZ86125KZT5004100100",
        "kz-iban",
        "KZ86125KZT5004100100",
    );
    one(
        "IBAN: KZ86 125K ZT50 0410 0100.",
        "kz-iban",
        "KZ86 125K ZT50 0410 0100",
    );
    // Bad check: not an IBAN, and its card-like groups are not a card.
    none("KZ87 4400 4301 2345 6789");
    none("KZ874400430123456789");
}

#[test]
fn one_span_one_finding() {
    // The e-mail contains a phone-shaped mailbox: only the e-mail counts.
    one("87012345678@mail.kz", "email", "87012345678@mail.kz");
}

#[test]
fn line_and_column_are_counted_incrementally() {
    let text = "first line\nИИН: 850315300128 и ivan@mail.kz\n\n  +77012345678";
    let mut out = Vec::new();
    engine().scan(&Segment::whole(text, 10, None), &mut out);
    let pos: Vec<(u64, u64)> = out.iter().map(|m| (m.line, m.column)).collect();
    assert_eq!(pos, vec![(11, 6), (11, 21), (13, 3)]);
}

#[test]
fn only_matches_starting_in_the_report_range_are_reported() {
    let text = "ivan@mail.kz 850315300128 petr@mail.kz";
    let start = text.find("850").unwrap();
    let seg = Segment {
        text,
        report: start..start + 5,
        first_line: 1,
        first_column: 1,
        field: None,
    };
    let mut out = Vec::new();
    engine().scan(&seg, &mut out);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].category, Category::Iin);
    // A value that began before the range is not reported in pieces.
    let seg = Segment {
        text,
        report: start + 3..text.len(),
        first_line: 1,
        first_column: 1,
        field: None,
    };
    let mut out = Vec::new();
    engine().scan(&seg, &mut out);
    assert_eq!(
        out.iter().map(|m| m.category).collect::<Vec<_>>(),
        vec![Category::Email]
    );
}

#[test]
fn context_words_and_field_names_raise_confidence() {
    let plain = scan("x 850315300128");
    assert_eq!(plain[0].confidence, Confidence::Medium);
    let ctx = scan("ЖСН: 850315300128");
    assert_eq!(ctx[0].confidence, Confidence::High);
    let mut out = Vec::new();
    engine().scan(
        &Segment::whole("850315300128", 1, Some("clients.iin")),
        &mut out,
    );
    assert_eq!(out[0].confidence, Confidence::High);
    // The keyword must be on the same line.
    let next_line = scan("ИИН\n850315300128");
    assert_eq!(next_line[0].confidence, Confidence::Medium);
}

#[test]
fn masks_of_found_values_are_not_found_again() {
    let text = "850315300128 140340014652 +7 701 234 56 78 ivan@mail.kz \
                4400 4301 2345 6789 KZ86125KZT5004100100";
    let matches = scan(text);
    assert_eq!(matches.len(), 6);
    let masked: Vec<String> = matches
        .iter()
        .map(|m| mask(m.category, &m.normalized))
        .collect();
    let joined = masked.join(" ");
    assert_eq!(scan(&joined), vec![], "{joined}");
}

#[test]
fn detector_files_are_checked() {
    let good = r#"
id = "kz-passport"
category = "id_document"
description = "Kazakh passport number"
validator = "none"
[candidates]
regex = '\bN(?P<value>\d{8})\b'
[context]
ru = ["паспорт*"]
[confidence]
base = "low"
context = "high"
require_context = true
"#;
    let e = Engine::from_toml(&[("user/passport.toml", good)]).unwrap();
    let mut out = Vec::new();
    e.scan(
        &Segment::whole("паспорт N12345678,\nномер N87654321, XN11112222", 1, None),
        &mut out,
    );
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].normalized, "12345678");
    assert_eq!(out[0].category, Category::IdDocument);

    for (bad, expect) in [
        (
            good.replace("\"none\"", "\"crc\""),
            "unknown validator \"crc\"",
        ),
        (
            good.replace("id_document", "passport"),
            "unknown category \"passport\"",
        ),
        (good.replace(r"\d{8}", r"\d{8"), "bad regex"),
        (good.replace("\"low\"", "\"certain\""), "unknown confidence"),
        (
            good.replace("regex =", "extractor = \"digits\"\nregex ="),
            "not both",
        ),
        (good.replace("description", "descr"), "unknown field"),
    ] {
        let err = Engine::from_toml(&[("user/passport.toml", &bad)])
            .err()
            .expect("must fail")
            .to_string();
        assert!(err.starts_with("user/passport.toml: "), "{err}");
        assert!(err.contains(expect), "{err} should mention {expect}");
    }
}

#[test]
fn detector_infos_describe_every_builtin() {
    let ids: Vec<&str> = engine().detectors().iter().map(|d| d.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "kz-iin",
            "kz-bin",
            "phone",
            "email",
            "card",
            "kz-iban",
            "ip-address",
            "id-document",
            "birth-date",
            "person-name",
            "address"
        ]
    );
    assert!(engine()
        .detectors()
        .iter()
        .all(|d| d.description.len() > 30));
}

#[test]
fn values_in_names_are_masked_and_the_rest_kept() {
    let e = engine();
    assert_eq!(
        e.mask_values_in(
            "hr/850315300128_резюме.pdf!users/ivan.petrov@mail.kz/+7 701 234 56 78.txt"
        ),
        "hr/**********28_резюме.pdf!users/i***@m***.kz/+7********78.txt"
    );
    assert!(matches!(
        e.mask_values_in("var/log/app.log.1.gz"),
        std::borrow::Cow::Borrowed(_)
    ));
}

#[test]
fn phones_in_links_and_with_extensions_keep_the_number_only() {
    one("tel:+77012345678", "phone", "+77012345678");
    one(
        r#"<a href="tel:+77012345678;ext=123">"#,
        "phone",
        "+77012345678",
    );
    one("callto:+77012345678", "phone", "+77012345678");
    one("tel:8-701-234-56-78", "phone", "8-701-234-56-78");
    one("+7 (727) 355-66-77 доб. 123", "phone", "+7 (727) 355-66-77");
    one("8 701 234 56 78, вн. 45", "phone", "8 701 234 56 78");
    one("+7 701 234 56 78 (доб.12)", "phone", "+7 701 234 56 78");
    let m = scan("tel:+77012345678;ext=123");
    assert_eq!(m[0].normalized, "+77012345678");
}

#[test]
fn phones_written_with_html_references_are_decoded_in_place() {
    let text = "<td>&#43;7&nbsp;701&nbsp;234&#160;56&#x20;78</td>";
    let m = scan(text);
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0].normalized, "+77012345678");
    assert_eq!(
        &text[m[0].start..m[0].end],
        "&#43;7&nbsp;701&nbsp;234&#160;56&#x20;78"
    );
    let d = m[0].decoded.as_deref().expect("decoded");
    assert_eq!(d.layer, crate::model::Layer::Html);
    assert_eq!(d.raw, "+7\u{a0}701\u{a0}234\u{a0}56 78");
}

#[test]
fn decoding_can_be_turned_off() {
    let mut e = Engine::builtin().unwrap();
    let text = "<td>&#43;7&nbsp;701&nbsp;234&nbsp;56&nbsp;78</td> ODUwMzE1MzAwMTI4";
    let mut out = Vec::new();
    e.scan(&Segment::whole(text, 1, None), &mut out);
    assert_eq!(out.len(), 2, "{out:?}");
    e.set_max_decode_depth(0);
    out.clear();
    e.scan(&Segment::whole(text, 1, None), &mut out);
    assert_eq!(out, []);
}

/// A long table of document-shaped numbers without a document word makes
/// the scanner look ahead for the word once and then refuse the rows of
/// the stretch it found clear unsearched (`Scanner::missed`). Rows with a
/// word beside them, anywhere in the table and in any case, are found
/// exactly as each row scanned alone finds them.
#[test]
fn a_long_table_finds_what_its_rows_alone_find() {
    let words = [
        "паспорт",
        "Паспорт",
        "ПАСПОРТ",
        "passport",
        "PASSPORT no.",
        "уд. л.",
        "ID card",
    ];
    let mut text = String::new();
    let mut expected = Vec::new();
    for i in 0..6000usize {
        let number = 861_300_000 + i;
        let line = match i % 997 {
            // A word before the number, after it, and none.
            5 => format!("{} {number}\n", words[i % words.len()]),
            11 => format!("{number} — {}\n", words[i % words.len()]),
            _ => format!("{number}|Jinan, Shandong\n"),
        };
        let at = text.len();
        let mut alone = Vec::new();
        engine().scan(&Segment::whole(&line, 1, None), &mut alone);
        expected.extend(
            alone
                .iter()
                .filter(|m| m.detector == "id-document")
                .map(|m| (at + m.start, at + m.end)),
        );
        text.push_str(&line);
    }
    let whole: Vec<(usize, usize)> = scan(&text)
        .iter()
        .filter(|m| m.detector == "id-document")
        .map(|m| (m.start, m.end))
        .collect();
    assert!(expected.len() >= 10, "{expected:?}");
    assert_eq!(whole, expected);
}
