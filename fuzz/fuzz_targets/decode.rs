//! Encoding detection and decoding (BOMs, UTF-16 without BOM, cp1251,
//! binary detection, `--encoding` overrides), through `source::read_file`.
//!
//! Oracle: text that is plainly UTF-8 (valid, no BOM, no control characters
//! but tab/CR/LF) must come out byte for byte as it went in, tiled exactly
//! once by the segments, with the right line numbers.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tizim::source::{read_file, SourceOptions};
use tizim_fuzz::{scratch_file, CheckingSink, Tiling};

const FORCED: [Option<&str>; 8] = [
    None,
    None,
    None,
    None,
    Some("windows-1251"),
    Some("utf-16le"),
    Some("utf-16be"),
    Some("no-such-encoding"),
];

fn plainly_utf8(data: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(data).ok()?;
    let clean = !text.starts_with('\u{feff}')
        && text
            .chars()
            .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'));
    clean.then_some(text)
}

fuzz_target!(|data: &[u8]| {
    let name = "fuzz.txt";
    let encoding = FORCED[data.len() % FORCED.len()];
    let path = scratch_file(name, data);
    let opts = SourceOptions {
        encoding: encoding.map(str::to_string),
        structured: false,
        ..SourceOptions::default()
    };
    let mut sink = CheckingSink::new(name);
    if encoding.is_none() {
        if let Some(text) = plainly_utf8(data) {
            sink.tiling = Some(Tiling::new(text.to_string(), 1));
        }
    }
    read_file(&path, name, &opts, &mut sink);
    sink.finish();
});
