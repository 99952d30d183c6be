//! The single pass over a segment's bytes that feeds the built-in
//! extractors, and the boundary rules every detector shares.
//!
//! Hand-written because this is the hot loop of the whole tool: a regex
//! set cannot express "one digit run, looked at once, routed by its
//! neighbours", and running five regexes over every byte costs several
//! times more (see `benches/detect.rs`).

use super::calibrate::Tally;
use super::context::FieldContext;
use super::email;
use super::phone;
use super::spec::Extractor;
use super::validate::{Candidate, Validator, MAX_DIGITS};
use super::Engine;
use crate::model::Match;

/// The extractors whose detectors share [`Scanner::emit_all`].
#[derive(Clone, Copy)]
enum DetectorSet {
    Ip,
    IdDocument,
    Date,
}

pub struct Scanner<'a> {
    eng: &'a Engine,
    text: &'a str,
    b: &'a [u8],
    field: Option<&'a str>,
    context_at: Option<&'a dyn Fn(usize) -> FieldContext>,
    out: &'a mut Vec<Match>,
    /// Bare candidates and how many validated, per detector (see
    /// [`super::calibrate`]); empty until a detector meets one.
    tallies: Vec<Tally>,
    /// The digit run being looked at stands in a row of runs of its
    /// length: only a context keyword makes a value of it.
    in_row: bool,
    /// Whether to note the runs of base64/hex characters around digits,
    /// for the decoding layers ([`Scanner::take_encoded_runs`]).
    note_runs: bool,
    /// Such runs of [`MIN_RUN`] bytes or more, in order.
    runs: Vec<(usize, usize)>,
    /// End of the last run looked at: digits before it are inside it.
    runs_to: usize,
    /// Whether [`Scanner::run`] stopped at every digit of its range.
    digit_pass: bool,
    /// Per detector, what fruitless keyword searches have taught (see
    /// [`Scanner::has_context`]); empty until one comes out empty.
    misses: Vec<ContextMisses>,
}

/// Windows searched for a detector's keywords in vain, and a stretch of
/// the text known to hold none of them.
///
/// Source trees hold long tables of numbers that are candidates only with
/// a keyword beside them (220,000 nine-digit prefixes in a phone
/// geocoding table: document numbers without a document word), each of
/// which cost a window search. After [`MISSES_BEFORE_LOOKING`] in vain,
/// the text ahead is searched once for the detector's keywords; windows
/// inside the stretch found clear are then refused without a search.
#[derive(Clone, Copy)]
struct ContextMisses {
    /// Fruitless searches since the text ahead was last looked at.
    count: u32,
    /// Where the first of them began.
    first: usize,
    /// `text[clear.0..clear.1]` holds none of the detector's keywords.
    clear: (usize, usize),
    /// Looks ahead in a row that found none.
    clear_runs: u32,
}

/// Fruitless window searches before the text ahead is looked at: few
/// enough that a table's rows soon stop costing one each, and enough that
/// a file with a handful of candidates never pays for the look.
const MISSES_BEFORE_LOOKING: u32 = 16;

/// Bytes between fruitless window searches, on average, above which the
/// text ahead is not looked at (see [`Scanner::missed`]).
const MAX_MISS_SPACING: usize = 128;

/// Shortest run of base64 (or hex) characters the decoding layers look at.
pub const MIN_RUN: usize = 16;

/// `[A-Za-z0-9+/_-]`: both base64 alphabets (and hex).
pub static ALPHABET: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'_' | b'-');
        c += 1;
    }
    t
};

/// The digit pass's view of 64 bytes of a segment from `base`: which are
/// ASCII digits, and which of those and of the `@`s lie before the pass's
/// end (the bytes it stops at).
///
/// A block is classified once and each digit run in it is then found by
/// bit arithmetic: source code and data hold a digit run every 16 bytes
/// or so (`u32`, `0x1f`, table cells), and looking for the next one from
/// scratch after each, then walking its digits byte by byte, cost more
/// than classifying the block.
#[derive(Clone, Copy)]
struct Block {
    base: usize,
    digits: u64,
    stops: u64,
}

impl Block {
    /// Nothing classified yet: every position is outside it.
    const NONE: Block = Block {
        base: usize::MAX - 64,
        digits: 0,
        stops: 0,
    };

    fn holds(&self, i: usize) -> bool {
        i.wrapping_sub(self.base) < 64
    }

    /// Classifies `b[base..base + 64]` (what of it exists); stops only
    /// before `to`.
    #[inline]
    fn at(b: &[u8], base: usize, to: usize) -> Block {
        let (digits, ats) = if base + 64 <= b.len() {
            classify_64(&b[base..base + 64])
        } else {
            classify_bytes(&b[base..])
        };
        let mut stops = digits | ats;
        if to - base < 64 {
            stops &= (1u64 << (to - base)) - 1;
        }
        Block {
            base,
            digits,
            stops,
        }
    }
}

/// Bit masks of the ASCII digits and the `@`s of 64 bytes, bit k for
/// byte k. SSE2, which every x86_64 CPU has, sixteen bytes at a time.
#[cfg(target_arch = "x86_64")]
#[inline]
fn classify_64(bytes: &[u8]) -> (u64, u64) {
    use std::arch::x86_64::*;
    assert!(bytes.len() >= 64);
    let mut digits = 0u64;
    let mut ats = 0u64;
    // SAFETY: SSE2 is part of every x86_64 CPU, and the four loads read
    // 64 bytes inside `bytes` (asserted above).
    unsafe {
        let zero = _mm_set1_epi8(b'0' as i8);
        let nine = _mm_set1_epi8(9);
        let at = _mm_set1_epi8(b'@' as i8);
        for k in 0..4 {
            let v = _mm_loadu_si128(bytes.as_ptr().add(16 * k).cast::<__m128i>());
            // A digit is a byte whose distance from `0` is at most 9,
            // unsigned (bytes below `0` wrap round to large distances).
            let d = _mm_sub_epi8(v, zero);
            let is_digit = _mm_cmpeq_epi8(_mm_min_epu8(d, nine), d);
            digits |= u64::from(_mm_movemask_epi8(is_digit) as u16) << (16 * k);
            ats |= u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(v, at)) as u16) << (16 * k);
        }
    }
    (digits, ats)
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn classify_64(bytes: &[u8]) -> (u64, u64) {
    classify_bytes(&bytes[..64])
}

/// [`classify_64`] a byte at a time, for up to 64 bytes: a segment's last
/// block, and where there is no SSE2.
fn classify_bytes(bytes: &[u8]) -> (u64, u64) {
    let mut digits = 0u64;
    let mut ats = 0u64;
    for (k, &c) in bytes.iter().take(64).enumerate() {
        digits |= u64::from(c.is_ascii_digit()) << k;
        ats |= u64::from(c == b'@') << k;
    }
    (digits, ats)
}

/// ASCII bytes beside which a value stands apart whatever comes before
/// them: not letters or digits, nor `*` (a mask), `.`, `-` or `_` (which
/// join it to a number or word before them), which
/// [`Scanner::left_ok_after`] looks at more closely, with every non-ASCII
/// byte.
static PLAIN_NEIGHBOUR: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 0x80 {
        let b = c as u8;
        t[c] = !(b.is_ascii_alphanumeric() || matches!(b, b'*' | b'.' | b'-' | b'_'));
        c += 1;
    }
    t
};

/// Characters that stand for hidden digits in masked values (`8501******34`).
fn is_mask_char(c: char) -> bool {
    matches!(c, '*' | '•' | '●' | '∗' | '×' | '█' | '⁎')
}

impl<'a> Scanner<'a> {
    pub fn new(
        eng: &'a Engine,
        text: &'a str,
        field: Option<&'a str>,
        context_at: Option<&'a dyn Fn(usize) -> FieldContext>,
        out: &'a mut Vec<Match>,
    ) -> Self {
        Scanner {
            eng,
            text,
            b: text.as_bytes(),
            field,
            context_at,
            out,
            tallies: Vec::new(),
            in_row: false,
            note_runs: false,
            runs: Vec::new(),
            runs_to: 0,
            digit_pass: false,
            misses: Vec::new(),
        }
    }

    /// Makes [`Scanner::run`] note, at the digits it stops at anyway, the
    /// runs of base64 and hex characters they stand in: candidates for the
    /// decoding layers, found without a pass of their own over every byte.
    /// Base64 of text almost always holds a digit (Cyrillic UTF-8 starts
    /// `0`, and every value the detectors know has digits or an `@`), hex
    /// of text always does (each byte's high nibble is a digit).
    pub fn note_encoded_runs(&mut self) {
        self.note_runs = true;
    }

    /// The runs noted by [`Scanner::run`], in order; `None` when it did not
    /// stop at every digit (no built-in detector wants digits), so that the
    /// caller must look for runs itself.
    pub fn take_encoded_runs(&mut self) -> Option<Vec<(usize, usize)>> {
        (self.note_runs && self.digit_pass).then(|| std::mem::take(&mut self.runs))
    }

    /// Notes the run of [`ALPHABET`] bytes around the digit run `s..e`.
    /// Digits amid blanks and punctuation (most of them) cost two table
    /// looks; a run is walked once, from its first digit.
    #[inline]
    fn note_run(&mut self, s: usize, e: usize) {
        let b = self.b;
        if s < self.runs_to
            || !(s > 0 && ALPHABET[b[s - 1] as usize]
                || e < b.len() && ALPHABET[b[e] as usize]
                || e - s >= MIN_RUN)
        {
            return;
        }
        self.walk_run(s, e);
    }

    #[inline(never)]
    fn walk_run(&mut self, s: usize, e: usize) {
        let b = self.b;
        // Byte by byte: most runs around digits are short (`u32`); sixteen
        // bytes a step (SSE2, after four one by one) took 213 M → 251 M
        // instructions on the registry tree.
        let mut rs = s;
        while rs > 0 && ALPHABET[b[rs - 1] as usize] {
            rs -= 1;
        }
        let mut re = e;
        while re < b.len() && ALPHABET[b[re] as usize] {
            re += 1;
        }
        self.runs_to = re;
        if re - rs >= MIN_RUN {
            self.runs.push((rs, re));
        }
    }

    /// Lowers, per detector, what validated only as often as chance would
    /// have it (see [`super::calibrate`]). Call once, after all the passes.
    pub fn calibrate(&mut self) {
        for t in &self.tallies {
            t.apply(self.eng.detectors[t.det].validator, self.out);
        }
    }

    fn tally(&mut self, det: usize) -> &mut Tally {
        let i = match self.tallies.iter().position(|t| t.det == det) {
            Some(i) => i,
            None => {
                self.tallies.push(Tally::new(det));
                self.tallies.len() - 1
            }
        };
        &mut self.tallies[i]
    }

    /// Whether the digit run `s..e` stands in a row of runs of its own
    /// length (two more at least, on its line, next to it, split only by
    /// blanks, commas, semicolons or bars): a column of a number table,
    /// not a value written for a reader.
    fn in_row_of_its_length(&self, s: usize, e: usize) -> bool {
        let b = self.b;
        let len = e - s;
        let is_sep = |c: u8| matches!(c, b' ' | b'\t' | b',' | b';' | b'|');
        let mut count = 0;
        // Leftwards.
        let mut p = s;
        for _ in 0..2 {
            let mut q = p;
            while q > 0 && p - q < 8 && is_sep(b[q - 1]) {
                q -= 1;
            }
            let run_end = q;
            while q > 0 && b[q - 1].is_ascii_digit() {
                q -= 1;
            }
            if run_end == p || run_end - q != len || (q > 0 && b[q - 1].is_ascii_alphanumeric()) {
                break;
            }
            count += 1;
            p = q;
        }
        // Rightwards.
        let mut p = e;
        for _ in 0..2 {
            let mut q = p;
            while q < b.len() && q - p < 8 && is_sep(b[q]) {
                q += 1;
            }
            let run_start = q;
            while q < b.len() && b[q].is_ascii_digit() {
                q += 1;
            }
            if run_start == p
                || q - run_start != len
                || (q < b.len() && b[q].is_ascii_alphanumeric())
            {
                break;
            }
            count += 1;
            p = q;
        }
        count >= 2
    }

    /// Finds built-in candidates whose trigger lies in `from..to`.
    pub fn run(&mut self, from: usize, to: usize) {
        let plan = &self.eng.plan;
        let want_digits = !plan.digit_run.is_empty()
            || !plan.card.is_empty()
            || !plan.phone.is_empty()
            || !plan.iban.is_empty()
            || !plan.email.is_empty()
            || !plan.ip.is_empty()
            || !plan.id_document.is_empty()
            || !plan.date.is_empty();
        if !want_digits {
            return;
        }
        self.digit_pass = true;
        let want_email = !plan.email.is_empty();
        let b = self.b;
        let mut i = from;
        // Do not start inside a digit run that began before `from`.
        while i < to && i > 0 && b[i - 1].is_ascii_digit() {
            i += 1;
        }
        let mut block = Block::NONE;
        'stops: while i < to {
            // The next digit or `@` at or after `i`.
            loop {
                if !block.holds(i) {
                    block = Block::at(b, i, to);
                }
                let ahead = block.stops >> (i - block.base);
                if ahead != 0 {
                    i += ahead.trailing_zeros() as usize;
                    break;
                }
                i = block.base + 64;
                if i >= to {
                    break 'stops;
                }
            }
            if b[i] == b'@' {
                i = match want_email.then(|| self.email(i, 1)).flatten() {
                    Some(end) => end.max(i + 1),
                    None => i + 1,
                };
                continue;
            }
            // The digits from `i` in this block, then on byte by byte if
            // they reach its end.
            let offset = i - block.base;
            let mut e = i + (!(block.digits >> offset)).trailing_zeros() as usize;
            if e == block.base + 64 {
                while e < b.len() && b[e].is_ascii_digit() {
                    e += 1;
                }
            }
            if self.note_runs {
                self.note_run(i, e);
            }
            i = self.digit_run(i, e).max(e);
        }
    }

    /// A maximal run of digits at `s..e`. Returns where scanning resumes.
    fn digit_run(&mut self, s: usize, e: usize) -> usize {
        let b = self.b;
        let plan = &self.eng.plan;
        let len = e - s;
        let prev = if s > 0 { b[s - 1] } else { b'\n' };
        // Most digit runs in code end a word (`u32`, `x86_64`, `sha256`).
        // After a letter only `KZ…`, `N…`, `%2B…` and an IPv6 group before a
        // colon (`fe80:`) lead anywhere; every other path below ends at
        // `left_ok`, which refuses a letter. Said here, it is one test.
        if prev.is_ascii_alphabetic()
            && !matches!(prev, b'z' | b'Z' | b'n' | b'N' | b'b' | b'B')
            && b.get(e) != Some(&b':')
        {
            return e;
        }
        // URL-encoded `@`: `ivan%40mail.kz`.
        if prev == b'%' && len >= 2 && b[s] == b'4' && b[s + 1] == b'0' && !plan.email.is_empty() {
            if let Some(end) = self.email(s - 1, 3) {
                return end;
            }
        }
        // `KZ` + check digits: an IBAN, valid or not. Its inner digit groups
        // are never cards or anything else.
        if s >= 2 && b[s - 2].eq_ignore_ascii_case(&b'k') && b[s - 1].eq_ignore_ascii_case(&b'z') {
            if !plan.iban.is_empty() {
                if let Some(end) = self.iban(s - 2) {
                    return end;
                }
            }
            return e;
        }
        // A `+` (or URL-encoded `%2B`) before the digits: a phone number.
        let plus_at = if prev == b'+' {
            Some(s - 1)
        } else if s >= 3
            && b[s - 3] == b'%'
            && b[s - 2] == b'2'
            && b[s - 1].eq_ignore_ascii_case(&b'b')
        {
            Some(s - 3)
        } else {
            None
        };
        if let Some(p) = plus_at {
            // `+4953-09709` in zone.tab: a latitude and longitude.
            if let Some(len) = phone::iso6709_len(&b[p..]) {
                return p + len;
            }
            if !plan.phone.is_empty() && self.left_ok(p) {
                if let Some(end) = self.phone(p, s, true) {
                    return end;
                }
            }
            return e;
        }
        // An IPv6 address: a digit run touching a `:`, maybe after hex
        // letters (`2a00:1450:…`, `fe80::1`), so before the letter check.
        if !plan.ip.is_empty() && (prev == b':' || b.get(e) == Some(&b':')) {
            if let Some(end) = self.ipv6(s, e) {
                return end;
            }
        }
        // `N12345678`: a Kazakh passport number.
        if len == 8 && matches!(prev, b'N' | b'n') && !plan.id_document.is_empty() {
            if self.left_ok(s - 1) && self.right_ok(e) {
                self.emit_all(DetectorSet::IdDocument, s - 1, e, &self.text[s - 1..e]);
            }
            return e;
        }
        if !self.left_ok(s) {
            return e;
        }
        if len <= 3 && !plan.ip.is_empty() && b.get(e) == Some(&b'.') {
            if let Some(end) = self.ipv4(s, e) {
                return end;
            }
        }
        if len == 9 && !plan.id_document.is_empty() && self.right_ok(e) {
            self.emit_all(DetectorSet::IdDocument, s, e, &self.text[s..e]);
        }
        // Dates go on with a separator or a blank (`15.03.1985`, `15 марта`,
        // `1985 жылғы`; 0xC2 starts a no-break space): most numbers in code
        // are followed by neither.
        if (len <= 2 || len == 4)
            && !plan.date.is_empty()
            && super::dates::may_continue_date(b, e, len)
        {
            if let Some(end) = super::dates::date_end(self.text, s, e) {
                if self.right_ok(end)
                    && self.emit_all(DetectorSet::Date, s, end, &self.text[s..end])
                {
                    return end;
                }
            }
        }
        let first = b[s];
        let mut resume = e;
        // Only bare runs of a value's length can be a column of a table.
        self.in_row = len >= 11 && self.in_row_of_its_length(s, e);
        // A bare phone number is 11 digits at a group's end: this run, or
        // groups joined by a blank, dash or bracket right after it (any
        // other byte there ends `phone`'s first group short of 11).
        if !plan.phone.is_empty()
            && (first == b'8' || first == b'7')
            && (len == 11 || len < 11 && matches!(b.get(e), Some(b' ' | b'-' | b'(' | b')' | 0xC2)))
        {
            if let Some(end) = self.phone(s, s, false) {
                resume = resume.max(end);
            }
        }
        if len < 32 && plan.digit_run_lengths & (1 << len) != 0 && self.right_ok(e) {
            let digits = &b[s..e];
            for k in 0..plan.digit_run.len() {
                let det = plan.digit_run[k];
                if self.eng.detectors[det].lengths & (1 << len) != 0 {
                    let c = Candidate {
                        text: &self.text[s..e],
                        digits,
                        plus: false,
                        formatted: false,
                    };
                    if self.emit(det, s, e, &c) {
                        resume = resume.max(e);
                    }
                }
            }
        }
        if !plan.card.is_empty() && (b'2'..=b'6').contains(&first) {
            if let Some(end) = self.card(s, e) {
                resume = resume.max(end);
            }
        }
        self.in_row = false;
        resume
    }

    /// Nothing that would make the value part of a longer token sits just
    /// before `p`: no letter or digit, no mask character, no `digit.`
    /// (decimals, versions, IP addresses) and no UUID group (`-ab12-`).
    #[inline(always)]
    fn left_ok(&self, p: usize) -> bool {
        // Asked at ~7 M digit runs of a source tree: a blank, bracket or
        // quote before one answers by one table look, inline.
        p == 0 || PLAIN_NEIGHBOUR[self.b[p - 1] as usize] || self.left_ok_after(p)
    }

    /// [`Self::left_ok`] where the byte before `p` is not plainly apart.
    #[inline(never)]
    fn left_ok_after(&self, p: usize) -> bool {
        let b = self.b;
        let c = b[p - 1];
        if c >= 0x80 {
            let ch = self.text[..p].chars().next_back().unwrap_or(' ');
            return !(ch.is_alphanumeric() || is_mask_char(ch));
        }
        if c.is_ascii_alphanumeric() || c == b'*' {
            return false;
        }
        if c == b'.' && p >= 2 && b[p - 2].is_ascii_digit() {
            return false;
        }
        // Joined to a word: `hb-fuzzer-6264625609834496`, `id_8503…`.
        if (c == b'-' || c == b'_') && p >= 2 && b[p - 2].is_ascii_alphabetic() {
            return false;
        }
        if c == b'-'
            && p >= 6
            && b[p - 6] == b'-'
            && b[p - 5..p - 1].iter().all(u8::is_ascii_hexdigit)
        {
            return false;
        }
        true
    }

    /// The mirror of [`Self::left_ok`] after a value ending at `e`.
    #[inline]
    fn right_ok(&self, e: usize) -> bool {
        let b = self.b;
        if e >= b.len() {
            return true;
        }
        let c = b[e];
        if c >= 0x80 {
            let ch = self.text[e..].chars().next().unwrap_or(' ');
            return !(ch.is_alphanumeric() || is_mask_char(ch));
        }
        if c.is_ascii_alphanumeric() || c == b'*' {
            return false;
        }
        if c == b'.' && e + 1 < b.len() && b[e + 1].is_ascii_digit() {
            return false;
        }
        true
    }

    /// An IPv4-shaped token from the digit run `s..e`: reported when public,
    /// consumed (its digits are nothing else) whenever it is address-shaped.
    fn ipv4(&mut self, s: usize, e: usize) -> Option<usize> {
        let end = super::ip::ipv4_end(self.b, s, e)?;
        if !self.right_ok(end) {
            return None;
        }
        if super::ip::joined_to_a_name(self.b, s) || super::ip::version_word_before(self.b, s) {
            return Some(end);
        }
        // `2.5.4.52`, `1.3.6.1`: X.500 and other object identifiers have
        // the shape of an address in 1.0.0.0/8 or 2.0.0.0/8 (source trees
        // hold thousands of them); such a number is an address only with
        // an IP keyword beside it (`from 1.1.1.1`).
        if super::ip::oid_like(self.b, s) {
            let plan: &'a super::Plan = &self.eng.plan;
            if !plan.ip.iter().any(|&det| self.has_context(det, s, end)) {
                return Some(end);
            }
        }
        self.emit_all(DetectorSet::Ip, s, end, &self.text[s..end]);
        Some(end)
    }

    /// An IPv6-shaped token around the digit run `s..e`; like [`Self::ipv4`].
    fn ipv6(&mut self, s: usize, e: usize) -> Option<usize> {
        let (start, end) = super::ip::ipv6_span(self.b, s, e)?;
        if !self.left_ok_text(start) || !self.right_ok_text(end) {
            return None;
        }
        let text = &self.text[start..end];
        text.parse::<std::net::Ipv6Addr>().ok()?;
        self.emit_all(DetectorSet::Ip, start, end, text);
        Some(end)
    }

    /// Offers `text` at `start..end` to every detector of one extractor.
    fn emit_all(&mut self, set: DetectorSet, start: usize, end: usize, text: &'a str) -> bool {
        // Through the engine's own lifetime, so `emit` may borrow `self`.
        let plan: &'a super::Plan = &self.eng.plan;
        let dets = match set {
            DetectorSet::Ip => &plan.ip,
            DetectorSet::IdDocument => &plan.id_document,
            DetectorSet::Date => &plan.date,
        };
        let c = Candidate {
            text,
            digits: &[],
            plus: false,
            formatted: false,
        };
        let mut found = false;
        for &det in dets {
            found |= self.emit(det, start, end, &c);
        }
        found
    }

    /// Person names (see [`super::names`]) whose second word begins in
    /// `from..to`; `ascii` says the stretch has no Cyrillic to look at.
    pub fn names(&mut self, from: usize, to: usize, ascii: bool) {
        use super::names::Strength;
        let eng = self.eng;
        if eng.plan.name.is_empty() {
            return;
        }
        let mut hits = Vec::new();
        super::names::find(self.text, from, to, ascii, &mut |f| {
            let level = match f.strength {
                Strength::Bare => 0,
                Strength::Strong => 1,
                Strength::Full => 2,
            };
            hits.push((f.start, f.end, level));
        });
        self.emit_graded_hits(&eng.plan.name, hits);
    }

    /// Postal addresses (see [`super::address`]) whose street marker
    /// begins in `from..to`.
    pub fn addresses(&mut self, from: usize, to: usize) {
        use super::address::Strength;
        let eng = self.eng;
        if eng.plan.address.is_empty() {
            return;
        }
        let mut hits = Vec::new();
        super::address::find(self.text, from, to, &mut |f| {
            let level = match f.strength {
                Strength::Street => 0,
                Strength::Located => 1,
                Strength::House => 2,
            };
            hits.push((f.start, f.end, level));
        });
        self.emit_graded_hits(&eng.plan.address, hits);
    }

    /// [`Scanner::emit_graded`] of every `(start, end, level)` for every
    /// detector in `dets`.
    fn emit_graded_hits(&mut self, dets: &[usize], hits: Vec<(usize, usize, u8)>) {
        for (start, end, level) in hits {
            for &det in dets {
                self.emit_graded(det, start, end, level);
            }
        }
    }

    /// Records a value whose evidence comes graded (0, 1, 2: the
    /// detector's `base`, `formatted` and `context` confidence); a context
    /// keyword raises it one step.
    fn emit_graded(&mut self, det: usize, start: usize, end: usize, level: u8) -> bool {
        let d = &self.eng.detectors[det];
        let c = Candidate {
            text: &self.text[start..end],
            digits: &[],
            plus: false,
            formatted: level > 0,
        };
        let Some(valid) = d.validator.validate(&c) else {
            return false;
        };
        let has_context = !d.keywords.is_empty() && self.has_context(det, start, end);
        if d.require_context && !has_context {
            return false;
        }
        let confidence = match level + u8::from(has_context) {
            0 => d.base,
            1 => d.formatted,
            _ => d.context,
        };
        self.out.push(Match {
            start,
            end,
            line: 0,
            column: 0,
            category: d.category,
            detector: d.id,
            confidence,
            normalized: valid.normalized,
            test: false,
            lowered: None,
            decoded: None,
        });
        true
    }

    /// Validates a candidate for detector `det` and records it.
    fn emit(&mut self, det: usize, start: usize, end: usize, c: &Candidate<'_>) -> bool {
        let d = &self.eng.detectors[det];
        let validator = d.validator;
        let tallied = !c.formatted && validator.check_chance().is_some();
        let require_context = d.require_context || (self.in_row && !c.formatted);
        // Where a keyword is required and the validator has no checksum to
        // refuse most candidates with (document numbers, dates, addresses:
        // nearly every 9-digit number in code is a well-formed document
        // number), the keywords are looked for first: without them the
        // value is refused either way, and validating built a string each.
        let mut context_known = None;
        if require_context && validator.check_chance().is_none() {
            if d.keywords.is_empty() || !self.has_context(det, start, end) {
                return false;
            }
            context_known = Some(true);
        }
        let Some(valid) = d.validator.validate(c) else {
            if tallied {
                self.tally(det).note(validator, start, c.digits, None);
            }
            return false;
        };
        let mut confidence = d.base;
        if c.formatted {
            confidence = confidence.max(d.formatted);
        }
        // Keywords are looked for only when they can change the outcome.
        let mut raised = false;
        if require_context || d.context > confidence {
            let has_context = context_known
                .unwrap_or_else(|| !d.keywords.is_empty() && self.has_context(det, start, end));
            if require_context && !has_context {
                if tallied {
                    self.tally(det).note(validator, start, c.digits, None);
                }
                return false;
            }
            if has_context && d.context > confidence {
                confidence = d.context;
                raised = true;
            }
        }
        if !d.support.is_empty() && d.supported > confidence && self.has_support(det, start, end) {
            confidence = d.supported;
        }
        if tallied {
            let index = self.out.len();
            self.tally(det)
                .note(validator, start, c.digits, Some((index, raised)));
        }
        self.out.push(Match {
            start,
            end,
            line: 0,
            column: 0,
            category: d.category,
            detector: d.id,
            confidence,
            normalized: valid.normalized,
            test: valid.test,
            lowered: None,
            decoded: None,
        });
        true
    }

    /// A keyword of detector `det` in the column name, or on the same line
    /// within the detector's window before the value (or half of it after).
    fn has_context(&mut self, det: usize, start: usize, end: usize) -> bool {
        let ctx = &self.eng.context;
        // The caller's per-field answer, when it gave one, stands for
        // `field` too: it was worked out once for the whole column.
        let named = match self.context_at {
            Some(at) => at(start).raises(det),
            None => self.field.is_some_and(|f| ctx.mentions(f, det)),
        };
        if named {
            return true;
        }
        let d = &self.eng.detectors[det];
        let window = d.window;
        let b = self.b;
        // The windows lie inside `start - window .. end + window / 2`: when
        // that is known clear, they need not even be worked out.
        if let Some(m) = self.misses.get(det) {
            if m.clear.0 <= start.saturating_sub(window) && end + window / 2 <= m.clear.1 {
                return false;
            }
        }
        let mut ws = start.saturating_sub(window);
        if let Some(nl) = memchr::memrchr(b'\n', &b[ws..start]) {
            ws += nl + 1;
        }
        // Adjacent keywords only: none with another number or a clause
        // break between (`(15.03.1985 г.р.), договор от 01.02.2010`).
        if d.adjacent {
            let stop = |c: &u8| c.is_ascii_digit() || matches!(c, b',' | b';' | b')');
            if let Some(p) = b[ws..start].iter().rposition(stop) {
                ws += p + 1;
            }
        }
        let ws = ceil_char_boundary(self.text, ws);
        let mut we = (end + window / 2).min(b.len());
        if let Some(nl) = memchr::memchr(b'\n', &b[end..we]) {
            we = end + nl;
        }
        if d.adjacent {
            let stop = |c: &u8| c.is_ascii_digit() || matches!(c, b',' | b';' | b'(');
            if let Some(p) = b[end..we].iter().position(stop) {
                we = end + p;
            }
        }
        let we = super::floor_char_boundary(self.text, we);
        let found =
            ctx.mentions(&self.text[ws..start], det) || ctx.mentions(&self.text[end..we], det);
        if !found {
            self.missed(det, ws);
        }
        found
    }

    /// Notes a fruitless search for `det`'s keywords in a window from
    /// `ws`; after [`MISSES_BEFORE_LOOKING`] of them, looks ahead of it for
    /// them (see [`ContextMisses`]).
    fn missed(&mut self, det: usize, ws: usize) {
        if self.misses.len() <= det {
            let fresh = ContextMisses {
                count: 0,
                first: 0,
                clear: (0, 0),
                clear_runs: 0,
            };
            self.misses
                .resize(self.eng.detectors.len().max(det + 1), fresh);
        }
        let m = &mut self.misses[det];
        if m.count == 0 {
            m.first = ws;
        }
        m.count += 1;
        if m.count < MISSES_BEFORE_LOOKING {
            return;
        }
        m.count = 0;
        // A search of the text ahead costs a few instructions a byte, a
        // window search some hundreds: looking ahead pays only where the
        // misses came thick (a table's rows), not for a few a page.
        let stretch = ws.saturating_sub(m.first);
        if stretch > MISSES_BEFORE_LOOKING as usize * MAX_MISS_SPACING {
            return;
        }
        // As far ahead as eight times the stretch those misses came from,
        // doubled each time the text ahead came out clear.
        let reach = (stretch * 8).max(4 << 10) << m.clear_runs.min(10);
        let to = super::floor_char_boundary(self.text, ws.saturating_add(reach).min(self.b.len()));
        let to = match self.eng.context.first_end(&self.text[ws..to], det) {
            // No keyword ends before this one's end does: the text up to
            // its last byte holds none whole.
            Some(keyword_end) => {
                m.clear_runs = 0;
                ws + keyword_end - 1
            }
            None => {
                m.clear_runs += 1;
                to
            }
        };
        m.clear = (ws, to);
    }

    /// A supporting word of detector `det` on the value's line, within its
    /// window before or after it, commas and numbers allowed between
    /// (`№ 012345678, выдано МВД РК 01.02.2015`).
    fn has_support(&self, det: usize, start: usize, end: usize) -> bool {
        let window = self.eng.detectors[det].window;
        let b = self.b;
        let mut ws = start.saturating_sub(window);
        if let Some(nl) = memchr::memrchr(b'\n', &b[ws..start]) {
            ws += nl + 1;
        }
        let mut we = (end + window).min(b.len());
        if let Some(nl) = memchr::memchr(b'\n', &b[end..we]) {
            we = end + nl;
        }
        let ws = ceil_char_boundary(self.text, ws);
        let we = super::floor_char_boundary(self.text, we);
        let s = &self.eng.support;
        s.mentions(&self.text[ws..start], det) || s.mentions(&self.text[end..we], det)
    }

    /// KZ IBAN starting at `k` (the `K`): `KZ` + 18 characters, plain or in
    /// groups of 4 split by single spaces or dashes. Returns the end of
    /// anything IBAN-shaped, valid or not, so its digits are not reused.
    fn iban(&mut self, k: usize) -> Option<usize> {
        let b = self.b;
        if !self.left_ok(k) {
            return None;
        }
        let p = k + 2;
        if p + 2 > b.len() || !b[p].is_ascii_digit() || !b[p + 1].is_ascii_digit() {
            return None;
        }
        let end = match b.get(p + 2) {
            Some(&sep @ (b' ' | b'-')) => {
                // KZdd gggg gggg gggg gggg
                let mut q = p + 2;
                for _ in 0..4 {
                    if b.get(q) != Some(&sep)
                        || q + 5 > b.len()
                        || !b[q + 1..q + 5].iter().all(u8::is_ascii_alphanumeric)
                    {
                        return None;
                    }
                    q += 5;
                }
                q
            }
            _ => {
                let q = p + 18;
                if q > b.len() || !b[p..q].iter().all(u8::is_ascii_alphanumeric) {
                    return None;
                }
                q
            }
        };
        if !self.right_ok(end) {
            return None;
        }
        let c = Candidate {
            text: &self.text[k..end],
            digits: &[],
            plus: false,
            formatted: true,
        };
        for i in 0..self.eng.plan.iban.len() {
            let det = self.eng.plan.iban[i];
            self.emit(det, k, end, &c);
        }
        Some(end)
    }

    /// An e-mail address around the `@` at `at` (`at_len` 3 for `%40`).
    fn email(&mut self, at: usize, at_len: usize) -> Option<usize> {
        let (start, end) = email::span_around(self.b, at, at_len)?;
        if !self.left_ok_text(start) || !self.right_ok_text(end) {
            return None;
        }
        // `git@github.com:org/repo.git` is an SSH remote, not a mailbox.
        if self.b.get(end) == Some(&b':')
            && self
                .b
                .get(end + 1)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'/')
        {
            return None;
        }
        let c = Candidate {
            text: &self.text[start..end],
            digits: &[],
            plus: false,
            formatted: false,
        };
        let mut found = false;
        for i in 0..self.eng.plan.email.len() {
            let det = self.eng.plan.email[i];
            found |= self.emit(det, start, end, &c);
        }
        found.then_some(end)
    }

    /// Letter or digit boundaries only (for e-mail, whose own characters
    /// include dots and dashes).
    fn left_ok_text(&self, p: usize) -> bool {
        p == 0
            || !self.text[..p]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric)
    }

    fn right_ok_text(&self, e: usize) -> bool {
        !self.text[e..]
            .chars()
            .next()
            .is_some_and(char::is_alphanumeric)
    }

    /// A phone number starting at `start` (the `+`, `%2B`, or first digit),
    /// whose digits begin at `s`. Digit groups may be split by a space, a
    /// dash, or parentheses (`+7 (701) 234-56-78`, `8(727)355-66-77`).
    fn phone(&mut self, start: usize, s: usize, plus: bool) -> Option<usize> {
        let b = self.b;
        let mut digits = [0u8; 16];
        let mut nd = 0;
        // (end byte, digits so far, group length) per group
        let mut groups = [(0usize, 0usize, 0usize); 8];
        let mut ng = 0;
        let mut p = s;
        let mut paren_open = false;
        let mut separated = false;
        loop {
            let gs = p;
            while p < b.len() && b[p].is_ascii_digit() {
                if nd == digits.len() {
                    return None; // longer than any phone number
                }
                digits[nd] = b[p];
                nd += 1;
                p += 1;
            }
            groups[ng] = (p, nd, p - gs);
            ng += 1;
            if ng == groups.len() {
                break;
            }
            // Separator: at most one space (or no-break space) or dash, and
            // a parenthesis.
            let mut q = p;
            let mut spaces = 0;
            let mut parens = 0;
            while q < b.len() && q - p < 4 {
                match b[q] {
                    b' ' | b'-' => spaces += 1,
                    0xC2 if b.get(q + 1) == Some(&0xA0) => {
                        spaces += 1;
                        q += 1;
                    }
                    b'(' if !paren_open => {
                        paren_open = true;
                        parens += 1;
                    }
                    b')' if paren_open => {
                        paren_open = false;
                        parens += 1;
                    }
                    _ => break,
                }
                q += 1;
            }
            if q == p || spaces > 1 || parens > 1 || q >= b.len() || !b[q].is_ascii_digit() {
                break;
            }
            // `+44 (0)20 …`: the bracketed trunk prefix is not dialled
            // from abroad; skip it.
            if plus && paren_open && b[q] == b'0' && b.get(q + 1) == Some(&b')') && ng == 1 {
                paren_open = false;
                let mut r = q + 2;
                if matches!(b.get(r), Some(b' ' | b'-')) {
                    r += 1;
                }
                if r >= b.len() || !b[r].is_ascii_digit() {
                    break;
                }
                q = r;
            }
            separated = true;
            p = q;
        }
        let formatted = plus || separated;
        let dets_len = self.eng.plan.phone.len();
        let try_end = |this: &mut Self, g: usize| -> Option<usize> {
            let (end, count, _) = groups[g];
            if !this.right_ok(end) {
                return None;
            }
            let c = Candidate {
                text: &this.text[start..end],
                digits: &digits[..count],
                plus,
                formatted,
            };
            let mut found = false;
            for i in 0..dets_len {
                let det = this.eng.plan.phone[i];
                found |= this.emit(det, start, end, &c);
            }
            found.then_some(end)
        };
        let lens: [usize; 8] = std::array::from_fn(|i| groups[i].2);
        if digits[0] == b'7' || !plus {
            // +7 and trunk-prefix forms: exactly 11 digits at a group end,
            // grouped as people write phone numbers.
            let g = groups[..ng].iter().position(|x| x.1 == 11)?;
            if !phone::trunk_grouping_ok(&lens[..=g]) {
                return None;
            }
            // Digit groups amid other numbers (`… 7 8 705 123 45 62 9 …`
            // in a catalog row) only add up to a phone by chance.
            if !plus && separated {
                let end = groups[g].0;
                let row_before =
                    start >= 2 && b[start - 1] == b' ' && self.number_token_before(start - 1);
                let row_after = b.get(end) == Some(&b' ')
                    && b.get(end + 1).is_some_and(u8::is_ascii_digit)
                    && {
                        let t = b[end + 1..]
                            .iter()
                            .take_while(|c| c.is_ascii_digit())
                            .count();
                        !matches!(b.get(end + 1 + t), Some(c) if !c.is_ascii_whitespace())
                    };
                if row_before || row_after {
                    return None;
                }
            }
            return try_end(self, g);
        }
        // Other countries: the longest plausible grouping that validates.
        let mut tries = 0;
        for g in (0..ng).rev() {
            let count = groups[g].1;
            if !(8..=15).contains(&count) {
                continue;
            }
            let Some((code, _)) = phone::split_country_code(&digits[..count]) else {
                continue;
            };
            let code_len = if code >= 100 {
                3
            } else if code >= 10 {
                2
            } else {
                1
            };
            if !phone::international_grouping_ok(&lens[..=g], code_len) {
                continue;
            }
            if let Some(end) = try_end(self, g) {
                return Some(end);
            }
            tries += 1;
            if tries == 3 {
                break;
            }
        }
        None
    }

    /// A card number whose first digit run is `s..e`: plain (14–19 digits)
    /// or grouped by spaces or dashes (4-4-4-4, 4-4-4-4-3, Amex 4-6-5,
    /// Diners 4-6-4); the lengths each scheme allows are the validator's
    /// business.
    fn card(&mut self, s: usize, e: usize) -> Option<usize> {
        let b = self.b;
        let len = e - s;
        // Bare 17–19 digit runs (Mir, UnionPay, Maestro, Discover, JCB,
        // Visa 19) may also be 64-bit integers: calibration, the code rule
        // and the neighbourhood rules weigh them.
        if (14..=19).contains(&len) {
            if !self.right_ok(e) {
                return None;
            }
            let c = Candidate {
                text: &self.text[s..e],
                digits: &b[s..e],
                plus: false,
                formatted: false,
            };
            return self.emit_card(s, e, &c);
        }
        if len != 4
            || e + 1 >= b.len()
            || !matches!(b[e], b' ' | b'-')
            || !b[e + 1].is_ascii_digit()
        {
            return None;
        }
        let sep = b[e];
        // Groups that follow another number are inside a row of them
        // (Unicode stroke tables, PostScript coordinates, hex dumps,
        // catalog rows), not a card.
        if s >= 2 && b[s - 1] == sep && self.number_token_before(s - 1) {
            return None;
        }
        // Dates (`2024-03-15`) and times start like this: every card
        // layout's second group has 4 or 6 digits.
        let second = b[e + 1..]
            .iter()
            .take(7)
            .take_while(|c| c.is_ascii_digit())
            .count();
        if second != 4 && second != 6 {
            return None;
        }
        let mut digits = [0u8; MAX_DIGITS];
        digits[..4].copy_from_slice(&b[s..e]);
        let mut nd = 4;
        let mut groups = [(e, 4usize, 4usize); 6];
        let mut ng = 1;
        let mut p = e;
        while ng < groups.len() && p + 1 < b.len() && b[p] == sep && b[p + 1].is_ascii_digit() {
            let gs = p + 1;
            let mut q = gs;
            while q < b.len() && b[q].is_ascii_digit() {
                q += 1;
            }
            if nd + (q - gs) > 19 {
                return None;
            }
            digits[nd..nd + (q - gs)].copy_from_slice(&b[gs..q]);
            nd += q - gs;
            groups[ng] = (q, nd, q - gs);
            ng += 1;
            p = q;
        }
        if p + 1 < b.len() && b[p] == sep && b[p + 1].is_ascii_digit() {
            return None; // more groups than any card has
        }
        if ng >= 5 && groups[4].2 == 4 && groups[..4].iter().all(|g| g.2 == 4) {
            return None; // five 4-digit groups: a run of them, not a card
        }
        let lens: [usize; 6] = std::array::from_fn(|i| groups[i].2);
        let shape_ok = |n: usize| -> bool {
            let total = groups[n - 1].1;
            let l = &lens[..n];
            (13..=19).contains(&total)
                && (l[..n - 1].iter().all(|&x| x == 4) && l[n - 1] <= 4
                    || l == [4, 6, 5]
                    || l == [4, 6, 4])
        };
        for n in [ng, 4] {
            if n > ng || n < 3 || !shape_ok(n) {
                continue;
            }
            let (end, count, _) = groups[n - 1];
            if !self.right_ok(end) || (b.get(end) == Some(&sep) && self.number_token_after(end + 1))
            {
                continue;
            }
            let c = Candidate {
                text: &self.text[s..end],
                digits: &digits[..count],
                plus: false,
                formatted: true,
            };
            if let Some(end) = self.emit_card(s, end, &c) {
                return Some(end);
            }
        }
        None
    }

    /// The token ending at `end` (exclusive) is a number standing alone:
    /// digits, or hex digits with a digit among them (`2261`, `00B1`),
    /// after a blank or the line start. `10:22:01` ends in no such token.
    fn number_token_before(&self, end: usize) -> bool {
        let b = self.b;
        let mut q = end;
        while q > 0 && b[q - 1].is_ascii_hexdigit() {
            q -= 1;
        }
        q < end
            && b[q..end].iter().any(u8::is_ascii_digit)
            && (q == 0 || b[q - 1].is_ascii_whitespace())
    }

    /// The token starting at `start` is a number of 4 or more digits or hex
    /// digits, with a digit among them, standing alone before a blank or
    /// the end (`20BBF` after a card-shaped row of stroke codes). A 3-digit
    /// CVV or `12/25` after a card is not.
    fn number_token_after(&self, start: usize) -> bool {
        let b = self.b;
        let mut q = start;
        while q < b.len() && b[q].is_ascii_hexdigit() {
            q += 1;
        }
        q - start >= 4
            && b[start..q].iter().any(u8::is_ascii_digit)
            && (q == b.len() || b[q].is_ascii_whitespace())
    }

    fn emit_card(&mut self, s: usize, e: usize, c: &Candidate<'_>) -> Option<usize> {
        let mut found = false;
        for i in 0..self.eng.plan.card.len() {
            let det = self.eng.plan.card[i];
            found |= self.emit(det, s, e, c);
        }
        found.then_some(e)
    }

    /// A user detector's regex over `from..to`.
    pub fn regex(&mut self, det: usize, from: usize, to: usize) {
        let Extractor::Regex { re, value_group } = &self.eng.detectors[det].extractor else {
            return;
        };
        let mut locs = value_group.map(|_| re.capture_locations());
        let mut at = from;
        while at < to {
            let (ms, me) = match &mut locs {
                Some(locs) => match re.captures_read_at(locs, self.text, at) {
                    Some(m) => (m.start(), m.end()),
                    None => break,
                },
                None => match re.find_at(self.text, at) {
                    Some(m) => (m.start(), m.end()),
                    None => break,
                },
            };
            if ms >= to {
                break;
            }
            at = if me > ms {
                me
            } else {
                next_char(self.text, ms)
            };
            // Boundaries apply to the whole match; the value is the `value`
            // group when there is one (`N(?P<value>\d{8})`).
            if !self.left_ok(ms) || !self.right_ok(me) {
                continue;
            }
            let (s, e) = match (&locs, value_group) {
                (Some(locs), Some(g)) => match locs.get(*g) {
                    Some(span) => span,
                    None => continue,
                },
                _ => (ms, me),
            };
            if s == e {
                continue;
            }
            let mut digits = [0u8; MAX_DIGITS];
            let mut nd = 0;
            for &c in &self.b[s..e] {
                if c.is_ascii_digit() {
                    if nd == MAX_DIGITS {
                        nd = usize::MAX;
                        break;
                    }
                    digits[nd] = c;
                    nd += 1;
                }
            }
            if nd == usize::MAX {
                let d = &self.eng.detectors[det];
                if d.validator != Validator::None && d.validator != Validator::Email {
                    continue;
                }
                nd = 0;
            }
            let text = &self.text[s..e];
            let c = Candidate {
                text,
                digits: &digits[..nd],
                plus: text.starts_with('+'),
                formatted: text.bytes().any(|c| !c.is_ascii_alphanumeric()),
            };
            self.emit(det, s, e, &c);
        }
    }
}

fn next_char(s: &str, i: usize) -> usize {
    s[i..].chars().next().map_or(i + 1, |c| i + c.len_utf8())
}

fn ceil_char_boundary(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::xorshift;

    #[test]
    fn blocks_agree_with_a_plain_classification() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let alphabet = b"abcXYZ /:;?@0189\x80\xff-.,";
        for len in 0..200 {
            let hay: Vec<u8> = (0..len)
                .map(|_| {
                    let state = xorshift(&mut state);
                    // Mostly letters and punctuation, some digits and `@`,
                    // and bytes either side of the digit range.
                    alphabet[(state % alphabet.len() as u64) as usize]
                })
                .collect();
            for base in 0..len {
                for to in [base + 1, (base + 7).min(len), len] {
                    let block = Block::at(&hay, base, to);
                    for k in 0..64 {
                        let c = hay.get(base + k).copied();
                        let digit = c.is_some_and(|c| c.is_ascii_digit());
                        let stop = base + k < to && (digit || c == Some(b'@'));
                        assert_eq!(block.digits >> k & 1 == 1, digit, "{hay:?} {base} {k}");
                        assert_eq!(block.stops >> k & 1 == 1, stop, "{hay:?} {base} {to} {k}");
                    }
                }
            }
        }
    }
}
