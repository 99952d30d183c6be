//! Values behind one more layer (issue 19): each decoding layer with the
//! exact finding it gives (line, column of the encoded run, field,
//! evidence, mask), `--max-decode-depth`, and the hostile inputs (a 50 MB
//! base64 blob that is not text, a base64 bomb, a JWT with a 10 MB payload,
//! invalid UTF-8 after decoding).

mod common;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use common::{run_tizim, scan_ndjson};
use serde_json::Value;
use std::fs;
use std::path::Path;
use std::time::Duration;

const IIN: &str = "850315300128";
const IIN_MASK: &str = "**********28";
const PHONE: &str = "+77012345678";
const PHONE_MASK: &str = "+7********78";

fn jwt(payload: &str) -> String {
    format!(
        "{}.{}.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(payload)
    )
}

fn hex(s: &[u8]) -> String {
    s.iter().map(|b| format!("{b:02x}")).collect()
}

/// 1-based column, in characters, of `needle` in `line`.
fn column_of(line: &str, needle: &str) -> u64 {
    let at = line.find(needle).expect("needle in line");
    line[..at].chars().count() as u64 + 1
}

/// `(line, column, category, field, evidence, masked)` of each finding.
type Row = (u64, u64, String, Option<String>, String, String);

fn rows(findings: &[Value]) -> Vec<Row> {
    let mut rows: Vec<Row> = findings
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["category"].as_str().unwrap().to_string(),
                f["field"].as_str().map(str::to_string),
                f["evidence"].as_str().unwrap().to_string(),
                f["masked"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn row(
    line: u64,
    column: u64,
    category: &str,
    field: Option<&str>,
    evidence: &str,
    masked: &str,
) -> Row {
    (
        line,
        column,
        category.to_string(),
        field.map(str::to_string),
        evidence.to_string(),
        masked.to_string(),
    )
}

/// Scans one file holding `text` and returns its findings as rows.
fn scan_one(name: &str, text: &str, extra: &[&str]) -> Vec<Row> {
    let dir = common::temp_dir("tizim-decoding-");
    fs::write(dir.path().join(name), text).unwrap();
    let mut args = vec!["--no-ignore"];
    args.extend_from_slice(extra);
    args.push(name);
    let out = scan_ndjson(dir.path(), &args);
    assert!(matches!(out.code, 0 | 1), "{}", out.stderr);
    rows(&out.findings)
}

#[test]
fn a_jwt_payload_is_read_with_its_key_paths() {
    let token = jwt(&format!(
        r#"{{"sub":"42","iin":"{IIN}","contact":{{"phone":"{PHONE}"}},"exp":1700000000}}"#
    ));
    let line2 = format!("2024-03-01 10:00:01 GET /api/v1/me Authorization: Bearer {token}");
    let text = format!("2024-03-01 10:00:00 INFO start\n{line2}\n");
    let col = column_of(&line2, &token);
    assert_eq!(
        scan_one("gateway.log", &text, &[]),
        [
            row(
                2,
                col,
                "iin",
                Some("authorization.jwt.iin"),
                "decoded:jwt",
                IIN_MASK
            ),
            row(
                2,
                col,
                "phone",
                Some("authorization.jwt.contact.phone"),
                "decoded:jwt",
                PHONE_MASK
            ),
        ]
    );
    // Off, nothing is read from the token.
    assert_eq!(
        scan_one("gateway.log", &text, &["--max-decode-depth", "0"]),
        []
    );
}

#[test]
fn a_numeric_subject_id_is_not_a_phone_but_an_iin_subject_is_read() {
    // RFC 7519: `sub` and `jti` are identifiers, `iat`/`exp` times. A bare
    // numeric id that happens to pass a phone numbering plan is an id; an
    // IIN (check digit, birth date) or a phone with its `+` is a value.
    let id = jwt(r#"{"sub":"87012345687","jti":"4666176031372159","iat":1516239022}"#);
    let iin = jwt(&format!(r#"{{"sub":"{IIN}"}}"#));
    let plus = jwt(&format!(r#"{{"sub":"{PHONE}"}}"#));
    let l1 = format!("Authorization: Bearer {id}");
    let l2 = format!("Authorization: Bearer {iin}");
    let l3 = format!("Authorization: Bearer {plus}");
    assert_eq!(
        scan_one("gw.log", &format!("{l1}\n{l2}\n{l3}\n"), &[]),
        [
            row(
                2,
                column_of(&l2, &iin),
                "iin",
                Some("authorization.jwt.sub"),
                "decoded:jwt",
                IIN_MASK
            ),
            row(
                3,
                column_of(&l3, &plus),
                "phone",
                Some("authorization.jwt.sub"),
                "decoded:jwt",
                PHONE_MASK
            ),
        ]
    );
}

#[test]
fn base64_and_base64url_runs_that_decode_to_text() {
    let json = STANDARD.encode(format!(
        r#"{{"client":{{"email":"ivan.petrov@mail.kz","iin":"{IIN}"}}}}"#
    ));
    let plain = STANDARD.encode(format!("Клиент Иванов, ИИН {IIN}, тел. {PHONE}"));
    let url = URL_SAFE_NO_PAD.encode(format!("?>?>?> ИИН {IIN} <?<?<?"));
    assert!(url.contains(['-', '_']), "{url}");
    let l1 = format!("GET /cb?data={json}&x=1");
    let l2 = format!("note: {plain}");
    let l3 = format!("state={url};");
    let text = format!("{l1}\n{l2}\n{l3}\n");
    assert_eq!(
        scan_one("access.log", &text, &[]),
        [
            row(
                1,
                column_of(&l1, &json),
                "email",
                Some("data.base64.client.email"),
                "decoded:base64",
                "i***@m***.kz"
            ),
            row(
                1,
                column_of(&l1, &json),
                "iin",
                Some("data.base64.client.iin"),
                "decoded:base64",
                IIN_MASK
            ),
            row(
                2,
                column_of(&l2, &plain),
                "iin",
                None,
                "decoded:base64",
                IIN_MASK
            ),
            row(
                2,
                column_of(&l2, &plain),
                "phone",
                None,
                "decoded:base64",
                PHONE_MASK
            ),
            row(
                3,
                column_of(&l3, &url),
                "iin",
                None,
                "decoded:base64url",
                IIN_MASK
            ),
        ]
    );
}

#[test]
fn hex_encoded_text() {
    let h = hex(format!("ИИН: {IIN}").as_bytes());
    let line = format!("blob {h} end");
    assert_eq!(
        scan_one("dump.txt", &format!("x\n{line}\n"), &[]),
        [row(
            2,
            column_of(&line, &h),
            "iin",
            None,
            "decoded:hex",
            IIN_MASK
        )]
    );
    // A hash is not text: nothing.
    let sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    assert_eq!(scan_one("hash.txt", &format!("sha256 {sha}\n"), &[]), []);
}

#[test]
fn html_entities_named_decimal_and_hex() {
    let phone = "&#43;7&nbsp;701&nbsp;234&nbsp;56&nbsp;78";
    let email = "ivan&#x40;mail.kz";
    let l1 = format!("<td>{phone}</td>");
    let l2 = format!("<a>{email}</a>");
    // Entity-written keyword: the plainly written IIN is the main pass's,
    // raised by the keyword the entities spell.
    let l3 = format!("<p>&#1048;&#1048;&#1053;: {IIN}</p>");
    let text = format!("{l1}\n{l2}\n{l3}\n");
    let rows = scan_one("page.html", &text, &[]);
    assert_eq!(
        rows,
        [
            row(
                1,
                column_of(&l1, phone),
                "phone",
                None,
                "decoded:html",
                PHONE_MASK
            ),
            row(
                2,
                column_of(&l2, email),
                "email",
                None,
                "decoded:html",
                "i***@m***.kz"
            ),
            row(3, column_of(&l3, IIN), "iin", None, "value", IIN_MASK),
        ]
    );
}

#[test]
fn json_unicode_escapes_in_keys_and_values() {
    // Log lines with JSON in them: read as text, not parsed as JSON (a
    // JSON file's parser undoes escapes itself and names the key path).
    let key_line =
        format!(r#"2024-03-01 10:00:00 INFO {{"\u0418\u0418\u041d": "{IIN}", "note": "x"}}"#);
    let email = r"ivan\u0040mail.kz";
    let value_line = format!(
        r#"2024-03-01 10:00:01 INFO {{"msg": "\u043f\u0438\u0441\u044c\u043c\u043e {email}"}}"#
    );
    let text = format!("{key_line}\n{value_line}\n");
    // As a log (not parsed as JSON): the key, decoded, is context.
    let dir = common::temp_dir("tizim-decoding-");
    fs::write(dir.path().join("app.log"), &text).unwrap();
    let out = scan_ndjson(dir.path(), &["app.log"]);
    let got = rows(&out.findings);
    assert_eq!(
        got,
        [
            row(1, column_of(&key_line, IIN), "iin", None, "value", IIN_MASK),
            row(
                2,
                column_of(&value_line, email),
                "email",
                None,
                "decoded:json_escape",
                "i***@m***.kz"
            ),
        ]
    );
    let iin = out
        .findings
        .iter()
        .find(|f| f["category"] == "iin")
        .unwrap();
    assert_eq!(iin["confidence"], "high", "the key ИИН raises it: {iin}");
    // Without decoding, the same IIN has no keyword.
    let plain = scan_ndjson(dir.path(), &["--max-decode-depth", "0", "app.log"]);
    let iin = plain
        .findings
        .iter()
        .find(|f| f["category"] == "iin")
        .unwrap();
    assert_eq!(iin["confidence"], "medium", "{iin}");
}

#[test]
fn quoted_printable_with_soft_line_breaks() {
    // "ИИН=3A" then the IIN plainly; then a phone cut by a soft break.
    let l1 = format!("=D0=98=D0=98=D0=9D=3A {IIN}");
    let l2 = "=D0=A2=D0=B5=D0=BB. +7 701 234 5=";
    let l3 = "6 78 =D0=BA=D0=BE=D0=BD=D0=B5=D1=86";
    let text = format!("{l1}\n{l2}\n{l3}\n");
    let dir = common::temp_dir("tizim-decoding-");
    fs::write(dir.path().join("mail.txt"), &text).unwrap();
    let out = scan_ndjson(dir.path(), &["mail.txt"]);
    assert_eq!(
        rows(&out.findings),
        [
            row(1, column_of(&l1, IIN), "iin", None, "value", IIN_MASK),
            row(
                2,
                column_of(l2, "+7"),
                "phone",
                None,
                "decoded:quoted_printable",
                PHONE_MASK
            ),
        ]
    );
    let iin = out
        .findings
        .iter()
        .find(|f| f["category"] == "iin")
        .unwrap();
    assert_eq!(iin["confidence"], "high", "{iin}");
}

#[test]
fn show_values_prints_the_decoded_value_and_masks_hide_the_run() {
    let token = jwt(&format!(r#"{{"iin":"{IIN}"}}"#));
    let dir = common::temp_dir("tizim-decoding-");
    fs::write(dir.path().join("t.log"), format!("token={token}\n")).unwrap();
    let shown = scan_ndjson(dir.path(), &["--show-values", "t.log"]);
    assert_eq!(shown.findings.len(), 1, "{:?}", shown.findings);
    assert_eq!(shown.findings[0]["value"], IIN);
    assert_eq!(shown.findings[0]["field"], "token.jwt.iin");
    // Without --show-values neither the value nor the token is printed,
    // in any format.
    for format in [
        "ndjson", "json", "sarif", "csv", "markdown", "table", "html",
    ] {
        let out =
            common::output(common::tizim(dir.path()).args(["scan", "--format", format, "t.log"]));
        for secret in [IIN, token.as_str(), token.split('.').nth(1).unwrap()] {
            assert!(!out.stdout.contains(secret), "{format} prints {secret}");
            assert!(
                !out.stderr.contains(secret),
                "{format} stderr prints {secret}"
            );
        }
    }
    // A file named by an encoded value: the name is masked.
    let b64 = STANDARD.encode(format!("iin {IIN}"));
    let name = format!("export-{}.txt", b64.trim_end_matches('='));
    fs::write(dir.path().join(&name), format!("ИИН {IIN}\n")).unwrap();
    let out = scan_ndjson(dir.path(), &[name.as_str()]);
    let path = out.findings[0]["path"].as_str().unwrap();
    assert!(!path.contains(b64.trim_end_matches('=')), "{path}");
}

/// Hostile inputs, with a deadline and a canary next to each.
const DEADLINE: Duration = Duration::from_secs(120);

fn hostile_scan(dir: &Path, extra: &[&str]) -> (common::Report, Vec<Value>) {
    let mut args = vec!["scan", "--format", "json", "--no-ignore"];
    args.extend_from_slice(extra);
    args.push(".");
    let out = run_tizim(&args, dir, DEADLINE);
    out.assert_survived();
    out.assert_rss_below_mib(256);
    let report = out.report();
    let findings = report.0["findings"].as_array().cloned().unwrap_or_default();
    (report, findings)
}

fn canary(dir: &Path) {
    fs::write(dir.join("canary.log"), "contact canary@mail.kz\n").unwrap();
}

fn has_canary(findings: &[Value]) -> bool {
    findings.iter().any(|f| {
        f["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("canary.log"))
    })
}

/// xorshift bytes: not text, the same every run.
fn noise(n: usize, mut state: u64) -> Vec<u8> {
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

#[test]
fn hostile_a_50_mb_base64_blob_that_is_not_text() {
    let dir = common::temp_dir("tizim-decoding-");
    canary(dir.path());
    // One line of 50 MB, and the same wrapped at 76 as MIME writes it.
    let blob = STANDARD.encode(noise(37 << 20, 0x1234_5678_9abc_def1));
    let mut wrapped = String::with_capacity(blob.len() / 76 * 77 + 80);
    for chunk in blob.as_bytes()[..blob.len() / 4].chunks(76) {
        wrapped.push_str(std::str::from_utf8(chunk).unwrap());
        wrapped.push('\n');
    }
    fs::write(dir.path().join("blob.b64"), format!("data={blob}\n")).unwrap();
    fs::write(dir.path().join("wrapped.b64"), wrapped).unwrap();
    let start = std::time::Instant::now();
    let (_, findings) = hostile_scan(dir.path(), &[]);
    let took = start.elapsed();
    assert!(has_canary(&findings));
    let from_blob = findings
        .iter()
        .filter(|f| {
            f["evidence"]
                .as_str()
                .is_some_and(|e| e.starts_with("decoded:"))
        })
        .count();
    assert_eq!(from_blob, 0, "{findings:?}");
    assert!(took < Duration::from_secs(60), "{took:?}");
}

#[test]
fn hostile_a_base64_bomb_stops_at_the_depth_and_says_so() {
    let dir = common::temp_dir("tizim-decoding-");
    canary(dir.path());
    let mut layer = format!("ИИН {IIN} / ИИН {IIN}");
    for _ in 0..6 {
        layer = STANDARD.encode(layer);
    }
    fs::write(dir.path().join("bomb.txt"), format!("v={layer}\n")).unwrap();
    let (report, findings) = hostile_scan(dir.path(), &[]);
    assert!(has_canary(&findings));
    assert!(
        !findings.iter().any(|f| f["category"] == "iin"),
        "six layers are more than two: {findings:?}"
    );
    let notices = report.0["notices"].as_array().cloned().unwrap_or_default();
    assert!(
        notices.iter().any(
            |n| n["path"].as_str().is_some_and(|p| p.ends_with("bomb.txt"))
                && n["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("--max-decode-depth 2 reached"))
        ),
        "{notices:?}"
    );
    // Asked for, all six layers come off.
    let (_, findings) = hostile_scan(dir.path(), &["--max-decode-depth", "6"]);
    let iin: Vec<_> = findings.iter().filter(|f| f["category"] == "iin").collect();
    assert_eq!(iin.len(), 1, "{findings:?}");
    assert_eq!(iin[0]["evidence"], "decoded:base64");
    assert_eq!(iin[0]["column"], 3);
}

#[test]
fn hostile_a_jwt_with_a_10_mb_payload() {
    let dir = common::temp_dir("tizim-decoding-");
    canary(dir.path());
    let pad = "x".repeat(10 << 20);
    let big = jwt(&format!(r#"{{"pad":"{pad}","iin":"{IIN}"}}"#));
    // A small token after the big one on the next line is still read.
    let small = jwt(&format!(r#"{{"iin":"{IIN}"}}"#));
    fs::write(
        dir.path().join("big.log"),
        format!("Authorization: Bearer {big}\nAuthorization: Bearer {small}\n"),
    )
    .unwrap();
    let (_, findings) = hostile_scan(dir.path(), &[]);
    assert!(has_canary(&findings));
    let on_line_2: Vec<_> = findings
        .iter()
        .filter(|f| f["category"] == "iin" && f["line"] == 2)
        .collect();
    assert_eq!(on_line_2.len(), 1, "{findings:?}");
    assert_eq!(on_line_2[0]["field"], "authorization.jwt.iin");
}

#[test]
fn hostile_invalid_utf8_after_decoding() {
    let dir = common::temp_dir("tizim-decoding-");
    canary(dir.path());
    // A JWT payload with a stray byte: the rest of it is still read.
    let mut payload = format!(r#"{{"iin":"{IIN}","x":""#).into_bytes();
    payload.extend_from_slice(b"\xff\xfe\"}");
    let token = format!(
        "{}.{}.sig",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
        URL_SAFE_NO_PAD.encode(&payload)
    );
    // Quoted-printable of a windows-1251 word, then a value.
    let qp = format!("=D0=98=C8=C8=CD {IIN}");
    // Base64 of bytes that are not UTF-8: not text, not decoded.
    let mut bad = b"\xff\xfe\xfd ".to_vec();
    bad.extend_from_slice(format!("ИИН {IIN}").as_bytes());
    let b64 = STANDARD.encode(&bad);
    fs::write(
        dir.path().join("bad.log"),
        format!("t={token}\n{qp}\nb={b64}\n"),
    )
    .unwrap();
    let (_, findings) = hostile_scan(dir.path(), &[]);
    assert!(has_canary(&findings));
    let mut got: Vec<(u64, String)> = findings
        .iter()
        .filter(|f| f["category"] == "iin")
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["evidence"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [(1, "decoded:jwt".to_string()), (2, "value".to_string())]
    );
}

#[test]
fn international_addresses_fingerprint_alike_in_unicode_and_punycode() {
    // RFC 6531: Kazakh letters in the local part and the domain; the
    // punycode top-level label is checked against the Public Suffix List's
    // IDN entries (`xn--80ao21a` is `қаз`), and the fingerprint is taken on
    // the normal form (IDNA ASCII, lower case).
    let lines = [
        "Хат: Әлия.Қасымова@Почта.Қаз",
        "mail: әлия.қасымова@xn--80a1acny.xn--80ao21a",
        "mail: әлия.қасымова@XN--80A1ACNY.XN--80AO21A",
        // Not a top-level domain in either form: nothing.
        "mail: user@почта.қазақ, user@xn--80a1acny.xn--abc",
    ];
    let dir = common::temp_dir("tizim-decoding-");
    fs::write(dir.path().join("idn.txt"), lines.join("\n") + "\n").unwrap();
    let out = scan_ndjson(dir.path(), &["idn.txt"]);
    let emails: Vec<&Value> = out
        .findings
        .iter()
        .filter(|f| f["category"] == "email")
        .collect();
    assert_eq!(emails.len(), 3, "{:?}", out.findings);
    for (f, line) in emails.iter().zip(1..) {
        assert_eq!(f["line"], line);
        assert_eq!(f["evidence"], "value");
        assert_eq!(f["fingerprint"], emails[0]["fingerprint"], "{f}");
        let col = if line == 1 { 6 } else { 7 };
        assert_eq!(f["column"], col, "{f}");
    }
    let printed = serde_json::to_string(&out.findings).unwrap() + &out.stderr;
    for secret in ["әлия", "Әлия", "қасымова", "Қасымова"] {
        assert!(!printed.contains(secret), "{secret} printed");
    }
}
