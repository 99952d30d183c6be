//! Text decoding: binary detection, UTF-8 / UTF-16 / Windows-1251 sniffing,
//! and a streaming decoder that turns any byte stream into UTF-8 without
//! splitting characters across reads.
//!
//! The tables and the UTF-16 / legacy decoders are `encoding_rs`'. What is
//! written here is the choice of encoding (BOM, NUL pattern, UTF-8 validity)
//! and the UTF-8 fast path, which only validates with `std::str::from_utf8`.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1251};
use std::borrow::Cow;
use std::io::{self, BufRead, Read};

/// How much of the start of a stream is looked at to decide binary vs text
/// and the encoding (the same amount git and ripgrep use for the NUL test).
pub const SNIFF_LEN: usize = 8 * 1024;

/// Raw bytes read per `read` call.
const READ_SIZE: usize = 256 * 1024;

/// What the start of a stream says about how to read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// NUL bytes that are not UTF-16: not text.
    Binary,
    /// UTF-8, or ASCII so far; switches to Windows-1251 at the first byte
    /// that is not UTF-8 if nothing but ASCII came before it.
    Auto { bom_len: usize },
    /// A fixed encoding (a BOM, the UTF-16 NUL pattern, or `--encoding`).
    Fixed {
        encoding: &'static Encoding,
        bom_len: usize,
    },
}

/// Resolves an `--encoding` label (`windows-1251`, `cp1251`, `utf-16le` …).
pub fn encoding_for_label(label: &str) -> Result<&'static Encoding, String> {
    Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
        format!("unknown encoding {label:?} (try utf-8, utf-16le, utf-16be, windows-1251, koi8-r)")
    })
}

/// Decides how to decode a stream from its first bytes (up to [`SNIFF_LEN`]).
pub fn sniff(sample: &[u8], forced: Option<&'static Encoding>) -> Sniffed {
    let bom = Encoding::for_bom(sample);
    if let Some(encoding) = forced {
        // A forced encoding still drops its own BOM, never another's.
        let bom_len = match bom {
            Some((e, len)) if e == encoding => len,
            _ => 0,
        };
        if encoding != UTF_16LE && encoding != UTF_16BE && memchr::memchr(0, sample).is_some() {
            return Sniffed::Binary;
        }
        return Sniffed::Fixed { encoding, bom_len };
    }
    match bom {
        Some((e, len)) if e == UTF_8 => return Sniffed::Auto { bom_len: len },
        Some((encoding, bom_len)) => return Sniffed::Fixed { encoding, bom_len },
        None => {}
    }
    if memchr::memchr(0, sample).is_none() {
        return Sniffed::Auto { bom_len: 0 };
    }
    match utf16_without_bom(sample) {
        Some(encoding) => Sniffed::Fixed {
            encoding,
            bom_len: 0,
        },
        None => Sniffed::Binary,
    }
}

/// UTF-16 without a BOM (Excel "Unicode text" exports, some Windows tools):
/// text that is mostly ASCII, digits and tabs puts a NUL in the high byte of
/// most code units and almost never in the low byte. Binary formats put NULs
/// at both parities.
fn utf16_without_bom(sample: &[u8]) -> Option<&'static Encoding> {
    let units = sample.len() / 2;
    if units == 0 {
        return None;
    }
    let (mut even, mut odd) = (0usize, 0usize);
    for pair in sample.chunks_exact(2) {
        even += usize::from(pair[0] == 0);
        odd += usize::from(pair[1] == 0);
    }
    // At least a fifth of the code units ASCII-range, and at most 1 % with a
    // NUL in the other byte (U+0000, U+0100, U+0400 … are rare in text).
    let candidate = |high: usize, low: usize| high * 5 >= units && low * 100 <= units;
    let encoding = if candidate(odd, even) {
        UTF_16LE
    } else if candidate(even, odd) {
        UTF_16BE
    } else {
        return None;
    };
    // Control characters other than tab, CR, LF and form feed mean binary
    // that happens to have the NUL pattern (arrays of small integers).
    let controls = sample
        .chunks_exact(2)
        .map(|p| {
            if encoding == UTF_16LE {
                u16::from_le_bytes([p[0], p[1]])
            } else {
                u16::from_be_bytes([p[0], p[1]])
            }
        })
        .filter(|&u| u < 0x20 && !matches!(u, 0x09 | 0x0A | 0x0C | 0x0D))
        .count();
    (controls * 100 <= units).then_some(encoding)
}

/// Decodes bytes held whole in memory that the caller already knows to be
/// text (the lines a git diff adds), by the same policy as a file: a forced
/// encoding, else a BOM, else UTF-16 by its NUL pattern, else UTF-8
/// switching to Windows-1251 at the first invalid byte when nothing but
/// ASCII came before it. Returns the text and the encoding it was read in.
///
/// Where [`sniff`] would call the bytes binary, they are read as the forced
/// encoding, or as UTF-8 with U+FFFD for what is invalid: a file scan skips
/// binary files, but these bytes were judged text already.
pub fn decode_bytes<'b>(
    bytes: &'b [u8],
    forced: Option<&'static Encoding>,
) -> (Cow<'b, str>, &'static Encoding) {
    let head = &bytes[..bytes.len().min(SNIFF_LEN)];
    let how = match sniff(head, forced) {
        Sniffed::Binary => match forced {
            Some(encoding) => Sniffed::Fixed {
                encoding,
                bom_len: Encoding::for_bom(head)
                    .filter(|&(e, _)| e == encoding)
                    .map_or(0, |(_, len)| len),
            },
            None => Sniffed::Auto { bom_len: 0 },
        },
        how => how,
    };
    // Valid UTF-8 (nearly every diff) is borrowed, not copied.
    let utf8_bom_len = match how {
        Sniffed::Auto { bom_len } => Some(bom_len),
        Sniffed::Fixed { encoding, bom_len } if encoding == UTF_8 => Some(bom_len),
        _ => None,
    };
    if let Some(bom_len) = utf8_bom_len {
        if let Ok(text) = std::str::from_utf8(&bytes[bom_len..]) {
            return (Cow::Borrowed(text), UTF_8);
        }
    }
    let mut decoder = TextDecoder::new(bytes, how, Some(bytes.len() as u64));
    let mut text = String::with_capacity(bytes.len());
    // Reading a slice cannot fail.
    while let Ok(true) = decoder.decode_into(&mut text) {}
    let encoding = match how {
        Sniffed::Fixed { encoding, .. } => encoding,
        _ if decoder.switched_to_cp1251() => WINDOWS_1251,
        _ => UTF_8,
    };
    (Cow::Owned(text), encoding)
}

enum Mode {
    /// UTF-8 while it validates; `seen_non_ascii` says whether a switch to
    /// Windows-1251 is still allowed.
    Auto { seen_non_ascii: bool },
    /// UTF-8 with U+FFFD for anything invalid.
    Utf8Lossy,
    /// An `encoding_rs` decoder (UTF-16, Windows-1251, forced labels).
    Legacy(encoding_rs::Decoder),
}

/// Streams decoded UTF-8 out of any reader, in bounded memory.
///
/// [`TextDecoder::decode_into`] appends straight into a caller's buffer (the
/// plain-text chunker uses it, one copy); the [`BufRead`] impl serves the
/// structured parsers.
pub struct TextDecoder<R> {
    input: R,
    raw: Vec<u8>,
    raw_start: usize,
    raw_end: usize,
    input_done: bool,
    mode: Mode,
    /// Decoded text waiting for a `BufRead` consumer.
    pending: String,
    pending_pos: usize,
    /// The encoding switched from UTF-8 to Windows-1251 part-way.
    switched_to_cp1251: bool,
    /// Everything decoded and handed out.
    flushed: bool,
    /// `raw` is a text buffer's allocation (from [`TextDecoder::whole`], or
    /// traded for one): it goes back to the kept strings, not the kept
    /// read buffers.
    raw_is_text: bool,
}

impl<R: Read> TextDecoder<R> {
    /// `how` must not be [`Sniffed::Binary`]; BOM bytes still in `input` are skipped.
    pub fn new(input: R, how: Sniffed, size_hint: Option<u64>) -> Self {
        // Small files get small buffers: most files in a tree are a few KiB.
        let capacity = size_hint.map_or(READ_SIZE, |n| (n as usize + 16).clamp(4096, READ_SIZE));
        // A kept buffer, not a zeroed new one: bytes past `raw_end` are
        // never read, so stale ones cost nothing.
        let (decoder, bom_len) = Self::with_raw(input, how, super::spare::bytes(capacity + 4));
        decoder.skipping(bom_len)
    }

    /// A decoder of `whole`, all there is of the input (`input` is at its
    /// end). When it is valid UTF-8 from its first byte, it becomes the
    /// decoded text without a copy (see [`Self::adopt_whole`]).
    pub fn whole(input: R, whole: Vec<u8>, how: Sniffed) -> Self {
        let (mut decoder, bom_len) = Self::with_raw(input, how, whole);
        decoder.raw_end = decoder.raw.len();
        decoder.raw_start = bom_len.min(decoder.raw_end);
        decoder.input_done = true;
        decoder.raw_is_text = true;
        decoder
    }

    /// A decoder reading into `raw`, nothing buffered yet, and the length
    /// of the BOM to skip.
    fn with_raw(input: R, how: Sniffed, raw: Vec<u8>) -> (Self, usize) {
        let (mode, bom_len) = match how {
            Sniffed::Auto { bom_len } => (
                Mode::Auto {
                    seen_non_ascii: false,
                },
                bom_len,
            ),
            // Callers skip binary streams; decoding one anyway is harmless.
            Sniffed::Binary => (Mode::Utf8Lossy, 0),
            Sniffed::Fixed { encoding, bom_len } if encoding == UTF_8 => (Mode::Utf8Lossy, bom_len),
            Sniffed::Fixed { encoding, bom_len } => (
                Mode::Legacy(encoding.new_decoder_without_bom_handling()),
                bom_len,
            ),
        };
        let decoder = TextDecoder {
            input,
            raw,
            raw_start: 0,
            raw_end: 0,
            input_done: false,
            mode,
            pending: super::spare::string(),
            pending_pos: 0,
            switched_to_cp1251: false,
            flushed: false,
            raw_is_text: false,
        };
        (decoder, bom_len)
    }

    fn skipping(mut self, mut n: usize) -> Self {
        // The BOM lies in the sniffed head, so a failed read here is reported
        // by the first real read instead.
        while n > 0 {
            if self.raw_start == self.raw_end && (self.input_done || self.refill().is_err()) {
                break;
            }
            let take = n.min(self.raw_end - self.raw_start);
            self.raw_start += take;
            n -= take;
        }
        self
    }

    /// True once an auto-detected stream turned out to be Windows-1251.
    pub fn switched_to_cp1251(&self) -> bool {
        self.switched_to_cp1251
    }

    /// Reads more raw bytes, keeping an incomplete UTF-8 tail at the front.
    fn refill(&mut self) -> io::Result<()> {
        if self.raw_start > 0 {
            self.raw.copy_within(self.raw_start..self.raw_end, 0);
            self.raw_end -= self.raw_start;
            self.raw_start = 0;
        }
        loop {
            match self.input.read(&mut self.raw[self.raw_end..]) {
                Ok(0) => {
                    self.input_done = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.raw_end += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Appends the next piece of decoded text to `dst`. Returns `false` once
    /// the input is exhausted and everything has been handed out.
    pub fn decode_into(&mut self, dst: &mut String) -> io::Result<bool> {
        if self.pending_pos < self.pending.len() {
            if dst.is_empty() && self.pending_pos == 0 {
                // Handed over, not copied: the plain-text window takes what
                // the structured sniff had decoded (for most files of a
                // source tree, all of the file). Both buffers are kept
                // between files, so capacities move back and forth.
                std::mem::swap(dst, &mut self.pending);
            } else {
                dst.push_str(&self.pending[self.pending_pos..]);
            }
            self.pending.clear();
            self.pending_pos = 0;
            return Ok(true);
        }
        let before = dst.len();
        loop {
            if self.flushed {
                return Ok(false);
            }
            let buffered = self.raw_end - self.raw_start;
            // An incomplete UTF-8 sequence (≤ 3 bytes) cannot be decoded yet.
            if !self.input_done && (buffered == 0 || (buffered < 4 && self.incomplete_tail())) {
                self.refill()?;
            }
            self.decode_buffered(dst);
            // The last call with `last = true` ends an encoding_rs decoder.
            self.flushed = self.input_done && self.raw_start == self.raw_end;
            if dst.len() > before {
                return Ok(true);
            }
        }
    }

    /// Makes all of the input, when it is all in `raw`, valid UTF-8 and
    /// nothing was decoded yet, the text `dst` holds, by trading buffers:
    /// a small file of a source tree is then read once by the kernel and
    /// never copied (the copy was ~3 % of such a scan's instructions).
    fn adopt_whole(&mut self, dst: &mut String) -> bool {
        if !(self.raw_is_text
            && self.input_done
            && self.raw_start == 0
            && self.raw_end == self.raw.len()
            && dst.is_empty())
        {
            return false;
        }
        let raw = &self.raw[..self.raw_end];
        if !raw.is_ascii() && simdutf8::basic::from_utf8(raw).is_err() {
            return false;
        }
        let spare = std::mem::take(dst).into_bytes();
        // SAFETY: validated as UTF-8 just above.
        *dst = unsafe { String::from_utf8_unchecked(std::mem::replace(&mut self.raw, spare)) };
        self.raw_start = 0;
        self.raw_end = 0;
        true
    }

    fn incomplete_tail(&self) -> bool {
        matches!(self.mode, Mode::Auto { .. } | Mode::Utf8Lossy)
    }

    fn decode_buffered(&mut self, dst: &mut String) {
        if matches!(self.mode, Mode::Auto { .. } | Mode::Utf8Lossy) && self.adopt_whole(dst) {
            return;
        }
        let last = self.input_done;
        match &mut self.mode {
            Mode::Legacy(decoder) => {
                let input = &self.raw[self.raw_start..self.raw_end];
                if let Some(max) = decoder.max_utf8_buffer_length(input.len()) {
                    dst.reserve(max);
                }
                let (_, read, _) = decoder.decode_to_string(input, dst, last);
                self.raw_start += read;
            }
            Mode::Auto { seen_non_ascii } => {
                let seen = *seen_non_ascii;
                match decode_utf8(&self.raw[self.raw_start..self.raw_end], dst, last, !seen) {
                    Utf8Step::Done {
                        consumed,
                        non_ascii,
                    } => {
                        self.raw_start += consumed;
                        if non_ascii {
                            self.mode = Mode::Auto {
                                seen_non_ascii: true,
                            };
                        }
                    }
                    Utf8Step::Invalid { consumed } => {
                        // Nothing but ASCII before the first invalid byte:
                        // a legacy Cyrillic file (1C, old Excel), not broken UTF-8.
                        self.raw_start += consumed;
                        self.mode = Mode::Legacy(WINDOWS_1251.new_decoder_without_bom_handling());
                        self.switched_to_cp1251 = true;
                    }
                }
            }
            Mode::Utf8Lossy => {
                if let Utf8Step::Done { consumed, .. } =
                    decode_utf8(&self.raw[self.raw_start..self.raw_end], dst, last, false)
                {
                    self.raw_start += consumed;
                }
            }
        }
    }
}

impl<R> Drop for TextDecoder<R> {
    fn drop(&mut self) {
        let raw = std::mem::take(&mut self.raw);
        if self.raw_is_text {
            super::spare::give_allocation(raw);
        } else {
            super::spare::give_bytes(raw);
        }
        super::spare::give_string(std::mem::take(&mut self.pending));
    }
}

enum Utf8Step {
    Done {
        consumed: usize,
        non_ascii: bool,
    },
    /// Stopped before an invalid sequence (only when asked to).
    Invalid {
        consumed: usize,
    },
}

/// Validates `input` as UTF-8 and appends it to `dst`; invalid sequences
/// become U+FFFD unless `stop_at_invalid`. An incomplete sequence at the end
/// is left unconsumed unless `last`.
fn decode_utf8(input: &[u8], dst: &mut String, last: bool, stop_at_invalid: bool) -> Utf8Step {
    // Most text is ASCII, and one `is_ascii` pass (a word at a time) both
    // validates it and answers `non_ascii`; validating first and then asking
    // `is_ascii` read every byte twice.
    if input.is_ascii() {
        // SAFETY: ASCII bytes are valid UTF-8.
        dst.push_str(unsafe { std::str::from_utf8_unchecked(input) });
        return Utf8Step::Done {
            consumed: input.len(),
            non_ascii: false,
        };
    }
    // Text beyond ASCII (Cyrillic, most of all): `simdutf8` validates it a
    // vector at a time where `std` goes character by character; `std` then
    // finds where it fails, when it does.
    if let Ok(text) = simdutf8::basic::from_utf8(input) {
        dst.push_str(text);
        return Utf8Step::Done {
            consumed: input.len(),
            non_ascii: true,
        };
    }
    let mut pos = 0;
    let mut non_ascii = false;
    while pos < input.len() {
        match std::str::from_utf8(&input[pos..]) {
            Ok(text) => {
                // From the start: `input` is not ASCII. After an invalid
                // sequence: only reached when not stopping at one, or with
                // `non_ascii` already true.
                non_ascii = true;
                dst.push_str(text);
                pos = input.len();
            }
            Err(err) => {
                let good_len = err.valid_up_to();
                // SAFETY: `valid_up_to` is the length of the valid UTF-8 prefix.
                let good = unsafe { std::str::from_utf8_unchecked(&input[pos..pos + good_len]) };
                if stop_at_invalid && !non_ascii {
                    non_ascii = !good.is_ascii();
                }
                dst.push_str(good);
                pos += good_len;
                match err.error_len() {
                    Some(bad) => {
                        if stop_at_invalid && !non_ascii {
                            return Utf8Step::Invalid { consumed: pos };
                        }
                        dst.push('\u{FFFD}');
                        pos += bad;
                    }
                    None if last => {
                        dst.push('\u{FFFD}');
                        pos = input.len();
                    }
                    None => break,
                }
            }
        }
    }
    Utf8Step::Done {
        consumed: pos,
        non_ascii,
    }
}

impl<R: Read> Read for TextDecoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for TextDecoder<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pending_pos >= self.pending.len() {
            let mut text = std::mem::take(&mut self.pending);
            text.clear();
            self.pending_pos = 0;
            while text.is_empty() && self.decode_into(&mut text)? {}
            self.pending = text;
        }
        Ok(&self.pending.as_bytes()[self.pending_pos..])
    }

    fn consume(&mut self, amt: usize) {
        self.pending_pos = (self.pending_pos + amt).min(self.pending.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8], forced: Option<&'static Encoding>, read_size: usize) -> String {
        let how = sniff(&bytes[..bytes.len().min(SNIFF_LEN)], forced);
        assert_ne!(how, Sniffed::Binary);
        let mut dec = TextDecoder::new(Trickle(bytes, read_size), how, None);
        let mut out = String::new();
        while dec.decode_into(&mut out).unwrap() {}
        out
    }

    /// A reader that hands out at most `n` bytes a call, to split characters.
    struct Trickle<'a>(&'a [u8], usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(self.1).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// [`TextDecoder::whole`] gives what the streaming decoder gives, for
    /// text it adopts (UTF-8, ASCII) and text it decodes (a BOM, cp1251,
    /// UTF-16, broken UTF-8), through both ways of reading it.
    #[test]
    fn a_whole_input_decodes_as_a_stream_does() {
        let mut cp1251 = b"id;name\n1;".to_vec();
        cp1251.extend_from_slice(&[0xC8, 0xE2, 0xE0, 0xED]);
        let inputs: Vec<Vec<u8>> = vec![
            b"plain ascii +7 701 123 45 67\n".to_vec(),
            "Иванов Иван, ИИН 900101300123\n".as_bytes().to_vec(),
            b"\xEF\xBB\xBFwith a BOM\n".to_vec(),
            cp1251,
            b"\xFF\xFEh\x00i\x00".to_vec(),
            ["ok \u{4e2d} then ".as_bytes(), &[0xC3], b" broken"].concat(),
            Vec::new(),
        ];
        for bytes in inputs {
            let how = sniff(&bytes[..bytes.len().min(SNIFF_LEN)], None);
            let want = decode_all(&bytes, None, 3);
            let mut dec = TextDecoder::whole(io::empty(), bytes.clone(), how);
            let mut out = String::new();
            while dec.decode_into(&mut out).unwrap() {}
            assert_eq!(out, want, "{bytes:?}");
            let mut dec = TextDecoder::whole(io::empty(), bytes.clone(), how);
            let mut out = String::new();
            dec.read_to_string(&mut out).unwrap();
            assert_eq!(out, want, "{bytes:?}");
        }
    }

    #[test]
    fn utf8_split_across_every_read_size() {
        let text = "ИИН: 900101300123, почта аня@пример.kz ✓\n".repeat(3);
        for size in 1..8 {
            assert_eq!(decode_all(text.as_bytes(), None, size), text);
        }
    }

    #[test]
    fn utf16le_without_bom_is_text_not_binary() {
        let text = "ФИО\tИИН\tТелефон\r\nИванов\t900101300123\t+77011234567\r\n";
        let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(
            sniff(&bytes, None),
            Sniffed::Fixed {
                encoding: UTF_16LE,
                bom_len: 0
            }
        );
        assert_eq!(decode_all(&bytes, None, 3), text);
    }

    #[test]
    fn utf16be_with_bom() {
        let text = "a@b.kz\n";
        let mut bytes = vec![0xFE, 0xFF];
        bytes.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode_all(&bytes, None, 5), text);
    }

    #[test]
    fn cp1251_after_ascii_prefix_switches() {
        let (cyr, _, _) = WINDOWS_1251.encode("Иванов Иван");
        let mut bytes = b"id;name\n1;".to_vec();
        bytes.extend_from_slice(&cyr);
        bytes.push(b'\n');
        assert_eq!(decode_all(&bytes, None, 4), "id;name\n1;Иванов Иван\n");
    }

    #[test]
    fn invalid_byte_after_utf8_cyrillic_is_replaced_not_reinterpreted() {
        let mut bytes = "Иван ".as_bytes().to_vec();
        bytes.push(0xC8);
        bytes.extend_from_slice(b" x\n");
        assert_eq!(decode_all(&bytes, None, 64), "Иван \u{FFFD} x\n");
    }

    #[test]
    fn nul_bytes_in_both_parities_are_binary() {
        let bytes: Vec<u8> = (0u8..=255).cycle().take(4096).collect();
        assert_eq!(sniff(&bytes, None), Sniffed::Binary);
        assert_eq!(
            sniff(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0", None),
            Sniffed::Binary
        );
    }

    #[test]
    fn decode_bytes_follows_the_stream_policy() {
        // Valid UTF-8 is borrowed as is.
        let (text, encoding) = decode_bytes("ИИН ok\n".as_bytes(), None);
        assert!(matches!(text, Cow::Borrowed("ИИН ok\n")));
        assert_eq!(encoding, UTF_8);
        // Legacy Cyrillic after ASCII only: Windows-1251.
        let (text, encoding) = decode_bytes(b"\xcf\xf0\xe8\xe2\xe5\xf2", None);
        assert_eq!((text.as_ref(), encoding), ("Привет", WINDOWS_1251));
        // An invalid byte after UTF-8 Cyrillic is replaced, as in a file.
        let mut mixed = "Иван ".as_bytes().to_vec();
        mixed.push(0xC8);
        let (text, encoding) = decode_bytes(&mixed, None);
        assert_eq!((text.as_ref(), encoding), ("Иван \u{FFFD}", UTF_8));
        // BOMs are dropped and decide the encoding.
        let (text, _) = decode_bytes(b"\xef\xbb\xbfa@b.kz", None);
        assert_eq!(text, "a@b.kz");
        let mut le = vec![0xFF, 0xFE];
        le.extend("Тел".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode_bytes(&le, None), (Cow::from("Тел"), UTF_16LE));
        // A forced encoding wins, even over valid UTF-8.
        let (koi8, _, _) = encoding_rs::KOI8_R.encode("Привет");
        assert_eq!(
            decode_bytes(&koi8, Some(encoding_rs::KOI8_R)),
            (Cow::from("Привет"), encoding_rs::KOI8_R)
        );
        assert_eq!(
            decode_bytes("Ð".as_bytes(), Some(WINDOWS_1251)).0,
            WINDOWS_1251.decode_without_bom_handling("Ð".as_bytes()).0
        );
    }

    #[test]
    fn decode_bytes_reads_what_sniff_calls_binary_as_text() {
        // NULs at both parities: binary to sniff, not UTF-16.
        let bytes = b"\0\0a\0\0b\xcf\n";
        assert_eq!(sniff(bytes, None), Sniffed::Binary);
        assert_eq!(
            decode_bytes(bytes, None),
            (Cow::from("\0\0a\0\0bП\n"), WINDOWS_1251)
        );
        assert_eq!(
            decode_bytes(b"\0\xcf", Some(WINDOWS_1251)),
            (Cow::from("\0П"), WINDOWS_1251)
        );
    }

    #[test]
    fn truncated_utf16_ends_with_replacement() {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend("ab".encode_utf16().flat_map(u16::to_le_bytes));
        bytes.push(b'c');
        assert_eq!(decode_all(&bytes, None, 2), "ab\u{FFFD}");
    }
}
