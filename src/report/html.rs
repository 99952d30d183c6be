//! `--format html`: one self-contained file. Inline CSS and JS only, and a
//! Content-Security-Policy that forbids every network load, so the report
//! can be mailed around and opened anywhere without calling home.
//!
//! The tables are rendered here and read without JavaScript; the script
//! (`html/report.js`) draws the heat map from the JSON embedded in the page
//! and adds the status and location filters.

use super::{
    common_root, evidence_id, line_span, policy_line, purposes_brief, scan_line, short, Report,
    NO_POLICY_HINT,
};
use crate::inventory::{InventoryRow, Status};
use crate::model::Category;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

const CSS: &str = include_str!("html/report.css");
const JS: &str = include_str!("html/report.js");

/// Sections of the per-location tables start closed beyond this many files.
const OPEN_SECTIONS: usize = 40;

/// Text from scanned data and the policy goes through this before it
/// reaches the page.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// JSON made safe to sit inside `<script>`: no `<`, `>` or `&` survives
/// outside a string escape, so nothing in it can close the element.
fn script_json<T: Serialize>(value: &T) -> io::Result<String> {
    Ok(serde_json::to_string(value)?
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026"))
}

/// What the script needs to draw the heat map.
#[derive(Serialize)]
struct HeatData<'a> {
    statuses: Vec<StatusInfo>,
    categories: Vec<CategoryInfo>,
    cells: Vec<Cell<'a>>,
}

#[derive(Serialize)]
struct StatusInfo {
    id: &'static str,
    describe: &'static str,
}

#[derive(Serialize)]
struct CategoryInfo {
    id: &'static str,
    describe: &'static str,
}

#[derive(Serialize)]
struct Cell<'a> {
    /// Location without the common root.
    location: &'a str,
    /// Id of the per-file section the cell links to.
    anchor: String,
    category: Category,
    status: Status,
    count: u64,
    distinct: u64,
    /// Implied by other data (birth dates from IINs), not found as such.
    derived: bool,
    purposes: &'a [String],
    note: &'a str,
}

fn status_badge(status: Status) -> String {
    format!(
        r#"<span class="badge s-{id}">{id}</span>"#,
        id = status.id()
    )
}

pub fn render(report: &Report<'_>, w: &mut dyn Write) -> io::Result<()> {
    let inv = report.inventory;
    let root = common_root(&inv.rows);

    // Files in path order, each with its rows: the per-location tables.
    let mut files: BTreeMap<&str, Vec<&InventoryRow>> = BTreeMap::new();
    for row in &inv.rows {
        files.entry(row.path.as_str()).or_default().push(row);
    }
    let anchors: BTreeMap<&str, String> = files
        .keys()
        .enumerate()
        .map(|(i, path)| (*path, format!("file-{i}")))
        .collect();

    let present: Vec<Category> = Category::ALL
        .into_iter()
        .filter(|c| inv.rows.iter().any(|r| r.category == *c))
        .collect();
    let heat = HeatData {
        statuses: Status::ALL
            .iter()
            .map(|s| StatusInfo {
                id: s.id(),
                describe: s.describe(),
            })
            .collect(),
        categories: present
            .iter()
            .map(|c| CategoryInfo {
                id: c.id(),
                describe: c.describe(),
            })
            .collect(),
        cells: inv
            .rows
            .iter()
            .map(|r| Cell {
                location: short(&r.location, &root),
                anchor: anchors[r.path.as_str()].clone(),
                category: r.category,
                status: r.status,
                count: r.count,
                distinct: r.distinct,
                derived: r.evidence.contains(&crate::model::Evidence::Derived),
                purposes: &r.purposes,
                note: &r.note,
            })
            .collect(),
    };

    let mut h = String::with_capacity(16 * 1024 + inv.rows.len() * 600);
    h.push_str(&format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tizim {version}">
<title>Personal data inventory · {as_of}</title>
<style>{CSS}</style>
</head>
<body>
<header class="top">
<div class="brand"><span class="logo">tizim</span><span class="title">Personal data inventory</span><span class="asof">as of {as_of}</span></div>
<dl class="facts">
<dt>Policy</dt><dd>{policy}</dd>
<dt>Scan</dt><dd>{scan}</dd>
{root_fact}</dl>
</header>
<main>
"#,
        version = env!("CARGO_PKG_VERSION"),
        as_of = esc(&inv.as_of),
        policy = esc(&policy_line(report.policy, inv)),
        scan = esc(&scan_line(report)),
        root_fact = if root.is_empty() {
            String::new()
        } else {
            format!("<dt>Root</dt><dd><code>{}</code></dd>\n", esc(&root))
        },
    ));

    if report.policy.is_none() {
        h.push_str(&format!(
            "<p class=\"hint\"><strong>Hint.</strong> {}</p>\n",
            esc(NO_POLICY_HINT)
        ));
    }

    // Status counts; the cards double as filters once the script runs.
    h.push_str("<section class=\"cards\" id=\"statuses\" aria-label=\"Status counts\">\n");
    for s in &inv.statuses {
        h.push_str(&format!(
            r#"<button type="button" class="card s-{id}{zero}" data-status="{id}" aria-pressed="true" title="Show or hide {id} rows"><span class="num">{rows}</span><span class="label">{id}</span><span class="sub">{findings} finding{plural}</span><span class="desc">{desc}</span></button>
"#,
            id = s.status.id(),
            zero = if s.rows == 0 { " zero" } else { "" },
            rows = s.rows,
            findings = s.findings,
            plural = if s.findings == 1 { "" } else { "s" },
            desc = esc(s.status.describe()),
        ));
    }
    let subj = &inv.subjects;
    h.push_str(&format!(
        r#"<div class="card people{alert}"><span class="num">{minors}</span><span class="label">minor{plural}</span><span class="sub">of {holders} IIN holder{hplural}</span><span class="desc">{female} female · {male} male; minors' data needs a parent's consent</span></div>
"#,
        alert = if subj.minors > 0 { " alert" } else { "" },
        minors = subj.minors,
        plural = if subj.minors == 1 { "" } else { "s" },
        holders = subj.people,
        hplural = if subj.people == 1 { "" } else { "s" },
        female = subj.female,
        male = subj.male,
    ));
    h.push_str("</section>\n");

    h.push_str(
        r#"<section id="map">
<div class="section-head"><h2>Heat map <small>categories × locations</small></h2>
<label class="search">Filter <input id="location-filter" type="search" placeholder="path or field…" autocomplete="off"></label></div>
<div id="heatmap" class="heatmap"><noscript><p class="muted">The heat map is drawn by the page's script; the tables below hold the same data.</p></noscript></div>
<p class="legend" id="legend">"#,
    );
    for s in Status::ALL {
        h.push_str(&format!(
            "<span><i class=\"swatch s-{id}\"></i>{id}</span>",
            id = s.id()
        ));
    }
    h.push_str("<span class=\"muted\">darker = more findings · * derived from IINs</span></p>\n</section>\n");

    if !inv.purposes.is_empty() {
        h.push_str(
            "<section id=\"purposes\">\n<h2>Purpose coverage</h2>\n<div class=\"purposes\">\n",
        );
        for p in &inv.purposes {
            let chips: String = p
                .categories
                .iter()
                .map(|c| {
                    let seen = p.seen.contains(c);
                    format!(
                        r#"<span class="chip {cls}" title="{title}">{id}</span>"#,
                        cls = if seen { "seen" } else { "unseen" },
                        title = if seen {
                            "found where this purpose applies"
                        } else {
                            "declared but never seen"
                        },
                        id = c.id()
                    )
                })
                .collect();
            let locations = if p.locations.is_empty() {
                "anywhere".to_string()
            } else {
                p.locations
                    .iter()
                    .map(|l| format!("<code>{}</code>", esc(l)))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            h.push_str(&format!(
                r#"<article class="purpose{unseen}">
<header><span class="pid">{id}</span><span class="ret" title="retention">{ret}</span></header>
<h3>{title}</h3>
<div class="chips">{chips}</div>
<p class="small">{rows} row{rplural}, {findings} finding{fplural} · locations: {locations}{basis}</p>
</article>
"#,
                unseen = if p.unseen.is_empty() { "" } else { " has-unseen" },
                id = esc(&p.id),
                ret = esc(&p.retention),
                title = esc(&p.title),
                rows = p.rows,
                rplural = if p.rows == 1 { "" } else { "s" },
                findings = p.findings,
                fplural = if p.findings == 1 { "" } else { "s" },
                basis = p
                    .legal_basis
                    .as_deref()
                    .map(|b| format!(" · basis: {}", esc(b)))
                    .unwrap_or_default(),
            ));
        }
        h.push_str("</div>\n</section>\n");
    }

    h.push_str("<section id=\"locations\">\n<h2>Locations</h2>\n");
    if files.is_empty() {
        h.push_str("<p class=\"muted\">No personal data found.</p>\n");
    }
    let open = files.len() <= OPEN_SECTIONS;
    for (path, rows) in &files {
        let worst = rows
            .iter()
            .map(|r| r.status)
            .min_by_key(|s| Status::ALL.iter().position(|x| x == s))
            .unwrap_or(Status::Declared);
        let findings: u64 = rows.iter().map(|r| r.count).sum();
        h.push_str(&format!(
            r#"<details class="file" id="{anchor}"{open}><summary><span class="path">{path}</span>{badge}<span class="muted">{findings} finding{plural}</span></summary>
<table><thead><tr><th>Field</th><th>Category</th><th>Status</th><th class="n">Count</th><th class="n">Distinct</th><th>Lines</th><th>Evidence</th><th>Examples (masked)</th><th>Purposes</th><th>Why</th></tr></thead><tbody>
"#,
            anchor = anchors[path],
            open = if open { " open" } else { "" },
            path = esc(short(path, &root)),
            badge = status_badge(worst),
            plural = if findings == 1 { "" } else { "s" },
        ));
        for r in rows {
            let evidence: Vec<&str> = r.evidence.iter().map(|&e| evidence_id(e)).collect();
            h.push_str(&format!(
                "<tr data-status=\"{status}\"><td>{field}</td><td>{category}</td><td>{badge}</td><td class=\"n\">{count}</td><td class=\"n\">{distinct}</td><td class=\"lines\">{lines}</td><td>{evidence}</td><td class=\"examples\">{examples}</td><td title=\"{purposes_all}\">{purposes}</td><td class=\"note\">{note}</td></tr>\n",
                status = r.status.id(),
                field = r.field.as_deref().map(esc).unwrap_or_else(|| "—".to_string()),
                category = r.category.id(),
                badge = status_badge(r.status),
                count = r.count,
                distinct = r.distinct,
                lines = line_span(r),
                evidence = evidence.join(", "),
                examples = r
                    .examples
                    .iter()
                    .map(|e| format!("<code>{}</code>", esc(e)))
                    .collect::<String>(),
                purposes = esc(&purposes_brief(&r.purposes, 60)),
                purposes_all = esc(&r.purposes.join(", ")),
                note = esc(&r.note),
            ));
        }
        h.push_str("</tbody></table>\n</details>\n");
    }
    h.push_str("</section>\n");

    let errors = &report.summary.errors;
    let notices = &report.summary.notices;
    if !errors.is_empty() || !notices.is_empty() {
        h.push_str(
            "<section id=\"problems\">\n<h2>Errors and notices</h2>\n<ul class=\"problems\">\n",
        );
        for e in errors {
            h.push_str(&format!(
                "<li class=\"error\"><span class=\"badge s-prohibited\">error</span> <code>{}</code> {}</li>\n",
                esc(short(&e.path, &root)),
                esc(&e.message)
            ));
        }
        for n in notices {
            h.push_str(&format!(
                "<li><span class=\"badge\">notice</span> <code>{}{}</code> {}</li>\n",
                esc(short(&n.path, &root)),
                n.line.map(|l| format!(":{l}")).unwrap_or_default(),
                esc(&n.message)
            ));
        }
        h.push_str("</ul>\n</section>\n");
    }

    h.push_str(&format!(
        r#"</main>
<footer>Generated by tizim {version}. Values are masked; fingerprints are keyed (fingerprint key id <code>{key_id}</code>, {key_scope} key). This page loads nothing from the network.</footer>
<script type="application/json" id="tizim-data">{data}</script>
<script>{JS}</script>
</body>
</html>
"#,
        version = env!("CARGO_PKG_VERSION"),
        key_id = report.key.id_str(),
        key_scope = report.key.scope().id(),
        data = script_json(&heat)?,
    ));
    w.write_all(h.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            esc(r#"<img src=x onerror="a">&'"#),
            "&lt;img src=x onerror=&quot;a&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn embedded_json_cannot_close_the_script() {
        let json = script_json(&vec!["</script><b>&"]).unwrap();
        assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'));
        let back: Vec<String> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, vec!["</script><b>&"]);
    }
}
