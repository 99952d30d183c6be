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
    Redis,
}

const SCHEMES: &[(&str, DbKind)] = &[
    ("postgres", DbKind::Postgres),
    ("postgresql", DbKind::Postgres),
    ("mysql", DbKind::Mysql),
    ("mariadb", DbKind::Mysql),
    ("sqlite", DbKind::Sqlite),
    ("redis", DbKind::Redis),
    // TLS: parsed so that its password is masked, refused on connecting.
    ("rediss", DbKind::Redis),
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
    /// `mongodb://`) is refused as a URL, not read as a missing file whose
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
                "{scheme}:// URLs are not supported (postgres, postgresql, mysql, mariadb, sqlite, redis)"
            )));
        };
        let url = url::Url::parse(raw).map_err(|e| {
            // The parser's message never quotes the URL; the URL itself is
            // not shown, since it may hold a password.
            DbError(format!("not a valid {scheme}:// URL: {e}"))
        })?;
        let (raw, url) = match kind {
            DbKind::Postgres => match pg_service(&url)? {
                // The URL with the service's settings filled in: what the
                // driver gets, and what the location is made of.
                Some(url) => (url.to_string(), url),
                None => (raw.to_string(), url),
            },
            _ => (raw.to_string(), url),
        };
        let raw = raw.as_str();
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

    pub(crate) fn url(&self) -> &url::Url {
        &self.url
    }

    /// `rediss://`: Redis over TLS, which this build cannot speak.
    pub fn tls(&self) -> bool {
        self.url.scheme().eq_ignore_ascii_case("rediss")
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

/// libpq's connection service (`?service=NAME`, else `PGSERVICE`): the
/// section `[NAME]` of `PGSERVICEFILE` (default `~/.pg_service.conf`), else
/// of `$PGSYSCONFDIR/pg_service.conf`, fills in what the URL leaves out, as
/// libpq does. `None` without a service. The driver reads no service file,
/// and there is no crate for this twenty-line format, hence by hand.
fn pg_service(url: &url::Url) -> Result<Option<url::Url>, DbError> {
    let name = url
        .query_pairs()
        .find(|(k, _)| k == "service")
        .map(|(_, v)| v.into_owned())
        .or_else(|| std::env::var("PGSERVICE").ok())
        .filter(|n| !n.is_empty());
    let Some(name) = name else {
        return Ok(None);
    };
    let user_file = std::env::var_os("PGSERVICEFILE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pg_service.conf")));
    let system_file = std::env::var_os("PGSYSCONFDIR")
        .map(|d| PathBuf::from(d).join("pg_service.conf"))
        .unwrap_or_else(|| PathBuf::from("/etc/postgresql-common/pg_service.conf"));
    let settings = [user_file, Some(system_file)]
        .into_iter()
        .flatten()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .find_map(|text| service_section(&text, &name))
        .ok_or_else(|| {
            DbError(format!(
                "definition of service {name:?} not found (PGSERVICEFILE, ~/.pg_service.conf, \
                 PGSYSCONFDIR)"
            ))
        })?;
    let mut out = url.clone();
    let others: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "service")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let has = |key: &str| others.iter().any(|(k, _)| k == key);
    let mut query = others.clone();
    let no_host = url.host_str().map_or(true, str::is_empty) && !has("host");
    let invalid = |what: &str| DbError(format!("service {name:?}: invalid {what}"));
    // The host first: a URL without one can have no user or port.
    let host = settings.iter().find(|(k, _)| k == "host").map(|(_, v)| v);
    if let Some(host) = host.filter(|_| no_host) {
        match host.starts_with('/') {
            true => query.push(("host".to_string(), host.clone())),
            false => out.set_host(Some(host)).map_err(|_| invalid("host"))?,
        }
    }
    for (key, value) in &settings {
        match key.as_str() {
            "host" => {}
            "port" if url.port().is_none() && !has("port") => match out.host_str() {
                Some(h) if !h.is_empty() => {
                    let port = value.parse().map_err(|_| invalid("port"))?;
                    out.set_port(Some(port)).map_err(|_| invalid("port"))?;
                }
                _ => query.push((key.clone(), value.clone())),
            },
            "dbname" if matches!(url.path(), "" | "/") && !has("dbname") => {
                out.set_path(&format!("/{value}"))
            }
            "user" if url.username().is_empty() && !has("user") => {
                // A URL that can hold no user (no host: a socket directory)
                // takes it as a parameter.
                out.set_username(value)
                    .unwrap_or_else(|()| query.push((key.clone(), value.clone())));
            }
            "password" if url.password().is_none() && !has("password") => {
                out.set_password(Some(value))
                    .unwrap_or_else(|()| query.push((key.clone(), value.clone())));
            }
            "port" | "dbname" | "user" | "password" => {}
            k if !has(k) => query.push((key.clone(), value.clone())),
            _ => {}
        }
    }
    match query.is_empty() {
        true => out.set_query(None),
        false => {
            out.query_pairs_mut().clear().extend_pairs(&query);
        }
    }
    Ok(Some(out))
}

/// The `key=value` settings of section `[name]` of a service file.
fn service_section(text: &str, name: &str) -> Option<Vec<(String, String)>> {
    let mut inside = false;
    let mut found = None::<Vec<(String, String)>>;
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            if inside {
                break;
            }
            inside = section.trim() == name;
            if inside {
                found = Some(Vec::new());
            }
            continue;
        }
        if let (true, Some((k, v))) = (inside, line.split_once('=')) {
            if let Some(settings) = found.as_mut() {
                settings.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
    }
    found
}

/// `scheme://host:port/database`, the default port written out so that the
/// same server always has the same location; a Unix socket directory given
/// as `?host=/run/postgresql` stays as that parameter.
fn location_of(kind: DbKind, scheme: &str, url: &url::Url) -> String {
    if kind == DbKind::Sqlite {
        return format!("sqlite://{}", url.path());
    }
    if kind == DbKind::Redis {
        // One location a logical database: `redis://host:6379/0`, the
        // database number written out as the port is.
        let db = url.path().trim_matches('/');
        let db = match db.is_empty() {
            true => "0",
            false => db,
        };
        return format!(
            "{}://{}:{}/{db}",
            scheme,
            url.host_str().unwrap_or("127.0.0.1"),
            url.port().unwrap_or(6379)
        );
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
        let r = DbUrl::parse("redis://:hunter%2F2@cache").unwrap();
        assert_eq!(r.to_string(), "redis://cache:6379/0");
        assert_eq!(r.scrub("NOAUTH hunter/2"), "NOAUTH ****");
        let r = DbUrl::parse("rediss://app:pw1@cache:6380/3").unwrap();
        assert_eq!(r.to_string(), "rediss://cache:6380/3");
        assert!(r.tls());
    }

    #[test]
    fn a_service_section_is_read_like_libpq() {
        let file = "# x\n[other]\nhost=h0\n[crm]\nhost = db1\nport=5433\n\
                    dbname=crm\nuser=aud\npassword=pw:1\nsslmode=disable\n[last]\nhost=z\n";
        let s = service_section(file, "crm").unwrap();
        assert_eq!(s[0], ("host".to_string(), "db1".to_string()));
        assert_eq!(s.len(), 6);
        assert!(service_section(file, "nope").is_none());
    }

    #[test]
    fn urls_are_told_from_paths() {
        assert!(DbUrl::looks_like_url("postgres://x/y"));
        assert!(DbUrl::looks_like_url("SQLITE:///a.db"));
        assert!(!DbUrl::looks_like_url("postgres/dump.sql"));
        assert!(!DbUrl::looks_like_url("./mysql"));
        assert!(DbUrl::looks_like_url("redis://cache/0"));
        assert!(DbUrl::parse("redis://cache/0").is_ok());
        assert!(!DbUrl::looks_like_url("C://x"));
        assert!(DbUrl::parse("oracle://x/y").is_err());
    }
}
