//! Database URLs, kept so that the password can never be printed: `Debug`
//! and `Display` show the location (no user, no password), and driver
//! messages pass through [`DbUrl::scrub`] before anyone sees them.

use super::DbError;
use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Postgres,
    Mysql,
    Sqlite,
}

const SCHEMES: &[(&str, DbKind)] = &[
    ("postgres", DbKind::Postgres),
    ("postgresql", DbKind::Postgres),
    ("mysql", DbKind::Mysql),
    ("mariadb", DbKind::Mysql),
    ("sqlite", DbKind::Sqlite),
];

/// Query parameters that carry secrets (libpq's `password`, `sslpassword`,
/// a MySQL `pass`): never shown, and scrubbed from messages.
const SECRET_PARAMS: &[&str] = &["password", "sslpassword", "pass", "pwd"];

#[derive(Clone)]
pub struct DbUrl {
    kind: DbKind,
    /// The URL as given, credentials and all: only for the drivers.
    raw: String,
    url: url::Url,
    /// Scheme, host, port and database: what locations start with.
    location: String,
    /// Every secret in the URL, raw and percent-decoded, to scrub.
    secrets: Vec<String>,
}

impl DbUrl {
    /// Whether a scan argument is a database URL rather than a path.
    /// Any `scheme://` counts, so that an unsupported one (`oracle://`,
    /// `redis://`) is refused as a URL, not read as a missing file whose
    /// name, password and all, would be printed.
    pub fn looks_like_url(arg: &str) -> bool {
        match arg.split_once("://") {
            Some((scheme, _)) => {
                scheme.len() >= 2
                    && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            }
            None => false,
        }
    }

    pub fn parse(raw: &str) -> Result<DbUrl, DbError> {
        let scheme = raw.split("://").next().unwrap_or("").to_ascii_lowercase();
        let Some(&(_, kind)) = SCHEMES.iter().find(|(s, _)| *s == scheme) else {
            return Err(DbError(format!(
                "{scheme}:// URLs are not supported (postgres, postgresql, mysql, mariadb, sqlite)"
            )));
        };
        let url = url::Url::parse(raw).map_err(|e| {
            // The parser's message never quotes the URL; the URL itself is
            // not shown, since it may hold a password.
            DbError(format!("not a valid {scheme}:// URL: {e}"))
        })?;
        let mut secrets = Vec::new();
        let mut secret = |s: &str| {
            if !s.is_empty() {
                secrets.push(s.to_string());
                let decoded = percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned();
                if decoded != s {
                    secrets.push(decoded);
                }
            }
        };
        if let Some(p) = url.password() {
            secret(p);
        }
        for (k, v) in url.query_pairs() {
            if SECRET_PARAMS.contains(&k.as_ref()) {
                secret(&v);
            }
        }
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let location = location_of(kind, &scheme, &url);
        Ok(DbUrl {
            kind,
            raw: raw.to_string(),
            url,
            location,
            secrets,
        })
    }

    pub fn kind(&self) -> DbKind {
        self.kind
    }

    /// The URL with its credentials, for the driver alone.
    pub(crate) fn raw(&self) -> &str {
        &self.raw
    }

    pub(crate) fn url(&self) -> &url::Url {
        &self.url
    }

    /// `sqlite:///srv/app.db` → `/srv/app.db`.
    pub fn sqlite_path(&self) -> PathBuf {
        PathBuf::from(
            percent_encoding::percent_decode_str(self.url.path())
                .decode_utf8_lossy()
                .into_owned(),
        )
    }

    /// A message with every secret of the URL (and the raw URL) replaced.
    pub fn scrub(&self, message: &str) -> String {
        let mut out = message.replace(&self.raw, &self.location);
        for s in &self.secrets {
            out = out.replace(s.as_str(), "****");
        }
        out
    }

    /// A driver error as a [`DbError`], scrubbed, with what was being done.
    pub(crate) fn error(&self, doing: &str, e: impl fmt::Display) -> DbError {
        DbError(self.scrub(&format!("{doing}: {e}")))
    }
}

/// `scheme://host:port/database`, the default port written out so that the
/// same server always has the same location; a Unix socket directory given
/// as `?host=/run/postgresql` stays as that parameter.
fn location_of(kind: DbKind, scheme: &str, url: &url::Url) -> String {
    if kind == DbKind::Sqlite {
        return format!("sqlite://{}", url.path());
    }
    let scheme = match kind {
        DbKind::Postgres => "postgres",
        _ => scheme,
    };
    let default_port = match kind {
        DbKind::Postgres => 5432,
        _ => 3306,
    };
    let socket = url
        .query_pairs()
        .find(|(k, _)| k == "host" || k == "socket")
        .map(|(k, v)| format!("?{k}={v}"));
    let host = url.host_str().unwrap_or("");
    let authority = match (host, &socket) {
        ("", Some(_)) => String::new(),
        (h, _) => format!("{}:{}", h, url.port().unwrap_or(default_port)),
    };
    format!(
        "{scheme}://{authority}{}{}",
        url.path(),
        socket.unwrap_or_default()
    )
}

impl fmt::Display for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.location)
    }
}

/// Shows the location only, so that a panic or a `{:?}` never prints the
/// password.
impl fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DbUrl({})", self.location)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_drop_credentials_and_name_the_port() {
        let u = DbUrl::parse("postgresql://crm:s3cr%40t@db1/crm?sslmode=disable").unwrap();
        assert_eq!(u.to_string(), "postgres://db1:5432/crm");
        assert_eq!(format!("{u:?}"), "DbUrl(postgres://db1:5432/crm)");
        assert_eq!(
            u.scrub("auth failed for s3cr@t and s3cr%40t"),
            "auth failed for **** and ****"
        );
        let m = DbUrl::parse("mariadb://root:pw@127.0.0.1:3307/shop").unwrap();
        assert_eq!(m.to_string(), "mariadb://127.0.0.1:3307/shop");
        let s = DbUrl::parse("sqlite:///srv/app.db").unwrap();
        assert_eq!(s.to_string(), "sqlite:///srv/app.db");
        let sock = DbUrl::parse("postgres:///crm?host=/run/postgresql&password=x1y2z3").unwrap();
        assert_eq!(sock.to_string(), "postgres:///crm?host=/run/postgresql");
        assert_eq!(sock.scrub("pw x1y2z3"), "pw ****");
    }

    #[test]
    fn urls_are_told_from_paths() {
        assert!(DbUrl::looks_like_url("postgres://x/y"));
        assert!(DbUrl::looks_like_url("SQLITE:///a.db"));
        assert!(!DbUrl::looks_like_url("postgres/dump.sql"));
        assert!(!DbUrl::looks_like_url("./mysql"));
        assert!(DbUrl::looks_like_url("redis://cache/0"));
        assert!(!DbUrl::looks_like_url("C://x"));
        assert!(DbUrl::parse("oracle://x/y").is_err());
    }
}
