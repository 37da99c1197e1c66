//! Periodic work beside the mail worker: queueing due event reminders and passing on held
//! seats whose offer ran out (every minute), and
//! housekeeping that keeps tables from growing without bound (hourly): expired sessions and
//! tokens, stale rate-limit windows, and delivered mail past its retention.
//!
//! Safe to run in every instance: reminder batches are claimed in the database, purges are
//! idempotent.

use std::sync::Arc;
use std::time::Duration;

use sbor_domain::accounts::Site;
use sbor_domain::clock::DAY;
use sbor_domain::{Db, clock};
use tokio::sync::{Notify, watch};

const TICK: Duration = Duration::from_secs(60);
const PURGE_EVERY: u32 = 60;
/// Sent and failed mails stay visible to admins this long.
const OUTBOX_RETENTION: i64 = 30 * DAY;

pub async fn run(db: Db, site: Site, mail_queued: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
    let mut tick: u32 = 0;
    loop {
        match sbor_domain::reminders::queue_due(&db, &site, clock::now()).await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(mails = n, "event reminders queued");
                mail_queued.notify_one();
            }
            Err(e) => tracing::warn!(error = %e, "queueing reminders failed"),
        }
        match sbor_domain::rsvp::expire_offers(&db, &site, clock::now()).await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(offers = n, "held seats passed on");
                mail_queued.notify_one();
            }
            Err(e) => tracing::warn!(error = %e, "expiring offers failed"),
        }
        match sbor_domain::series::extend_all(&db, &site).await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(events = n, "series occurrences made");
                mail_queued.notify_one();
            }
            Err(e) => tracing::warn!(error = %e, "extending series failed"),
        }
        if tick.is_multiple_of(PURGE_EVERY) {
            match purge(&db).await {
                Ok(n) if n > 0 => tracing::info!(rows = n, "maintenance purged old rows"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "maintenance failed"),
            }
        }
        tick = tick.wrapping_add(1);
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
            _ = shutdown.changed() => return,
        }
    }
}

async fn purge(db: &Db) -> sbor_domain::Result<u64> {
    Ok(sbor_domain::sessions::purge_expired(db).await?
        + sbor_domain::outbox::purge_older_than(db, OUTBOX_RETENTION).await?)
}
