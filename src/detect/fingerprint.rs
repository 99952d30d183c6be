//! Masks and keyed fingerprints: what reports show instead of raw values.

use crate::model::Category;

/// Used when neither `--fingerprint-key` nor `TIZIM_FINGERPRINT_KEY` is set.
/// Fingerprints made with it are comparable between runs and machines, but
/// anyone can recompute them for a guessed value: set your own key for
/// reports that leave the building.
pub const DEFAULT_FINGERPRINT_KEY: &str = "tizim-default-fingerprint-key-v1";

/// Keyed BLAKE3 of the normalised value.
#[derive(Clone)]
pub struct Fingerprinter {
    key: [u8; 32],
}

impl Fingerprinter {
    pub fn new(key: &str) -> Self {
        Fingerprinter {
            key: blake3::derive_key("tizim fingerprint key v1", key.as_bytes()),
        }
    }

    /// A short id of the key, never the key: 8 bytes of BLAKE3 in its own
    /// derivation context, so it says nothing about any fingerprint.
    /// Reports and partial reports carry it, and a merge of parts made
    /// with different keys is refused by it.
    pub fn key_id(&self) -> String {
        let id = blake3::derive_key("tizim fingerprint key id v1", &self.key);
        id[..8].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// 16 bytes of keyed BLAKE3 over `category:normalized`, as hex: short
    /// enough to read, long enough that collisions do not matter.
    pub fn fingerprint(&self, category: Category, normalized: &str) -> String {
        let mut h = blake3::Hasher::new_keyed(&self.key);
        h.update(category.id().as_bytes());
        h.update(b":");
        h.update(normalized.as_bytes());
        let out = h.finalize();
        // Hex by table lookup: `format!` per byte was a fifth of a scan's
        // CPU time on a corpus of a million findings.
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut hex = String::with_capacity(32);
        for &b in &out.as_bytes()[..16] {
            hex.push(HEX[usize::from(b >> 4)] as char);
            hex.push(HEX[usize::from(b & 0xf)] as char);
        }
        hex
    }
}

impl Default for Fingerprinter {
    fn default() -> Self {
        Fingerprinter::new(DEFAULT_FINGERPRINT_KEY)
    }
}

/// A masked form that keeps too little to re-identify anyone.
///
/// - IIN/BIN: first 4 and last 2 digits (`8503******28`): birth year and
///   month, or registration year and month, only.
/// - Card: at most the first 6 (the issuer, BIN/IIN range) and last 4, as
///   PCI DSS allows (`440043******1234`).
/// - Phone: `+`, the first 4 digits (country and operator or area code) and
///   the last 2 (`+7701*****78`).
/// - E-mail: the first character of the mailbox and of the domain, and the
///   top-level domain (`i***@m***.kz`).
/// - IBAN: country, check digits and bank code, and the last 2
///   (`KZ86125***********00`).
/// - Anything else: a little of both ends of long values, nothing of short
///   ones.
///
/// Every mask breaks the value's digit run with `*`, so a report fed back
/// to tizim finds nothing in it.
pub fn mask(category: Category, normalized: &str) -> String {
    // Almost every value is ASCII: mask its bytes in place, with one
    // allocation instead of a `Vec<char>` and a collected `String`.
    if normalized.is_ascii() && category != Category::Email {
        let bytes = normalized.as_bytes();
        let n = bytes.len();
        let digits_only = bytes.iter().all(u8::is_ascii_digit);
        let (head, tail) = match category {
            Category::Iin | Category::Bin if n == 12 && digits_only => (4, 2),
            Category::Card if (12..=19).contains(&n) && digits_only => (6, 4),
            Category::Phone if n >= 9 && bytes[0] == b'+' => (5, 2),
            Category::Iban if n >= 15 => (7, 2),
            _ => generic_ends(n),
        };
        return bytes
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                if i < head || i + tail >= n {
                    c as char
                } else {
                    '*'
                }
            })
            .collect();
    }
    let chars: Vec<char> = normalized.chars().collect();
    let n = chars.len();
    let digits_only = chars.iter().all(char::is_ascii_digit);
    match category {
        Category::Iin | Category::Bin if n == 12 && digits_only => keep_ends(&chars, 4, 2),
        Category::Card if (12..=19).contains(&n) && digits_only => keep_ends(&chars, 6, 4),
        Category::Phone if n >= 9 && chars[0] == '+' => keep_ends(&chars, 5, 2),
        Category::Iban if n >= 15 => keep_ends(&chars, 7, 2),
        Category::Email => mask_email(normalized).unwrap_or_else(|| generic(&chars)),
        _ => generic(&chars),
    }
}

fn keep_ends(chars: &[char], head: usize, tail: usize) -> String {
    let n = chars.len();
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| if i < head || i + tail >= n { c } else { '*' })
        .collect()
}

fn generic(chars: &[char]) -> String {
    let (head, tail) = generic_ends(chars.len());
    keep_ends(chars, head, tail)
}

/// How many characters of each end a value of `n` characters keeps when
/// no category-specific mask applies.
fn generic_ends(n: usize) -> (usize, usize) {
    match n {
        0..=5 => (0, 0),
        6..=11 => (1, 1),
        _ => (2, 2),
    }
}

fn mask_email(addr: &str) -> Option<String> {
    let (local, domain) = addr.rsplit_once('@')?;
    let (_, tld) = domain.rsplit_once('.')?;
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    Some(format!("{}***@{}***.{tld}", first(local), first(domain)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_per_category() {
        assert_eq!(mask(Category::Iin, "850315300128"), "8503******28");
        assert_eq!(mask(Category::Bin, "140340014652"), "1403******52");
        assert_eq!(mask(Category::Card, "4400430123456789"), "440043******6789");
        assert_eq!(mask(Category::Card, "378282246310005"), "378282*****0005");
        assert_eq!(mask(Category::Phone, "+77012345678"), "+7701*****78");
        assert_eq!(mask(Category::Email, "ivan.petrov@mail.kz"), "i***@m***.kz");
        assert_eq!(
            mask(Category::Iban, "KZ86125KZT5004100100"),
            "KZ86125***********00"
        );
        assert_eq!(mask(Category::IdDocument, "N12345678"), "N*******8");
        assert_eq!(mask(Category::IdDocument, "12345"), "*****");
    }

    #[test]
    fn masks_never_hold_the_value_and_odd_input_falls_back() {
        // A category mask applied to a value of another shape must not leak.
        assert_eq!(mask(Category::Iin, "85031530012"), "8*********2");
        assert_eq!(mask(Category::Card, "abc"), "***");
        for (c, v) in [
            (Category::Iin, "850315300128"),
            (Category::Card, "4400430123456789"),
            (Category::Phone, "+77012345678"),
            (Category::Email, "ivan@mail.kz"),
            (Category::Iban, "KZ86125KZT5004100100"),
        ] {
            let m = mask(c, v);
            assert_ne!(m, v);
            assert!(
                !m.contains(&v[v.len() / 3..v.len() * 2 / 3]),
                "{m} keeps the middle of {v}"
            );
        }
    }

    #[test]
    fn fingerprints_are_keyed_and_stable() {
        let a = Fingerprinter::default();
        let b = Fingerprinter::new("another key");
        let f = a.fingerprint(Category::Iin, "850315300128");
        assert_eq!(f.len(), 32);
        assert_eq!(f, a.fingerprint(Category::Iin, "850315300128"));
        assert_ne!(f, b.fingerprint(Category::Iin, "850315300128"));
        assert_ne!(f, a.fingerprint(Category::Bin, "850315300128"));
    }
}
