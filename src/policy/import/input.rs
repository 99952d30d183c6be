//! Policy texts as they are published: web pages, Markdown, documents
//! (`.docx`, `.odt`, `.rtf`, `.pdf`), plain text in any supported encoding.
//! Each becomes plain text whose lines keep the structure a reader relies
//! on: one line per paragraph or heading, `- ` before list items, table
//! cells joined by ` | `. Documents are read by the scan's own document
//! sources (`source::office`, `source::pdf`), with their limits.

use regex::Regex;
use std::path::Path;
use std::sync::LazyLock;

/// How a policy file is read, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Html,
    Markdown,
    /// A word-processor document: `.docx`, `.odt` or `.rtf`.
    Document,
    Pdf,
}

impl Format {
    /// The format of a policy file: by extension, and by content for any
    /// other extension (a PDF, RTF or zip package saved as `.txt` or with
    /// no extension is still read as what it is).
    pub fn detect(path: &Path, bytes: &[u8]) -> Format {
        match Format::of(path) {
            Format::Text if crate::source::pdf::looks_like(bytes) => Format::Pdf,
            Format::Text if bytes.starts_with(b"{\\rtf") || bytes.starts_with(b"PK\x03\x04") => {
                Format::Document
            }
            format => format,
        }
    }

    /// The format a file's extension names.
    pub fn of(path: &Path) -> Format {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        match ext.as_str() {
            "html" | "htm" | "xhtml" => Format::Html,
            "md" | "markdown" => Format::Markdown,
            "docx" | "odt" | "rtf" => Format::Document,
            "pdf" => Format::Pdf,
            _ => Format::Text,
        }
    }
}

/// The plain text of a policy file, or why it cannot be read.
pub fn text_of(path: &Path, bytes: &[u8]) -> Result<String, String> {
    let in_file = |e: String| format!("{}: {e}", path.display());
    match Format::detect(path, bytes) {
        Format::Text => Ok(decode_text(bytes)),
        Format::Html => Ok(html_to_text(&decode_text(bytes))),
        Format::Markdown => Ok(markdown_to_text(&decode_text(bytes))),
        Format::Document => crate::source::document_prose(bytes).map_err(in_file),
        Format::Pdf => pdf_text(bytes).map_err(in_file),
    }
}

/// The text of a PDF's pages, in order, with paragraphs unwrapped (see
/// [`unwrap_lines`]). Tables come out as lines of text with their cells
/// separated by spaces (a PDF has no cells), so a purposes table in a PDF is
/// read as running text.
fn pdf_text(bytes: &[u8]) -> Result<String, String> {
    use crate::source::pdf::{extract_guarded, Extracted};
    match extract_guarded(bytes.to_vec())? {
        Extracted::Pages(pages) => {
            let text: Vec<&str> = pages.iter().flat_map(|p| p.lines()).collect();
            Ok(unwrap_lines(&text))
        }
        Extracted::Encrypted => {
            Err("encrypted PDF (a password is needed to read it); not read".to_string())
        }
        Extracted::ImageOnly { pages } => Err(format!(
            "PDF of {pages} page(s) without a text layer (scanned images need OCR); not read"
        )),
    }
}

/// Joins the lines a PDF wrapped back into their paragraphs: a line at
/// least three quarters as long as the longest goes on into the next one,
/// unless that one is blank or starts with a list or clause marker (`5.3.`,
/// `1)`, `(а)`, `-`, `•`). A PDF keeps no paragraph ends, and sentences cut
/// at the margin would otherwise lose periods («в течение 3 | лет»), list
/// items and negated lists split over lines.
fn unwrap_lines(lines: &[&str]) -> String {
    static MARKER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\s*(?:\d{1,3}(?:\.\d{1,3})*\.|\(?(?:\d{1,2}|[a-zа-яёәіңғүұқөһ])\)|[-–—•·*▪])(?:\s|$)")
            .expect("valid")
    });
    let width = |l: &str| l.trim_end().chars().count();
    let longest = lines.iter().map(|l| width(l)).max().unwrap_or(0);
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line.trim_end());
        let wrapped = longest > 0
            && width(line) * 4 >= longest * 3
            && lines
                .get(i + 1)
                .is_some_and(|next| !next.trim().is_empty() && !MARKER.is_match(next));
        out.push(if wrapped { ' ' } else { '\n' });
    }
    out
}

/// Decodes text the way a scan does (BOM, UTF-8, then Windows-1251).
pub fn decode_text(bytes: &[u8]) -> String {
    crate::source::decode::decode_bytes(bytes, None)
        .0
        .into_owned()
}

/// Elements whose content is never policy text.
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "head", "nav", "footer", "aside", "button",
    "select", "iframe", "form",
];

/// Elements that start a new line.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "section",
    "article",
    "main",
    "header",
    "blockquote",
    "pre",
    "hr",
    "body",
    "html",
    "caption",
    "address",
    "center",
    "figure",
    "figcaption",
];

/// The text of an HTML page. Hand-written rather than a DOM parser: text
/// extraction needs only tag boundaries and which tags break lines, and an
/// HTML5 parser crate brings a large dependency tree for nothing more.
/// Inline tags join without a space (Word's HTML splits words across
/// `<span>`s); `<li>` becomes `- `, table cells ` | `.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut rest = html;
    // Cells already written in the current table row, and whether we are
    // inside one: a cell's paragraphs and list items stay on its row.
    let mut cells_in_row = 0usize;
    let mut in_cell = false;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            push_text(&mut out, rest);
            break;
        };
        push_text(&mut out, &rest[..lt]);
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |i| &after[i + 3..]);
            continue;
        }
        let Some(tag) = Tag::parse(rest) else {
            // A lone `<` in text.
            push_text(&mut out, "<");
            rest = &rest[1..];
            continue;
        };
        rest = &rest[tag.len..];
        let name = tag.name.as_str();
        if !tag.closing && !tag.self_closing && SKIPPED.contains(&name) {
            rest = skip_element(rest, name);
            continue;
        }
        match name {
            "li" if !tag.closing && in_cell => {
                trim_end_spaces(&mut out);
                if !out.ends_with(['|', ' ', '\n']) {
                    out.push(';');
                }
                out.push(' ');
            }
            "li" if !tag.closing => {
                new_line(&mut out);
                out.push_str("- ");
            }
            "tr" => {
                new_line(&mut out);
                cells_in_row = 0;
                in_cell = false;
            }
            "td" | "th" if !tag.closing => {
                if cells_in_row > 0 {
                    trim_end_spaces(&mut out);
                    out.push_str(" | ");
                }
                cells_in_row += 1;
                in_cell = true;
            }
            "td" | "th" => in_cell = false,
            n if (BLOCKS.contains(&n) || n == "li") && in_cell && !out.ends_with([' ', '\n']) => {
                out.push(' ');
            }
            n if (BLOCKS.contains(&n) || n == "li") && in_cell => {}
            n if BLOCKS.contains(&n) || n == "li" => new_line(&mut out),
            _ => {}
        }
    }
    tidy_lines(&out)
}

struct Tag {
    name: String,
    closing: bool,
    self_closing: bool,
    /// Bytes up to and including `>`.
    len: usize,
}

impl Tag {
    /// A tag at the start of `s` (`<name …>`, `</name>`, `<!DOCTYPE …>`).
    fn parse(s: &str) -> Option<Tag> {
        let b = s.as_bytes();
        let mut i = 1;
        let closing = b.get(1) == Some(&b'/');
        if closing {
            i += 1;
        }
        let declaration = matches!(b.get(i), Some(b'!' | b'?'));
        if !declaration && !b.get(i).is_some_and(|c| c.is_ascii_alphabetic()) {
            return None;
        }
        let name_start = i;
        while b
            .get(i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b':' | b'-' | b'!' | b'?'))
        {
            i += 1;
        }
        let name = s[name_start..i].to_ascii_lowercase();
        // Find `>` outside quoted attribute values.
        let mut quote = None;
        while let Some(&c) = b.get(i) {
            match (quote, c) {
                (None, b'"' | b'\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, b'>') => {
                    return Some(Tag {
                        self_closing: i > 0 && b[i - 1] == b'/',
                        name,
                        closing,
                        len: i + 1,
                    })
                }
                _ => {}
            }
            i += 1;
        }
        None
    }
}

/// The rest of the page after the element `name` that was just opened
/// (nested elements of the same name included).
fn skip_element<'a>(mut rest: &'a str, name: &str) -> &'a str {
    let mut depth = 1;
    while depth > 0 {
        let Some(lt) = rest.find('<') else { return "" };
        rest = &rest[lt..];
        match Tag::parse(rest) {
            Some(tag) if tag.name == name && !tag.self_closing => {
                depth = if tag.closing { depth - 1 } else { depth + 1 };
                rest = &rest[tag.len..];
            }
            // Script and style bodies may hold `<` that starts no tag.
            Some(tag) => rest = &rest[tag.len..],
            None => rest = &rest[1..],
        }
    }
    rest
}

fn push_text(out: &mut String, raw: &str) {
    let text = decode_entities(raw);
    for (i, word) in text.split(char::is_whitespace).enumerate() {
        if i > 0 && !out.ends_with([' ', '\n']) && !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
}

fn new_line(out: &mut String) {
    trim_end_spaces(out);
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
}

fn trim_end_spaces(out: &mut String) {
    while out.ends_with(' ') {
        out.pop();
    }
}

/// Trimmed lines with runs of blank lines collapsed.
fn tidy_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = true;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line == "-" {
            if !blank {
                out.push('\n');
            }
            blank = true;
            continue;
        }
        blank = false;
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// `&amp;`, `&nbsp;`, `&#171;`, `&#xAB;` and the named entities policies use.
fn decode_entities(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('&') {
        return s.into();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest[1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
            .map(|i| i + 1)
            .unwrap_or(rest.len());
        let name = &rest[1..end];
        // Invisible hyphenation hints would split words.
        if matches!(name, "shy" | "zwnj" | "zwj") {
            rest = rest[end..].strip_prefix(';').unwrap_or(&rest[end..]);
            continue;
        }
        let decoded = if let Some(num) = name.strip_prefix('#') {
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => num.parse().ok(),
            };
            code.and_then(char::from_u32)
        } else {
            named_entity(name)
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end..];
                if rest.starts_with(';') {
                    rest = &rest[1..];
                }
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out.into()
}

fn named_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" | "ensp" | "emsp" | "thinsp" => ' ',
        "laquo" => '«',
        "raquo" => '»',
        "ldquo" => '“',
        "rdquo" => '”',
        "bdquo" => '„',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ndash" => '–',
        "mdash" => '—',
        "minus" => '−',
        "hellip" => '…',
        "middot" => '·',
        "bull" => '•',
        "sect" => '§',
        "numero" => '№',
        "copy" => '©',
        "reg" => '®',
        "deg" => '°',
        "times" => '×',
        _ => return None,
    })
}

/// The text of a Markdown page: front matter dropped, emphasis and link
/// targets removed, `| a | b |` table rows kept as `a | b`, their `---`
/// separator rows dropped. Headings, list items and numbering stay as they
/// are: the importer reads them as in plain text.
pub fn markdown_to_text(md: &str) -> String {
    let mut body = md;
    if let Some(after) = md.strip_prefix("---\n") {
        if let Some(end) = after.find("\n---") {
            body = after[end + 4..].trim_start_matches(['-', '\n']);
        }
    }
    let mut out = String::with_capacity(body.len());
    for line in body.lines() {
        let line = line.trim_end();
        let trimmed = line.trim();
        if trimmed.starts_with('|') {
            let cells: Vec<&str> = trimmed
                .trim_matches('|')
                .split('|')
                .map(str::trim)
                .collect();
            if cells
                .iter()
                .all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')))
            {
                continue;
            }
            out.push_str(&inline_markdown(&cells.join(" | ")));
        } else {
            let heading = trimmed.trim_start_matches('#');
            let text = if heading.len() < trimmed.len() && heading.starts_with(' ') {
                heading.trim()
            } else {
                line
            };
            let text = match text.trim_start().strip_prefix("* ") {
                Some(item) => format!("- {item}"),
                None => text.to_string(),
            };
            out.push_str(&inline_markdown(&text));
        }
        out.push('\n');
    }
    out
}

/// `**bold**`, `_em_`, `` `code` `` and `[text](url)` as their text.
fn inline_markdown(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find("](") {
            Some(close) if !after[..close].contains('[') => {
                out.push_str(&after[..close]);
                let url = &after[close + 2..];
                rest = url.find(')').map_or("", |i| &url[i + 1..]);
            }
            _ => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out.replace("**", "").replace("__", "").replace('`', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_keeps_structure_and_drops_chrome() {
        let html = r#"<html><head><title>T</title><style>p{}</style></head><body>
<nav><a href="/">Главная</a></nav>
<h1>Политика</h1><p>Общество обязан<span>о</span> хранить&nbsp;данные &laquo;А&raquo;.</p>
<ul><li>фамилия;</li><li>ИИН</li></ul>
<table><tr><th>Цель</th><th>Данные</th></tr><tr><td><p>Доставка</p></td><td><ul><li>адрес доставки</li><li>телефон</li></ul></td></tr></table>
<script>var a = "<p>";</script><!-- c --><footer>©</footer></body></html>"#;
        assert_eq!(
            html_to_text(html),
            "Политика\nОбщество обязано хранить данные «А».\n- фамилия;\n- ИИН\nЦель | Данные\nДоставка | адрес доставки; телефон\n"
        );
    }

    #[test]
    fn markdown_becomes_plain_lines() {
        let md = "---\ntitle: x\n---\n# Privacy\n\n* **Name** and [e-mail](mailto:a@b)\n\n| Cookie | Lifetime |\n| --- | --- |\n| lang | 1 year |\n";
        assert_eq!(
            markdown_to_text(md),
            "Privacy\n\n- Name and e-mail\n\nCookie | Lifetime\nlang | 1 year\n"
        );
    }

    #[test]
    fn odd_markup_does_not_panic() {
        for html in [
            "<",
            "<a",
            "&",
            "&#xZZ;",
            "&#99999999;",
            "<table><td>ә | б",
            "</td></tr>",
            "<!--",
            "<script>",
            "<p attr='>'>т</p>",
            "<nav><nav></nav>",
            "ә&shy;б",
            "<<>>",
            "&amp",
        ] {
            let _ = html_to_text(html);
            let _ = crate::policy::import::draft(&html_to_text(html));
        }
        assert_eq!(html_to_text("ә&shy;б &lt;в&gt;"), "әб <в>\n");
        for md in ["---", "---\n", "[", "[a](", "| --- |", "|", "# "] {
            let _ = markdown_to_text(md);
        }
    }

    #[test]
    fn broken_documents_are_a_clear_error() {
        let e = text_of(Path::new("p.pdf"), b"%PDF-1.4").unwrap_err();
        assert!(e.starts_with("p.pdf: malformed PDF"), "{e}");
        let e = text_of(Path::new("p.docx"), b"PK\x03\x04 not a zip").unwrap_err();
        assert!(e.starts_with("p.docx: not a .docx"), "{e}");
        // Recognised by content whatever the extension.
        let e = text_of(Path::new("policy.txt"), b"%PDF-1.4").unwrap_err();
        assert!(e.contains("malformed PDF"), "{e}");
        assert_eq!(
            Format::detect(Path::new("p"), b"{\\rtf1 x}"),
            Format::Document
        );
        assert_eq!(
            Format::detect(Path::new("p.txt"), "Политика".as_bytes()),
            Format::Text
        );
    }
}
