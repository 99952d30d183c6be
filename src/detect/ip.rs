//! IP addresses (`ip_address`): the shapes the single pass hands over, and
//! the validator that keeps only public addresses.
//!
//! Parsing is `std::net`'s (it rejects `01.2.3.4` and every malformed
//! IPv6 form); the ranges are the IANA special-purpose registries
//! (RFC 6890 and its updates), written out here because `IpAddr::is_global`
//! is still unstable.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The longest IPv6 text (`ffff:…:255.255.255.255`) is 45 bytes.
const MAX_V6: usize = 45;

/// An IPv4-shaped token starting at the digit run `s..e`: four dot-separated
/// runs of 1–3 digits. Returns its end. Boundaries are the caller's.
pub fn ipv4_end(b: &[u8], s: usize, e: usize) -> Option<usize> {
    if e - s > 3 || b.get(e) != Some(&b'.') {
        return None;
    }
    let mut p = e;
    for _ in 0..3 {
        if b.get(p) != Some(&b'.') {
            return None;
        }
        let gs = p + 1;
        let mut q = gs;
        while q < b.len() && q - gs <= 3 && b[q].is_ascii_digit() {
            q += 1;
        }
        if q == gs || q - gs > 3 {
            return None;
        }
        p = q;
    }
    Some(p)
}

/// An IPv6-shaped token around the digit run `s..e`, which touches a `:`:
/// the maximal run of hex digits, `:` and (for an embedded IPv4 tail) `.`.
/// Returns its span when it has at least two colons.
pub fn ipv6_span(b: &[u8], s: usize, e: usize) -> Option<(usize, usize)> {
    let is_v6 = |c: u8| c.is_ascii_hexdigit() || c == b':';
    let mut start = s;
    while start > 0 && s - start < MAX_V6 && is_v6(b[start - 1]) {
        start -= 1;
    }
    let mut end = e;
    while end < b.len() && end - start < MAX_V6 && (is_v6(b[end]) || b[end] == b'.') {
        end += 1;
    }
    // A sentence's full stop is not part of the address.
    while end > e && b[end - 1] == b'.' {
        end -= 1;
    }
    let span = &b[start..end];
    let colons = span.iter().filter(|&&c| c == b':').count();
    // Without `::`, an address has 8 groups (7 colons), or 6 and an IPv4
    // tail (6 colons): fewer cannot parse, and saying so here spares the
    // parser every `10:22:33` of a log or dump (2 % of a dense scan).
    let shaped = colons >= 6 || span.windows(2).any(|w| w == b"::");
    (colons >= 2 && shaped && end - start <= MAX_V6).then_some((start, end))
}

/// The canonical text of a public IP address, or `None` for anything else
/// (not an address, or private, loopback, link-local, documentation,
/// multicast, reserved, or a network/broadcast address of a /24).
pub fn public(text: &str) -> Option<String> {
    let ip: IpAddr = text.parse().ok()?;
    let public = match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => public_v4(v4),
            None => public_v6(v6),
        },
    };
    public.then(|| ip.to_string())
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, d] = ip.octets();
    let special = a == 0                                  // "this network"
        || a == 10                                        // private
        || (a == 100 && (64..128).contains(&b))           // carrier-grade NAT
        || a == 127                                       // loopback
        || (a == 169 && b == 254)                         // link-local
        || (a == 172 && (16..32).contains(&b))            // private
        || (a == 192 && b == 0 && (c == 0 || c == 2))     // IETF, TEST-NET-1
        || (a == 192 && b == 88 && c == 99)               // 6to4 relay
        || (a == 192 && b == 168)                         // private
        || (a == 198 && (b == 18 || b == 19))             // benchmarking
        || (a == 198 && b == 51 && c == 100)              // TEST-NET-2
        || (a == 203 && b == 0 && c == 113)               // TEST-NET-3
        || a >= 224; // multicast, reserved, broadcast
                     // `x.y.z.0` and `x.y.z.255` are networks and broadcasts far more often
                     // than hosts, and `120.0.0.0` is a browser version in a User-Agent.
    !special && d != 0 && d != 255
}

fn public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    // Global unicast is 2000::/3; inside it, documentation (2001:db8::/32,
    // 3fff::/20) and the IETF protocol assignments (2001::/23) are not hosts.
    (s[0] & 0xe000) == 0x2000
        && !(s[0] == 0x2001 && s[1] == 0x0db8)
        && s[0] & 0xfff0 != 0x3ff0
        && !(s[0] == 0x2001 && s[1] < 0x0200)
}

/// Words that make the number after them a version or an object
/// identifier, not an address (`version 2.5.4.3`, `OID 1.3.6.1`).
pub fn version_word_before(b: &[u8], s: usize) -> bool {
    let mut p = s;
    while p > 0 && matches!(b[p - 1], b' ' | b':' | b'=' | b'"' | b'\'' | b'\t') {
        p -= 1;
    }
    let mut w = p;
    while w > 0 && b[w - 1].is_ascii_alphabetic() && p - w < 12 {
        w -= 1;
    }
    if w > 0 && b[w - 1].is_ascii_alphabetic() {
        return false;
    }
    let word = &b[w..p];
    const WORDS: [&[u8]; 9] = [
        b"version",
        b"ver",
        b"v",
        b"oid",
        b"build",
        b"release",
        b"rev",
        b"revision",
        b"firmware",
    ];
    WORDS.iter().any(|k| word.eq_ignore_ascii_case(k))
        || (p - w == 0 && p >= 12 && b[..p].ends_with("версия".as_bytes()))
        || b[..p].ends_with("urn:oid:".as_bytes())
}

/// An OID's first two arcs at `s`: `0.`–`2.` then a number below 40.
pub fn oid_like(b: &[u8], s: usize) -> bool {
    let second = b
        .get(s + 2..)
        .map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count());
    matches!(b.get(s), Some(b'0'..=b'2'))
        && b.get(s + 1) == Some(&b'.')
        && (1..=2).contains(&second)
        && b[s + 2..s + 2 + second]
            .iter()
            .fold(0u32, |n, &c| n * 10 + u32::from(c - b'0'))
            < 40
}

/// `Chrome/120.0.6099.109`, `lib-1.2.3.4`: a product token's version, where
/// a `/`, `-` or `_` joins the number to a name.
pub fn joined_to_a_name(b: &[u8], s: usize) -> bool {
    s >= 2 && matches!(b[s - 1], b'/' | b'-' | b'_') && b[s - 2].is_ascii_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_addresses_only() {
        for ip in [
            "85.12.34.56",
            "8.8.8.8",
            "1.1.1.1",
            "95.56.234.7",
            "2a00:1450:4001:81c::200e",
            "2001:4860:4860::8888",
            "::ffff:85.12.34.56",
        ] {
            assert!(public(ip).is_some(), "{ip}");
        }
        for ip in [
            "10.0.0.1",
            "172.16.5.4",
            "172.31.255.1",
            "192.168.1.10",
            "127.0.0.1",
            "169.254.10.1",
            "100.64.0.1",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "255.255.255.255",
            "0.0.0.0",
            "85.12.34.0",
            "::1",
            "::",
            "fe80::1",
            "fd00::12",
            "2001:db8::1",
            "ff02::1",
            "::ffff:192.168.0.1",
            "01.2.3.4",
            "1.2.840.113549",
            "256.1.1.1",
        ] {
            assert!(public(ip).is_none(), "{ip}");
        }
        assert_eq!(
            public("2a00:1450:4001:081c:0000:0000:0000:200e").as_deref(),
            Some("2a00:1450:4001:81c::200e")
        );
    }

    #[test]
    fn shapes() {
        let b = b"ip 85.12.34.56, oid 1.2.840.113549.1 t=12:30:45 ::1";
        assert_eq!(ipv4_end(b, 3, 5), Some(14));
        assert_eq!(ipv4_end(b, 20, 21), None);
        assert!(public("12:30:45").is_none());
        assert!(version_word_before(b"version 2.5.4.3", 8));
        assert!(version_word_before(b"OID: 2.5.4.3", 5));
        assert!(!version_word_before(b"from 2.5.4.3", 5));
        assert!(joined_to_a_name(b"Chrome/120.1.2.3", 7));
        assert!(!joined_to_a_name(b"http://8.8.8.8", 7));
    }
}
