//! `--format csv`: the inventory, one row per (location, category), for
//! spreadsheets.

use super::{evidence_id, Report};
use std::io::{self, Write};

pub const COLUMNS: [&str; 19] = [
    "location",
    "path",
    "field",
    "category",
    "status",
    "count",
    "distinct",
    "first_line",
    "last_line",
    "confidence",
    "evidence",
    "purposes",
    "modified",
    "examples",
    "note",
    // Database tables: empty for files. `count` is what was read;
    // `estimated_count` scales it to the whole table when it was sampled.
    "sampled",
    "rows_sampled",
    "rows_estimated",
    "estimated_count",
];

/// Spreadsheets run cells that start with `=`, `+`, `-` or `@` as formulas;
/// paths and masks come from scanned data, so such cells get a leading `'`
/// (the OWASP advice against CSV injection).
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

fn opt<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

pub fn render(report: &Report<'_>, w: &mut dyn Write) -> io::Result<()> {
    let mut out = ::csv::Writer::from_writer(w);
    out.write_record(COLUMNS)?;
    for row in &report.inventory.rows {
        let evidence: Vec<&str> = row.evidence.iter().map(|&e| evidence_id(e)).collect();
        out.write_record([
            cell(&row.location),
            cell(&row.path),
            cell(row.field.as_deref().unwrap_or("")),
            row.category.id().to_string(),
            row.status.id().to_string(),
            row.count.to_string(),
            row.distinct.to_string(),
            row.first_line.to_string(),
            row.last_line.to_string(),
            row.confidence.id().to_string(),
            evidence.join("; "),
            cell(&row.purposes.join("; ")),
            row.modified.clone().unwrap_or_default(),
            cell(&row.examples.join("; ")),
            cell(&row.note),
            opt(row.sample.map(|s| s.sampled)),
            opt(row.sample.map(|s| s.rows_sampled)),
            opt(row.sample.map(|s| s.rows_estimated)),
            opt(row.sample.map(|s| s.estimated_count)),
        ])?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn formula_starts_are_defused() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("+7 *** *** ** 12"), "'+7 *** *** ** 12");
        assert_eq!(cell("logs/app.log"), "logs/app.log");
    }
}
