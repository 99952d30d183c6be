//! Source code: number literals in programs are constants, test tables and
//! ids far more often than personal data. A bare card-length or 12-digit
//! literal (`check(5503284107318959, 446)`) with no context keyword is
//! therefore `low` in a file of a programming language; written grouped, or
//! next to a keyword (`iin = "850315300128"`), it keeps its confidence.

use crate::model::{Category, Confidence, Match};

/// File name endings of programming languages (an archive member's name
/// counts as its own). Data and markup (SQL dumps, CSV, JSON, YAML, HTML,
/// Markdown) are not here: values there are data.
const CODE_EXTENSIONS: &[&str] = &[
    "c", "h", "cc", "cpp", "cxx", "hpp", "hh", "hxx", "rs", "go", "java", "kt", "kts", "scala",
    "groovy", "cs", "fs", "vb", "swift", "m", "mm", "py", "pyi", "rb", "php", "pl", "pm", "t",
    "js", "mjs", "cjs", "ts", "tsx", "jsx", "lua", "r", "jl", "hs", "ml", "mli", "dart", "ex",
    "exs", "erl", "clj", "el", "lisp", "scm", "vim", "sh", "bash", "zsh", "ps1", "tcl", "f90",
    "asm", "s", "zig", "nim", "d", "pas", "ada", "adb", "ads",
];

/// Whether the file or member at `path` is written in a programming
/// language, by its name.
pub fn is_code_path(path: &str) -> bool {
    let name = path.rsplit(['/', '!', '\\']).next().unwrap_or(path);
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    !stem.is_empty() && CODE_EXTENSIONS.iter().any(|e| ext.eq_ignore_ascii_case(e))
}

/// Whether `m` (found as `raw` in a code file) is a bare card-length or
/// 12-digit literal that no context keyword raised (the built-in detectors
/// give such values `medium`; a keyword makes them `high`): the scan then
/// reports it `low`, with [`Lowered::CodeLiteral`](crate::model::Lowered).
pub fn is_bare_literal(m: &Match, raw: &str) -> bool {
    let shape = match m.category {
        Category::Iin | Category::Bin => raw.len() == 12,
        Category::Card => (13..=19).contains(&raw.len()),
        _ => false,
    };
    shape && m.confidence == Confidence::Medium && raw.bytes().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programming_languages_by_name() {
        assert!(is_code_path("src/strtod_test.c"));
        assert!(is_code_path("a.tar.gz!pkg/tests/test_float.py"));
        assert!(is_code_path(
            "/usr/share/perl/5.36.0/Unicode/Collate/CJK/Stroke.pm"
        ));
        assert!(!is_code_path("dump.sql"));
        assert!(!is_code_path("export.csv"));
        assert!(!is_code_path("README"));
        assert!(!is_code_path(".bashrc.d/x"));
    }

    #[test]
    fn bare_literals_without_context() {
        let m = |category, confidence| Match {
            start: 0,
            end: 16,
            line: 1,
            column: 1,
            category,
            detector: "card",
            confidence,
            normalized: String::new(),
            test: false,
            lowered: None,
            decoded: None,
        };
        assert!(is_bare_literal(
            &m(Category::Card, Confidence::Medium),
            "5503284107318959"
        ));
        assert!(!is_bare_literal(
            &m(Category::Card, Confidence::High),
            "5503 2841 0731 8959"
        ));
        assert!(!is_bare_literal(
            &m(Category::Iin, Confidence::High),
            "850315300128"
        ));
        assert!(!is_bare_literal(
            &m(Category::Phone, Confidence::Medium),
            "87012345678"
        ));
    }
}
