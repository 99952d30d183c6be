//! How many cells calamine would hold for a workbook it loads whole.
//!
//! calamine streams `.xlsx` and `.xlsb` sheets, but loads `.xls` and `.ods`
//! sheets whole as dense [`calamine::Range`]s: one 32-byte value and one
//! 24-byte formula string for every cell of the rectangle between the first
//! and the last value, empty cells included. A few bytes can declare a vast
//! rectangle:
//!
//! - an `.xls` cell record at column 65,535 (the format's grid stops at 255)
//!   next to one at A1 asks for 4.3 billion cells, and the allocation failure
//!   aborts the process, which no `catch_unwind` can stop;
//! - an `.ods` cell repeated 16,384 columns wide costs ~900 KB of memory for
//!   ~100 bytes of XML, and rows repeat it a million times (calamine's own cap
//!   is 100 million cells, 5.6 GB).
//!
//! So the extent is counted first, from the records and the XML themselves,
//! the way calamine builds its ranges, and a workbook over
//! [`MAX_WHOLE_WORKBOOK_CELLS`] is an error of that file instead of the end
//! of the scan. No crate counts this; calamine offers no size limit.

use quick_xml::events::Event;
use std::io::{self, BufRead, Read, Seek};

/// Cells tizim lets calamine hold for one `.xls` or `.ods` workbook: at
/// 56 bytes a cell, at most ~450 MB. A real sheet of 65,536 rows × 128
/// columns fits.
pub(super) const MAX_WHOLE_WORKBOOK_CELLS: u64 = 8 << 20;

/// The cells calamine would allocate for every sheet of an `.xls` workbook,
/// read as calamine reads it: the globals' `BoundSheet8` records give each
/// sheet's offset in the stream (which need not be where a sequential walk
/// of the records would arrive: a fuzzed offset into another record's bytes
/// found cells at row 65,535 that no sequential walk saw), and from there
/// each sheet's records up to its `EOF`, nested substreams (charts)
/// skipped. A sheet costs the rectangle of its cell records (`Range`) or
/// what its `Dimensions` record makes calamine reserve, the larger.
pub(super) fn xls_cells<F: Read + Seek>(file: &mut cfb::CompoundFile<F>) -> io::Result<u64> {
    let stream = if file.is_stream("/Workbook") {
        "/Workbook"
    } else if file.is_stream("/Book") {
        "/Book"
    } else {
        return Ok(0);
    };
    let mut data = Vec::new();
    file.open_stream(stream)?.read_to_end(&mut data)?;
    let mut sheets = Vec::new();
    for (kind, body) in records(&data) {
        match kind {
            0x0085 if body.len() >= 4 => {
                sheets.push(u32::from_le_bytes([body[0], body[1], body[2], body[3]]) as usize);
            }
            0x000A => break,
            _ => {}
        }
    }
    let mut total = 0u64;
    for at in sheets {
        let Some(stream) = data.get(at..) else {
            continue;
        };
        let mut sheet = Rectangle::default();
        let mut reserved = 0u64;
        let (mut seen_bof, mut nested) = (false, 0usize);
        for (kind, body) in records(stream) {
            if nested > 0 {
                match kind {
                    0x0809 => nested += 1,
                    0x000A => nested -= 1,
                    _ => {}
                }
                continue;
            }
            let u16_at = |at: usize| {
                body.get(at..at + 2)
                    .map(|b| u16::from_le_bytes([b[0], b[1]]) as u32)
            };
            match kind {
                0x0809 if seen_bof => nested += 1,
                0x0809 => seen_bof = true,
                0x0200 => reserved = reserved.max(dimensions_cells(body)),
                0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                    if let (Some(row), Some(col)) = (u16_at(0), u16_at(2)) {
                        sheet.add(row, col);
                    }
                }
                0x00BD if body.len() >= 6 => {
                    if let (Some(row), Some(first), Some(last)) =
                        (u16_at(0), u16_at(2), u16_at(body.len() - 2))
                    {
                        sheet.add(row, first);
                        sheet.add(row, last);
                    }
                }
                0x000A => break,
                _ => {}
            }
        }
        // A real sheet's `Dimensions` is its cells' rectangle: the larger
        // of the two measures it (and a forged one).
        total = total.saturating_add(reserved.max(sheet.cells()));
    }
    Ok(total)
}

/// The BIFF records of `stream` as `(type, body)`, up to the first that is
/// cut short (where calamine stops with an error).
fn records(mut stream: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        let kind = u16::from_le_bytes([*stream.first()?, *stream.get(1)?]);
        let len = u16::from_le_bytes([*stream.get(2)?, *stream.get(3)?]) as usize;
        let body = stream.get(4..4 + len)?;
        stream = &stream[4 + len..];
        Some((kind, body))
    })
}

/// The cells calamine reserves for a `Dimensions` record: its rectangle,
/// with calamine's own arithmetic (u32, wrapping as a release build does).
fn dimensions_cells(body: &[u8]) -> u64 {
    let u16_at = |at: usize| u16::from_le_bytes([body[at], body[at + 1]]) as u32;
    let u32_at =
        |at: usize| u32::from_le_bytes([body[at], body[at + 1], body[at + 2], body[at + 3]]);
    let (rf, rl, mut cf, cl) = match body.len() {
        10 => (u16_at(0), u16_at(2), u16_at(4), u16_at(6)),
        14 | 16 => (u32_at(0), u32_at(4), u16_at(8), u16_at(10)),
        _ => return 0,
    };
    if 0xFF < cf || cl < cf {
        cf = 0;
    }
    let (start, end) = if 1 <= rl && 1 <= cl {
        ((rf, cf), (rl - 1, cl - 1))
    } else {
        ((rf, cf), (rf, cf))
    };
    let rows = end.0.wrapping_sub(start.0).wrapping_add(1) as u64;
    let cols = end.1.wrapping_sub(start.1).wrapping_add(1) as u64;
    rows.saturating_mul(cols)
}

#[derive(Default)]
struct Rectangle {
    rows: Option<(u32, u32)>,
    cols: Option<(u32, u32)>,
}

impl Rectangle {
    fn add(&mut self, row: u32, col: u32) {
        let widen = |span: &mut Option<(u32, u32)>, at: u32| {
            *span = Some(span.map_or((at, at), |(lo, hi)| (lo.min(at), hi.max(at))));
        };
        widen(&mut self.rows, row);
        widen(&mut self.cols, col);
    }

    fn cells(&self) -> u64 {
        match (self.rows, self.cols) {
            (Some((r0, r1)), Some((c0, c1))) => (r1 - r0 + 1) as u64 * (c1 - c0 + 1) as u64,
            _ => 0,
        }
    }
}

/// calamine's limits on an `.ods` sheet (`ods.rs`).
const ODS_MAX_ROWS: u64 = 1_048_576;
const ODS_MAX_COLUMNS: u64 = 16_384;

/// The cells calamine would hold for an `.ods` `content.xml`: per sheet,
/// the cells it stores row by row (repeated non-empty cells written out,
/// empty ones only before a value), plus the dense rectangle it then builds
/// with repeated rows written out. Stops early once over `limit`. Malformed
/// XML ends the count (calamine fails on it too); the rest of `xml` is left
/// unread.
pub(super) fn ods_cells(xml: impl BufRead, limit: u64) -> u64 {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut total = 0u64;
    let mut sheet = OdsSheet::default();
    let mut row: Option<OdsRow> = None;
    loop {
        let event = match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) | Err(_) => break,
            Ok(event) => event,
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let closed = matches!(event, Event::Empty(_));
                match e.name().as_ref() {
                    "table:table" if !closed => sheet = OdsSheet::default(),
                    "table:table-row" => {
                        let repeats = number_attr(e, "table:number-rows-repeated");
                        let started = OdsRow {
                            repeats,
                            ..OdsRow::default()
                        };
                        if closed {
                            sheet.end_row(started);
                        } else {
                            row = Some(started);
                        }
                    }
                    "table:table-cell" | "table:covered-table-cell" => {
                        if let Some(row) = row.as_mut() {
                            // A value type, a formula or any content makes a
                            // cell count as a value (calamine may still find
                            // it empty: counting it is the safe side).
                            let valued = !closed
                                || has_attr(e, "office:value-type")
                                || has_attr(e, "table:formula");
                            row.cell(number_attr(e, "table:number-columns-repeated"), valued);
                        }
                    }
                    _ => {}
                }
            }
            Event::End(ref e) => match e.name().as_ref() {
                "table:table-row" => {
                    if let Some(done) = row.take() {
                        sheet.end_row(done);
                    }
                }
                "table:table" => {
                    total = total.saturating_add(std::mem::take(&mut sheet).cells());
                }
                _ => {}
            },
            _ => {}
        }
        if total.saturating_add(sheet.cells()) > limit {
            return total.saturating_add(sheet.cells());
        }
        buf.clear();
    }
    total.saturating_add(sheet.cells())
}

fn has_attr(e: &quick_xml::events::BytesStart<'_>, name: &str) -> bool {
    e.attributes().flatten().any(|a| a.key.as_ref() == name)
}

/// A repeat count; calamine fails on one it cannot parse, so 1 is harmless.
fn number_attr(e: &quick_xml::events::BytesStart<'_>, name: &str) -> u64 {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| a.value.trim().parse().ok())
        .unwrap_or(1)
}

#[derive(Default)]
struct OdsRow {
    repeats: u64,
    /// Cells calamine stores for this row.
    stored: u64,
    /// Empty cells not yet stored: only a later value stores them.
    pending_empty: u64,
}

impl OdsRow {
    fn cell(&mut self, repeats: u64, valued: bool) {
        let room = |stored: u64| ODS_MAX_COLUMNS.saturating_sub(stored);
        self.stored += self.pending_empty.min(room(self.stored));
        self.pending_empty = 0;
        let repeats = repeats.min(room(self.stored));
        if valued {
            self.stored += repeats;
        } else {
            self.pending_empty = repeats;
        }
    }
}

#[derive(Default)]
struct OdsSheet {
    /// Cells stored row by row.
    stored: u64,
    /// Rows read so far, repeats counted (calamine caps them at a million).
    rows: u64,
    /// Rows from the first row with a value to the last, repeats counted.
    first_valued: Option<u64>,
    last_valued_end: u64,
    /// The widest row with a value.
    width: u64,
}

impl OdsSheet {
    fn end_row(&mut self, row: OdsRow) {
        let repeats = row.repeats.min(ODS_MAX_ROWS.saturating_sub(self.rows));
        self.stored = self.stored.saturating_add(row.stored);
        if row.stored > 0 {
            self.first_valued.get_or_insert(self.rows);
            self.last_valued_end = self.rows + repeats;
            self.width = self.width.max(row.stored);
        }
        self.rows += repeats;
    }

    fn cells(&self) -> u64 {
        let rectangle = match self.first_valued {
            Some(first) => (self.last_valued_end - first).saturating_mul(self.width),
            None => 0,
        };
        self.stored.saturating_add(rectangle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ods(rows: &str) -> String {
        format!(
            r#"<office:document-content><office:body><office:spreadsheet><table:table table:name="S">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
        )
    }

    #[test]
    fn an_ordinary_ods_sheet_counts_its_values_and_rectangle() {
        // Two rows of three values, then LibreOffice's trailing empty rows.
        let row = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>a</text:p></table:table-cell><table:table-cell table:number-columns-repeated="2" office:value-type="float" office:value="1"/><table:table-cell table:number-columns-repeated="1021"/></table:table-row>"#;
        let tail = r#"<table:table-row table:number-rows-repeated="1048574"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#;
        let xml = ods(&format!("{row}{row}{tail}"));
        // 6 stored, and a 2 × 3 rectangle.
        assert_eq!(ods_cells(xml.as_bytes(), u64::MAX), 12);
    }

    #[test]
    fn repeated_values_count_as_calamine_writes_them_out() {
        let xml = ods(
            r#"<table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>"#,
        );
        assert_eq!(
            ods_cells(xml.as_bytes(), u64::MAX),
            16_384 + 1_048_576 * 16_384
        );
        // Counting stops once over the limit.
        assert!(ods_cells(xml.as_bytes(), 1000) > 1000);
    }

    #[test]
    fn empty_cells_count_only_before_a_value() {
        let mut row = OdsRow::default();
        row.cell(100, false);
        assert_eq!(row.stored, 0);
        row.cell(1, true);
        assert_eq!(row.stored, 101);
        row.cell(1 << 40, false);
        assert_eq!(row.stored, 101);
        row.cell(1 << 40, true);
        assert_eq!(row.stored, ODS_MAX_COLUMNS);
    }

    #[test]
    fn the_rectangle_spans_first_to_last_valued_row() {
        let mut s = OdsSheet::default();
        let valued = |stored| OdsRow {
            repeats: 1,
            stored,
            pending_empty: 0,
        };
        s.end_row(OdsRow {
            repeats: 10,
            ..OdsRow::default()
        });
        s.end_row(valued(3));
        s.end_row(OdsRow {
            repeats: 1000,
            ..OdsRow::default()
        });
        s.end_row(valued(5));
        assert_eq!(s.cells(), 8 + 1002 * 5);
    }
}
