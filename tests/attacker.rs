//! An outsider with a report and the tizim binary tries to turn the report
//! back into personal data, as issue 18 did against the old published key.
//!
//! The attack: take every 32-hex-digit token of the report as a possible
//! value fingerprint; for every key the attacker can find in tizim (every
//! string literal of its source, every printable run of its binary as
//! `strings` prints them, the key older versions published, the empty key),
//! fingerprint candidate values as the README documents it and look for a
//! match. Candidates are IINs, phones and cards, each from a space that
//! holds the true value: the space the *old* masks left (birth year and
//! month of an IIN, the first 4 and last 2 digits of a phone, the first 6
//! and last 4 of a card). That is more than today's masks show, so what the
//! attacker cannot recover from it they cannot recover from the report, and
//! it keeps the brute force to about half a million hashes a key.
//!
//! Two passes, one exact and one exhaustive:
//! - every key (hundreds of thousands of strings) against the true value
//!   only: the whole candidate space for that key would match exactly when
//!   the true value does (other candidates matching by chance would be a
//!   128-bit collision);
//! - the whole candidate space for every key-like literal of the source
//!   (those mentioning a key, a fingerprint or tizim).
//!
//! A control shows the attack works: with the installation key itself (an
//! attacker who holds it), the same brute force recovers every value. The
//! key, not the mask, is what protects a report; SECURITY.md says so.

mod common;

use common::{output, tizim, tree_with};
use std::collections::HashSet;
use std::path::Path;

/// The documented fingerprint: keyed BLAKE3, key derived from the key text
/// under this context, over `category:normalised`, first 16 bytes as hex.
const FINGERPRINT_CONTEXT: &str = "tizim fingerprint key v1";
/// What tizim up to issue 18 used when no key was given.
const OLD_PUBLISHED_KEY: &str = "tizim-default-fingerprint-key-v1";

/// A planted value: category, normalised form (what is fingerprinted), and
/// how it is written in the tree.
struct Planted {
    category: &'static str,
    normalized: &'static str,
    written: &'static str,
}

const PLANTED: [Planted; 6] = [
    Planted {
        category: "iin",
        normalized: "850315300128",
        written: "ИИН 850315300128",
    },
    Planted {
        category: "iin",
        normalized: "920715350560",
        written: "iin=920715350560",
    },
    Planted {
        category: "phone",
        normalized: "+77053184296",
        written: "тел +7 705 318 42 96",
    },
    Planted {
        category: "phone",
        normalized: "+77477654321",
        written: "phone 8 (747) 765-43-21",
    },
    Planted {
        category: "card",
        normalized: "4400430123456789",
        written: "card 4400 4301 2345 6789",
    },
    Planted {
        category: "card",
        normalized: "5169493109876543",
        written: "pan 5169493109876543",
    },
];

fn fingerprint(derived: &[u8; 32], category: &str, normalized: &str) -> [u8; 16] {
    let mut h = blake3::Hasher::new_keyed(derived);
    h.update(category.as_bytes());
    h.update(b":");
    h.update(normalized.as_bytes());
    let mut out = [0u8; 16];
    out.copy_from_slice(&h.finalize().as_bytes()[..16]);
    out
}

fn derive(key: &[u8]) -> [u8; 32] {
    blake3::derive_key(FINGERPRINT_CONTEXT, key)
}

/// Every maximal run of exactly 32 hex digits in `text`, as bytes.
fn hex_tokens(text: &str) -> HashSet<[u8; 16]> {
    let bytes = text.as_bytes();
    let mut found = HashSet::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_hexdigit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_hexdigit() {
            i += 1;
        }
        if i - start == 32 {
            let mut fp = [0u8; 16];
            for (k, byte) in fp.iter_mut().enumerate() {
                let pair = std::str::from_utf8(&bytes[start + 2 * k..start + 2 * k + 2]).unwrap();
                *byte = u8::from_str_radix(pair, 16).unwrap();
            }
            found.insert(fp);
        }
    }
    found
}

/// Every `"…"` literal of the Rust sources under `dir` (escapes left as
/// written; raw strings included, as their `"…"` part).
fn source_literals(dir: &Path, out: &mut HashSet<Vec<u8>>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_literals(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            let bytes = text.as_bytes();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'"' {
                    let start = i + 1;
                    let mut j = start;
                    while j < bytes.len() && bytes[j] != b'"' {
                        j += if bytes[j] == b'\\' { 2 } else { 1 };
                    }
                    let end = j.min(bytes.len());
                    out.insert(bytes[start..end].to_vec());
                    i = end + 1;
                } else {
                    i += 1;
                }
            }
        }
    }
}

/// What `strings` prints for `binary`: runs of at least 4 printable ASCII
/// characters (capped at 256, where runs are concatenated literals).
fn binary_strings(binary: &[u8], out: &mut HashSet<Vec<u8>>) {
    for run in binary.split(|b| !(0x20..0x7f).contains(b) && *b != b'\t') {
        if run.len() >= 4 {
            out.insert(run[..run.len().min(256)].to_vec());
        }
    }
}

fn digits(s: &str) -> Vec<u8> {
    s.bytes().map(|b| b - b'0').collect()
}

/// The IIN check digit of the first 11 digits (None: no valid IIN).
fn iin_check(d: &[u8]) -> Option<u8> {
    let sum = |weights: [u32; 11]| -> u32 {
        d.iter()
            .zip(weights)
            .map(|(&x, w)| u32::from(x) * w)
            .sum::<u32>()
            % 11
    };
    let first = sum([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    if first != 10 {
        return Some(first as u8);
    }
    let second = sum([3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]);
    (second != 10).then_some(second as u8)
}

fn luhn_ok(d: &[u8]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            let x = u32::from(x);
            if i % 2 == 1 {
                let y = x * 2;
                if y > 9 {
                    y - 9
                } else {
                    y
                }
            } else {
                x
            }
        })
        .sum();
    sum % 10 == 0
}

/// Calls `each` with every candidate for `p` that the old mask left open
/// (a superset of what today's masks leave to an attacker's side knowledge
/// of the year and month, operator, issuer).
fn candidates(p: &Planted, mut each: impl FnMut(&str)) {
    let shown = digits(p.normalized.trim_start_matches('+'));
    let to_text = |d: &[u8], plus: bool| -> String {
        let mut s = String::with_capacity(d.len() + 1);
        if plus {
            s.push('+');
        }
        s.extend(d.iter().map(|&x| char::from(b'0' + x)));
        s
    };
    match p.category {
        "iin" => {
            // Hidden by the old mask: the day (01–31), the century and sex
            // digit (1–6) and three serial digits; the check digit is shown.
            let mut d = shown.clone();
            for day in 1..=31u8 {
                d[4] = day / 10;
                d[5] = day % 10;
                for century in 1..=6u8 {
                    d[6] = century;
                    for serial in 0..1000u16 {
                        d[7] = (serial / 100) as u8;
                        d[8] = (serial / 10 % 10) as u8;
                        d[9] = (serial % 10) as u8;
                        if iin_check(&d[..11]) == Some(d[11]) {
                            each(&to_text(&d, false));
                        }
                    }
                }
            }
        }
        "phone" => {
            // `+7705*****96`: five hidden digits.
            let mut d = shown.clone();
            let n_digits = d.len();
            for hidden in 0..100_000u32 {
                let mut n = hidden;
                for pos in (4..n_digits - 2).rev() {
                    d[pos] = (n % 10) as u8;
                    n /= 10;
                }
                each(&to_text(&d, true));
            }
        }
        "card" => {
            // `440043******6789`: six hidden digits, Luhn.
            let mut d = shown.clone();
            for hidden in 0..1_000_000u32 {
                let mut n = hidden;
                for pos in (6..12).rev() {
                    d[pos] = (n % 10) as u8;
                    n /= 10;
                }
                if luhn_ok(&d) {
                    each(&to_text(&d, false));
                }
            }
        }
        other => panic!("no candidate space for {other}"),
    }
}

/// Every planted value's candidate space, made once: (category, candidate).
fn all_candidates() -> Vec<(&'static str, String)> {
    let mut all = Vec::new();
    for p in &PLANTED {
        candidates(p, |c| all.push((p.category, c.to_string())));
    }
    all
}

/// Runs the full brute force with `derived` over `space`; returns the
/// (format, value) pairs recovered.
fn brute_force(
    derived: &[u8; 32],
    space: &[(&'static str, String)],
    reports: &[(String, HashSet<[u8; 16]>)],
) -> Vec<(String, String)> {
    let mut recovered = Vec::new();
    for (category, candidate) in space {
        let fp = fingerprint(derived, category, candidate);
        for (format, tokens) in reports {
            if tokens.contains(&fp) {
                recovered.push((format.clone(), candidate.clone()));
            }
        }
    }
    recovered
}

#[test]
fn reports_made_without_a_user_key_give_nothing_back() {
    let text: String = PLANTED.iter().map(|p| format!("{}\n", p.written)).collect();
    let tree = tree_with(&[
        ("app.log", &text),
        ("db/clients.csv", &format!("note\n{text}")),
    ]);
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config");
    let run = |args: &[&str]| {
        let out = output(
            tizim(tree.path())
                .env("HOME", home.path())
                .env("XDG_CONFIG_HOME", &config)
                .args(args),
        );
        out.assert_scanned();
        out.stdout
    };
    let mut reports: Vec<(String, HashSet<[u8; 16]>)> = Vec::new();
    let mut ndjson = String::new();
    for format in [
        "table", "ndjson", "json", "csv", "markdown", "html", "sarif", "junit",
    ] {
        let out = run(&["scan", "--format", format]);
        if format == "ndjson" {
            ndjson = out.clone();
        }
        reports.push((format.to_string(), hex_tokens(&out)));
    }
    reports.push(("baseline".into(), hex_tokens(&run(&["baseline", "create"]))));
    // The reports do carry fingerprints to attack.
    let found = common::parse_ndjson(&ndjson);
    for p in &PLANTED {
        assert!(
            found.iter().any(|f| f["category"] == p.category),
            "no {} found: {ndjson}",
            p.category
        );
    }
    assert!(
        reports[1].1.len() >= PLANTED.len(),
        "NDJSON has fingerprints"
    );

    // Every key the attacker can find.
    let mut keys: HashSet<Vec<u8>> = HashSet::new();
    source_literals(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut keys,
    );
    let key_like: Vec<Vec<u8>> = keys
        .iter()
        .filter(|k| {
            let k = String::from_utf8_lossy(k).to_lowercase();
            k.contains("key") || k.contains("fingerprint") || k.contains("tizim")
        })
        .cloned()
        .chain([OLD_PUBLISHED_KEY.as_bytes().to_vec(), Vec::new()])
        .collect();
    let binary = std::fs::read(common::tizim_bin()).unwrap();
    assert!(
        !binary
            .windows(OLD_PUBLISHED_KEY.len())
            .any(|w| w == OLD_PUBLISHED_KEY.as_bytes()),
        "the old published key is gone from the binary"
    );
    binary_strings(&binary, &mut keys);
    keys.insert(OLD_PUBLISHED_KEY.as_bytes().to_vec());
    keys.insert(Vec::new());
    assert!(
        keys.len() > 10_000,
        "{} strings: the binary was read",
        keys.len()
    );

    // Pass 1: every key, the true values.
    let mut recovered = Vec::new();
    for key in &keys {
        let derived = derive(key);
        for p in &PLANTED {
            let fp = fingerprint(&derived, p.category, p.normalized);
            for (format, tokens) in &reports {
                if tokens.contains(&fp) {
                    recovered.push((format.clone(), String::from_utf8_lossy(key).into_owned()));
                }
            }
        }
    }
    assert!(
        recovered.is_empty(),
        "a binary constant is the key: {recovered:?}"
    );

    // Pass 2: the whole candidate space, for every key-like literal.
    let space = all_candidates();
    let hashes = space.len() * key_like.len();
    for key in &key_like {
        let recovered = brute_force(&derive(key), &space, &reports);
        assert!(
            recovered.is_empty(),
            "key {:?} recovers {recovered:?}",
            String::from_utf8_lossy(key)
        );
    }
    eprintln!(
        "attacker: {} keys tried on the true values, {} key-like literals brute-forced \
         ({hashes} fingerprints): nothing recovered",
        keys.len(),
        key_like.len()
    );

    // The control: whoever holds the installation key gets every value back
    // from the NDJSON report, so the brute force above is a real one.
    let key_text = std::fs::read_to_string(config.join("tizim/fingerprint.key")).unwrap();
    let recovered = brute_force(&derive(key_text.trim().as_bytes()), &space, &reports[1..2]);
    let values: HashSet<&str> = recovered.iter().map(|(_, v)| v.as_str()).collect();
    for p in &PLANTED {
        assert!(
            values.contains(p.normalized),
            "the control missed {}",
            p.normalized
        );
    }
}
