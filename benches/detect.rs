//! Detection engine throughput on generated mixed text (logs, dumps, CSV,
//! code; see fixtures/corpus), in 1 MiB segments as the plain-text source
//! hands them over.
//!
//! `cargo bench --bench detect` prints MB/s for:
//! - `engine_scan`: `Engine::scan` with the built-in detectors;
//! - `regex_union_reference`: the `regex` crate counting matches of a union
//!   of patterns for the same five kinds of value, as `rg -c -o` does: the
//!   yardstick of issue 3, measured in the same run;
//! - `newline_count_floor`: counting newlines with memchr, a floor for any
//!   pass over the bytes.

#[path = "../fixtures/corpus/mod.rs"]
mod corpus;

use divan::counter::BytesCount;
use divan::Bencher;
use std::sync::OnceLock;
use tizim::detect::Engine;
use tizim::model::{Match, Segment};

const SEGMENT: usize = 1 << 20;

/// A union of straightforward patterns for IIN/BIN, phone, e-mail, card and
/// IBAN: what a ripgrep user would write.
pub const UNION: &str = r"\b\d{12}\b|(?:\+7|\b8)[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}\b|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}|\b(?:\d[ -]?){13,19}\b|\bKZ\d{2}[0-9A-Z]{16}\b";

fn text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| corpus::mixed_text(42, 32 << 20))
}

/// Segment boundaries on char boundaries, about 1 MiB apart.
fn segments(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut s = 0;
    while s < text.len() {
        let mut e = (s + SEGMENT).min(text.len());
        while !text.is_char_boundary(e) {
            e += 1;
        }
        out.push(s..e);
        s = e;
    }
    out
}

fn main() {
    divan::main();
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn engine_scan(bencher: Bencher) {
    let engine = Engine::builtin().unwrap();
    let text = text();
    let segs = segments(text);
    let mut out: Vec<Match> = Vec::new();
    bencher
        .counter(BytesCount::new(text.len()))
        .bench_local(|| {
            let mut n = 0;
            for r in &segs {
                out.clear();
                // Each segment carries up to 256 bytes of the text before
                // it, as the plain-text chunker's overlap does.
                let mut from = r.start.saturating_sub(256);
                while !text.is_char_boundary(from) {
                    from -= 1;
                }
                let seg = Segment {
                    text: &text[from..r.end],
                    report: r.start - from..r.end - from,
                    first_line: 1,
                    first_column: 1,
                    field: None,
                };
                engine.scan(&seg, &mut out);
                n += out.len();
            }
            n
        });
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn regex_union_reference(bencher: Bencher) {
    let re = regex::Regex::new(UNION).unwrap();
    let text = text();
    bencher
        .counter(BytesCount::new(text.len()))
        .bench_local(|| re.find_iter(text).count());
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn newline_count_floor(bencher: Bencher) {
    let text = text();
    bencher
        .counter(BytesCount::new(text.len()))
        .bench_local(|| memchr::memchr_iter(b'\n', text.as_bytes()).count());
}
