//! Spreadsheets through `calamine`: every sheet, its header row found, each
//! value sent with the field `Sheet.Header` and the row number as its line.
//!
//! # How a sheet reaches the detectors
//!
//! Rows are written out as text, one row a line, cells separated by a tab,
//! and sent as [`CellBatch`]es with each cell marked: the detectors scan a
//! batch once, and every match takes its cell's field, as in a CSV. The
//! line of a finding is the row number in the sheet (`Сотрудники`, row 7 is
//! line 7); its column counts characters in that written-out row.
//!
//! Values are written as a person reads them in the sheet, not as stored:
//! an integral number exactly (`850315300128`, not `8.50315E+11`), a date
//! as `YYYY-MM-DD`, and an ИИН/БИН typed as a number, which lost its
//! leading zero (`50722600456`), padded back to 12 digits.
//!
//! `.xlsx`, `.xlsm` and `.xlsb` sheets are streamed cell by cell (calamine's
//! cells readers), so a million-row sheet is never held whole; `.xls` and
//! `.ods` sheets are read whole by calamine, one sheet at a time.

use super::extent;
use super::table::is_header_row;
use super::{Ctx, Flow, Node, Package, SourceSink};
use crate::detect::fields::category_for_name;
use crate::model::{Category, ScanError};
use crate::source::guard;
use crate::source::structured::{presentable_name, Cell, CellBatch};
use calamine::{Data, DataRef, Reader};
use std::io::{self, Read, Seek};

/// Rows looked at for the header before the first is sent.
const HEADER_SCAN_ROWS: usize = 32;
/// Text gathered before a batch is sent (as the structured parsers do).
const BATCH_TEXT: usize = 32 << 10;
/// Empty rows written as empty lines; a longer gap starts a new batch.
const MAX_BLANK_LINES: u32 = 64;
/// Cells held while looking for the header: a row can be 16,384 wide.
const HEADER_SCAN_CELLS: usize = 64 << 10;

/// One cell's value, written out.
#[derive(Debug, Clone, PartialEq)]
struct Value {
    /// 0-based column.
    col: u32,
    text: String,
    /// Typed as a number: an identifier in it may have lost leading zeros.
    number: bool,
}

/// Writes one sheet's rows as cell batches.
struct SheetWriter<'s> {
    sheet: String,
    sink: &'s mut dyn SourceSink,
    /// Rows held until the header is settled: (1-based row, values).
    pending: Vec<(u32, Vec<Value>)>,
    pending_cells: usize,
    /// Header name per column, once settled (empty: no header).
    header: Option<Vec<Option<String>>>,
    /// Field index and named category per column, filled as columns appear.
    columns: Vec<Option<(u32, Option<Category>)>>,
    fields: Vec<String>,
    text: String,
    cells: Vec<Cell>,
    first_line: u64,
    /// Line of the last row written into `text`.
    line: u64,
}

impl<'s> SheetWriter<'s> {
    fn new(sheet_index: usize, sheet: &str, sink: &'s mut dyn SourceSink) -> Self {
        let sheet = presentable_name(sheet)
            .map(str::to_string)
            .unwrap_or_else(|| format!("#{}", sheet_index + 1));
        SheetWriter {
            sheet,
            sink,
            pending: Vec::new(),
            pending_cells: 0,
            header: None,
            columns: Vec::new(),
            fields: Vec::new(),
            text: String::new(),
            cells: Vec::new(),
            first_line: 1,
            line: 0,
        }
    }

    /// A row of values, sorted by column. Rows come in ascending order.
    fn row(&mut self, row: u32, values: Vec<Value>) {
        if values.is_empty() {
            return;
        }
        if self.header.is_some() {
            self.write_row(row, &values);
            return;
        }
        self.pending_cells += values.len();
        self.pending.push((row, values));
        if self.pending.len() >= HEADER_SCAN_ROWS || self.pending_cells >= HEADER_SCAN_CELLS {
            self.settle_header();
        }
    }

    /// The header is the first mostly-text row (a title above it is only a
    /// row); rows before it are sent with numbered columns.
    fn settle_header(&mut self) {
        let widest = self.pending.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
        let min_labels = if widest <= 1 { 1 } else { 2 };
        let found = self.pending.iter().position(|(_, values)| {
            values.iter().all(|v| !v.number)
                && is_header_row(values.iter().map(|v| v.text.as_str()), min_labels)
                // A lone label heads a one-column sheet only if it names data.
                && (min_labels > 1 || values.iter().any(|v| category_for_name(&v.text).is_some()))
        });
        let pending = std::mem::take(&mut self.pending);
        self.header = Some(Vec::new());
        for (i, (row, values)) in pending.into_iter().enumerate() {
            if Some(i) == found {
                let mut names = Vec::new();
                for v in &values {
                    let col = v.col as usize;
                    if names.len() <= col {
                        names.resize(col + 1, None);
                    }
                    names[col] =
                        presentable_name(&v.text).map(|n| n.replace(['\t', '\n', '\r'], " "));
                }
                for name in names.iter().flatten() {
                    self.sink
                        .field(&format!("{}.{name}", self.sheet), u64::from(row));
                }
                // The header row itself is text like any other.
                self.write_row(row, &values);
                self.header = Some(names);
                self.columns.clear();
            } else {
                self.write_row(row, &values);
            }
        }
    }

    /// The field index and named category of column `col`.
    fn column(&mut self, col: u32) -> (u32, Option<Category>) {
        let i = col as usize;
        if self.columns.len() <= i {
            self.columns.resize(i + 1, None);
        }
        if let Some(known) = self.columns[i] {
            return known;
        }
        let name = self
            .header
            .as_ref()
            .and_then(|h| h.get(i).cloned().flatten())
            .unwrap_or_else(|| format!("#{}", i + 1));
        let field = format!("{}.{name}", self.sheet);
        let category = category_for_name(&field);
        let index = self.fields.len() as u32;
        self.fields.push(field);
        self.columns[i] = Some((index, category));
        (index, category)
    }

    fn write_row(&mut self, row: u32, values: &[Value]) {
        let row_line = u64::from(row);
        if self.text.is_empty() {
            self.first_line = row_line;
        } else {
            let gap = row_line.saturating_sub(self.line);
            if gap == 0 || gap > u64::from(MAX_BLANK_LINES) {
                self.flush();
                self.first_line = row_line;
            } else {
                (0..gap).for_each(|_| self.text.push('\n'));
            }
        }
        self.line = row_line;
        for (k, v) in values.iter().enumerate() {
            if k > 0 {
                self.text.push('\t');
            }
            let (field, category) = self.column(v.col);
            let start = self.text.len();
            if v.number && matches!(category, Some(Category::Iin | Category::Bin)) {
                push_padded_identifier(&mut self.text, &v.text);
            } else {
                // Line breaks inside a cell would shift the rows' lines.
                self.text.extend(v.text.chars().map(|c| {
                    if matches!(c, '\n' | '\r' | '\t') {
                        ' '
                    } else {
                        c
                    }
                }));
            }
            self.cells.push(Cell {
                range: start..self.text.len(),
                field,
                line: row_line,
                decoded: None,
            });
        }
        if self.text.len() >= BATCH_TEXT {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.text.is_empty() {
            return;
        }
        self.sink.cells(&CellBatch {
            text: &self.text,
            first_line: self.first_line,
            first_column: 1,
            fields: &self.fields,
            cells: &self.cells,
            decoded: "",
        });
        self.text.clear();
        self.cells.clear();
    }

    fn finish(mut self) {
        if self.header.is_none() {
            self.settle_header();
        }
        self.flush();
    }
}

/// An ИИН/БИН stored as a number: 850315300128 keeps its 12 digits, but
/// 050722600456 becomes 50722600456, and one born in January 2000
/// (000126…) loses three zeros. Such a number in a column named for
/// identifiers is padded back to 12; the checksum still decides.
fn push_padded_identifier(out: &mut String, digits: &str) {
    if (9..12).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
        (digits.len()..12).for_each(|_| out.push('0'));
    }
    out.push_str(digits);
}

/// Writes a number as typed: integral values exactly, never in exponent form.
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e17 {
        format!("{}", f as i64)
    } else {
        // Rust's `Display` for f64 is the shortest exact form, no exponent.
        format!("{f}")
    }
}

/// A date as `YYYY-MM-DD`, with the time when there is one.
fn date_text(d: &calamine::ExcelDateTime) -> String {
    if d.is_duration() {
        return number_text(d.as_f64());
    }
    let (y, mo, day, h, mi, s, _) = d.to_ymd_hms_milli();
    if (h, mi, s) == (0, 0, 0) {
        format!("{y:04}-{mo:02}-{day:02}")
    } else {
        format!("{y:04}-{mo:02}-{day:02} {h:02}:{mi:02}:{s:02}")
    }
}

/// A cell value as text, or `None` for empty and error cells.
fn value_of(col: u32, data: &DataRef<'_>) -> Option<Value> {
    let (text, number) = match data {
        DataRef::Empty | DataRef::Error(_) => return None,
        DataRef::String(s) => (s.clone(), false),
        DataRef::SharedString(s) => (s.to_string(), false),
        DataRef::Int(i) => (i.to_string(), true),
        DataRef::Float(f) => (number_text(*f), true),
        DataRef::Bool(b) => ((if *b { "TRUE" } else { "FALSE" }).to_string(), false),
        DataRef::DateTime(d) => (date_text(d), false),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => (s.clone(), false),
    };
    if text.trim().is_empty() {
        return None;
    }
    Some(Value { col, text, number })
}

fn data_value(col: u32, data: &Data) -> Option<Value> {
    let as_ref = match data {
        Data::Int(i) => DataRef::Int(*i),
        Data::Float(f) => DataRef::Float(*f),
        Data::String(s) => DataRef::SharedString(s),
        Data::Bool(b) => DataRef::Bool(*b),
        Data::DateTime(d) => DataRef::DateTime(*d),
        Data::DateTimeIso(s) => DataRef::SharedString(s),
        Data::DurationIso(s) => DataRef::SharedString(s),
        Data::Error(_) | Data::Empty => return None,
    };
    value_of(col, &as_ref)
}

/// Feeds cells arriving in row order to a writer, a row at a time.
struct RowGatherer {
    row: Option<u32>,
    values: Vec<Value>,
}

impl RowGatherer {
    fn new() -> Self {
        RowGatherer {
            row: None,
            values: Vec::new(),
        }
    }

    fn push(&mut self, writer: &mut SheetWriter<'_>, row: u32, value: Option<Value>) {
        if self.row != Some(row) {
            self.end_row(writer);
            self.row = Some(row);
        }
        if let Some(v) = value {
            self.values.push(v);
        }
    }

    fn end_row(&mut self, writer: &mut SheetWriter<'_>) {
        if let Some(row) = self.row.take() {
            let mut values = std::mem::take(&mut self.values);
            values.sort_by_key(|v| v.col);
            writer.row(row + 1, values);
        }
    }
}

/// Reads an office zip package holding a workbook.
pub(super) fn scan_package<R: Read + Seek>(
    mut zip: zip::ZipArchive<R>,
    kind: Package,
    node: &Node,
    ctx: &Ctx,
    sink: &mut dyn SourceSink,
) -> Flow {
    // calamine inflates members itself, beyond the reach of the decompression
    // budget; so every member it may read is inflated once here first, under
    // the budget, and a bomb stops here (deflate runs many times faster than
    // the XML parsing that follows, see BENCHMARKS.md).
    for index in 0..zip.len() {
        let Ok(member) = zip.by_index(index) else {
            continue;
        };
        let name = member.name().to_string();
        if member.is_dir() || name.contains("/media/") || name.starts_with("Thumbnails/") {
            continue;
        }
        let compressed = member.compressed_size();
        let mut limited = io::BufReader::new(super::Limited::new(
            member,
            &ctx.budget,
            super::CompressedSize::Known(compressed),
        ));
        // calamine loads `.ods` sheets whole: their extent is counted first.
        let cells = if kind == Package::Ods && name == "content.xml" {
            extent::ods_cells(&mut limited, extent::MAX_WHOLE_WORKBOOK_CELLS)
        } else {
            0
        };
        if let Err(e) = io::copy(&mut limited, &mut io::sink()) {
            super::report_member(ctx, node, &name, e, sink);
            return Flow::Done;
        }
        if cells > extent::MAX_WHOLE_WORKBOOK_CELLS {
            return too_large(node, cells, sink);
        }
    }
    let mut reader = zip.into_inner();
    if let Err(e) = reader.rewind() {
        return ctx.report(e, &node.display, sink);
    }
    sink.begin(&node.meta());
    let read = guard::contain(|| match kind {
        Package::Xlsx => match calamine::Xlsx::new(reader) {
            Ok(mut book) => {
                for (i, name) in book.sheet_names().into_iter().enumerate() {
                    let result = match book.worksheet_cells_reader(&name) {
                        Ok(mut cells) => stream_sheet(i, &name, sink, || cells.next_cell()),
                        Err(e) => Err(e.to_string()),
                    };
                    sheet_error(result, node, i, &name, sink);
                }
            }
            Err(e) => open_error(node, "xlsx", e, sink),
        },
        Package::Xlsb => match calamine::Xlsb::new(reader) {
            Ok(mut book) => {
                for (i, name) in book.sheet_names().into_iter().enumerate() {
                    let result = match book.worksheet_cells_reader(&name) {
                        Ok(mut cells) => stream_sheet(i, &name, sink, || cells.next_cell()),
                        Err(e) => Err(e.to_string()),
                    };
                    sheet_error(result, node, i, &name, sink);
                }
            }
            Err(e) => open_error(node, "xlsb", e, sink),
        },
        _ => match calamine::Ods::new(reader) {
            Ok(mut book) => read_whole_sheets(&mut book, node, sink),
            Err(e) => open_error(node, "ods", e, sink),
        },
    });
    if read.is_err() {
        reader_failed(node, sink);
    }
    sink.end();
    Flow::Done
}

/// Reads an OLE compound file as `.xls`; `None` when it holds no workbook.
pub(super) fn scan_xls<R: Read + Seek>(
    mut reader: R,
    node: &Node,
    sink: &mut dyn SourceSink,
) -> Option<Flow> {
    // calamine's compound-file reader follows a sector chain that loops
    // back on itself for ever, growing a buffer until the process is killed
    // (13 KB did it: `cfb`'s fuzzed `loop_in_open_2`, met in a scan of
    // `~/.cargo/registry/src`). The `cfb` crate checks chains for loops:
    // it opens the container first, and a broken one is an error of this
    // file, not the end of the scan.
    // The same pass counts the cells calamine would allocate.
    let checked = cfb::CompoundFile::open(&mut reader)
        .and_then(|mut file| extent::xls_cells(&mut file))
        .and_then(|cells| Ok((cells, reader.seek(io::SeekFrom::Start(0))?)));
    match checked {
        Err(e) => {
            sink.begin(&node.meta());
            open_error(node, "xls", e, sink);
            sink.end();
            return Some(Flow::Done);
        }
        Ok((cells, _)) if cells > extent::MAX_WHOLE_WORKBOOK_CELLS => {
            return Some(too_large(node, cells, sink));
        }
        Ok(_) => {}
    }
    let begun = std::cell::Cell::new(false);
    let read = guard::contain(|| {
        let mut book = match calamine::Xls::new(reader) {
            Ok(book) => book,
            // A `.doc`, `.ppt` or `.msg`: the same container, not a workbook.
            Err(e) if e.to_string().contains("Cannot find Workbook stream") => return None,
            Err(e) => {
                sink.begin(&node.meta());
                open_error(node, "xls", e, sink);
                sink.end();
                return Some(Flow::Done);
            }
        };
        sink.begin(&node.meta());
        begun.set(true);
        read_whole_sheets(&mut book, node, sink);
        sink.end();
        Some(Flow::Done)
    });
    read.unwrap_or_else(|guard::Panicked| {
        if !begun.get() {
            sink.begin(&node.meta());
        }
        reader_failed(node, sink);
        sink.end();
        Some(Flow::Done)
    })
}

/// calamine panicked on a malformed workbook (see [`guard`]): an error of
/// this file; sheets read before it were scanned.
fn reader_failed(node: &Node, sink: &mut dyn SourceSink) {
    sink.error(ScanError {
        path: node.display.clone(),
        message: "malformed workbook: the spreadsheet reader failed on it; \
                  sheets read before were scanned"
            .to_string(),
    });
}

/// Streams one sheet from a calamine cells reader.
fn stream_sheet<'a, E: std::fmt::Display>(
    index: usize,
    name: &str,
    sink: &mut dyn SourceSink,
    mut next: impl FnMut() -> Result<Option<calamine::Cell<DataRef<'a>>>, E>,
) -> Result<(), String> {
    let mut writer = SheetWriter::new(index, name, sink);
    let mut rows = RowGatherer::new();
    let result = loop {
        match next() {
            Ok(Some(cell)) => {
                let (row, col) = cell.get_position();
                rows.push(&mut writer, row, value_of(col, cell.get_value()));
            }
            Ok(None) => break Ok(()),
            Err(e) => break Err(e.to_string()),
        }
    };
    // What was read before an error is still scanned.
    rows.end_row(&mut writer);
    writer.finish();
    result
}

/// Reads every sheet of a workbook calamine loads whole (`.xls`, `.ods`).
fn read_whole_sheets<R: Read + Seek, B: Reader<R>>(
    book: &mut B,
    node: &Node,
    sink: &mut dyn SourceSink,
) where
    B::Error: std::fmt::Display,
{
    for (i, name) in book.sheet_names().into_iter().enumerate() {
        let result = match book.worksheet_range(&name) {
            Ok(range) => {
                let (row0, col0) = range.start().unwrap_or((0, 0));
                let mut writer = SheetWriter::new(i, &name, sink);
                let mut rows = RowGatherer::new();
                for (r, c, data) in range.used_cells() {
                    let (row, col) = (row0 + r as u32, col0 + c as u32);
                    rows.push(&mut writer, row, data_value(col, data));
                }
                rows.end_row(&mut writer);
                writer.finish();
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        };
        sheet_error(result, node, i, &name, sink);
    }
}

fn sheet_error(
    result: Result<(), String>,
    node: &Node,
    index: usize,
    name: &str,
    sink: &mut dyn SourceSink,
) {
    if let Err(message) = result {
        let sheet = presentable_name(name)
            .map(str::to_string)
            .unwrap_or_else(|| format!("#{}", index + 1));
        sink.error(ScanError {
            path: node.display.clone(),
            message: format!("sheet {sheet}: {message}; the rows before were scanned"),
        });
    }
}

/// A workbook calamine would load into more memory than tizim allows (see
/// [`extent`]): an error of this file, nothing of it read.
fn too_large(node: &Node, cells: u64, sink: &mut dyn SourceSink) -> Flow {
    sink.begin(&node.meta());
    sink.error(ScanError {
        path: node.display.clone(),
        message: format!(
            "workbook not read: its sheets span at least {cells} cells, more than the {} \
             tizim lets the spreadsheet reader hold at once (.xls and .ods sheets are \
             loaded whole)",
            extent::MAX_WHOLE_WORKBOOK_CELLS
        ),
    });
    sink.end();
    Flow::Done
}

fn open_error(node: &Node, what: &str, e: impl std::fmt::Display, sink: &mut dyn SourceSink) {
    sink.error(ScanError {
        path: node.display.clone(),
        message: format!("not a readable {what} workbook: {e}"),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::structured::testing::Recorder;

    fn v(col: u32, text: &str, number: bool) -> Value {
        Value {
            col,
            text: text.into(),
            number,
        }
    }

    #[test]
    fn numbers_are_written_exactly() {
        assert_eq!(number_text(850315300128.0), "850315300128");
        assert_eq!(number_text(50722600456.0), "50722600456");
        assert_eq!(number_text(12.5), "12.5");
        assert_eq!(number_text(-3.0), "-3");
        assert_eq!(number_text(1e20), "100000000000000000000");
    }

    #[test]
    fn the_header_is_the_first_mostly_text_row_and_names_the_columns() {
        let mut r = Recorder::default();
        let mut w = SheetWriter::new(0, "Сотрудники", &mut r);
        w.row(1, vec![v(0, "Список сотрудников", false)]);
        w.row(
            3,
            vec![
                v(0, "ФИО", false),
                v(1, "ИИН", false),
                v(2, "Дата рождения", false),
            ],
        );
        w.row(
            4,
            vec![
                v(0, "Иванов Иван", false),
                v(1, "50722600456", true),
                v(2, "2005-07-22", false),
            ],
        );
        w.row(5, vec![v(1, "850315300128", false)]);
        w.finish();
        let iin = r.value("050722600456");
        assert_eq!(
            (iin.field.as_deref(), iin.line, iin.column),
            (Some("Сотрудники.ИИН"), 4, 13)
        );
        assert_eq!(
            r.value("2005-07-22").field.as_deref(),
            Some("Сотрудники.Дата рождения")
        );
        assert_eq!(r.value("850315300128").line, 5);
        assert_eq!(
            r.value("Список сотрудников").field.as_deref(),
            Some("Сотрудники.#1")
        );
        assert_eq!(
            r.fields,
            [
                ("Сотрудники.ФИО".to_string(), 3),
                ("Сотрудники.ИИН".to_string(), 3),
                ("Сотрудники.Дата рождения".to_string(), 3)
            ]
        );
    }

    #[test]
    fn only_identifier_columns_are_padded() {
        let mut r = Recorder::default();
        let mut w = SheetWriter::new(0, "S", &mut r);
        w.row(1, vec![v(0, "ИИН", false), v(1, "Сумма", false)]);
        w.row(
            2,
            vec![v(0, "50722600456", true), v(1, "50722600456", true)],
        );
        w.row(3, vec![v(0, "50722600456", false)]);
        w.row(4, vec![v(0, "126672973", true)]);
        w.row(5, vec![v(0, "12345678", true)]);
        w.finish();
        let texts: Vec<_> = r.values.iter().map(|v| v.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "ИИН",
                "Сумма",
                "050722600456",
                "50722600456",
                "50722600456",
                "000126672973",
                "12345678"
            ]
        );
    }

    #[test]
    fn a_long_gap_between_rows_starts_a_new_batch_with_the_right_line() {
        let mut r = Recorder::default();
        let mut w = SheetWriter::new(0, "S", &mut r);
        w.row(2, vec![v(0, "a@b.kz", false)]);
        w.row(1_000_000, vec![v(0, "c@d.kz", false)]);
        w.finish();
        assert_eq!(r.value("a@b.kz").line, 2);
        assert_eq!(r.value("c@d.kz").line, 1_000_000);
        assert_eq!(r.value("c@d.kz").field.as_deref(), Some("S.#1"));
        assert_eq!(r.batches, 2);
    }
}
