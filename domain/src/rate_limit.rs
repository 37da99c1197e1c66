//! Rate limits on the forms that cost us something (a password hash) or send mail, kept in
//! the database as fixed windows so that several instances share one count.

use sqlx::Row;

use crate::Db;
use crate::clock::{self, HOUR, MINUTE, Micros, SECOND};
use crate::email::Email;
use crate::error::{DomainError, Result};

/// A limit: at most `max` hits per `window`.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub max: i64,
    pub window: Micros,
}

/// Windows older than this are stale for every action and may be purged.
pub const LONGEST_WINDOW: Micros = HOUR;

/// What is being limited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Password login and password change (guessing).
    Login,
    SignUp,
    /// Forms that mail a link (login link, password reset).
    MailedLink,
    /// Using a mailed link (guessing tokens).
    UseLink,
    /// Inviting someone else by mail (co-speakers, organizers): per invited address, so
    /// nobody's inbox can be flooded, and per client.
    Invitation,
}

impl Action {
    fn code(self) -> &'static str {
        match self {
            Action::Login => "login",
            Action::SignUp => "signup",
            Action::MailedLink => "mail",
            Action::UseLink => "link",
            Action::Invitation => "invite",
        }
    }

    /// (per email address, per client address).
    pub fn limits(self) -> (Limit, Limit) {
        let l = |max, window| Limit { max, window };
        match self {
            Action::Login => (l(10, 15 * MINUTE), l(50, 15 * MINUTE)),
            Action::SignUp => (l(5, HOUR), l(20, HOUR)),
            Action::MailedLink => (l(5, HOUR), l(20, HOUR)),
            Action::UseLink => (l(20, 15 * MINUTE), l(60, 15 * MINUTE)),
            Action::Invitation => (l(5, HOUR), l(30, HOUR)),
        }
    }
}

/// Counts one attempt of `action` from `client` (an IP address), and about `email` if given,
/// refusing it with [`DomainError::RateLimited`] when either allowance is used up.
pub async fn check(db: &Db, action: Action, client: &str, email: Option<&str>) -> Result<()> {
    let (per_email, per_client) = action.limits();
    hit(db, &format!("{}:ip:{client}", action.code()), per_client).await?;
    if let Some(raw) = email {
        // Normalised like accounts are, so case games do not buy more attempts.
        let key = Email::parse(raw)
            .map(|e| e.as_str().to_owned())
            .unwrap_or_else(|_| raw.trim().to_lowercase().chars().take(254).collect());
        hit(db, &format!("{}:email:{key}", action.code()), per_email).await?;
    }
    Ok(())
}

/// Counts one hit for `bucket` and refuses it once the window's allowance is used up.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_window_fits_the_purge_horizon() {
        for a in [Action::Login, Action::SignUp, Action::MailedLink, Action::UseLink] {
            let (e, c) = a.limits();
            assert!(e.window <= LONGEST_WINDOW && c.window <= LONGEST_WINDOW);
            assert!(e.max <= c.max, "one address never gets more than one client");
        }
    }
}
