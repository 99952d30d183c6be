//! CSV and TSV: delimiter sniffing (`,` `;` tab `|`), header detection in
//! Russian, Kazakh and English, and quoted fields with embedded newlines
//! and delimiters.
//!
//! Parsing is `csv_core`'s (the `csv` crate's own parser), driven one field
//! at a time: `read_field` reports how many *input* bytes each field took,
//! which gives every value its raw byte range, and so its physical line and
//! column. The `csv` crate's record readers only hand out unescaped copies.

use super::{fall_back, presentable_name, Batch, Window, MAX_TOKEN};
use crate::detect::fields::category_for_name;
use crate::source::SourceSink;
use csv_core::{ReadFieldResult, ReaderBuilder, Terminator};
use std::io::{self, BufRead};
use std::ops::Range;

const DELIMITERS: [u8; 4] = [b'\t', b';', b',', b'|'];

/// The delimiter that splits the sample's lines into the same number of
/// fields most consistently (quotes respected), preferring more fields.
fn sniff_delimiter(sample: &str, complete: bool) -> u8 {
    let mut lines: Vec<&str> = sample.lines().filter(|l| !l.trim().is_empty()).collect();
    if !complete && lines.len() > 1 {
        lines.pop();
    }
    lines.truncate(50);
    let mut best = (0usize, 0usize, b',');
    for d in DELIMITERS {
        let mut counts = Vec::with_capacity(lines.len());
        let mut quoted = false;
        let mut count = 0;
        for line in &lines {
            for b in line.bytes() {
                if b == b'"' {
                    quoted = !quoted;
                } else if b == d && !quoted {
                    count += 1;
                }
            }
            if !quoted {
                counts.push(count);
                count = 0;
            }
        }
        let Some(&first) = counts.first() else {
            continue;
        };
        if first == 0 {
            continue;
        }
        let agreeing = counts.iter().filter(|&&c| c == first).count();
        // Rows that agree with the first matter most, then how many fields.
        let score = (agreeing * 100 / counts.len(), first);
        if score > (best.0, best.1) {
            best = (score.0, score.1, d);
        }
    }
    best.2
}

/// Splits one line on `d`, quotes respected, quotes removed.
fn split_line(line: &str, d: u8) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    for c in line.trim_end_matches('\r').chars() {
        if c == '"' {
            quoted = !quoted;
        } else if c as u32 == u32::from(d) && !quoted {
            fields.push(String::new());
        } else if let Some(last) = fields.last_mut() {
            last.push(c);
        }
    }
    fields
}

/// Content a header cell cannot have: an e-mail, a number, digits enough
/// to be an identifier.
pub(crate) fn looks_like_data(field: &str) -> bool {
    let f = field.trim();
    f.contains('@')
        || f.bytes().filter(u8::is_ascii_digit).count() >= 5
        || f.replace(',', ".").parse::<f64>().is_ok()
}

pub(crate) fn label_like(field: &str) -> bool {
    let f = field.trim();
    !f.is_empty() && f.chars().count() <= 64 && f.chars().next().is_some_and(char::is_alphabetic)
}

/// Whether the first row names the columns rather than holding data:
/// it names personal data (`ФИО`, `E-mail`, `iin`), or it is all labels
/// where the next row has numbers.
fn is_header(first: &[&str], second: Option<&[&str]>) -> bool {
    if first.iter().any(|f| looks_like_data(f)) {
        return false;
    }
    if first.iter().any(|f| category_for_name(f).is_some()) {
        return true;
    }
    if !first.iter().all(|f| label_like(f)) {
        return false;
    }
    match second {
        None => true,
        Some(second) => second.iter().zip(first).any(|(value, label)| {
            let digit = |s: &str| s.bytes().any(|b| b.is_ascii_digit());
            (digit(value) && !digit(label)) || (value.trim().is_empty() != label.trim().is_empty())
        }),
    }
}

/// Whether text without a telling extension is a delimited table: a header
/// row of labels over a row of the same width, and either the header names
/// personal data (`ФИО;ИИН;Телефон`) or the first lines all agree on the
/// separator (`Код|Клиент|Контакт` over rows of four fields).
/// `complete`: `head` is all of the input (else its last line may be cut).
pub(super) fn looks_like_csv(head: &str, complete: bool) -> bool {
    let mut lines: Vec<&str> = head.lines().filter(|l| !l.trim().is_empty()).collect();
    if !complete && lines.len() > 1 {
        lines.pop();
    }
    let (Some(first), Some(second)) = (lines.first(), lines.get(1)) else {
        return false;
    };
    // Most text files' first line is no row of labels under any separator
    // (`# Title`, `Copyright (c) 2015, …`): said before the sample is sniffed.
    if !DELIMITERS.iter().any(|&d| {
        let h = split_line(first, d);
        h.len() >= 2 && h.iter().all(|f| label_like(f))
    }) {
        return false;
    }
    let d = sniff_delimiter(head, complete);
    let (h, r) = (split_line(first, d), split_line(second, d));
    let h: Vec<&str> = h.iter().map(String::as_str).collect();
    let r: Vec<&str> = r.iter().map(String::as_str).collect();
    if h.len() < 2 || h.len() != r.len() || !h.iter().all(|f| label_like(f)) {
        return false;
    }
    let names_data = h.iter().any(|f| category_for_name(f).is_some());
    // Without such a name, more rows must agree: lines of prose with a
    // comma each are not a table.
    const AGREEING_ROWS: usize = 3;
    // Commas are common in prose, so a comma table needs three columns.
    let consistent = || {
        (d != b',' || h.len() >= 3)
            && lines.len() > AGREEING_ROWS
            && lines
                .iter()
                .take(20)
                .all(|l| split_line(l, d).len() == h.len())
    };
    is_header(&h, Some(&r)) && (names_data || consistent())
}

/// A field's value in `buf`, from the raw bytes its parse consumed.
fn content(buf: &[u8], raw: Range<usize>, record_end: bool, delimiter: u8) -> Range<usize> {
    let (mut s, mut e) = (raw.start, raw.end);
    while s < e && matches!(buf[s], b'\r' | b'\n') {
        s += 1;
    }
    if record_end {
        while e > s && matches!(buf[e - 1], b'\r' | b'\n') {
            e -= 1;
        }
    } else if e > s && buf[e - 1] == delimiter {
        e -= 1;
    }
    if e >= s + 2 && buf[s] == b'"' && buf[e - 1] == b'"' {
        s += 1;
        e -= 1;
    }
    s..e
}

struct Field {
    range: Range<usize>,
    line: u64,
}

/// Splits the line `buf[line]` into `fields` (values without their quotes)
/// when that needs no real CSV parser: no quote, or quotes that open a
/// field and close it on the same line, with `""` inside. Anything else
/// (a quoted field running onto the next line, a stray quote) returns
/// `false` and is left to csv_core. Hand-written because this is where
/// nearly all rows go, and a per-field call into csv_core costs more than
/// the detectors spend on the same bytes.
fn split_line_fast(
    buf: &[u8],
    line: Range<usize>,
    delimiter: u8,
    line_no: u64,
    fields: &mut Vec<Field>,
) -> bool {
    if line.is_empty() {
        return true;
    }
    let mut at = line.start;
    loop {
        if buf.get(at) == Some(&b'"') && at < line.end {
            // Quoted: find the closing quote, stepping over `""`.
            let mut i = at + 1;
            let close = loop {
                match memchr::memchr(b'"', &buf[i..line.end]) {
                    None => return false,
                    Some(off) if buf.get(i + off + 1) == Some(&b'"') && i + off + 1 < line.end => {
                        i += off + 2
                    }
                    Some(off) => break i + off,
                }
            };
            fields.push(Field {
                range: at + 1..close,
                line: line_no,
            });
            match close + 1 {
                next if next == line.end => return true,
                next if buf[next] == delimiter => at = next + 1,
                _ => return false,
            }
        } else {
            let end = memchr::memchr(delimiter, &buf[at..line.end]).map_or(line.end, |i| at + i);
            if memchr::memchr(b'"', &buf[at..end]).is_some() {
                return false;
            }
            fields.push(Field {
                range: at..end,
                line: line_no,
            });
            if end == line.end {
                return true;
            }
            at = end + 1;
        }
        if at == line.end {
            // A trailing delimiter: one more, empty field.
            fields.push(Field {
                range: at..at,
                line: line_no,
            });
            return true;
        }
    }
}

struct Record {
    start: usize,
    fields: Vec<Field>,
}

pub(super) fn scan(reader: &mut dyn BufRead, sink: &mut dyn SourceSink) -> io::Result<()> {
    let mut win = Window::new(reader);
    win.fill_to(64 << 10)?;
    if win.buf.starts_with("\u{feff}".as_bytes()) {
        win.buf.drain(..3);
    }
    let mut batch = Batch::default();
    // Excel's `sep=;` line names the delimiter and is not a row.
    let mut delimiter = None;
    if win.buf.len() >= 5 && win.buf[..4].eq_ignore_ascii_case(b"sep=") {
        let d = win.buf[4];
        let rest = &win.buf[5..];
        if DELIMITERS.contains(&d) && (rest.starts_with(b"\n") || rest.starts_with(b"\r\n")) {
            delimiter = Some(d);
            let n = 5 + if rest[0] == b'\r' { 2 } else { 1 };
            batch.flush(&mut win, n, sink);
        }
    }
    let delimiter = delimiter.unwrap_or_else(|| {
        let sample = String::from_utf8_lossy(&win.buf);
        sniff_delimiter(&sample, win.eof)
    });
    let mut parser = Parser {
        csv: ReaderBuilder::new()
            .delimiter(delimiter)
            .terminator(Terminator::CRLF)
            .build(),
        delimiter,
        pos: 0,
        line: win.line,
        cursor: 0,
        columns: None,
        indexes: Vec::new(),
        generation: u64::MAX,
        pending: Vec::new(),
        first_line: win.line,
    };
    match parser.run(&mut win, &mut batch, sink)? {
        None => Ok(()),
        Some((at, what)) => fall_back(win, &mut batch, at, sink, &what),
    }
}

struct Parser {
    csv: csv_core::Reader,
    delimiter: u8,
    /// Input consumed up to here, in `win.buf`.
    pos: usize,
    /// Physical line of `buf[cursor]`.
    line: u64,
    cursor: usize,
    /// Field names, once the first rows have been seen.
    columns: Option<Vec<String>>,
    /// Batch-local field index per column, valid for `generation`.
    indexes: Vec<Option<u32>>,
    generation: u64,
    /// The first rows, held until the header question is settled.
    pending: Vec<Record>,
    first_line: u64,
}

impl Parser {
    /// Reads records to the end. `Some((offset, reason))` when the input
    /// stopped making sense at `win.buf[offset]`.
    fn run(
        &mut self,
        win: &mut Window<'_>,
        batch: &mut Batch,
        sink: &mut dyn SourceSink,
    ) -> io::Result<Option<(usize, String)>> {
        let mut scratch = vec![0u8; 64 << 10];
        let mut record = Record {
            start: 0,
            fields: Vec::new(),
        };
        let mut field_start = 0;
        loop {
            if self.pos == record.start && self.pos < win.buf.len() {
                // A whole line whose quotes, if any, only wrap single-line
                // fields (the usual row) is split here with memchr;
                // csv_core, waiting at a record start, never sees it.
                let rest = &win.buf[self.pos..];
                let line_end = match memchr::memchr(b'\n', rest) {
                    Some(i) => Some(self.pos + i),
                    None if win.eof => Some(win.buf.len()),
                    None => None,
                };
                if let Some(line_end) = line_end {
                    let line = self.line_at(self.pos, &win.buf);
                    let mut end = line_end;
                    if end > self.pos && win.buf[end - 1] == b'\r' {
                        end -= 1;
                    }
                    let simple = split_line_fast(
                        &win.buf,
                        self.pos..end,
                        self.delimiter,
                        line,
                        &mut record.fields,
                    );
                    if simple {
                        self.pos = (line_end + 1).min(win.buf.len());
                        if line_end < win.buf.len() {
                            self.line += 1;
                        }
                        self.cursor = self.pos;
                        if !record.fields.is_empty() {
                            if let Some(stop) = self.end_record(&mut record, win, batch, sink) {
                                return Ok(Some(stop));
                            }
                        }
                        record.start = self.pos;
                        field_start = self.pos;
                        continue;
                    }
                    record.fields.clear();
                }
            }
            if self.pos == win.buf.len() && !win.eof {
                if self.pos - record.start > MAX_TOKEN {
                    let line = win.position(record.start).0;
                    return Ok(Some((
                        record.start,
                        format!(
                            "a CSV record from line {line} runs past {} MiB (an unbalanced quote?)",
                            MAX_TOKEN >> 20
                        ),
                    )));
                }
                if self.pending.is_empty() && record.start > 0 {
                    self.flush(
                        record.start,
                        win,
                        batch,
                        sink,
                        &mut record,
                        &mut field_start,
                    );
                }
                win.fill()?;
                continue;
            }
            // At the end of input the slice is empty, which tells csv_core so.
            let (result, nin, _) = self.csv.read_field(&win.buf[self.pos..], &mut scratch);
            self.pos += nin;
            match result {
                ReadFieldResult::InputEmpty | ReadFieldResult::OutputFull => {}
                ReadFieldResult::Field { record_end } => {
                    let range =
                        content(&win.buf, field_start..self.pos, record_end, self.delimiter);
                    let line = self.line_at(range.start, &win.buf);
                    record.fields.push(Field { range, line });
                    field_start = self.pos;
                    if record_end {
                        if let Some(stop) = self.end_record(&mut record, win, batch, sink) {
                            return Ok(Some(stop));
                        }
                        record.start = self.pos;
                    }
                }
                ReadFieldResult::End => return Ok(self.finish(win, batch, sink)),
            }
        }
    }

    /// Physical line of `buf[at]`; `at` never goes backwards, so every byte
    /// is counted once.
    fn line_at(&mut self, at: usize, buf: &[u8]) -> u64 {
        if at > self.cursor {
            self.line += crate::position::count_newlines(&buf[self.cursor..at]);
            self.cursor = at;
        }
        self.line
    }

    /// Sends `buf[..n]` (whole records only) and shifts offsets.
    fn flush(
        &mut self,
        n: usize,
        win: &mut Window<'_>,
        batch: &mut Batch,
        sink: &mut dyn SourceSink,
        record: &mut Record,
        field_start: &mut usize,
    ) {
        self.line_at(n, &win.buf);
        batch.flush(win, n, sink);
        self.pos -= n;
        self.cursor -= n;
        record.start -= n;
        *field_start -= n;
        for f in &mut record.fields {
            f.range = f.range.start - n..f.range.end - n;
        }
    }

    /// A record is complete: settle the header, check its width, emit it.
    fn end_record(
        &mut self,
        record: &mut Record,
        win: &mut Window<'_>,
        batch: &mut Batch,
        sink: &mut dyn SourceSink,
    ) -> Option<(usize, String)> {
        if self.columns.is_none() {
            self.pending.push(Record {
                start: record.start,
                fields: std::mem::take(&mut record.fields),
            });
            if self.pending.len() < 2 {
                return None;
            }
            return self.settle_header(win, batch, sink);
        }
        // The record's field list is reused for the next one.
        let stop = self.emit(record, batch);
        record.fields.clear();
        stop
    }

    /// Input is over: settle the header if one row was all there was, and
    /// send the rest.
    fn finish(
        &mut self,
        win: &mut Window<'_>,
        batch: &mut Batch,
        sink: &mut dyn SourceSink,
    ) -> Option<(usize, String)> {
        if self.columns.is_none() && !self.pending.is_empty() {
            if let Some(stop) = self.settle_header(win, batch, sink) {
                return Some(stop);
            }
        }
        let end = win.buf.len();
        batch.flush(win, end, sink);
        None
    }

    fn settle_header(
        &mut self,
        win: &mut Window<'_>,
        batch: &mut Batch,
        sink: &mut dyn SourceSink,
    ) -> Option<(usize, String)> {
        let rows: Vec<Record> = std::mem::take(&mut self.pending);
        let text = |f: &Field| String::from_utf8_lossy(&win.buf[f.range.clone()]).into_owned();
        let first: Vec<String> = rows[0].fields.iter().map(text).collect();
        let second: Option<Vec<String>> = rows.get(1).map(|r| r.fields.iter().map(text).collect());
        let first_refs: Vec<&str> = first.iter().map(String::as_str).collect();
        let second_refs: Option<Vec<&str>> = second
            .as_ref()
            .map(|s| s.iter().map(String::as_str).collect());
        let header = is_header(&first_refs, second_refs.as_deref());
        let mut data = rows.into_iter();
        if header {
            let names: Vec<String> = first
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    presentable_name(&f.replace(['\r', '\n'], " "))
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("#{}", i + 1))
                })
                .collect();
            for name in &names {
                if !name.starts_with('#') {
                    sink.field(name, self.first_line);
                }
            }
            self.columns = Some(names);
            data.next();
        } else {
            let width = first.len();
            self.columns = Some((1..=width).map(|i| format!("#{i}")).collect());
        }
        for row in data {
            if let Some(stop) = self.emit(&row, batch) {
                return Some(stop);
            }
        }
        None
    }

    /// Turns a data row into cells, or stops at a ragged one.
    fn emit(&mut self, row: &Record, batch: &mut Batch) -> Option<(usize, String)> {
        let columns = self.columns.as_ref()?;
        if row.fields.len() != columns.len() {
            let line = row.fields.first().map_or(self.line, |f| f.line);
            let what = format!(
                "a CSV row on line {line} has {} fields where the table has {}",
                row.fields.len(),
                columns.len()
            );
            return Some((row.start, what));
        }
        if self.generation != batch.generation {
            self.indexes.clear();
            self.indexes.resize(columns.len(), None);
            self.generation = batch.generation;
        }
        for (i, f) in row.fields.iter().enumerate() {
            if f.range.is_empty() {
                continue;
            }
            let index = *self.indexes[i].get_or_insert_with(|| batch.field(&columns[i]));
            batch.push(f.range.clone(), index, f.line);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::Recorder;
    use super::super::StructuredKind;
    use super::*;

    fn run(input: &str) -> Recorder {
        Recorder::run(StructuredKind::Csv, input)
    }

    fn fast(line: &str) -> Option<Vec<&str>> {
        let mut fields = Vec::new();
        split_line_fast(line.as_bytes(), 0..line.len(), b';', 1, &mut fields)
            .then(|| fields.iter().map(|f| &line[f.range.clone()]).collect())
    }

    #[test]
    fn the_fast_splitter_takes_plain_and_simply_quoted_lines_only() {
        assert_eq!(fast("a;b;;c"), Some(vec!["a", "b", "", "c"]));
        assert_eq!(fast("a;b;"), Some(vec!["a", "b", ""]));
        assert_eq!(
            fast("\"x;y\";\"say \"\"hi\"\"\";z"),
            Some(vec!["x;y", "say \"\"hi\"\"", "z"])
        );
        assert_eq!(fast("\"\";a"), Some(vec!["", "a"]));
        assert_eq!(fast(""), Some(vec![]));
        // Left to csv_core: a field running onto the next line, stray quotes.
        assert_eq!(fast("a;\"open"), None);
        assert_eq!(fast("a\"b;c"), None);
        assert_eq!(fast("\"a\"b;c"), None);
    }

    #[test]
    fn delimiter_is_sniffed() {
        assert_eq!(sniff_delimiter("a;b;c\n1;2;3\n", true), b';');
        assert_eq!(sniff_delimiter("a\tb\n1\t2\n", true), b'\t');
        assert_eq!(sniff_delimiter("a,b\n\"x;y\",2\n", true), b',');
        assert_eq!(sniff_delimiter("a|b|c\n1|2|3\n", true), b'|');
        assert_eq!(sniff_delimiter("name,note\nIvan,\"a; b; c\"\n", true), b',');
        assert_eq!(sniff_delimiter("just text\n", true), b',');
    }

    #[test]
    fn russian_header_names_the_fields() {
        let r = run(
            "ФИО;ИИН;Телефон;E-mail\r\nИванов Иван;850315300128;+7 701 234 56 78;ivan@mail.kz\r\n",
        );
        assert_eq!(
            r.pairs(),
            [
                ("ФИО", "Иванов Иван"),
                ("ИИН", "850315300128"),
                ("Телефон", "+7 701 234 56 78"),
                ("E-mail", "ivan@mail.kz"),
            ]
            .map(|(a, b)| (a.to_string(), b.to_string()))
        );
        assert_eq!(r.value("ivan@mail.kz").line, 2);
        assert_eq!(r.value("ivan@mail.kz").column, 43);
        assert_eq!(r.fields.len(), 4);
        assert!(r.fields.iter().all(|(_, line)| *line == 1));
        assert_eq!(r.fallbacks, 0);
    }

    #[test]
    fn quoted_fields_keep_delimiters_and_newlines_and_lines_stay_physical() {
        let r =
            run("name,note,email\n\"Иванов, Иван\",\"line one\nline two\",a@b.kz\n\nx,y,c@d.kz\n");
        assert_eq!(r.value("Иванов, Иван").line, 2);
        assert_eq!(r.value("line one\nline two").line, 2);
        assert_eq!(r.value("a@b.kz").line, 3);
        assert_eq!(r.value("a@b.kz").column, 11);
        assert_eq!(r.value("c@d.kz").line, 5);
        assert_eq!(r.value("c@d.kz").field.as_deref(), Some("email"));
    }

    #[test]
    fn without_a_header_columns_are_numbered() {
        let r = run("850315300128,ivan@mail.kz\n050722600456,olga@mail.kz\n");
        assert_eq!(r.value("ivan@mail.kz").field.as_deref(), Some("#2"));
        assert_eq!(r.value("050722600456").field.as_deref(), Some("#1"));
        assert!(r.fields.is_empty());
    }

    #[test]
    fn a_ragged_row_falls_back_to_plain_text_without_losing_it() {
        let r = run("iin;email\n850315300128;a@b.kz\nbroken row c@d.kz\n050722600456;e@f.kz\n");
        assert_eq!(r.fallbacks, 1);
        assert_eq!(r.notices[0].line, Some(3));
        assert_eq!(r.value("a@b.kz").field.as_deref(), Some("email"));
        assert!(r.plain.contains("broken row c@d.kz\n050722600456;e@f.kz"));
    }

    #[test]
    fn an_unbalanced_quote_falls_back_at_its_row() {
        let r = run("iin,email\n850315300128,a@b.kz\n\"050722600456,c@d.kz\n111,e@f.kz\n");
        assert_eq!(r.fallbacks, 1);
        assert_eq!(r.notices[0].line, Some(3));
        assert!(r.plain.contains("c@d.kz") && r.plain.contains("e@f.kz"));
    }

    #[test]
    fn quoted_rows_across_read_chunks_keep_their_fields() {
        let mut s = String::from("id;note;email\n");
        for i in 0..3000 {
            s.push_str(&format!("{i};\"заказ №{i}; доставка\";u{i}@mail.kz\n"));
        }
        let r = run(&s);
        assert_eq!(r.fallbacks, 0, "{:?}", r.notices);
        assert_eq!(r.values.len(), 9000);
        let v = r.value("u2999@mail.kz");
        assert_eq!((v.field.as_deref(), v.line), (Some("email"), 3001));
        assert_eq!(
            r.value("заказ №1234; доставка").field.as_deref(),
            Some("note")
        );
    }

    #[test]
    fn long_files_are_batched_with_physical_lines() {
        let mut s = String::from("id\tphone\n");
        for i in 0..5000 {
            s.push_str(&format!("{i}\t+7701{i:07}\n"));
        }
        let r = run(&s);
        assert!(r.batches > 1, "{}", r.batches);
        assert_eq!(r.values.len(), 10_000);
        assert_eq!(r.value("+77010004321").line, 4323);
        assert_eq!(r.value("+77010004321").column, 6);
    }
}
