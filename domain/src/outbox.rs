//! The durable mail outbox.
//!
//! Every mail Sbor sends is first a row here, written in the same request that decided to send
//! it (an RSVP batch writes its mails as one bundle row in its transaction instead, and the
//! worker moves them here: [`enqueue_bundle_in`]). A worker claims due rows, sends them and
//! records the outcome, so a crash or restart never loses a mail. Guarantee: each row is sent
//! at least once and, unless the process dies between the SMTP server accepting DATA and the
//! row being marked sent, exactly once; such a resend carries the same Message-ID, so receivers
//! can tell.
//!
//! A row moves `queued → sending → sent`, or back to `queued` with a later `next_attempt_at`
//! after a temporary failure, or to `failed` after a permanent one (or too many attempts).
//! A `sending` row whose lease (`locked_until`) ran out belongs to a worker that died, and is
//! claimed again.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::accounts::Site;
use crate::clock::{self, HOUR, MINUTE, Micros, SECOND};
use crate::db::{json_param, json_rows};
use crate::{Backend, Db, DomainError, Result, tokens};

/// A mail rendered in its recipient's language.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub struct NewMail {
    /// Unique per intended mail: enqueueing the same key twice queues one mail.
    pub key: String,
    pub kind: &'static str,
    pub to: String,
    pub mail: Rendered,
    /// An iCalendar file to attach (`invite.ics`).
    pub ics: Option<String>,
    /// Set for a mail rendered only when it is sent ([`NewMail::deferred`]).
    pub render: Option<String>,
}

impl NewMail {
    pub fn new(key: String, kind: &'static str, to: &str, mail: Rendered) -> NewMail {
        NewMail {
            key,
            kind,
            to: to.to_owned(),
            mail,
            ics: None,
            render: None,
        }
    }

    /// A mail queued unrendered: `render` (JSON) says what to render when it is claimed, and
    /// subject and bodies stay empty until then (see [`crate::deferred_mail::render`]). For mails queued
    /// by the hundred under a lock, where rendering them there would make everyone wait.
    pub fn deferred(key: String, kind: &'static str, to: &str, render: String) -> NewMail {
        NewMail {
            render: Some(render),
            ..NewMail::new(key, kind, to, Rendered::default())
        }
    }
}

/// After this many attempts a temporarily failing mail is given up.
pub const MAX_ATTEMPTS: i64 = 8;
/// How long a worker owns a claimed row before another may take it over.
pub const LEASE: Micros = 5 * MINUTE;

/// Delay before attempt `attempts + 1`: 30 s, 1 min, 2 min, … capped at one hour.
pub fn backoff(attempts: i64) -> Micros {
    let exp = attempts.clamp(1, 20) - 1;
    (30 * SECOND).saturating_mul(1i64 << exp).min(HOUR)
}

/// Queues a mail; returns without error when its key is already queued or sent.
pub async fn enqueue(db: &Db, site: &Site, mail: NewMail) -> Result<()> {
    let mut conn = db.write().acquire().await?;
    enqueue_in(&mut conn, site, mail).await
}

/// [`enqueue`] inside the caller's transaction, so the mail exists exactly when the change
/// that caused it does.
pub async fn enqueue_in(conn: &mut AnyConnection, site: &Site, mail: NewMail) -> Result<()> {
    enqueue_many_in(conn, site, vec![mail]).await
}

/// Queues many mails in one statement whatever their number. The rows travel as one JSON
/// parameter ([`json_rows`]), in order, so the statement is the same text for one mail or a
/// thousand and each connection prepares it once.
pub async fn enqueue_many_in(conn: &mut AnyConnection, site: &Site, mails: Vec<NewMail>) -> Result<()> {
    if mails.is_empty() {
        return Ok(());
    }
    insert_rows(conn, clock::now(), &rows_json(site, mails)?).await
}

/// Queues `mails` as one bundle row, to be moved into the outbox by [`unpack_bundles`] once the
/// caller's transaction has committed. For an RSVP batch, which holds the event's lock until
/// it commits: one row is quick to write there, a thousand outbox rows were not (see
/// migration 0013). The mails are sent as if queued with [`enqueue_many_in`], a moment later.
pub async fn enqueue_bundle_in(conn: &mut AnyConnection, site: &Site, mails: Vec<NewMail>) -> Result<()> {
    if mails.is_empty() {
        return Ok(());
    }
    let size = mails.len() as i64;
    sqlx::query("INSERT INTO outbox_bundles (mails, size, created_at) VALUES ($1, $2, $3)")
        .bind(rows_json(site, mails)?)
        .bind(size)
        .bind(clock::now())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Most bundles one call of [`unpack_bundles`] moves, each in its own transaction: a storm's
/// bundles hold up to a thousand mails each, every transaction holds SQLite's writer, and the
/// worker claims mail between calls.
const BUNDLES_PER_CALL: usize = 4;
/// Bundles one call of [`unpack_bundles`] looks at: more than it moves, so that bundles
/// waiting for a retry after a failure do not use up the turn.
const CANDIDATES_PER_CALL: i64 = 16;

/// Moves queued bundles' mails into the outbox, oldest bundle first: each in one transaction
/// that deletes the bundle and inserts its mails in their order. Returns how many bundles were
/// moved. The mail worker calls it before each claim, so a busy worker keeps moving them.
///
/// On PostgreSQL, workers of several instances skip a bundle that another one is moving, as
/// they skip each other's claimed mails. A bundle that cannot be moved is logged, keeps the
/// error in `last_error` and is tried again after a backoff ([`backoff`]), so it holds up
/// neither the bundles behind it nor the worker; its mails still count in [`pending_count`].
///
/// Order: mails go out in about the order they were queued. A bundle that commits between a
/// worker's unpacking and its claim waits for the next turn, so a mail queued straight into the
/// outbox after it (a waitlist promotion, say) can be claimed first; and mails claimed together
/// are sent side by side anyway.
pub async fn unpack_bundles(db: &Db) -> Result<usize> {
    let now = clock::now();
    // Nearly every call finds none: asking a reader keeps an idle worker off SQLite's writer.
    let due: Vec<(i64, i64)> = sqlx::query(
        "SELECT id, attempts FROM outbox_bundles WHERE next_attempt_at <= $1 ORDER BY id LIMIT $2",
    )
    .bind(now)
    .bind(CANDIDATES_PER_CALL)
    .fetch_all(db.read())
    .await?
    .iter()
    .map(|r| Ok((r.try_get("id")?, r.try_get("attempts")?)))
    .collect::<Result<_>>()?;
    let mut moved = 0;
    for (id, attempts) in due {
        if moved == BUNDLES_PER_CALL {
            break;
        }
        match unpack_one(db, id).await {
            Ok(true) => moved += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::error!(bundle = id, attempts = attempts + 1, error = %e, "a mail bundle could not be unpacked; it will be tried again");
                if let Err(e) = defer_bundle(db, id, attempts + 1, now, &e.to_string()).await {
                    tracing::error!(bundle = id, error = %e, "the bundle's next attempt could not be set");
                }
            }
        }
    }
    Ok(moved)
}

/// Records a failed unpack of bundle `id` (its `attempts`-th) and sets its next try after the
/// outbox's [`backoff`], so that it waits without holding up the bundles behind it.
async fn defer_bundle(db: &Db, id: i64, attempts: i64, now: Micros, error: &str) -> Result<()> {
    sqlx::query(
        "UPDATE outbox_bundles SET attempts = $1, next_attempt_at = $2, last_error = $3 WHERE id = $4",
    )
    .bind(attempts)
    .bind(now + backoff(attempts))
    .bind(truncate(error))
    .bind(id)
    .execute(db.write())
    .await?;
    Ok(())
}

/// Moves bundle `id`; false when it is gone or another worker is moving it.
async fn unpack_one(db: &Db, id: i64) -> Result<bool> {
    let lock = db.backend().skip_locked();
    let mut tx = db.write().begin().await?;
    let bundle = sqlx::query(&format!(
        "DELETE FROM outbox_bundles WHERE id IN (SELECT id FROM outbox_bundles WHERE id = $1 {lock}) \
         RETURNING mails, created_at"
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(bundle) = bundle else {
        return Ok(false);
    };
    insert_rows(&mut tx, bundle.try_get("created_at")?, bundle.try_get("mails")?).await?;
    tx.commit().await?;
    Ok(true)
}

/// One outbox row as it travels in JSON, and as a bundle keeps it. Named fields, not positions,
/// so that a bundle queued by one version is read right by the next.
#[derive(serde::Serialize)]
struct JsonRow {
    key: String,
    kind: &'static str,
    to: String,
    subject: String,
    text: String,
    html: String,
    message_id: String,
    ics: Option<String>,
    render: Option<String>,
}

/// The JSON array of outbox rows for `mails`, as [`insert_rows`] reads it.
///
/// A mail holding a NUL character is refused here: PostgreSQL cannot store one, and inside a
/// bundle it would fail only later, when unpacked, after its RSVP had been answered. Refused
/// here, the RSVP batch fails and answers one by one instead, where that one answer fails alone.
fn rows_json(site: &Site, mails: Vec<NewMail>) -> Result<String> {
    let mut rows = Vec::with_capacity(mails.len());
    for mail in mails {
        let holds_nul = [
            &mail.key,
            &mail.to,
            &mail.mail.subject,
            &mail.mail.text,
            &mail.mail.html,
        ]
        .into_iter()
        .chain(mail.ics.iter())
        .chain(mail.render.iter())
        .any(|t| t.contains('\0'));
        if holds_nul {
            return Err(DomainError::Internal(format!(
                "the mail {} holds a NUL character",
                mail.key
            )));
        }
        rows.push(JsonRow {
            message_id: format!("<{}@{}>", &tokens::generate()[..24], site.host()),
            key: mail.key,
            kind: mail.kind,
            to: mail.to,
            subject: mail.mail.subject,
            text: mail.mail.text,
            html: mail.mail.html,
            ics: mail.ics,
            render: mail.render,
        });
    }
    json_param(&rows)
}

/// Inserts the outbox rows of `rows` ([`rows_json`]), queued at `queued_at`; a mail whose key
/// is queued or sent already is skipped.
async fn insert_rows(conn: &mut AnyConnection, queued_at: Micros, rows: &str) -> Result<()> {
    // `WHERE true`: SQLite would read the `ON` of `ON CONFLICT` as a join's otherwise.
    let sql = format!(
        "INSERT INTO outbox (idempotency_key, kind, recipient, subject, body_text, body_html, \
         message_id, next_attempt_at, created_at, ics, render) \
         SELECT j.value->>'key', j.value->>'kind', j.value->>'to', j.value->>'subject', \
         j.value->>'text', j.value->>'html', j.value->>'message_id', $1, $1, j.value->>'ics', \
         j.value->>'render' FROM {} WHERE true ORDER BY j.key \
         ON CONFLICT (idempotency_key) DO NOTHING",
        json_rows(Backend::of(&*conn), 2)
    );
    sqlx::query(&sql)
        .bind(queued_at)
        .bind(rows)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn key_exists(conn: &mut AnyConnection, key: &str) -> Result<bool> {
    let row = sqlx::query("SELECT 1 AS ok FROM outbox WHERE idempotency_key = $1")
        .bind(key)
        .fetch_optional(conn)
        .await?;
    Ok(row.is_some())
}

#[derive(Clone, Debug)]
pub struct OutboxMail {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub message_id: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Micros,
    pub last_error: Option<String>,
    pub created_at: Micros,
    pub sent_at: Option<Micros>,
    /// The lease of the worker that claimed it; outcomes are recorded only under this lease.
    pub locked_until: Option<Micros>,
    pub ics: Option<String>,
    /// Set on an announcement's rows: the body comes from the announcement, not the row.
    pub announcement_id: Option<i64>,
    pub user_id: Option<i64>,
    /// Set on a row queued unrendered ([`NewMail::deferred`]): what to render it from. Its
    /// subject, bodies and calendar file are filled in after it is claimed, and stored once it
    /// is sent or has failed.
    pub render: Option<String>,
}

const COLUMNS: &str = "id, kind, recipient, subject, body_text, body_html, message_id, status, \
                       attempts, next_attempt_at, last_error, created_at, sent_at, locked_until, ics, announcement_id, user_id, render";

impl OutboxMail {
    fn from_row(r: &AnyRow) -> Result<OutboxMail> {
        Ok(OutboxMail {
            id: r.try_get("id")?,
            kind: r.try_get("kind")?,
            recipient: r.try_get("recipient")?,
            subject: r.try_get("subject")?,
            body_text: r.try_get("body_text")?,
            body_html: r.try_get("body_html")?,
            message_id: r.try_get("message_id")?,
            status: r.try_get("status")?,
            attempts: r.try_get("attempts")?,
            next_attempt_at: r.try_get("next_attempt_at")?,
            last_error: r.try_get("last_error")?,
            created_at: r.try_get("created_at")?,
            sent_at: r.try_get("sent_at")?,
            locked_until: r.try_get("locked_until")?,
            ics: r.try_get("ics")?,
            announcement_id: r.try_get("announcement_id")?,
            user_id: r.try_get("user_id")?,
            render: r.try_get("render")?,
        })
    }
}

/// Claims up to `limit` due mails for this worker and counts the attempt. Account and event
/// mails come first: a password reset must not wait behind a 20,000-recipient announcement.
/// Rows of announcements that are paused or cancelled are never claimed.
///
/// On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several instances claim disjoint rows without
/// waiting on each other; SQLite has a single writer, so the plain UPDATE is already exclusive.
pub async fn claim_due(db: &Db, limit: i64) -> Result<Vec<OutboxMail>> {
    let mut claimed = claim(db, "announcement_id IS NULL", limit).await?;
    let rest = limit - claimed.len() as i64;
    if rest > 0 {
        let from_announcements = "announcement_id IN (SELECT id FROM announcements WHERE status = 'sending')";
        claimed.extend(claim(db, from_announcements, rest).await?);
    }
    Ok(claimed)
}

/// Claims among the rows `which` selects: first rows whose lease ran out (a worker died while
/// sending them; they are the oldest), then queued rows that are due.
///
/// Two statements, not one with `OR`: the due mails' statement walks the
/// `(announcement_id, status, next_attempt_at)` index in order and stops at `limit` (for account
/// mail; several announcements sending at once are merged by a sort), and the lapsed leases are
/// the few `sending` rows. One statement with `OR` read and sorted every due row to return the
/// first few, so with 2,000 mails queued a claim of 8 cost 0.7 ms on
/// SQLite's single writer, and claims took as much of it as the RSVP batches that queued the
/// mails (measured in an RSVP storm).
async fn claim(db: &Db, which: &str, limit: i64) -> Result<Vec<OutboxMail>> {
    let now = clock::now();
    let mut claimed = claim_where(
        db,
        &format!("status = 'sending' AND locked_until <= $2 AND {which}"),
        "locked_until, id",
        now,
        limit,
    )
    .await?;
    let rest = limit - claimed.len() as i64;
    if rest > 0 {
        let due = format!("status = 'queued' AND next_attempt_at <= $2 AND {which}");
        claimed.extend(claim_where(db, &due, "next_attempt_at, id", now, rest).await?);
    }
    Ok(claimed)
}

async fn claim_where(
    db: &Db,
    condition: &str,
    order: &str,
    now: Micros,
    limit: i64,
) -> Result<Vec<OutboxMail>> {
    let lock = db.backend().skip_locked();
    let sql = format!(
        "UPDATE outbox SET status = 'sending', attempts = attempts + 1, locked_until = $1 \
         WHERE id IN (SELECT id FROM outbox WHERE {condition} ORDER BY {order} LIMIT $3 {lock}) \
         RETURNING {COLUMNS}"
    );
    let rows = sqlx::query(&sql)
        .bind(now + LEASE)
        .bind(now)
        .bind(limit)
        .fetch_all(db.write())
        .await?;
    rows.iter().map(OutboxMail::from_row).collect()
}

/// What became of one attempt to send a claimed mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// Worth retrying later (a 4xx reply, a timeout, a connection failure): back to the queue
    /// after [`backoff`], or `failed` once [`MAX_ATTEMPTS`] are used.
    Temporary(String),
    /// Not worth retrying (a 5xx reply, an unusable address).
    Permanent(String),
}

/// Records the outcomes of claimed mails in one transaction, and says for each whether it was
/// recorded (false: the lease was lost, see below).
///
/// One transaction, not one per mail: on SQLite every commit is a turn of the single writer,
/// and a mail worker marking 2,000 mails one by one took as much of it as the RSVP batches
/// that queued them. The worker passes the sends that finished together, so a process that
/// dies resends only what was in flight or just finished.
///
/// Every outcome applies only while the row is still `sending` under the caller's lease: a
/// worker that overran its lease (and whose row another worker took over) changes nothing.
/// The stored bodies of sent and failed mails lose their one-time link secrets: once the mail
/// is out, the database (and its backups, and the admin's outbox page) need not hold them.
pub async fn record(db: &Db, outcomes: &[(OutboxMail, Delivery)]) -> Result<Vec<bool>> {
    let mut tx = db.write().begin().await?;
    let mut recorded = Vec::with_capacity(outcomes.len());
    for (mail, delivery) in outcomes {
        recorded.push(record_one(&mut tx, mail, delivery).await?);
    }
    tx.commit().await?;
    Ok(recorded)
}

async fn record_one(conn: &mut AnyConnection, mail: &OutboxMail, delivery: &Delivery) -> Result<bool> {
    // `retry_at`: only a mail going back to the queue gets a new time (NULL keeps the row's).
    let (status, retry_at, sent_at, error) = match delivery {
        Delivery::Sent => ("sent", None, Some(clock::now()), None),
        Delivery::Temporary(e) if mail.attempts < MAX_ATTEMPTS => (
            "queued",
            Some(clock::now() + backoff(mail.attempts)),
            None,
            Some(truncate(e)),
        ),
        Delivery::Temporary(e) | Delivery::Permanent(e) => ("failed", None, None, Some(truncate(e))),
    };
    // A mail going back to the queue keeps its secrets: it is still to be sent. A body without
    // secrets is left alone (NULL keeps the stored one) rather than written back unchanged,
    // except a deferred mail's, whose stored bodies are empty: once finished, it keeps what was
    // rendered for it, as if it had been rendered when queued.
    let finished = status != "queued";
    let store_rendered = finished && mail.render.is_some();
    let redacted = |body: &str| {
        finished
            .then(|| redact_secrets(body))
            .filter(|r| store_rendered || r != body)
    };
    let done = sqlx::query(
        "UPDATE outbox SET status = $1, next_attempt_at = COALESCE($2, next_attempt_at), sent_at = $3, \
         last_error = $4, locked_until = NULL, body_text = COALESCE($5, body_text), body_html = COALESCE($6, body_html), \
         subject = COALESCE($9, subject), ics = COALESCE($10, ics) \
         WHERE id = $7 AND status = 'sending' AND locked_until = $8",
    )
    .bind(status)
    .bind(retry_at)
    .bind(sent_at)
    .bind(error)
    .bind(redacted(&mail.body_text))
    .bind(redacted(&mail.body_html))
    .bind(mail.id)
    .bind(mail.locked_until)
    .bind(store_rendered.then_some(mail.subject.as_str()))
    .bind(mail.ics.as_deref().filter(|_| store_rendered))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Replaces the value of every `token=` URL parameter with `[redacted]`.
pub fn redact_secrets(text: &str) -> String {
    const MARK: &str = "token=";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(MARK) {
        out.push_str(&rest[..pos + MARK.len()]);
        rest = &rest[pos + MARK.len()..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len());
        if end > 0 {
            out.push_str("[redacted]");
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Deletes sent and failed mails older than `age`; the outbox is a queue, not an archive.
pub async fn purge_older_than(db: &Db, age: Micros) -> Result<u64> {
    let done = sqlx::query("DELETE FROM outbox WHERE status IN ('sent', 'failed') AND created_at < $1")
        .bind(clock::now() - age)
        .execute(db.write())
        .await?;
    Ok(done.rows_affected())
}

fn truncate(error: &str) -> String {
    error.chars().take(500).collect()
}

/// Mails not yet sent or failed, those still in bundles included: the outbox depth exported as
/// a metric.
pub async fn pending_count(db: &Db) -> Result<i64> {
    let row = sqlx::query(
        "SELECT CAST((SELECT COUNT(*) FROM outbox WHERE status IN ('queued', 'sending')) \
         + (SELECT COALESCE(SUM(size), 0) FROM outbox_bundles) AS BIGINT) AS n",
    )
    .fetch_one(db.read())
    .await?;
    Ok(row.try_get("n")?)
}

/// A bundle of an RSVP batch's mails not yet moved into the outbox, as the admin's outbox page
/// lists it: normally there is none, or one for a moment; one that stays shows its error.
#[derive(Clone, Debug)]
pub struct WaitingBundle {
    pub id: i64,
    pub size: i64,
    pub created_at: Micros,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// The bundles waiting to be unpacked, oldest first.
pub async fn list_bundles(db: &Db, limit: i64) -> Result<Vec<WaitingBundle>> {
    sqlx::query("SELECT id, size, created_at, attempts, last_error FROM outbox_bundles ORDER BY id LIMIT $1")
        .bind(limit)
        .fetch_all(db.read())
        .await?
        .iter()
        .map(|r| {
            Ok(WaitingBundle {
                id: r.try_get("id")?,
                size: r.try_get("size")?,
                created_at: r.try_get("created_at")?,
                attempts: r.try_get("attempts")?,
                last_error: r.try_get("last_error")?,
            })
        })
        .collect()
}

pub async fn list_recent(db: &Db, limit: i64) -> Result<Vec<OutboxMail>> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM outbox ORDER BY id DESC LIMIT $1"))
        .bind(limit)
        .fetch_all(db.read())
        .await?;
    rows.iter().map(OutboxMail::from_row).collect()
}

pub async fn get(db: &Db, id: i64) -> Result<Option<OutboxMail>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM outbox WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.read())
        .await?;
    row.map(|r| OutboxMail::from_row(&r)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn backoff_grows_and_is_capped(a in 0i64..1000) {
            prop_assert!(backoff(a) >= 30 * SECOND);
            prop_assert!(backoff(a) <= HOUR);
            prop_assert!(backoff(a + 1) >= backoff(a));
        }
    }

    #[test]
    fn secrets_are_redacted() {
        assert_eq!(
            redact_secrets("go: https://x/a?token=abc-DEF_123 now, or https://x/b?token=Q&x=1"),
            "go: https://x/a?token=[redacted] now, or https://x/b?token=[redacted]&x=1"
        );
        assert_eq!(
            redact_secrets("no secrets; token= alone"),
            "no secrets; token= alone"
        );
    }

    proptest! {
        #[test]
        fn redaction_removes_every_token(prefix in "[a-z ]{0,20}", token in "[A-Za-z0-9_-]{1,43}", suffix in "[ .]{0,5}") {
            let text = format!("{prefix}https://s/x?token={token}{suffix}");
            let red = redact_secrets(&text);
            let secret = format!("token={token}");
            prop_assert!(!red.contains(&secret));
            prop_assert!(red.starts_with(&prefix));
        }
    }

    #[test]
    fn backoff_first_steps() {
        assert_eq!(backoff(1), 30 * SECOND);
        assert_eq!(backoff(2), MINUTE);
        assert_eq!(backoff(3), 2 * MINUTE);
    }
}
