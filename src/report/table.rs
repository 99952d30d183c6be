//! The terminal report (`--format table`, the default): a summary, the
//! status counts, the inventory, purpose coverage and the subjects behind
//! the IINs. Colour only when the caller says the output is a terminal.

use super::{
    common_root, line_span, policy_line, purposes_brief, rows_by_urgency, scan_line, short, Report,
    NO_POLICY_HINT,
};
use crate::inventory::Status;
use std::io::{self, Write};

/// The terminal is no place for ten thousand rows; the other formats have them all.
const MAX_ROWS: usize = 200;
/// Locations longer than this are shortened in the middle.
const MAX_LOCATION: usize = 56;
/// The purposes column gets about this many characters; the rest is `+N`.
const MAX_PURPOSES: usize = 40;

struct Style {
    colour: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    fn status(&self, status: Status, padded: &str) -> String {
        let code = match status {
            Status::Prohibited => "1;31",
            Status::Undeclared => "31",
            Status::OutOfPlace => "33",
            Status::PastRetention => "35",
            Status::Declared => "32",
        };
        self.paint(code, padded)
    }
}

/// `…` in the middle of what does not fit, keeping both ends readable.
fn fit(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n <= width {
        return text.to_string();
    }
    let keep = width - 1;
    let head = keep / 3;
    let tail = keep - head;
    let start: String = text.chars().take(head).collect();
    let end: String = text.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

fn pad(text: &str, width: usize) -> String {
    let n = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(n)))
}

pub fn render(report: &Report<'_>, w: &mut dyn Write, colour: bool) -> io::Result<()> {
    let style = Style { colour };
    let inv = report.inventory;
    let root = common_root(&inv.rows);

    writeln!(
        w,
        "{}",
        style.bold(&format!(
            "tizim: personal data inventory as of {}",
            inv.as_of
        ))
    )?;
    writeln!(w, "Policy:  {}", policy_line(report.policy, inv))?;
    writeln!(w, "Scan:    {}", scan_line(report))?;
    if !root.is_empty() {
        writeln!(w, "Root:    {root}")?;
    }
    if report.policy.is_none() {
        writeln!(w)?;
        writeln!(
            w,
            "{}",
            style.paint("33", &format!("Hint: {NO_POLICY_HINT}"))
        )?;
    }

    writeln!(w)?;
    writeln!(
        w,
        "{}",
        style.bold(&format!(
            "{:<16}{:>6}{:>10}  Meaning",
            "Status", "Rows", "Findings"
        ))
    )?;
    for count in &inv.statuses {
        writeln!(
            w,
            "{}{:>6}{:>10}  {}",
            style.status(count.status, &pad(count.status.id(), 16)),
            count.rows,
            count.findings,
            style.dim(count.status.describe())
        )?;
    }

    writeln!(w)?;
    if inv.rows.is_empty() {
        writeln!(w, "No personal data found.")?;
    } else {
        write_rows(report, &root, &style, w)?;
    }

    if !inv.purposes.is_empty() {
        writeln!(w)?;
        let id_width = inv
            .purposes
            .iter()
            .map(|p| p.id.chars().count())
            .max()
            .unwrap_or(0)
            .max(7);
        writeln!(
            w,
            "{}",
            style.bold(&format!(
                "{} {:<9} {:>5}  Seen / declared but unseen",
                pad("Purpose", id_width),
                "Retention",
                "Rows"
            ))
        )?;
        for p in &inv.purposes {
            let seen: Vec<&str> = p.seen.iter().map(|c| c.id()).collect();
            let unseen: Vec<&str> = p.unseen.iter().map(|c| c.id()).collect();
            let mut coverage = if seen.is_empty() {
                style.dim("nothing seen")
            } else {
                seen.join(", ")
            };
            if !unseen.is_empty() {
                coverage.push_str(&format!(
                    " / {}",
                    style.paint("33", &format!("unseen: {}", unseen.join(", ")))
                ));
            }
            writeln!(
                w,
                "{} {:<9} {:>5}  {coverage}",
                pad(&p.id, id_width),
                p.retention,
                p.rows
            )?;
        }
    }

    let s = &inv.subjects;
    if s.people > 0 {
        writeln!(w)?;
        let minors = format!(
            "{} minor{} today",
            s.minors,
            if s.minors == 1 { "" } else { "s" }
        );
        writeln!(
            w,
            "People behind the IINs: {}, {} (a parent's consent is needed for their data), {} female, {} male",
            s.people,
            if s.minors > 0 { style.paint("1;33", &minors) } else { minors },
            s.female,
            s.male
        )?;
    }
    if inv.test_values > 0 {
        writeln!(
            w,
            "Well-known test values left out of the inventory: {}",
            inv.test_values
        )?;
    }

    let errors = &report.summary.errors;
    if !errors.is_empty() {
        writeln!(w)?;
        writeln!(
            w,
            "{}",
            style.paint(
                "31",
                &format!(
                    "{} error{}: these files were not (fully) read",
                    errors.len(),
                    if errors.len() == 1 { "" } else { "s" }
                )
            )
        )?;
        for e in errors.iter().take(10) {
            writeln!(w, "  {}: {}", short(&e.path, &root), e.message)?;
        }
        if errors.len() > 10 {
            writeln!(w, "  … and {} more (see --format json)", errors.len() - 10)?;
        }
    }
    if !report.summary.notices.is_empty() {
        writeln!(
            w,
            "{} notice{} about partly read files (see --format json)",
            report.summary.notices.len(),
            if report.summary.notices.len() == 1 {
                ""
            } else {
                "s"
            }
        )?;
    }
    Ok(())
}

fn write_rows(report: &Report<'_>, root: &str, style: &Style, w: &mut dyn Write) -> io::Result<()> {
    let rows = rows_by_urgency(report.inventory);
    let shown = &rows[..rows.len().min(MAX_ROWS)];
    let locations: Vec<String> = shown
        .iter()
        .map(|r| fit(short(&r.location, root), MAX_LOCATION))
        .collect();
    let loc_width = locations
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
        .max("Location".len());
    let lines: Vec<String> = shown.iter().map(|r| line_span(r)).collect();
    let line_width = lines
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
        .max("Lines".len());
    writeln!(
        w,
        "{}",
        style.bold(&format!(
            "{:<15} {} {:<17} {:>7} {:>8}  {}  Purposes",
            "Status",
            pad("Location", loc_width),
            "Category",
            "Count",
            "Distinct",
            pad("Lines", line_width),
        ))
    )?;
    for ((row, location), lines) in shown.iter().zip(&locations).zip(&lines) {
        let mut category = row.category.id().to_string();
        if row.evidence.contains(&crate::model::Evidence::Derived) {
            category.push('*');
        } else if !row.evidence.iter().any(|e| e.is_value()) {
            category.push('°');
        }
        writeln!(
            w,
            "{} {} {:<17} {:>7} {:>8}  {}  {}",
            style.status(row.status, &pad(row.status.id(), 15)),
            pad(location, loc_width),
            category,
            match row.sample.filter(|s| s.sampled) {
                // Scaled from a table sample: an estimate, marked as one.
                Some(s) => format!("~{}", s.estimated_count),
                None => row.count.to_string(),
            },
            row.distinct,
            pad(lines, line_width),
            purposes_brief(&row.purposes, MAX_PURPOSES)
        )?;
    }
    if rows.len() > shown.len() {
        writeln!(
            w,
            "… and {} more rows (--format csv, json or html list them all)",
            rows.len() - shown.len()
        )?;
    }
    writeln!(
        w,
        "{}",
        style.dim("* derived from IINs   ° column name only (values did not validate)")
    )?;
    if shown.iter().any(|r| r.sample.is_some_and(|s| s.sampled)) {
        writeln!(
            w,
            "{}",
            style.dim("~ estimated for the whole table from the rows sampled")
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn fit_keeps_both_ends() {
        assert_eq!(fit("short", 10), "short");
        let long = "/very/long/directory/name/and/file.sql#table.column";
        let fitted = fit(long, 20);
        assert_eq!(fitted.chars().count(), 20);
        assert!(fitted.starts_with("/very/"));
        assert!(fitted.ends_with("table.column"));
    }
}
