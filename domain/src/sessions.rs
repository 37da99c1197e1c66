//! Login sessions, stored in the database so that any instance behind a load balancer can
//! serve any request.

use crate::accounts::User;
use crate::clock::{self, DAY};
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
