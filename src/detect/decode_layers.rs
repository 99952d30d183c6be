//! Values behind one more layer: JWTs, base64 and base64url, hex, HTML
//! character references, JSON `\uXXXX` escapes and quoted-printable,
//! undone on candidate stretches of a segment (never the whole file) and
//! scanned again with the same engine, to `--max-decode-depth` layers.
//!
//! Speed comes first: this runs on every segment of every file, and source
//! trees are full of long identifiers, hashes and paths that look like
//! base64. So:
//! - the in-place layers start only at a few literal anchors (`&#`,
//!   `&nbsp;`, `\u0`, `=D0` …), found by one Teddy (SIMD) pass;
//! - encoded runs are found eight bytes at a time: a word whose bytes are all
//!   in the base64 alphabet, with enough of its neighbours' bytes to make a
//!   run of [`MIN_B64`], is the only place a byte-wise look begins;
//! - a run is decoded only after cheap checks of its characters, and then
//!   first only a probe of it, which must be text (UTF-8, printable);
//! - what is decoded per segment is bounded (see [`State`]), and so is the
//!   depth; where either stopped decoding, [`DecodeStats`] says so.
//!
//! A value found in a run (base64, JWT, hex) is reported at the run: its
//! span is the whole encoded run, so masks in file names cover it and the
//! run is never printed. A value found in text decoded in place (entities,
//! escapes, quoted-printable) is mapped back byte for byte to where its
//! characters were written.

use super::scanner::{ALPHABET, MIN_RUN};
use super::{floor_char_boundary, Engine, FieldContext};
use crate::model::{Category, Decoded, Layer, Match, Segment};
use aho_corasick::packed::Searcher;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use std::ops::Range;
use std::sync::LazyLock;

/// Encodings undone one inside another by default (`--max-decode-depth`).
pub const DEFAULT_MAX_DECODE_DEPTH: u32 = 2;

/// Shortest base64 run looked at: 16 characters hold 12 bytes, an IIN or
/// `ivan@mail.kz`. Shorter ones are mostly identifiers.
const MIN_B64: usize = MIN_RUN;
/// Shortest hex run looked at: 12 bytes, as above.
const MIN_HEX: usize = 24;
/// Longest run decoded: beyond this it is a file or an image, not a token
/// or a parameter (segments are 256 KiB anyway).
const MAX_RUN: usize = 1 << 20;
/// Characters of a run decoded first, to judge whether it holds text.
const PROBE: usize = 96;
/// In-place layers decode this many bytes either side of their anchors
/// (within the line): enough for a value and the keywords before it.
const PAD: usize = 256;
/// Longest stretch decoded in place at once.
const MAX_REGION: usize = 64 << 10;
/// Decoded bytes a segment may produce beyond twice its own length.
const BUDGET_BASE: usize = 64 << 10;

/// Where decoding stopped short, for the scan's notices.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DecodeStats {
    /// Decoded text that held another encoded run, left encoded because the
    /// depth (`--max-decode-depth`) was reached: a base64 bomb, or a layer
    /// more than asked for.
    pub depth_limited: u64,
    /// Runs left encoded because the segment's decoding budget was spent.
    pub over_budget: u64,
    /// Runs decoded (each layer counted).
    pub decoded: u64,
}

/// Decoding state of one top-level scan, shared by the nested ones.
pub(super) struct State<'s> {
    depth_left: u32,
    /// Layers undone to reach the text being scanned.
    depth: u32,
    /// Decoded bytes this scan may still produce.
    budget: usize,
    stats: &'s mut DecodeStats,
}

impl<'s> State<'s> {
    pub(super) fn new(max_depth: u32, text_len: usize, stats: &'s mut DecodeStats) -> Self {
        State {
            depth_left: max_depth,
            depth: 0,
            budget: BUDGET_BASE.saturating_add(text_len.saturating_mul(2)),
            stats,
        }
    }

    /// Whether runs are decoded at this depth.
    pub(super) fn wants_runs(&self) -> bool {
        self.depth_left > 0
    }

    /// Takes `n` bytes of the budget, or counts a run left encoded.
    fn spend(&mut self, n: usize) -> bool {
        if n > self.budget {
            self.stats.over_budget += 1;
            return false;
        }
        self.budget -= n;
        self.stats.decoded += 1;
        true
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Anchor {
    Html,
    Json,
    Qp,
}

/// Literal starts of the in-place layers, and which layer each starts.
/// Three bytes at least each, so that the SIMD search compares three bytes
/// before it stops (`&n`, `&c` would stop at every `&name`, `&config` in
/// code). Other named references are decoded on the lines these find.
const ANCHORS: &[(&str, Anchor)] = &[
    ("&#0", Anchor::Html),
    ("&#1", Anchor::Html),
    ("&#2", Anchor::Html),
    ("&#3", Anchor::Html),
    ("&#4", Anchor::Html),
    ("&#5", Anchor::Html),
    ("&#6", Anchor::Html),
    ("&#7", Anchor::Html),
    ("&#8", Anchor::Html),
    ("&#9", Anchor::Html),
    ("&#x", Anchor::Html),
    ("&#X", Anchor::Html),
    ("&nbsp;", Anchor::Html),
    // The two named references a value is written with (`+`, `@`).
    ("&plus;", Anchor::Html),
    ("&commat;", Anchor::Html),
    // U+0000–U+0FFF: ASCII, Latin, Cyrillic (and Kazakh letters).
    ("\\u0", Anchor::Json),
    // Cyrillic (and Kazakh) letters in UTF-8 start with D0–D3.
    ("=D0", Anchor::Qp),
    ("=D1", Anchor::Qp),
    ("=D2", Anchor::Qp),
    ("=D3", Anchor::Qp),
];

/// Teddy (SIMD) over the anchors' first three bytes: a plain automaton
/// would fall back to a search for `&`, `\\` and `=`, which code is full of.
static ANCHOR_FINDER: LazyLock<Option<Searcher>> =
    LazyLock::new(|| Searcher::new(ANCHORS.iter().map(|a| a.0)));

/// Base64 decoders that take padding or none, and trailing bits.
const B64_CONFIG: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
static B64_STD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, B64_CONFIG);
static B64_URL: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, B64_CONFIG);

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

#[cfg_attr(all(target_arch = "x86_64", not(test)), allow(dead_code))]
/// High bit of each byte of `w` set where that byte may be in
/// [`ALPHABET`]: exact for printable ASCII, a superset among control bytes
/// (which the byte-wise look then rejects). Eight bytes at a time (SWAR).
#[inline]
fn alphabet_mask(w: u64) -> u64 {
    // Upper case folded onto lower; bit 7 cleared so the sums below cannot
    // carry into the next byte.
    let x = (w | (ONES * 0x20)) & (ONES * 0x7f);
    // Bytes of x in lo..=hi (x ≤ 0x7f): x + (0x80 - lo) reaches bit 7 iff
    // x ≥ lo, and x + (0x7f - hi) does iff x > hi.
    let range = |lo: u64, hi: u64| (x + ONES * (0x80 - lo)) & !(x + ONES * (0x7f - hi));
    let letters = range(0x61, 0x7a);
    let digits = range(0x30, 0x39);
    // `+`, `-`, `/`: the odd bytes of 0x2b..=0x2f.
    let signs = range(0x2b, 0x2f) & (x << 7);
    // `_` folds onto 0x7f.
    let underscore = x + ONES;
    (letters | digits | signs | underscore) & !w & HIGHS
}

#[cfg_attr(all(target_arch = "x86_64", not(test)), allow(dead_code))]
#[inline]
fn word(b: &[u8], i: usize) -> u64 {
    match b.get(i..i + 8) {
        Some(s) => u64::from_le_bytes(s.try_into().unwrap_or([0; 8])),
        None => {
            let mut buf = [0u8; 8];
            if i < b.len() {
                buf[..b.len() - i].copy_from_slice(&b[i..]);
            }
            u64::from_le_bytes(buf)
        }
    }
}

/// One bit per byte of `block`, set where the byte is in [`ALPHABET`]
/// (`_` and DEL alike: the byte-wise look rejects DEL).
#[cfg(target_arch = "x86_64")]
#[inline]
fn mask64(block: &[u8; 64]) -> u64 {
    use std::arch::x86_64::*;
    let mut m = 0u64;
    // SAFETY: SSE2 is part of every x86_64 CPU, and each load reads 16
    // bytes inside `block`. Sixteen bytes a step: this pass looks at every
    // byte of every file, and SWAR at eight was as costly as the whole
    // detector pass (see BENCHMARKS.md, issue 19).
    unsafe {
        let fold = _mm_set1_epi8(0x20);
        for k in 0..4 {
            let v = _mm_loadu_si128(block.as_ptr().add(16 * k).cast::<__m128i>());
            // Bytes ≥ 0x80 are negative to the signed compares: never in.
            let x = _mm_or_si128(v, fold);
            let letters = _mm_and_si128(
                _mm_cmpgt_epi8(x, _mm_set1_epi8(0x60)),
                _mm_cmplt_epi8(x, _mm_set1_epi8(0x7b)),
            );
            let digits = _mm_and_si128(
                _mm_cmpgt_epi8(v, _mm_set1_epi8(0x2f)),
                _mm_cmplt_epi8(v, _mm_set1_epi8(0x3a)),
            );
            let signs = _mm_or_si128(
                _mm_or_si128(
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(b'+' as i8)),
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(b'/' as i8)),
                ),
                _mm_or_si128(
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(b'-' as i8)),
                    _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f)),
                ),
            );
            let all = _mm_or_si128(_mm_or_si128(letters, digits), signs);
            m |= u64::from(_mm_movemask_epi8(all) as u16) << (16 * k);
        }
    }
    m
}

/// [`mask64`] where there is no SSE2.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn mask64(block: &[u8; 64]) -> u64 {
    mask64_swar(block)
}

/// [`mask64`] eight bytes at a time (SWAR).
#[cfg_attr(all(target_arch = "x86_64", not(test)), allow(dead_code))]
fn mask64_swar(block: &[u8; 64]) -> u64 {
    let mut m = 0u64;
    for k in 0..8 {
        let highs = alphabet_mask(word(block, 8 * k)) >> 7;
        // Gather the eight flags (bit 0 of each byte) into one byte.
        let bits = (highs.wrapping_mul(0x0102_0408_1020_4080) >> 56) & 0xff;
        m |= bits << (8 * k);
    }
    m
}

/// Calls `f` with each maximal run of [`ALPHABET`] bytes of at least
/// [`MIN_B64`] that starts in `b[from..to]` (it may end past `to`); `f`
/// returns where the search resumes.
///
/// Sixty-four bytes a step: one bit a byte, then "sixteen ones in a row"
/// by four shifted ANDs over the block and the previous block's last
/// sixteen bits. Source code is full of shorter runs (identifiers); only
/// the long ones cost a byte-wise look.
fn for_each_run(b: &[u8], from: usize, to: usize, mut f: impl FnMut(usize, usize) -> usize) {
    let mut i = from;
    let mut prev = 0u64;
    let mut resume = from;
    let mut buf = [0u8; 64];
    while i < to {
        let block: &[u8; 64] = match b.get(i..i + 64) {
            Some(s) => s.try_into().unwrap_or(&buf),
            None => {
                buf = [0u8; 64];
                let n = b.len().saturating_sub(i).min(64);
                buf[..n].copy_from_slice(&b[i..i + n]);
                &buf
            }
        };
        let m = mask64(block);
        // Bit j stands for byte i - 16 + j: the block, after the last
        // sixteen bits of the one before (runs crossing the edge).
        let w = (u128::from(m) << 16) | u128::from(prev >> 48);
        // Sixteen ones in a row anywhere in `w`: cheap tests first (most
        // blocks of text have none).
        let inside = {
            let mut a = m & (m >> 1);
            a &= a >> 2;
            a &= a >> 4;
            a & (a >> 8)
        };
        let crossing = prev.leading_ones() + m.trailing_ones() >= 16 && prev.leading_ones() > 0;
        if inside == 0 && !crossing {
            prev = m;
            i += 64;
            continue;
        }
        let mut a = w & (w >> 1);
        a &= a >> 2;
        a &= a >> 4;
        a &= a >> 8;
        while a != 0 {
            let pos = i + a.trailing_zeros() as usize - 16;
            if pos >= to {
                break;
            }
            if pos >= resume {
                // The first hit of a run is its start (the bit before it is
                // clear), except at `from`, where the bits before are unknown.
                let mut s = pos;
                if s == from {
                    while s > 0 && ALPHABET[b[s - 1] as usize] {
                        s -= 1;
                    }
                }
                // Its end, from the bits while they last.
                let j = pos + 16 - i;
                let ones = (!(w >> j)).trailing_zeros() as usize;
                let mut e = pos + ones;
                if j + ones >= 80 {
                    while e < b.len() && ALPHABET[b[e] as usize] {
                        e += 1;
                    }
                }
                // DEL shares `_`'s bit: the exact table has the last word.
                if let Some(del) = memchr::memchr(0x7f, &b[s..e]) {
                    e = s + del;
                }
                if s >= resume && e - s >= MIN_B64 {
                    resume = f(s, e).max(e);
                } else {
                    resume = resume.max(e);
                }
            }
            // Past what is done (bit 0 is byte i - 16).
            let done = (resume.max(pos + 1) + 16 - i) as u32;
            a = if done >= 128 {
                0
            } else {
                a & !((1u128 << done) - 1)
            };
        }
        if resume > i + 64 {
            i = resume;
            prev = 0;
            continue;
        }
        prev = m;
        i += 64;
    }
}

/// Whether decoded bytes are text: UTF-8 (a character cut at the end is
/// allowed when `cut`), nine in ten characters printable, and something
/// more than blanks.
fn is_text(b: &[u8], cut: bool) -> bool {
    let s = match std::str::from_utf8(b) {
        Ok(s) => s,
        Err(e) if cut && e.error_len().is_none() => {
            // Only a truncated last character: judge what precedes it.
            match std::str::from_utf8(&b[..e.valid_up_to()]) {
                Ok(s) => s,
                Err(_) => return false,
            }
        }
        Err(_) => return false,
    };
    let (mut total, mut bad, mut word) = (0usize, 0usize, 0usize);
    for c in s.chars() {
        total += 1;
        if c.is_alphanumeric() {
            word += 1;
        } else if (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{fffd}' {
            bad += 1;
        }
    }
    total >= 4 && bad * 10 <= total && word * 3 >= total
}

/// The kind of encoded run, from its characters.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum RunKind {
    Hex,
    Std,
    Url,
}

/// Decodes `run` as `kind`; `None` unless it decodes whole.
fn decode_run(run: &[u8], kind: RunKind) -> Option<Vec<u8>> {
    match kind {
        RunKind::Hex => decode_hex(run),
        RunKind::Std => B64_STD.decode(trim_b64(run)).ok(),
        RunKind::Url => B64_URL.decode(trim_b64(run)).ok(),
    }
}

/// A base64 run of 4n+1 characters cannot decode: its last is dropped.
fn trim_b64(run: &[u8]) -> &[u8] {
    let end = run.iter().rposition(|&c| c != b'=').map_or(0, |p| p + 1);
    let run = &run[..end];
    match run.len() % 4 {
        1 => &run[..run.len() - 1],
        _ => run,
    }
}

/// Hex digits to bytes. Hand-written: three lines, and no hex crate is in
/// the tree.
fn decode_hex(run: &[u8]) -> Option<Vec<u8>> {
    let nib = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    run.chunks_exact(2)
        .map(|p| Some(nib(p[0])? << 4 | nib(p[1])?))
        .collect()
}

/// What a run's characters say it could be, cheaply, before decoding:
/// `None` for identifiers, paths and hashes that cannot be encoded text.
fn run_kind(run: &[u8]) -> Option<RunKind> {
    // Most runs are names; rule them out with the least work first.
    let hex_head = run.len() >= MIN_HEX && run[..MIN_HEX].iter().all(u8::is_ascii_hexdigit);
    let b64_head = mixed_case(&run[..run.len().min(MIN_B64)]) && b64_head_is_text(run);
    if !(hex_head || b64_head) {
        return None;
    }
    let (mut upper, mut lower, mut digit, mut std_sign, mut url_sign) = (0, 0, 0, 0, 0);
    let mut hex_only = true;
    // Judged on the first characters only: runs can be megabytes long.
    let head_len = run.len().min(PROBE);
    for &c in &run[..head_len] {
        match c {
            b'A'..=b'Z' => upper += 1,
            b'a'..=b'z' => lower += 1,
            b'0'..=b'9' => digit += 1,
            b'+' | b'/' => std_sign += 1,
            _ => url_sign += 1,
        }
        hex_only &= c.is_ascii_hexdigit();
    }
    if hex_only && run.len() >= MIN_HEX && digit > 0 {
        // UTF-8 text in hex: every byte's high nibble is 2–7 (ASCII) or
        // 8–f (other letters); 0 and 1 only for tab and line breaks.
        let texty = run.chunks_exact(2).take(PROBE / 2).all(|p| {
            !matches!(p[0], b'0' | b'1') || matches!(p, [b'0', b'9' | b'a' | b'A' | b'd' | b'D'])
        });
        if texty {
            return Some(RunKind::Hex);
        }
    }
    if hex_only {
        // Base64 of text is never all hex digits: a hash or an id.
        return None;
    }
    // Base64 of text has capitals and lower case in every few characters
    // (the top bits of ASCII letters are `Y`–`e`, of Cyrillic UTF-8 `0`);
    // snake_case and SCREAMING_CASE names and paths have one or the other.
    if upper == 0 || lower == 0 || (upper + digit) * 8 < head_len {
        return None;
    }
    let kind = match (std_sign > 0, url_sign > 0) {
        (true, true) => return None,
        (false, true) => RunKind::Url,
        _ => RunKind::Std,
    };
    // The alphabet, from the whole run now that it may be worth it.
    let rest = &run[head_len..];
    match (
        kind,
        memchr::memchr2(b'+', b'/', rest).is_some(),
        memchr::memchr2(b'-', b'_', rest).is_some(),
    ) {
        (RunKind::Url, true, _) | (RunKind::Std, _, true) if std_sign + url_sign > 0 => None,
        (_, true, true) => None,
        (_, true, false) => Some(RunKind::Std),
        (_, false, true) => Some(RunKind::Url),
        _ => Some(kind),
    }
}

/// Whether `head` has both a capital and a small letter: base64 of any text
/// does within its first 16 characters (each has a 5 in 8 chance of being
/// a letter, either case alike); the snake_case, SCREAMING_CASE and
/// kebab-case names that make most long runs in source code do not.
#[inline]
fn mixed_case(head: &[u8]) -> bool {
    let (mut upper, mut lower) = (false, false);
    for &c in head {
        upper |= c.is_ascii_uppercase();
        lower |= c.is_ascii_lowercase();
    }
    upper && lower
}

/// Whether the first twelve characters of `run`, decoded as base64 in
/// place (nine bytes, no allocation), can start text: most CamelCase
/// names and random keys stop here.
fn b64_head_is_text(run: &[u8]) -> bool {
    let mut head = [0u8; 9];
    let n = run.len().min(12) / 4;
    for q in 0..n {
        let mut v = 0u32;
        for &c in &run[4 * q..4 * q + 4] {
            let d = B64_VALUE[c as usize];
            if d == 0xff {
                return false;
            }
            v = v << 6 | u32::from(d);
        }
        head[3 * q..3 * q + 3].copy_from_slice(&v.to_be_bytes()[1..]);
    }
    is_text_start(&head[..3 * n])
}

/// Six-bit values of both base64 alphabets' characters; 0xff elsewhere.
static B64_VALUE: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 26 {
        t[b'A' as usize + i] = i as u8;
        t[b'a' as usize + i] = 26 + i as u8;
        i += 1;
    }
    let mut d = 0;
    while d < 10 {
        t[b'0' as usize + d] = 52 + d as u8;
        d += 1;
    }
    t[b'+' as usize] = 62;
    t[b'-' as usize] = 62;
    t[b'/' as usize] = 63;
    t[b'_' as usize] = 63;
    t
};

/// Whether `b` can start text: printable ASCII, tab and line breaks, and
/// well-formed UTF-8 sequences of two to four bytes (the last may be cut).
/// By hand, inlined: it runs on every long run of letters in every file,
/// and `str::from_utf8` was a tenth of the decoding pass's cost.
#[inline]
fn is_text_start(b: &[u8]) -> bool {
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let len = match c {
            0x20..=0x7e | b'\t' | b'\n' | b'\r' => 1,
            0xc2..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf4 => 4,
            _ => return false,
        };
        let end = (i + len).min(b.len());
        if b[i + 1..end].iter().any(|&x| x & 0xc0 != 0x80) {
            return false;
        }
        i += len;
    }
    true
}

/// The run `b[s..e]` decoded, if it is encoded text; with its kind. Tries
/// the run whole, then the part after its last `/`, `_` or `-` (a path or
/// a name in front of the encoded part).
fn decode_text_run(
    b: &[u8],
    s: usize,
    e: usize,
    st: &mut State<'_>,
) -> Option<(usize, RunKind, Vec<u8>)> {
    // A prefix joined to the encoded part (`/api/v1/eyJ…`, `user_dGV4…`)
    // ends at its last separator within the first characters.
    let mut starts = [s, s];
    if let Some(p) = memchr::memrchr3(b'/', b'_', b'-', &b[s..e.min(s + 64)]) {
        starts[1] = s + p + 1;
    }
    for (k, &start) in starts.iter().enumerate() {
        if (k == 1 && start == s) || e - start < MIN_B64 || e - start > MAX_RUN {
            continue;
        }
        let run = &b[start..e];
        let Some(kind) = run_kind(run) else { continue };
        let probe_len = match kind {
            RunKind::Hex => PROBE.min(run.len()) & !1,
            _ => PROBE.min(run.len()) & !3,
        };
        let cut = probe_len < run.len();
        let Some(probe) = decode_run(&run[..probe_len], kind) else {
            continue;
        };
        if !is_text(&probe, cut) {
            continue;
        }
        let decoded = if cut {
            if !st.spend(run.len()) {
                return None;
            }
            decode_run(run, kind)?
        } else {
            st.stats.decoded += 1;
            probe
        };
        // A run cut by the end of the segment may end inside a character.
        if !is_text(&decoded, true) {
            continue;
        }
        return Some((start, kind, decoded));
    }
    None
}

/// The key name just before an encoded run on its line, lower-cased
/// (`Authorization: Bearer eyJ…` → `authorization`, `token=…`,
/// `"access_token": "…"`): the field of a token's values in plain text.
fn key_before(b: &[u8], s: usize) -> Option<String> {
    let mut p = s;
    let skip = |p: &mut usize| {
        while *p > 0 && matches!(b[*p - 1], b' ' | b'\t' | b'"' | b'\'' | b':' | b'=') {
            *p -= 1;
        }
    };
    let word = |p: usize| {
        let mut q = p;
        while q > 0
            && p - q < 48
            && (b[q - 1].is_ascii_alphanumeric() || matches!(b[q - 1], b'_' | b'-' | b'.'))
        {
            q -= 1;
        }
        q
    };
    skip(&mut p);
    let mut q = word(p);
    let scheme = &b[q..p];
    if scheme.eq_ignore_ascii_case(b"bearer") || scheme.eq_ignore_ascii_case(b"basic") {
        p = q;
        skip(&mut p);
        q = word(p);
    }
    (q < p).then(|| String::from_utf8_lossy(&b[q..p]).to_ascii_lowercase())
}

/// Finds values behind one more layer in `text[window]` and returns those
/// found in encoded runs; those decoded in place are pushed to `out`.
/// `runs` are the candidate runs the detector pass noted at its digits
/// (see `Scanner::note_encoded_runs`), in order; `None` when it did not
/// make that pass, and the runs are looked for here.
#[allow(clippy::too_many_arguments)]
pub(super) fn scan(
    eng: &Engine,
    text: &str,
    report: Range<usize>,
    window: Range<usize>,
    runs: Option<Vec<(usize, usize)>>,
    field: Option<&str>,
    context_at: Option<&dyn Fn(usize) -> FieldContext>,
    out: &mut Vec<Match>,
    st: &mut State<'_>,
) -> Vec<Match> {
    let mut found = Vec::new();
    if st.depth_left == 0 {
        // Decoded text that holds yet another encoded run: say where
        // decoding stopped (a base64 bomb ends here).
        if st.depth > 0 && holds_encoded_run(text.as_bytes(), window) {
            st.stats.depth_limited += 1;
        }
        return found;
    }
    in_place(eng, text, &window, field, context_at, out, st);
    let one_run = |s: usize, e: usize, found: &mut Vec<Match>, st: &mut State<'_>| {
        // A run that began before the reported range is the previous
        // segment's (or began before this text, and cannot be decoded).
        if s < report.start || s >= report.end {
            return e;
        }
        if let Some(end) = jwt(eng, text, s, e, field, context_at, found, st) {
            return end;
        }
        encoded_run(eng, text, s, e, field, context_at, found, st);
        e
    };
    match runs {
        Some(runs) => {
            let b = text.as_bytes();
            let mut resume = 0;
            for (s, e) in runs {
                if s < resume {
                    continue;
                }
                // The run with a digit may be a JWT's payload or signature:
                // its header is one or two dots back (and was not looked at).
                if let Some((hs, he)) = jwt_header_before(b, s).filter(|h| h.0 >= resume) {
                    if hs < report.start {
                        // The previous segment's token.
                        resume = e;
                        continue;
                    }
                    if let Some(end) = jwt(eng, text, hs, he, field, context_at, &mut found, st) {
                        resume = end;
                        continue;
                    }
                }
                resume = one_run(s, e, &mut found, st);
            }
        }
        None => for_each_run(text.as_bytes(), window.start, window.end, |s, e| {
            one_run(s, e, &mut found, st)
        }),
    }
    found
}

/// The header run of a JWT whose later segment starts at `s` (`eyJ…` one or
/// two dots before it).
fn jwt_header_before(b: &[u8], s: usize) -> Option<(usize, usize)> {
    let url = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-');
    let mut p = s;
    for _ in 0..2 {
        if p == 0 || b[p - 1] != b'.' {
            return None;
        }
        let dot = p - 1;
        let mut q = dot;
        while q > 0 && url(b[q - 1]) {
            q -= 1;
        }
        if b[q..dot].starts_with(b"eyJ") {
            return Some((q, dot));
        }
        p = q;
    }
    None
}

/// Whether `b[window]` holds a run that would decode to text (checked on
/// its probe only).
fn holds_encoded_run(b: &[u8], window: Range<usize>) -> bool {
    let mut found = false;
    let mut dummy = DecodeStats::default();
    let mut st = State::new(0, 0, &mut dummy);
    for_each_run(b, window.start, window.end, |s, e| {
        if !found {
            let e = e.min(s + PROBE);
            found = decode_text_run(b, s, e, &mut st).is_some();
        }
        e
    });
    found
}

/// Scans `dec` (decoded from `text[s..e]` by `layer`) one layer deeper and
/// turns what it finds into matches at `s..e`. JSON is walked leaf by leaf,
/// each leaf's key path being its field (and context).
#[allow(clippy::too_many_arguments)]
fn scan_decoded(
    eng: &Engine,
    dec: &str,
    layer: Layer,
    prefix: Option<String>,
    s: usize,
    e: usize,
    field: Option<&str>,
    context_at: Option<&dyn Fn(usize) -> FieldContext>,
    runs: &mut Vec<Match>,
    st: &mut State<'_>,
) {
    let first = runs.len();
    let outer_ctx = context_at.map(|f| f(s));
    let ctx = |_: usize| outer_ctx.unwrap_or_default();
    let ctx_ref: Option<&dyn Fn(usize) -> FieldContext> = match outer_ctx {
        Some(_) => Some(&ctx),
        None => None,
    };
    st.depth_left -= 1;
    st.depth += 1;
    let mut found = Vec::new();
    let trimmed = dec.trim_start();
    let json = (trimmed.starts_with('{') || trimmed.starts_with('['))
        .then(|| serde_json::from_str::<serde_json::Value>(dec).ok())
        .flatten();
    match json {
        Some(v) => {
            let mut path = String::new();
            walk_json(&v, &mut path, &mut |leaf_path: &str, leaf: &str| {
                let seg = Segment::whole(leaf, 1, Some(leaf_path));
                let at = found.len();
                eng.scan_inner(&seg, ctx_ref, &mut found, st);
                if layer == Layer::Jwt && is_id_claim(leaf_path, leaf) {
                    // Only values with a check digit and a date in them
                    // stand out from a numeric id by more than chance.
                    let mut k = at;
                    for r in at..found.len() {
                        if matches!(found[r].category, Category::Iin | Category::Bin) {
                            found.swap(k, r);
                            k += 1;
                        }
                    }
                    found.truncate(k);
                }
                for m in &mut found[at..] {
                    let inner = m.decoded.take();
                    let raw = inner
                        .as_ref()
                        .map_or_else(|| leaf[m.start..m.end].to_string(), |d| d.raw.clone());
                    let mut path = match &prefix {
                        Some(p) => format!("{p}.{leaf_path}"),
                        None => leaf_path.to_string(),
                    };
                    if let Some(inner_path) = inner.and_then(|d| d.path) {
                        path.push('.');
                        path.push_str(&inner_path);
                    }
                    m.decoded = Some(Box::new(Decoded {
                        layer,
                        path: Some(path),
                        raw,
                    }));
                }
            });
        }
        None => {
            let seg = Segment::whole(dec, 1, field);
            eng.scan_inner(&seg, ctx_ref, &mut found, st);
            for m in &mut found {
                let inner = m.decoded.take();
                let (raw, path) = match inner {
                    Some(d) => (d.raw, d.path),
                    None => (dec[m.start..m.end].to_string(), None),
                };
                m.decoded = Some(Box::new(Decoded { layer, path, raw }));
            }
        }
    }
    st.depth_left += 1;
    st.depth -= 1;
    for mut m in found {
        // One finding a value a run: the same value twice in a token is
        // one place.
        if runs[first..]
            .iter()
            .any(|o| o.category == m.category && o.normalized == m.normalized)
        {
            continue;
        }
        m.start = s;
        m.end = e;
        runs.push(m);
    }
}

/// Whether `leaf` is a bare number in one of a JWT's registered claims that
/// RFC 7519 makes an identifier or a time (`sub`, `jti`, `iat`, `exp`,
/// `nbf`): a numeric user or token id, or a timestamp. A bare 11-digit id
/// starting with 7 or 8 (1.8 % of ids below 2^40) passes a phone numbering
/// plan by chance often, and a 16-digit one Luhn's check one time in ten;
/// a phone written as a subject carries its `+`.
fn is_id_claim(path: &str, leaf: &str) -> bool {
    matches!(path, "sub" | "jti" | "iat" | "exp" | "nbf")
        && !leaf.is_empty()
        && leaf.bytes().all(|c| c.is_ascii_digit())
}

/// Calls `leaf(path, value)` for each string and number in `v`, with its
/// key path as structured JSON sources write it (`user.phones[]`).
fn walk_json(v: &serde_json::Value, path: &mut String, leaf: &mut dyn FnMut(&str, &str)) {
    use serde_json::Value;
    let len = path.len();
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                walk_json(child, path, leaf);
                path.truncate(len);
            }
        }
        Value::Array(items) => {
            path.push_str("[]");
            for child in items {
                walk_json(child, path, leaf);
            }
            path.truncate(len);
        }
        Value::String(s) => leaf(path, s),
        Value::Number(n) => leaf(path, &n.to_string()),
        Value::Bool(_) | Value::Null => {}
    }
}

/// A JWT starting with the run `s..e` (`eyJ…` header, `.`, payload, `.`,
/// signature): header and payload decoded, values reported at the whole
/// token with their key paths. Returns the token's end when it is one.
#[allow(clippy::too_many_arguments)]
fn jwt(
    eng: &Engine,
    text: &str,
    s: usize,
    e: usize,
    field: Option<&str>,
    context_at: Option<&dyn Fn(usize) -> FieldContext>,
    runs: &mut Vec<Match>,
    st: &mut State<'_>,
) -> Option<usize> {
    let b = text.as_bytes();
    if !b[s..e].starts_with(b"eyJ") || b.get(e) != Some(&b'.') {
        return None;
    }
    let url = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-');
    if !b[s..e].iter().all(url) {
        return None;
    }
    let ps = e + 1;
    let pe = ps + b[ps..].iter().take_while(|c| url(c)).count();
    if pe == ps || b.get(pe) != Some(&b'.') {
        return None;
    }
    let end = pe + 1 + b[pe + 1..].iter().take_while(|c| url(c)).count();
    if end - s > MAX_RUN {
        return Some(end);
    }
    let header = B64_URL.decode(trim_b64(&b[s..e])).ok()?;
    if !header.starts_with(b"{") {
        return None;
    }
    if !st.spend(pe - ps) {
        return Some(end);
    }
    let prefix = match field {
        Some(_) => "jwt".to_string(),
        None => match key_before(b, s) {
            Some(k) => format!("{k}.jwt"),
            None => "jwt".to_string(),
        },
    };
    for part in [s..e, ps..pe] {
        let Ok(dec) = B64_URL.decode(trim_b64(&b[part])) else {
            continue;
        };
        // Invalid UTF-8 in a payload: what is valid is still read.
        let dec = String::from_utf8_lossy(&dec);
        scan_decoded(
            eng,
            &dec,
            Layer::Jwt,
            Some(prefix.clone()),
            s,
            end,
            field,
            context_at,
            runs,
            st,
        );
    }
    Some(end)
}

/// A base64, base64url or hex run `s..e` that decodes to text.
#[allow(clippy::too_many_arguments)]
fn encoded_run(
    eng: &Engine,
    text: &str,
    s: usize,
    e: usize,
    field: Option<&str>,
    context_at: Option<&dyn Fn(usize) -> FieldContext>,
    runs: &mut Vec<Match>,
    st: &mut State<'_>,
) {
    let b = text.as_bytes();
    let Some((start, kind, decoded)) = decode_text_run(b, s, e, st) else {
        return;
    };
    // Padding belongs to the run.
    let mut end = e;
    while end < b.len() && end - e < 2 && b[end] == b'=' {
        end += 1;
    }
    let layer = match kind {
        RunKind::Hex => Layer::Hex,
        RunKind::Std => Layer::Base64,
        RunKind::Url => Layer::Base64Url,
    };
    let dec = String::from_utf8_lossy(&decoded);
    let trimmed = dec.trim_start();
    let prefix = (trimmed.starts_with('{') || trimmed.starts_with('[')).then(|| {
        match (field, key_before(b, start)) {
            (None, Some(k)) => format!("{k}.{}", layer.id()),
            _ => layer.id().to_string(),
        }
    });
    scan_decoded(
        eng, &dec, layer, prefix, start, end, field, context_at, runs, st,
    );
}

/// Entities, `\u` escapes and quoted-printable around their anchors in
/// `text[window]`, decoded line by line and scanned again; matches mapped
/// back to the bytes they were written as.
#[allow(clippy::too_many_arguments)]
fn in_place(
    eng: &Engine,
    text: &str,
    window: &Range<usize>,
    field: Option<&str>,
    context_at: Option<&dyn Fn(usize) -> FieldContext>,
    out: &mut Vec<Match>,
    st: &mut State<'_>,
) {
    let Some(finder) = ANCHOR_FINDER.as_ref() else {
        return;
    };
    let b = text.as_bytes();
    let hay = &b[window.clone()];
    // Regions per layer: (start, end) in `text`, merged as anchors come.
    let mut regions: Vec<(Anchor, usize, usize)> = Vec::new();
    for m in finder.find_iter(hay) {
        let kind = ANCHORS[m.pattern().as_usize()].1;
        let p = window.start + m.start();
        if let Some(last) = regions.iter_mut().rev().find(|r| r.0 == kind) {
            if p < last.2 {
                continue;
            }
        }
        let line_start = memchr::memrchr(b'\n', &b[..p]).map_or(0, |i| i + 1);
        let rs = floor_char_boundary(text, line_start.max(p.saturating_sub(PAD)));
        let re = region_end(b, p, kind);
        let re = ceil_char_boundary(text, re);
        match regions.iter_mut().rev().find(|r| r.0 == kind) {
            Some(last) if rs <= last.2 && re - last.1 <= MAX_REGION => last.2 = last.2.max(re),
            _ => regions.push((kind, rs, re)),
        }
    }
    for (kind, rs, re) in regions {
        let Some((dec, map)) = decode_region(&b[rs..re], kind) else {
            continue;
        };
        if !st.spend(dec.len()) {
            continue;
        }
        let layer = match kind {
            Anchor::Html => Layer::Html,
            Anchor::Json => Layer::JsonEscape,
            Anchor::Qp => Layer::QuotedPrintable,
        };
        let ctx_map = |at: usize| match context_at {
            Some(f) => f(rs + map[at.min(map.len() - 1)] as usize),
            None => FieldContext::default(),
        };
        let ctx_ref: Option<&dyn Fn(usize) -> FieldContext> = match context_at {
            Some(_) => Some(&ctx_map),
            None => None,
        };
        let mut found = Vec::new();
        st.depth_left -= 1;
        st.depth += 1;
        eng.scan_inner(&Segment::whole(&dec, 1, field), ctx_ref, &mut found, st);
        st.depth_left += 1;
        st.depth -= 1;
        for mut m in found {
            let os = rs + map[m.start] as usize;
            let oe = rs + map[m.end] as usize;
            let same = b[os..oe] == *dec.as_bytes().get(m.start..m.end).unwrap_or_default();
            if same && m.decoded.is_some() {
                // An encoded run written plainly in the region: the run
                // layers of this text find it, one level less deep.
                continue;
            }
            if !same {
                let inner = m.decoded.take();
                let (raw, path) = match inner {
                    Some(d) => (d.raw, d.path),
                    None => (dec[m.start..m.end].to_string(), None),
                };
                m.decoded = Some(Box::new(Decoded { layer, path, raw }));
            }
            m.start = os;
            m.end = oe;
            out.push(m);
        }
    }
}

/// End of the region decoded for an anchor at `p`: the end of its line (for
/// quoted-printable, of the last line joined by soft breaks `=\n`), at most
/// [`MAX_REGION`] bytes on.
fn region_end(b: &[u8], p: usize, kind: Anchor) -> usize {
    let limit = (p + MAX_REGION).min(b.len());
    let mut q = p;
    loop {
        let nl = memchr::memchr(b'\n', &b[q..limit]).map_or(limit, |i| q + i);
        let soft = kind == Anchor::Qp
            && nl < limit
            && (nl >= 1 && b[nl - 1] == b'=' || nl >= 2 && b[nl - 1] == b'\r' && b[nl - 2] == b'=');
        if !soft {
            return nl;
        }
        q = nl + 1;
    }
}

/// `region` decoded by one in-place layer, with the offset in `region` of
/// the source of each decoded byte (one more for the end). Bytes that do
/// not decode to UTF-8 become `?`, keeping the map one to one. `None` when
/// nothing was decoded.
fn decode_region(region: &[u8], kind: Anchor) -> Option<(String, Vec<u32>)> {
    let mut out: Vec<u8> = Vec::with_capacity(region.len());
    let mut map: Vec<u32> = Vec::with_capacity(region.len() + 1);
    let mut changed = false;
    let mut i = 0;
    let push_str = |out: &mut Vec<u8>, map: &mut Vec<u32>, s: &str, at: usize| {
        out.extend_from_slice(s.as_bytes());
        map.extend(std::iter::repeat(at as u32).take(s.len()));
    };
    while i < region.len() {
        let c = region[i];
        let decoded: Option<(usize, DecodedPiece)> = match (kind, c) {
            (Anchor::Html, b'&') => html_entity(&region[i..]),
            (Anchor::Json, b'\\')
                if region[..i]
                    .iter()
                    .rev()
                    .take_while(|&&c| c == b'\\')
                    .count()
                    % 2
                    == 0 =>
            {
                json_escape(&region[i..])
            }
            (Anchor::Qp, b'=') => qp_escape(&region[i..]),
            _ => None,
        };
        match decoded {
            Some((len, piece)) => {
                changed = true;
                match piece {
                    DecodedPiece::Char(ch) => {
                        let mut buf = [0u8; 4];
                        push_str(&mut out, &mut map, ch.encode_utf8(&mut buf), i);
                    }
                    DecodedPiece::Str(s) => push_str(&mut out, &mut map, s, i),
                    DecodedPiece::Byte(byte) => {
                        out.push(byte);
                        map.push(i as u32);
                    }
                    DecodedPiece::Nothing => {}
                }
                i += len;
            }
            None => {
                out.push(c);
                map.push(i as u32);
                i += 1;
            }
        }
    }
    if !changed {
        return None;
    }
    map.push(region.len() as u32);
    // Quoted-printable of another charset, or a cut character: keep the
    // map one to one.
    let mut from = 0;
    while let Err(e) = std::str::from_utf8(&out[from..]) {
        let bad = from + e.valid_up_to();
        let n = e.error_len().unwrap_or(out.len() - bad);
        out[bad..bad + n].fill(b'?');
        from = bad + n;
    }
    let s = String::from_utf8(out).ok()?;
    Some((s, map))
}

fn ceil_char_boundary(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

enum DecodedPiece {
    Char(char),
    Str(&'static str),
    Byte(u8),
    Nothing,
}

/// `&#43;`, `&#x2B;`, `&nbsp;` at the start of `s`: its length and what it
/// stands for.
fn html_entity(s: &[u8]) -> Option<(usize, DecodedPiece)> {
    let semi = memchr::memchr(b';', &s[..s.len().min(40)])?;
    let body = std::str::from_utf8(&s[1..semi]).ok()?;
    let piece = if let Some(num) = body.strip_prefix('#') {
        let n = match num.strip_prefix(['x', 'X']) {
            Some(h) => u32::from_str_radix(h, 16).ok()?,
            None => num.parse().ok()?,
        };
        DecodedPiece::Char(char::from_u32(n)?)
    } else {
        DecodedPiece::Str(quick_xml::escape::resolve_html5_entity(body)?)
    };
    Some((semi + 1, piece))
}

/// `\uXXXX` (and a surrogate pair) at the start of `s`.
fn json_escape(s: &[u8]) -> Option<(usize, DecodedPiece)> {
    let unit = |s: &[u8]| -> Option<u32> {
        if s.len() < 6 || s[0] != b'\\' || s[1] != b'u' {
            return None;
        }
        u32::from_str_radix(std::str::from_utf8(&s[2..6]).ok()?, 16).ok()
    };
    let hi = unit(s)?;
    if (0xD800..0xDC00).contains(&hi) {
        let lo = unit(s.get(6..)?)?;
        if !(0xDC00..0xE000).contains(&lo) {
            return None;
        }
        let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
        return Some((12, DecodedPiece::Char(char::from_u32(c)?)));
    }
    Some((6, DecodedPiece::Char(char::from_u32(hi)?)))
}

/// `=XX` or a soft line break at the start of `s`.
fn qp_escape(s: &[u8]) -> Option<(usize, DecodedPiece)> {
    match s.get(1..3)? {
        [b'\r', b'\n'] => Some((3, DecodedPiece::Nothing)),
        [b'\n', _] => Some((2, DecodedPiece::Nothing)),
        [h, l] if h.is_ascii_hexdigit() && l.is_ascii_hexdigit() => {
            let v = (*h as char).to_digit(16)? << 4 | (*l as char).to_digit(16)?;
            Some((3, DecodedPiece::Byte(v as u8)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::xorshift;

    #[test]
    fn alphabet_mask_agrees_with_the_table() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            let state = xorshift(&mut state);
            let m = alphabet_mask(state);
            for k in 0..8 {
                let byte = (state >> (8 * k)) as u8;
                let flagged = m & (0x80 << (8 * k)) != 0;
                if ALPHABET[byte as usize] {
                    assert!(flagged, "{byte:#x} must be flagged");
                } else if byte >= 0x20 && byte != 0x7f {
                    assert!(!flagged, "{byte:#x} must not be flagged");
                }
            }
        }
    }

    #[test]
    fn block_masks_agree_with_the_table() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..5_000 {
            let mut block = [0u8; 64];
            for c in &mut block {
                // Mostly ASCII, some high bytes.
                *c = (xorshift(&mut state) % 160) as u8;
            }
            for m in [mask64(&block), mask64_swar(&block)] {
                for (k, &c) in block.iter().enumerate() {
                    let flagged = m >> k & 1 == 1;
                    if ALPHABET[c as usize] {
                        assert!(flagged, "{c:#x} at {k}");
                    } else if c >= 0x20 && c != 0x7f {
                        assert!(!flagged, "{c:#x} at {k}");
                    }
                }
            }
        }
    }

    #[test]
    fn long_runs_across_blocks_are_found_once() {
        // Runs placed at every offset around the 64-byte block edges.
        for offset in 0..140 {
            for len in [15, 16, 17, 40, 64, 65, 130] {
                let mut text = vec![b' '; offset];
                text.extend(std::iter::repeat(b'A').take(len));
                text.extend_from_slice(b" x y z ");
                let mut got = Vec::new();
                for_each_run(&text, 0, text.len(), |s, e| {
                    got.push((s, e));
                    e
                });
                let want = if len >= MIN_B64 {
                    vec![(offset, offset + len)]
                } else {
                    vec![]
                };
                assert_eq!(got, want, "offset {offset} len {len}");
            }
        }
    }

    #[test]
    fn runs_are_found_whole_and_only_when_long() {
        let text = b"x = ODUwMzE1MzAwMTI4; short_name; a.b.c; path/to/some/file name12345678901234";
        let mut got = Vec::new();
        for_each_run(text, 0, text.len(), |s, e| {
            got.push(std::str::from_utf8(&text[s..e]).unwrap().to_string());
            e
        });
        assert_eq!(
            got,
            [
                "ODUwMzE1MzAwMTI4",
                "path/to/some/file",
                "name12345678901234"
            ]
        );
    }

    #[test]
    fn text_is_told_from_binary() {
        assert!(is_text("ИИН 850315300128".as_bytes(), false));
        assert!(!is_text(
            &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13],
            false
        ));
        assert!(!is_text(b"\x00\x01\x02\x03abc", false));
        // A character cut by the probe's end.
        let s = "ИИН ИИН ИИН".as_bytes();
        assert!(is_text(&s[..s.len() - 1], true));
        assert!(!is_text(&s[..s.len() - 1], false));
    }
}
