//! `--format markdown`: the report for tickets, wikis and pull requests.

use super::{
    common_root, evidence_id, line_span, policy_line, purposes_brief, rows_by_urgency, scan_line,
    short, Report, NO_POLICY_HINT,
};
use std::io::{self, Write};

/// Text from scanned data (paths, field names) must not turn into markup.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

pub fn render(report: &Report<'_>, w: &mut dyn Write) -> io::Result<()> {
    let inv = report.inventory;
    let root = common_root(&inv.rows);
    writeln!(w, "# Personal data inventory, as of {}\n", inv.as_of)?;
    writeln!(w, "- **Policy:** {}", esc(&policy_line(report.policy, inv)))?;
    writeln!(w, "- **Scan:** {}", esc(&scan_line(report)))?;
    writeln!(
        w,
        "- **Fingerprint key id:** `{}` ({} key)",
        report.key.id_str(),
        report.key.scope().id()
    )?;
    if !root.is_empty() {
        writeln!(w, "- **Root:** {}", esc(&root))?;
    }
    if report.policy.is_none() {
        writeln!(w, "\n> **Hint:** {NO_POLICY_HINT}")?;
    }

    writeln!(w, "\n## Status\n")?;
    writeln!(w, "| Status | Rows | Findings | Meaning |")?;
    writeln!(w, "|---|--:|--:|---|")?;
    for s in &inv.statuses {
        writeln!(
            w,
            "| {} | {} | {} | {} |",
            s.status,
            s.rows,
            s.findings,
            s.status.describe()
        )?;
    }

    writeln!(w, "\n## Inventory\n")?;
    if inv.rows.is_empty() {
        writeln!(w, "No personal data found.")?;
    } else {
        writeln!(
            w,
            "| Status | Location | Category | Count | Distinct | Lines | Evidence | Purposes | Note |"
        )?;
        writeln!(w, "|---|---|---|--:|--:|---|---|---|---|")?;
        for r in rows_by_urgency(inv) {
            let evidence: Vec<&str> = r.evidence.iter().map(|&e| evidence_id(e)).collect();
            writeln!(
                w,
                "| **{}** | {} | {} | {} | {} | {} | {} | {} | {} |",
                r.status,
                esc(short(&r.location, &root)),
                esc(r.category.id()),
                r.count,
                r.distinct,
                line_span(r),
                evidence.join(", "),
                esc(&purposes_brief(&r.purposes, 60)),
                esc(&r.note)
            )?;
        }
    }

    if !inv.purposes.is_empty() {
        writeln!(w, "\n## Purposes\n")?;
        writeln!(
            w,
            "| Purpose | Title | Retention | Rows | Seen | Declared but unseen |"
        )?;
        writeln!(w, "|---|---|---|--:|---|---|")?;
        for p in &inv.purposes {
            let ids = |cats: &[crate::model::Category]| {
                cats.iter().map(|c| c.id()).collect::<Vec<_>>().join(", ")
            };
            writeln!(
                w,
                "| {} | {} | {} | {} | {} | {} |",
                esc(&p.id),
                esc(&p.title),
                esc(&p.retention),
                p.rows,
                esc(&ids(&p.seen)),
                esc(&ids(&p.unseen))
            )?;
        }
    }

    let s = &inv.subjects;
    if s.people > 0 {
        writeln!(w, "\n## People behind the IINs\n")?;
        writeln!(w, "- Distinct IINs: {}", s.people)?;
        writeln!(
            w,
            "- Minors today: **{}** (their data needs a parent's or guardian's consent)",
            s.minors
        )?;
        writeln!(w, "- Female: {}, male: {}", s.female, s.male)?;
    }

    let errors = &report.summary.errors;
    if !errors.is_empty() {
        writeln!(w, "\n## Errors ({})\n", errors.len())?;
        for e in errors {
            writeln!(w, "- {}: {}", esc(short(&e.path, &root)), esc(&e.message))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn markup_in_paths_is_escaped() {
        assert_eq!(esc("a|b*c_[d]<e>"), "a\\|b\\*c\\_\\[d\\]\\<e\\>");
        assert_eq!(esc("two\nlines"), "two lines");
    }
}
