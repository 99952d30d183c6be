//! Format sniffing by magic bytes, stream decompressors, and the limits that
//! stop decompression bombs.

use crate::model::SkipReason;
use std::cell::Cell;
use std::fmt;
use std::io::{self, Read};
use std::rc::Rc;

/// What the first bytes of a stream say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Gzip,
    Bzip2,
    Xz,
    Zstd,
    Zip,
    Tar,
    /// Anything else: decoded as text (or found binary).
    Other,
}

impl Format {
    pub fn is_compression(self) -> bool {
        matches!(
            self,
            Format::Gzip | Format::Bzip2 | Format::Xz | Format::Zstd
        )
    }

    /// Bytes of head that [`Format::detect`] needs to see: the tar magic sits at 257.
    pub const HEAD_LEN: usize = 512;

    /// Detects by magic bytes. `name` only helps with pre-POSIX tars, which
    /// have no magic but a valid header checksum.
    pub fn detect(head: &[u8], name: &str) -> Format {
        if head.starts_with(&[0x1f, 0x8b]) {
            Format::Gzip
        } else if head.starts_with(b"BZh") && head.get(3).is_some_and(|b| (b'1'..=b'9').contains(b))
        {
            Format::Bzip2
        } else if head.starts_with(&[0xFD, b'7', b'z', b'X', b'Z', 0x00]) {
            Format::Xz
        } else if head.starts_with(&[0x28, 0xB5, 0x2F, 0xFD]) {
            Format::Zstd
        } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
            Format::Zip
        } else if (head.len() >= 262 && &head[257..262] == b"ustar")
            || (name.to_ascii_lowercase().ends_with(".tar") && tar_checksum_ok(head))
        {
            Format::Tar
        } else {
            Format::Other
        }
    }
}

/// A v7 tar header's checksum: the byte sum of the header with the checksum
/// field read as spaces, stored as octal at 148..156. Hand-written because
/// the `tar` crate only checks it while iterating, not for sniffing.
fn tar_checksum_ok(head: &[u8]) -> bool {
    let Some(header) = head.get(..512) else {
        return false;
    };
    let field = &header[148..156];
    let digits: String = field
        .iter()
        .take_while(|&&b| b != 0 && b != b' ')
        .skip_while(|&&b| b == b' ')
        .map(|&b| b as char)
        .collect();
    let Ok(stored) = u32::from_str_radix(digits.trim(), 8) else {
        return false;
    };
    let sum: u32 = header
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(b)
            }
        })
        .sum();
    sum == stored && header[0] != 0
}

/// The name with a compression suffix dropped, so `dump.sql.gz` is parsed as
/// SQL and `logs.tgz` as a tar.
pub fn inner_name(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    for (suffix, replacement) in [
        (".tgz", ".tar"),
        (".tbz2", ".tar"),
        (".tbz", ".tar"),
        (".txz", ".tar"),
        (".tzst", ".tar"),
        (".gz", ""),
        (".bz2", ""),
        (".xz", ""),
        (".zst", ""),
        (".zstd", ""),
    ] {
        if lower.ends_with(suffix) {
            return format!("{}{replacement}", &name[..name.len() - suffix.len()]);
        }
    }
    name.to_string()
}

/// Wraps `input` in the decompressor for `format`. Multi-member gzip and
/// multi-stream bzip2/xz (what `cat a.gz b.gz` and parallel compressors make)
/// are read to the end.
pub fn decompressor<'a>(
    format: Format,
    input: Box<dyn Read + 'a>,
) -> io::Result<Box<dyn Read + 'a>> {
    Ok(match format {
        Format::Gzip => Box::new(flate2::read::MultiGzDecoder::new(input)),
        Format::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(input)),
        Format::Xz => Box::new(xz2::read::XzDecoder::new_multi_decoder(input)),
        Format::Zstd => Box::new(zstd::stream::read::Decoder::new(input)?),
        _ => return Err(io::Error::other("not a compression format")),
    })
}

/// Below this many output bytes the ratio is not judged: tiny files of
/// repeated characters compress far beyond any sane ratio and are harmless.
pub const RATIO_FLOOR: u64 = 8 << 20;

/// Members of one file that may be cut off as bombs before the whole file
/// is given up.
pub const MAX_BOMBS: u32 = 3;

/// Decompression allowance of one top-level file, shared by all its nested
/// streams and members.
pub struct Budget {
    /// On-disk size of the top-level file.
    pub file_size: u64,
    pub max_total: u64,
    pub max_ratio: u64,
    total: Cell<u64>,
    /// Output of members cut off as bombs by their own ratio: it no longer
    /// counts against the whole file's ratio, so the members after a bomb
    /// are still read. (It still counts against `max_total`.)
    discounted: Cell<u64>,
    /// Members cut off as bombs so far; at [`MAX_BOMBS`] the whole file is
    /// given up, so an archive of many bombs costs a few, not `max_total`.
    bombs: Cell<u32>,
    exhausted: Cell<Option<SkipReason>>,
}

impl Budget {
    pub fn new(file_size: u64, max_total: u64, max_ratio: u64) -> Self {
        Budget {
            file_size,
            max_total,
            max_ratio,
            total: Cell::new(0),
            discounted: Cell::new(0),
            bombs: Cell::new(0),
            exhausted: Cell::new(None),
        }
    }

    /// Set once the whole file's allowance is used up: outer archives stop
    /// opening members.
    pub fn exhausted(&self) -> Option<SkipReason> {
        self.exhausted.get()
    }
}

/// The error a [`Limited`] reader returns when a limit is hit; the layer
/// that sees it reports a notice with `reason` instead of an error.
#[derive(Debug, Clone)]
pub struct LimitHit {
    pub reason: SkipReason,
    pub message: String,
}

impl fmt::Display for LimitHit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LimitHit {}

impl LimitHit {
    /// The limit behind `err`, if it is one.
    pub fn find(err: &io::Error) -> Option<&LimitHit> {
        let mut source: Option<&(dyn std::error::Error + 'static)> = err.get_ref().map(|e| e as _);
        while let Some(e) = source {
            if let Some(hit) = e.downcast_ref::<LimitHit>() {
                return Some(hit);
            }
            source = e.source();
        }
        None
    }
}

/// Counts the bytes that pass through (the compressed side of a stream).
pub struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R> Counting<R> {
    pub fn new(inner: R) -> (Self, Rc<Cell<u64>>) {
        let count = Rc::new(Cell::new(0));
        (
            Counting {
                inner,
                count: count.clone(),
            },
            count,
        )
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Where the compressed size of a stream comes from.
pub enum CompressedSize {
    /// Counted as the decompressor reads it.
    Counted(Rc<Cell<u64>>),
    /// Declared by the archive (zip central directory; the zip reader never
    /// reads past it).
    Known(u64),
}

/// The decompressed side of a stream, cut off at the size and ratio limits.
pub struct Limited<'b, R> {
    inner: R,
    budget: &'b Budget,
    compressed: CompressedSize,
    out: u64,
    tripped: bool,
}

impl<'b, R> Limited<'b, R> {
    pub fn new(inner: R, budget: &'b Budget, compressed: CompressedSize) -> Self {
        Limited {
            inner,
            budget,
            compressed,
            out: 0,
            tripped: false,
        }
    }

    /// The limit hit, if any, and whether it is the whole file's (which
    /// stops every other stream of the file too).
    fn check(&self) -> Option<(LimitHit, bool)> {
        let b = self.budget;
        let total = b.total.get();
        if total > b.max_total {
            return Some((LimitHit {
                reason: SkipReason::SizeLimit,
                message: format!(
                    "decompressed size limit ({}) reached; the rest is not scanned (raise it with --max-decompressed)",
                    human_size(b.max_total)
                ),
            }, true));
        }
        let compressed = match &self.compressed {
            CompressedSize::Counted(c) => c.get(),
            CompressedSize::Known(n) => *n,
        };
        let over = |out: u64, input: u64| out > RATIO_FLOOR && out / input.max(1) > b.max_ratio;
        let this_stream = over(self.out, compressed);
        if this_stream {
            b.discounted.set(b.discounted.get() + self.out);
            b.bombs.set(b.bombs.get() + 1);
        }
        let whole_file = b.bombs.get() >= MAX_BOMBS
            || !this_stream && over(total - b.discounted.get(), b.file_size);
        if whole_file || this_stream {
            return Some((LimitHit {
                reason: SkipReason::RatioLimit,
                message: format!(
                    "compression ratio above {}:1, likely a decompression bomb; the rest is not scanned (raise it with --max-ratio)",
                    b.max_ratio
                ),
            }, whole_file));
        }
        None
    }
}

impl<R: Read> Read for Limited<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.tripped {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        self.out += n as u64;
        self.budget.total.set(self.budget.total.get() + n as u64);
        if let Some((hit, whole_file)) = self.check() {
            self.tripped = true;
            if whole_file {
                self.budget.exhausted.set(Some(hit.reason));
            }
            // Bytes over the limit are dropped, not scanned: the limit is exact.
            return Err(io::Error::other(hit));
        }
        Ok(n)
    }
}

/// `4 GiB`, `512 MiB`: for messages.
pub fn human_size(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if value.fract() == 0.0 {
        format!("{value} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_beats_extension() {
        assert_eq!(
            Format::detect(&[0x1f, 0x8b, 8, 0], "notes.txt"),
            Format::Gzip
        );
        assert_eq!(Format::detect(b"hello", "x.gz"), Format::Other);
        assert_eq!(Format::detect(b"PK\x03\x04rest", "data.bin"), Format::Zip);
        assert_eq!(Format::detect(b"BZh9", "a"), Format::Bzip2);
        assert_eq!(Format::detect(b"BZhello", "a"), Format::Other);
    }

    #[test]
    fn v7_tar_needs_name_and_checksum() {
        let mut header = tar::Header::new_old();
        header.set_path("a.txt").unwrap();
        header.set_size(0);
        header.set_cksum();
        let bytes = header.as_bytes();
        assert_eq!(Format::detect(bytes, "old.tar"), Format::Tar);
        assert_eq!(Format::detect(bytes, "old.bin"), Format::Other);
        let mut broken = *bytes;
        broken[0] ^= 1;
        assert_eq!(Format::detect(&broken, "old.tar"), Format::Other);
    }

    #[test]
    fn inner_names() {
        assert_eq!(inner_name("dump.sql.gz"), "dump.sql");
        assert_eq!(inner_name("logs.TGZ"), "logs.tar");
        assert_eq!(inner_name("a.log"), "a.log");
    }

    #[test]
    fn ratio_limit_trips_after_floor() {
        let budget = Budget::new(1000, u64::MAX, 100);
        let data = vec![b'a'; (RATIO_FLOOR + 1024) as usize];
        let mut r = Limited::new(&data[..], &budget, CompressedSize::Known(1000));
        let err = io::copy(&mut r, &mut io::sink()).unwrap_err();
        assert_eq!(LimitHit::find(&err).unwrap().reason, SkipReason::RatioLimit);
        // The stream is the bomb: other members of the file are still read.
        assert_eq!(budget.exhausted(), None);
    }

    #[test]
    fn a_bomb_member_does_not_spend_the_file_but_a_few_do() {
        let budget = Budget::new(1000, u64::MAX, 100);
        let bomb = vec![b'a'; (RATIO_FLOOR + 1024) as usize];
        for n in 1..=MAX_BOMBS {
            let mut r = Limited::new(&bomb[..], &budget, CompressedSize::Known(1000));
            assert!(io::copy(&mut r, &mut io::sink()).is_err());
            let expected = (n == MAX_BOMBS).then_some(SkipReason::RatioLimit);
            assert_eq!(budget.exhausted(), expected, "after {n} bombs");
        }
    }

    #[test]
    fn many_small_members_trip_the_file_ratio() {
        // Each member alone is under the floor; together they are a bomb.
        let budget = Budget::new(1000, u64::MAX, 100);
        let member = vec![b'a'; 1 << 20];
        let mut tripped = None;
        for i in 0..16 {
            let mut r = Limited::new(&member[..], &budget, CompressedSize::Known(10));
            if io::copy(&mut r, &mut io::sink()).is_err() {
                tripped = Some(i);
                break;
            }
        }
        assert_eq!(tripped, Some(8), "the ninth MiB passes the 8 MiB floor");
        assert_eq!(budget.exhausted(), Some(SkipReason::RatioLimit));
    }
}
