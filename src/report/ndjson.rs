//! One finding, one JSON line: the `--format ndjson` hot path.
//!
//! Hand-written rather than `serde_json::to_writer`: a dump of millions of
//! values makes millions of lines, and serde's per-field dispatch and
//! byte-by-byte escaping were a sixth of such a scan. Almost every string
//! here is plain ASCII with nothing to escape and is copied as it is; any
//! other string still goes through serde_json's own escaping, so the output
//! is byte for byte what `serde_json::to_writer(&finding)` gives, plus the
//! key id after the fingerprint (a test below holds it to that).
//!
//! Every line carries `key_id`, not a header line: the contract stays "one
//! finding a line", and lines keep their key when files are split,
//! filtered or concatenated.

use crate::model::Finding;

/// Appends `finding` as one JSON object and a newline. `key_id` is the id
/// of the key it was fingerprinted with ([`crate::detect::FingerprintKey::id`]).
pub fn write_line(finding: &Finding, key_id: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"path\":");
    string(out, &finding.path);
    out.extend_from_slice(b",\"line\":");
    number(out, finding.line);
    out.extend_from_slice(b",\"column\":");
    number(out, finding.column);
    out.extend_from_slice(b",\"category\":\"");
    out.extend_from_slice(finding.category.id().as_bytes());
    out.extend_from_slice(b"\",\"detector\":");
    string(out, &finding.detector);
    out.extend_from_slice(b",\"confidence\":\"");
    out.extend_from_slice(finding.confidence.id().as_bytes());
    out.extend_from_slice(b"\",\"field\":");
    optional_string(out, finding.field.as_deref());
    out.extend_from_slice(b",\"masked\":");
    string(out, &finding.masked);
    out.extend_from_slice(b",\"fingerprint\":");
    string(out, &finding.fingerprint);
    out.extend_from_slice(b",\"key_id\":");
    string(out, key_id);
    out.extend_from_slice(b",\"evidence\":\"");
    // Ids are plain ASCII (`decoded:jwt`): nothing to escape.
    out.extend_from_slice(finding.evidence.id().as_bytes());
    out.push(b'"');
    if let Some(lowered) = finding.lowered {
        out.extend_from_slice(b",\"lowered\":\"");
        out.extend_from_slice(lowered.id().as_bytes());
        out.push(b'"');
    }
    if finding.test {
        out.extend_from_slice(b",\"test\":true");
    }
    if let Some(reason) = &finding.suppressed {
        out.extend_from_slice(b",\"suppressed\":");
        string(out, reason);
    }
    if let Some(modified) = finding.modified {
        out.extend_from_slice(b",\"modified\":");
        out.extend_from_slice(itoa::Buffer::new().format(modified).as_bytes());
    }
    for (key, value) in [
        (&b",\"commit\":"[..], &finding.commit),
        (b",\"author_date\":", &finding.author_date),
        (b",\"value\":", &finding.value),
    ] {
        if let Some(value) = value {
            out.extend_from_slice(key);
            string(out, value);
        }
    }
    out.extend_from_slice(b"}\n");
}

fn number(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

fn optional_string(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

fn string(out: &mut Vec<u8>, s: &str) {
    if plain(s.as_bytes()) {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        // Writing into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

/// Whether `s` holds nothing JSON must escape (a control character, `"`,
/// `\\`), without stopping early: `all` with its early exit went byte by
/// byte, and was a tenth of a dense scan's instructions (callgrind).
#[inline]
fn plain(s: &[u8]) -> bool {
    // Eight bytes at a time: "has a byte below n" and "has a zero byte"
    // (Bit Twiddling Hacks) are exact as yes/no answers for a word.
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |w: u64| w.wrapping_sub(ONES) & !w & HIGHS;
    let mut words = s.chunks_exact(8);
    let mut bad = 0u64;
    for chunk in &mut words {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        bad |= (w.wrapping_sub(ONES * 0x20) & !w & HIGHS)
            | has_zero(w ^ (ONES * u64::from(b'"')))
            | has_zero(w ^ (ONES * u64::from(b'\\')));
    }
    let tail = words.remainder().iter().fold(0u8, |bad, &b| {
        bad | u8::from(b < 0x20) | u8::from(b == b'"') | u8::from(b == b'\\')
    });
    bad == 0 && tail == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Category, Confidence, Evidence, Layer, Lowered};
    use proptest::prelude::*;

    fn finding(text: String, flags: u8, n: u64) -> Finding {
        let some = |bit: u8| flags & (1 << bit) != 0;
        Finding {
            path: format!("dir/{text}!inner").into(),
            line: n,
            column: n / 3 + 1,
            category: Category::ALL[(n % 14) as usize],
            detector: if some(0) {
                "kz-iin".into()
            } else {
                text.clone().into()
            },
            confidence: [Confidence::Low, Confidence::Medium, Confidence::High][(n % 3) as usize],
            field: some(1).then(|| text.as_str().into()),
            masked: format!("85**{text}"),
            fingerprint: "0123456789abcdef0123456789abcdef".into(),
            evidence: [
                Evidence::Value,
                Evidence::ColumnName,
                Evidence::Derived,
                Evidence::Decoded(Layer::Jwt),
                Evidence::Decoded(Layer::QuotedPrintable),
            ][(n % 5) as usize],
            lowered: [None, Some(Lowered::ChanceRate), Some(Lowered::CodeLiteral)]
                [(n / 7 % 3) as usize],
            test: some(2),
            suppressed: some(3).then(|| "inline".to_string()),
            modified: some(4).then_some((n as i64).wrapping_mul(-7919)),
            commit: some(5).then(|| text.clone()),
            author_date: some(6).then(|| "2024-01-02T03:04:05Z".to_string()),
            value: some(7).then(|| text.clone()),
            subject: None,
        }
    }

    proptest! {
        /// Whatever the strings hold (quotes, backslashes, control
        /// characters, any Unicode), the line is serde's line.
        #[test]
        fn same_bytes_as_serde(text in "\\PC*|[\\x00-\\x7f]{0,40}", flags: u8, n: u64) {
            let f = finding(text, flags, n);
            let mut ours = Vec::new();
            write_line(&f, "0011223344556677", &mut ours);
            let mut theirs = serde_json::to_vec(&f).unwrap();
            theirs.push(b'\n');
            let fingerprint = br#""fingerprint":"0123456789abcdef0123456789abcdef""#;
            let at = theirs
                .windows(fingerprint.len())
                .position(|w| w == fingerprint)
                .unwrap()
                + fingerprint.len();
            theirs.splice(at..at, br#","key_id":"0011223344556677""#.iter().copied());
            prop_assert_eq!(String::from_utf8_lossy(&ours), String::from_utf8_lossy(&theirs));
        }
    }

    #[test]
    fn plain_agrees_with_a_byte_by_byte_check() {
        for b in 0..=255u8 {
            for at in [0, 7, 31, 40] {
                let mut s = vec![b'a'; 41];
                s[at] = b;
                let want = s.iter().all(|&c| c >= 0x20 && c != b'"' && c != b'\\');
                assert_eq!(plain(&s), want, "byte {b:#x} at {at}");
            }
        }
        assert!(plain(b""));
    }

    #[test]
    fn escapes_what_json_needs_escaped() {
        let f = finding("a\"b\\c\nd\u{1}é".to_string(), 0xff, 42);
        let mut line = Vec::new();
        write_line(&f, "0011223344556677", &mut line);
        let back: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(back["path"], "dir/a\"b\\c\nd\u{1}é!inner");
        assert_eq!(back["value"], "a\"b\\c\nd\u{1}é");
        assert_eq!(back["modified"], -42 * 7919);
        assert_eq!(back["key_id"], "0011223344556677");
        assert!(line.ends_with(b"}\n") && !line[..line.len() - 1].contains(&b'\n'));
    }
}
