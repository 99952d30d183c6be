//! TLS to PostgreSQL with libpq's meanings of `sslmode`, on rustls.
//!
//! | `sslmode` | TLS | server certificate checked |
//! |---|---|---|
//! | `disable` | never | — |
//! | `allow`, `prefer` (default) | if the server offers it | only against a root certificate given |
//! | `require` | always | only against a root certificate given |
//! | `verify-ca` | always | chain to `sslrootcert` |
//! | `verify-full` | always | chain to `sslrootcert`, and the host name |
//!
//! As in libpq, the root certificate is `sslrootcert` (or `PGSSLROOTCERT`,
//! else `~/.postgresql/root.crt` when it exists; `system` means the
//! system's trust store), and `require` with a root certificate checks the
//! chain as `verify-ca` does. A client certificate comes from `sslcert` /
//! `sslkey` (`PGSSLCERT` / `PGSSLKEY`, else `~/.postgresql/postgresql.crt`
//! and `.key` when both exist). libpq's `allow` tries plain text first; the
//! driver cannot, so `allow` is read as `prefer`, which is the safer order.
//!
//! The driver (`tokio-postgres`) knows only `disable`, `prefer` and
//! `require`, and rejects the other `ssl*` settings, so they are taken out
//! of the URL here and the rest is given to the driver.

use super::{DbError, DbUrl};
use postgres::config::SslMode;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The URL settings that are libpq's TLS settings, not the driver's.
const TLS_PARAMS: [&str; 4] = ["sslmode", "sslrootcert", "sslcert", "sslkey"];

/// How a connection is to be secured.
pub(super) struct PgTls {
    pub mode: SslMode,
    /// `None` with `sslmode=disable`.
    pub connector: Option<tokio_postgres_rustls::MakeRustlsConnect>,
    /// What `--verbose` and errors may say about it (`verify-full`, …).
    pub described: String,
}

impl std::fmt::Debug for PgTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.described)
    }
}

/// Which checks the server's certificate must pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    Nothing,
    Chain,
    ChainAndName,
}

/// Splits the URL into what the driver parses and the TLS settings.
pub(super) fn split_url(url: &DbUrl) -> Result<(String, PgTls), DbError> {
    let parsed = url.url();
    let setting = |name: &str, env: &str| {
        parsed
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .or_else(|| std::env::var(env).ok().filter(|v| !v.is_empty()))
    };
    let mode = setting("sslmode", "PGSSLMODE").unwrap_or_else(|| "prefer".to_string());
    let home = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".postgresql"));
    let root = setting("sslrootcert", "PGSSLROOTCERT").or_else(|| {
        let default = home.as_ref()?.join("root.crt");
        default
            .is_file()
            .then(|| default.to_string_lossy().into_owned())
    });
    let client = match (
        setting("sslcert", "PGSSLCERT"),
        setting("sslkey", "PGSSLKEY"),
    ) {
        (Some(cert), Some(key)) => Some((PathBuf::from(cert), PathBuf::from(key))),
        (Some(_), None) | (None, Some(_)) => {
            return Err(DbError(format!(
                "{url}: sslcert and sslkey go together; one was given without the other"
            )))
        }
        (None, None) => home
            .map(|h| (h.join("postgresql.crt"), h.join("postgresql.key")))
            .filter(|(c, k)| c.is_file() && k.is_file()),
    };
    let (ssl_mode, check) = match mode.as_str() {
        "disable" => (SslMode::Disable, Check::Nothing),
        "allow" | "prefer" if root.is_some() => (SslMode::Prefer, Check::Chain),
        "allow" | "prefer" => (SslMode::Prefer, Check::Nothing),
        "require" if root.is_some() => (SslMode::Require, Check::Chain),
        "require" => (SslMode::Require, Check::Nothing),
        "verify-ca" => (SslMode::Require, Check::Chain),
        "verify-full" => (SslMode::Require, Check::ChainAndName),
        other => {
            return Err(DbError(format!(
                "{url}: sslmode={other:?} is not one of disable, allow, prefer, require, \
                 verify-ca, verify-full"
            )))
        }
    };
    if check != Check::Nothing && root.is_none() {
        return Err(DbError(format!(
            "{url}: sslmode={mode} checks the server's certificate and needs the root \
             certificate: sslrootcert=/path/to/root.crt (or PGSSLROOTCERT, \
             ~/.postgresql/root.crt), or sslrootcert=system for the system's trust store"
        )));
    }
    let mut driver_url = parsed.clone();
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| !TLS_PARAMS.contains(&k.as_ref()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    driver_url.set_query(None);
    if !kept.is_empty() {
        driver_url.query_pairs_mut().extend_pairs(kept);
    }
    let described = match &root {
        Some(root) if check != Check::Nothing => format!("sslmode={mode}, sslrootcert={root}"),
        _ => format!("sslmode={mode}"),
    };
    let connector = if ssl_mode == SslMode::Disable {
        None
    } else {
        let config = client_config(check, root.as_deref(), client.as_ref())
            .map_err(|e| DbError(format!("{url}: TLS settings ({described}): {e}")))?;
        Some(tokio_postgres_rustls::MakeRustlsConnect::new(config))
    };
    Ok((
        driver_url.to_string(),
        PgTls {
            mode: ssl_mode,
            connector,
            described,
        },
    ))
}

fn client_config(
    check: Check,
    root: Option<&str>,
    client: Option<&(PathBuf, PathBuf)>,
) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let webpki = match root {
        Some(root) if check != Check::Nothing => {
            let roots = Arc::new(root_store(root)?);
            Some(
                WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
                    .build()
                    .map_err(|e| e.to_string())?,
            )
        }
        _ => None,
    };
    let verifier = Arc::new(Verifier {
        check,
        webpki,
        provider: provider.clone(),
    });
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    match client {
        None => Ok(builder.with_no_client_auth()),
        Some((cert, key)) => {
            let chain = read_certificates(cert)?;
            let key = PrivateKeyDer::from_pem_file(key)
                .map_err(|e| format!("client key {}: {e}", key.display()))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| format!("client certificate {}: {e}", cert.display()))
        }
    }
}

fn root_store(root: &str) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    if root == "system" {
        let found = rustls_native_certs::load_native_certs();
        let (added, _) = store.add_parsable_certificates(found.certs);
        if added == 0 {
            return Err(match found.errors.first() {
                Some(e) => format!("the system's trust store: {e}"),
                None => "the system's trust store holds no certificate".to_string(),
            });
        }
        return Ok(store);
    }
    for cert in read_certificates(Path::new(root))? {
        store
            .add(cert)
            .map_err(|e| format!("root certificate {root}: {e}"))?;
    }
    Ok(store)
}

fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("certificate file {}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "certificate file {}: no PEM certificate in it",
            path.display()
        ));
    }
    Ok(certs)
}

/// The server certificate check of [`Check`]; the handshake's signatures are
/// always verified, so a `require` session is at least encrypted to the
/// holder of the key it was offered.
#[derive(Debug)]
struct Verifier {
    check: Check,
    webpki: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(webpki) = self
            .webpki
            .as_ref()
            .filter(|_| self.check != Check::Nothing)
        else {
            return Ok(ServerCertVerified::assertion());
        };
        match webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            // verify-ca: the chain is what counts, not the name.
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if self.check == Check::Chain => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
