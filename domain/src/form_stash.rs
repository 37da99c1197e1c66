//! Input of refused forms, kept for their author (see migration 0010): the form page shows
//! it again instead of an empty form. Opaque text to this module (the UI layer serialises its
//! own fields); bounded in size and time.

use sqlx::Row;

use crate::clock::{self, HOUR};
use crate::db::Db;
use crate::error::Result;

/// Kept this long after the refusal.
const LIFETIME: i64 = HOUR;
/// Larger input is not kept (a talk form is at most about 10 KB of text).
const MAX_BYTES: usize = 64 * 1024;

/// Keeps `data` as `user_id`'s input to `form`, replacing what was kept before.
pub async fn put(db: &Db, user_id: i64, form: &str, data: &str) -> Result<()> {
    if data.len() > MAX_BYTES {
        return Ok(());
    }
    let now = clock::now();
    sqlx::query(
        "INSERT INTO form_stash (user_id, form, data, expires_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, form) DO UPDATE SET data = $3, expires_at = $4",
    )
    .bind(user_id)
    .bind(form)
    .bind(data)
    .bind(now + LIFETIME)
    .execute(db.write())
    .await?;
    // The same user's expired leftovers go at the same time, so the table stays small.
    sqlx::query("DELETE FROM form_stash WHERE user_id = $1 AND expires_at < $2")
        .bind(user_id)
        .bind(now)
        .execute(db.write())
        .await?;
    Ok(())
}

/// What `user_id` last typed into `form` and had refused, if it is still fresh.
pub async fn get(db: &Db, user_id: i64, form: &str) -> Result<Option<String>> {
    sqlx::query("SELECT data FROM form_stash WHERE user_id = $1 AND form = $2 AND expires_at > $3")
        .bind(user_id)
        .bind(form)
        .bind(clock::now())
        .fetch_optional(db.read())
        .await?
        .map(|r| Ok(r.try_get("data")?))
        .transpose()
}

/// Forgets the kept input (the form went through).
pub async fn clear(db: &Db, user_id: i64, form: &str) -> Result<()> {
    sqlx::query("DELETE FROM form_stash WHERE user_id = $1 AND form = $2")
        .bind(user_id)
        .bind(form)
        .execute(db.write())
        .await?;
    Ok(())
}
