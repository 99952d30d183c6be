//! Formats made of numbers rather than text: PostScript programs, PDF
//! files whose content streams are not compressed, font metrics and bitmap
//! fonts. Their digit runs are coordinates, widths and glyph codes
//! (`78 181 549 273`, `5226 5259 5293 5326`), so they are recognised by
//! their first bytes (or, failing that, their name) and skipped with
//! [`SkipReason::NumericFormat`](crate::model::SkipReason) instead of being
//! scanned as text.
//!
//! Kept apart from decoding on purpose: a reader that extracts the text of
//! one of these formats (a PDF reader) takes it over by recognising it
//! first, as a `Format` of its own.

/// A format recognised as numbers, by name for reports and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumericFormat {
    PostScript,
    Pdf,
    FontMetrics,
    BitmapFont,
}

/// Magic first bytes of each format (after any leading blank lines).
const MAGIC: &[(&[u8], NumericFormat)] = &[
    // PostScript, EPS and Type 1 fonts in ASCII (`%!PS-AdobeFont`).
    (b"%!PS", NumericFormat::PostScript),
    (b"%!FontType1", NumericFormat::PostScript),
    (b"%PDF-", NumericFormat::Pdf),
    // Adobe Font Metrics (AFM, ACFM, AMFM).
    (b"StartFontMetrics", NumericFormat::FontMetrics),
    (b"StartCompFontMetrics", NumericFormat::FontMetrics),
    (b"StartMasterFontMetrics", NumericFormat::FontMetrics),
    // X11 BDF bitmap fonts.
    (b"STARTFONT ", NumericFormat::BitmapFont),
];

/// Name endings, for files whose first bytes say nothing (a PostScript
/// prologue starting with a comment of its own).
const EXTENSIONS: &[(&str, NumericFormat)] = &[
    ("ps", NumericFormat::PostScript),
    ("eps", NumericFormat::PostScript),
    ("pfa", NumericFormat::PostScript),
    ("afm", NumericFormat::FontMetrics),
    ("bdf", NumericFormat::BitmapFont),
];

/// The numeric format `head` (the first bytes of the decoded stream) or
/// `name` (compression suffixes already dropped) says this is, if any.
pub fn recognise(head: &[u8], name: &str) -> Option<NumericFormat> {
    let start = head
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(head.len());
    let head = &head[start..];
    if let Some(&(_, kind)) = MAGIC.iter().find(|(magic, _)| head.starts_with(magic)) {
        return Some(kind);
    }
    let file = name.rsplit(['/', '!', '\\']).next().unwrap_or(name);
    let (_, ext) = file.rsplit_once('.')?;
    EXTENSIONS
        .iter()
        .find(|(e, _)| ext.eq_ignore_ascii_case(e))
        .map(|&(_, kind)| kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_first_bytes_and_by_name() {
        assert_eq!(
            recognise(b"%!PS-Adobe-3.0\n%%Title: x\n", "doc.txt"),
            Some(NumericFormat::PostScript)
        );
        assert_eq!(
            recognise(b"%PDF-1.4\n1 0 obj", "a"),
            Some(NumericFormat::Pdf)
        );
        assert_eq!(
            recognise(b"StartFontMetrics 2.0\nComment", "symbolsl"),
            Some(NumericFormat::FontMetrics)
        );
        assert_eq!(
            recognise(b"STARTFONT 2.1\n", "x"),
            Some(NumericFormat::BitmapFont)
        );
        assert_eq!(
            recognise(b"% prologue\n", "a.tar!fig.EPS"),
            Some(NumericFormat::PostScript)
        );
        assert_eq!(recognise(b"%!important note\n", "notes.txt"), None);
        assert_eq!(recognise(b"id,iin\n", "export.csv"), None);
        assert_eq!(recognise(b"ps aux output", "ps"), None);
    }
}
