//! What a policy change does: `tizim policy diff OLD.toml NEW.toml`.
//!
//! When a privacy policy is revised, the inventory must be judged again
//! against what the new version adds (data now allowed), removes (data no
//! longer declared: findings of it become undeclared) and prohibits.

use super::{Policy, Purpose};
use crate::model::Category;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// The changes from `old` to `new`, one line each, in a fixed order:
/// prohibitions, categories declared anywhere, then purposes by id. Empty
/// when the two declare the same thing.
pub fn diff(old: &Policy, new: &Policy) -> Vec<String> {
    let mut out = Vec::new();
    if old.operator.name != new.operator.name || old.operator.bin != new.operator.bin {
        out.push(format!("operator: {} → {}", operator(old), operator(new)));
    }
    let (added, removed) = set_changes(&old.prohibited, &new.prohibited);
    for c in added {
        out.push(format!("+ prohibited: {c}"));
    }
    for c in removed {
        out.push(format!("- prohibited: {c} (no longer promised)"));
    }
    let (added, removed) = set_changes(&declared(old), &declared(new));
    for c in added {
        out.push(format!("+ declared: {c} (newly allowed somewhere)"));
    }
    for c in removed {
        out.push(format!(
            "- declared: {c} (findings of it become undeclared)"
        ));
    }
    for p in &new.purposes {
        match old.purpose(&p.id) {
            None => out.push(format!(
                "+ purpose {}: {} [{}], retention {}",
                p.id,
                p.title,
                ids(&p.categories),
                p.retention
            )),
            Some(before) => out.extend(purpose_changes(before, p)),
        }
    }
    for p in &old.purposes {
        if new.purpose(&p.id).is_none() {
            out.push(format!(
                "- purpose {}: {} [{}]",
                p.id,
                p.title,
                ids(&p.categories)
            ));
        }
    }
    out
}

fn purpose_changes(old: &Purpose, new: &Purpose) -> Vec<String> {
    let id = &new.id;
    let mut out = Vec::new();
    let (added, removed) = set_changes(&old.categories, &new.categories);
    for c in added {
        out.push(format!("~ purpose {id}: + {c}"));
    }
    for c in removed {
        out.push(format!("~ purpose {id}: - {c}"));
    }
    if old.retention != new.retention {
        out.push(format!(
            "~ purpose {id}: retention {} → {}",
            old.retention, new.retention
        ));
    }
    if old.legal_basis != new.legal_basis {
        out.push(format!(
            "~ purpose {id}: legal basis {} → {}",
            old.legal_basis.as_deref().unwrap_or("none"),
            new.legal_basis.as_deref().unwrap_or("none")
        ));
    }
    if old.locations != new.locations {
        out.push(format!(
            "~ purpose {id}: locations [{}] → [{}]",
            old.locations.join(", "),
            new.locations.join(", ")
        ));
    }
    if old.title != new.title {
        out.push(format!(
            "~ purpose {id}: title «{}» → «{}»",
            old.title, new.title
        ));
    }
    out
}

fn operator(p: &Policy) -> String {
    let mut s = if p.operator.name.is_empty() {
        "(none)".to_string()
    } else {
        p.operator.name.clone()
    };
    if let Some(bin) = &p.operator.bin {
        let _ = write!(s, " (BIN {bin})");
    }
    s
}

/// Every category some purpose declares.
fn declared(p: &Policy) -> Vec<Category> {
    p.purposes
        .iter()
        .flat_map(|p| p.categories.iter().copied())
        .collect()
}

/// (in `new` only, in `old` only), sorted.
fn set_changes(old: &[Category], new: &[Category]) -> (Vec<Category>, Vec<Category>) {
    let old: BTreeSet<Category> = old.iter().copied().collect();
    let new: BTreeSet<Category> = new.iter().copied().collect();
    (
        new.difference(&old).copied().collect(),
        old.difference(&new).copied().collect(),
    )
}

fn ids(categories: &[Category]) -> String {
    categories
        .iter()
        .map(|c| c.id())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::parse;

    const OLD: &str = r#"
prohibited = ["card"]
[operator]
name = "ТОО «Пример»"
[[purpose]]
id = "orders"
title = "Orders"
categories = ["person_name", "phone"]
retention = "3y"
[[purpose]]
id = "news"
title = "News"
categories = ["email"]
retention = "1y"
"#;

    #[test]
    fn no_change_is_empty() {
        let p = parse(OLD).unwrap();
        assert!(diff(&p, &p).is_empty());
    }

    #[test]
    fn additions_removals_and_prohibitions() {
        let new = OLD
            .replace("prohibited = [\"card\"]", "prohibited = [\"biometric\"]")
            .replace("\"person_name\", \"phone\"]\nretention = \"3y\"", "\"person_name\", \"address\"]\nretention = \"5y\"")
            .replace("id = \"news\"\ntitle = \"News\"\ncategories = [\"email\"]\nretention = \"1y\"", "id = \"support\"\ntitle = \"Support\"\ncategories = [\"email\", \"iin\"]\nretention = \"90d\"");
        let changes = diff(&parse(OLD).unwrap(), &parse(&new).unwrap());
        assert_eq!(
            changes,
            [
                "+ prohibited: biometric",
                "- prohibited: card (no longer promised)",
                "+ declared: iin (newly allowed somewhere)",
                "+ declared: address (newly allowed somewhere)",
                "- declared: phone (findings of it become undeclared)",
                "~ purpose orders: + address",
                "~ purpose orders: - phone",
                "~ purpose orders: retention 3y → 5y",
                "+ purpose support: Support [email, iin], retention 90d",
                "- purpose news: News [email]",
            ]
        );
    }
}
