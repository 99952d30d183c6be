//! Word-processor and slide documents: `.docx`, `.pptx`, `.odt`, `.odp`.
//!
//! Each XML part is streamed with `quick-xml`; its text is written out one
//! paragraph a line, so a finding's `line` is the paragraph number in its
//! part (table cells hold paragraphs too, and count). The body
//! (`word/document.xml`, `content.xml`) is reported as the file itself;
//! other parts as members: `contract.docx!word/footer1.xml`,
//! `contract.docx!word/comments.xml`, `deck.pptx!ppt/slides/slide3.xml`.
//!
//! A table whose first row names the columns gives its cells fields, as a
//! CSV header does; a two-column `label | value` table gives each value its
//! label as the field (see [`super::table::shape`]).

use super::table::{shape, TableShape};
use super::{Ctx, Flow, Node, Package, SourceSink};
use crate::model::ScanError;
use crate::source::structured::{presentable_name, Cell, CellBatch};
use quick_xml::events::Event;
use std::collections::HashMap;
use std::io::{self, BufReader, Read, Seek};
use std::ops::Range;

/// Text gathered before a batch is sent, between tables.
const BATCH_TEXT: usize = 32 << 10;
/// A table larger than this is sent without fields rather than held.
const MAX_TABLE_TEXT: usize = 8 << 20;

/// Element names (local, prefix dropped) of one XML vocabulary.
pub(super) struct Grammar {
    paragraph: &'static [&'static str],
    /// Elements whose text is document text; empty: any text in a paragraph.
    text: &'static [&'static str],
    tab: &'static [&'static str],
    /// Breaks inside a paragraph, written as a space (a line is a paragraph).
    space: &'static [&'static str],
    table: &'static str,
    row: &'static str,
    cell: &'static [&'static str],
    /// Marks a list item: inside a paragraph (`w:numPr`), or around one
    /// (`text:list-item`). Only prose reading ([`prose`]) uses it.
    list_item: &'static [&'static str],
}

/// WordprocessingML (`w:`).
pub(super) const WORD: Grammar = Grammar {
    paragraph: &["p"],
    text: &["t", "delText"],
    tab: &["tab"],
    space: &["br", "cr"],
    table: "tbl",
    row: "tr",
    cell: &["tc"],
    list_item: &["numPr"],
};

/// DrawingML text in slides (`a:`).
pub(super) const SLIDE: Grammar = Grammar {
    paragraph: &["p"],
    text: &["t"],
    tab: &["tab"],
    space: &["br"],
    table: "tbl",
    row: "tr",
    cell: &["tc"],
    list_item: &["buAutoNum", "buChar"],
};

/// OpenDocument text and presentations (`text:`, `table:`).
pub(super) const ODF: Grammar = Grammar {
    paragraph: &["p", "h"],
    text: &[],
    tab: &["tab"],
    space: &["s", "line-break"],
    table: "table",
    row: "table-row",
    cell: &["table-cell", "covered-table-cell"],
    list_item: &["list-item"],
};

/// Reads the text parts of a document package.
pub(super) fn scan_package<R: Read + Seek>(
    mut zip: zip::ZipArchive<R>,
    kind: Package,
    node: &Node,
    ctx: &Ctx,
    sink: &mut dyn SourceSink,
) -> Flow {
    let (body, grammar, extra): (Option<&str>, &Grammar, Vec<String>) = match kind {
        Package::Docx => (
            Some("word/document.xml"),
            &WORD,
            parts(&zip, "word/", is_word_part),
        ),
        Package::Pptx => (None, &SLIDE, parts(&zip, "ppt/", is_slide_part)),
        _ => (Some("content.xml"), &ODF, vec!["styles.xml".to_string()]),
    };
    sink.begin(&node.meta());
    if let Some(body) = body {
        read_part(&mut zip, body, grammar, node, ctx, sink);
    }
    for part in extra {
        let member = zip
            .index_for_name(&part)
            .and_then(|i| zip.by_index(i).ok())
            .map(|m| {
                (
                    m.last_modified()
                        .and_then(crate::source::archive::zip_time_to_unix),
                    m.size(),
                )
            });
        let Some((modified, size)) = member else {
            continue;
        };
        let child = node.member(&part, modified.or(node.modified), Some(size));
        sink.begin(&child.meta());
        read_part(&mut zip, &part, grammar, &child, ctx, sink);
        sink.end();
    }
    sink.end();
    Flow::Done
}

fn is_word_part(name: &str) -> bool {
    let file = name.trim_start_matches("word/");
    !file.contains('/')
        && file.ends_with(".xml")
        && ["header", "footer", "comments", "footnotes", "endnotes"]
            .iter()
            .any(|p| file.starts_with(p))
}

fn is_slide_part(name: &str) -> bool {
    name.ends_with(".xml")
        && ["ppt/slides/slide", "ppt/notesSlides/", "ppt/comments/"]
            .iter()
            .any(|p| name.starts_with(p))
}

/// Package members under `prefix` that `wanted` accepts, in natural order
/// (`slide2` before `slide10`).
fn parts<R: Read + Seek>(
    zip: &zip::ZipArchive<R>,
    prefix: &str,
    wanted: fn(&str) -> bool,
) -> Vec<String> {
    let mut names: Vec<String> = zip
        .file_names()
        .filter(|n| n.starts_with(prefix) && wanted(n))
        .map(str::to_string)
        .collect();
    let key = |n: &String| {
        let digits: String = n.chars().filter(char::is_ascii_digit).collect();
        let stem: String = n.chars().filter(|c| !c.is_ascii_digit()).collect();
        (stem, digits.len(), digits)
    };
    names.sort_by_key(key);
    names
}

/// Reads one XML part; errors and limits are reported against `node`.
fn read_part<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    part: &str,
    grammar: &Grammar,
    node: &Node,
    ctx: &Ctx,
    sink: &mut dyn SourceSink,
) {
    let reader = match super::open_member(zip, part, ctx) {
        None => return,
        Some(Ok(r)) => r,
        Some(Err(e)) => {
            sink.error(super::member_error(
                node,
                part,
                format!("not readable: {e}"),
            ));
            return;
        }
    };
    if let Err(e) = scan_xml(reader, grammar, sink) {
        match e {
            XmlFailure::Io(e) => {
                let _ = ctx.report(e, &node.display, sink);
            }
            XmlFailure::Syntax(message) => sink.error(ScanError {
                path: node.display.clone(),
                message: format!("{part}: malformed XML ({message}); the text before was scanned"),
            }),
        }
    }
}

pub(super) enum XmlFailure {
    Io(io::Error),
    Syntax(String),
}

/// A table being read: its cells' ranges in the writer's text, by row.
#[derive(Default)]
struct TableBuf {
    rows: Vec<Vec<(Range<usize>, u64)>>,
    /// The cell being read: its start in the text, and its line.
    open_cell: Option<(usize, u64)>,
}

/// Writes paragraphs as lines and table cells as marked cells.
struct DocWriter<'s> {
    sink: &'s mut dyn SourceSink,
    text: String,
    cells: Vec<Cell>,
    fields: Vec<String>,
    field_index: HashMap<String, u32>,
    first_line: u64,
    /// The paragraph being written (1-based).
    line: u64,
    /// Tables entered; only the outermost one is given fields.
    table_depth: u32,
    table: Option<TableBuf>,
}

impl<'s> DocWriter<'s> {
    fn new(sink: &'s mut dyn SourceSink) -> Self {
        DocWriter {
            sink,
            text: String::new(),
            cells: Vec::new(),
            fields: Vec::new(),
            field_index: HashMap::new(),
            first_line: 1,
            line: 1,
            table_depth: 0,
            table: None,
        }
    }

    fn push_text(&mut self, s: &str) {
        // Line breaks inside a paragraph would shift the paragraph numbers.
        self.text.extend(
            s.chars()
                .map(|c| if matches!(c, '\n' | '\r') { ' ' } else { c }),
        );
    }

    fn end_paragraph(&mut self) {
        self.text.push('\n');
        self.line += 1;
        if self.table_depth == 0 && self.text.len() >= BATCH_TEXT {
            self.flush();
        }
    }

    fn start_table(&mut self) {
        self.table_depth += 1;
        if self.table_depth == 1 {
            self.table = Some(TableBuf::default());
        }
    }

    fn start_row(&mut self) {
        if self.table_depth == 1 {
            if let Some(t) = &mut self.table {
                t.rows.push(Vec::new());
            }
        }
    }

    fn start_cell(&mut self) {
        if self.table_depth == 1 {
            let at = (self.text.len(), self.line);
            if let Some(t) = &mut self.table {
                t.open_cell = Some(at);
            }
        }
    }

    fn end_cell(&mut self) {
        if self.table_depth != 1 {
            return;
        }
        let mut end = self.text.len();
        while end > 0 && matches!(self.text.as_bytes()[end - 1], b'\n' | b' ' | b'\t') {
            end -= 1;
        }
        if let Some(t) = &mut self.table {
            if let (Some((start, line)), Some(row)) = (t.open_cell.take(), t.rows.last_mut()) {
                row.push((start..end.max(start), line));
            }
        }
        if self.text.len() > MAX_TABLE_TEXT {
            // Too large to hold for naming: its cells go out unnamed.
            self.table = None;
            self.flush();
        }
    }

    fn end_table(&mut self) {
        self.table_depth = self.table_depth.saturating_sub(1);
        if self.table_depth > 0 {
            return;
        }
        if let Some(table) = self.table.take() {
            self.name_cells(table);
        }
        if self.text.len() >= BATCH_TEXT {
            self.flush();
        }
    }

    fn field(&mut self, name: &str, line: u64) -> u32 {
        if let Some(&i) = self.field_index.get(name) {
            return i;
        }
        self.sink.field(name, line);
        let i = self.fields.len() as u32;
        self.fields.push(name.to_string());
        self.field_index.insert(name.to_string(), i);
        i
    }

    /// Gives a finished table's cells their fields, by its shape.
    fn name_cells(&mut self, table: TableBuf) {
        let texts: Vec<Vec<String>> = table
            .rows
            .iter()
            .filter(|r| !r.is_empty())
            .map(|r| {
                r.iter()
                    .map(|(range, _)| self.text[range.clone()].to_string())
                    .collect()
            })
            .collect();
        let rows: Vec<&Vec<(Range<usize>, u64)>> =
            table.rows.iter().filter(|r| !r.is_empty()).collect();
        match shape(&texts) {
            TableShape::Plain => {}
            TableShape::Header(names) => {
                let header_line = rows[0].first().map_or(self.line, |c| c.1);
                let names: Vec<String> = names
                    .iter()
                    .enumerate()
                    .map(|(i, n)| {
                        presentable_name(n)
                            .map(|n| n.replace('\t', " "))
                            .unwrap_or_else(|| format!("#{}", i + 1))
                    })
                    .collect();
                let indexes: Vec<u32> = names.iter().map(|n| self.field(n, header_line)).collect();
                for row in &rows[1..] {
                    for (i, (range, line)) in row.iter().enumerate() {
                        if let Some(&field) = indexes.get(i) {
                            self.push_cell(range.clone(), field, *line);
                        }
                    }
                }
            }
            TableShape::LabelValue => {
                for (row, text) in rows.iter().zip(&texts) {
                    let Some(label) = presentable_name(&text[0]).map(|l| l.replace('\t', " "))
                    else {
                        continue;
                    };
                    let (range, line) = row[1].clone();
                    let field = self.field(&label, row[0].1);
                    self.push_cell(range, field, line);
                }
            }
        }
    }

    fn push_cell(&mut self, range: Range<usize>, field: u32, line: u64) {
        if range.is_empty() {
            return;
        }
        self.cells.push(Cell {
            range,
            field,
            line,
            decoded: None,
        });
    }

    fn flush(&mut self) {
        if self.text.is_empty() {
            return;
        }
        self.cells.sort_by_key(|c| c.range.start);
        self.sink.cells(&CellBatch {
            text: &self.text,
            first_line: self.first_line,
            first_column: 1,
            fields: &self.fields,
            cells: &self.cells,
            decoded: "",
        });
        let newlines = crate::position::count_newlines(self.text.as_bytes());
        self.first_line += newlines;
        // A paragraph cut mid-way (only a huge one) goes on on the same line.
        debug_assert!(self.text.ends_with('\n') || self.first_line == self.line);
        self.text.clear();
        self.cells.clear();
    }

    fn finish(mut self) {
        if let Some(table) = self.table.take() {
            self.name_cells(table);
        }
        self.flush();
    }
}

/// Streams one XML part through `grammar`.
pub(super) fn scan_xml<R: Read>(
    reader: R,
    grammar: &Grammar,
    sink: &mut dyn SourceSink,
) -> Result<(), XmlFailure> {
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(reader));
    let mut writer = DocWriter::new(sink);
    let mut buf = Vec::new();
    // Open paragraphs and open text elements (nesting counts).
    let (mut in_paragraph, mut in_text) = (0u32, 0u32);
    let any_text = grammar.text.is_empty();
    let result = loop {
        buf.clear();
        let event = match xml.read_event_into(&mut buf) {
            Ok(e) => e,
            Err(quick_xml::Error::Io(e)) => {
                break Err(XmlFailure::Io(io::Error::new(e.kind(), e.to_string())))
            }
            Err(e) => break Err(XmlFailure::Syntax(e.to_string())),
        };
        match event {
            Event::Start(e) => {
                let name = e.local_name();
                let name = name.as_ref();
                if grammar.paragraph.contains(&name) {
                    if in_paragraph > 0 {
                        // A footnote's paragraph inside a paragraph: keep
                        // its words apart from the words around it.
                        writer.text.push(' ');
                    }
                    in_paragraph += 1;
                } else if grammar.text.contains(&name) {
                    in_text += 1;
                } else if name == grammar.table {
                    writer.start_table();
                } else if name == grammar.row {
                    writer.start_row();
                } else if grammar.cell.contains(&name) {
                    writer.start_cell();
                } else if in_paragraph > 0 && grammar.tab.contains(&name) {
                    writer.text.push('\t');
                } else if in_paragraph > 0 && grammar.space.contains(&name) {
                    writer.text.push(' ');
                }
            }
            Event::Empty(e) => {
                let name = e.local_name();
                let name = name.as_ref();
                if grammar.paragraph.contains(&name) {
                    if in_paragraph == 0 {
                        writer.end_paragraph();
                    }
                } else if grammar.cell.contains(&name) {
                    writer.start_cell();
                    writer.end_cell();
                } else if in_paragraph > 0 && grammar.tab.contains(&name) {
                    writer.text.push('\t');
                } else if in_paragraph > 0 && grammar.space.contains(&name) {
                    writer.text.push(' ');
                }
            }
            Event::End(e) => {
                let name = e.local_name();
                let name = name.as_ref();
                if grammar.paragraph.contains(&name) {
                    in_paragraph = in_paragraph.saturating_sub(1);
                    if in_paragraph == 0 {
                        writer.end_paragraph();
                    } else {
                        // A note's paragraph ends inside its paragraph: the
                        // line (paragraph number) goes on.
                        writer.text.push(' ');
                    }
                } else if grammar.text.contains(&name) {
                    in_text = in_text.saturating_sub(1);
                } else if name == grammar.table {
                    writer.end_table();
                } else if grammar.cell.contains(&name) {
                    writer.end_cell();
                }
            }
            Event::Text(t) if in_text > 0 || (any_text && in_paragraph > 0) => {
                writer.push_text(&t.xml10_content());
            }
            Event::CData(t) if in_text > 0 || (any_text && in_paragraph > 0) => {
                writer.push_text(&t);
            }
            Event::GeneralRef(r) if in_text > 0 || (any_text && in_paragraph > 0) => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    let mut utf8 = [0u8; 4];
                    writer.push_text(c.encode_utf8(&mut utf8));
                } else if let Some(s) =
                    quick_xml::escape::resolve_predefined_entity(&r.xml10_content())
                {
                    writer.push_text(s);
                }
            }
            Event::Eof => break Ok(()),
            _ => {}
        }
    };
    // What was read before a failure is still scanned.
    writer.finish();
    result
}

/// One XML part as prose, for reading a document whole (a privacy policy
/// drafted by `tizim policy import`): one paragraph a line, a list item
/// after `- `, a table row one line with its cells joined by ` | ` (a
/// cell's paragraphs joined by spaces, its list items by `; `; nested
/// tables flattened into their cell), runs of white space as one space.
/// Unlike [`scan_xml`], whose lines are paragraph numbers for findings, this
/// keeps the row structure a reader of tables relies on.
pub(super) fn prose<R: Read>(reader: R, grammar: &Grammar) -> Result<String, XmlFailure> {
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(reader));
    let mut out = String::new();
    let mut paragraph = String::new();
    let (mut in_paragraph, mut in_text) = (0u32, 0u32);
    let any_text = grammar.text.is_empty();
    // The paragraph being read (or the next one) is a list item.
    let mut item = false;
    let mut table_depth = 0u32;
    let mut row: Vec<String> = Vec::new();
    // The outermost table's cell being read.
    let mut cell: Option<String> = None;
    let mut buf = Vec::new();
    /// Ends a paragraph: a line of `out`, or part of the table cell.
    fn end_paragraph(
        paragraph: &mut String,
        item: &mut bool,
        cell: &mut Option<String>,
        out: &mut String,
    ) {
        let text = paragraph.split_whitespace().collect::<Vec<_>>().join(" ");
        paragraph.clear();
        let is_item = std::mem::take(item);
        match cell {
            Some(cell) if !text.is_empty() => {
                if !cell.is_empty() {
                    cell.push_str(if is_item { "; " } else { " " });
                }
                cell.push_str(&text);
            }
            Some(_) => {}
            None => {
                if is_item && !text.is_empty() {
                    out.push_str("- ");
                }
                out.push_str(&text);
                out.push('\n');
            }
        }
    }
    loop {
        buf.clear();
        let event = match xml.read_event_into(&mut buf) {
            Ok(e) => e,
            Err(quick_xml::Error::Io(e)) => {
                return Err(XmlFailure::Io(io::Error::new(e.kind(), e.to_string())))
            }
            Err(e) => return Err(XmlFailure::Syntax(e.to_string())),
        };
        match event {
            Event::Start(e) => {
                let name = e.local_name();
                let name = name.as_ref();
                if grammar.paragraph.contains(&name) {
                    if in_paragraph > 0 {
                        paragraph.push(' ');
                    }
                    in_paragraph += 1;
                } else if grammar.text.contains(&name) {
                    in_text += 1;
                } else if grammar.list_item.contains(&name) {
                    item = true;
                } else if name == grammar.table {
                    table_depth += 1;
                } else if name == grammar.row && table_depth == 1 {
                    row.clear();
                } else if grammar.cell.contains(&name) && table_depth == 1 {
                    cell = Some(String::new());
                } else if in_paragraph > 0
                    && (grammar.tab.contains(&name) || grammar.space.contains(&name))
                {
                    paragraph.push(' ');
                }
            }
            Event::Empty(e) => {
                let name = e.local_name();
                let name = name.as_ref();
                if grammar.paragraph.contains(&name) && in_paragraph == 0 {
                    end_paragraph(&mut paragraph, &mut item, &mut cell, &mut out);
                } else if grammar.list_item.contains(&name) {
                    item = true;
                } else if grammar.cell.contains(&name) && table_depth == 1 {
                    row.push(String::new());
                } else if in_paragraph > 0
                    && (grammar.tab.contains(&name) || grammar.space.contains(&name))
                {
                    paragraph.push(' ');
                }
            }
            Event::End(e) => {
                let name = e.local_name();
                let name = name.as_ref();
                if grammar.paragraph.contains(&name) {
                    in_paragraph = in_paragraph.saturating_sub(1);
                    if in_paragraph == 0 {
                        end_paragraph(&mut paragraph, &mut item, &mut cell, &mut out);
                    } else {
                        paragraph.push(' ');
                    }
                } else if grammar.text.contains(&name) {
                    in_text = in_text.saturating_sub(1);
                } else if grammar.cell.contains(&name) && table_depth == 1 {
                    row.push(cell.take().unwrap_or_default());
                } else if name == grammar.row && table_depth == 1 {
                    if row.iter().any(|c| !c.is_empty()) {
                        out.push_str(&row.join(" | "));
                        out.push('\n');
                    }
                    row.clear();
                } else if name == grammar.table {
                    table_depth = table_depth.saturating_sub(1);
                }
            }
            Event::Text(t) if in_text > 0 || (any_text && in_paragraph > 0) => {
                paragraph.push_str(&t.xml10_content());
            }
            Event::CData(t) if in_text > 0 || (any_text && in_paragraph > 0) => {
                paragraph.push_str(&t);
            }
            Event::GeneralRef(r) if in_text > 0 || (any_text && in_paragraph > 0) => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    paragraph.push(c);
                } else if let Some(s) =
                    quick_xml::escape::resolve_predefined_entity(&r.xml10_content())
                {
                    paragraph.push_str(s);
                }
            }
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::structured::testing::Recorder;

    fn run(grammar: &Grammar, xml: &str) -> Recorder {
        let mut r = Recorder::default();
        assert!(scan_xml(xml.as_bytes(), grammar, &mut r).is_ok());
        r
    }

    #[test]
    fn paragraphs_are_lines_and_tables_name_their_cells() {
        let xml = r#"<w:document xmlns:w="w"><w:body>
<w:p><w:r><w:t>Договор № 5</w:t></w:r></w:p>
<w:p><w:r><w:t xml:space="preserve">Клиент: </w:t></w:r><w:r><w:t>ivan@mail.kz</w:t></w:r></w:p>
<w:tbl>
<w:tr><w:tc><w:p><w:r><w:t>ФИО</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>ИИН</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:p><w:r><w:t>Иванов Иван</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>850315300128</w:t></w:r></w:p></w:tc></w:tr>
</w:tbl>
<w:tbl>
<w:tr><w:tc><w:p><w:r><w:t>Телефон</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>+7 701 234 56 78</w:t></w:r></w:p></w:tc></w:tr>
</w:tbl>
<w:p><w:r><w:t>A &amp; B&#33;</w:t></w:r></w:p>
</w:body></w:document>"#;
        let r = run(&WORD, xml);
        assert!(
            r.plain
                .starts_with("Договор № 5\nКлиент: ivan@mail.kz\nФИО\nИИН\n"),
            "{}",
            r.plain
        );
        assert!(r.plain.ends_with("A & B!\n"), "{}", r.plain);
        let iin = r.value("850315300128");
        assert_eq!((iin.field.as_deref(), iin.line), (Some("ИИН"), 6));
        let phone = r.value("+7 701 234 56 78");
        assert_eq!((phone.field.as_deref(), phone.line), (Some("Телефон"), 8));
        assert_eq!(r.value("Иванов Иван").field.as_deref(), Some("ФИО"));
        assert_eq!(
            r.fields,
            [
                ("ФИО".to_string(), 3),
                ("ИИН".to_string(), 3),
                ("Телефон".to_string(), 7)
            ]
        );
    }

    #[test]
    fn odf_text_spaces_and_notes() {
        let xml = r#"<office:document-content><office:body><office:text>
<text:h>Заголовок</text:h>
<text:p>ИИН<text:s/>850315300128<text:note><text:note-body><text:p>сноска a@b.kz</text:p></text:note-body></text:note></text:p>
</office:text></office:body></office:document-content>"#;
        let r = run(&ODF, xml);
        assert_eq!(r.plain, "Заголовок\nИИН 850315300128 сноска a@b.kz \n");
    }

    #[test]
    fn prose_keeps_list_items_and_table_rows() {
        let docx = r#"<w:document xmlns:w="w"><w:body>
<w:p><w:r><w:t>Мақсаттары</w:t></w:r></w:p>
<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/></w:numPr><w:tabs><w:tab w:val="left"/></w:tabs></w:pPr><w:r><w:t>жеткізу</w:t></w:r></w:p>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Цель</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Данные</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:p><w:r><w:t>Доставка</w:t></w:r></w:p></w:tc><w:tc>
<w:p><w:pPr><w:numPr/></w:pPr><w:r><w:t>ФИО</w:t></w:r></w:p><w:p><w:pPr><w:numPr/></w:pPr><w:r><w:t xml:space="preserve">  телефон </w:t></w:r></w:p></w:tc><w:tc/></w:tr></w:tbl>
<w:p/><w:p><w:r><w:t>A &amp; B</w:t></w:r></w:p>
</w:body></w:document>"#;
        assert_eq!(
            prose(docx.as_bytes(), &WORD).ok().unwrap(),
            "Мақсаттары\n- жеткізу\nЦель | Данные\nДоставка | ФИО; телефон | \n\nA & B\n"
        );
        let odt = r#"<office:text><text:h>Цели</text:h><text:list><text:list-item><text:p>доставка<text:s/>заказов</text:p></text:list-item></text:list>
<table:table><table:table-row><table:table-cell><text:p>a</text:p></table:table-cell><table:covered-table-cell/><table:table-cell><text:p>b</text:p></table:table-cell></table:table-row></table:table></office:text>"#;
        assert_eq!(
            prose(odt.as_bytes(), &ODF).ok().unwrap(),
            "Цели\n- доставка заказов\na |  | b\n"
        );
        assert!(matches!(
            prose("<w:p><w:t>x</w:q>".as_bytes(), &WORD),
            Err(XmlFailure::Syntax(_))
        ));
    }

    #[test]
    fn malformed_xml_keeps_what_came_before() {
        let mut r = Recorder::default();
        let out = scan_xml(
            "<w:p><w:t>a@b.kz</w:t></w:p><w:p><w:t>x</w:q>".as_bytes(),
            &WORD,
            &mut r,
        );
        assert!(matches!(out, Err(XmlFailure::Syntax(_))));
        assert!(r.plain.contains("a@b.kz"));
    }
}
