//! Where a purpose keeps its data (location globs) and for how long
//! (retention), compiled once per policy.

use crate::policy::{Purpose, Retention};
use chrono::{DateTime, NaiveDate};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

/// A purpose's `locations`, compiled.
///
/// A glob without `#` is matched against the path alone, so it covers every
/// field of the files it names; a glob with `#` is matched against
/// `path#field`. Relative globs match below any directory (`logs/*.log`
/// matches `./srv/logs/app.log`) because finding paths are written as
/// reached from the scan argument, wherever that was. A glob naming an
/// archive covers its members (`backups/*.tar.gz` covers
/// `backups/a.tar.gz!crm.sql`).
pub(crate) struct LocationMatcher {
    /// `None` when the purpose lists no locations: it applies anywhere.
    paths: Option<GlobSet>,
    fields: Option<GlobSet>,
}

impl LocationMatcher {
    pub(crate) fn new(locations: &[String]) -> LocationMatcher {
        if locations.is_empty() {
            return LocationMatcher {
                paths: None,
                fields: None,
            };
        }
        let mut paths = GlobSetBuilder::new();
        let mut fields = GlobSetBuilder::new();
        for location in locations {
            let target = if location.contains('#') {
                &mut fields
            } else {
                &mut paths
            };
            let anchored = location.starts_with('/') || location.starts_with("**");
            let pattern = if anchored {
                location.clone()
            } else {
                format!("**/{location}")
            };
            // The policy check reports bad globs with their line; one that
            // slipped through matches nothing, so its data shows as
            // out-of-place rather than silently declared.
            if let Ok(glob) = GlobBuilder::new(&pattern).literal_separator(true).build() {
                target.add(glob);
            }
        }
        // Every glob above compiled on its own, so the sets cannot fail.
        LocationMatcher {
            paths: Some(paths.build().unwrap_or_else(|_| GlobSet::empty())),
            fields: Some(fields.build().unwrap_or_else(|_| GlobSet::empty())),
        }
    }

    /// Whether the purpose applies to `path` (and `field`, when structured).
    pub(crate) fn matches(&self, path: &str, field: Option<&str>) -> bool {
        let (Some(paths), Some(fields)) = (&self.paths, &self.fields) else {
            return true;
        };
        let path = path.strip_prefix("./").unwrap_or(path);
        // The file itself, then each enclosing archive (`a.tgz!b.sql` → `a.tgz`).
        let enclosing = path.match_indices('!').map(|(i, _)| &path[..i]);
        for candidate in std::iter::once(path).chain(enclosing) {
            if paths.is_match(candidate) {
                return true;
            }
        }
        match field {
            Some(field) if !fields.is_empty() => fields.is_match(format!("{path}#{field}")),
            _ => false,
        }
    }
}

/// The day before which data kept for `retention` is overdue, counted back
/// from `today`; `None` when the retention is unlimited.
pub(crate) fn retention_cutoff(retention: Retention, today: NaiveDate) -> Option<NaiveDate> {
    retention.cutoff(today)
}

/// The longest retention among `purposes`: unlimited wins.
pub(crate) fn longest_retention<'a>(
    purposes: impl IntoIterator<Item = &'a Purpose>,
) -> Option<Retention> {
    purposes
        .into_iter()
        .map(|p| p.retention)
        .max_by_key(|r| match r {
            Retention::Unlimited => u64::MAX,
            Retention::Months(m) => u64::from(*m) * 31,
            Retention::Days(d) => u64::from(*d),
        })
}

/// `3y`, `18m` or `none`: the policy file's own notation.
pub fn retention_label(retention: Retention) -> String {
    retention.to_string()
}

/// The calendar day (UTC) of a Unix timestamp.
pub(crate) fn day_of(unix_seconds: i64) -> Option<NaiveDate> {
    DateTime::from_timestamp(unix_seconds, 0).map(|t| t.date_naive())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(globs: &[&str]) -> LocationMatcher {
        LocationMatcher::new(&globs.iter().map(|g| g.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn no_locations_means_anywhere() {
        assert!(matcher(&[]).matches("/any/where.txt", Some("t.c")));
    }

    #[test]
    fn relative_globs_match_below_any_directory() {
        let m = matcher(&["srv/app/logs/**"]);
        assert!(m.matches("srv/app/logs/a.log", None));
        assert!(m.matches("./srv/app/logs/2024/a.log", None));
        assert!(m.matches("/tmp/x/srv/app/logs/a.log", None));
        assert!(!m.matches("/tmp/x/srv/app/other/a.log", None));
    }

    #[test]
    fn star_does_not_cross_directories() {
        let m = matcher(&["backups/*.sql"]);
        assert!(m.matches("root/backups/a.sql", Some("clients.email")));
        assert!(!m.matches("root/backups/old/a.sql", None));
    }

    #[test]
    fn field_globs_need_the_field() {
        let m = matcher(&["backups/*.sql#clients.*"]);
        assert!(m.matches("backups/a.sql", Some("clients.email")));
        assert!(!m.matches("backups/a.sql", Some("orders.email")));
        assert!(!m.matches("backups/a.sql", None));
    }

    #[test]
    fn archive_globs_cover_their_members() {
        let m = matcher(&["backups/*.tar.gz"]);
        assert!(m.matches("x/backups/a.tar.gz!dump/crm.sql", None));
        assert!(!m.matches("x/exports/a.tar.gz!dump/crm.sql", None));
    }

    #[test]
    fn a_bad_glob_matches_nothing() {
        let m = matcher(&["logs/[z-a"]);
        assert!(!m.matches("logs/[z-a", None));
    }

    #[test]
    fn retention_arithmetic() {
        let today = NaiveDate::from_ymd_opt(2025, 3, 31).unwrap();
        assert_eq!(
            retention_cutoff(Retention::Months(36), today),
            NaiveDate::from_ymd_opt(2022, 3, 31)
        );
        assert_eq!(
            retention_cutoff(Retention::Months(1), today),
            NaiveDate::from_ymd_opt(2025, 2, 28)
        );
        assert_eq!(retention_cutoff(Retention::Unlimited, today), None);
        assert_eq!(retention_label(Retention::Months(36)), "3y");
        assert_eq!(retention_label(Retention::Months(18)), "18m");
        assert_eq!(retention_label(Retention::Unlimited), "none");
    }
}
