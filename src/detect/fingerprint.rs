//! Masks and keyed fingerprints: what reports show instead of raw values.
//!
//! There is no published key. A [`FingerprintKey`] is either secret random
//! bytes (made for one process, or for one installation by [`crate::key`]) or
//! a key the user gives (flag, environment, key file) to make fingerprints
//! comparable between machines. Every report names the key by its
//! [`FingerprintKey::id`], never by the key itself.

use crate::model::Category;
use std::fmt;

/// Key material shorter than this is treated as guessable: card masks then
/// keep the last 4 digits only (see [`FingerprintKey::mask`]).
pub const MIN_STRONG_KEY_BYTES: usize = 16;

/// Domain separation: the fingerprint key and the key id are derived from
/// the user's key under different contexts, so the id reveals nothing that
/// helps compute fingerprints.
const FINGERPRINT_CONTEXT: &str = "tizim fingerprint key v1";
const KEY_ID_CONTEXT: &str = "tizim fingerprint key id v1";

/// Where a key came from, which decides whether fingerprints made with it
/// may serve as identities shared between machines (SARIF
/// `partialFingerprints`, baselines).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyScope {
    /// Random, for this process only (the library's default).
    Ephemeral,
    /// Random, created on first use in the user's config directory:
    /// fingerprints are comparable on this machine only.
    Installation,
    /// Given by the user (`--fingerprint-key`, `TIZIM_FINGERPRINT_KEY`, a key
    /// file): comparable wherever the same key is used.
    Shared,
}

impl KeyScope {
    pub fn id(self) -> &'static str {
        match self {
            KeyScope::Ephemeral => "ephemeral",
            KeyScope::Installation => "installation",
            KeyScope::Shared => "shared",
        }
    }
}

/// The key of value fingerprints: keyed BLAKE3 of the normalised value.
/// Holds only the derived key, never the user's key text; `Debug` shows the
/// id alone.
#[derive(Clone)]
pub struct FingerprintKey {
    derived: [u8; 32],
    id: String,
    scope: KeyScope,
    strong: bool,
}

impl fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FingerprintKey")
            .field("id", &self.id)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// A random key for this process only: the library's default, so that a
/// caller who forgets to choose a key gets fingerprints nobody else can
/// recompute.
impl Default for FingerprintKey {
    fn default() -> Self {
        FingerprintKey::ephemeral()
            .unwrap_or_else(|e| panic!("no random fingerprint key could be made: {e}"))
    }
}

impl FingerprintKey {
    /// A key from secret material (a key file's text, a `--fingerprint-key`
    /// value, random bytes).
    pub fn from_secret(secret: &[u8], scope: KeyScope) -> Self {
        let derived = blake3::derive_key(FINGERPRINT_CONTEXT, secret);
        let id_bytes = blake3::derive_key(KEY_ID_CONTEXT, &derived);
        FingerprintKey {
            derived,
            id: hex(&id_bytes[..KEY_ID_BYTES]),
            scope,
            strong: secret.len() >= MIN_STRONG_KEY_BYTES,
        }
    }

    /// 32 random bytes from the operating system, for this process only.
    pub fn ephemeral() -> Result<Self, String> {
        let secret = random_bytes()?;
        Ok(FingerprintKey::from_secret(&secret, KeyScope::Ephemeral))
    }

    /// Stands for the key a set of partial reports were made with, in the
    /// report `tizim merge` writes: it carries that key's id and scope, so
    /// the report names it, but never its secret, which a merge does not
    /// have (the fingerprints travel inside the parts). Anything it
    /// fingerprinted itself would be keyed with a random key of its own.
    pub fn stand_in(id: String, scope: KeyScope) -> Result<Self, String> {
        let mut key = FingerprintKey::ephemeral()?;
        key.id = id;
        key.scope = scope;
        Ok(key)
    }

    /// The key id: 8 bytes (16 hex digits) of a BLAKE3 key derivation from
    /// the key under its own context. Reports and baselines carry it so
    /// that fingerprints made with different keys are never compared; it
    /// cannot be turned back into the key, nor used to fingerprint.
    pub fn id(&self) -> String {
        self.id.clone()
    }

    /// The id, borrowed (for writers on the hot path).
    pub fn id_str(&self) -> &str {
        &self.id
    }

    pub fn scope(&self) -> KeyScope {
        self.scope
    }

    /// Whether the user gave this key, so that fingerprints made with it are
    /// meant to be compared between machines and runs (SARIF
    /// `partialFingerprints` and baselines then use them).
    pub fn is_shared(&self) -> bool {
        self.scope == KeyScope::Shared
    }

    /// Whether the key material is long enough not to be guessed (at least
    /// [`MIN_STRONG_KEY_BYTES`] bytes; random keys always are).
    pub fn is_strong(&self) -> bool {
        self.strong
    }

    /// 16 bytes of keyed BLAKE3 over `category:normalized`, as hex: short
    /// enough to read, long enough that collisions do not matter.
    pub fn fingerprint(&self, category: Category, normalized: &str) -> String {
        // One `update` of `category:normalized` gathered on the stack (the
        // same bytes, so the same hash): three calls cost a third of the
        // hashing on a dense scan. Longer values go in pieces.
        let id = category.id().as_bytes();
        let value = normalized.as_bytes();
        let mut buf = [0u8; 96];
        let n = id.len() + 1 + value.len();
        let hash = if n <= buf.len() {
            buf[..id.len()].copy_from_slice(id);
            buf[id.len()] = b':';
            buf[id.len() + 1..n].copy_from_slice(value);
            blake3::keyed_hash(&self.derived, &buf[..n])
        } else {
            let mut h = blake3::Hasher::new_keyed(&self.derived);
            h.update(id);
            h.update(b":");
            h.update(value);
            h.finalize()
        };
        hex(&hash.as_bytes()[..16])
    }

    /// The mask shown next to a fingerprint made with this key: [`mask`],
    /// except that a card keeps its first 6 digits (the issuer) only while
    /// the key is strong. Next to a fingerprint whose key can be guessed,
    /// first 6 and last 4 leave a million candidates less a Luhn digit,
    /// tried in milliseconds; the last 4 alone leave about 10^11.
    pub fn mask(&self, category: Category, normalized: &str) -> String {
        if category == Category::Card && !self.strong {
            let n = normalized.len();
            if (12..=19).contains(&n) && normalized.bytes().all(|b| b.is_ascii_digit()) {
                return keep_ends_ascii(normalized.as_bytes(), 0, 4);
            }
        }
        mask(category, normalized)
    }
}

/// Bytes of the key id: enough that two keys never share one by chance.
const KEY_ID_BYTES: usize = 8;

/// 32 bytes from the operating system's random number generator.
pub(crate) fn random_bytes() -> Result<[u8; 32], String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("the system random number generator: {e}"))?;
    Ok(bytes)
}

/// Lower-case hex by table lookup: `format!` per byte was a fifth of a
/// scan's CPU time on a corpus of a million findings.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    // Bytes into a byte buffer, then one check as text: pushing `char`s
    // one at a time was most of a fingerprint's cost after the hash.
    let mut hex = vec![0u8; bytes.len() * 2];
    for (pair, &b) in hex.chunks_exact_mut(2).zip(bytes) {
        pair[0] = HEX[usize::from(b >> 4)];
        pair[1] = HEX[usize::from(b & 0xf)];
    }
    String::from_utf8(hex).unwrap_or_default()
}

/// A masked form that reveals nothing personal on its own, and keeps the
/// last characters so that an auditor can tell two values apart at a
/// glance. (Next to a fingerprint whose key an attacker holds, no mask
/// protects a value from a small space: see SECURITY.md. The key is the
/// secret; masks only keep what they show from narrowing the search.)
///
/// - IIN/BIN: the last 2 digits only (`**********28`). An IIN's first six
///   digits are the holder's birth date and the seventh their sex and
///   century; a BIN's first four are its registration year and month.
/// - Card: the first 6 (the issuer, BIN/IIN range) and the last 4, as PCI
///   DSS allows (`440043******6789`); [`FingerprintKey::mask`] keeps the last
///   4 only next to a fingerprint with a guessable key.
/// - Phone: `+`, the first digit (the world numbering zone: 7 for
///   Kazakhstan and Russia) and the last 2 (`+7********78`).
/// - E-mail: the first character of the mailbox and of the domain, and the
///   top-level domain (`i***@m***.kz`).
/// - IBAN: country, bank code and the last 2, not the check digits
///   (`KZ**125***********00`).
/// - Person name: the first character, not the length (`Ж***`).
/// - Anything else: a little of both ends of long values, nothing of short
///   ones.
///
/// Every mask breaks the value's digit run with `*`, so a report fed back
/// to tizim finds nothing in it.
pub fn mask(category: Category, normalized: &str) -> String {
    match category {
        Category::Email => {
            return mask_email(normalized).unwrap_or_else(|| {
                let chars: Vec<char> = normalized.chars().collect();
                keep_ends(&chars, Keep::generic(chars.len()))
            })
        }
        Category::PersonName => {
            return match normalized.chars().next() {
                Some(first) => format!("{first}***"),
                None => String::new(),
            }
        }
        _ => {}
    }
    // Almost every value is ASCII: mask its bytes, with one allocation
    // instead of a `Vec<char>` and a collected `String`.
    if normalized.is_ascii() {
        let bytes = normalized.as_bytes();
        let keep = Keep::for_value(category, bytes.len(), bytes.first().copied(), || {
            bytes.iter().all(u8::is_ascii_digit)
        });
        return keep.apply_ascii(bytes);
    }
    let chars: Vec<char> = normalized.chars().collect();
    let first = chars.first().and_then(|c| u8::try_from(*c).ok());
    let keep = Keep::for_value(category, chars.len(), first, || {
        chars.iter().all(char::is_ascii_digit)
    });
    keep_ends(&chars, keep)
}

/// Which characters of a value of `n` characters a mask keeps: the first
/// `head` (less those in `hide`) and the last `tail`.
#[derive(Clone, Copy)]
struct Keep {
    n: usize,
    head: usize,
    tail: usize,
    hide: (usize, usize),
}

impl Keep {
    fn ends(n: usize, head: usize, tail: usize) -> Keep {
        Keep {
            n,
            head,
            tail,
            hide: (0, 0),
        }
    }

    fn for_value(
        category: Category,
        n: usize,
        first: Option<u8>,
        digits_only: impl Fn() -> bool,
    ) -> Keep {
        match category {
            Category::Iin | Category::Bin if n == 12 && digits_only() => Keep::ends(n, 0, 2),
            Category::Card if (12..=19).contains(&n) && digits_only() => Keep::ends(n, 6, 4),
            Category::Phone if n >= 9 && first == Some(b'+') => Keep::ends(n, 2, 2),
            // KZ, check digits (hidden), bank code.
            Category::Iban if n >= 15 => Keep {
                hide: (2, 4),
                ..Keep::ends(n, 7, 2)
            },
            _ => Keep::generic(n),
        }
    }

    /// When no category-specific mask applies.
    fn generic(n: usize) -> Keep {
        match n {
            0..=5 => Keep::ends(n, 0, 0),
            6..=11 => Keep::ends(n, 1, 1),
            _ => Keep::ends(n, 2, 2),
        }
    }

    fn keeps(&self, i: usize) -> bool {
        (i < self.head && !(self.hide.0..self.hide.1).contains(&i)) || i + self.tail >= self.n
    }

    /// The mask of an ASCII value of `self.n` bytes: a copy with the hidden
    /// bytes overwritten, rather than a `String` collected a `char` at a
    /// time (a masked value per finding made that a tenth of a dense scan).
    fn apply_ascii(&self, bytes: &[u8]) -> String {
        let mut out = bytes.to_vec();
        for (i, c) in out.iter_mut().enumerate() {
            if !self.keeps(i) {
                *c = b'*';
            }
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

fn keep_ends(chars: &[char], keep: Keep) -> String {
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| if keep.keeps(i) { c } else { '*' })
        .collect()
}

fn keep_ends_ascii(bytes: &[u8], head: usize, tail: usize) -> String {
    Keep::ends(bytes.len(), head, tail).apply_ascii(bytes)
}

fn mask_email(addr: &str) -> Option<String> {
    let (local, domain) = addr.rsplit_once('@')?;
    let (_, tld) = domain.rsplit_once('.')?;
    // Pushed piece by piece: `format!` was half the cost of an e-mail mask.
    fn first(s: &str) -> &str {
        s.chars().next().map_or("", |c| &s[..c.len_utf8()])
    }
    let mut m = String::with_capacity(tld.len() + 16);
    m.push_str(first(local));
    m.push_str("***@");
    m.push_str(first(domain));
    m.push_str("***.");
    m.push_str(tld);
    Some(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_per_category() {
        assert_eq!(mask(Category::Iin, "850315300128"), "**********28");
        assert_eq!(mask(Category::Bin, "140340014652"), "**********52");
        assert_eq!(mask(Category::Card, "4400430123456789"), "440043******6789");
        assert_eq!(mask(Category::Card, "378282246310005"), "378282*****0005");
        assert_eq!(mask(Category::Phone, "+77012345678"), "+7********78");
        assert_eq!(mask(Category::Email, "ivan.petrov@mail.kz"), "i***@m***.kz");
        assert_eq!(
            mask(Category::Iban, "KZ86125KZT5004100100"),
            "KZ**125***********00"
        );
        assert_eq!(mask(Category::PersonName, "Жумабаев Ерлан"), "Ж***");
        assert_eq!(mask(Category::IdDocument, "N12345678"), "N*******8");
        assert_eq!(mask(Category::IdDocument, "12345"), "*****");
        assert_eq!(mask(Category::IdDocument, "№12345678"), "№*******8");
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
    fn an_iin_mask_keeps_no_date_digit() {
        // YYMMDD, then the century and sex digit: none of the first seven.
        let m = mask(Category::Iin, "850315300128");
        assert!(m[..7].bytes().all(|b| b == b'*'), "{m}");
    }

    #[test]
    fn card_masks_keep_the_issuer_only_next_to_a_strong_key() {
        let strong = FingerprintKey::from_secret(&[7; 32], KeyScope::Shared);
        let weak = FingerprintKey::from_secret(b"short", KeyScope::Shared);
        assert!(strong.is_strong() && !weak.is_strong());
        assert_eq!(
            strong.mask(Category::Card, "4400430123456789"),
            "440043******6789"
        );
        assert_eq!(
            weak.mask(Category::Card, "4400430123456789"),
            "************6789"
        );
        assert_eq!(weak.mask(Category::Iin, "850315300128"), "**********28");
    }

    #[test]
    fn fingerprints_are_keyed_and_stable() {
        let a = FingerprintKey::from_secret(b"one key, long enough", KeyScope::Shared);
        let b = FingerprintKey::from_secret(b"another key", KeyScope::Shared);
        let f = a.fingerprint(Category::Iin, "850315300128");
        assert_eq!(f.len(), 32);
        assert_eq!(f, a.fingerprint(Category::Iin, "850315300128"));
        assert_ne!(f, b.fingerprint(Category::Iin, "850315300128"));
        assert_ne!(f, a.fingerprint(Category::Bin, "850315300128"));
        // The key given as text keeps the fingerprints it gave before key
        // ids existed: the derivation is unchanged.
        let mut h = blake3::Hasher::new_keyed(&blake3::derive_key(
            "tizim fingerprint key v1",
            b"one key, long enough",
        ));
        h.update(b"iin:850315300128");
        assert_eq!(f, hex(&h.finalize().as_bytes()[..16]));
        // Short values are hashed from a stack buffer, long ones in pieces:
        // the same bytes either way.
        for len in [0, 1, 50, 85, 86, 87, 96, 200] {
            let value = "x".repeat(len);
            let mut h = blake3::Hasher::new_keyed(&a.derived);
            h.update(b"email:");
            h.update(value.as_bytes());
            let want = hex(&h.finalize().as_bytes()[..16]);
            assert_eq!(a.fingerprint(Category::Email, &value), want, "{len}");
        }
    }

    #[test]
    fn key_ids_name_keys_without_giving_them_away() {
        let a = FingerprintKey::from_secret(b"one key, long enough", KeyScope::Shared);
        let same = FingerprintKey::from_secret(b"one key, long enough", KeyScope::Installation);
        let b = FingerprintKey::from_secret(b"another key", KeyScope::Shared);
        assert_eq!(a.id().len(), 16);
        assert!(a.id().bytes().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(a.id(), same.id());
        assert_ne!(a.id(), b.id());
        // Not a fingerprint of anything, nor a prefix of the derived key.
        assert!(!hex(&a.derived).starts_with(&a.id()));
        assert!(!format!("{a:?}").contains(&hex(&a.derived)));
        let e1 = FingerprintKey::ephemeral().unwrap();
        let e2 = FingerprintKey::ephemeral().unwrap();
        assert_ne!(e1.id(), e2.id());
        assert_eq!(e1.scope(), KeyScope::Ephemeral);
    }
}
