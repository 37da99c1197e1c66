//! One database handle for SQLite and PostgreSQL.
//!
//! Why the sqlx `Any` driver and not a trait with two implementations: Sbor's queries are plain
//! SQL on which both dialects agree once instants are INTEGER microseconds and flags INTEGER
//! 0/1, so a single body of queries (with `$1` placeholders, which SQLite also accepts) serves
//! both. The few places where the dialects differ (claiming outbox rows) branch on [`Backend`].
//!
//! SQLite has one writer at a time. Rather than let concurrent write transactions collide with
//! `SQLITE_BUSY`, [`Db`] keeps a separate single-connection pool for writes on SQLite, so
//! writers queue in Rust and readers (WAL mode) never block. On PostgreSQL both handles are the
//! same pool.

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyConnection, AnyPool, Executor};

use crate::error::{DomainError, Result};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend an open connection talks to.
    pub fn of(conn: &AnyConnection) -> Backend {
        if conn.backend_name().eq_ignore_ascii_case("sqlite") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        }
    }

    /// The row-lock clause that lets several instances take disjoint rows of a queue (outbox
    /// mails, mail bundles) without waiting on each other: `FOR UPDATE SKIP LOCKED` on
    /// PostgreSQL; nothing on SQLite, whose single writer already serialises the takers.
    pub(crate) fn skip_locked(self) -> &'static str {
        match self {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        }
    }

    pub fn from_url(url: &str) -> Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(DomainError::Internal(
                "DATABASE_URL must start with sqlite: or postgres://".into(),
            ))
        }
    }
}

#[derive(Clone, Debug)]
pub struct Db {
    backend: Backend,
    read: AnyPool,
    write: AnyPool,
}

/// A connection idle for longer than this is pinged before it is handed out.
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// What every pool shares.
///
/// A burst (an RSVP storm) queues for connections rather than failing fast: a request that
/// waits 20 s is better than an error page.
///
/// sqlx (0.8) pings a connection twice per use by default: when it goes back to the pool
/// (always) and again when it is next checked out. That second ping is one more round trip
/// before each query, and under load every round trip waits for a core (an RSVP batch or a
/// session lookup is a chain of them). Here a connection is pinged at checkout only if it sat
/// idle for [`PING_AFTER_IDLE`]: a connection used more recently passed its release ping less
/// than that ago. A failed ping makes sqlx drop the connection and open a fresh one.
///
/// The price: when the database restarts or fails over, a connection used within the last
/// second is handed out unchecked, and its query fails once (an error page, a 503 from
/// `/readyz`) before sqlx discards it; at most one failure per pooled connection.
fn pool_options(max_connections: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(30))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for < PING_AFTER_IDLE {
                    return Ok(true);
                }
                // An error (not `Ok(false)`) makes sqlx close the dead connection without
                // the goodbye a graceful close would send, and log why.
                sqlx::Connection::ping(conn).await.map(|()| true)
            })
        })
}

impl Db {
    /// Connects (creating a SQLite file and its folder when missing). Does not migrate.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        match backend {
            Backend::Postgres => {
                let pool = pool_options(max_connections).connect(url).await?;
                Ok(Db {
                    backend,
                    read: pool.clone(),
                    write: pool,
                })
            }
            Backend::Sqlite => {
                let url = sqlite_url_with_create(url)?;
                let opts = AnyConnectOptions::from_str(&url)?;
                let write = pool_options(1)
                    .after_connect(|conn, _meta| sqlite_pragmas(conn))
                    .connect_with(opts.clone())
                    .await?;
                let read = pool_options(max_connections.max(1))
                    .after_connect(|conn, _meta| sqlite_pragmas(conn))
                    .connect_with(opts)
                    .await?;
                Ok(Db { backend, read, write })
            }
        }
    }

    pub async fn migrate(&self) -> Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.write)
            .await
            .map_err(|e| DomainError::Internal(format!("migration failed: {e}")))
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool for queries that only read.
    pub fn read(&self) -> &AnyPool {
        &self.read
    }

    /// The pool for anything that writes (one connection on SQLite, see the module docs).
    pub fn write(&self) -> &AnyPool {
        &self.write
    }

    /// `SELECT 1` through both pools: what `/readyz` asks. A stuck SQLite writer (its one
    /// connection busy past the timeout) makes this fail too.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        tokio::time::timeout(
            Duration::from_secs(2),
            sqlx::query("SELECT 1").execute(&self.write),
        )
        .await
        .map_err(|_| DomainError::Internal("the write connection is busy".into()))??;
        Ok(())
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

/// Rows per multi-row INSERT: a burst of hundreds needs only a few statements, and each
/// stays well within both backends' limits on bind parameters.
pub(crate) const ROWS_PER_INSERT: usize = 512;

/// A `FROM` item that turns the JSON array bound as parameter `param` into rows, one per
/// element, as `j.value` (the element) and `j.key` (its position, for `ORDER BY`). Fields of
/// an array element are read with `j.value->>N`, which both dialects spell alike.
///
/// Why: the RSVP batch's statements take one parameter per table this way instead of a
/// `VALUES` list of up to 512 rows of placeholders. A `VALUES` list is a different statement
/// for every row count, so PostgreSQL parsed and planned each batch's statements anew and sqlx
/// spent a round trip preparing each one; this text is the same for any count, so each
/// connection prepares it once and keeps it in its statement cache.
pub(crate) fn json_rows(backend: Backend, param: usize) -> String {
    match backend {
        Backend::Postgres => {
            format!("jsonb_array_elements(CAST(${param} AS jsonb)) WITH ORDINALITY AS j(value, key)")
        }
        Backend::Sqlite => format!("json_each(${param}) AS j"),
    }
}

/// `value` as the JSON text to bind for [`json_rows`].
pub(crate) fn json_param(value: &impl serde::Serialize) -> Result<String> {
    serde_json::to_string(value).map_err(|e| DomainError::Internal(format!("JSON parameter: {e}")))
}

/// `(…), (…)` placeholders for a multi-row INSERT of `rows` rows of `columns` values each.
///
/// PostgreSQL gets numbered `$1, $2, …`. SQLite gets plain `?`: it resolves every numbered
/// parameter by a linear scan of the statement's parameter names, and sqlx asks for each
/// one's name when binding, so a statement of 1,280 numbered parameters cost 800,000 steps to
/// bind. In an RSVP storm that was a fifth of the SQLite threads' time, in the serial batch
/// writer (measured with `perf`). Plain `?` has no name to scan.
pub fn values_placeholders(backend: Backend, rows: usize, columns: usize) -> String {
    let mut sql = String::with_capacity(rows * columns * 5);
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..columns {
            if c > 0 {
                sql.push_str(", ");
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    sql.push('$');
                    sql.push_str(&(r * columns + c + 1).to_string());
                }
            }
        }
        sql.push(')');
    }
    sql
}

type BoxFuture<'c, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'c>>;

/// WAL so readers never wait for the writer; `busy_timeout` as a second line of defence;
/// foreign keys, which SQLite leaves off unless asked.
fn sqlite_pragmas(conn: &mut AnyConnection) -> BoxFuture<'_, Result<(), sqlx::Error>> {
    Box::pin(async move {
        conn.execute(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
        )
        .await?;
        Ok(())
    })
}

/// Adds `mode=rwc` and creates the parent folder, so `sqlite://data/sbor.db` works on a fresh
/// checkout.
fn sqlite_url_with_create(url: &str) -> Result<String> {
    let path_part = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or("");
    if !path_part.is_empty()
        && path_part != ":memory:"
        && let Some(parent) = std::path::Path::new(path_part).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| DomainError::Internal(format!("cannot create {}: {e}", parent.display())))?;
    }
    Ok(if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// The database refused a row because of a UNIQUE constraint (both backends say "unique" in
/// the message): the caller turns it into a message about the field.
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.message().to_lowercase().contains("unique"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_get_create_mode() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/sub/x.db", dir.path().display());
        assert_eq!(sqlite_url_with_create(&url).unwrap(), format!("{url}?mode=rwc"));
        assert!(dir.path().join("sub").is_dir());
        assert_eq!(
            sqlite_url_with_create("sqlite://a.db?mode=ro").unwrap(),
            "sqlite://a.db?mode=ro"
        );
    }

    #[test]
    fn values_placeholders_number_every_value() {
        use super::{Backend, values_placeholders};
        assert_eq!(values_placeholders(Backend::Postgres, 1, 2), "($1, $2)");
        assert_eq!(
            values_placeholders(Backend::Postgres, 2, 3),
            "($1, $2, $3), ($4, $5, $6)"
        );
        assert_eq!(values_placeholders(Backend::Sqlite, 2, 2), "(?, ?), (?, ?)");
    }

    #[test]
    fn backend_from_url() {
        assert_eq!(Backend::from_url("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::from_url("postgres://u@h/d").unwrap(), Backend::Postgres);
        assert!(Backend::from_url("mysql://x").is_err());
    }
}
