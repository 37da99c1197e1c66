//! Housekeeping that keeps tables from growing without bound: expired sessions and tokens,
//! stale rate-limit windows, and delivered mail past its retention.

use std::time::Duration;

use sbor_domain::Db;
use sbor_domain::clock::DAY;
use tokio::sync::watch;

const EVERY: Duration = Duration::from_secs(3600);
/// Sent and failed mails stay visible to admins this long.
const OUTBOX_RETENTION: i64 = 30 * DAY;

pub async fn run(db: Db, mut shutdown: watch::Receiver<bool>) {
    loop {
        match purge(&db).await {
            Ok(n) if n > 0 => tracing::info!(rows = n, "maintenance purged old rows"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "maintenance failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(EVERY) => {}
            _ = shutdown.changed() => return,
        }
    }
}

async fn purge(db: &Db) -> sbor_domain::Result<u64> {
    Ok(sbor_domain::sessions::purge_expired(db).await?
        + sbor_domain::outbox::purge_older_than(db, OUTBOX_RETENTION).await?)
}
