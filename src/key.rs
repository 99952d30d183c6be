//! Where the fingerprint key comes from. There is no published key:
//!
//! 1. `--fingerprint-key KEY` / `TIZIM_FINGERPRINT_KEY`: the key itself
//!    (visible to other users in the process list and kept in shell
//!    history; prefer a key file);
//! 2. `--fingerprint-key-file PATH` / `TIZIM_FINGERPRINT_KEY_FILE`, else
//!    `fingerprint_key_file` in `.tizim.toml`: a file holding the key;
//! 3. otherwise the installation key: random, created on first use with mode
//!    0600 in `tizim/` under the user's config directory. Fingerprints made
//!    with it are comparable on this machine and mean nothing elsewhere.
//!
//! 1 and 2 are shared keys ([`KeyScope::Shared`]), 3 is not
//! ([`KeyScope::Installation`]). A key file holds the key as text; leading
//! and trailing white space is not part of it, so `tizim key new > FILE`
//! and `--fingerprint-key "$(cat FILE)"` give the same key.

use crate::detect::{hex, random_bytes, FingerprintKey, KeyScope, MIN_STRONG_KEY_BYTES};
use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The installation key's file name, in `tizim/` under the config directory.
pub const INSTALLATION_KEY_FILE: &str = "fingerprint.key";

/// A key file is a line of text; anything larger is not one (a path to the
/// wrong file must not be read whole).
const MAX_KEY_FILE_BYTES: u64 = 4096;

/// A key and what the user should hear about it (a guessable key, a key
/// file others can read).
#[derive(Debug)]
pub struct LoadedKey {
    pub key: FingerprintKey,
    pub warnings: Vec<String>,
}

/// Where the user asked the key to come from.
#[derive(Debug, Default, Clone, Copy)]
pub struct KeySettings<'a> {
    /// `--fingerprint-key` / `TIZIM_FINGERPRINT_KEY`.
    pub given: Option<&'a str>,
    /// `--fingerprint-key-file` / `TIZIM_FINGERPRINT_KEY_FILE`.
    pub file: Option<&'a Path>,
    /// `fingerprint_key_file` in `.tizim.toml`, resolved against its directory.
    pub configured_file: Option<&'a Path>,
}

/// The key the settings name, or the installation key (created if needed).
pub fn resolve(settings: &KeySettings<'_>) -> Result<LoadedKey, String> {
    match (settings.given, settings.file) {
        (Some(_), Some(_)) => Err(
            "both a fingerprint key (--fingerprint-key / TIZIM_FINGERPRINT_KEY) and a key file \
             (--fingerprint-key-file / TIZIM_FINGERPRINT_KEY_FILE) are given: use one"
                .to_string(),
        ),
        (Some(""), None) => Err(
            "the fingerprint key (--fingerprint-key / TIZIM_FINGERPRINT_KEY) is empty, and an \
             empty key is a published one (is a CI secret missing from this job?)"
                .to_string(),
        ),
        (Some(text), None) => Ok(given_key(text)),
        (None, Some(path)) => read_key_file(path, KeyScope::Shared),
        (None, None) => match settings.configured_file {
            Some(path) => read_key_file(path, KeyScope::Shared)
                .map_err(|e| format!("fingerprint_key_file in .tizim.toml: {e}")),
            None => installation_key(),
        },
    }
}

/// A key given as text on the command line or in the environment.
pub fn given_key(text: &str) -> LoadedKey {
    let key = FingerprintKey::from_secret(text.as_bytes(), KeyScope::Shared);
    let mut warnings = Vec::new();
    if !key.is_strong() {
        warnings.push(format!(
            "the fingerprint key is shorter than {MIN_STRONG_KEY_BYTES} characters and may be \
             guessed: card masks keep the last 4 digits only (make a key with `tizim key new`)"
        ));
    }
    LoadedKey { key, warnings }
}

/// Fresh random key text for a key file or a CI secret: 32 bytes as 64 hex
/// digits.
pub fn new_key_text() -> Result<String, String> {
    Ok(hex(&random_bytes()?))
}

/// The user's configuration directory: `$XDG_CONFIG_HOME` when set (and
/// absolute), else `~/Library/Application Support` on macOS, `%APPDATA%` on
/// Windows and `~/.config` elsewhere (the XDG Base Directory default).
///
/// Hand-written: `dirs` and `directories` depend on `option-ext`, which is
/// MPL-2.0 and not allowed by deny.toml, and the rule is these few lines.
pub fn config_dir() -> Option<PathBuf> {
    let absolute = |v: OsString| {
        let p = PathBuf::from(v);
        p.is_absolute().then_some(p)
    };
    if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME").and_then(absolute) {
        return Some(dir);
    }
    if cfg!(windows) {
        return std::env::var_os("APPDATA").and_then(absolute);
    }
    let home = std::env::var_os("HOME").and_then(absolute)?;
    Some(if cfg!(target_os = "macos") {
        home.join("Library/Application Support")
    } else {
        home.join(".config")
    })
}

/// Where the installation key lives (whether or not it exists yet).
pub fn installation_key_path() -> Result<PathBuf, String> {
    config_dir()
        .map(|dir| dir.join("tizim").join(INSTALLATION_KEY_FILE))
        .ok_or_else(|| {
            "no configuration directory for the installation fingerprint key (set HOME or \
             XDG_CONFIG_HOME), or give a key file with --fingerprint-key-file"
                .to_string()
        })
}

/// The installation key, created on first use: random, mode 0600, in a
/// directory of mode 0700. Two processes starting at once agree on one key:
/// each writes a private temporary file and links it into place only if no
/// key is there yet, then both read what is there.
pub fn installation_key() -> Result<LoadedKey, String> {
    let path = installation_key_path()?;
    if !path.exists() {
        create_installation_key(&path)?;
    }
    read_key_file(&path, KeyScope::Installation)
        .map_err(|e| format!("{e} (the installation key; delete the file to make a new one)"))
}

fn create_installation_key(path: &Path) -> Result<(), String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let shown = |e: std::io::Error| format!("{}: {e}", dir.display());
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(shown)?;
    // tempfile creates its files with mode 0600.
    let mut file = tempfile::Builder::new()
        .prefix(".fingerprint.key.")
        .tempfile_in(dir)
        .map_err(shown)?;
    let text = new_key_text()?;
    file.write_all(format!("{text}\n").as_bytes())
        .and_then(|_| file.as_file().sync_all())
        .map_err(shown)?;
    match file.persist_noclobber(path) {
        Ok(_) => Ok(()),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(format!("{}: {}", path.display(), e.error)),
    }
}

/// Reads a key file: its text, less surrounding white space, is the key.
pub fn read_key_file(path: &Path, scope: KeyScope) -> Result<LoadedKey, String> {
    let shown = |e: std::io::Error| format!("{}: {e}", path.display());
    let file = std::fs::File::open(path).map_err(shown)?;
    let meta = file.metadata().map_err(shown)?;
    if !meta.is_file() {
        return Err(format!("{}: not a regular file", path.display()));
    }
    let mut bytes = Vec::new();
    file.take(MAX_KEY_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(shown)?;
    if bytes.len() as u64 > MAX_KEY_FILE_BYTES {
        return Err(format!(
            "{}: larger than {MAX_KEY_FILE_BYTES} bytes, so not a key file",
            path.display()
        ));
    }
    let secret = bytes.trim_ascii();
    if secret.len() < MIN_STRONG_KEY_BYTES {
        return Err(format!(
            "{}: a key file must hold at least {MIN_STRONG_KEY_BYTES} characters \
             (make one with `tizim key new > FILE`)",
            path.display()
        ));
    }
    let mut warnings = Vec::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            warnings.push(format!(
                "{}: the key file is readable by other users (mode {mode:04o}); \
                 `chmod 600` it",
                path.display()
            ));
        }
    }
    Ok(LoadedKey {
        key: FingerprintKey::from_secret(secret, scope),
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_are_trimmed_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        std::fs::write(&path, "  0123456789abcdef0123\n").unwrap();
        let from_file = read_key_file(&path, KeyScope::Shared).unwrap().key;
        assert_eq!(
            from_file.id(),
            given_key("0123456789abcdef0123").key.id(),
            "a key file and the same key given as text are one key"
        );
        std::fs::write(&path, "short\n").unwrap();
        let err = read_key_file(&path, KeyScope::Shared).unwrap_err();
        assert!(err.contains("at least 16"), "{err}");
        std::fs::write(&path, vec![b'a'; 5000]).unwrap();
        assert!(read_key_file(&path, KeyScope::Shared)
            .unwrap_err()
            .contains("not a key file"));
        assert!(read_key_file(dir.path(), KeyScope::Shared).is_err());
        assert!(read_key_file(&dir.path().join("none"), KeyScope::Shared).is_err());
    }

    #[test]
    fn new_keys_are_random_hex() {
        let a = new_key_text().unwrap();
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a, new_key_text().unwrap());
    }

    #[test]
    fn a_given_key_and_a_key_file_conflict() {
        let settings = KeySettings {
            given: Some("a key that is long enough"),
            file: Some(Path::new("/nonexistent")),
            configured_file: None,
        };
        assert!(resolve(&settings).unwrap_err().contains("use one"));
        let empty = KeySettings {
            given: Some(""),
            ..KeySettings::default()
        };
        assert!(resolve(&empty).unwrap_err().contains("empty"));
        let weak = given_key("short");
        assert!(!weak.warnings.is_empty() && weak.key.is_shared());
    }
}
