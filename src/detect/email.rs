//! E-mail addresses: shape around the `@` (or URL-encoded `%40`), and a
//! top-level domain that exists. International addresses (RFC 6531) too:
//! letters of any script in the local part and the domain (`әлия@мысал.қаз`),
//! and punycode domains (`xn--…`) whose top-level label is one of the Public
//! Suffix List's IDN entries. The normal form, fingerprinted, has the domain
//! in IDNA ASCII and everything lower-cased, so an address written in
//! Unicode and in punycode is one value.

use std::sync::LazyLock;

/// From the Public Suffix List; see the header of `tlds.txt`. Sorted for
/// binary search (no hashing per lookup).
static TLDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut v: Vec<&'static str> = include_str!("tlds.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    v.sort_unstable();
    v
});

pub fn is_tld(label: &str) -> bool {
    // `xn--80ao21a`: the IDN top-level domain `қаз`, as DNS writes it.
    if label.len() > 4 && label.as_bytes()[..4].eq_ignore_ascii_case(b"xn--") {
        return idna::punycode::decode_to_string(&label[4..].to_ascii_lowercase())
            .is_some_and(|u| !u.is_ascii() && TLDS.binary_search(&u.as_str()).is_ok());
    }
    let mut buf = [0u8; 64];
    if label.len() > buf.len() || !label.is_ascii() {
        return TLDS.binary_search(&label.to_lowercase().as_str()).is_ok();
    }
    let lower = &mut buf[..label.len()];
    lower.copy_from_slice(label.as_bytes());
    lower.make_ascii_lowercase();
    std::str::from_utf8(lower).is_ok_and(|l| TLDS.binary_search(&l).is_ok())
}

pub fn is_local_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-')
}

pub fn is_domain_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-')
}

/// Letters a local part may hold beyond ASCII: Latin, Greek and Cyrillic
/// (Kazakh included). Scripts written without spaces (CJK) would join the
/// text before an address to it (`请联系邮箱1481407566@qq.com`).
fn is_local_letter(c: char) -> bool {
    c.is_alphanumeric() && matches!(c as u32, 0x00C0..=0x024F | 0x0370..=0x03FF | 0x0400..=0x052F)
}

/// The local-part letter whose UTF-8 encoding ends just before `end`, and
/// its length in bytes; `None` for anything else.
fn letter_before(text: &[u8], end: usize) -> Option<usize> {
    let mut s = end.checked_sub(1)?;
    while s > 0 && end - s < 4 && text[s] & 0xC0 == 0x80 {
        s -= 1;
    }
    let c = std::str::from_utf8(&text[s..end]).ok()?.chars().next()?;
    is_local_letter(c).then_some(end - s)
}

/// The letter or digit (of any script) starting at `start`, and its
/// length in bytes.
fn letter_at(text: &[u8], start: usize) -> Option<usize> {
    let len = match text.get(start)? {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => return None,
    };
    let c = std::str::from_utf8(text.get(start..start + len)?)
        .ok()?
        .chars()
        .next()?;
    c.is_alphanumeric().then_some(len)
}

/// Finds the address around an `@` at `at` (or `%40`, `at_len` 3) in
/// `text`: returns its byte span. Boundary rules (what may touch it) are
/// the caller's.
pub fn span_around(text: &[u8], at: usize, at_len: usize) -> Option<(usize, usize)> {
    let mut start = at;
    loop {
        if start == 0 || at - start >= 64 {
            break;
        }
        let c = text[start - 1];
        if is_local_byte(c) {
            start -= 1;
        } else if c >= 0x80 {
            match letter_before(text, start) {
                Some(n) => start -= n,
                None => break,
            }
        } else {
            break;
        }
    }
    if start > 0 && (is_local_byte(text[start - 1]) || letter_before(text, start).is_some()) {
        return None; // local part longer than RFC 5321 allows
    }
    // A local part cannot start with a dot; `%` and `+` at the start are
    // leftovers of URL encoding (`?to=%20ivan@…`, `+ivan@…`), not address.
    loop {
        if start < at && matches!(text[start], b'.' | b'+' | b'-') {
            start += 1;
        } else if start + 3 <= at
            && text[start] == b'%'
            && text[start + 1].is_ascii_hexdigit()
            && text[start + 2].is_ascii_hexdigit()
        {
            start += 3;
        } else {
            break;
        }
    }
    if start == at {
        return None;
    }
    let dom_start = at + at_len;
    let mut end = dom_start;
    while end < text.len() && end - dom_start < 253 {
        if is_domain_byte(text[end]) {
            end += 1;
        } else if let Some(n) = letter_at(text, end) {
            end += n;
        } else {
            break;
        }
    }
    // A sentence-ending dot or a dash is not part of the domain.
    while end > dom_start && matches!(text[end - 1], b'.' | b'-') {
        end -= 1;
    }
    (end > dom_start).then_some((start, end))
}

/// Decodes `%XX` escapes in a local part written inside a URL
/// (`ivan%2Bpromo` → `ivan+promo`); `None` if anything decodes to a byte a
/// local part cannot hold.
fn percent_decode_local<'b>(local: &str, buf: &'b mut [u8; 64]) -> Option<&'b str> {
    let b = local.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i < b.len() {
        let c = if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            i += 3;
            u8::from_str_radix(hex, 16).ok()?
        } else {
            i += 1;
            b[i - 1]
        };
        if !(is_local_byte(c) || c >= 0x80) || c == b'%' || n == buf.len() {
            return None;
        }
        buf[n] = c;
        n += 1;
    }
    std::str::from_utf8(&buf[..n]).ok()
}

/// Validates an address as written (`ivan@mail.kz`, `ivan%40mail.kz`) and
/// returns it decoded and lower-cased.
pub fn validate(text: &str) -> Option<String> {
    let (local, domain) = match memchr::memchr(b'@', text.as_bytes()) {
        Some(i) => (&text[..i], &text[i + 1..]),
        None => {
            let i = text.find("%40")?;
            (&text[..i], &text[i + 3..])
        }
    };
    let mut local_buf = [0u8; 64];
    let local = percent_decode_local(local, &mut local_buf)?;
    if local.is_empty() || local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return None;
    }
    // RFC 6531: other scripts' letters and digits, besides ASCII's.
    if !local.is_ascii() && !local.chars().all(|c| c.is_ascii() || is_local_letter(c)) {
        return None;
    }
    let ascii_domain = domain.is_ascii();
    if domain.len() > 253
        || !(domain.bytes().all(is_domain_byte)
            || !ascii_domain
                && domain
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '.' || c == '-'))
    {
        return None;
    }
    let mut labels = domain.split('.');
    let first = labels.next()?;
    let mut count = 1;
    let mut last = first;
    for l in labels {
        count += 1;
        last = l;
        if l.is_empty() || l.len() > 63 || l.starts_with('-') || l.ends_with('-') {
            return None;
        }
    }
    if count < 2 || first.is_empty() || first.starts_with('-') || first.ends_with('-') {
        return None;
    }
    // `logo@2x.png`, `icon@3x.zip`: image density suffixes, not hosts.
    let b = first.as_bytes();
    if b.len() >= 2
        && b[b.len() - 1].eq_ignore_ascii_case(&b'x')
        && b[..b.len() - 1].iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    let tld_shape = last.bytes().all(|c| c.is_ascii_alphabetic())
        || !last.is_ascii() && last.chars().all(char::is_alphabetic)
        // Bytes, not `&last[..4]`: a Unicode TLD's fourth byte may fall
        // inside a character (found by `cargo fuzz run detect`).
        || last.len() > 4 && last.as_bytes()[..4].eq_ignore_ascii_case(b"xn--");
    if !tld_shape || !is_tld(last) {
        return None;
    }
    // The normal form: IDNA ASCII domain (`xn--…`), lower case throughout.
    let punycode = domain
        .as_bytes()
        .windows(4)
        .any(|w| w.eq_ignore_ascii_case(b"xn--"));
    let domain = if ascii_domain && !punycode {
        std::borrow::Cow::Borrowed(domain)
    } else {
        std::borrow::Cow::Owned(idna::domain_to_ascii(domain).ok()?)
    };
    let mut out = String::with_capacity(local.len() + 1 + domain.len());
    if local.is_ascii() {
        out.push_str(local);
    } else {
        out.push_str(&local.to_lowercase());
    }
    out.push('@');
    out.push_str(&domain);
    out.make_ascii_lowercase();
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_addresses() {
        assert_eq!(validate("ivan@mail.kz").as_deref(), Some("ivan@mail.kz"));
        assert_eq!(
            validate("Ivan.Petrov@Kaspi.KZ").as_deref(),
            Some("ivan.petrov@kaspi.kz")
        );
        assert_eq!(validate("ivan%40mail.kz").as_deref(), Some("ivan@mail.kz"));
        assert_eq!(
            validate("ivan%2Bpromo%40mail.kz").as_deref(),
            Some("ivan+promo@mail.kz")
        );
        assert_eq!(
            validate("a.b-c+tag@sub.example-corp.com").as_deref(),
            Some("a.b-c+tag@sub.example-corp.com")
        );
        assert_eq!(
            validate("user@xn--80ao21a.xn--80ao21a").is_some(),
            is_tld("xn--80ao21a")
        );
    }

    #[test]
    fn look_alikes_are_rejected() {
        for s in [
            "logo@2x.png",
            "icon@3x.zip",
            "lodash@4.17.21",
            "pkg@1.2.3",
            "@scope/pkg",
            "user@localhost",
            "a@b.c",
            "x@-bad.kz",
            ".ivan@mail.kz",
            "iv..an@mail.kz",
            "ivan@mail.notatld",
            "ivan@mail.k2",
        ] {
            assert_eq!(validate(s), None, "{s}");
        }
    }

    #[test]
    fn spans() {
        let t = b"to: <ivan.petrov@mail.kz>.";
        let at = t.iter().position(|&c| c == b'@').unwrap();
        let (s, e) = span_around(t, at, 1).unwrap();
        assert_eq!(&t[s..e], b"ivan.petrov@mail.kz");
        let t = b"?email=ivan%40mail.kz&x=1";
        let (s, e) = span_around(t, 11, 3).unwrap();
        assert_eq!(&t[s..e], b"ivan%40mail.kz");
        let t = b"?to=%20ivan@mail.kz";
        let (s, e) = span_around(t, 11, 1).unwrap();
        assert_eq!(&t[s..e], b"ivan@mail.kz");
    }

    #[test]
    fn international_addresses() {
        // Kazakh letters in the local part and the domain; the normal form
        // has the domain in IDNA ASCII.
        let u = validate("Әлия.Қасымова@Почта.Қаз").unwrap();
        let p = validate("әлия.қасымова@xn--80a1acny.XN--80AO21A").unwrap();
        assert_eq!(u, p);
        assert_eq!(u, "әлия.қасымова@xn--80a1acny.xn--80ao21a");
        assert_eq!(
            validate("user@пример.рф").as_deref(),
            Some("user@xn--e1afmkfd.xn--p1ai")
        );
        assert!(validate("ivan@мысал.бел").is_some());
        // Not a top-level domain, in either form.
        assert_eq!(validate("user@почта.қазақ"), None);
        assert_eq!(validate("user@xn--80a1acny.xn--abc"), None);
        // Not letters.
        assert_eq!(validate("a→b@mail.kz"), None);
        let t = "Почта: әлия@мысал.қаз, тел.".as_bytes();
        let at = t.iter().position(|&c| c == b'@').unwrap();
        let (s, e) = span_around(t, at, 1).unwrap();
        assert_eq!(std::str::from_utf8(&t[s..e]).unwrap(), "әлия@мысал.қаз");
    }

    #[test]
    fn tld_list_is_loaded() {
        assert!(is_tld("kz") && is_tld("COM") && is_tld("рф") && is_tld("қаз"));
        assert!(!is_tld("png") && !is_tld("js") && !is_tld("21"));
    }
}
