//! Login sessions, stored in the database so that any instance behind a load balancer can
//! serve any request.

use std::collections::HashMap;

use tokio::sync::oneshot;

use crate::accounts::User;
use crate::clock::{self, DAY};
use crate::coalesce::{Coalescer, Work};
use crate::error::DomainError;
use crate::{Db, Result, tokens};

/// How long a session lasts without logging in again.
pub const LIFETIME: i64 = 30 * DAY;

/// Starts a session and returns the secret for the cookie.
pub async fn create(db: &Db, user_id: i64) -> Result<String> {
    let token = tokens::generate();
    let now = clock::now();
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(tokens::hash(&token))
        .bind(user_id)
        .bind(now)
        .bind(now + LIFETIME)
        .execute(db.write())
        .await?;
    Ok(token)
}

/// The user behind a cookie's secret, if the session exists and has not expired.
pub async fn user(db: &Db, token: &str) -> Result<Option<User>> {
    let row = sqlx::query(&format!(
        "SELECT {} FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2",
        crate::accounts::USER_COLUMNS_U
    ))
    .bind(tokens::hash(token))
    .bind(clock::now())
    .fetch_optional(db.read())
    .await?;
    row.map(|r| User::from_row(&r)).transpose()
}

/// Looks sessions up for many requests at once: the lookups that arrive while one is running
/// are answered together by one query (see [`crate::coalesce`]).
///
/// Why: when 2,000 members answer an RSVP the moment it opens, each request first needs its
/// user. One query each meant 2,000 round trips to PostgreSQL, or 2,000 hand-offs to SQLite's
/// worker threads, all before the first answer could be written; a few queries of up to 256
/// sessions each do the same work. Alone, a lookup runs at once and costs what it did.
#[derive(Clone)]
pub struct SessionLookup {
    coalescer: Coalescer<Lookups>,
}

impl std::fmt::Debug for SessionLookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionLookup").finish_non_exhaustive()
    }
}

impl SessionLookup {
    pub fn new(db: Db) -> SessionLookup {
        SessionLookup {
            coalescer: Coalescer::new(Lookups { db }),
        }
    }

    /// The same answer as [`user`].
    pub async fn user(&self, token: &str) -> Result<Option<User>> {
        let (reply, answer) = oneshot::channel();
        self.coalescer.submit((), (tokens::hash(token), reply));
        answer
            .await
            .map_err(|_| DomainError::Internal("the session lookup ended without an answer".into()))?
    }
}

struct Lookups {
    db: Db,
}

impl Work for Lookups {
    type Key = ();
    /// The token's hash, and where its user goes.
    type Job = (String, oneshot::Sender<Result<Option<User>>>);
    const MAX_BATCH: usize = 256;

    async fn run(&self, _key: (), jobs: Vec<Self::Job>) {
        let hashes: Vec<&str> = jobs.iter().map(|(h, _)| h.as_str()).collect();
        let started = std::time::Instant::now();
        let found = users_by_hash(&self.db, &hashes).await;
        tracing::debug!(
            sessions = jobs.len(),
            micros = started.elapsed().as_micros() as u64,
            "session lookup batch"
        );
        match found {
            Ok(mut found) => {
                for (hash, reply) in jobs {
                    let _ = reply.send(Ok(found.remove(&hash)));
                }
            }
            Err(e) => {
                let message = e.to_string();
                for (_, reply) in jobs {
                    let _ = reply.send(Err(DomainError::Internal(message.clone())));
                }
            }
        }
    }
}

/// The users behind unexpired sessions, by token hash, in one query.
async fn users_by_hash(db: &Db, hashes: &[&str]) -> Result<HashMap<String, User>> {
    if hashes.is_empty() {
        return Ok(HashMap::new());
    }
    // Padded to a power of two by repeating the last hash, so that the statement has one of
    // nine shapes, not 256: each shape is prepared and cached on every connection.
    let padded = hashes.len().next_power_of_two();
    let list = (0..padded)
        .map(|i| format!("${}", i + 2))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT s.token_hash, {} FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.expires_at > $1 AND s.token_hash IN ({list})",
        crate::accounts::USER_COLUMNS_U
    );
    let mut q = sqlx::query(&sql).bind(clock::now());
    for i in 0..padded {
        q = q.bind(hashes[i.min(hashes.len() - 1)]);
    }
    let mut found = HashMap::new();
    for row in q.fetch_all(db.read()).await? {
        use sqlx::Row;
        found.insert(row.try_get("token_hash")?, User::from_row(&row)?);
    }
    Ok(found)
}

pub async fn delete(db: &Db, token: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(tokens::hash(token))
        .execute(db.write())
        .await?;
    Ok(())
}

/// Ends every session of a user (password change or reset).
pub async fn delete_all_for_user(db: &Db, user_id: i64) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(db.write())
        .await?;
    Ok(done.rows_affected())
}

/// Ends the browser's current session (if any) and starts a new one: a fresh random id at
/// every login, so a session id planted in the browser before login is worth nothing.
pub async fn rotate(db: &Db, old_token: Option<&str>, user_id: i64) -> Result<String> {
    if let Some(old) = old_token {
        delete(db, old).await?;
    }
    create(db, user_id).await
}

/// Removes expired sessions, expired one-time tokens and stale rate-limit windows; run now and
/// then by the maintenance task.
pub async fn purge_expired(db: &Db) -> Result<u64> {
    let now = clock::now();
    let c = sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
        .bind(now - crate::rate_limit::LONGEST_WINDOW)
        .execute(db.write())
        .await?;
    let a = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(db.write())
        .await?;
    let b = sqlx::query("DELETE FROM user_tokens WHERE expires_at <= $1")
        .bind(now)
        .execute(db.write())
        .await?;
    Ok(a.rows_affected() + b.rows_affected() + c.rows_affected())
}
