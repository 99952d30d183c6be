//! Column-name evidence: what a column, header or key name says about its
//! values, in Kazakh, Russian and English.

use crate::model::{Category, Match, Segment};

/// The category a field name suggests (`ИИН`, `phone`, `e-mail`, `fio` …).
/// Must not fire on `filename`, `bypass`, `compass` and the like.
pub fn category_for_name(name: &str) -> Option<Category> {
    // SKELETON
    let _ = name;
    None
}

/// Value-level detection for categories that only make sense inside a
/// named field (person names, birth dates, document numbers): called for
/// segments whose field name suggested `category`.
pub fn scan_field_value(category: Category, seg: &Segment<'_>, out: &mut Vec<Match>) {
    // SKELETON
    let _ = (category, seg, out);
}
