//! Group commit for RSVPs: the answers that reach one event while its previous batch is being
//! written are applied together, in arrival order, in one transaction.
//!
//! Why: every RSVP to an event must hold the event's lock (that is what keeps seats exact and
//! the waitlist in order), so one event's RSVPs are serialised. Done one transaction per
//! answer, a popular meetup opening its RSVPs becomes a queue of lock → 8 statements → commit,
//! and the last of 2,000 people waits seconds. Here the whole queue pays for one lock, one
//! commit and a handful of multi-row statements, while each answer is still decided by the same
//! rules, one after the other, exactly as if they had come one by one.
//!
//! How: answers are queued per event through a [`Coalescer`] (up to [`MAX_BATCH`] per batch).
//! A fresh answer (the person has no RSVP yet) is decided in memory and written
//! with the rest of the batch; anything else (changing or withdrawing an answer, which may move
//! the waitlist) goes through [`rsvp::respond_locked`] inside a savepoint after the rows so far
//! are written. If the batch fails as a whole (a database error), it is rolled back and every
//! answer in it is retried in its own transaction, so one bad answer cannot fail the others.
//!
//! Across several server instances on PostgreSQL, each instance batches its own requests and
//! the batches take turns on the event's row lock: the guarantees are the database's, not this
//! process's.

use std::collections::HashSet;

use sqlx::{Acquire, AnyConnection, Row};
use tokio::sync::oneshot;

use crate::accounts::{Site, User};
use crate::clock::{self, Micros};
use crate::coalesce::{Coalescer, GiveWay, Work};
use crate::db::{Backend, json_param, json_rows};
use crate::error::{DomainError, Result};
use crate::events::{self, Event};
use crate::outbox::{self, NewMail};
use crate::rsvp::{self, Outcome, RsvpStatus};
use crate::{Db, deferred_mail, waitlist};

/// Answers applied in one transaction at most: keeps the event's lock held briefly.
pub const MAX_BATCH: usize = 1024;

/// One person's answer waiting for its batch.
struct Job {
    user: User,
    going: bool,
    guests: i64,
    reply: oneshot::Sender<Result<Outcome>>,
}

/// Queues RSVPs per event and applies them in batches. Cheap to clone; one per process.
#[derive(Clone)]
pub struct RsvpBatcher {
    coalescer: Coalescer<Batches>,
}

impl std::fmt::Debug for RsvpBatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RsvpBatcher").finish_non_exhaustive()
    }
}

impl RsvpBatcher {
    pub fn new(db: Db, site: Site) -> RsvpBatcher {
        RsvpBatcher {
            coalescer: Coalescer::new(Batches { db, site }),
        }
    }

    /// Says yes (with `guests`) or no to an event: the same rules and result as
    /// [`rsvp::respond`], batched with the other answers to the same event.
    pub async fn respond(&self, user: &User, event_id: i64, going: bool, guests: i64) -> Result<Outcome> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            user: user.clone(),
            going,
            guests,
            reply,
        };
        self.coalescer.submit(event_id, job);
        answer
            .await
            .map_err(|_| DomainError::Internal("the RSVP batch ended without an answer".into()))?
    }

    /// Waits while RSVP batches are being written, within `give_way`'s bound: for background
    /// work that would otherwise compete with a burst of answers (see [`GiveWay`]).
    pub async fn give_way(&self, give_way: &mut GiveWay) {
        give_way.wait(&self.coalescer).await;
    }
}

struct Batches {
    db: Db,
    site: Site,
}

impl Work for Batches {
    type Key = i64;
    type Job = Job;
    const MAX_BATCH: usize = MAX_BATCH;

    async fn run(&self, event_id: i64, jobs: Vec<Job>) {
        let answers: Vec<(bool, i64, &User)> = jobs.iter().map(|j| (j.going, j.guests, &j.user)).collect();
        let started = std::time::Instant::now();
        match apply(&self.db, &self.site, event_id, &answers).await {
            Ok(outcomes) => {
                tracing::debug!(
                    event_id,
                    answers = outcomes.len(),
                    micros = started.elapsed().as_micros() as u64,
                    "RSVP batch applied"
                );
                for (job, outcome) in jobs.into_iter().zip(outcomes) {
                    let _ = job.reply.send(outcome);
                }
            }
            Err(e) => {
                tracing::warn!(event_id, error = %e, answers = jobs.len(), "RSVP batch failed; answering one by one");
                for job in jobs {
                    let outcome =
                        rsvp::respond(&self.db, &self.site, &job.user, event_id, job.going, job.guests).await;
                    let _ = job.reply.send(outcome);
                }
            }
        }
    }
}

/// Fresh answers decided but not written yet.
#[derive(Default)]
struct Pending {
    /// (user, status, guests, arrival)
    rsvps: Vec<(i64, RsvpStatus, i64, i64)>,
    seats: i64,
    members: Vec<i64>,
    mails: Vec<NewMail>,
}

/// Applies `answers` (going, guests, who) to one event in one transaction, in order. Returns
/// each answer's own result; `Err` only when the transaction as a whole failed (then nothing
/// was written). Public for the tests that compare it with answering one by one.
pub async fn apply(
    db: &Db,
    site: &Site,
    event_id: i64,
    answers: &[(bool, i64, &User)],
) -> Result<Vec<Result<Outcome>>> {
    let now = clock::now();
    let mut tx = db.write().begin().await?;
    let (mut event, mut seq) = events::lock_advancing_seq(&mut tx, event_id, 0).await?;
    let known = who_is_who(&mut tx, &event, answers).await?;
    // People answered in this batch: a second answer of theirs is a change, not a fresh one.
    let mut seen = HashSet::new();
    let mut pending = Pending::default();
    // Length of the waitlist including pending rows: the locked row's tally (kept by the
    // triggers of migration 0005), plus the fresh answers waitlisted since.
    let mut waitlist_len = event.counts.waitlisted;
    let mut outcomes = Vec::with_capacity(answers.len());
    for &(going, guests, user) in answers {
        if let Err(e) = rsvp::admissible(&event, going, guests, now) {
            outcomes.push(Err(e));
            continue;
        }
        seq += 1;
        let arrival = seq;
        if known.answered.contains(&user.id) || !seen.insert(user.id) {
            // A change of answer: the one-by-one rules, after everything before it is written.
            flush(&mut tx, site, &mut event, seq, &mut pending).await?;
            let mut savepoint = (&mut *tx).begin().await?;
            let outcome =
                rsvp::respond_locked(&mut savepoint, site, &event, user, going, guests, arrival, now).await;
            match outcome {
                Ok(_) => savepoint.commit().await?,
                Err(DomainError::Database(e)) => return Err(e.into()),
                Err(_) => {
                    // Refused: nothing was written and the arrival number is not used, as
                    // when an answer on its own is refused.
                    savepoint.rollback().await?;
                    seq -= 1;
                }
            }
            outcomes.push(outcome);
            // Everything before was written (flush), so the fresh row's tally is exact again.
            event = events::lock(&mut tx, event_id).await?;
            waitlist_len = event.counts.waitlisted;
            continue;
        }
        let free = waitlist::free_seats(event.capacity, event.seats_taken + pending.seats);
        let status = rsvp::fresh_status(&event, going, guests, free);
        let guests = if going { guests } else { 0 };
        let position = if status == RsvpStatus::Waitlisted {
            waitlist_len += 1;
            Some(waitlist_len)
        } else {
            None
        };
        if status == RsvpStatus::Going {
            pending.seats += 1 + guests;
        }
        if going && !known.members.contains(&user.id) {
            pending.members.push(user.id);
        }
        pending.rsvps.push((user.id, status, guests, arrival));
        let party_too_big = status == RsvpStatus::Waitlisted && free.is_some_and(|f| f > 0);
        // Rendered by the mail worker, not here under the lock (see `deferred_mail`).
        pending.mails.extend(deferred_mail::rsvp_answer(
            &event,
            user,
            status,
            position,
            party_too_big,
            arrival,
        ));
        outcomes.push(Ok(Outcome {
            status,
            guests,
            position,
            party_too_big,
        }));
    }
    flush(&mut tx, site, &mut event, seq, &mut pending).await?;
    tx.commit().await?;
    Ok(outcomes)
}

/// What the database knows of the people answering in a batch.
struct Known {
    /// Those who already have an RSVP to the event: their answer is a change.
    answered: HashSet<i64>,
    /// Those who are members of the event's community already: a yes makes the others members.
    /// Why ask: in a storm nearly everyone is a member, and inserting a thousand memberships
    /// that all conflict cost PostgreSQL two statements and a thousand index probes under the
    /// event's lock.
    members: HashSet<i64>,
}

/// Reads [`Known`] for everyone in `answers`, in one statement.
async fn who_is_who(tx: &mut AnyConnection, event: &Event, answers: &[(bool, i64, &User)]) -> Result<Known> {
    let ids: Vec<i64> = answers
        .iter()
        .map(|a| a.2.id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let ids = json_param(&ids)?;
    // The ids are read from the JSON once, then probed in both tables.
    let sql = format!(
        "WITH ids AS (SELECT CAST(j.value AS BIGINT) AS id FROM {}) \
         SELECT CAST(0 AS BIGINT) AS what, user_id FROM rsvps \
         WHERE event_id = $1 AND user_id IN (SELECT id FROM ids) \
         UNION ALL \
         SELECT CAST(1 AS BIGINT) AS what, user_id FROM memberships \
         WHERE community_id = $2 AND user_id IN (SELECT id FROM ids)",
        json_rows(Backend::of(&*tx), 3)
    );
    let mut known = Known {
        answered: HashSet::new(),
        members: HashSet::new(),
    };
    for row in sqlx::query(&sql)
        .bind(event.id)
        .bind(event.community_id)
        .bind(ids)
        .fetch_all(&mut *tx)
        .await?
    {
        let user_id: i64 = row.try_get("user_id")?;
        if row.try_get::<i64, _>("what")? == 0 {
            known.answered.insert(user_id);
        } else {
            known.members.insert(user_id);
        }
    }
    Ok(known)
}

/// Writes the pending fresh answers: the RSVP rows, the seats and arrival counter on the
/// event, the memberships and the mails: four statements however many answers there are, each
/// taking its rows as one JSON parameter (see [`json_rows`](crate::db::json_rows)).
async fn flush(
    tx: &mut AnyConnection,
    site: &Site,
    event: &mut Event,
    seq: i64,
    p: &mut Pending,
) -> Result<()> {
    let now: Micros = clock::now();
    let backend = Backend::of(&*tx);
    if !p.rsvps.is_empty() {
        let rows: Vec<_> = p
            .rsvps
            .iter()
            .map(|&(user_id, status, guests, arrival)| (user_id, status.code(), guests, arrival))
            .collect();
        let rows = json_param(&rows)?;
        let sql = format!(
            "INSERT INTO rsvps (event_id, user_id, status, guests, arrival, created_at, updated_at) \
             SELECT $1, CAST(j.value->>0 AS BIGINT), j.value->>1, CAST(j.value->>2 AS BIGINT), \
             CAST(j.value->>3 AS BIGINT), $2, $2 FROM {}",
            json_rows(backend, 3)
        );
        sqlx::query(&sql)
            .bind(event.id)
            .bind(now)
            .bind(rows)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("UPDATE events SET seats_taken = seats_taken + $1, rsvp_seq = $2 WHERE id = $3")
        .bind(p.seats)
        .bind(seq)
        .bind(event.id)
        .execute(&mut *tx)
        .await?;
    event.seats_taken += p.seats;
    if !p.members.is_empty() {
        let members = json_param(&p.members)?;
        // `WHERE true`: SQLite would read the `ON` of `ON CONFLICT` as a join's otherwise.
        let sql = format!(
            "INSERT INTO memberships (community_id, user_id, role, joined_at) \
             SELECT $1, CAST(j.value AS BIGINT), 'member', $2 FROM {} WHERE true \
             ON CONFLICT (community_id, user_id) DO NOTHING",
            json_rows(backend, 3)
        );
        sqlx::query(&sql)
            .bind(event.community_id)
            .bind(now)
            .bind(members)
            .execute(&mut *tx)
            .await?;
    }
    outbox::enqueue_bundle_in(tx, site, std::mem::take(&mut p.mails)).await?;
    *p = Pending::default();
    Ok(())
}
