//! Encoding detection and decoding (`source::decode`): binary detection,
//! BOMs, UTF-16 without BOM, UTF-8 with a switch to cp1251, `--encoding`.
//!
//! Oracles:
//! - reading granularity changes nothing: the input decoded through reads
//!   of 1–7 bytes equals the input decoded in one go, through both
//!   `decode_into` (the chunker's path) and `BufRead` (the parsers' path);
//! - a fixed encoding decodes exactly as `encoding_rs` decodes the whole
//!   input at once;
//! - text that is plainly UTF-8 (valid, no BOM, no NUL) comes out unchanged.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::io::{BufRead, Read};
use tizim::source::decode::{encoding_for_label, sniff, Sniffed, TextDecoder, SNIFF_LEN};

const FORCED: [Option<&str>; 8] = [
    None,
    None,
    None,
    None,
    Some("windows-1251"),
    Some("utf-16le"),
    Some("utf-16be"),
    Some("koi8-r"),
];

/// Hands out at most `step` bytes per read, like a pipe or a slow disk.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn decode_with(data: &[u8], how: Sniffed, step: usize) -> String {
    let mut dec = TextDecoder::new(Trickle { data, step }, how, Some(data.len() as u64));
    let mut out = String::new();
    while dec.decode_into(&mut out).expect("in-memory read") {}
    out
}

fn decode_bufread(data: &[u8], how: Sniffed, step: usize) -> String {
    let mut dec = TextDecoder::new(Trickle { data, step }, how, None);
    let mut out = String::new();
    loop {
        let buf = dec.fill_buf().expect("in-memory read");
        if buf.is_empty() {
            break;
        }
        let s = std::str::from_utf8(buf).expect("TextDecoder hands out UTF-8");
        out.push_str(s);
        let n = buf.len();
        dec.consume(n);
    }
    out
}

fuzz_target!(init: tizim_fuzz::warm_up(), |data: &[u8]| {
    let forced =
        FORCED[data.len() % FORCED.len()].map(|l| encoding_for_label(l).expect("known label"));
    let how = sniff(&data[..data.len().min(SNIFF_LEN)], forced);
    if how == Sniffed::Binary {
        return;
    }
    let whole = decode_with(data, how, usize::MAX);
    let step = 1 + data.first().map_or(0, |b| usize::from(b % 7));
    assert_eq!(
        whole,
        decode_with(data, how, step),
        "decode_into depends on read sizes ({how:?}, step {step})"
    );
    assert_eq!(
        whole,
        decode_bufread(data, how, step),
        "BufRead differs from decode_into ({how:?}, step {step})"
    );

    match how {
        Sniffed::Fixed { encoding, bom_len } => {
            let (reference, _) = encoding.decode_without_bom_handling(&data[bom_len..]);
            assert_eq!(
                whole,
                reference,
                "{} decodes differently from encoding_rs",
                encoding.name()
            );
        }
        Sniffed::Auto { bom_len } => {
            if let Ok(text) = std::str::from_utf8(&data[bom_len..]) {
                assert_eq!(whole, text, "valid UTF-8 did not come out unchanged");
            }
        }
        Sniffed::Binary => unreachable!(),
    }
});
