//! Configuration from environment variables, optionally seeded from a `KEY=VALUE` file named
//! by `SBOR_CONFIG_FILE` (real environment variables win). Every problem is reported as one
//! line naming the variable.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;

/// A value that must never reach a log: `Debug` prints `<redacted>`.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Clone, Debug)]
pub struct Config {
    /// `sqlite://…` (default `sqlite://data/sbor.db`) or `postgres://…`; may hold a password.
    pub database_url: Secret,
    pub db_max_connections: u32,
    /// Public URL without trailing slash; None = derived from the bound address.
    pub base_url: Option<String>,
    pub bind: SocketAddr,
    /// `smtp://user:pass@host:port` or `smtps://…`; None = write mails as files.
    pub smtp_url: Option<Secret>,
    pub mail_from: String,
    /// For signing tokens that leave the database (ticket check-in codes, unsubscribe links);
    /// account links are random secrets stored hashed and need no key.
    pub secret_key: Secret,
    pub data_dir: PathBuf,
    /// Where the built site (`pkg/sbor.js`, `.wasm`, `.css`) lives.
    pub site_root: PathBuf,
    pub log_format: LogFormat,
    /// Trust `X-Forwarded-For` for the client address (behind a load balancer).
    pub trust_proxy: bool,
    /// Run the mail worker in this instance.
    pub run_workers: bool,
    /// SMTP connections (and mails in flight) per instance.
    pub smtp_concurrency: usize,
    /// Announcement mails per second per instance; None = as fast as the SMTP server takes them.
    /// Account and event mail is never held back.
    pub mail_rate: Option<f64>,
    /// DKIM signing of every outgoing mail, when `DKIM_KEY_FILE` is set.
    pub dkim: Option<Dkim>,
}

/// What DKIM signing needs: the signing domain (`d=`), the selector (`s=`) under which the
/// public key is published in DNS, and the private key read from `DKIM_KEY_FILE` at start.
#[derive(Clone, Debug)]
pub struct Dkim {
    pub domain: String,
    pub selector: String,
    /// An RSA key in PKCS#1 PEM (`-----BEGIN RSA PRIVATE KEY-----`), or an Ed25519 key as
    /// the base64 of its 32 bytes (RFC 8463).
    pub key: Secret,
}

impl Dkim {
    /// The key as lettre signs with it.
    pub fn signing_key(&self) -> Result<lettre::message::dkim::DkimSigningKey, String> {
        use lettre::message::dkim::{DkimSigningAlgorithm, DkimSigningKey};
        let key = self.key.expose().trim();
        let algorithm = if key.starts_with("-----BEGIN") {
            DkimSigningAlgorithm::Rsa
        } else {
            DkimSigningAlgorithm::Ed25519
        };
        DkimSigningKey::new(key, algorithm).map_err(|e| e.to_string())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {var}: {message}")]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

fn err(var: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        message: message.into(),
    }
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        let mut vars: HashMap<String, String> = HashMap::new();
        if let Ok(path) = std::env::var("SBOR_CONFIG_FILE") {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| err("SBOR_CONFIG_FILE", format!("cannot read {path}: {e}")))?;
            for (n, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let (k, v) = line
                    .split_once('=')
                    .ok_or_else(|| err("SBOR_CONFIG_FILE", format!("line {} is not KEY=VALUE", n + 1)))?;
                vars.insert(k.trim().to_owned(), v.trim().trim_matches('"').to_owned());
            }
        }
        vars.extend(std::env::vars());
        Config::from_vars(&vars)
    }

    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Config, ConfigError> {
        let get = |k: &str| vars.get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let data_dir = PathBuf::from(get("DATA_DIR").unwrap_or_else(|| "data".into()));

        let database_url =
            get("DATABASE_URL").unwrap_or_else(|| format!("sqlite://{}/sbor.db", data_dir.display()));
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(err("DATABASE_URL", "must start with sqlite:// or postgres://"));
        }
        let db_max_connections = match get("DB_MAX_CONNECTIONS") {
            Some(v) => v
                .parse()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| err("DB_MAX_CONNECTIONS", "must be a whole number ≥ 1"))?,
            None => default_db_connections(),
        };
        let smtp_concurrency = match get("SMTP_CONCURRENCY") {
            Some(v) => v
                .parse()
                .ok()
                .filter(|n| (1..=64).contains(n))
                .ok_or_else(|| err("SMTP_CONCURRENCY", "must be a whole number from 1 to 64"))?,
            None => 8,
        };
        let mail_rate = match get("MAIL_RATE") {
            None => None,
            Some(v) => match v.parse::<f64>() {
                Ok(0.0) => None,
                // At least 0.1/s: the mail worker claims no more rows than the rate lets
                // leave within a lease (see `mailer::claim_limit`), and at least one.
                Ok(r) if (0.1..=100_000.0).contains(&r) => Some(r),
                _ => {
                    return Err(err(
                        "MAIL_RATE",
                        "must be 0 (no limit) or messages per second from 0.1",
                    ));
                }
            },
        };
        let bind: SocketAddr = get("BIND")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|_| err("BIND", "must be an address like 127.0.0.1:3000"))?;
        let base_url = match get("BASE_URL") {
            Some(u) => {
                let parsed = url::Url::parse(&u).map_err(|e| err("BASE_URL", format!("not a URL: {e}")))?;
                if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
                    return Err(err("BASE_URL", "must be an http:// or https:// URL"));
                }
                Some(u.trim_end_matches('/').to_owned())
            }
            None => None,
        };
        let smtp_url = match get("SMTP_URL") {
            Some(u) => {
                let parsed = url::Url::parse(&u)
                    .map_err(|_| err("SMTP_URL", "not a URL (smtp://user:pass@host:port)"))?;
                if !matches!(parsed.scheme(), "smtp" | "smtps") {
                    return Err(err("SMTP_URL", "scheme must be smtp or smtps"));
                }
                // Let lettre read it now, so a bad `tls=` or port fails at start, not at the first mail.
                lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(&u)
                    .map_err(|_| err("SMTP_URL", "lettre cannot use it (check scheme, port and ?tls=)"))?;
                Some(Secret::new(u))
            }
            None => None,
        };
        let mail_from = get("MAIL_FROM").unwrap_or_else(|| "Sbor <noreply@localhost>".into());
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(err(
                "MAIL_FROM",
                "must be an address like 'Sbor <noreply@example.org>'",
            ));
        }
        let secret_key = match get("SECRET_KEY") {
            Some(k) if k.len() >= 32 => Secret::new(k),
            Some(_) => return Err(err("SECRET_KEY", "must be at least 32 characters")),
            None => Secret::new(load_or_create_key(&data_dir)?),
        };
        let dkim = match get("DKIM_KEY_FILE") {
            None => None,
            Some(path) => {
                let key = std::fs::read_to_string(&path)
                    .map_err(|e| err("DKIM_KEY_FILE", format!("cannot read {path}: {e}")))?;
                let default_domain = mail_from
                    .parse::<lettre::message::Mailbox>()
                    .map(|m| m.email.domain().to_owned())
                    .unwrap_or_default();
                let dkim = Dkim {
                    domain: get("DKIM_DOMAIN").unwrap_or(default_domain),
                    selector: get("DKIM_SELECTOR")
                        .ok_or_else(|| err("DKIM_SELECTOR", "is required with DKIM_KEY_FILE"))?,
                    key: Secret::new(key),
                };
                dkim.signing_key().map_err(|e| {
                    err(
                        "DKIM_KEY_FILE",
                        format!("not an RSA PKCS#1 PEM key or a base64 Ed25519 key: {e}"),
                    )
                })?;
                Some(dkim)
            }
        };
        let log_format = match get("LOG_FORMAT").as_deref() {
            None | Some("human") => LogFormat::Human,
            Some("json") => LogFormat::Json,
            Some(_) => return Err(err("LOG_FORMAT", "must be human or json")),
        };
        let flag = |k: &'static str, default: bool| -> Result<bool, ConfigError> {
            match get(k).as_deref() {
                None => Ok(default),
                Some("1" | "true" | "yes" | "on") => Ok(true),
                Some("0" | "false" | "no" | "off") => Ok(false),
                Some(_) => Err(err(k, "must be true or false")),
            }
        };
        Ok(Config {
            database_url: Secret::new(database_url),
            db_max_connections,
            base_url,
            bind,
            smtp_url,
            mail_from,
            secret_key,
            dkim,
            site_root: PathBuf::from(get("SITE_ROOT").unwrap_or_else(|| "target/site".into())),
            data_dir,
            log_format,
            trust_proxy: flag("TRUST_PROXY", false)?,
            run_workers: flag("RUN_WORKERS", true)?,
            smtp_concurrency,
            mail_rate,
        })
    }
}

impl Config {
    /// BASE_URL, or the address the server is bound to (`0.0.0.0` shown as `127.0.0.1`).
    pub fn public_url(&self, bound: SocketAddr) -> String {
        self.base_url.clone().unwrap_or_else(|| {
            let host = if bound.ip().is_unspecified() {
                "127.0.0.1".to_string()
            } else {
                bound.ip().to_string()
            };
            format!("http://{host}:{}", bound.port())
        })
    }
}

/// A single instance needs no setup: its key is made once and kept in the data folder.
/// Several instances must share one `SECRET_KEY`.
fn load_or_create_key(data_dir: &std::path::Path) -> Result<String, ConfigError> {
    let path = data_dir.join("secret_key");
    if let Ok(k) = std::fs::read_to_string(&path)
        && k.trim().len() >= 32
    {
        return Ok(k.trim().to_owned());
    }
    std::fs::create_dir_all(data_dir)
        .map_err(|e| err("DATA_DIR", format!("cannot create {}: {e}", data_dir.display())))?;
    let key = sbor_domain::tokens::generate();
    std::fs::write(&path, &key).map_err(|e| {
        err(
            "SECRET_KEY",
            format!("unset, and cannot write {}: {e}", path.display()),
        )
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
    }
    Ok(key)
}

/// Four database connections per core, from 4 to 32. More connections than that do not make
/// more CPU: on PostgreSQL each is a backend process, and on SQLite each reader is a thread,
/// competing with the server's own threads for the same cores. On the 2-core project machine
/// the event page under 64 connections had a p99 of 26–28 ms on PostgreSQL with 16
/// connections and 22–26 ms with 8 (`scripts/loadtest.sh`, 2026-12-06).
/// Several instances on one PostgreSQL need `max_connections` (100 by default) above the sum.
fn default_db_connections() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    (4 * cores).clamp(4, 32) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        let dir = std::env::temp_dir().join(format!("sbor-config-test-{}", std::process::id()));
        let mut m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        m.entry("DATA_DIR".into()).or_insert(dir.display().to_string());
        m
    }

    #[test]
    fn defaults_work() {
        let c = Config::from_vars(&vars(&[])).unwrap();
        assert_eq!(c.bind.to_string(), "127.0.0.1:3000");
        assert!(c.database_url.expose().starts_with("sqlite://"));
        assert!(c.smtp_url.is_none());
        assert!(c.secret_key.expose().len() >= 32);
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (k, v) in [
            ("BIND", "nope"),
            ("BASE_URL", "ftp://x"),
            ("SMTP_URL", "http://x"),
            ("SMTP_URL", "smtp://u:hunter2@h:25?tls=bogus"),
            ("DATABASE_URL", "mysql://x"),
            ("SECRET_KEY", "short"),
            ("LOG_FORMAT", "xml"),
            ("MAIL_FROM", "not an address"),
            ("MAIL_RATE", "fast"),
            ("MAIL_RATE", "-1"),
            ("SMTP_CONCURRENCY", "0"),
        ] {
            let e = Config::from_vars(&vars(&[(k, v)])).unwrap_err();
            assert_eq!(e.var, k);
            assert!(e.to_string().contains(k));
            assert!(
                !e.to_string().contains("hunter2"),
                "no credentials in the message"
            );
        }
    }

    #[test]
    fn dkim_keys_are_checked_at_start_and_never_printed() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.pem");
        std::fs::write(
            &bad,
            "-----BEGIN RSA PRIVATE KEY-----\nnot a key\n-----END RSA PRIVATE KEY-----\n",
        )
        .unwrap();
        let bad = bad.to_str().unwrap();
        for (vars_, var) in [
            (
                vec![("DKIM_KEY_FILE", bad), ("DKIM_SELECTOR", "s1")],
                "DKIM_KEY_FILE",
            ),
            (
                vec![("DKIM_KEY_FILE", "/nonexistent/key.pem"), ("DKIM_SELECTOR", "s1")],
                "DKIM_KEY_FILE",
            ),
        ] {
            let e = Config::from_vars(&vars(&vars_)).unwrap_err();
            assert_eq!(e.var, var, "{e}");
        }
        let good = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/dkim-test-rsa.pem");
        let e = Config::from_vars(&vars(&[("DKIM_KEY_FILE", good)])).unwrap_err();
        assert_eq!(e.var, "DKIM_SELECTOR", "a selector is required");
        let c = Config::from_vars(&vars(&[
            ("DKIM_KEY_FILE", good),
            ("DKIM_SELECTOR", "s1"),
            ("MAIL_FROM", "Sbor <noreply@devops.example>"),
        ]))
        .unwrap();
        let dkim = c.dkim.as_ref().unwrap();
        assert_eq!(
            dkim.domain, "devops.example",
            "the domain defaults to MAIL_FROM's"
        );
        assert!(!format!("{c:?}").contains("PRIVATE KEY"), "the key is redacted");
    }

    #[test]
    fn secrets_are_not_in_debug_output() {
        let c = Config::from_vars(&vars(&[
            ("SMTP_URL", "smtp://user:hunter22@mail:25"),
            ("SECRET_KEY", &"k".repeat(40)),
        ]))
        .unwrap();
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("hunter22"));
        assert!(!dbg.contains(&"k".repeat(40)));
    }
}
