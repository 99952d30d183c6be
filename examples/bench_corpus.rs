//! Writes the benchmark corpus: a deterministic mixed tree of about 150 MB
//! (application logs, rotated .gz logs, SQL dumps, CSV exports, a .tar.gz
//! backup and many small files) with valid IINs, phones, e-mails, cards and
//! IBANs planted at realistic densities.
//!
//! `cargo run --release --example bench_corpus -- DIR [--big-file SIZE_MIB]`
//!
//! With `--big-file`, writes only `DIR/big.log`, one log of that size, for
//! the bounded-memory measurement.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// xorshift64*: deterministic, dependency-free, good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// A valid IIN: birth date, century/sex digit, serial, mod-11 check digit.
fn iin(rng: &mut Rng) -> String {
    loop {
        let yy = rng.below(100);
        let mm = 1 + rng.below(12);
        let dd = 1 + rng.below(28);
        let century = if yy < 10 {
            5 + rng.below(2)
        } else {
            3 + rng.below(2)
        };
        let body = format!("{yy:02}{mm:02}{dd:02}{century}{}", rng.digits(4));
        let d: Vec<u32> = body.bytes().map(|b| u32::from(b - b'0')).collect();
        let weighted = |w: &[u32]| d.iter().zip(w).map(|(a, b)| a * b).sum::<u32>() % 11;
        let mut check = weighted(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        if check == 10 {
            check = weighted(&[3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]);
        }
        if check < 10 {
            return format!("{body}{check}");
        }
    }
}

fn luhn_card(rng: &mut Rng) -> String {
    let prefix = rng.pick(&["4", "51", "52", "55"]);
    let mut body = format!("{prefix}{}", rng.digits(15 - prefix.len()));
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let v = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = v * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                v
            }
        })
        .sum();
    body.push(char::from(b'0' + ((10 - sum % 10) % 10) as u8));
    body
}

/// A Kazakh IBAN: KZ, two check digits, 3-digit bank code, 13 characters.
fn iban(rng: &mut Rng) -> String {
    let bban = format!(
        "{}{}",
        rng.pick(&["722", "601", "998", "856"]),
        rng.digits(13)
    );
    let numeric: String = format!("{bban}KZ00")
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                c.to_string()
            } else {
                (c as u32 - 'A' as u32 + 10).to_string()
            }
        })
        .collect();
    let rem = numeric
        .bytes()
        .fold(0u32, |acc, b| (acc * 10 + u32::from(b - b'0')) % 97);
    format!("KZ{:02}{bban}", 98 - rem)
}

fn phone(rng: &mut Rng) -> String {
    let op = rng.pick(&["701", "702", "705", "707", "747", "771", "775", "778"]);
    let n = rng.digits(7);
    match rng.below(3) {
        0 => format!("+7 {op} {} {} {}", &n[..3], &n[3..5], &n[5..]),
        1 => format!("8{op}{n}"),
        _ => format!("+7({op}){}-{}-{}", &n[..3], &n[3..5], &n[5..]),
    }
}

const FIRST: &[&str] = &[
    "aidar", "aigerim", "nurlan", "dana", "yerlan", "saule", "timur", "asel",
];
const LAST: &[&str] = &[
    "akhmetov",
    "bekova",
    "nurpeisov",
    "zhumabayeva",
    "iskakov",
    "ospanova",
];
const DOMAINS: &[&str] = &["mail.kz", "gmail.com", "example.kz", "bank.kz", "yandex.ru"];

fn email(rng: &mut Rng) -> String {
    format!(
        "{}.{}{}@{}",
        rng.pick(FIRST),
        rng.pick(LAST),
        rng.below(100),
        rng.pick(DOMAINS)
    )
}

/// One application log line; about one in eight carries a value.
fn log_line(rng: &mut Rng, out: &mut String, n: u64) {
    let level = rng.pick(&["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"]);
    let ts = format!(
        "2024-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        1 + n % 12,
        1 + n % 28,
        rng.below(24),
        rng.below(60),
        rng.below(60),
        rng.below(1000)
    );
    let tail = match rng.below(64) {
        0..=2 => format!("user login ok email={}", email(rng)),
        3..=4 => format!("sms sent to {}", phone(rng)),
        5 => format!("client iin={} verified", iin(rng)),
        6 => format!("payment card={} approved", luhn_card(rng)),
        7 => format!("transfer to account {} queued", iban(rng)),
        _ => format!(
            "request id={} path=/api/v1/{} status={} took={}ms bytes={}",
            rng.digits(16),
            rng.pick(&["orders", "clients", "health", "catalog", "auth/refresh"]),
            rng.pick(&["200", "200", "201", "304", "404", "500"]),
            rng.below(900),
            rng.below(100_000)
        ),
    };
    out.push_str(&format!("{ts} {level} [worker-{}] {tail}\n", rng.below(16)));
}

fn log_text(rng: &mut Rng, bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + 256);
    let mut n = 0;
    while s.len() < bytes {
        log_line(rng, &mut s, n);
        n += 1;
    }
    s
}

fn sql_dump(rng: &mut Rng, bytes: usize) -> String {
    let mut s = String::from(
        "-- PostgreSQL database dump\nCREATE TABLE public.clients (\n    id bigint NOT NULL,\n    full_name text,\n    iin character varying(12),\n    phone text,\n    email text,\n    card_number text,\n    iban text,\n    created_at timestamp\n);\n\n",
    );
    let mut id = 1;
    while s.len() < bytes {
        s.push_str("INSERT INTO public.clients (id, full_name, iin, phone, email, card_number, iban, created_at) VALUES\n");
        for row in 0..200 {
            let sep = if row == 199 { ";" } else { "," };
            s.push_str(&format!(
                "({id}, '{} {}', '{}', '{}', '{}', '{}', '{}', '2023-0{}-1{} 10:00:00'){sep}\n",
                rng.pick(FIRST),
                rng.pick(LAST),
                iin(rng),
                phone(rng),
                email(rng),
                luhn_card(rng),
                iban(rng),
                1 + rng.below(9),
                rng.below(10)
            ));
            id += 1;
        }
    }
    s
}

fn csv_export(rng: &mut Rng, bytes: usize) -> String {
    let mut s = String::from("id,name,iin,phone,email,city,balance\n");
    let mut id = 1;
    while s.len() < bytes {
        s.push_str(&format!(
            "{id},{} {},{},{},{},{},{}.{:02}\n",
            rng.pick(FIRST),
            rng.pick(LAST),
            iin(rng),
            phone(rng),
            email(rng),
            rng.pick(&["Almaty", "Astana", "Shymkent", "Karaganda"]),
            rng.below(1_000_000),
            rng.below(100)
        ));
        id += 1;
    }
    s
}

fn gz(text: &str) -> io::Result<Vec<u8>> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    e.write_all(text.as_bytes())?;
    e.finish()
}

fn put(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, bytes)
}

fn mixed(dir: &Path) -> io::Result<()> {
    let mut rng = Rng(0x7121_4A5E_0BEE_F00D);
    const MB: usize = 1 << 20;
    for i in 0..40 {
        put(
            &dir.join(format!("var/log/app/app-{i:02}.log")),
            log_text(&mut rng, 3 * MB / 2).as_bytes(),
        )?;
    }
    for i in 1..=10 {
        put(
            &dir.join(format!("var/log/app/app.log.{i}.gz")),
            &gz(&log_text(&mut rng, 2 * MB))?,
        )?;
    }
    for i in 0..5 {
        put(
            &dir.join(format!("backups/db-{i}.sql")),
            sql_dump(&mut rng, 8 * MB).as_bytes(),
        )?;
    }
    for i in 0..10 {
        put(
            &dir.join(format!("home/exports/clients-{i}.csv")),
            csv_export(&mut rng, 2 * MB).as_bytes(),
        )?;
    }
    let mut tar = tar::Builder::new(Vec::new());
    for i in 0..5 {
        let text = log_text(&mut rng, 2 * MB);
        let mut h = tar::Header::new_gnu();
        h.set_size(text.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(1_700_000_000 + i);
        tar.append_data(&mut h, format!("old/app-{i}.log"), text.as_bytes())?;
    }
    let tar_bytes = tar.into_inner()?;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    e.write_all(&tar_bytes)?;
    put(&dir.join("backups/logs-2023.tar.gz"), &e.finish()?)?;
    for i in 0..2000 {
        let text = log_text(&mut rng, 2 * 1024);
        put(
            &dir.join(format!("srv/app/notes/{:02}/note-{i:04}.txt", i % 50)),
            text.as_bytes(),
        )?;
    }
    Ok(())
}

fn big_file(dir: &Path, mib: usize) -> io::Result<()> {
    let mut rng = Rng(0xB16F_11E5);
    fs::create_dir_all(dir)?;
    let mut out = BufWriter::new(File::create(dir.join("big.log"))?);
    // One 16 MiB block of log text repeated with a varying prefix line: fast
    // to write, and the scanner cannot tell.
    let block = log_text(&mut rng, 16 << 20);
    let mut written = 0usize;
    let mut n = 0;
    while written < mib << 20 {
        let head = format!("# block {n}\n");
        out.write_all(head.as_bytes())?;
        out.write_all(block.as_bytes())?;
        written += head.len() + block.len();
        n += 1;
    }
    out.flush()
}

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: bench_corpus DIR [--big-file SIZE_MIB]");
        std::process::exit(2);
    };
    match args.get(1).map(String::as_str) {
        Some("--big-file") => {
            let mib = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2048);
            big_file(Path::new(dir), mib)
        }
        _ => mixed(Path::new(dir)),
    }
}
