//! What structured parsing costs next to plain-text scanning of the same
//! bytes (issue 4: at most 2×).
//!
//! For each format, the same generated input (about 4 MiB) is scanned three
//! ways, all in memory so that disk and decoding stay out of it:
//! - `plain`: `source::text::scan_plain`, the path `--no-structure` takes
//!   (the streaming chunker feeding the detection stage);
//! - `structured`: `structured::scan` into the same detection stage
//!   (tokenizing, batching, field attribution, value-level name/date checks);
//! - `structured_no_names`: the same, with the name column renamed so that
//!   no value-level name check runs: the structured run otherwise reports a
//!   person's name per row, findings the plain run cannot make, and each
//!   finding costs a fingerprint;
//! - `parse_only`: `structured::scan` into a sink that drops everything, the
//!   parser's own cost.
//!
//! `cargo bench --bench structured`; the ratio is structured ÷ plain for a
//! format. Throughput is reported in input bytes.

use divan::counter::BytesCount;
use divan::{black_box, Bencher};
use std::fmt::Write as _;
use tizim::detect::{Engine, FingerprintKey};
use tizim::model::{FileMeta, Notice, ScanError, Segment, SkipReason};
use tizim::scan::FileScanner;
use tizim::source::structured::{self, CellBatch, StructuredKind};
use tizim::source::{text, SourceSink};

fn main() {
    divan::main();
}

const TARGET: usize = 4 << 20;
const FORMATS: [&str; 5] = ["mysqldump", "pg_copy", "csv", "ndjson", "json_one_line"];

fn iin(i: usize) -> String {
    // Checksum-valid IINs: vary the serial until the first pass is not 10.
    let mut serial = i % 10_000;
    loop {
        let body = format!(
            "{:02}{:02}{:02}3{:04}",
            50 + i % 50,
            1 + i % 12,
            1 + i % 28,
            serial
        );
        let d: Vec<u32> = body.bytes().map(|b| u32::from(b - b'0')).collect();
        let s: u32 = d.iter().zip(1..).map(|(x, w)| x * w).sum::<u32>() % 11;
        if s != 10 {
            return format!("{body}{s}");
        }
        serial = (serial + 1) % 10_000;
    }
}

fn row(i: usize) -> [String; 6] {
    let names = [
        "Иванов Иван",
        "Ахметова Айгерим",
        "Ким Ольга",
        "Нурланов Ерлан",
    ];
    [
        i.to_string(),
        names[i % names.len()].to_string(),
        iin(i),
        format!(
            "+7 70{} {:03} {:02} {:02}",
            i % 8,
            i % 1000,
            i % 100,
            (i / 7) % 100
        ),
        format!("user{i}@mail.kz"),
        format!("заказ №{i}, доставка до 18:00"),
    ]
}

fn generate(format: &str) -> String {
    let mut s = String::with_capacity(TARGET + 4096);
    match format {
        "mysqldump" => {
            s.push_str("-- MySQL dump 10.13\nCREATE TABLE `clients` (\n  `id` int,\n  `fio` varchar(255),\n  `iin` char(12),\n  `phone` varchar(20),\n  `email` varchar(255),\n  `note` text\n);\n");
            let mut i = 0;
            while s.len() < TARGET {
                s.push_str("INSERT INTO `clients` VALUES ");
                for j in 0..2000 {
                    let r = row(i);
                    i += 1;
                    if j > 0 {
                        s.push(',');
                    }
                    let _ = write!(
                        s,
                        "({},'{}','{}','{}','{}','{}')",
                        r[0], r[1], r[2], r[3], r[4], r[5]
                    );
                }
                s.push_str(";\n");
            }
        }
        "pg_copy" => {
            s.push_str("COPY public.clients (id, fio, iin, phone, email, note) FROM stdin;\n");
            let mut i = 0;
            while s.len() < TARGET {
                s.push_str(&row(i).join("\t"));
                s.push('\n');
                i += 1;
            }
            s.push_str("\\.\n");
        }
        "csv" => {
            s.push_str("id;ФИО;ИИН;Телефон;E-mail;Примечание\n");
            let mut i = 0;
            while s.len() < TARGET {
                let mut r = row(i);
                r[5] = format!("\"{}\"", r[5]);
                s.push_str(&r.join(";"));
                s.push('\n');
                i += 1;
            }
        }
        "ndjson" | "json_one_line" => {
            let one_line = format == "json_one_line";
            if one_line {
                s.push('[');
            }
            let mut i = 0;
            while s.len() < TARGET {
                let r = row(i);
                if one_line && i > 0 {
                    s.push(',');
                }
                let _ = write!(
                    s,
                    "{{\"id\":{},\"user\":{{\"fio\":\"{}\",\"iin\":\"{}\",\"contacts\":{{\"phone\":\"{}\",\"email\":\"{}\"}}}},\"note\":\"{}\"}}",
                    r[0], r[1], r[2], r[3], r[4], r[5]
                );
                if !one_line {
                    s.push('\n');
                }
                i += 1;
            }
            if one_line {
                s.push(']');
            }
        }
        _ => unreachable!(),
    }
    s
}

fn kind(format: &str) -> StructuredKind {
    match format {
        "mysqldump" | "pg_copy" => StructuredKind::Sql,
        "csv" => StructuredKind::Csv,
        _ => StructuredKind::Json,
    }
}

fn meta() -> FileMeta {
    FileMeta {
        path: "bench".into(),
        modified: None,
    }
}

#[divan::bench(args = FORMATS)]
fn plain(bencher: Bencher, format: &str) {
    let text = generate(format);
    let engine = Engine::builtin().unwrap();
    let fp = FingerprintKey::default();
    bencher
        .counter(BytesCount::new(text.len()))
        .bench_local(|| {
            let mut scanner = FileScanner::new(&engine, &fp, false);
            scanner.begin(&meta());
            text::scan_plain(&mut text.as_bytes(), 1, &mut scanner).unwrap();
            scanner.end();
            black_box(scanner.finish())
        });
}

#[divan::bench(args = FORMATS)]
fn structured(bencher: Bencher, format: &str) {
    let text = generate(format);
    let engine = Engine::builtin().unwrap();
    let fp = FingerprintKey::default();
    bencher
        .counter(BytesCount::new(text.len()))
        .bench_local(|| {
            let mut scanner = FileScanner::new(&engine, &fp, false);
            scanner.begin(&meta());
            structured::scan(kind(format), &mut text.as_bytes(), &mut scanner).unwrap();
            scanner.end();
            black_box(scanner.finish())
        });
}

#[divan::bench(args = FORMATS)]
fn structured_no_names(bencher: Bencher, format: &str) {
    let text = generate(format)
        .replace("`fio`", "`title`")
        .replace("(id, fio,", "(id, title,")
        .replace(";ФИО;", ";Title;")
        .replace("\"fio\":", "\"title\":");
    let engine = Engine::builtin().unwrap();
    let fp = FingerprintKey::default();
    bencher
        .counter(BytesCount::new(text.len()))
        .bench_local(|| {
            let mut scanner = FileScanner::new(&engine, &fp, false);
            scanner.begin(&meta());
            structured::scan(kind(format), &mut text.as_bytes(), &mut scanner).unwrap();
            scanner.end();
            let (findings, summary) = scanner.finish();
            assert!(findings.iter().all(|f| f.category.id() != "person_name"));
            black_box((findings, summary))
        });
}

/// Counts what it is given and drops it.
#[derive(Default)]
struct Discard {
    cells: usize,
    bytes: usize,
}

impl SourceSink for Discard {
    fn begin(&mut self, _: &FileMeta) {}
    fn segment(&mut self, seg: &Segment<'_>) {
        self.bytes += seg.text.len();
    }
    fn cells(&mut self, batch: &CellBatch<'_>) {
        self.cells += batch.cells.len();
        self.bytes += batch.text.len();
    }
    fn field(&mut self, _: &str, _: u64) {}
    fn notice(&mut self, _: Notice) {}
    fn error(&mut self, _: ScanError) {}
    fn skipped(&mut self, _: &str, _: SkipReason) {}
    fn end(&mut self) {}
}

#[divan::bench(args = FORMATS)]
fn parse_only(bencher: Bencher, format: &str) {
    let text = generate(format);
    bencher
        .counter(BytesCount::new(text.len()))
        .bench_local(|| {
            let mut sink = Discard::default();
            structured::scan(kind(format), &mut text.as_bytes(), &mut sink).unwrap();
            black_box((sink.cells, sink.bytes))
        });
}
