//! Periodic work beside the mail worker (every minute): queueing due event reminders, passing
//! on held seats whose offer ran out, making series occurrences, reminding speakers to confirm
//! accepted talks and to add slides after their event; and
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
/// An accepted talk whose speakers have not confirmed after this long gets one reminder.
const CONFIRM_REMINDER_AFTER: i64 = 3 * DAY;

pub async fn run(db: Db, site: Site, mail_queued: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
    let mut tick: u32 = 0;
    loop {
        let now = clock::now();
        let queued = [
            (
                "event reminders queued",
                sbor_domain::reminders::queue_due(&db, &site, now).await,
            ),
            (
                "held seats passed on",
                sbor_domain::rsvp::expire_offers(&db, &site, now).await,
            ),
            (
                "series occurrences made",
                sbor_domain::series::extend_all(&db, &site).await,
            ),
            (
                "speakers reminded to confirm",
                sbor_domain::talks::remind_unconfirmed(&db, &site, now, CONFIRM_REMINDER_AFTER).await,
            ),
            (
                "speakers reminded to add slides",
                sbor_domain::talks::remind_slides(&db, &site, now).await,
            ),
        ];
        for (what, result) in queued {
            match result {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!(count = n, "{what}");
                    mail_queued.notify_one();
                }
                Err(e) => tracing::warn!(error = %e, "{what}: failed"),
            }
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
