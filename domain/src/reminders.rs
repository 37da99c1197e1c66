//! Event reminders, 24 hours and 2 hours before the start, to everyone going whose
//! community reminders are on. Each batch is queued once per event and kind, even with several
//! instances and across restarts (a `reminder_batches` row, claimed in the batch's transaction),
//! and each mail once (its outbox key).

use sqlx::Row;

use crate::accounts::Site;
use crate::clock::{HOUR, Micros};
use crate::events::{COLUMNS, Event};
use crate::mail_templates::{self, Template};
use crate::{Db, Result, rsvp};

/// (kind, how long before the start, the event flag that turns it on).
const KINDS: [(&str, Micros, &str); 2] = [("24h", 24 * HOUR, "remind_24h"), ("2h", 2 * HOUR, "remind_2h")];

/// Queues every reminder that is due at `now`; returns how many mails were queued.
pub async fn queue_due(db: &Db, site: &Site, now: Micros) -> Result<usize> {
    let mut queued = 0;
    for (kind, lead, flag) in KINDS {
        // The day-before reminder goes out 20 to 24 h ahead: an event published later gets only
        // the 2-hour one, rather than a "24 h" mail hours before the start and nobody's RSVPs yet.
        let earliest = if kind == "24h" { now + 20 * HOUR } else { now };
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM events e WHERE e.status = 'published' AND e.{flag} = 1 \
             AND e.starts_at > $1 AND e.starts_at <= $2 \
             AND NOT EXISTS (SELECT 1 FROM reminder_batches b WHERE b.event_id = e.id AND b.kind = $3)"
        ))
        .bind(earliest)
        .bind(now + lead)
        .bind(kind)
        .fetch_all(db.read())
        .await?;
        for row in rows {
            let event = Event::from_row(&row)?;
            let mut tx = db.write().begin().await?;
            let claimed = sqlx::query(
                "INSERT INTO reminder_batches (event_id, kind, queued_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (event_id, kind) DO NOTHING RETURNING event_id",
            )
            .bind(event.id)
            .bind(kind)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            if claimed.is_none() {
                continue; // another instance queued this batch
            }
            // Hours actually left, rounded: the mail says what is true when it is written.
            let hours = ((event.starts_at - now + HOUR / 2) / HOUR).max(1);
            queued += rsvp::notify_all(
                &mut tx,
                site,
                &event,
                if kind == "24h" {
                    "reminder_24h"
                } else {
                    "reminder_2h"
                },
                &["going"],
                true,
                |lang, name, when, url| {
                    mail_templates::render(
                        lang,
                        &Template::Reminder {
                            name,
                            event: &event.title,
                            when,
                            url,
                            hours,
                        },
                    )
                },
            )
            .await?;
            tx.commit().await?;
        }
    }
    Ok(queued)
}

/// How many reminder batches were queued for an event (for tests and the dashboard).
pub async fn batches(db: &Db, event_id: i64) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM reminder_batches WHERE event_id = $1")
        .bind(event_id)
        .fetch_one(db.read())
        .await?;
    Ok(row.try_get("n")?)
}
