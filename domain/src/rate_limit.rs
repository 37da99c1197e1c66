//! Fixed-window rate limits kept in the database, so that several instances share one count.

use crate::Db;
use crate::clock::{self, Micros, SECOND};
use crate::error::{DomainError, Result};
use sqlx::Row;

/// A limit: at most `max` hits per `window`.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub max: i64,
    pub window: Micros,
}

/// Counts one hit for `bucket` (e.g. `"login:ip:127.0.0.1"`) and refuses it with
/// [`DomainError::RateLimited`] once the window's allowance is used up.
///
/// One upsert does the read and the increment atomically on both backends, so concurrent
/// requests cannot both slip under the limit.
pub async fn hit(db: &Db, bucket: &str, limit: Limit) -> Result<()> {
    let now = clock::now();
    let row = sqlx::query(
        "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (bucket) DO UPDATE SET \
           hits = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.hits + 1 END, \
           window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 ELSE rate_limits.window_start END \
         RETURNING hits, window_start",
    )
    .bind(bucket)
    .bind(now)
    .bind(now - limit.window)
    .fetch_one(db.write())
    .await?;
    let hits: i64 = row.try_get("hits")?;
    let start: i64 = row.try_get("window_start")?;
    if hits > limit.max {
        let retry = ((start + limit.window - now) / SECOND).max(1);
        return Err(DomainError::RateLimited(retry));
    }
    Ok(())
}
