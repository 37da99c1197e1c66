//! Events: what they are, when (a UTC instant plus the event's IANA time zone), where, and the
//! organizer's life cycle draft → published → cancelled (or deleted).

use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::accounts::{Site, User};
use crate::clock::{self, Micros};
use crate::communities::{self, parse_time_zone, parse_url};
use crate::error::{DomainError, Result};
use crate::mail_templates::{self, Template};
use crate::{Db, rsvp};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Draft,
    Published,
    Cancelled,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Published => "published",
            Status::Cancelled => "cancelled",
        }
    }

    fn parse(s: &str) -> Status {
        match s {
            "published" => Status::Published,
            "cancelled" => Status::Cancelled,
            _ => Status::Draft,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub id: i64,
    pub community_id: i64,
    pub title: String,
    pub description: String,
    pub starts_at: Micros,
    pub ends_at: Micros,
    pub time_zone: String,
    pub venue_name: String,
    pub venue_address: String,
    pub map_url: String,
    pub online_url: String,
    pub cover_url: String,
    pub capacity: Option<i64>,
    pub max_guests: i64,
    pub approval_required: bool,
    pub rsvp_opens_at: Option<Micros>,
    pub rsvp_closes_at: Option<Micros>,
    pub status: Status,
    pub seats_taken: i64,
    /// iCalendar SEQUENCE: raised whenever the time or place changes.
    pub sequence: i64,
    pub remind_24h: bool,
    pub remind_2h: bool,
    pub updated_at: Micros,
    /// Slides and recordings, one URL per line.
    pub materials: String,
    /// Offer mode: a freed seat is offered for this many hours; `None` gives it away at once.
    pub offer_hours: Option<i64>,
    /// The recurring series this event belongs to.
    pub series_id: Option<i64>,
    /// The RSVP tallies the database keeps on the event row (migration 0005).
    pub counts: crate::rsvp::Counts,
}

pub(crate) const COLUMNS: &str = "id, community_id, title, description, starts_at, ends_at, time_zone, venue_name, \
    venue_address, map_url, online_url, cover_url, capacity, max_guests, approval_required, rsvp_opens_at, \
    rsvp_closes_at, status, seats_taken, sequence, remind_24h, remind_2h, updated_at, materials, offer_hours, series_id, \
    going_count, waitlisted_count, pending_count, checked_in_count";

impl Event {
    pub(crate) fn from_row(r: &AnyRow) -> Result<Event> {
        Ok(Event {
            id: r.try_get("id")?,
            community_id: r.try_get("community_id")?,
            title: r.try_get("title")?,
            description: r.try_get("description")?,
            starts_at: r.try_get("starts_at")?,
            ends_at: r.try_get("ends_at")?,
            time_zone: r.try_get("time_zone")?,
            venue_name: r.try_get("venue_name")?,
            venue_address: r.try_get("venue_address")?,
            map_url: r.try_get("map_url")?,
            online_url: r.try_get("online_url")?,
            cover_url: r.try_get("cover_url")?,
            capacity: r.try_get("capacity")?,
            max_guests: r.try_get("max_guests")?,
            approval_required: r.try_get::<i64, _>("approval_required")? != 0,
            rsvp_opens_at: r.try_get("rsvp_opens_at")?,
            rsvp_closes_at: r.try_get("rsvp_closes_at")?,
            status: Status::parse(&r.try_get::<String, _>("status")?),
            seats_taken: r.try_get("seats_taken")?,
            sequence: r.try_get("sequence")?,
            remind_24h: r.try_get::<i64, _>("remind_24h")? != 0,
            remind_2h: r.try_get::<i64, _>("remind_2h")? != 0,
            updated_at: r.try_get("updated_at")?,
            materials: r.try_get("materials")?,
            offer_hours: r.try_get("offer_hours")?,
            series_id: r.try_get("series_id")?,
            counts: crate::rsvp::Counts {
                going: r.try_get("going_count")?,
                seats_taken: r.try_get("seats_taken")?,
                waitlisted: r.try_get("waitlisted_count")?,
                pending: r.try_get("pending_count")?,
                checked_in: r.try_get("checked_in_count")?,
            },
        })
    }

    pub fn tz(&self) -> Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::UTC)
    }

    /// `2026-12-10T19:00` in the event's zone, as an HTML `datetime-local` value.
    pub fn local_input(&self, at: Micros) -> String {
        clock::to_datetime(at)
            .with_timezone(&self.tz())
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    }

    /// Whether RSVPs are accepted at `now`: published, the window open, not yet started.
    pub fn rsvp_open(&self, now: Micros) -> std::result::Result<(), &'static str> {
        if self.status == Status::Cancelled {
            return Err("event_cancelled");
        }
        if self.status != Status::Published {
            return Err("event_not_published");
        }
        if self.rsvp_opens_at.is_some_and(|o| now < o) {
            return Err("rsvp_not_open_yet");
        }
        let closes = self
            .rsvp_closes_at
            .map_or(self.starts_at, |c| c.min(self.starts_at));
        if now >= closes {
            return Err("rsvp_closed");
        }
        Ok(())
    }
}

/// The form an organizer fills in; times are local to `time_zone`, as `datetime-local` gives them.
/// `Default` is an empty form (no capacity, no guests, no reminders), for code that sets a few
/// fields.
#[derive(Default)]
pub struct EventInput<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub starts_local: &'a str,
    pub ends_local: &'a str,
    pub time_zone: &'a str,
    pub venue_name: &'a str,
    pub venue_address: &'a str,
    pub map_url: &'a str,
    pub online_url: &'a str,
    pub cover_url: &'a str,
    pub capacity: &'a str,
    pub max_guests: &'a str,
    pub approval_required: bool,
    pub rsvp_opens_local: &'a str,
    pub rsvp_closes_local: &'a str,
    pub remind_24h: bool,
    pub remind_2h: bool,
    /// Hours a promoted person has to confirm; empty = promote automatically.
    pub offer_hours: &'a str,
}

struct Parsed {
    title: String,
    description: String,
    starts_at: Micros,
    ends_at: Micros,
    time_zone: String,
    venue_name: String,
    venue_address: String,
    map_url: String,
    online_url: String,
    cover_url: String,
    capacity: Option<i64>,
    max_guests: i64,
    approval_required: bool,
    rsvp_opens_at: Option<Micros>,
    rsvp_closes_at: Option<Micros>,
    remind_24h: bool,
    remind_2h: bool,
    offer_hours: Option<i64>,
}

/// The columns an organizer's form sets, in the order [`bind_editable`] binds them: one list
/// for both INSERT and UPDATE, so a new field cannot be saved by one and forgotten by the other.
const EDITABLE: [&str; 19] = [
    "title",
    "description",
    "starts_at",
    "ends_at",
    "time_zone",
    "venue_name",
    "venue_address",
    "map_url",
    "online_url",
    "cover_url",
    "capacity",
    "max_guests",
    "approval_required",
    "rsvp_opens_at",
    "rsvp_closes_at",
    "remind_24h",
    "remind_2h",
    "search_text",
    "offer_hours",
];

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

fn bind_editable<'q>(q: AnyQuery<'q>, p: &'q Parsed) -> AnyQuery<'q> {
    q.bind(&p.title)
        .bind(&p.description)
        .bind(p.starts_at)
        .bind(p.ends_at)
        .bind(&p.time_zone)
        .bind(&p.venue_name)
        .bind(&p.venue_address)
        .bind(&p.map_url)
        .bind(&p.online_url)
        .bind(&p.cover_url)
        .bind(p.capacity)
        .bind(p.max_guests)
        .bind(p.approval_required as i64)
        .bind(p.rsvp_opens_at)
        .bind(p.rsvp_closes_at)
        .bind(p.remind_24h as i64)
        .bind(p.remind_2h as i64)
        .bind(search_text(p))
        .bind(p.offer_hours)
}

/// What search matches against, lower-cased in Rust: SQLite's LOWER() folds only ASCII, so
/// Cyrillic titles would not match case-insensitively in SQL on both backends alike.
fn search_text(p: &Parsed) -> String {
    format!(
        "{}\n{}\n{}\n{}",
        p.title, p.description, p.venue_name, p.venue_address
    )
    .to_lowercase()
}

/// A LIKE pattern for `text` anywhere, with the user's `%`, `_` and `\` taken literally.
fn like_pattern(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// A wall-clock time in `tz` to an instant. Times that do not exist (spring forward) or exist
/// twice (fall back) are refused rather than guessed.
pub fn parse_local(raw: &str, tz: Tz, field: &'static str) -> Result<Micros> {
    let raw = raw.trim();
    let naive = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M"))
        .map_err(|_| {
            DomainError::invalid(
                field,
                if raw.is_empty() {
                    "required"
                } else {
                    "invalid_datetime"
                },
            )
        })?;
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Ok(t.timestamp_micros()),
        _ => Err(DomainError::invalid(field, "ambiguous_local_time")),
    }
}

fn optional_local(raw: &str, tz: Tz, field: &'static str) -> Result<Option<Micros>> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        parse_local(raw, tz, field).map(Some)
    }
}

fn parse_count(raw: &str, field: &'static str, max: i64) -> Result<Option<i64>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.parse::<i64>() {
        Ok(n) if (0..=max).contains(&n) => Ok(Some(n)),
        _ => Err(DomainError::invalid(field, "invalid_number")),
    }
}

fn parse(input: &EventInput<'_>) -> Result<Parsed> {
    let title = input.title.trim();
    if title.is_empty() {
        return Err(DomainError::invalid("title", "required"));
    }
    if title.chars().count() > 200 {
        return Err(DomainError::invalid("title", "too_long"));
    }
    if input.description.chars().count() > 50_000 {
        return Err(DomainError::invalid("description", "too_long"));
    }
    let tz = parse_time_zone(input.time_zone)?;
    let starts_at = parse_local(input.starts_local, tz, "starts_at")?;
    let ends_at = parse_local(input.ends_local, tz, "ends_at")?;
    if ends_at <= starts_at {
        return Err(DomainError::invalid("ends_at", "ends_before_start"));
    }
    let rsvp_opens_at = optional_local(input.rsvp_opens_local, tz, "rsvp_opens_at")?;
    let rsvp_closes_at = optional_local(input.rsvp_closes_local, tz, "rsvp_closes_at")?;
    if let (Some(o), Some(c)) = (rsvp_opens_at, rsvp_closes_at)
        && c <= o
    {
        return Err(DomainError::invalid("rsvp_closes_at", "closes_before_opens"));
    }
    Ok(Parsed {
        title: title.to_owned(),
        description: input.description.trim().to_owned(),
        starts_at,
        ends_at,
        time_zone: tz.name().to_owned(),
        venue_name: input.venue_name.trim().chars().take(200).collect(),
        venue_address: input.venue_address.trim().chars().take(500).collect(),
        map_url: parse_url(input.map_url, "map_url")?,
        online_url: parse_url(input.online_url, "online_url")?,
        cover_url: parse_url(input.cover_url, "cover_url")?,
        capacity: parse_count(input.capacity, "capacity", 1_000_000)?,
        max_guests: parse_count(input.max_guests, "max_guests", 50)?.unwrap_or(0),
        approval_required: input.approval_required,
        rsvp_opens_at,
        rsvp_closes_at,
        remind_24h: input.remind_24h,
        remind_2h: input.remind_2h,
        offer_hours: match parse_count(input.offer_hours, "offer_hours", 168)? {
            Some(0) => return Err(DomainError::invalid("offer_hours", "invalid_number")),
            other => other,
        },
    })
}

pub async fn create(db: &Db, actor: &User, community_id: i64, input: EventInput<'_>) -> Result<Event> {
    communities::require_organizer(db, community_id, actor).await?;
    let p = parse(&input)?;
    let now = clock::now();
    let n = EDITABLE.len();
    let sql = format!(
        "INSERT INTO events ({}, community_id, created_at, updated_at) VALUES ({}, ${}, ${}, ${}) RETURNING id",
        EDITABLE.join(", "),
        (1..=n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", "),
        n + 1,
        n + 2,
        n + 2,
    );
    let row = bind_editable(sqlx::query(&sql), &p)
        .bind(community_id)
        .bind(now)
        .fetch_one(db.write())
        .await?;
    get(db, row.try_get("id")?).await
}

/// Locks the event row for the rest of the transaction (PostgreSQL: row lock; SQLite: the one
/// writer) and reads it. Every change to seats goes through here, which serialises them.
pub(crate) async fn lock(tx: &mut AnyConnection, event_id: i64) -> Result<Event> {
    // A no-op UPDATE takes the row lock on PostgreSQL and the write lock on SQLite, with one
    // statement for both.
    let row = sqlx::query(&format!(
        "UPDATE events SET rsvp_seq = rsvp_seq WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(event_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(DomainError::NotFound)?;
    Event::from_row(&row)
}

/// [`lock`], also handing out `n` arrival numbers: returns the last of them (with `n = 0`, the
/// last one handed out so far).
pub(crate) async fn lock_advancing_seq(
    tx: &mut AnyConnection,
    event_id: i64,
    n: i64,
) -> Result<(Event, i64)> {
    let row = sqlx::query(&format!(
        "UPDATE events SET rsvp_seq = rsvp_seq + $2 WHERE id = $1 RETURNING {COLUMNS}, rsvp_seq"
    ))
    .bind(event_id)
    .bind(n)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(DomainError::NotFound)?;
    Ok((Event::from_row(&row)?, row.try_get("rsvp_seq")?))
}

/// Saves an organizer's edit. Lowering capacity below the seats already confirmed is refused
/// with the number; raising it promotes from the waitlist. A new time or place raises the
/// calendar SEQUENCE and tells everyone going or waiting what changed.
pub async fn update(
    db: &Db,
    site: &Site,
    actor: &User,
    event_id: i64,
    input: EventInput<'_>,
) -> Result<Event> {
    let current = get(db, event_id).await?;
    communities::require_organizer(db, current.community_id, actor).await?;
    let p = parse(&input)?;
    let mut tx = db.write().begin().await?;
    let locked = lock(&mut tx, event_id).await?;
    if let Some(cap) = p.capacity
        && cap < locked.seats_taken
    {
        return Err(DomainError::CapacityBelowConfirmed {
            confirmed: locked.seats_taken,
        });
    }
    let time_changed = p.starts_at != locked.starts_at || p.ends_at != locked.ends_at;
    let place_changed = p.venue_name != locked.venue_name
        || p.venue_address != locked.venue_address
        || p.online_url != locked.online_url;
    let sequence = locked.sequence + i64::from(time_changed || place_changed);
    let n = EDITABLE.len();
    let sql = format!(
        "UPDATE events SET {}, sequence = ${}, updated_at = ${} WHERE id = ${}",
        EDITABLE
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 1))
            .collect::<Vec<_>>()
            .join(", "),
        n + 1,
        n + 2,
        n + 3,
    );
    bind_editable(sqlx::query(&sql), &p)
        .bind(sequence)
        .bind(clock::now())
        .bind(event_id)
        .execute(&mut *tx)
        .await?;
    let updated = lock(&mut tx, event_id).await?;
    rsvp::promote_waitlist(&mut tx, site, &updated).await?;
    if time_changed {
        // Reminders are due again relative to the new start.
        sqlx::query("DELETE FROM reminder_batches WHERE event_id = $1")
            .bind(event_id)
            .execute(&mut *tx)
            .await?;
    }
    if updated.status == Status::Published && (time_changed || place_changed) {
        rsvp::notify_all(
            &mut tx,
            site,
            &updated,
            "event_changed",
            &["going", "waitlisted"],
            false,
            |lang, name, when, url| {
                mail_templates::render(
                    lang,
                    &Template::EventChanged {
                        name,
                        event: &updated.title,
                        when,
                        changes: &describe_changes(lang, &locked, &updated, time_changed, place_changed),
                        url,
                    },
                )
            },
        )
        .await?;
    }
    tx.commit().await?;
    get(db, event_id).await
}

/// What changed, in the reader's language. The online link itself is never written here: the
/// mail also goes to the waitlist, who must not get it; people with a seat see it on the page.
fn describe_changes(lang: crate::lang::Lang, old: &Event, new: &Event, time: bool, place: bool) -> String {
    let mut parts = Vec::new();
    if time {
        let when = |e: &Event| mail_templates::when_in(lang, e);
        parts.push(format!("{} → {}", when(old), when(new)));
    }
    if old.online_url != new.online_url {
        parts.push(match lang {
            crate::lang::Lang::En => "The online link changed; see the event page.".to_owned(),
            crate::lang::Lang::Ru => "Изменилась ссылка на трансляцию; она на странице события.".to_owned(),
        });
    }
    if place && (old.venue_name != new.venue_name || old.venue_address != new.venue_address) {
        let place = |e: &Event| {
            [e.venue_name.as_str(), e.venue_address.as_str()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        };
        parts.push(format!("{} → {}", place(old), place(new)));
    }
    parts.join("\n")
}

pub async fn publish(db: &Db, actor: &User, event_id: i64) -> Result<Event> {
    let e = get(db, event_id).await?;
    communities::require_organizer(db, e.community_id, actor).await?;
    if e.status == Status::Cancelled {
        return Err(DomainError::Refused("event_cancelled"));
    }
    sqlx::query("UPDATE events SET status = 'published', updated_at = $1 WHERE id = $2 AND status = 'draft'")
        .bind(clock::now())
        .bind(event_id)
        .execute(db.write())
        .await?;
    get(db, event_id).await
}

/// Cancels an event: no more RSVPs, and everyone going, waiting or pending is told.
pub async fn cancel(db: &Db, site: &Site, actor: &User, event_id: i64) -> Result<Event> {
    let e = get(db, event_id).await?;
    communities::require_organizer(db, e.community_id, actor).await?;
    let mut tx = db.write().begin().await?;
    let locked = lock(&mut tx, event_id).await?;
    if locked.status != Status::Cancelled {
        sqlx::query(
            "UPDATE events SET status = 'cancelled', sequence = sequence + 1, updated_at = $1 WHERE id = $2",
        )
        .bind(clock::now())
        .bind(event_id)
        .execute(&mut *tx)
        .await?;
        if locked.status == Status::Published {
            let cancelled = Event {
                status: Status::Cancelled,
                sequence: locked.sequence + 1,
                ..locked.clone()
            };
            rsvp::notify_all(
                &mut tx,
                site,
                &cancelled,
                "event_cancelled",
                &["going", "waitlisted", "pending"],
                false,
                |lang, name, when, url| {
                    mail_templates::render(
                        lang,
                        &Template::EventCancelled {
                            name,
                            event: &cancelled.title,
                            when,
                            url,
                        },
                    )
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    get(db, event_id).await
}

/// Sets the slides and recordings of an event (organizers; any time, typically after it).
pub async fn set_materials(db: &Db, actor: &User, event_id: i64, links: &str) -> Result<Event> {
    let e = get(db, event_id).await?;
    communities::require_organizer(db, e.community_id, actor).await?;
    let links = links
        .lines()
        .map(|l| parse_url(l, "materials"))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    sqlx::query("UPDATE events SET materials = $1, updated_at = $2 WHERE id = $3")
        .bind(links)
        .bind(clock::now())
        .bind(event_id)
        .execute(db.write())
        .await?;
    get(db, event_id).await
}

pub async fn delete(db: &Db, actor: &User, event_id: i64) -> Result<()> {
    let e = get(db, event_id).await?;
    communities::require_organizer(db, e.community_id, actor).await?;
    sqlx::query("DELETE FROM events WHERE id = $1")
        .bind(event_id)
        .execute(db.write())
        .await?;
    Ok(())
}

/// An event with what its public page needs besides: its community's slug and name, and
/// whether it has a call for papers and confirmed talks to show.
#[derive(Clone, Debug)]
pub struct EventPage {
    pub event: Event,
    pub community_slug: String,
    pub community_name: String,
    pub has_cfp: bool,
    pub has_confirmed_talks: bool,
}

/// The event with the rest of [`EventPage`], in one query. The two flags let a meetup without
/// a programme (most of them) skip the call-for-papers and talk queries: an anonymous page
/// costs one query instead of three, which on PostgreSQL under 64 connections was a quarter of
/// the page's cost (measured with `scripts/loadtest.sh`).
pub async fn get_for_page(db: &Db, id: i64) -> Result<EventPage> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS}, \
           (SELECT slug FROM communities c WHERE c.id = events.community_id) AS community_slug, \
           (SELECT name FROM communities c WHERE c.id = events.community_id) AS community_name, \
           CASE WHEN EXISTS (SELECT 1 FROM cfps f WHERE f.event_id = events.id) THEN 1 ELSE 0 END AS has_cfp, \
           CASE WHEN EXISTS (SELECT 1 FROM talks t WHERE t.event_id = events.id AND t.state = 'confirmed') \
             THEN 1 ELSE 0 END AS has_confirmed_talks \
         FROM events WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db.read())
    .await?
    .ok_or(DomainError::NotFound)?;
    Ok(EventPage {
        event: Event::from_row(&row)?,
        community_slug: row.try_get("community_slug")?,
        community_name: row.try_get("community_name")?,
        has_cfp: row.try_get::<i64, _>("has_cfp")? != 0,
        has_confirmed_talks: row.try_get::<i64, _>("has_confirmed_talks")? != 0,
    })
}

pub async fn get(db: &Db, id: i64) -> Result<Event> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM events WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.read())
        .await?
        .ok_or(DomainError::NotFound)?;
    Event::from_row(&row)
}

/// An event `viewer` may see: a draft only for its organizers, `NotFound` for everyone else
/// (so a draft's existence does not show). Every public read of one event goes through here.
pub async fn get_visible(db: &Db, viewer: Option<&User>, id: i64) -> Result<Event> {
    let event = get(db, id).await?;
    if event.status == Status::Draft {
        let user = viewer.ok_or(DomainError::NotFound)?;
        if !communities::can_manage(db, event.community_id, user).await? {
            return Err(DomainError::NotFound);
        }
    }
    Ok(event)
}

/// An event with its community's name and slug, for listings.
#[derive(Clone, Debug)]
pub struct Listed {
    pub event: Event,
    pub community_slug: String,
    pub community_name: String,
}

/// What the home page and search ask for.
#[derive(Clone, Debug, Default)]
pub struct Query {
    pub text: Option<String>,
    pub community_id: Option<i64>,
    pub from: Option<Micros>,
    pub to: Option<Micros>,
    /// Past events (newest first) instead of upcoming ones (soonest first).
    pub past: bool,
    pub include_drafts: bool,
    pub limit: i64,
}

pub async fn search(db: &Db, q: &Query) -> Result<Vec<Listed>> {
    let now = clock::now();
    let text = q
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(like_pattern);
    let sql = format!(
        "SELECT {cols}, c.slug AS community_slug, c.name AS community_name FROM events e \
         JOIN communities c ON c.id = e.community_id \
         WHERE ($1 = 1 OR e.status <> 'draft') \
           AND (CASE WHEN $2 = 1 THEN e.ends_at < $3 ELSE e.ends_at >= $3 END) \
           AND ($4 = 0 OR e.community_id = $4) \
           AND ($5 = 0 OR e.starts_at >= $5) AND ($6 = 0 OR e.starts_at < $6) \
           AND ($7 = '' OR e.search_text LIKE $7 ESCAPE '\\' OR LOWER(c.name) LIKE $7 ESCAPE '\\') \
         ORDER BY e.starts_at {order}, e.id LIMIT $8",
        cols = COLUMNS
            .split(", ")
            .map(|c| format!("e.{c}"))
            .collect::<Vec<_>>()
            .join(", "),
        order = if q.past { "DESC" } else { "ASC" },
    );
    let rows = sqlx::query(&sql)
        .bind(q.include_drafts as i64)
        .bind(q.past as i64)
        .bind(now)
        .bind(q.community_id.unwrap_or(0))
        .bind(q.from.unwrap_or(0))
        .bind(q.to.unwrap_or(0))
        .bind(text.unwrap_or_default())
        .bind(if q.limit > 0 { q.limit } else { 50 })
        .fetch_all(db.read())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Listed {
                event: Event::from_row(r)?,
                community_slug: r.try_get("community_slug")?,
                community_name: r.try_get("community_name")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_use_the_zone_and_refuse_gaps() {
        let msk: Tz = "Europe/Moscow".parse().unwrap();
        let t = parse_local("2026-12-10T19:00", msk, "starts_at").unwrap();
        assert_eq!(clock::rfc3339(t), "2026-12-10T16:00:00Z");
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        assert!(
            parse_local("2026-03-29T02:30", berlin, "starts_at").is_err(),
            "does not exist"
        );
        assert!(
            parse_local("2026-10-25T02:30", berlin, "starts_at").is_err(),
            "exists twice"
        );
        assert!(matches!(
            parse_local("", msk, "starts_at"),
            Err(DomainError::Invalid { code: "required", .. })
        ));
    }
}
