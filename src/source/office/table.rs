//! Naming the columns of tables that carry no schema: spreadsheets and the
//! tables of documents. The judgement of a header cell is CSV's
//! ([`crate::source::structured`]), so a column reads the same whatever
//! file it sits in.

use crate::source::structured::{label_like, looks_like_data};

/// Whether a row of cell texts (empty cells included) reads as a header:
/// at least `min_labels` non-empty cells, two in three of them labels
/// (`ФИО`, `Дата рождения`, `№` is tolerated), none holding data (a
/// number, an e-mail, an identifier).
pub(super) fn is_header_row<'a>(
    cells: impl IntoIterator<Item = &'a str>,
    min_labels: usize,
) -> bool {
    let (mut filled, mut labels) = (0usize, 0usize);
    for cell in cells {
        let cell = cell.trim();
        if cell.is_empty() {
            continue;
        }
        if looks_like_data(cell) {
            return false;
        }
        filled += 1;
        labels += usize::from(label_like(cell));
    }
    labels >= min_labels && labels * 3 >= filled * 2
}

/// How the cells of a document table are named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum TableShape {
    /// The first row names the columns, as a CSV header does.
    Header(Vec<String>),
    /// Two columns, `label | value`: each value is named by its label
    /// (`Телефон | +7 701 …`).
    LabelValue,
    /// Nothing to name the cells by.
    Plain,
}

/// Decides the shape of a table from its rows of cell texts.
///
/// A two-column table whose left cells are all labels is `label | value`,
/// unless its first row is a header over data: `ФИО | ИИН` above
/// `Иванов Иван | 850315300128` names columns, where `Телефон | +7 701 …`
/// and `Должность | Бухгалтер` are labelled values.
pub(super) fn shape(rows: &[Vec<String>]) -> TableShape {
    let Some(first) = rows.first() else {
        return TableShape::Plain;
    };
    let label = |s: &String| label_like(s) && !looks_like_data(s);
    let header_over_data = rows.len() >= 2
        && is_header_row(first.iter().map(String::as_str), first.len().min(2))
        && rows[1..].iter().any(|row| {
            row.iter()
                .zip(first)
                .any(|(value, name)| !value.trim().is_empty() && label(name) && !label(value))
        });
    let two_columns = rows.iter().all(|row| row.len() == 2);
    if two_columns && rows.iter().all(|row| label(&row[0])) {
        let second_column_header =
            header_over_data && label(&first[1]) && rows[1..].iter().any(|row| !label(&row[1]));
        if !second_column_header {
            return TableShape::LabelValue;
        }
    }
    if header_over_data {
        TableShape::Header(first.iter().map(|s| s.trim().to_string()).collect())
    } else {
        TableShape::Plain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    #[test]
    fn header_rows_are_mostly_labels_and_never_data() {
        assert!(is_header_row(["ФИО", "ИИН", "Телефон"], 2));
        assert!(is_header_row(["№", "ФИО", "ИИН", "Телефон", "E-mail"], 2));
        assert!(!is_header_row(["Список сотрудников", ""], 2));
        assert!(!is_header_row(["Иванов", "850315300128"], 2));
        assert!(!is_header_row(["Дата отчёта", "01.02.2024"], 2));
    }

    #[test]
    fn table_shapes() {
        assert_eq!(
            shape(&rows(&[&["ФИО", "ИИН"], &["Иванов Иван", "850315300128"]])),
            TableShape::Header(vec!["ФИО".into(), "ИИН".into()])
        );
        assert_eq!(
            shape(&rows(&[
                &["Телефон", "+7 701 234 56 78"],
                &["Должность", "Бухгалтер"],
            ])),
            TableShape::LabelValue
        );
        assert_eq!(
            shape(&rows(&[
                &["№", "ФИО", "ИИН"],
                &["1", "Иванов Иван", "850315300128"]
            ])),
            TableShape::Header(vec!["№".into(), "ФИО".into(), "ИИН".into()])
        );
        assert_eq!(
            shape(&rows(&[&["1", "2", "3"], &["4", "5", "6"]])),
            TableShape::Plain
        );
    }
}
