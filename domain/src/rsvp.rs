//! RSVPs, the waitlist and approvals: correct under any concurrency.
//!
//! Every change runs in one transaction that first locks the event row (`events::lock`), so
//! changes to one event's seats are serialised: on PostgreSQL by the row lock, on SQLite by its
//! single writer. The database backs this up: one RSVP per person per event (UNIQUE), and
//! `seats_taken` may never exceed `capacity` (CHECK). Arrival numbers come from the locked
//! event row, so the waitlist is in the order RSVPs reached the database.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::accounts::{Site, User};
use crate::clock::{self, Micros};
use crate::error::{DomainError, Result};
use crate::events::{self, Event, Status as EventStatus};
use crate::lang::Lang;
use crate::mail_templates::{self, Template};
use crate::outbox::{self, NewMail, Rendered};
use crate::waitlist::{self, Waiting};
use crate::{Db, communities, ics};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RsvpStatus {
    Going,
    Waitlisted,
    /// Offer mode: a seat is held for them until they confirm or the offer runs out.
    Offered,
    /// Waiting for an organizer's approval.
    Pending,
    NotGoing,
    /// Refused by an organizer.
    Declined,
}

impl RsvpStatus {
    pub fn code(self) -> &'static str {
        match self {
            RsvpStatus::Going => "going",
            RsvpStatus::Waitlisted => "waitlisted",
            RsvpStatus::Offered => "offered",
            RsvpStatus::Pending => "pending",
            RsvpStatus::NotGoing => "not_going",
            RsvpStatus::Declined => "declined",
        }
    }

    /// Going and offered RSVPs count in `seats_taken`.
    pub fn holds_seat(self) -> bool {
        matches!(self, RsvpStatus::Going | RsvpStatus::Offered)
    }

    pub fn parse(s: &str) -> RsvpStatus {
        match s {
            "going" => RsvpStatus::Going,
            "waitlisted" => RsvpStatus::Waitlisted,
            "offered" => RsvpStatus::Offered,
            "pending" => RsvpStatus::Pending,
            "declined" => RsvpStatus::Declined,
            _ => RsvpStatus::NotGoing,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rsvp {
    pub id: i64,
    pub event_id: i64,
    pub user_id: i64,
    pub status: RsvpStatus,
    pub guests: i64,
    pub arrival: i64,
    pub checked_in_at: Option<Micros>,
    pub created_at: Micros,
    /// Until when an offered seat is held.
    pub offer_expires_at: Option<Micros>,
}

const COLUMNS: &str =
    "id, event_id, user_id, status, guests, arrival, checked_in_at, created_at, offer_expires_at";

impl Rsvp {
    fn from_row(r: &AnyRow) -> Result<Rsvp> {
        Ok(Rsvp {
            id: r.try_get("id")?,
            event_id: r.try_get("event_id")?,
            user_id: r.try_get("user_id")?,
            status: RsvpStatus::parse(&r.try_get::<String, _>("status")?),
            guests: r.try_get("guests")?,
            arrival: r.try_get("arrival")?,
            checked_in_at: r.try_get("checked_in_at")?,
            created_at: r.try_get("created_at")?,
            offer_expires_at: r.try_get("offer_expires_at")?,
        })
    }

    pub fn seats(&self) -> i64 {
        1 + self.guests
    }
}

/// What a person's RSVP came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub status: RsvpStatus,
    pub guests: i64,
    /// Place on the waitlist (1 = next), when waitlisted.
    pub position: Option<i64>,
    /// Waitlisted although seats are free: not enough of them for the whole party.
    pub party_too_big: bool,
}

/// Says yes (with `guests`) or no to an event. Joins the community on a yes.
pub async fn respond(
    db: &Db,
    site: &Site,
    user: &User,
    event_id: i64,
    going: bool,
    guests: i64,
) -> Result<Outcome> {
    let now = clock::now();
    let mut tx = db.write().begin().await?;
    let (event, arrival) = events::lock_advancing_seq(&mut tx, event_id, 1).await?;
    let outcome = respond_locked(&mut tx, site, &event, user, going, guests, arrival, now).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// The checks every RSVP passes before anything is written: drafts do not exist for members,
/// RSVPs must be open, and guests within the event's limit.
pub(crate) fn admissible(event: &Event, going: bool, guests: i64, now: Micros) -> Result<()> {
    if event.status == EventStatus::Draft {
        return Err(DomainError::NotFound);
    }
    event.rsvp_open(now).map_err(DomainError::Refused)?;
    if going && !(0..=event.max_guests).contains(&guests) {
        return Err(DomainError::invalid("guests", "too_many_guests"));
    }
    Ok(())
}

/// Where a fresh "yes" lands: pending on approval events, a seat if the whole party fits,
/// otherwise the waitlist. A fresh "no" is simply recorded.
pub(crate) fn fresh_status(event: &Event, going: bool, guests: i64, free: Option<i64>) -> RsvpStatus {
    if !going {
        RsvpStatus::NotGoing
    } else if event.approval_required {
        RsvpStatus::Pending
    } else if waitlist::fits(free, 1 + guests) {
        RsvpStatus::Going
    } else {
        RsvpStatus::Waitlisted
    }
}

/// The mail that tells a person where their fresh answer landed, if any.
pub(crate) fn answer_mail(
    status: RsvpStatus,
    position: Option<i64>,
    party_too_big: bool,
) -> Option<(&'static str, RsvpMail)> {
    match status {
        RsvpStatus::Going => Some(("rsvp_going", RsvpMail::Going)),
        RsvpStatus::Waitlisted => Some((
            "rsvp_waitlisted",
            RsvpMail::Waitlisted(position.unwrap_or(0), party_too_big),
        )),
        RsvpStatus::Pending => Some(("rsvp_pending", RsvpMail::Pending)),
        _ => None,
    }
}

/// The idempotency key of that mail: one per answer (arrival) and calendar sequence.
pub(crate) fn answer_mail_key(kind: &str, event: &Event, user_id: i64, arrival: i64) -> String {
    format!("{kind}:{}:{user_id}:{}:{arrival}", event.id, event.sequence)
}

/// [`respond`] inside a transaction that already holds the event's lock; `arrival` is the
/// number this answer was handed. Refusals happen before anything is written.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn respond_locked(
    tx: &mut AnyConnection,
    site: &Site,
    event: &Event,
    user: &User,
    going: bool,
    guests: i64,
    arrival: i64,
    now: Micros,
) -> Result<Outcome> {
    admissible(event, going, guests, now)?;
    let event_id = event.id;
    let existing = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM rsvps WHERE event_id = $1 AND user_id = $2"
    ))
    .bind(event_id)
    .bind(user.id)
    .fetch_optional(&mut *tx)
    .await?
    .map(|r| Rsvp::from_row(&r))
    .transpose()?;
    let previous = existing.as_ref().map(|r| r.status);
    let free = waitlist::free_seats(event.capacity, event.seats_taken);

    let (status, guests) = match (going, &existing) {
        (false, None) => {
            insert(&mut *tx, event_id, user.id, RsvpStatus::NotGoing, 0, arrival, now).await?;
            (RsvpStatus::NotGoing, 0)
        }
        // A declined RSVP stays declined: answering no and then yes again must not put the
        // person back in the queue the organizers took them out of.
        (_, Some(r)) if r.status == RsvpStatus::Declined => {
            return Err(DomainError::Refused("rsvp_declined"));
        }
        (false, Some(r)) => {
            // Going and offered both hold seats.
            if r.status.holds_seat() {
                take_seats(&mut *tx, event_id, -r.seats()).await?;
            }
            set_status(&mut *tx, r.id, RsvpStatus::NotGoing, r.guests, r.arrival, now).await?;
            (RsvpStatus::NotGoing, r.guests)
        }
        // Confirming an offered seat, or changing guests while going.
        (true, Some(r)) if r.status.holds_seat() => {
            let delta = guests - r.guests;
            if delta > 0 && !waitlist::fits(free, delta) {
                return Err(DomainError::Refused("not_enough_seats_for_guests"));
            }
            take_seats(&mut *tx, event_id, delta).await?;
            set_status(&mut *tx, r.id, RsvpStatus::Going, guests, r.arrival, now).await?;
            (RsvpStatus::Going, guests)
        }
        (true, Some(r)) if matches!(r.status, RsvpStatus::Waitlisted | RsvpStatus::Pending) => {
            set_status(&mut *tx, r.id, r.status, guests, r.arrival, now).await?;
            (r.status, guests)
        }
        (true, existing) => {
            let status = fresh_status(event, true, guests, free);
            if status == RsvpStatus::Going {
                take_seats(&mut *tx, event_id, 1 + guests).await?;
            }
            match existing {
                Some(r) => set_status(&mut *tx, r.id, status, guests, arrival, now).await?,
                None => insert(&mut *tx, event_id, user.id, status, guests, arrival, now).await?,
            }
            (status, guests)
        }
    };
    if going {
        communities::join_in(&mut *tx, event.community_id, user.id, now).await?;
    }
    // Seats freed (a cancellation, fewer guests) or a waiting party that shrank: let the
    // waitlist move.
    if previous.is_some_and(|p| p.holds_seat() || p == RsvpStatus::Waitlisted) {
        let event = events::lock(&mut *tx, event_id).await?;
        promote_waitlist(&mut *tx, site, &event).await?;
    }
    // Promotion above may have seated this very person (their party shrank).
    let status = if status == RsvpStatus::Waitlisted {
        let row = sqlx::query("SELECT status FROM rsvps WHERE event_id = $1 AND user_id = $2")
            .bind(event_id)
            .bind(user.id)
            .fetch_one(&mut *tx)
            .await?;
        RsvpStatus::parse(&row.try_get::<String, _>("status")?)
    } else {
        status
    };
    let position = if status == RsvpStatus::Waitlisted {
        Some(position(&mut *tx, event_id, user.id).await?)
    } else {
        None
    };
    let party_too_big = status == RsvpStatus::Waitlisted && free.is_some_and(|f| f > 0);
    if previous != Some(status)
        && let Some((kind, m)) = answer_mail(status, position, party_too_big)
    {
        let key = answer_mail_key(kind, event, user.id, arrival);
        queue_rsvp_mail(&mut *tx, site, event, user.id, kind, key, m).await?;
    }
    Ok(Outcome {
        status,
        guests,
        position,
        party_too_big,
    })
}

async fn insert(
    tx: &mut AnyConnection,
    event_id: i64,
    user_id: i64,
    status: RsvpStatus,
    guests: i64,
    arrival: i64,
    now: Micros,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO rsvps (event_id, user_id, status, guests, arrival, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(event_id)
    .bind(user_id)
    .bind(status.code())
    .bind(guests)
    .bind(arrival)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

async fn set_status(
    tx: &mut AnyConnection,
    rsvp_id: i64,
    status: RsvpStatus,
    guests: i64,
    arrival: i64,
    now: Micros,
) -> Result<()> {
    sqlx::query("UPDATE rsvps SET status = $1, guests = $2, arrival = $3, updated_at = $4 WHERE id = $5")
        .bind(status.code())
        .bind(guests)
        .bind(arrival)
        .bind(now)
        .bind(rsvp_id)
        .execute(tx)
        .await?;
    Ok(())
}

/// Adds `n` (or gives back, when negative) confirmed seats. The CHECK constraint refuses an
/// overbooking even if a bug got past the rules.
async fn take_seats(tx: &mut AnyConnection, event_id: i64, n: i64) -> Result<()> {
    if n != 0 {
        sqlx::query("UPDATE events SET seats_taken = seats_taken + $1 WHERE id = $2")
            .bind(n)
            .bind(event_id)
            .execute(tx)
            .await?;
    }
    Ok(())
}

async fn position(tx: &mut AnyConnection, event_id: i64, user_id: i64) -> Result<i64> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM rsvps w JOIN rsvps me ON me.event_id = w.event_id \
         WHERE w.event_id = $1 AND me.user_id = $2 AND me.status = 'waitlisted' AND w.status = 'waitlisted' \
           AND w.arrival <= me.arrival",
    )
    .bind(event_id)
    .bind(user_id)
    .fetch_one(tx)
    .await?;
    Ok(row.try_get("n")?)
}

/// Gives free seats to the waitlist in arrival order (see `waitlist::promotions`) and tells
/// each promoted person. Call with the event locked.
pub(crate) async fn promote_waitlist(tx: &mut AnyConnection, site: &Site, event: &Event) -> Result<usize> {
    let free = waitlist::free_seats(event.capacity, event.seats_taken);
    if event.status != EventStatus::Published || free == Some(0) {
        return Ok(0);
    }
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM rsvps WHERE event_id = $1 AND status = 'waitlisted' ORDER BY arrival, id"
    ))
    .bind(event.id)
    .fetch_all(&mut *tx)
    .await?;
    let waiting: Vec<Rsvp> = rows.iter().map(Rsvp::from_row).collect::<Result<_>>()?;
    let list: Vec<Waiting> = waiting
        .iter()
        .map(|r| Waiting {
            rsvp_id: r.id,
            seats: r.seats(),
        })
        .collect();
    let promoted = waitlist::promotions(free, &list);
    let now = clock::now();
    for p in &promoted {
        let r = waiting
            .iter()
            .find(|r| r.id == p.rsvp_id)
            .expect("promoted from this list");
        take_seats(&mut *tx, event.id, p.seats).await?;
        match event.offer_hours {
            None => {
                set_status(&mut *tx, r.id, RsvpStatus::Going, r.guests, r.arrival, now).await?;
                let key = format!("rsvp_promoted:{}:{}:{}", event.id, r.user_id, r.arrival);
                queue_rsvp_mail(
                    &mut *tx,
                    site,
                    event,
                    r.user_id,
                    "rsvp_promoted",
                    key,
                    RsvpMail::Promoted,
                )
                .await?;
            }
            Some(hours) => {
                // Offer mode: the seat is held (counted in seats_taken) until they confirm.
                let until = now + hours * clock::HOUR;
                set_status(&mut *tx, r.id, RsvpStatus::Offered, r.guests, r.arrival, now).await?;
                sqlx::query("UPDATE rsvps SET offer_expires_at = $1 WHERE id = $2")
                    .bind(until)
                    .bind(r.id)
                    .execute(&mut *tx)
                    .await?;
                let key = format!("rsvp_offered:{}:{}:{}", event.id, r.user_id, r.arrival);
                queue_rsvp_mail(
                    &mut *tx,
                    site,
                    event,
                    r.user_id,
                    "rsvp_offered",
                    key,
                    RsvpMail::Offered(until),
                )
                .await?;
            }
        }
    }
    Ok(promoted.len())
}

/// Offers that ran out: the seat is released and passes to the next person on the waitlist.
/// Run periodically; returns how many offers expired.
pub async fn expire_offers(db: &Db, site: &Site, now: Micros) -> Result<usize> {
    let events: Vec<i64> = sqlx::query(
        "SELECT DISTINCT event_id FROM rsvps WHERE status = 'offered' AND offer_expires_at <= $1",
    )
    .bind(now)
    .fetch_all(db.read())
    .await?
    .iter()
    .map(|r| r.try_get("event_id"))
    .collect::<std::result::Result<_, _>>()?;
    let mut expired = 0;
    for event_id in events {
        let mut tx = db.write().begin().await?;
        let event = events::lock(&mut tx, event_id).await?;
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM rsvps WHERE event_id = $1 AND status = 'offered' AND offer_expires_at <= $2"
        ))
        .bind(event_id)
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        for row in &rows {
            let r = Rsvp::from_row(row)?;
            take_seats(&mut tx, event_id, -r.seats()).await?;
            set_status(&mut tx, r.id, RsvpStatus::NotGoing, r.guests, r.arrival, now).await?;
            let key = format!("rsvp_offer_expired:{event_id}:{}:{}", r.user_id, r.arrival);
            queue_rsvp_mail(
                &mut tx,
                site,
                &event,
                r.user_id,
                "rsvp_offer_expired",
                key,
                RsvpMail::OfferExpired,
            )
            .await?;
            expired += 1;
        }
        let event = events::lock(&mut tx, event_id).await?;
        promote_waitlist(&mut tx, site, &event).await?;
        tx.commit().await?;
    }
    Ok(expired)
}

/// An organizer's decision on pending RSVPs. Approval takes a seat if the party fits, else
/// the waitlist (approval never overbooks). Each person is told once.
pub async fn decide(
    db: &Db,
    site: &Site,
    actor: &User,
    event_id: i64,
    rsvp_ids: &[i64],
    approve: bool,
) -> Result<usize> {
    let event = events::get(db, event_id).await?;
    communities::require_organizer(db, event.community_id, actor).await?;
    if event.status != EventStatus::Published || clock::now() >= event.starts_at {
        return Err(DomainError::Refused("event_not_open_for_decisions"));
    }
    let mut tx = db.write().begin().await?;
    let mut decided = 0;
    for id in rsvp_ids {
        let (event, arrival) = events::lock_advancing_seq(&mut tx, event_id, 1).await?;
        let Some(row) = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM rsvps WHERE id = $1 AND event_id = $2 AND status = 'pending'"
        ))
        .bind(id)
        .bind(event_id)
        .fetch_optional(&mut *tx)
        .await?
        else {
            continue; // decided already, or not of this event: nothing is done or mailed twice
        };
        let r = Rsvp::from_row(&row)?;
        let now = clock::now();
        let (status, mail, kind) = if !approve {
            (RsvpStatus::Declined, RsvpMail::Declined, "rsvp_declined")
        } else if waitlist::fits(waitlist::free_seats(event.capacity, event.seats_taken), r.seats()) {
            take_seats(&mut tx, event_id, r.seats()).await?;
            (RsvpStatus::Going, RsvpMail::Approved, "rsvp_approved")
        } else {
            (
                RsvpStatus::Waitlisted,
                RsvpMail::ApprovedWaitlisted,
                "rsvp_approved_waitlisted",
            )
        };
        set_status(
            &mut tx,
            r.id,
            status,
            r.guests,
            if status == RsvpStatus::Waitlisted {
                arrival
            } else {
                r.arrival
            },
            now,
        )
        .await?;
        let key = format!("{kind}:{event_id}:{}:{}", r.user_id, r.arrival);
        queue_rsvp_mail(&mut tx, site, &event, r.user_id, kind, key, mail).await?;
        decided += 1;
    }
    tx.commit().await?;
    Ok(decided)
}

/// The mails about one person's RSVP.
#[derive(Clone, Copy)]
pub(crate) enum RsvpMail {
    Going,
    /// A seat is held until this instant.
    Offered(Micros),
    OfferExpired,
    Waitlisted(i64, bool),
    Pending,
    Promoted,
    Approved,
    ApprovedWaitlisted,
    Declined,
}

async fn queue_rsvp_mail(
    tx: &mut AnyConnection,
    site: &Site,
    event: &Event,
    user_id: i64,
    kind: &'static str,
    key: String,
    mail: RsvpMail,
) -> Result<()> {
    let row = sqlx::query("SELECT email, display_name, lang FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
    let (email, name): (String, String) = (row.try_get("email")?, row.try_get("display_name")?);
    let lang = Lang::parse(&row.try_get::<String, _>("lang")?).unwrap_or_default();
    let (rendered, ics) = render_rsvp_mail(site, event, (&name, lang), mail);
    let new = NewMail {
        ics,
        ..NewMail::new(key, kind, &email, rendered)
    };
    outbox::enqueue_in(tx, site, new).await
}

/// Renders an RSVP mail to `(name, language)`, with the calendar invitation when it confirms
/// a seat. Used when the mail is queued, and by `deferred_mail` when it is sent.
pub(crate) fn render_rsvp_mail(
    site: &Site,
    event: &Event,
    (name, lang): (&str, Lang),
    mail: RsvpMail,
) -> (Rendered, Option<String>) {
    let url = site.link(&format!("/e/{}", event.id));
    let when = mail_templates::when_in(lang, event);
    let t = &event.title;
    let template = match mail {
        RsvpMail::Going => Template::RsvpGoing {
            name,
            event: t,
            when: &when,
            url: &url,
        },
        RsvpMail::Waitlisted(position, party_too_big) => Template::RsvpWaitlisted {
            name,
            event: t,
            when: &when,
            url: &url,
            position,
            party_too_big,
        },
        RsvpMail::Offered(until) => Template::RsvpOffered {
            name,
            event: t,
            when: &when,
            url: &url,
            deadline: &mail_templates::instant_in(lang, event, until),
        },
        RsvpMail::OfferExpired => Template::RsvpOfferExpired {
            name,
            event: t,
            when: &when,
            url: &url,
        },
        RsvpMail::Pending => Template::RsvpPending {
            name,
            event: t,
            when: &when,
            url: &url,
        },
        RsvpMail::Promoted => Template::RsvpPromoted {
            name,
            event: t,
            when: &when,
            url: &url,
        },
        RsvpMail::Approved => Template::RsvpApproved {
            name,
            event: t,
            when: &when,
            url: &url,
        },
        RsvpMail::ApprovedWaitlisted => Template::RsvpApprovedWaitlisted {
            name,
            event: t,
            when: &when,
            url: &url,
        },
        RsvpMail::Declined => Template::RsvpDeclined {
            name,
            event: t,
            when: &when,
            url: &url,
        },
    };
    let rendered = mail_templates::render(lang, &template);
    let seat = matches!(mail, RsvpMail::Going | RsvpMail::Promoted | RsvpMail::Approved);
    // (An offered seat gets its invitation when it is confirmed.)
    (rendered, seat.then(|| ics::event_calendar(site, event)))
}

/// Mails everyone whose RSVP has one of `statuses` (event changed, cancelled), in their
/// language; `render` builds each mail from (language, name, when, event link).
pub(crate) async fn notify_all<F>(
    tx: &mut AnyConnection,
    site: &Site,
    event: &Event,
    kind: &'static str,
    statuses: &[&str],
    reminders_only: bool,
    render: F,
) -> Result<usize>
where
    F: Fn(Lang, &str, &str, &str) -> Rendered,
{
    let placeholders = (0..statuses.len())
        .map(|i| format!("${}", i + 2))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT u.id, u.email, u.display_name, u.lang FROM rsvps r JOIN users u ON u.id = r.user_id \
         JOIN events r_event ON r_event.id = r.event_id \
         WHERE r.event_id = $1 AND r.status IN ({placeholders}) {reminders} ORDER BY r.arrival",
        // Members who turned reminders off for this community; non-members get them.
        reminders = if reminders_only {
            "AND COALESCE((SELECT m.reminders FROM memberships m \
               WHERE m.user_id = u.id AND m.community_id = r_event.community_id), 1) = 1"
        } else {
            ""
        }
    );
    let mut q = sqlx::query(&sql).bind(event.id);
    for s in statuses {
        q = q.bind(*s);
    }
    let rows = q.fetch_all(&mut *tx).await?;
    let url = site.link(&format!("/e/{}", event.id));
    let mut sent = 0;
    for r in rows {
        let lang = Lang::parse(&r.try_get::<String, _>("lang")?).unwrap_or_default();
        let user_id: i64 = r.try_get("id")?;
        let email: String = r.try_get("email")?;
        let name: String = r.try_get("display_name")?;
        let mail = render(lang, &name, &mail_templates::when_in(lang, event), &url);
        let key = format!("{kind}:{}:{user_id}:{}", event.id, event.sequence);
        let ics = Some(ics::event_calendar(site, event));
        outbox::enqueue_in(
            &mut *tx,
            site,
            NewMail {
                ics,
                ..NewMail::new(key, kind, &email, mail)
            },
        )
        .await?;
        sent += 1;
    }
    Ok(sent)
}

/// Place on the waitlist (1 = next) of `user_id`, if waitlisted.
pub async fn waitlist_position(db: &Db, event_id: i64, user_id: i64) -> Result<Option<i64>> {
    let mut conn = db.read().acquire().await?;
    let n = position(&mut conn, event_id, user_id).await?;
    Ok((n > 0).then_some(n))
}

pub async fn of_user(db: &Db, event_id: i64, user_id: i64) -> Result<Option<Rsvp>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM rsvps WHERE event_id = $1 AND user_id = $2"
    ))
    .bind(event_id)
    .bind(user_id)
    .fetch_optional(db.read())
    .await?;
    row.map(|r| Rsvp::from_row(&r)).transpose()
}

/// Counts by status for an event page and the organizer dashboard.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// People (not seats) going.
    pub going: i64,
    /// Seats held (going and offered, guests included).
    pub seats_taken: i64,
    pub waitlisted: i64,
    pub pending: i64,
    pub checked_in: i64,
}

/// The tallies the database keeps on the event row (see migration 0005), so reading them
/// costs the same at 20 RSVPs or 20,000. They come with every [`events::get`] as
/// `Event::counts`; this is for callers that need nothing else.
pub async fn counts(db: &Db, event_id: i64) -> Result<Counts> {
    Ok(events::get(db, event_id).await?.counts)
}

/// Cumulative RSVPs (going, waiting or pending) at the end of each day they changed, for the
/// organizer's chart: (day start, total).
pub async fn timeline(db: &Db, event_id: i64) -> Result<Vec<(Micros, i64)>> {
    let rows = sqlx::query(
        "SELECT created_at FROM rsvps WHERE event_id = $1 AND status IN ('going', 'waitlisted', 'pending') \
         ORDER BY created_at",
    )
    .bind(event_id)
    .fetch_all(db.read())
    .await?;
    let mut days: Vec<(Micros, i64)> = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let at: Micros = r.try_get("created_at")?;
        let day = at - at.rem_euclid(clock::DAY);
        match days.last_mut() {
            Some((d, total)) if *d == day => *total = i as i64 + 1,
            _ => days.push((day, i as i64 + 1)),
        }
    }
    Ok(days)
}

/// An attendee row for organizers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attendee {
    pub rsvp: Rsvp,
    pub display_name: String,
    pub email: String,
}

/// Everyone who answered, waitlist in arrival order, for organizers.
pub async fn attendees(db: &Db, actor: &User, event_id: i64) -> Result<Vec<Attendee>> {
    let event = events::get(db, event_id).await?;
    communities::require_organizer(db, event.community_id, actor).await?;
    let rows = sqlx::query(&format!(
        "SELECT {cols}, u.display_name, u.email FROM rsvps r JOIN users u ON u.id = r.user_id \
         WHERE r.event_id = $1 ORDER BY r.arrival, r.id",
        cols = COLUMNS
            .split(", ")
            .map(|c| format!("r.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
    .bind(event_id)
    .fetch_all(db.read())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Attendee {
                rsvp: Rsvp::from_row(r)?,
                display_name: r.try_get("display_name")?,
                email: r.try_get("email")?,
            })
        })
        .collect()
}
